//! The outline of a parsed file: what is folded and how the folds are written.
//!
//! Everything a reader needs to use or navigate the file stays verbatim:
//! imports, type and class declarations, every signature with its
//! decorators/attributes, constants, try/catch structure. What is folded is
//! replaced in place by a comment in the language's own syntax, so the
//! outline still parses:
//! - function bodies longer than a few lines (Python keeps the docstring's
//!   first line, and gets `...` where a block would be empty),
//! - doc comments beyond their first line, and other long comments,
//! - long literal tables beyond their first few items.
//!
//! The planner only records byte-range edits of the original; the outline is
//! the original with those edits spliced in, so nothing is reformatted.
//!
//! Folds are plain comments, not `[headroom: …]` markers: the header line
//! names the hash once, and a fold is paid for on every function. In brace
//! languages a body folds onto its signature's line, like a declaration in
//! a header file: `pub fn nest(self, path: &str) -> Self { /* 16 lines;
//! calls is_empty, into_inner */ }`. A trimmed comment ends with `(+N lines)`.

use std::collections::HashSet;

use tree_sitter::Node;

use super::lang::{Lang, is_comment, preorder};
use super::source::Source;

/// Bodies with fewer interior lines than this stay whole: the fold would
/// cost about as much as the body. A fold onto the signature's line
/// (`{ /* 2 lines */ }`) is cheaper than one on lines of its own
/// (Python's comment and `...`, a gap between kept try/catch lines).
const MIN_FOLD_LINES_INLINE: usize = 2;
const MIN_FOLD_LINES: usize = 3;
/// A comment run is trimmed to its first line when the rest holds at least
/// this many bytes of text: less costs no more than its `(+N lines)`.
const MIN_TRIM_BYTES: usize = 24;
/// A literal is a table worth folding from this many lines and items on.
const TABLE_MIN_LINES: usize = 12;
const TABLE_MIN_ITEMS: usize = 8;
/// Items of a folded table that stay, so the reader sees its shape.
const TABLE_KEEP_ITEMS: usize = 3;
/// Calls named in a fold before the rest are only counted.
const MAX_CALLS_NAMED: usize = 8;

/// Which transforms the planner may use; a second, plainer attempt turns
/// the riskier ones off when the first outline does not re-parse.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub trim_comments: bool,
    pub fold_tables: bool,
    pub keep_try: bool,
    /// Leave everything inside an error node as it is (C headers whose
    /// macros no grammar can follow still outline around them).
    pub skip_errors: bool,
}

impl Options {
    pub const FULL: Options = Options {
        trim_comments: true,
        fold_tables: true,
        keep_try: true,
        skip_errors: false,
    };
    pub const PLAIN: Options = Options {
        trim_comments: false,
        fold_tables: false,
        keep_try: false,
        skip_errors: false,
    };
    pub const AROUND_ERRORS: Options = Options {
        skip_errors: true,
        ..Options::FULL
    };
}

/// What the outline omitted, for the transform list.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Stats {
    pub functions: usize,
    pub comments: usize,
    pub tables: usize,
}

pub struct Outline {
    pub text: String,
    pub stats: Stats,
}

/// Byte ranges of functions that must stay whole (they match the query).
pub type Keep = Vec<std::ops::Range<usize>>;

/// Builds the outline of `src`. `known`: the names calls lists may name
/// besides functions and types' functions (see [`Planner::looked_up`]).
pub fn outline(
    src: &Source,
    lang: Lang,
    root: Node,
    keep: &Keep,
    known: &HashSet<String>,
    opts: Options,
) -> Outline {
    let mut p = Planner {
        src,
        lang,
        keep,
        known,
        opts,
        edits: Vec::new(),
        stats: Stats::default(),
    };
    p.visit_children(root, None);
    p.edits.sort_by_key(|e| e.start);
    let mut text = String::with_capacity(src.text.len() / 2);
    let mut at = 0;
    for e in &p.edits {
        if e.start < at {
            // Overlapping edits would garble the output; the planner never
            // makes them, but an outline must never be wrong.
            return Outline {
                text: src.text.to_string(),
                stats: Stats::default(),
            };
        }
        text.push_str(&src.text[at..e.start]);
        text.push_str(&e.text);
        at = e.end;
    }
    text.push_str(&src.text[at..]);
    Outline {
        text,
        stats: p.stats,
    }
}

struct Edit {
    start: usize,
    end: usize,
    text: String,
}

/// Consecutive comment nodes on adjacent rows.
type Run<'t> = Vec<Node<'t>>;

/// A stretch of a folded body: rows kept verbatim, or rows replaced by a comment.
enum Piece {
    /// `opens`: the last kept row is a Python block header (`try:`).
    Kept {
        first: usize,
        last: usize,
        opens: bool,
    },
    Gap {
        first: usize,
        last: usize,
    },
}

struct Planner<'a, 's> {
    src: &'a Source<'s>,
    lang: Lang,
    keep: &'a Keep,
    /// Names of this file's functions and imported modules, for calls lists.
    known: &'a HashSet<String>,
    opts: Options,
    edits: Vec<Edit>,
    stats: Stats,
}

enum Decision {
    /// Left exactly as written (query match, or too short to be worth it).
    Whole,
    /// Not folded itself, but its children are visited (it holds a match).
    Descend,
    /// Folded, if that saves enough.
    Folded,
}

