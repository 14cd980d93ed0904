//! JSON-RPC 2.0 messages as MCP uses them: one object per message, no batches.

use serde_json::{Value, json};

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
/// 2026-07-28: an HTTP header disagrees with the body.
pub const HEADER_MISMATCH: i64 = -32020;
/// 2026-07-28: the request names a protocol version this server does not speak.
pub const UNSUPPORTED_VERSION: i64 = -32022;

/// One parsed message from a client.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    Request {
        id: Value,
        method: String,
        params: Value,
    },
    /// A notification or a response to a server request: nothing to answer.
    Notification,
    /// Not a JSON-RPC message; the error response to send back.
    Invalid(Value),
}

impl Incoming {
    pub fn parse(bytes: &[u8]) -> Incoming {
        let msg: Value = match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(e) => {
                return Incoming::Invalid(error(
                    Value::Null,
                    PARSE_ERROR,
                    &format!("parse error: {e}"),
                ));
            }
        };
        let Some(obj) = msg.as_object() else {
            let what = if msg.is_array() {
                "batches are not supported"
            } else {
                "expected a JSON-RPC object"
            };
            return Incoming::Invalid(error(Value::Null, INVALID_REQUEST, what));
        };
        let id = obj.get("id").cloned();
        let valid_id = id
            .as_ref()
            .is_none_or(|id| id.is_string() || id.is_i64() || id.is_u64());
        if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") || !valid_id {
            let id = id.filter(|_| valid_id).unwrap_or(Value::Null);
            return Incoming::Invalid(error(
                id,
                INVALID_REQUEST,
                "expected \"jsonrpc\": \"2.0\" and a string or integer id",
            ));
        }
        match (obj.get("method"), id) {
            (Some(Value::String(m)), Some(id)) => Incoming::Request {
                id,
                method: m.clone(),
                params: obj.get("params").cloned().unwrap_or(Value::Null),
            },
            (Some(Value::String(_)), None) => Incoming::Notification,
            (None, Some(_)) if obj.contains_key("result") || obj.contains_key("error") => {
                Incoming::Notification
            }
            (_, id) => Incoming::Invalid(error(
                id.unwrap_or(Value::Null),
                INVALID_REQUEST,
                "expected a method name",
            )),
        }
    }
}

pub fn result(id: Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

pub fn error(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

pub fn error_with(id: Value, code: i64, message: &str, data: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message, "data": data}})
}

/// The error code of a response, if it is an error.
pub fn error_code(response: &Value) -> Option<i64> {
    response.get("error")?.get("code")?.as_i64()
}
