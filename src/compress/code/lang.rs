//! Which language a source text is written in, and what folding needs to
//! know about each grammar (node kinds, comment syntax).
//!
//! The CLI hands us bytes without a file name, so the language comes from the
//! text: a shebang if there is one, else cheap keyword scores pick a few
//! candidates and the grammar that parses a prefix with the fewest error
//! nodes wins. Ties go to the simpler language (JavaScript before TypeScript,
//! C before C++), because the richer grammar also accepts the simpler one.

use super::macros;
use tree_sitter::{Node, Parser, Tree};

/// The languages headroom can outline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Python,
    Go,
    Rust,
    Java,
    JavaScript,
    TypeScript,
    Tsx,
    C,
    Cpp,
}

/// How much of the text the candidate grammars are tried on.
const TRIAL_PREFIX: usize = 16 * 1024;
/// How much of the text the keyword scores look at.
const SCORE_PREFIX: usize = 8 * 1024;
/// Below this keyword score the text is not treated as code at all.
const MIN_SCORE: usize = 3;

impl Lang {
    /// The language a file name's extension says, if it is one we parse.
    /// `.h` says nothing (C or C++): the content decides.
    pub fn from_path(path: &std::path::Path) -> Option<Lang> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "py" | "pyi" | "pyw" => Lang::Python,
            "go" => Lang::Go,
            "rs" => Lang::Rust,
            "java" => Lang::Java,
            "js" | "mjs" | "cjs" | "jsx" => Lang::JavaScript,
            "ts" | "mts" | "cts" => Lang::TypeScript,
            "tsx" => Lang::Tsx,
            "c" => Lang::C,
            "cc" | "cpp" | "cxx" | "c++" | "hpp" | "hh" | "hxx" | "ipp" => Lang::Cpp,
            _ => return None,
        })
    }

    /// Every language, in tie-break order (simpler grammar first).
    pub const ALL: [Lang; 9] = [
        Lang::Python,
        Lang::Go,
        Lang::Rust,
        Lang::Java,
        Lang::JavaScript,
        Lang::TypeScript,
        Lang::Tsx,
        Lang::C,
        Lang::Cpp,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Lang::Python => "python",
            Lang::Go => "go",
            Lang::Rust => "rust",
            Lang::Java => "java",
            Lang::JavaScript => "javascript",
            Lang::TypeScript => "typescript",
            Lang::Tsx => "tsx",
            Lang::C => "c",
            Lang::Cpp => "cpp",
        }
    }

    pub fn grammar(self) -> tree_sitter::Language {
        match self {
            Lang::Python => tree_sitter_python::LANGUAGE.into(),
            Lang::Go => tree_sitter_go::LANGUAGE.into(),
            Lang::Rust => tree_sitter_rust::LANGUAGE.into(),
            Lang::Java => tree_sitter_java::LANGUAGE.into(),
            Lang::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Lang::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Lang::C => tree_sitter_c::LANGUAGE.into(),
            Lang::Cpp => tree_sitter_cpp::LANGUAGE.into(),
        }
    }

    /// Parses `text`; `None` only if the parser refuses (it never should).
    /// C and C++ are parsed with annotation macros blanked ([`macros`]).
    /// Blanking keeps every byte offset, so the tree describes `text`.
    pub fn parse(self, text: &str) -> Option<Tree> {
        let mut parser = Parser::new();
        parser.set_language(&self.grammar()).ok()?;
        if !matches!(self, Lang::C | Lang::Cpp) {
            return parser.parse(text, None);
        }
        match macros::mask(text) {
            Some(masked) => parser.parse(&masked, None),
            None => parser.parse(text, None),
        }
    }

    /// Python blocks are indentation; everything else uses braces.
    pub fn is_python(self) -> bool {
        self == Lang::Python
    }

    /// The line-comment opener markers are written with.
    pub fn line_comment(self) -> &'static str {
        if self.is_python() { "#" } else { "//" }
    }

    /// Definitions with a body worth folding.
    pub fn is_function(self, kind: &str) -> bool {
        match self {
            Lang::Python => kind == "function_definition",
            Lang::Go => matches!(
                kind,
                "function_declaration" | "method_declaration" | "func_literal"
            ),
            Lang::Rust => matches!(kind, "function_item" | "macro_definition"),
            Lang::Java => matches!(
                kind,
                "method_declaration"
                    | "constructor_declaration"
                    | "compact_constructor_declaration"
            ),
            Lang::JavaScript | Lang::TypeScript | Lang::Tsx => matches!(
                kind,
                "function_declaration"
                    | "generator_function_declaration"
                    | "function_expression"
                    | "function"
                    | "generator_function"
                    | "method_definition"
                    | "arrow_function"
            ),
            Lang::C => kind == "function_definition",
            Lang::Cpp => matches!(kind, "function_definition" | "lambda_expression"),
        }
    }

    /// Type definitions with a body of members, whose member signatures
    /// stay when the type is defined inside a folded function body.
    pub fn is_class(self, kind: &str) -> bool {
        match self {
            Lang::Python => kind == "class_definition",
            Lang::JavaScript | Lang::TypeScript | Lang::Tsx => {
                matches!(kind, "class_declaration" | "abstract_class_declaration")
            }
            Lang::Java => matches!(
                kind,
                "class_declaration"
                    | "interface_declaration"
                    | "enum_declaration"
                    | "record_declaration"
            ),
            Lang::Rust => matches!(
                kind,
                "impl_item" | "trait_item" | "struct_item" | "enum_item" | "union_item"
            ),
            Lang::Go | Lang::C | Lang::Cpp => false,
        }
    }

    /// Nodes that wrap a definition together with its decorators or
    /// modifiers; a doc comment before the wrapper belongs to the definition.
    pub fn is_wrapper(self, kind: &str) -> bool {
        matches!(
            kind,
            "decorated_definition"
                | "export_statement"
                | "template_declaration"
                | "lexical_declaration"
                | "variable_declaration"
                | "variable_declarator"
        )
    }

    /// Siblings that may stand between a doc comment and its definition.
    pub fn is_attribute(self, kind: &str) -> bool {
        matches!(
            kind,
            "attribute_item" | "decorator" | "annotation" | "marker_annotation"
        )
    }

    pub fn is_try(self, kind: &str) -> bool {
        matches!(kind, "try_statement" | "try_with_resources_statement")
    }

    /// Literal collections that can hold a long table of data.
    pub fn is_table(self, kind: &str) -> bool {
        match self {
            Lang::Python => matches!(kind, "list" | "dictionary" | "set" | "tuple"),
            Lang::Go => kind == "literal_value",
            Lang::Rust => kind == "array_expression",
            Lang::Java => kind == "array_initializer",
            Lang::JavaScript | Lang::TypeScript | Lang::Tsx => matches!(kind, "array" | "object"),
            Lang::C | Lang::Cpp => kind == "initializer_list",
        }
    }

    /// For a call node, the node naming what is called.
    pub fn callee<'t>(self, node: Node<'t>) -> Option<Node<'t>> {
        match (self, node.kind()) {
            (Lang::Java, "method_invocation") => node.child_by_field_name("name"),
            (Lang::Java, "object_creation_expression") => node.child_by_field_name("type"),
            (Lang::Python, "call") => node.child_by_field_name("function"),
            (Lang::JavaScript | Lang::TypeScript | Lang::Tsx, "new_expression") => {
                node.child_by_field_name("constructor")
            }
            (Lang::Python | Lang::Java, _) => None,
            (_, "call_expression") => node.child_by_field_name("function"),
            _ => None,
        }
    }
}

