//! Build, test and system logs.
//!
//! Lossless first: ANSI escapes, CRLF and trailing whitespace go, and runs
//! of identical lines fold to one line with an exact count (`line (×12)`).
//! When content may be dropped and the log is still large, the lossy stage
//! ([`select`]) keeps every error with its stack trace, warnings once per
//! template with a count, summaries, query matches, rare templates and the
//! first and last lines, folds the rest by template, and marks each gap
//! with its size by level and the hash that retrieves the original.
//! `go test -json` streams are first shown as the output they carry.

mod classify;
mod clean;
mod fold;
mod gotest;
mod select;
mod template;

pub use gotest::looks_like as looks_like_go_test_json;

use super::{Compressed, Context};

pub fn compress(text: &str, ctx: &Context) -> Option<Compressed> {
    if text.trim().is_empty() {
        return None;
    }
    let cleaned = clean::clean(text, false);
    let lossless = fold::render(&cleaned.lines, cleaned.trailing_newline);
    let lossless_result = || {
        (lossless != text).then(|| Compressed {
            text: lossless.clone(),
            transforms: vec!["log:clean".into()],
            hashes: Vec::new(),
        })
    };
    if !ctx.may_drop() || is_small(&lossless, ctx) {
        return lossless_result();
    }
    let gotest = gotest::looks_like(cleaned.lines.iter().map(|l| l.as_ref()));
    let Some(hash) = ctx.store(text, "log") else {
        return lossless_result();
    };
    let marker = |summary: &str| ctx.marker_line(summary, &hash);
    let mut transforms = vec!["log:clean".to_string()];
    let lossy = if gotest {
        let rendered = gotest::render(&cleaned.lines);
        let lines = clean::clean(&rendered.text, true);
        let mut out = marker(&format!(
            "go test -json shown as its output; {} events without output omitted",
            rendered.silent_events
        ));
        out.push('\n');
        out.push_str(&select::render(&lines.lines, cleaned.trailing_newline, &ctx.query, &marker));
        transforms.push("log:go-test-json".into());
        out
    } else {
        let lines = clean::clean(text, true);
        select::render(&lines.lines, lines.trailing_newline, &ctx.query, &marker)
    };
    if lossy.len() >= lossless.len() {
        return lossless_result();
    }
    transforms.push("log:fold-templates".into());
    Some(Compressed { text: lossy, transforms, hashes: vec![hash] })
}

/// Whether the lossless form is already within the size that is never thinned.
fn is_small(lossless: &str, ctx: &Context) -> bool {
    // Logs run at well under 16 bytes a token; skip counting what is surely large.
    lossless.len() <= 16 * ctx.lossy_min_tokens && (ctx.cost)(lossless) <= ctx.lossy_min_tokens
}
