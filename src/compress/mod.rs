//! Compressors, one per content kind, and what they share.
//!
//! A compressor takes the text of one tool output and returns a smaller text
//! for a model to read, or `None` to leave the input as it is. It never needs
//! to check the never-larger rule or store the whole input itself: the
//! pipeline does both.

pub mod json;

use crate::ccr::{RetrieveVia, Sink};
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
