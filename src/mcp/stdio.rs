//! The stdio transport: one JSON-RPC message per line in, one per line out.
//! Stdout carries nothing else; logs go to stderr. Returns at end of input.

use std::io::{BufRead, Write};

use super::Server;

pub fn serve(
    server: &Server,
    mut input: impl BufRead,
    mut output: impl Write,
) -> std::io::Result<()> {
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let msg = line.trim_ascii();
        if msg.is_empty() {
            continue;
        }
        if let Some(response) = server.handle(msg) {
            // Compact JSON escapes newlines inside strings, so one message stays one line.
            serde_json::to_writer(&mut output, &response)?;
            output.write_all(b"\n")?;
            output.flush()?;
        }
    }
}
