//! How well each match answers the query.
//!
//! Agents search to find where something is defined or used, so a match
//! scores by BM25 over its text, plus a boost when the line defines a symbol
//! (`fn`, `def`, `class`, `struct`, …) and more when the defined name is what
//! the query asks about. Definitions in prose files (Markdown, changelogs)
//! are examples, not the answer, and get no boost.

use std::collections::HashMap;

use crate::relevance::{Query, bm25, terms_of};

/// Words that may precede a definition keyword.
const MODIFIERS: &[&str] = &[
    "pub",
    "export",
    "default",
    "async",
    "static",
    "public",
    "private",
    "protected",
    "internal",
    "abstract",
    "final",
    "sealed",
    "unsafe",
    "extern",
    "\"C\"",
    "override",
    "virtual",
    "inline",
    "open",
    "data",
    "declare",
    "partial",
];

/// Keywords that start a definition.
const KEYWORDS: &[&str] = &[
    "fn",
    "def",
    "class",
    "struct",
    "impl",
    "func",
    "interface",
    "type",
    "enum",
    "trait",
    "function",
    "function*",
    "const",
    "mod",
    "module",
    "union",
    "macro_rules!",
    "object",
];

/// File extensions of prose, where code-looking lines are examples.
const PROSE: &[&str] = &[".md", ".rst", ".txt", ".adoc", ".markdown"];

/// Whether `path` names a prose file (Markdown, reStructuredText, …).
pub fn is_prose(path: &str) -> bool {
    PROSE.iter().any(|ext| path.ends_with(ext))
}

/// The names a line defines, if it is a definition (`impl A for B` defines
/// both), in order. Empty when the line defines nothing.
pub fn defined_names(content: &str) -> Vec<&str> {
    let t = content.trim_start();
    let mut words = t.split_whitespace();
    let mut word = words.next().unwrap_or("");
    while MODIFIERS.contains(&word) || word.starts_with("pub(") {
        word = words.next().unwrap_or("");
    }
    let keyword = KEYWORDS
        .iter()
        .find(|k| word == **k || (word.starts_with(**k) && word[k.len()..].starts_with('<')));
    let Some(&keyword) = keyword else {
        return Vec::new();
    };
    let rest = t.split_once(word).map_or("", |(_, r)| r).trim_start();
    if keyword == "impl" {
        // `impl<T> Trait for Type<T> where …`: every identifier up to the body.
        let end = rest.find(['{', ';']).unwrap_or(rest.len());
        let head = rest[..end].split(" where ").next().unwrap_or("");
        return identifiers(head).filter(|w| *w != "for").collect();
    }
    // Go methods: `func (r *Router) Name(`.
    let rest = if keyword == "func" && rest.starts_with('(') {
        rest.find(')').map_or("", |i| rest[i + 1..].trim_start())
    } else {
        rest
    };
    identifiers(rest).take(1).collect()
}

fn identifiers(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .filter(|w| w.starts_with(|c: char| c.is_alphabetic() || c == '_' || c == '$'))
}

/// A score per match (parallel to `contents`), higher is better; all zero
/// for an empty query except the small boost every definition gets.
pub fn scores(contents: &[&str], paths: &[&str], query: &Query) -> Vec<f64> {
    let text = bm25(contents, query);
    let asks_about_tests = query.terms.iter().any(|t| t.starts_with("test"));
    // Paths repeat (one per match): weigh each once.
    let mut by_path: HashMap<&str, (f64, f64)> = HashMap::new();
    contents
        .iter()
        .zip(paths)
        .zip(text)
        .map(|((content, path), mut score)| {
            let (path_bonus, definition_weight) = *by_path.entry(path).or_insert_with(|| {
                let path_terms = terms_of(path);
                let bonus = 0.25
                    * query
                        .terms
                        .iter()
                        .filter(|t| path_terms.contains(t))
                        .count() as f64;
                // Prose holds examples, and tests redefine the names they
                // test: the answer is the implementation unless the query
                // is about tests.
                let weight = if is_prose(path) {
                    0.0
                } else if is_test_path(path) && !asks_about_tests {
                    0.5
                } else {
                    1.0
                };
                (bonus, weight)
            });
            if query.anchor_hit(content) {
                score += 1.0;
            }
            if definition_weight > 0.0 {
                score += definition_weight * definition_boost(content, query);
            }
            score + path_bonus
        })
        .collect()
}

/// Whether the line defines a name made of query terms or named by an anchor.
pub fn defines_asked_name(content: &str, query: &Query) -> bool {
    definition_boost(content, query) > 0.5
}

/// Whether `path` holds tests (`tests/`, `test_x.py`, `x_test.go`, `x.spec.ts`).
fn is_test_path(path: &str) -> bool {
    path.split(['/', '\\']).any(|seg| {
        matches!(seg, "test" | "tests" | "__tests__" | "spec" | "testing")
            || seg.starts_with("test_")
            || seg.contains("_test.")
            || seg.contains(".test.")
            || seg.contains(".spec.")
    })
}

/// 0.5 for any definition, plus 1.5 for each query term the defined names
/// are made of (up to 3), plus 1.5 when a query anchor names it (`Router::with_state`).
fn definition_boost(content: &str, query: &Query) -> f64 {
    let names = defined_names(content);
    if names.is_empty() {
        return 0.0;
    }
    let mut name_terms: Vec<String> = names.iter().flat_map(|n| terms_of(n)).collect();
    name_terms.sort();
    name_terms.dedup();
    let term_hits = query
        .terms
        .iter()
        .filter(|t| name_terms.contains(t))
        .count();
    let anchored = names.iter().any(|n| {
        let n = n.to_lowercase();
        query.anchors.iter().any(|a| {
            a.text == n || a.text.ends_with(&format!(":{n}")) || a.text.ends_with(&format!(".{n}"))
        })
    });
    // Capped: an `impl A<B> for C<D>` line names many things at once.
    0.5 + 1.5 * term_hits.min(3) as f64 + if anchored { 1.5 } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_defined_names() {
        assert_eq!(
            defined_names("    pub fn with_state<S2>(self, state: S) -> Router<S2> {"),
            ["with_state"]
        );
        assert_eq!(
            defined_names("impl<R> IntoResponse for (StatusCode, R)"),
            ["IntoResponse", "StatusCode", "R"]
        );
        assert_eq!(defined_names("    def save_session("), ["save_session"]);
        assert_eq!(
            defined_names("        const DEFAULT_LIMIT: usize = 2_097_152; // 2 mb"),
            ["DEFAULT_LIMIT"]
        );
        assert_eq!(
            defined_names("func (r *Router) Handle(path string)"),
            ["Handle"]
        );
        assert_eq!(
            defined_names("export default async function load() {"),
            ["load"]
        );
        assert!(defined_names("    let x = with_state(s);").is_empty());
        assert!(defined_names("").is_empty());
    }

    #[test]
    fn definitions_of_the_asked_name_rank_first() {
        let contents = [
            "    let app = Router::new().with_state(state);",
            "    pub fn with_state<S2>(self, state: S) -> Router<S2> {",
            "pub fn with_state() {}",
        ];
        let paths = ["src/a.rs", "src/routing/mod.rs", "README.md"];
        let s = scores(
            &contents,
            &paths,
            &Query::parse("Where is Router::with_state defined?"),
        );
        assert!(s[1] > s[0] && s[1] > s[2], "{s:?}");
    }
}