impl<'t> Planner<'_, '_> {
    fn text(&self, node: Node) -> &str {
        &self.src.text[node.byte_range()]
    }

    fn visit(&mut self, node: Node<'t>, doc: Option<Run<'t>>) {
        if self.opts.skip_errors && node.is_error() {
            return;
        }
        let kind = node.kind();
        if self.lang.is_function(kind) {
            return self.function(node, doc);
        }
        if let Some(doc) = doc {
            if self.lang.is_wrapper(kind) {
                return self.visit_children(node, Some(doc));
            }
            self.standalone_comment(&doc);
        }
        if self.opts.fold_tables && self.lang.is_table(kind) && self.table(node) {
            return;
        }
        if self.lang.is_python() && self.opts.trim_comments {
            let holds_docstring = kind == "module"
                || (kind == "block"
                    && node
                        .parent()
                        .is_some_and(|p| p.kind() == "class_definition"));
            if holds_docstring && let Some(doc) = node.named_child(0).filter(|&d| is_docstring(d)) {
                self.python_docstring(doc);
            }
        }
        self.visit_children(node, None);
    }

    /// Visits the children of `node`, grouping comments into runs and
    /// handing a run that sits right above a definition to that definition.
    /// `doc` (from a wrapper such as `export`) goes to the first definition.
    fn visit_children(&mut self, node: Node<'t>, mut doc: Option<Run<'t>>) {
        let mut cursor = node.walk();
        let children: Vec<Node<'t>> = node.children(&mut cursor).collect();
        let mut run: Run<'t> = Vec::new();
        // The last row of the run or of the attributes after it.
        let mut run_end = 0;
        let mut prev_end: Option<usize> = None;
        for child in children {
            let kind = child.kind();
            let row = child.start_position().row;
            if is_comment(kind) {
                let trailing = prev_end == Some(row) && run.is_empty();
                let shebang = child.start_byte() == 0 && self.text(child).starts_with("#!");
                if !trailing && !shebang {
                    if !run.is_empty() && row > run_end + 1 {
                        self.standalone_comment(&std::mem::take(&mut run));
                    }
                    run.push(child);
                    run_end = child.end_position().row;
                }
            } else if self.lang.is_attribute(kind) {
                if !run.is_empty() && row <= run_end + 1 {
                    run_end = child.end_position().row;
                } else if !run.is_empty() {
                    self.standalone_comment(&std::mem::take(&mut run));
                }
            } else {
                let definition = self.lang.is_function(kind) || self.lang.is_wrapper(kind);
                let attached = !run.is_empty() && row <= run_end + 1 && definition;
                if !run.is_empty() && !attached {
                    self.standalone_comment(&std::mem::take(&mut run));
                }
                let mine = if attached {
                    Some(std::mem::take(&mut run))
                } else {
                    None
                };
                let handed = if definition && child.is_named() {
                    doc.take()
                } else {
                    None
                };
                self.visit(child, mine.or(handed));
            }
            prev_end = Some(child.end_position().row);
        }
        if !run.is_empty() {
            self.standalone_comment(&run);
        }
        if let Some(doc) = doc {
            self.standalone_comment(&doc);
        }
    }

    fn function(&mut self, node: Node<'t>, doc: Option<Run<'t>>) {
        match self.decide(node) {
            // A query match keeps its doc too; a short function's long doc
            // is still trimmed.
            Decision::Whole if self.is_kept(node) => return,
            Decision::Whole => {}
            Decision::Descend => self.visit_children(node, None),
            Decision::Folded => {
                // Try/catch structure is kept where it is cheap; where its
                // comments would eat the saving, the body folds as one.
                let calls = body_of(node).map(|b| self.calls(b)).unwrap_or_default();
                let folded = self
                    .fold_body(node, &calls, self.opts.keep_try)
                    .or_else(|| self.fold_body(node, &calls, false));
                if let Some(edit) = folded {
                    self.edits.push(edit);
                    self.stats.functions += 1;
                }
            }
        }
        if let Some(doc) = doc {
            self.standalone_comment(&doc);
        }
    }

    fn is_kept(&self, node: Node) -> bool {
        self.keep
            .iter()
            .any(|r| r.start == node.start_byte() && r.end == node.end_byte())
    }

    fn decide(&self, node: Node) -> Decision {
        if self.is_kept(node) {
            return Decision::Whole;
        }
        let range = node.byte_range();
        if self
            .keep
            .iter()
            .any(|r| r.start >= range.start && r.end <= range.end)
        {
            return Decision::Descend;
        }
        let Some(body) = body_of(node) else {
            return Decision::Descend;
        };
        let lines = match body_rows(self.src, self.lang, node, body) {
            Some((lo, hi)) => hi + 1 - lo,
            // An expression body (`=> ({...})`) may hold a table.
            None => return Decision::Descend,
        };
        let min = if self.lang.is_python() {
            MIN_FOLD_LINES
        } else {
            MIN_FOLD_LINES_INLINE
        };
        if lines < min {
            Decision::Whole
        } else {
            Decision::Folded
        }
    }

    /// The edit that replaces the body of `func` by its outline, or `None`
    /// if the outline would not be clearly smaller than the body.
    /// `calls`: those in the body, from [`Planner::calls`].
    fn fold_body(&self, func: Node<'t>, calls: &[(usize, String)], keep_try: bool) -> Option<Edit> {
        let body = body_of(func)?;
        let (mut lo, hi) = body_rows(self.src, self.lang, func, body)?;
        let mut kept = Vec::new();
        self.skeleton(body, keep_try, &mut kept);
        if !self.lang.is_python() {
            let (open, close) = braces(body)?;
            let (mut start, end) = (open.end_byte(), close.start_byte());
            // A comment after the `{` (`{  // NOLINT`) is part of the
            // signature's line and stays on it.
            let orow = open.start_position().row;
            let trailing_comment =
                is_one_comment(&self.src.text[open.end_byte()..self.src.row_end(orow)]);
            if trailing_comment && lo == orow {
                lo += 1;
                start = self.src.row_end(orow);
            }
            let pieces = pieces(lo, hi, &kept);
            if let [Piece::Gap { first, last }] = pieces.as_slice()
                && !trailing_comment
            {
                // The whole body goes: it folds onto the signature's line.
                let text = format!(" /* {} */ ", fold_summary(*first, *last, calls));
                return self.smaller(start, end, text);
            }
            let crow = close.start_position().row;
            let close_indent = if self.src.starts_row(crow, close.start_byte()) {
                self.src.indent(crow)
            } else {
                self.src.indent(func.start_position().row)
            };
            let mut out = self.fold_pieces(func, body, pieces, calls, true)?;
            out.push_str(self.src.newline);
            out.push_str(close_indent);
            return self.smaller(start, end, out);
        }
        let colon = colon_before(func, body)?;
        // A comment after the colon (`def f():  # noqa`) stays on its line.
        let crow = colon.end_position().row;
        let start = if lo > crow {
            self.src.row_end(crow)
        } else {
            colon.end_byte()
        };
        let pieces = pieces(lo, hi, &kept);
        let mut out = String::new();
        let mut header_open = true;
        if let Some(doc) = body.named_child(0).filter(|&d| is_docstring(d)) {
            let string = doc.named_child(0).unwrap_or(doc);
            let first = docstring_line(self.text(string))?;
            out.push_str(self.src.newline);
            out.push_str(self.src.indent(doc.start_position().row));
            out.push_str(&first);
            header_open = false;
        }
        out.push_str(&self.fold_pieces(func, body, pieces, calls, header_open)?);
        self.smaller(start, body.end_byte(), out)
    }

    /// The edit replacing `start..end` by `text`, if that saves a fifth.
    fn smaller(&self, start: usize, end: usize, text: String) -> Option<Edit> {
        (text.len() * 10 <= (end - start) * 8).then_some(Edit { start, end, text })
    }

    /// The rows of a folded body, each piece on its own lines: kept rows
    /// verbatim, gaps as a comment (`None` if no gap was worth a comment).
    /// `header_open`: the text so far ends with a Python block header.
    fn fold_pieces(
        &self,
        func: Node,
        body: Node,
        pieces: Vec<Piece>,
        calls: &[(usize, String)],
        mut header_open: bool,
    ) -> Option<String> {
        let nl = self.src.newline;
        let fallback_indent = format!("{}    ", self.src.indent(func.start_position().row));
        let mut out = String::new();
        let mut folded = false;
        for piece in pieces {
            match piece {
                Piece::Kept { first, last, opens } => {
                    for row in first..=last {
                        out.push_str(nl);
                        out.push_str(self.src.line(row));
                    }
                    header_open = opens;
                }
                Piece::Gap { first, last } => {
                    let Some(indent_row) = (first..=last).find(|&r| !self.src.is_blank(r)) else {
                        continue;
                    };
                    let indent = if indent_row > func.start_position().row
                        && indent_row > body.start_position().row
                        || self.lang.is_python()
                    {
                        self.src.indent(indent_row)
                    } else {
                        &fallback_indent
                    };
                    let summary = fold_summary(first, last, calls);
                    // A gap smaller than its comment is cheaper to keep.
                    // (Not in C and C++, whose syntax check is semantic: a
                    // kept line may use a local declared in a folded one.)
                    let gap_bytes: usize = (first..=last)
                        .map(|r| self.src.line(r).trim().len() + 1)
                        .sum();
                    let short = last + 1 - first < MIN_FOLD_LINES || gap_bytes <= summary.len() + 4;
                    if short && !matches!(self.lang, Lang::C | Lang::Cpp) {
                        for row in first..=last {
                            out.push_str(nl);
                            out.push_str(self.src.line(row));
                        }
                        header_open = false;
                        continue;
                    }
                    folded = true;
                    out.push_str(nl);
                    out.push_str(indent);
                    out.push_str(self.lang.line_comment());
                    out.push(' ');
                    out.push_str(&summary);
                    if self.lang.is_python() && header_open {
                        out.push_str(nl);
                        out.push_str(indent);
                        out.push_str("...");
                    }
                    header_open = false;
                }
            }
        }
        folded.then_some(out)
    }

    /// Rows of `block` that a folded body keeps: the signatures of the
    /// functions and classes defined anywhere inside it (every signature
    /// survives), with the headers of the blocks around them (`else:`,
    /// `with open(p) as f:`, `if (x) {` … `}`) so the outline still parses;
    /// with `keep_try`, also try/catch structure: the `try {` / `} catch (E e)
    /// {` / `}` lines (or `try:` / `except E:`), recursively, for try
    /// statements that are direct statements of the block. What cannot be
    /// kept line by line is folded with the rest.
    fn skeleton(&self, block: Node, keep_try: bool, kept: &mut Vec<(usize, usize, bool)>) {
        preorder(block, |node| {
            if node == block {
                return true;
            }
            let Some(def) = self.nested_definition(node) else {
                return structural(node.kind());
            };
            let mut rows = Vec::new();
            if self.nested_header(node, def, &mut rows)
                && self.enclosing_headers(node, block, &mut rows)
            {
                kept.extend(rows);
                if let Some(b) = body_of(def) {
                    self.skeleton(b, keep_try, kept);
                }
            }
            false
        });
        if keep_try {
            self.try_skeleton(block, kept);
        }
    }

    fn try_skeleton(&self, block: Node, kept: &mut Vec<(usize, usize, bool)>) {
        for stmt in statements(block) {
            if !self.lang.is_try(stmt.kind()) {
                continue;
            }
            let mut rows = Vec::new();
            let ok = if self.lang.is_python() {
                self.python_try(stmt, &mut rows)
            } else {
                self.brace_try(stmt, &mut rows)
            };
            if ok {
                kept.extend(rows);
                let mut cursor = stmt.walk();
                for part in stmt.named_children(&mut cursor) {
                    if let Some(b) = inner_block(part) {
                        self.try_skeleton(b, kept);
                    }
                }
            }
        }
    }

    /// The function or class a statement declares (possibly under
    /// decorators); not anonymous functions, which are expressions.
    fn nested_definition<'n>(&self, stmt: Node<'n>) -> Option<Node<'n>> {
        let is_def = |k: &str| {
            (self.lang.is_function(k) && !is_anonymous_function(k))
                || self.lang.is_class(k)
                // Members of a Rust trait declared inside a function.
                || matches!(k, "function_signature_item" | "associated_type")
        };
        if is_def(stmt.kind()) {
            return Some(stmt);
        }
        if stmt.kind() == "decorated_definition" {
            return stmt
                .child_by_field_name("definition")
                .filter(|d| is_def(d.kind()));
        }
        None
    }

    /// The header rows of every block between `stmt` and `outer` (`else:`
    /// and its `if …:`; `if (x) {` and its `}`). `false` if one cannot be
    /// kept line by line.
    fn enclosing_headers(
        &self,
        stmt: Node,
        outer: Node,
        rows: &mut Vec<(usize, usize, bool)>,
    ) -> bool {
        let mut via = stmt;
        while let Some(node) = via.parent() {
            if node == outer {
                return true;
            }
            let path = std::mem::replace(&mut via, node);
            if is_block(node.kind()) {
                continue;
            }
            let block = if is_block(path.kind()) {
                Some(path)
            } else {
                let mut cursor = node.walk();
                node.named_children(&mut cursor)
                    .find(|c| is_block(c.kind()))
            };
            let Some(block) = block else {
                continue;
            };
            let row = node.start_position().row;
            if self.lang.is_python() {
                let b0 = block.start_position().row;
                if b0 <= row || !self.src.starts_row(row, node.start_byte()) {
                    return false;
                }
                rows.push((row, b0 - 1, true));
                continue;
            }
            let Some((orow, crow)) = self.brace_rows(block) else {
                return false;
            };
            rows.push((row, orow, false));
            rows.push((crow, crow, false));
        }
        false
    }

    /// The rows of `block`'s `{` and `}` when the `{` ends its line and the
    /// `}` starts one, so both can be kept line by line.
    fn brace_rows(&self, block: Node) -> Option<(usize, usize)> {
        let (open, close) = braces(block)?;
        let (orow, crow) = (open.start_position().row, close.start_position().row);
        (crow > orow
            && self.src.ends_row(orow, open.end_byte())
            && self.src.starts_row(crow, close.start_byte()))
        .then_some((orow, crow))
    }

    /// Rows of a nested definition's signature: from its first decorator to
    /// the line before its body (Python), or to its `{` plus the `}` line.
    /// A definition on one line (`def f(): pass`) is kept whole.
    fn nested_header(&self, stmt: Node, def: Node, rows: &mut Vec<(usize, usize, bool)>) -> bool {
        let row = stmt.start_position().row;
        let end = stmt.end_position().row;
        if !self.src.starts_row(row, stmt.start_byte()) {
            return false;
        }
        // Attributes stand before a Rust item as siblings of their own.
        let mut first = row;
        let mut prev = stmt.prev_sibling();
        while let Some(p) =
            prev.filter(|p| self.lang.is_attribute(p.kind()) && p.end_position().row + 1 == first)
        {
            first = p.start_position().row;
            prev = p.prev_sibling();
        }
        if first < row {
            rows.push((first, row - 1, false));
        }
        if end == row {
            rows.push((row, row, false));
            return self.src.ends_row(row, stmt.end_byte());
        }
        let Some(body) = body_of(def) else {
            return false;
        };
        if self.lang.is_python() {
            let b0 = body.start_position().row;
            if b0 <= row {
                return false;
            }
            rows.push((row, b0 - 1, true));
            // An empty range: the gap of its body ends with the definition.
            rows.push((end + 1, end, false));
            return true;
        }
        let Some((orow, crow)) = self.brace_rows(body) else {
            return false;
        };
        if !self.src.ends_row(end, stmt.end_byte()) {
            return false;
        }
        rows.push((row, orow, false));
        rows.push((crow, end, false));
        true
    }

    fn python_try(&self, stmt: Node, rows: &mut Vec<(usize, usize, bool)>) -> bool {
        let Some(body) = stmt.child_by_field_name("body") else {
            return false;
        };
        let row = stmt.start_position().row;
        if body.start_position().row <= row || !self.src.starts_row(row, stmt.start_byte()) {
            return false;
        }
        rows.push((row, body.start_position().row - 1, true));
        let mut cursor = stmt.walk();
        for clause in stmt
            .named_children(&mut cursor)
            .filter(|c| c.kind().ends_with("_clause"))
        {
            let Some(block) = inner_block(clause) else {
                return false;
            };
            let (c0, b0) = (clause.start_position().row, block.start_position().row);
            if b0 > c0 {
                rows.push((c0, b0 - 1, true));
            } else {
                rows.push((c0, clause.end_position().row, false));
            }
        }
        true
    }

    fn brace_try(&self, stmt: Node, rows: &mut Vec<(usize, usize, bool)>) -> bool {
        let Some(body) = stmt.child_by_field_name("body") else {
            return false;
        };
        let src = self.src;
        let (srow, erow) = (stmt.start_position().row, stmt.end_position().row);
        if !src.starts_row(srow, stmt.start_byte()) || !src.ends_row(erow, stmt.end_byte()) {
            return false;
        }
        let mut blocks = vec![body];
        let mut cursor = stmt.walk();
        for clause in stmt
            .named_children(&mut cursor)
            .filter(|c| matches!(c.kind(), "catch_clause" | "finally_clause"))
        {
            match inner_block(clause) {
                Some(b) => blocks.push(b),
                None => return false,
            }
        }
        // From the `try` to the first `{`, from each `}` to the next `{`,
        // and the last `}`.
        let mut from = srow;
        for b in &blocks {
            let (Some(open), Some(close)) =
                (b.child(0), b.child(b.child_count().saturating_sub(1)))
            else {
                return false;
            };
            let (orow, crow) = (open.start_position().row, close.start_position().row);
            if orow == crow {
                continue;
            }
            if !src.ends_row(orow, open.end_byte()) || !src.starts_row(crow, close.start_byte()) {
                return false;
            }
            rows.push((from, orow, false));
            from = crow;
        }
        rows.push((from, erow, false));
        true
    }

    /// `(row, name)` of every call in `node`, in source order.
    fn calls(&self, node: Node) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        preorder(node, |n| {
            if n.is_named()
                && let Some(callee) = self.lang.callee(n)
                && let Some(name) = call_name(self.text(callee))
                && worth_naming(self.lang, &name)
                && self.looked_up(n, callee, &name)
            {
                out.push((n.start_position().row, name));
            }
            true
        });
        out
    }

    /// Whether a call is one the reader can look up: a function, a type's
    /// or module's function (`Arc::new`, `os.path.join`), or a method this
    /// file defines. Methods of values defined elsewhere (`items.append`,
    /// `x.clone()`) say little and are not named.
    fn looked_up(&self, call: Node, callee: Node, name: &str) -> bool {
        // Java names the method alone; the receiver is a field of the call.
        let callee = match call.child_by_field_name("object") {
            Some(object) if self.lang == Lang::Java => {
                &self.src.text[object.start_byte()..callee.end_byte()]
            }
            _ => self.text(callee),
        };
        let Some(split) = callee.find(['.', '-']) else {
            return true;
        };
        let root = callee[..split].trim();
        if self.lang == Lang::Java && root.starts_with(|c: char| c.is_uppercase()) {
            return true; // `Objects.requireNonNull`
        }
        let short = name.rsplit(['.', ':']).next().unwrap_or(name);
        name.contains(['.', ':'])
            || self.known.contains(short.trim_start_matches('#'))
            || self.known.contains(root)
            // Go's exported functions of other packages: `strings.TrimSpace`.
            || (self.lang == Lang::Go && short.starts_with(|c: char| c.is_uppercase()))
    }

    /// Folds a long literal table after its first items. Returns whether it did.
    fn table(&mut self, node: Node) -> bool {
        let src = self.src;
        let (r0, r1) = (node.start_position().row, node.end_position().row);
        if r1 < r0 + TABLE_MIN_LINES {
            return false;
        }
        let mut cursor = node.walk();
        let items: Vec<Node> = node
            .named_children(&mut cursor)
            .filter(|c| !is_comment(c.kind()))
            .collect();
        let Some(close) = node.child(node.child_count().saturating_sub(1)) else {
            return false;
        };
        if items.len() < TABLE_MIN_ITEMS
            || close.is_named()
            || !src.starts_row(close.start_position().row, close.start_byte())
        {
            return false;
        }
        // A table holds data; an object of methods is code and is outlined as such.
        if items.iter().any(|&i| self.holds_function(i)) {
            return false;
        }
        let text = self.text(node);
        if self
            .keep
            .iter()
            .any(|r| r.start >= node.start_byte() && r.end <= node.end_byte())
            || text.is_empty()
        {
            return false;
        }
        let last_kept = items[TABLE_KEEP_ITEMS - 1];
        // Cut after the comma, so the literal stays valid (Go needs it).
        let Some(comma) = last_kept.next_sibling().filter(|n| n.kind() == ",") else {
            return false;
        };
        let cut = comma.end_byte();
        let next_item = items[TABLE_KEEP_ITEMS];
        let nrow = next_item.start_position().row;
        let crow = close.start_position().row;
        if nrow <= last_kept.end_position().row || crow <= nrow {
            return false;
        }
        let omitted = items.len() - TABLE_KEEP_ITEMS;
        let lines = crow - nrow;
        let nl = src.newline;
        let text = format!(
            "{nl}{}{} {omitted} of {} items omitted ({lines} lines){nl}{}",
            src.indent(nrow),
            self.lang.line_comment(),
            items.len(),
            src.indent(crow)
        );
        self.edits.push(Edit {
            start: cut,
            end: close.start_byte(),
            text,
        });
        self.stats.tables += 1;
        true
    }

    fn holds_function(&self, node: Node) -> bool {
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            if self.lang.is_function(n.kind()) {
                return true;
            }
            let mut cursor = n.walk();
            stack.extend(n.named_children(&mut cursor));
        }
        false
    }

    /// Trims a comment run to its first line, if the rest is worth it.
    fn standalone_comment(&mut self, run: &[Node]) {
        if let Some(edit) = self.trim_comment_run(run) {
            self.edits.push(edit);
            self.stats.comments += 1;
        }
    }

    /// The edit that replaces a comment run by its first line of text and
    /// `(+N lines)`, or `None` when the run stays as it is.
    fn trim_comment_run(&self, run: &[Node]) -> Option<Edit> {
        if !self.opts.trim_comments {
            return None;
        }
        let (first, last) = (*run.first()?, *run.last()?);
        if last.end_position().row == first.start_position().row
            || run.iter().any(|&c| is_directive(self.text(c)))
        {
            return None;
        }
        // Line comments in some grammars end with their newline.
        let text_of = |c: Node| self.text(c).trim_end_matches(['\n', '\r']);
        let start = first.start_byte();
        let end = last.start_byte() + text_of(last).len();
        let has_text = |l: &str| l.chars().any(char::is_alphanumeric);
        // Lines of text the trimmed comment leaves out, for its `(+N lines)`.
        let text_lines = run
            .iter()
            .flat_map(|&c| text_of(c).lines())
            .filter(|l| has_text(l))
            .count();
        let more = more_lines(text_lines.saturating_sub(1));
        let head = text_of(first);
        let text = if head.starts_with("/*") {
            let opener = ["/**", "/*!", "/*"]
                .into_iter()
                .find(|o| head.starts_with(o) && !head.starts_with("/**/"))?;
            let inner = head[opener.len()..]
                .strip_suffix("*/")
                .unwrap_or(&head[opener.len()..]);
            let content = inner
                .lines()
                .map(|l| l.trim().trim_start_matches('*').trim())
                .find(|l| has_text(l))?;
            if content.contains("*/") || content.contains("/*") {
                return None;
            }
            format!("{opener} {content}{more} */")
        } else {
            let prefix = ["///", "//!", "//", "#"]
                .into_iter()
                .find(|p| head.starts_with(p))?;
            let content = run.iter().map(|&c| text_of(c)).find(|t| {
                t.lines().count() == 1 && t.starts_with(prefix) && has_text(&t[prefix.len()..])
            })?;
            format!("{content}{more}")
        };
        (end - start >= text.len() + MIN_TRIM_BYTES).then_some(Edit { start, end, text })
    }

    /// Trims a long class or module docstring to its first line.
    fn python_docstring(&mut self, stmt: Node) {
        let Some(string) = stmt.named_child(0) else {
            return;
        };
        let (start, end) = (string.start_byte(), string.end_byte());
        if let Some(text) = docstring_line(self.text(string))
            && end - start >= text.len() + MIN_TRIM_BYTES
        {
            self.edits.push(Edit { start, end, text });
            self.stats.comments += 1;
        }
    }
}

