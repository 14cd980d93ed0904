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
/// Configuration and store problems: one warning each, output never lost.
mod config;
/// Whole conversations (OpenAI, Anthropic, transcripts): splicing, pairing, prefix stability, --fit.
mod convo;
/// `headroom compress` on diffs: headers and changes kept, context trimmed, summaries.
mod diff;
/// The faithfulness contract of line-oriented kinds, as property tests.
mod faithful;
/// Proxy replicas sharing one redis-server: markers across replicas, one report, outages.
mod fleet;
/// Committed completions/ and man/ match the clap definition.
mod generated;
/// `headroom compress` on HTML pages: article extraction, markers, passthrough.
mod html;
/// `headroom compress` on JSON of every shape: keys that are data, maps, one-shape strings, JSON Lines, BOM.
mod json;
/// `headroom learn`: generated sessions of both agents, rules scored, files written in a block.
mod learn;
/// `headroom compress` on command output: tables, listings, trees, git log, CSV.
mod lines;
/// `headroom compress` on build, test and system logs: facts kept, templates folded.
mod log;
/// `headroom mcp`: both protocol generations over stdio and HTTP, the Python SDK, install round trips.
mod mcp;
/// `headroom mcp` registered with and called by the real Claude Code and Codex.
mod mcp_agents;
/// Property tests over random JSON: determinism, never larger, round trips.
mod properties;
/// `headroom proxy`: real SDKs and raw HTTP through the binary to a fake upstream.
mod proxy;
/// `headroom report`: transcripts like ccusage, usage records, views, formats, HTML.
mod report;
/// `headroom retrieve`: exact originals, --query, --list, misses.
mod retrieve;
/// `headroom compress` on search results: grouping, query, exact paths and line numbers.
mod search;
/// `headroom simulate`: reports per conversation and folder, nothing stored.
mod simulate;
/// The store contract on SQLite and a real redis-server; the CLI on Redis, migrate, report.
mod store;
/// `headroom compress` on prose and Markdown: extractive selection, markers.
mod text;
/// `headroom wrap`: programs and the real Claude Code and Codex through the proxy.
mod wrap;
