//! Every environment variable headroom reads, in one documented list.
//!
//! The README's table and the tests' environment scrubbing both come from
//! [`ALL`], so a new variable is documented and isolated by adding it here.

/// Directory holding the store (`headroom.db`) and `config.toml`. Default: `~/.headroom`.
pub const HOME: &str = "HEADROOM_HOME";
/// Where originals and usage records are kept: `redis://[user:password@]host[:port][/db]`, `rediss://…` (TLS) or a SQLite file. Default: `headroom.db` in the home.
pub const STORE: &str = "HEADROOM_STORE";
/// How long stored originals stay retrievable: `7d`, `12h`, `30m` or seconds. Default: `7d`.
pub const TTL: &str = "HEADROOM_TTL";
/// Size cap of the store in MiB; least recently used originals go first. Default: 512.
pub const MAX_STORE_MB: &str = "HEADROOM_MAX_STORE_MB";
/// Model whose tokenizer counts tokens. Default: `gpt-4o` (o200k_base).
pub const MODEL: &str = "HEADROOM_MODEL";
/// Lossless results at or below this many tokens are never thinned. Default: 500.
pub const LOSSY_MIN_TOKENS: &str = "HEADROOM_LOSSY_MIN_TOKENS";
/// Bearer token `headroom mcp serve --http` requires from clients; needed on a non-loopback address.
pub const MCP_TOKEN: &str = "HEADROOM_MCP_TOKEN";
/// Upstream for OpenAI-compatible requests of `headroom proxy`, `/v1` included. Default: `https://api.openai.com/v1`.
pub const OPENAI_BASE_URL: &str = "HEADROOM_OPENAI_BASE_URL";
/// Upstream for Anthropic requests of `headroom proxy`. Default: `https://api.anthropic.com`.
pub const ANTHROPIC_BASE_URL: &str = "HEADROOM_ANTHROPIC_BASE_URL";
/// When the proxy offers the model `headroom_retrieve`: `always`, `on-marker` or `never`. Default: `always`.
pub const RETRIEVE_TOOL: &str = "HEADROOM_RETRIEVE_TOOL";
/// Token the proxy's ops endpoints require; needed to bind a non-loopback address.
pub const PROXY_TOKEN: &str = "HEADROOM_PROXY_TOKEN";
/// Benchmark corpus directory (layout of `shared/bench`), for `cargo bench`.
pub const BENCH_DIR: &str = "HEADROOM_BENCH_DIR";

/// Name and one-line description of each variable.
pub const ALL: &[(&str, &str)] = &[
    (
        HOME,
        "directory of the store (headroom.db) and config.toml; default ~/.headroom",
    ),
    (
        STORE,
        "store of originals and usage: redis://[user:pass@]host[:port][/db], rediss://… or a SQLite file; default headroom.db in the home",
    ),
    (
        TTL,
        "how long originals stay retrievable: 7d, 12h, 30m or seconds; default 7d",
    ),
    (
        MAX_STORE_MB,
        "size cap of the store in MiB, least recently used evicted first; default 512",
    ),
    (
        MODEL,
        "model whose tokenizer counts tokens; default gpt-4o (o200k_base)",
    ),
    (
        LOSSY_MIN_TOKENS,
        "lossless results at or below this many tokens are never thinned; default 500",
    ),
    (
        MCP_TOKEN,
        "bearer token `mcp serve --http` requires; needed on a non-loopback address",
    ),
    (
        OPENAI_BASE_URL,
        "proxy upstream for OpenAI-compatible requests, /v1 included; default https://api.openai.com/v1",
    ),
    (
        ANTHROPIC_BASE_URL,
        "proxy upstream for Anthropic requests; default https://api.anthropic.com",
    ),
    (
        RETRIEVE_TOOL,
        "when the proxy offers the model headroom_retrieve: always, on-marker or never; default always",
    ),
    (
        PROXY_TOKEN,
        "token the proxy's ops endpoints require; needed to bind a non-loopback --host",
    ),
    (
        BENCH_DIR,
        "benchmark corpus for cargo bench (layout of shared/bench)",
    ),
];
