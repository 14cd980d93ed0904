//! Answers MCP requests of either protocol generation.

use serde_json::{Map, Value, json};

use super::jsonrpc::{self, Incoming};
use super::tools::{Settings, Tools};
use super::{HANDSHAKE_VERSIONS, META_VERSION, MODERN_VERSIONS};

/// How the server names itself to clients.
#[derive(Debug, Clone)]
pub struct ServerInfo {
    pub name: &'static str,
    pub version: &'static str,
}

impl Default for ServerInfo {
    fn default() -> Self {
        ServerInfo {
            name: "headroom",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

const INSTRUCTIONS: &str = "Markers like [headroom: … retrieve: headroom_retrieve hash=H] stand where output was \
omitted; call headroom_retrieve with that hash (and a query for just the matching part) to read it.";

/// An MCP server: the tools and the session's counters. Holds no
/// per-connection state, so one `Server` can answer many clients at once.
pub struct Server {
    info: ServerInfo,
    tools: Tools,
}

impl Server {
    pub fn new(settings: Settings) -> Server {
        Server {
            info: ServerInfo::default(),
            tools: Tools::new(settings),
        }
    }

    /// Answers one message; `None` for notifications and responses.
    pub fn handle(&self, bytes: &[u8]) -> Option<Value> {
        match Incoming::parse(bytes) {
            Incoming::Request { id, method, params } => Some(self.answer(id, &method, &params)),
            Incoming::Notification => None,
            Incoming::Invalid(err) => Some(err),
        }
    }

    /// The response to one request.
    pub fn answer(&self, id: Value, method: &str, params: &Value) -> Value {
        let modern = match requested_version(params) {
            None => false,
            Some(v) if MODERN_VERSIONS.contains(&v) => true,
            Some(v) => {
                let supported: Vec<&str> = MODERN_VERSIONS
                    .iter()
                    .chain(HANDSHAKE_VERSIONS)
                    .copied()
                    .collect();
                return jsonrpc::error_with(
                    id,
                    jsonrpc::UNSUPPORTED_VERSION,
                    &format!("unsupported protocol version {v}"),
                    json!({"supported": supported, "requested": v}),
                );
            }
        };
        let outcome = match method {
            "initialize" => Ok(self.initialize(params)),
            "ping" => Ok(json!({})),
            "server/discover" => Ok(self.discover()),
            "tools/list" => Ok(self.tools.list(modern)),
            "tools/call" => self.tools.call(params),
            _ => Err((
                jsonrpc::METHOD_NOT_FOUND,
                format!("method not found: {method}"),
            )),
        };
        match outcome {
            Ok(mut result) => {
                if modern {
                    self.stamp(&mut result);
                }
                jsonrpc::result(id, result)
            }
            Err((code, message)) => jsonrpc::error(id, code, &message),
        }
    }

    fn server_info(&self) -> Value {
        json!({"name": self.info.name, "title": "Headroom", "version": self.info.version})
    }

    fn initialize(&self, params: &Value) -> Value {
        let asked = params
            .get("protocolVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        // Echo a version we speak; otherwise offer our newest and let the client decide.
        let version = HANDSHAKE_VERSIONS
            .iter()
            .find(|v| **v == asked)
            .unwrap_or(&HANDSHAKE_VERSIONS[0]);
        json!({
            "protocolVersion": version,
            "capabilities": {"tools": {"listChanged": false}},
            "serverInfo": self.server_info(),
            "instructions": INSTRUCTIONS,
        })
    }

    fn discover(&self) -> Value {
        let supported: Vec<&str> = MODERN_VERSIONS
            .iter()
            .chain(HANDSHAKE_VERSIONS)
            .copied()
            .collect();
        json!({
            "supportedVersions": supported,
            "capabilities": {"tools": {}},
            "instructions": INSTRUCTIONS,
            "ttlMs": 3_600_000,
            "cacheScope": "public",
        })
    }

    /// What every 2026-07-28 result carries: completion and who answered.
    fn stamp(&self, result: &mut Value) {
        if let Some(obj) = result.as_object_mut() {
            obj.insert("resultType".into(), "complete".into());
            let meta = obj
                .entry("_meta")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(meta) = meta.as_object_mut() {
                meta.insert(
                    "io.modelcontextprotocol/serverInfo".into(),
                    self.server_info(),
                );
            }
        }
    }
}

/// The stateless protocol version a request names in `params._meta`, if any.
pub fn requested_version(params: &Value) -> Option<&str> {
    params.get("_meta")?.get(META_VERSION)?.as_str()
}