/// What a fold of rows `first..=last` says: `16 lines; calls a, b`.
fn fold_summary(first: usize, last: usize, calls: &[(usize, String)]) -> String {
    let n = last + 1 - first;
    let mut s = format!("{n} line{}", if n == 1 { "" } else { "s" });
    let names = calls_in(calls, first, last);
    if !names.is_empty() {
        s.push_str("; calls ");
        s.push_str(&names);
    }
    s
}

/// Whether `text` is a single `//` or `/* */` comment (and spaces).
fn is_one_comment(text: &str) -> bool {
    let t = text.trim();
    t.starts_with("//")
        || (t.len() >= 4
            && t.starts_with("/*")
            && t.ends_with("*/")
            && !t[2..t.len() - 2].contains("*/"))
}

/// ` (+N lines)` for the `n` lines of text a trim leaves out.
fn more_lines(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => " (+1 line)".to_string(),
        n => format!(" (+{n} lines)"),
    }
}

/// Rows of a function body that folding would replace, or `None` if the
/// body is not a block we can fold (an arrow's expression, a one-liner).
fn body_rows(src: &Source, lang: Lang, func: Node, body: Node) -> Option<(usize, usize)> {
    if lang.is_python() {
        if body.kind() != "block" {
            return None;
        }
        let colon = colon_before(func, body)?;
        let mut lo = body.start_position().row;
        if lo <= colon.end_position().row {
            return None;
        }
        if let Some(doc) = body.named_child(0).filter(|&d| is_docstring(d)) {
            body.named_child(1)?;
            lo = doc.end_position().row + 1;
        }
        return Some((lo, body.end_position().row));
    }
    let (open, close) = braces(body)?;
    let (orow, crow) = (open.start_position().row, close.start_position().row);
    if crow <= orow + 1 {
        return None;
    }
    let lo = if src.ends_row(orow, open.end_byte()) {
        orow + 1
    } else {
        orow
    };
    let hi = if src.starts_row(crow, close.start_byte()) {
        crow - 1
    } else {
        crow
    };
    Some((lo, hi))
}

