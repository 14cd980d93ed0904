//! The functions of a parsed file: their names, their full text with docs
//! and attributes, and which of them a query asks about.

use std::collections::HashSet;

use tree_sitter::Node;

use super::lang::{Lang, is_comment, preorder};
use super::outline::Keep;
use crate::relevance::{self, Query};

/// Words that describe the request rather than the code ("outline this
/// file's API", "show the function signatures"); matching them against
/// function names and bodies would keep arbitrary functions whole.
const REQUEST_WORDS: &[&str] = &[
    "file",
    "files",
    "function",
    "functions",
    "method",
    "methods",
    "class",
    "classes",
    "code",
    "source",
    "api",
    "apis",
    "signature",
    "signatures",
    "outline",
    "overview",
    "summary",
    "only",
    "body",
    "bodies",
    "definition",
    "definitions",
    "implementation",
    "implemented",
    "module",
    "modules",
    "explain",
    "work",
    "works",
    "look",
    "read",
    "see",
    "want",
    "need",
    "please",
    "whole",
    "full",
    "entire",
    "here",
    "defined",
    "define",
    "called",
    "call",
    "calls",
    "used",
    "use",
];
/// At most this many functions are kept whole for matching by body or doc
/// alone (name matches and exact anchors are not limited).
const MAX_BODY_MATCHES: usize = 3;

/// One function or method.
pub struct Function<'t> {
    pub node: Node<'t>,
    pub name: Option<String>,
    /// Start of its definition: leading doc comments, attributes, decorators.
    pub start: usize,
}

/// Every function in the tree, outer before inner, in source order.
pub fn functions<'t>(lang: Lang, root: Node<'t>, src: &str) -> Vec<Function<'t>> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if lang.is_function(node.kind()) && signature_parses(node) {
            out.push(Function {
                node,
                name: name_of(lang, node, src),
                start: definition_start(lang, node),
            });
        }
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    out
}

/// The names a reader of this file can look up: its functions and methods
/// (short names: `Ref` for `LRUCache::Ref`), and the modules and packages it
/// imports (`os`, `http`). Function bodies are not walked: what a body
/// defines locally it also calls without a receiver.
pub fn known_names(lang: Lang, root: Node, src: &str) -> HashSet<String> {
    let mut names = HashSet::new();
    preorder(root, |node| {
        if lang.is_function(node.kind()) {
            if let Some(name) = name_of(lang, node, src) {
                names.insert(short_name(&name).to_string());
            }
            return false;
        }
        match imported_module(node, src) {
            Some(name) => {
                names.insert(name.to_string());
                false
            }
            None => true,
        }
    });
    names
}

/// The name a module import binds: `os` (`import os`), `np` (`import numpy
/// as np`), `path` (`import * as path from "path"`), `http` (Go's
/// `"net/http"`).
fn imported_module<'s>(node: Node, src: &'s str) -> Option<&'s str> {
    let text = |n: Node| &src[n.byte_range()];
    match node.kind() {
        // Python: `import a.b` binds `a`; `import a.b as c` binds `c`.
        "aliased_import" => node.child_by_field_name("alias").map(text),
        "dotted_name"
            if node
                .parent()
                .is_some_and(|p| p.kind() == "import_statement") =>
        {
            node.named_child(0).map(text)
        }
        "namespace_import" => node.named_child(0).map(text),
        "import_spec" => match node.child_by_field_name("name") {
            Some(alias) => Some(text(alias)),
            None => {
                let path = text(node.child_by_field_name("path")?).trim_matches(['"', '`']);
                path.rsplit('/').next()
            }
        },
        _ => None,
    }
}

/// Whether everything but the body parsed (a body with errors can still
/// be folded away).
fn signature_parses(func: Node) -> bool {
    if !func.has_error() {
        return true;
    }
    let body = func.child_by_field_name("body");
    let mut cursor = func.walk();
    let clean = func
        .children(&mut cursor)
        .all(|c| Some(c) == body || !c.has_error());
    clean && body.is_some_and(|b| !b.is_error())
}

/// The name a function is called by, as written (`LRUCache::Ref`, `#parse`).
pub fn name_of(lang: Lang, node: Node, src: &str) -> Option<String> {
    let text = |n: Node| src[n.byte_range()].to_string();
    if let Some(n) = node.child_by_field_name("name") {
        return Some(text(n));
    }
    if matches!(lang, Lang::C | Lang::Cpp) && node.kind() == "function_definition" {
        let mut d = node.child_by_field_name("declarator")?;
        for _ in 0..16 {
            match d.kind() {
                "function_declarator"
                | "pointer_declarator"
                | "reference_declarator"
                | "parenthesized_declarator"
                | "attributed_declarator" => {
                    d = d
                        .child_by_field_name("declarator")
                        .or_else(|| d.named_child(0))?;
                }
                _ => return Some(text(d)),
            }
        }
        return None;
    }
    // Anonymous functions take the name they are bound to.
    let parent = node.parent()?;
    let bound = match parent.kind() {
        "variable_declarator"
        | "public_field_definition"
        | "field_definition"
        | "init_declarator" => parent
            .child_by_field_name("name")
            .or_else(|| parent.child_by_field_name("declarator")),
        "pair" => parent.child_by_field_name("key"),
        "assignment_expression" | "assignment" => parent.child_by_field_name("left"),
        _ => None,
    }?;
    Some(text(bound))
}

