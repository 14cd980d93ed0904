//! Compress–cache–retrieve: the marker grammar and the store of originals.
//!
//! Whatever a compressor omits is stored first under the hash the marker
//! prints, so a reader can always get the exact original back. One grammar
//! serves every kind and every front end:
//!
//! ```text
//! [headroom: 412 of 450 lines omitted (398 INFO, 14 DEBUG); retrieve: headroom retrieve 3f9a1c2b7d4e8a01]
//! ```
//!
//! The CLI names the command; the proxy and MCP server name the
//! `headroom_retrieve` tool (`retrieve: headroom_retrieve hash=…`).

pub mod location;
pub mod redis;
pub mod store;

use std::sync::LazyLock;

use regex::Regex;

pub use location::{StoreLocation, open};
pub use store::{OriginalStore, hash_of, is_hash};

/// How a marker tells its reader to fetch the original.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RetrieveVia {
    /// `headroom retrieve HASH`, for output read in a terminal or by a shell agent.
    #[default]
    Cli,
    /// `headroom_retrieve hash=HASH`, for requests that carry the retrieve tool.
    Tool,
}

/// The text of a marker (without the `[headroom: …]` brackets that a line marker adds).
pub fn marker_text(summary: &str, hash: &str, via: RetrieveVia) -> String {
    match via {
        RetrieveVia::Cli => format!("{summary}; retrieve: headroom retrieve {hash}"),
        RetrieveVia::Tool => format!("{summary}; retrieve: headroom_retrieve hash={hash}"),
    }
}

/// A marker standing on its own line.
pub fn marker_line(text: &str) -> String {
    format!("[headroom: {text}]")
}

/// The marker text if `line` is exactly a marker line.
pub fn parse_marker_line(line: &str) -> Option<&str> {
    let inner = line.strip_prefix("[headroom: ")?.strip_suffix(']')?;
    MARKER_HASH.is_match(inner).then_some(inner)
}

/// Finds the retrieve clause of any marker, in either style.
pub static MARKER_HASH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"retrieve: (?:headroom retrieve |headroom_retrieve hash=)([0-9a-f]{16})\b").unwrap()
});

/// Every hash named by a marker in `text`, in order of first appearance.
pub fn hashes_in(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in MARKER_HASH.captures_iter(text) {
        let h = c[1].to_string();
        if !out.contains(&h) {
            out.push(h);
        }
    }
    out
}

/// Where compressors put originals before they print a marker.
///
/// `None` means the original could not be stored; the compressor must then
/// keep everything (a marker that retrieves nothing is worse than no saving).
///
/// A sink is given the hash ([`hash_of`]) with the bytes: a compressor may
/// need it for its markers before it knows whether to store, and hashing
/// tens of megabytes twice is most of what storing them costs. A sink that
/// wraps another passes the hash on.
pub trait Sink {
    /// Stores `original`, whose hash is `hash`, and returns the hash it is
    /// stored under.
    fn store_hashed(&self, original: &[u8], kind: &str, hash: &str) -> Option<String>;

    /// Stores `original` and returns its hash.
    fn store(&self, original: &[u8], kind: &str) -> Option<String> {
        self.store_hashed(original, kind, &hash_of(original))
    }
}

/// Every store is a sink (a supertrait, so `&dyn OriginalStore` upcasts
/// to `&dyn Sink`): a put that fails keeps the output lossless.
macro_rules! store_is_sink {
    ($($t:ty),*) => {$(
        impl Sink for $t {
            fn store_hashed(&self, original: &[u8], kind: &str, hash: &str) -> Option<String> {
                self.put_hashed(original, kind, hash).ok()
            }
        }
    )*};
}
store_is_sink!(store::SqliteStore, redis::RedisStore);

/// A sink that stores nothing and returns the hash a real store would: for
/// tests and benchmarks that measure compression without the disk.
pub struct HashOnlySink;

impl Sink for HashOnlySink {
    fn store_hashed(&self, _original: &[u8], _kind: &str, hash: &str) -> Option<String> {
        Some(hash.to_string())
    }
}

/// A sink for unit tests that keeps every stored original, in order.
#[cfg(test)]
#[derive(Default)]
pub(crate) struct MemorySink(pub std::cell::RefCell<Vec<Vec<u8>>>);

#[cfg(test)]
impl Sink for MemorySink {
    fn store_hashed(&self, original: &[u8], _kind: &str, hash: &str) -> Option<String> {
        self.0.borrow_mut().push(original.to_vec());
        Some(hash.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_regex_finds_both_styles() {
        let a = marker_line(&marker_text(
            "3 of 9 lines omitted",
            "0123456789abcdef",
            RetrieveVia::Cli,
        ));
        let b = marker_text("x", "fedcba9876543210", RetrieveVia::Tool);
        assert_eq!(
            a,
            "[headroom: 3 of 9 lines omitted; retrieve: headroom retrieve 0123456789abcdef]"
        );
        assert_eq!(
            hashes_in(&format!("{a}\n{b}")),
            ["0123456789abcdef", "fedcba9876543210"]
        );
        assert_eq!(
            parse_marker_line(&a),
            Some("3 of 9 lines omitted; retrieve: headroom retrieve 0123456789abcdef")
        );
        assert_eq!(parse_marker_line("[headroom: no hash here]"), None);
    }
}
