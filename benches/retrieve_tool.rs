//! What offering `headroom_retrieve` costs in prompt-cache tokens, by
//! `--retrieve-tool` policy, on real agent transcripts: `cargo bench
//! --profile quick --bench retrieve_tool [BENCH_DIR]` (the directory
//! defaults to `$HEADROOM_BENCH_DIR`; its `cases/transcript/*.jsonl` are
//! read; skipped when absent).
//!
//! Each run of assistant records is one model call whose input is
//! everything before it; a call reads from the cache what the previous
//! call's input held and writes the rest (as `headroom simulate` prices a
//! session). The tool's definition comes after the client's tools, so:
//! - `always` puts it in the first call: its tokens are written once and
//!   read by every later call;
//! - `on-marker` adds it to the first call whose input holds a marker: the
//!   tools list changes there, so that call writes its whole cached prefix
//!   again (system prompt and every earlier message), then reads as before.

use std::path::PathBuf;

use headroom::ccr::{HashOnlySink, RetrieveVia};
use headroom::compress::Context;
use headroom::convo::{self, Role};
use headroom::proxy::retrieve::Wire;
use headroom::tokens::{self, Encoding};

fn main() {
    let dir = std::env::args()
        .skip(1)
        .find(|a| a != "--bench")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os(headroom::env::BENCH_DIR).map(PathBuf::from));
    let Some(dir) = dir
        .map(|d| d.join("cases/transcript"))
        .filter(|d| d.is_dir())
    else {
        eprintln!(
            "skipping: pass the bench directory or set {} (its cases/transcript/*.jsonl are read)",
            headroom::env::BENCH_DIR
        );
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read the transcript directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let cost = |s: &str| tokens::count(s, Encoding::O200k);
    let ctx = Context {
        query: Default::default(),
        lossless: false,
        valid_json: false,
        sink: Some(&HashOnlySink),
        via: RetrieveVia::Tool,
        cost: &cost,
        lossy_min_tokens: headroom::config::DEFAULT_LOSSY_MIN_TOKENS,
    };
    let tool = cost(&Wire::Anthropic.definition().to_string());
    println!("tool definition: {tool} tokens; extra cache tokens per session by policy");
    println!(
        "{:<40} {:>5} {:>11} {:>13} {:>13} {:>13} {:>13}",
        "transcript",
        "calls",
        "marker@call",
        "always write",
        "always read",
        "marker write",
        "marker read"
    );
    let mut totals = [0usize; 4];
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read transcript");
        let Some(conv) = convo::parse(&text) else {
            continue;
        };
        let c = convo::compress(&text, &conv, &ctx, None);
        let preamble: usize = conv.preamble.iter().map(|b| cost(&b.text)).sum();
        // Tokens of each message as sent after compression, and whether it
        // holds a marker.
        let sent: Vec<(usize, bool)> = c
            .message_spans
            .iter()
            .map(|r| {
                let m = &c.output[r.clone()];
                (cost(m), !headroom::ccr::hashes_in(m).is_empty())
            })
            .collect();
        // (input tokens, cached tokens, input holds a marker) of each call.
        let mut calls: Vec<(usize, usize, bool)> = Vec::new();
        let (mut prefix, mut cached, mut marked) = (preamble, 0, false);
        let mut i = 0;
        while i < conv.messages.len() {
            if conv.messages[i].role != Role::Assistant {
                prefix += sent[i].0;
                marked |= sent[i].1;
                i += 1;
                continue;
            }
            calls.push((prefix, cached, marked));
            cached = prefix;
            while i < conv.messages.len() && conv.messages[i].role == Role::Assistant {
                prefix += sent[i].0;
                i += 1;
            }
        }
        let n = calls.len();
        let always = (tool, tool * n.saturating_sub(1));
        let first = calls.iter().position(|c| c.2);
        let on_marker = first.map_or((0, 0), |k| (calls[k].1 + tool, tool * (n - k - 1)));
        for (t, x) in totals
            .iter_mut()
            .zip([always.0, always.1, on_marker.0, on_marker.1])
        {
            *t += x;
        }
        println!(
            "{:<40} {:>5} {:>11} {:>13} {:>13} {:>13} {:>13}",
            path.file_name().unwrap().to_string_lossy(),
            n,
            first.map_or("-".to_string(), |k| (k + 1).to_string()),
            always.0,
            always.1,
            on_marker.0,
            on_marker.1
        );
    }
    // Anthropic's prices for Claude Sonnet: writes 1.25× input, reads 0.1×.
    let (write, read) = (3.75, 0.30);
    let usd =
        |w: usize, r: usize| headroom::pricing::usd(w, write) + headroom::pricing::usd(r, read);
    println!(
        "{:<40} {:>5} {:>11} {:>13} {:>13} {:>13} {:>13}",
        "total", "", "", totals[0], totals[1], totals[2], totals[3]
    );
    println!(
        "at ${write}/M cache writes and ${read}/M reads: always ${:.4}, on-marker ${:.4}",
        usd(totals[0], totals[1]),
        usd(totals[2], totals[3])
    );
}
