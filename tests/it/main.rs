//! Integration tests: the real `headroom` binary on inputs the tests write.
//!
//! One test binary (compiled once); each module covers one subcommand or
//! content kind.

/// The harness: a temporary HEADROOM_HOME and a clean environment per test.
mod support;

/// `headroom compress` on JSON: invariants, flags, formats, bad input.
mod compress;
/// `headroom compress` on unified diffs: kept changes, trimmed context, lockfiles.
mod diff;
/// Committed completions/ and man/ match the clap definition.
mod generated;
/// Property tests over random JSON: determinism, never larger, round trips.
mod properties;
/// `headroom retrieve`: exact originals, --query, --list, misses.
mod retrieve;
/// `headroom compress` on grep/ripgrep output: grouping, selection, exact lines.
mod search;