/// Where a definition starts once its decorators, attributes, export
/// keyword and adjacent doc comments are included.
pub fn definition_start(lang: Lang, node: Node) -> usize {
    let mut top = node;
    // `const a = () => {}, b = 1;` binds two names: the function is only `a`.
    while let Some(p) = top.parent()
        && lang.is_wrapper(p.kind())
        && (!matches!(p.kind(), "lexical_declaration" | "variable_declaration")
            || p.named_child_count() == 1)
    {
        top = p;
    }
    let mut start = top;
    while let Some(prev) = start.prev_sibling()
        && (is_comment(prev.kind()) || lang.is_attribute(prev.kind()))
        && prev.end_position().row + 1 >= start.start_position().row
        && !(is_comment(prev.kind())
            && prev.prev_sibling().is_some_and(|pp| {
                pp.end_position().row == prev.start_position().row && !is_comment(pp.kind())
            }))
    {
        start = prev;
    }
    start.start_byte()
}

/// The last segment of a qualified name: `Ref` for `LRUCache::Ref`.
fn short_name(name: &str) -> &str {
    name.rsplit(['.', ':'])
        .next()
        .unwrap_or(name)
        .trim_start_matches('#')
}

/// The query with words about the request itself and very short terms removed.
pub fn code_query(q: &Query) -> Query {
    let terms = q
        .terms
        .iter()
        .filter(|t| t.len() >= 3 && !REQUEST_WORDS.contains(&t.as_str()))
        .cloned()
        .collect();
    Query {
        terms,
        anchors: q.anchors.clone(),
    }
}

/// The functions that must stay whole for `query`: those named by it, those
/// holding one of its exact anchors, and the few whose body and docs match
/// most of its terms best.
pub fn matching(funcs: &[Function], src: &str, query: &Query) -> Keep {
    let query = code_query(query);
    if query.is_empty() || funcs.is_empty() {
        return Vec::new();
    }
    let texts: Vec<&str> = funcs
        .iter()
        .map(|f| &src[f.start..f.node.end_byte()])
        .collect();
    let mut keep: Vec<usize> = Vec::new();
    for (i, f) in funcs.iter().enumerate() {
        let named = f.name.as_deref().is_some_and(|n| {
            let parts = relevance::terms_of(short_name(n));
            query.terms.iter().any(|t| parts.contains(t))
        });
        if named || query.anchor_hit(texts[i]) {
            keep.push(i);
        }
    }
    let scores = relevance::bm25(&texts, &query);
    let top = scores.iter().copied().fold(0.0, f64::max);
    if top > 0.0 {
        let wanted = query.terms.len().min(2);
        let mut ranked: Vec<usize> = (0..funcs.len())
            .filter(|&i| scores[i] >= top * 0.5)
            .filter(|&i| {
                let terms = relevance::terms_of(texts[i]);
                query.terms.iter().filter(|t| terms.contains(t)).count() >= wanted
            })
            .collect();
        ranked.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        keep.extend(ranked.into_iter().take(MAX_BODY_MATCHES));
    }
    keep.sort_unstable();
    keep.dedup();
    keep.into_iter()
        .map(|i| funcs[i].node.byte_range())
        .collect()
}

/// Full text of the functions named by `query` (`parse_header`,
/// `Router::nest`, `nest route`), from their doc comments to their end.
/// Exact name matches win; otherwise names that contain a query word.
pub fn named<'s>(funcs: &[Function], src: &'s str, query: &str) -> Vec<&'s str> {
    let words: Vec<String> = query
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')' | '`' | '"' | '\''))
        .filter(|w| !w.is_empty())
        .flat_map(|w| [w.to_lowercase(), short_name(w).to_lowercase()])
        .filter(|w| w.len() >= 2)
        .collect();
    let name_of = |f: &Function| {
        f.name
            .as_deref()
            .map(|n| (n.to_lowercase(), short_name(n).to_lowercase()))
    };
    let exact: Vec<&Function> = funcs
        .iter()
        .filter(|f| {
            name_of(f).is_some_and(|(full, short)| words.iter().any(|w| *w == full || *w == short))
        })
        .collect();
    let chosen = if exact.is_empty() {
        funcs
            .iter()
            .filter(|f| {
                name_of(f).is_some_and(|(_, short)| {
                    words
                        .iter()
                        .any(|w| w.len() >= 3 && short.contains(w.as_str()))
                })
            })
            .collect()
    } else {
        exact
    };
    let mut out: Vec<&'s str> = Vec::new();
    let mut last_end = 0;
    for f in chosen {
        // A match nested in an earlier match is already in its text.
        if f.start < last_end {
            continue;
        }
        let row_start = src[..f.start].rfind('\n').map_or(0, |i| i + 1);
        let start = if src[row_start..f.start].trim().is_empty() {
            row_start
        } else {
            f.start
        };
        out.push(&src[start..f.node.end_byte()]);
        last_end = f.node.end_byte();
    }
    out
}
