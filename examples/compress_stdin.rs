//! Runs headroom's pipeline as a library: compress stdin losslessly and
//! print the result with a one-line summary on stderr.
//!
//! `cargo run --example compress_stdin < examples/events.json`

use std::io::{Read, Write};

use headroom::compress::Context;
use headroom::pipeline;
use headroom::tokens::{self, Encoding};

fn main() -> std::io::Result<()> {
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input)?;
    let cost = |s: &str| tokens::count(s, Encoding::O200k);
    let ctx = Context {
        query: Default::default(),
        // No store here, so nothing may be dropped: lossless encodings only.
        lossless: true,
        valid_json: false,
        sink: None,
        via: Default::default(),
        cost: &cost,
        lossy_min_tokens: 500,
    };
    let out = pipeline::run(&input, None, &ctx);
    std::io::stdout().write_all(&out.output)?;
    eprintln!(
        "{} -> {} tokens ({:.1}% saved)",
        out.tokens_before,
        out.tokens_after,
        out.saved_pct()
    );
    Ok(())
}
