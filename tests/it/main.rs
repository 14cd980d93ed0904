//! Integration tests: the real `headroom` binary on inputs the tests write.
//!
//! One test binary (compiled once); each module covers one subcommand or
//! content kind.

/// The harness: a temporary HEADROOM_HOME and a clean environment per test.
mod support;

/// `headroom compress` on JSON: invariants, flags, formats, bad input.
mod compress;
/// Whole conversations (OpenAI, Anthropic, transcripts): splicing, pairing, prefix stability, --fit.
mod convo;
/// Committed completions/ and man/ match the clap definition.
mod generated;
/// Property tests over random JSON: determinism, never larger, round trips.
mod properties;
/// `headroom retrieve`: exact originals, --query, --list, misses.
mod retrieve;
/// `headroom simulate`: reports per conversation and folder, nothing stored.
mod simulate;