pub fn is_comment(kind: &str) -> bool {
    kind == "comment" || kind.ends_with("_comment")
}

/// Parses `text` in `hint` (from the file name), else in the language its
/// content looks like. `None` when no grammar fits.
pub fn detect_and_parse(text: &str, hint: Option<Lang>) -> Option<(Lang, Tree)> {
    let lang = hint.or_else(|| detect(text))?;
    Some((lang, lang.parse(text)?))
}

/// Picks the language of `text`, or `None` if it does not look like code in
/// a language we have a grammar for.
pub fn detect(text: &str) -> Option<Lang> {
    if let Some(lang) = from_shebang(text) {
        return Some(lang);
    }
    if text.starts_with("#!") {
        // A script for an interpreter we have no grammar for (sh, ruby, perl).
        return None;
    }
    let scores = keyword_scores(prefix(text, SCORE_PREFIX));
    let best = scores.iter().map(|s| s.1).max().unwrap_or(0);
    if best < MIN_SCORE {
        return None;
    }
    let mut candidates: Vec<(Lang, usize)> = scores
        .into_iter()
        .filter(|&(_, s)| s * 2 >= best && s > 0)
        .collect();
    // Stable: equal scores keep the tie-break order of `Lang::ALL`.
    candidates.sort_by_key(|c| std::cmp::Reverse(c.1));
    candidates.truncate(3);
    if candidates.len() == 1 {
        return Some(candidates[0].0);
    }
    let sample = prefix_at_line(text, TRIAL_PREFIX);
    candidates
        .iter()
        .filter_map(|&(lang, score)| {
            Some((lang, score, error_count(lang.parse(sample)?.root_node())))
        })
        .min_by(|a, b| {
            a.2.cmp(&b.2)
                .then(b.1.cmp(&a.1))
                .then(rank(a.0).cmp(&rank(b.0)))
        })
        .map(|c| c.0)
}

