//! Integration tests: the real `headroom` binary on inputs the tests write.
//!
//! One test binary (compiled once); each module covers one subcommand or
//! content kind.

/// The harness: a temporary HEADROOM_HOME and a clean environment per test.
mod support;

/// `headroom compress` on source code: outlines, markers, passthrough.
mod code;
/// `headroom compress` on JSON: invariants, flags, formats, bad input.
mod compress;
/// `headroom compress` on unified diffs: kept changes, trimmed context, lockfiles.
mod diff;
/// Committed completions/ and man/ match the clap definition.
mod generated;
/// `headroom compress` on HTML pages: article extraction, retrieval, bad input.
mod html;
/// Property tests over random JSON: determinism, never larger, round trips.
mod properties;
/// `headroom retrieve`: exact originals, --query, --list, misses.
mod retrieve;
/// `headroom compress` on grep/ripgrep output: grouping, selection, exact lines.
mod search;
/// `headroom compress` on plain text and Markdown: passthrough, extraction, markers.
mod text;
