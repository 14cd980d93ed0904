//! The part of a stored original that matches a query: whole functions of
//! source code (by name), items of a JSON document, or lines, in original
//! order. Shared by `headroom retrieve --query` and the MCP retrieve tool.

use crate::compress::json::value::{self, Value};
use crate::relevance::{self, Query};

/// What matched in one original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matches {
    /// `functions`, `items` or `lines`.
    pub unit: &'static str,
    /// How many units the original has (for functions: how many matched).
    pub total: usize,
    /// The matches in original order; lines are prefixed with their number (`12:text`).
    pub hits: Vec<String>,
}

/// What of `text` (an original of `kind`) matches `q`.
pub fn matching(kind: &str, text: &str, q: &str) -> Matches {
    if kind == "code"
        && let Some(functions) = crate::compress::code::functions_matching(text, q)
    {
        return Matches {
            unit: "functions",
            total: functions.len(),
            hits: functions,
        };
    }
    let query = Query::parse(q);
    if let Some(items) = json_items(text) {
        let docs: Vec<String> = items.iter().map(Value::to_json).collect();
        let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
        let idx = relevance::matches(&refs, &query, usize::MAX);
        return Matches {
            unit: "items",
            total: docs.len(),
            hits: idx.into_iter().map(|i| docs[i].clone()).collect(),
        };
    }
    let lines: Vec<&str> = text.lines().collect();
    let idx = relevance::matches(&lines, &query, usize::MAX);
    let hits = idx
        .into_iter()
        .map(|i| format!("{}:{}", i + 1, lines[i]))
        .collect();
    Matches {
        unit: "lines",
        total: lines.len(),
        hits,
    }
}

/// The items of the largest array in a JSON document (the document itself if it is one).
fn json_items(text: &str) -> Option<Vec<Value>> {
    fn largest(v: &Value) -> Option<&Vec<Value>> {
        let children: Vec<&Vec<Value>> = match v {
            Value::Arr(items) => std::iter::once(items)
                .chain(items.iter().filter_map(largest))
                .collect(),
            Value::Obj(pairs) => pairs.iter().filter_map(|(_, v)| largest(v)).collect(),
            _ => Vec::new(),
        };
        // The first of the longest: the outer array wins a tie with its items.
        children.into_iter().rev().max_by_key(|a| a.len())
    }
    let root = value::parse(text).ok()?;
    largest(&root).filter(|a| a.len() > 1).cloned()
}