/// The body of a function, or the rules of a `macro_rules!`.
fn body_of(func: Node) -> Option<Node> {
    match func.kind() {
        "macro_definition" => Some(func),
        _ => func.child_by_field_name("body"),
    }
}

/// The `{` and `}` that delimit a block (real tokens, not ones the parser
/// invented to recover from an error).
fn braces(block: Node) -> Option<(Node, Node)> {
    let mut cursor = block.walk();
    let children: Vec<Node> = block.children(&mut cursor).collect();
    let open = *children.iter().find(|c| c.kind() == "{")?;
    let close = *children.iter().rev().find(|c| c.kind() == "}")?;
    (!open.is_missing() && !close.is_missing() && open.end_byte() <= close.start_byte())
        .then_some((open, close))
}

/// Splits rows `lo..=hi` into kept structure and gaps.
fn pieces(lo: usize, hi: usize, kept: &[(usize, usize, bool)]) -> Vec<Piece> {
    // `(a, a - 1)` keeps nothing but ends the gap before row `a`.
    let mut kept: Vec<(usize, usize, bool)> = kept
        .iter()
        .copied()
        .filter(|&(a, b, _)| a >= lo && a <= b + 1 && (b <= hi || a > b))
        .collect();
    kept.sort_by_key(|k| (k.0, k.1));
    let mut out = Vec::new();
    let mut row = lo;
    for (a, b, opens) in kept {
        // Overlapping ranges (a `} else {` row kept for two blocks) merge.
        let a = if a < row && b >= row { row } else { a };
        if a < row || a > hi + 1 {
            continue;
        }
        if a > row {
            out.push(Piece::Gap {
                first: row,
                last: a - 1,
            });
        }
        if a <= b {
            out.push(Piece::Kept {
                first: a,
                last: b,
                opens,
            });
        }
        row = b + 1;
    }
    if row <= hi {
        out.push(Piece::Gap {
            first: row,
            last: hi,
        });
    }
    out
}

