//! The MCP tools at `/mcp` on the proxy, on its store and behind its token,
//! for agents that reach headroom over HTTP rather than launching it.

use std::sync::Arc;

use super::Config;
use crate::mcp::{Server, Settings, http};

pub fn router(config: &Config) -> axum::Router {
    let settings = Settings {
        store: config.store.clone(),
        store_options: config.store_options,
        model: crate::config::DEFAULT_MODEL.into(),
        lossy_min_tokens: config.lossy_min_tokens,
        project: config.wrapped.as_ref().map(|w| w.project.clone()),
    };
    let access = http::Access {
        token: config.auth_token.clone(),
        origins: Vec::new(),
    };
    http::router(Arc::new(Server::new(settings)), access)
}
