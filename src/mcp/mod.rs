//! `headroom mcp`: retrieve, compress and stats as MCP tools, for agents that
//! call headroom themselves (no proxy in the path).
//!
//! [`Server`] answers one JSON-RPC message at a time and holds no
//! per-connection state, so both protocol generations work over every
//! transport: the `initialize` handshake of 2024-11-05 … 2025-11-25 and the
//! stateless 2026-07-28 form (version in each request's `_meta`,
//! `server/discover`). [`stdio`] frames messages as lines; [`http`] is a
//! Streamable HTTP router that `headroom mcp serve --http` runs and the proxy
//! can mount. [`install`] registers the server with Claude Code and Codex.

pub mod http;
pub mod install;
mod jsonrpc;
mod server;
pub mod stdio;
mod tools;

pub(crate) use tools::page;

pub use self::jsonrpc::Incoming;
pub use self::server::{Server, ServerInfo};
pub use self::tools::Settings;

/// Versions answered through the `initialize` handshake, newest first.
pub const HANDSHAKE_VERSIONS: &[&str] = &["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];
/// Stateless versions, named in each request's `_meta`.
pub const MODERN_VERSIONS: &[&str] = &["2026-07-28"];
/// The `_meta` key that carries a stateless request's protocol version.
pub const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