fn calls_in(calls: &[(usize, String)], first: usize, last: usize) -> String {
    let mut names: Vec<&str> = Vec::new();
    for (row, name) in calls {
        if (first..=last).contains(row) && !names.contains(&name.as_str()) {
            names.push(name);
        }
    }
    let more = names.len().saturating_sub(MAX_CALLS_NAMED);
    names.truncate(MAX_CALLS_NAMED);
    let mut s = names.join(", ");
    if more > 0 {
        s.push_str(&format!(" +{more} more"));
    }
    s
}

/// A short name for a callee: `helper` for `self.helper`, `fmt.Println`
/// for `fmt.Println`, `Arc::new` for `std::sync::Arc::new`. `None` for
/// computed callees (`handlers[i]()`, `(f)()`).
fn call_name(callee: &str) -> Option<String> {
    let callee = without_generics(callee);
    let callee = callee.as_str();
    let segs: Vec<&str> = callee
        .split(['.', ':', '>'])
        .map(|s| s.trim_end_matches('-'))
        .filter(|s| !s.is_empty())
        .collect();
    let ident = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | '#'))
            && !s.starts_with(|c: char| c.is_ascii_digit())
    };
    let last = *segs.last()?;
    if !segs.iter().all(|s| ident(s)) {
        return ident(last).then(|| last.to_string());
    }
    if segs.len() == 1 {
        return Some(last.to_string());
    }
    // A type or module owner says which `new` is meant; a local variable
    // (`path.is_empty`) only adds noise.
    let owner = segs[segs.len() - 2];
    let path = callee.contains("::");
    // `Arc::new`, `Promise.race`; not `DEFAULT_ROUTE.clone` (a constant).
    let typed = owner.starts_with(|c: char| c.is_uppercase())
        && owner.contains(|c: char| c.is_lowercase())
        && !matches!(owner, "Self");
    if (path || typed) && !matches!(owner, "self" | "this" | "super" | "cls" | "Self") {
        let sep = if path { "::" } else { "." };
        Some(format!("{owner}{sep}{last}"))
    } else {
        Some(last.to_string())
    }
}

