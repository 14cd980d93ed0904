//! Compressors, one per content kind, and what they share.
//!
//! A compressor takes the text of one tool output and returns a smaller text
//! for a model to read, or `None` to leave the input as it is. It never needs
//! to check the never-larger rule or store the whole input itself: the
//! pipeline does both.

pub mod code;
pub mod diff;
pub mod html;
pub mod json;
pub mod lines;
pub mod log;
pub mod search;
pub mod text;

use std::ops::Range;

use crate::ccr::{self, RetrieveVia, Sink, hash_of};
use crate::relevance::Query;

/// What every compressor needs to know about the request.
pub struct Context<'a> {
    pub query: Query,
    /// Only lossless encodings: nothing is dropped or moved to the store.
    pub lossless: bool,
    /// JSON output must stay valid JSON (no tables).
    pub valid_json: bool,
    /// Where omitted originals go; `None` forces lossless output.
    pub sink: Option<&'a dyn Sink>,
    pub via: RetrieveVia,
    /// Token cost of a candidate text.
    pub cost: &'a (dyn Fn(&str) -> usize + Sync),
    /// Lossless results at or below this many tokens are not thinned further.
    pub lossy_min_tokens: usize,
}

impl Context<'_> {
    /// Whether this request may drop content behind a marker.
    pub fn may_drop(&self) -> bool {
        !self.lossless && self.sink.is_some()
    }

    /// The marker text for an omission from the original whose hash is `hash`
    /// (see [`ccr::marker_text`]); wrap it with [`ccr::marker_line`] for a line.
    pub fn marker(&self, summary: &str, hash: &str) -> String {
        ccr::marker_text(summary, hash, self.via)
    }

    /// Whether `text` is at or below the size that is never thinned. A token
    /// is rarely longer than 64 bytes, so a long text is not counted at all.
    pub fn is_small(&self, text: &str) -> bool {
        text.len() <= self.lossy_min_tokens * 64 && (self.cost)(text) <= self.lossy_min_tokens
    }

    /// A whole marker line, e.g. `[headroom: 12 of 40 lines omitted; retrieve: …]`.
    pub fn marker_line(&self, summary: &str, hash: &str) -> String {
        ccr::marker_line(&self.marker(summary, hash))
    }

    /// Stores `original` and returns its hash, or `None` if it could not be
    /// stored (or this request may not drop content). Call it before
    /// returning any output whose markers name the hash; on `None`, return a
    /// lossless result or `None`.
    pub fn store(&self, original: &str, kind: &str) -> Option<String> {
        if !self.may_drop() {
            return None;
        }
        let hash = hash_of(original.as_bytes());
        self.store_hashed(original, kind, &hash)?;
        Some(hash)
    }

    /// [`Context::store`] of an original whose hash the caller computed
    /// (for markers made before it knew whether to store); `Some` only when
    /// it was stored under that hash.
    pub fn store_hashed(&self, original: &str, kind: &str, hash: &str) -> Option<()> {
        if !self.may_drop() {
            return None;
        }
        debug_assert_eq!(hash, hash_of(original.as_bytes()));
        let stored = self.sink?.store_hashed(original.as_bytes(), kind, hash)?;
        (stored == hash).then_some(())
    }
}

/// The runs of `false` in `keep`: the gaps a marker will stand in.
pub fn gaps(keep: &[bool]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < keep.len() {
        if keep[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < keep.len() && !keep[i] {
            i += 1;
        }
        out.push(start..i);
    }
    out
}

/// Keeps every gap that `cheap` says costs no more than its marker would:
/// a marker that saves nothing only hides what it stands for.
pub fn keep_cheap_gaps(keep: &mut [bool], cheap: impl Fn(Range<usize>) -> bool) {
    for gap in gaps(keep) {
        if cheap(gap.clone()) {
            keep[gap].iter_mut().for_each(|k| *k = true);
        }
    }
}

/// Whether `lines`, printed one per line, cost no more tokens than
/// `marker_cost`. Only lines near that size are counted: no text runs at
/// more than 16 bytes a token.
pub fn lines_cost_at_most<S: std::borrow::Borrow<str>>(
    lines: &[S],
    marker_cost: usize,
    cost: &dyn Fn(&str) -> usize,
) -> bool {
    lines_bytes(lines) <= marker_cost * 16 && cost(&lines.join("\n")) <= marker_cost
}

/// The bytes of `lines` printed one per line.
pub fn lines_bytes<S: std::borrow::Borrow<str>>(lines: &[S]) -> usize {
    lines.iter().map(|l| l.borrow().len() + 1).sum()
}

/// A compressor's result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Compressed {
    pub text: String,
    /// Short names of what was applied, e.g. `json:minify`, `json:table`.
    pub transforms: Vec<String>,
    /// Hashes that markers in `text` name. Each must already be stored.
    pub hashes: Vec<String>,
}
