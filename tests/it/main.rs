//! Integration tests: the real `headroom` binary on inputs the tests write.
//!
//! One test binary (compiled once); each module covers one subcommand or
//! content kind.

/// The harness: a temporary HEADROOM_HOME and a clean environment per test.
mod support;

/// `headroom compress` on JSON: invariants, flags, formats, bad input.
mod compress;
/// `headroom retrieve`: exact originals, --query, --list, misses.
mod retrieve;
/// Property tests over random JSON: determinism, never larger, round trips.
mod properties;
/// Committed completions/ and man/ match the clap definition.
mod generated;
/// `headroom compress` on source code: outlines, markers, passthrough.
mod code;
/// `headroom compress` on HTML pages: article extraction, markers, passthrough.
mod html;
/// `headroom compress` on prose and Markdown: extractive selection, markers.
mod text;
/// `headroom compress` on search results: grouping, query, exact paths and line numbers.
mod search;
/// `headroom compress` on diffs: headers and changes kept, context trimmed, summaries.
mod diff;
/// `headroom compress` on build, test and system logs: facts kept, templates folded.
mod log;