/// Whether a call is one a reader would look for: not a Rust tuple-struct
/// or enum-variant constructor (`Fallback::Default(route)`), not a C++ cast.
fn worth_naming(lang: Lang, name: &str) -> bool {
    let last = name.rsplit([':', '.']).next().unwrap_or(name);
    match lang {
        Lang::Rust => !last.starts_with(|c: char| c.is_uppercase()),
        Lang::Cpp => !matches!(
            last,
            "static_cast" | "dynamic_cast" | "reinterpret_cast" | "const_cast"
        ),
        _ => true,
    }
}

/// `a::<T>::b` → `a::b`, `f<T>` → `f`; whitespace removed.
fn without_generics(callee: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in callee.chars() {
        match c {
            '<' => depth += 1,
            '>' if depth > 0 => depth -= 1,
            c if depth == 0 && !c.is_whitespace() => out.push(c),
            _ => {}
        }
    }
    out.replace("::::", "::").trim_end_matches(':').to_string()
}

/// Functions that are expressions (callbacks, lambdas), not declarations.
fn is_anonymous_function(kind: &str) -> bool {
    matches!(
        kind,
        "arrow_function"
            | "function_expression"
            | "function"
            | "generator_function"
            | "func_literal"
            | "lambda_expression"
            | "macro_definition"
    )
}