fn rank(lang: Lang) -> usize {
    Lang::ALL
        .iter()
        .position(|&l| l == lang)
        .unwrap_or(usize::MAX)
}

fn from_shebang(text: &str) -> Option<Lang> {
    let first = text.strip_prefix("#!")?.lines().next()?;
    let interp = first
        .split_whitespace()
        .filter(|w| !w.starts_with('-'))
        .find(|w| !w.ends_with("/env"))
        .unwrap_or("");
    let name = interp.rsplit('/').next().unwrap_or(interp);
    if name.starts_with("python") {
        Some(Lang::Python)
    } else if matches!(name, "node" | "nodejs") {
        Some(Lang::JavaScript)
    } else if matches!(name, "ts-node" | "deno" | "bun" | "tsx") {
        Some(Lang::TypeScript)
    } else {
        None
    }
}

fn prefix(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A prefix cut at a line end, so the trial parse does not fail mid-token.
fn prefix_at_line(text: &str, max: usize) -> &str {
    let p = prefix(text, max);
    if p.len() == text.len() {
        return p;
    }
    match p.rfind('\n') {
        Some(i) => &p[..i + 1],
        None => p,
    }
}

/// Error and missing nodes in a tree (only subtrees that have any are visited).
pub fn error_count(root: Node) -> usize {
    errors(root, |_| None)
}

/// Error and missing nodes outside function bodies: the ones an outline
/// would keep (a body that is folded takes its errors with it).
pub fn error_count_outside_bodies(root: Node, lang: Lang) -> usize {
    errors(root, |node| {
        lang.is_function(node.kind())
            .then(|| node.child_by_field_name("body"))
            .flatten()
    })
}

/// Counts error and missing nodes, not looking inside the child `skip`
/// names for a node.
fn errors<'t>(root: Node<'t>, skip: impl Fn(Node<'t>) -> Option<Node<'t>>) -> usize {
    if !root.has_error() {
        return 0;
    }
    let mut n = 0;
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            n += 1;
        }
        let skipped = skip(node);
        let mut cursor = node.walk();
        stack.extend(
            node.children(&mut cursor)
                .filter(|&c| c.has_error() && Some(c) != skipped),
        );
    }
    n
}

