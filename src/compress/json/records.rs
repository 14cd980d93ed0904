//! JSON Lines: one JSON object per line, read as a stream of records.
//!
//! Records are judged like the items of a JSON array ([`lossy::plan`]:
//! errors, rare values, outliers, query matches, first and last kept), but
//! the output stays line-oriented and faithful: every kept record is its
//! original line byte for byte, and each dropped run is one marker line.
//! A blank line travels with the record before it.

use super::lossy::{self, Entries};
use super::value::{self, Value};
use crate::compress::{Compressed, Context, gaps};

/// Compresses `text` if every non-blank line is a JSON object (and there
/// are at least two); `None` otherwise or when nothing is worth dropping.
pub fn compress(text: &str, ctx: &Context) -> Option<Compressed> {
    // Each line with its terminator, so kept lines are copied exactly.
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut records: Vec<Value> = Vec::new();
    // The line each record starts at.
    let mut starts: Vec<usize> = Vec::new();
    for (j, line) in lines.iter().enumerate() {
        let body = line.trim_start_matches('\u{feff}').trim();
        if body.is_empty() {
            continue;
        }
        if !body.starts_with('{') {
            return None;
        }
        // Validated, but kept as its text until judged: a tree of every
        // record would be several times the input.
        records.push(value::parse_lazy(body, usize::MAX).ok()?);
        starts.push(j);
    }
    if records.len() < 2 || !ctx.may_drop() || ctx.is_small(text) {
        return None;
    }
    let hash = crate::ccr::hash_of(text.as_bytes());
    let marker = |summary: &str| ctx.marker(summary, &hash);
    let plan = lossy::plan(
        Entries::Items(&records),
        &ctx.query,
        Some("records"),
        lossy::marker_bytes(&marker),
    )?;
    drop(records);
    // The original goes to the store before any marker naming it is printed.
    ctx.store_hashed(text, "json", &hash)?;
    // Record r spans lines starts[r]..starts[r + 1] (the last runs to the end);
    // blank lines before the first record stay.
    let line_of = |r: usize| if r == 0 { 0 } else { starts[r] };
    let end_of = |r: usize| starts.get(r + 1).copied().unwrap_or(lines.len());
    let mut out = String::with_capacity(text.len() / 8);
    let mut next = 0;
    for (gap, summary) in gaps(&plan.keep).into_iter().zip(&plan.summaries) {
        lines[next..line_of(gap.start)]
            .iter()
            .for_each(|l| out.push_str(l));
        out.push_str(&ctx.marker_line(summary, &hash));
        out.push('\n');
        next = end_of(gap.end - 1);
    }
    lines[next..].iter().for_each(|l| out.push_str(l));
    Some(Compressed {
        text: out,
        transforms: vec![format!("json:records({} dropped)", plan.dropped)],
        hashes: vec![hash],
    })
}