/// Blocks of statements or members.
fn is_block(kind: &str) -> bool {
    matches!(
        kind,
        "block"
            | "statement_block"
            | "compound_statement"
            | "class_body"
            | "declaration_list"
            | "statement_list"
    )
}

/// Nodes a declaration may sit in and still be a statement of its own:
/// blocks, statements and their clauses, not expressions (a method of an
/// object literal is part of a value).
fn structural(kind: &str) -> bool {
    is_block(kind)
        || kind.ends_with("_statement")
        || kind.ends_with("_clause")
        || matches!(
            kind,
            "decorated_definition"
                | "else"
                // Rust's control flow is made of expressions.
                | "if_expression"
                | "for_expression"
                | "while_expression"
                | "loop_expression"
                | "unsafe_block"
        )
}

/// The statements of a block (Go wraps them in a `statement_list`).
fn statements(block: Node) -> Vec<Node> {
    let mut cursor = block.walk();
    let children: Vec<Node> = block.named_children(&mut cursor).collect();
    match children.as_slice() {
        [list] if list.kind() == "statement_list" => {
            let mut c = list.walk();
            list.named_children(&mut c).collect()
        }
        _ => children,
    }
}

/// The block of a try statement's part (its body, a clause's body).
fn inner_block(part: Node) -> Option<Node> {
    if matches!(
        part.kind(),
        "block" | "statement_block" | "compound_statement"
    ) {
        return Some(part);
    }
    let mut cursor = part.walk();
    part.named_children(&mut cursor)
        .filter(|c| matches!(c.kind(), "block" | "statement_block" | "compound_statement"))
        .last()
}