/// Visits `root` and its descendants in source order; `visit` says whether
/// to go into a node's children. One cursor serves the whole walk.
pub fn preorder<'t>(root: Node<'t>, mut visit: impl FnMut(Node<'t>) -> bool) {
    let mut cursor = root.walk();
    loop {
        if visit(cursor.node()) && cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// Keyword scores per language over the first lines of `text`. Each line
/// adds to every language it is typical of; only the ranking matters.
fn keyword_scores(text: &str) -> Vec<(Lang, usize)> {
    let mut s = [0usize; 9];
    let idx = |l: Lang| rank(l);
    let (mut js, mut ts_only, mut jsx, mut cpp_only) = (0, 0, 0, 0);
    for line in text.lines().take(400) {
        let t = line.trim_start();
        let semi = t.trim_end().ends_with(';');
        // Python
        if (t.starts_with("def ") || t.starts_with("async def ") || t.starts_with("class "))
            && t.trim_end().ends_with(':')
        {
            s[idx(Lang::Python)] += 3;
        }
        if (t.starts_with("import ")
            && !semi
            && !t.contains(" from ")
            && !t.contains('"')
            && !t.contains('\''))
            || (t.starts_with("from ") && t.contains(" import "))
            || t.starts_with("elif ")
            || t.starts_with("except")
            || t.contains("self.")
            || t.starts_with("\"\"\"")
        {
            s[idx(Lang::Python)] += 1;
        }
        // Go
        if t.starts_with("package ") && !semi {
            s[idx(Lang::Go)] += 5;
        }
        if t.starts_with("func ")
            || t.contains(" := ")
            || t.starts_with("import (")
            || t.contains("err != nil")
            || (t.starts_with("type ") && (t.ends_with(" struct {") || t.ends_with(" interface {")))
        {
            s[idx(Lang::Go)] += 2;
        }
        // Rust
        if t.starts_with("fn ")
            || t.starts_with("pub fn ")
            || t.starts_with("pub(crate) ")
            || t.starts_with("impl ")
            || t.starts_with("impl<")
            || t.starts_with("#[")
            || t.starts_with("let mut ")
            || t.contains("&self")
            || t.contains("&mut ")
            || t.starts_with("pub struct ")
            || t.starts_with("pub enum ")
            || t.starts_with("mod ")
            || t.starts_with("//!")
            || (t.starts_with("use ") && t.contains("::") && semi)
        {
            s[idx(Lang::Rust)] += 2;
        }
        // Java
        if t.starts_with("package ") && semi {
            s[idx(Lang::Java)] += 5;
        }
        if (t.starts_with("import ")
            && semi
            && !t.contains(" from ")
            && !t.contains('"')
            && !t.contains('\'')
            && !t.contains('{'))
            || t.starts_with("@Override")
            || ((t.starts_with("public ")
                || t.starts_with("private ")
                || t.starts_with("protected "))
                && (t.contains('(') || t.contains(" class "))
                && !t.contains(": "))
            || t.contains(" throws ")
        {
            s[idx(Lang::Java)] += 2;
        }
        // C family
        if t.starts_with("#include")
            || t.starts_with("#define")
            || t.starts_with("#ifndef")
            || t.starts_with("#ifdef")
            || t.starts_with("#endif")
        {
            s[idx(Lang::C)] += 2;
            s[idx(Lang::Cpp)] += 2;
        }
        // A C type opening a declaration (a slice of a file has no `#include`).
        let c_type = [
            "int ",
            "void ",
            "char ",
            "unsigned ",
            "size_t ",
            "double ",
            "float ",
        ]
        .iter()
        .any(|w| t.starts_with(w))
            && (semi || t.ends_with('{') || t.ends_with(')'));
        if c_type
            || t.starts_with("typedef ")
            || t.starts_with("static ")
            || t.contains("->") && semi
            || t.contains("NULL")
            || t.contains("sizeof(")
        {
            s[idx(Lang::C)] += 1;
            s[idx(Lang::Cpp)] += 1;
        }
        if t.starts_with("namespace ")
            || t.starts_with("template")
            || t.contains("std::")
            || t.contains("nullptr")
            || matches!(t.trim_end(), "public:" | "private:" | "protected:")
            || t.starts_with("virtual ")
            || t.contains(" override")
            || t.starts_with("using ")
        {
            cpp_only += 1;
        }
        // JavaScript / TypeScript
        if t.starts_with("function ")
            || t.starts_with("async function ")
            || t.starts_with("export ")
            || t.starts_with("const ")
            || t.starts_with("let ")
            || t.starts_with("var ")
            || t.contains(" => ")
            || t.contains("require(")
            || t.contains("module.exports")
            || t.contains("===")
            || t.contains("console.")
            || (t.starts_with("import ") && (t.contains(" from '") || t.contains(" from \"")))
        {
            js += 1;
        }
        if t.starts_with("interface ")
            || t.starts_with("export interface ")
            || t.starts_with("type ") && t.contains(" = ")
            || t.starts_with("export type ")
            || t.contains(": string")
            || t.contains(": number")
            || t.contains(": boolean")
            || t.contains(": Promise<")
            || t.contains("readonly ")
            || t.contains("?: ")
            || t.starts_with("import type ")
            || t.contains(" as const")
            || t.contains(": unknown")
        {
            ts_only += 1;
        }
        if t.contains("</") || t.contains("/>") {
            jsx += 1;
        }
    }
    s[idx(Lang::Cpp)] += 2 * cpp_only;
    s[idx(Lang::JavaScript)] += js;
    s[idx(Lang::TypeScript)] += js + 2 * ts_only;
    s[idx(Lang::Tsx)] += if jsx > 0 { js + 2 * ts_only + jsx } else { 0 };
    Lang::ALL.into_iter().map(|l| (l, s[idx(l)])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_decides() {
        assert_eq!(
            detect("#!/usr/bin/env python3\nprint(1)\n"),
            Some(Lang::Python)
        );
        assert_eq!(
            detect("#!/usr/bin/node\nconsole.log(1)\n"),
            Some(Lang::JavaScript)
        );
        assert_eq!(detect("#!/bin/sh\necho hi\n"), None);
    }

    #[test]
    fn content_picks_the_grammar() {
        let cases = [
            (
                Lang::Python,
                "import os\n\n\ndef main(argv):\n    \"\"\"Run.\"\"\"\n    return len(argv)\n",
            ),
            (
                Lang::Go,
                "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tx := 1\n\tfmt.Println(x)\n}\n",
            ),
            (
                Lang::Rust,
                "use std::io;\n\npub fn main() {\n    let mut x = 1;\n    x += 1;\n}\n",
            ),
            (
                Lang::Java,
                "package a.b;\n\nimport java.util.List;\n\npublic class A {\n  private int x;\n  public int get() { return x; }\n}\n",
            ),
            (
                Lang::JavaScript,
                "const fs = require('fs');\n\nfunction read(p) {\n  return fs.readFileSync(p);\n}\nmodule.exports = { read };\n",
            ),
            (
                Lang::TypeScript,
                "import { x } from './x';\n\nexport interface A {\n  name: string;\n}\n\nexport function f(a: A): number {\n  return 1;\n}\n",
            ),
            (
                Lang::C,
                "#include <stdio.h>\n\nstatic int add(int a, int b) {\n    return a + b;\n}\n\nint main(void) {\n    printf(\"%d\", add(1, 2));\n    return 0;\n}\n",
            ),
            (
                Lang::Cpp,
                "#include <vector>\n\nnamespace app {\n\ntemplate <typename T>\nclass Box {\n public:\n  explicit Box(T v) : v_(v) {}\n  T get() const { return v_; }\n private:\n  T v_;\n};\n\n}  // namespace app\n",
            ),
        ];
        for (lang, src) in cases {
            assert_eq!(detect(src), Some(lang), "{src}");
        }
    }

    #[test]
    fn prose_is_not_code() {
        assert_eq!(detect("Just some prose.\nAnother sentence here.\n"), None);
        assert_eq!(detect(""), None);
    }
}
