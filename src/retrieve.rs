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
    if let Some(items) = json_items(text) {
        let docs: Vec<String> = items.iter().map(Value::to_json).collect();
        let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
        let idx = find(&refs, q);
        return Matches {
            unit: "items",
            total: docs.len(),
            hits: idx.into_iter().map(|i| docs[i].clone()).collect(),
        };
    }
    let lines: Vec<&str> = text.lines().collect();
    let idx = find(&lines, q);
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

/// Indices of the documents that hold `q` as written (any case); failing
/// that, for a question of several words, the best BM25 and exact-id
/// matches. A single word that occurs nowhere matches nothing: printing
/// lines that share only a fragment of it (`fn` of `nonexistent_fn`) would
/// answer a question that was not asked.
fn find(docs: &[&str], q: &str) -> Vec<usize> {
    let needle = q.trim().to_lowercase();
    if needle.is_empty() {
        return Vec::new();
    }
    let literal: Vec<usize> = (0..docs.len())
        .filter(|&i| docs[i].to_lowercase().contains(&needle))
        .collect();
    if !literal.is_empty() || !needle.contains(char::is_whitespace) {
        return literal;
    }
    relevance::matches(docs, &Query::parse(q), usize::MAX)
}

/// The items of the largest array in a JSON document (the document itself if it is one).
fn json_items(text: &str) -> Option<Vec<Value<'_>>> {
    fn largest<'r, 'v>(v: &'r Value<'v>) -> Option<&'r Vec<Value<'v>>> {
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