fn colon_before<'t>(func: Node<'t>, body: Node<'t>) -> Option<Node<'t>> {
    let mut cursor = func.walk();
    func.children(&mut cursor)
        .filter(|c| c.kind() == ":" && c.end_byte() <= body.start_byte())
        .last()
}

fn is_docstring(stmt: Node) -> bool {
    stmt.kind() == "expression_statement"
        && stmt.named_child_count() == 1
        && stmt.named_child(0).is_some_and(|s| s.kind() == "string")
}

/// A triple-quoted docstring cut to its first line of text and `(+N lines)`;
/// `None` for other strings or when it cannot be done safely.
fn docstring_line(string: &str) -> Option<String> {
    let prefix_len = string.find(['"', '\''])?;
    let prefix = &string[..prefix_len];
    if prefix.contains(['f', 'F', 'b', 'B']) {
        return None;
    }
    let rest = &string[prefix_len..];
    let quote = ["\"\"\"", "'''"]
        .into_iter()
        .find(|q| rest.starts_with(q))?;
    let inner = rest[3..].strip_suffix(quote)?;
    if !inner.contains('\n') {
        return Some(string.to_string());
    }
    let mut lines = inner.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut line = lines.next()?.to_string();
    if line.contains(quote) {
        return None;
    }
    line.push_str(&more_lines(lines.count()));
    if line.ends_with(['\\', quote.as_bytes()[0] as char]) {
        line.push(' ');
    }
    Some(format!("{prefix}{quote}{line}{quote}"))
}

/// Comments the toolchain reads (build tags, compiler pragmas, type and
/// lint directives, TS references) are code and never trimmed.
fn is_directive(comment: &str) -> bool {
    let body = comment
        .trim_start_matches(['/', '#', '*', '!'])
        .trim_start();
    comment.starts_with("//go:")
        || comment.starts_with("#!")
        || [
            "+build",
            "<reference",
            "@ts-",
            "eslint",
            "prettier-",
            "-*-",
            "type:",
            "pylint:",
            "noqa",
            "nolint",
            "fmt:",
            "pragma",
            "cgo",
            "#cgo",
            "SPDX",
        ]
        .iter()
        .any(|d| body.starts_with(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_names_are_short() {
        assert_eq!(call_name("self.helper").as_deref(), Some("helper"));
        assert_eq!(call_name("fmt.Println").as_deref(), Some("Println"));
        assert_eq!(call_name("Promise.race").as_deref(), Some("Promise.race"));
        assert_eq!(call_name("path.is_empty").as_deref(), Some("is_empty"));
        assert_eq!(
            call_name("std::sync::Arc::new").as_deref(),
            Some("Arc::new")
        );
        assert_eq!(call_name("parse_header").as_deref(), Some("parse_header"));
        assert_eq!(call_name("this.#parseJson").as_deref(), Some("#parseJson"));
        assert_eq!(call_name("Vec::<u8>::new").as_deref(), Some("Vec::new"));
        assert_eq!(call_name("c->funcs->free").as_deref(), Some("free"));
        assert_eq!(call_name("handlers[i]"), None);
    }

    #[test]
    fn docstrings_keep_their_first_line_and_count_the_rest() {
        assert_eq!(
            docstring_line("\"\"\"One.\n\n    Two.\n    Three.\n    \"\"\"").as_deref(),
            Some("\"\"\"One. (+2 lines)\"\"\"")
        );
        assert_eq!(
            docstring_line("r'''\n  Doc ends \"'''").as_deref(),
            Some("r'''Doc ends \"'''")
        );
        assert_eq!(docstring_line("f\"\"\"x\ny\"\"\""), None);
        assert_eq!(
            docstring_line("\"\"\"Quote \"\n\"\"\"").as_deref(),
            Some("\"\"\"Quote \" \"\"\"")
        );
    }

    #[test]
    fn calls_a_reader_looks_for() {
        assert!(!worth_naming(Lang::Rust, "Fallback::Default"));
        assert!(!worth_naming(Lang::Rust, "Some"));
        assert!(worth_naming(Lang::Rust, "Arc::new"));
        assert!(!worth_naming(Lang::Cpp, "reinterpret_cast"));
        assert!(worth_naming(Lang::Go, "Println"));
        assert_eq!(
            call_name("INTERNAL_SERVER_ERROR.into_response").as_deref(),
            Some("into_response")
        );
    }
}
