//! headroom: compress what AI agents send to LLMs without losing a fact.
//!
//! The library is the engine: content detection, the compressors, the store
//! of originals and token accounting. The `headroom` binary is a thin front
//! end over [`pipeline::run`].
//!
//! ```
//! use headroom::compress::Context;
//! use headroom::pipeline;
//!
//! let input = br#"[{"id":1,"ok":true},{"id":2,"ok":true},{"id":3,"ok":false}]"#;
//! let cost = |s: &str| headroom::tokens::count(s, headroom::tokens::Encoding::O200k);
//! let ctx = Context {
//!     query: Default::default(),
//!     lossless: true,
//!     valid_json: false,
//!     sink: None,
//!     via: Default::default(),
//!     cost: &cost,
//!     lossy_min_tokens: 500,
//! };
//! let out = pipeline::run(input, None, &ctx);
//! assert!(out.tokens_after <= out.tokens_before);
//! ```

pub mod atomic;
pub mod ccr;
pub mod compress;
pub mod config;
pub mod convo;
pub mod env;
pub mod human;
pub mod learn;
pub mod mcp;
pub mod migrate;
pub mod pipeline;
pub mod pricing;
pub mod proxy;
pub mod relevance;
pub mod report;
pub mod retrieve;
pub mod simulate;
pub mod tokens;
pub mod usage;
pub mod wrap;
