//! The stdio transport: one JSON-RPC message per line in, one per line out.
//! Stdout carries nothing else; logs go to stderr. Returns at end of input.

use std::io::{BufRead, Write};

use super::Server;

/// Asks the kernel for a 1 MiB pipe on stdout (best effort; Linux only).
/// A pipe holds 64 KiB by default, so a 1 MB answer would otherwise cross
/// in sixteen hand-offs between this process and the agent reading it,
/// each a context switch on a busy machine.
pub fn widen_stdout_pipe() {
    #[cfg(target_os = "linux")]
    {
        use nix::fcntl::{FcntlArg, fcntl};
        let stdout = std::io::stdout();
        // Fails harmlessly when stdout is not a pipe or the size is above
        // the system's limit (/proc/sys/fs/pipe-max-size).
        let _ = fcntl(&stdout, FcntlArg::F_SETPIPE_SZ(1 << 20));
    }
}

pub fn serve(
    server: &Server,
    mut input: impl BufRead,
    mut output: impl Write,
) -> std::io::Result<()> {
    let mut line = Vec::new();
    let mut answer = Vec::new();
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
            // Serialized whole, then written at once: stdout is line-buffered
            // through a small buffer, so serializing into it would cost a
            // write per kilobyte of a large answer. Compact JSON escapes
            // newlines inside strings, so one message stays one line.
            answer.clear();
            serde_json::to_writer(&mut answer, &response)?;
            answer.push(b'\n');
            output.write_all(&answer)?;
            output.flush()?;
            if answer.capacity() > 1 << 20 {
                // One large answer should not pin its buffer for the session.
                answer = Vec::new();
            }
        }
    }
}
