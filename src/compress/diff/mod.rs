//! Unified diffs: `git show`, `git diff`, `git log -p`, `diff -u`.
//!
//! A reviewer needs every changed line and where it is, so every file
//! header, hunk header, added and removed line is kept, and so is the commit
//! header of `git show`. What goes:
//!
//! 1. Lossless: `index` lines and `---`/`+++` lines that only repeat the
//!    `diff --git` paths; trailing whitespace; pure renames, mode changes and
//!    binary files as one line each; a removed/added pair that differs in a
//!    few words as one `~` line ([`words`]); a footer with the totals.
//! 2. Lossy, only when that is still large and the original is stored:
//!    unchanged context beyond 2 lines before and 1 line after each change
//!    becomes `… N unchanged lines`; lockfiles and generated files become
//!    one marker line each with their +/− counts; headers say only what the
//!    reader needs: `diff PATH (new file)` for `diff --git a/PATH b/PATH` +
//!    `new file mode 100644`, and `@@ -12 +14 @@ fn parse(…)` without the
//!    line counts (the lines follow) and without a heading that names no
//!    definition. One marker names the stored original.
//!
//! Why 1 line after a change: the lines before it say where it is, the hunk
//! header says in which function, and one line shows where it ends; the
//! second line after it cost 3 points of reduction on real commits and
//! carried nothing a reader used.

pub mod parse;
pub mod words;

use self::parse::{Block, FileDiff, Hunk};
use super::search::rank::{self, is_prose};
use super::{Compressed, Context};

/// Unchanged lines kept before a change: they show where it is.
const CONTEXT_BEFORE: usize = 2;

/// Unchanged lines kept after a change: one shows where it ends.
const CONTEXT_AFTER: usize = 1;

/// A generated file's diff with this many lines or fewer, and bytes or
/// fewer (a minified bundle is one long line), is cheaper to show than its
/// marker line.
const MIN_GENERATED_LINES: usize = 6;
const MIN_GENERATED_BYTES: usize = 600;

/// Files whose diffs nobody reads line by line: lockfiles and build output.
const GENERATED_NAMES: &[&str] = &[
    "Cargo.lock",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
    "poetry.lock",
    "Pipfile.lock",
    "uv.lock",
    "pdm.lock",
    "composer.lock",
    "Gemfile.lock",
    "go.sum",
    "flake.lock",
    "mix.lock",
    "pubspec.lock",
    "Podfile.lock",
    "packages.lock.json",
];

/// Suffixes of generated files.
const GENERATED_SUFFIXES: &[&str] = &[
    ".min.js",
    ".min.css",
    ".js.map",
    ".css.map",
    ".snap",
    ".pb.go",
    "_pb2.py",
    ".g.dart",
    ".designer.cs",
];

/// Compresses a unified diff, or `None` if `text` holds no file diff.
pub fn compress(text: &str, ctx: &Context) -> Option<Compressed> {
    let blocks = parse::parse(text);
    let files: Vec<&FileDiff> = blocks
        .iter()
        .filter_map(|b| match b {
            Block::File(f) => Some(f),
            Block::Text(_) => None,
        })
        .collect();
    if !files
        .iter()
        .any(|f| !f.hunks.is_empty() || f.header.len() > 1)
    {
        return None;
    }
    let lossless = render(&blocks, &Plan::default(), ctx);
    let mut out = Compressed {
        text: lossless.text,
        transforms: lossless.transforms,
        hashes: Vec::new(),
    };
    if !ctx.may_drop() || ctx.is_small(&out.text) {
        return Some(out);
    }
    let lossy = render(
        &blocks,
        &Plan {
            trim_context: true,
            hash: None,
        },
        ctx,
    );
    if lossy.omitted_lines == 0 {
        return Some(out);
    }
    let Some(hash) = ctx.store(text, "diff") else {
        return Some(out);
    };
    let lossy = render(
        &blocks,
        &Plan {
            trim_context: true,
            hash: Some(hash.clone()),
        },
        ctx,
    );
    out.text = lossy.text;
    out.transforms = lossy.transforms;
    out.hashes.push(hash);
    Some(out)
}

/// What the renderer may drop.
#[derive(Default)]
struct Plan {
    /// Trim context and summarise generated files (needs `hash`, except for a dry run).
    trim_context: bool,
    /// The stored original's hash, for markers.
    hash: Option<String>,
}

struct Rendered {
    text: String,
    transforms: Vec<String>,
    /// Lines dropped (context and generated files' changes).
    omitted_lines: usize,
}

/// Totals for the footer and the transforms list.
#[derive(Default)]
struct Tally {
    files: usize,
    added: usize,
    removed: usize,
    word_pairs: usize,
    context_omitted: usize,
    generated: usize,
    generated_lines: usize,
}

fn render(blocks: &[Block], plan: &Plan, ctx: &Context) -> Rendered {
    let mut out = String::new();
    let mut t = Tally::default();
    for block in blocks {
        match block {
            Block::Text(lines) => {
                for l in lines {
                    push(&mut out, l);
                }
            }
            Block::File(f) => render_file(f, plan, ctx, &mut out, &mut t),
        }
    }
    if t.files > 0 {
        let files = if t.files == 1 {
            "1 file changed".to_string()
        } else {
            format!("{} files changed", t.files)
        };
        push(
            &mut out,
            &format!(
                "{files}, {} insertions(+), {} deletions(-)",
                t.added, t.removed
            ),
        );
    }
    if t.context_omitted > 0
        && let Some(hash) = &plan.hash
    {
        let line = ctx.marker_line(
            &format!(
                "{} unchanged context line{} omitted",
                t.context_omitted,
                if t.context_omitted == 1 { "" } else { "s" }
            ),
            hash,
        );
        push(&mut out, &line);
    }
    let mut transforms = vec!["diff:headers".to_string()];
    if t.word_pairs > 0 {
        transforms.push(format!("diff:word-pairs({})", t.word_pairs));
    }
    if t.context_omitted > 0 {
        transforms.push(format!("diff:trim-context({} lines)", t.context_omitted));
    }
    if t.generated > 0 {
        transforms.push(format!("diff:generated({} files)", t.generated));
    }
    Rendered {
        text: out,
        transforms,
        omitted_lines: t.context_omitted + t.generated_lines,
    }
}

fn push(out: &mut String, line: &str) {
    out.push_str(line.trim_end());
    out.push('\n');
}

/// The path a file diff is about: the `+++ b/…` side, else the `diff --git` line's second path.
fn file_path<'a>(f: &FileDiff<'a>) -> &'a str {
    let from_marker = |prefix: &str| {
        f.header
            .iter()
            .find_map(|h| h.strip_prefix(prefix))
            .map(|p| {
                let p = p.split('\t').next().unwrap_or(p).trim_end();
                p.strip_prefix("a/")
                    .or_else(|| p.strip_prefix("b/"))
                    .unwrap_or(p)
            })
    };
    if let Some(p) = from_marker("+++ ").filter(|p| *p != "/dev/null") {
        return p;
    }
    if let Some(p) = from_marker("rename to ") {
        return p;
    }
    if let Some(p) = from_marker("--- ").filter(|p| *p != "/dev/null") {
        return p;
    }
    let first = f.header.first().copied().unwrap_or("");
    first.rsplit(" b/").next().unwrap_or(first)
}

fn is_generated(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    GENERATED_NAMES.contains(&name) || GENERATED_SUFFIXES.iter().any(|s| name.ends_with(s))
}

fn header_value<'a>(f: &FileDiff<'a>, prefix: &str) -> Option<&'a str> {
    f.header.iter().find_map(|h| h.strip_prefix(prefix))
}

fn render_file(f: &FileDiff, plan: &Plan, ctx: &Context, out: &mut String, t: &mut Tally) {
    let git = f.header[0].starts_with("diff --git ");
    let path = file_path(f);
    let (added, removed) = f
        .hunks
        .iter()
        .flat_map(|h| &h.lines)
        .fold((0, 0), |(a, r), l| match l.as_bytes().first() {
            Some(b'+') => (a + 1, r),
            Some(b'-') => (a, r + 1),
            _ => (a, r),
        });
    t.files += 1;
    t.added += added;
    t.removed += removed;

    // One-line summaries of diffs that have no lines to read.
    if git && f.hunks.is_empty() {
        let status = if header_value(f, "new file mode ").is_some() {
            "added"
        } else if header_value(f, "deleted file mode ").is_some() {
            "deleted"
        } else {
            "changed"
        };
        if let (Some(from), Some(to)) = (
            header_value(f, "rename from "),
            header_value(f, "rename to "),
        ) {
            let similarity = header_value(f, "similarity index ").unwrap_or("?");
            let mode = mode_change(f)
                .map(|m| format!(", mode {m}"))
                .unwrap_or_default();
            push(
                out,
                &format!("renamed {from} → {to} ({similarity} similar{mode})"),
            );
            return;
        }
        if f.header
            .iter()
            .any(|h| h.starts_with("Binary files ") || h == &"GIT binary patch")
        {
            push(out, &format!("binary file {status}: {path}"));
            return;
        }
        if let Some(m) = mode_change(f) {
            push(out, &format!("mode {m}: {path}"));
            return;
        }
    }

    // A lockfile or generated file shrinks to one marker line, when its
    // changes are longer than that line.
    let changed_lines = f.hunks.iter().map(|h| h.lines.len()).sum::<usize>();
    let changed_bytes = f
        .hunks
        .iter()
        .flat_map(|h| &h.lines)
        .map(|l| l.len())
        .sum::<usize>();
    let worth_it = changed_lines > MIN_GENERATED_LINES || changed_bytes > MIN_GENERATED_BYTES;
    if plan.trim_context && is_generated(path) && worth_it {
        t.generated += 1;
        t.generated_lines += changed_lines;
        if let Some(hash) = &plan.hash {
            let hunks = if f.hunks.len() == 1 {
                "1 hunk".to_string()
            } else {
                format!("{} hunks", f.hunks.len())
            };
            let summary =
                format!("{path} (generated) +{added} -{removed} lines in {hunks} omitted");
            push(out, &ctx.marker_line(&summary, hash));
        }
        return;
    }

    let compact = plan.trim_context && git;
    for h in &f.header {
        if compact && h.starts_with("diff --git ") {
            push(out, &compact_file_header(f, path));
        } else if compact && is_default_file_mode(h) {
            // Said by the compact header line.
        } else if keeps_header_line(f, h, git) {
            push(out, h);
        }
    }
    for hunk in &f.hunks {
        render_hunk(hunk, path, plan, ctx, out, t);
    }
}

/// `diff PATH` for `diff --git a/PATH b/PATH`, with ` (new file)` or
/// ` (deleted)` when the file is created or removed with the usual mode.
fn compact_file_header(f: &FileDiff, path: &str) -> String {
    let status = if f.header.contains(&"new file mode 100644") {
        " (new file)"
    } else if f.header.contains(&"deleted file mode 100644") {
        " (deleted)"
    } else {
        ""
    };
    format!("diff {path}{status}")
}

fn is_default_file_mode(h: &str) -> bool {
    h == "new file mode 100644" || h == "deleted file mode 100644"
}

/// `100644 → 100755` for a mode change.
fn mode_change(f: &FileDiff) -> Option<String> {
    let old = header_value(f, "old mode ")?;
    let new = header_value(f, "new mode ")?;
    Some(format!("{old} → {new}"))
}

/// Whether a header line carries information the rest does not: `index`
/// lines do not (blob ids), nor do `---`/`+++` lines whose path the
/// `diff --git` line already names (or `/dev/null` beside a new/deleted mode).
fn keeps_header_line(f: &FileDiff, h: &str, git: bool) -> bool {
    if !git {
        return true;
    }
    if h.starts_with("index ") {
        return false;
    }
    let Some(path) = h.strip_prefix("--- ").or_else(|| h.strip_prefix("+++ ")) else {
        return true;
    };
    if path == "/dev/null" {
        let minus = h.starts_with("--- ");
        return header_value(
            f,
            if minus {
                "new file mode "
            } else {
                "deleted file mode "
            },
        )
        .is_none();
    }
    !f.header[0].contains(path)
}

fn is_context(l: &str) -> bool {
    l.is_empty() || l.starts_with(' ')
}

fn render_hunk(
    hunk: &Hunk,
    path: &str,
    plan: &Plan,
    ctx: &Context,
    out: &mut String,
    t: &mut Tally,
) {
    let (lead, trail) = edge_trim(hunk, plan);
    if plan.trim_context && hunk.complete {
        let lead64 = lead as u64;
        out.push_str(&compact_hunk_header(
            hunk.old_start + lead64,
            hunk.new_start + lead64,
            hunk_heading(hunk.header),
            path,
        ));
        t.context_omitted += lead + trail;
    } else {
        push(out, hunk.header);
    }
    let lines = &hunk.lines[lead..hunk.lines.len() - trail];
    let mut i = 0;
    while i < lines.len() {
        if is_context(lines[i]) {
            let start = i;
            while i < lines.len() && is_context(lines[i]) {
                i += 1;
            }
            render_context(&lines[start..i], start == 0, i == lines.len(), plan, out, t);
            continue;
        }
        // A change block: removed lines then added lines (and `\` notes).
        let start = i;
        while i < lines.len() && !is_context(lines[i]) {
            i += 1;
        }
        render_change(&lines[start..i], ctx, out, t);
    }
}

/// The text git prints after a hunk's `@@ … @@`: the line it guessed
/// encloses the hunk (`fn parse(…) {`, `class Flask(App):`).
fn hunk_heading(header: &str) -> &str {
    header
        .get(3..)
        .and_then(|h| h.split_once(" @@"))
        .map_or("", |(_, c)| c.trim())
}

/// A hunk header without what carries nothing the reader needs: the line
/// counts (the lines follow) and a heading that names no definition. Git
/// picks the heading as the last unindented line above the hunk, which in
/// prose is a random sentence and in code is often `where`, `import x` or
/// `}`; a function or class it names is kept.
fn compact_hunk_header(old_start: u64, new_start: u64, heading: &str, path: &str) -> String {
    let keep = !heading.is_empty()
        && !is_prose(path)
        && (!rank::defined_names(heading).is_empty() || heading.contains('('));
    if keep {
        format!("@@ -{old_start} +{new_start} @@ {heading}\n")
    } else {
        format!("@@ -{old_start} +{new_start} @@\n")
    }
}

/// How many unchanged lines to cut at the start and end of a hunk so that
/// at most [`CONTEXT_BEFORE`] remain before its first change and
/// [`CONTEXT_AFTER`] after its last.
fn edge_trim(hunk: &Hunk, plan: &Plan) -> (usize, usize) {
    let lines = &hunk.lines;
    if !plan.trim_context || !hunk.complete || lines.iter().all(|l| is_context(l)) {
        return (0, 0);
    }
    let lead = lines.iter().take_while(|l| is_context(l)).count();
    // A final `\ No newline` note refers to the line before it: keep both.
    let trail = if lines.last().is_some_and(|l| is_context(l)) {
        lines.iter().rev().take_while(|l| is_context(l)).count()
    } else {
        0
    };
    (
        lead.saturating_sub(CONTEXT_BEFORE),
        trail.saturating_sub(CONTEXT_AFTER),
    )
}

/// A run of unchanged lines between changes: all of it, or the lines next
/// to the changes with a count of the rest.
fn render_context(
    run: &[&str],
    at_start: bool,
    at_end: bool,
    plan: &Plan,
    out: &mut String,
    t: &mut Tally,
) {
    let keep_head = if at_start { 0 } else { CONTEXT_AFTER };
    let keep_tail = if at_end { 0 } else { CONTEXT_BEFORE };
    let omit = run.len().saturating_sub(keep_head + keep_tail);
    // A gap line costs about what one line does: not worth it for one.
    if !plan.trim_context || omit < 2 || (at_start && at_end) {
        for l in run {
            push(out, l);
        }
        return;
    }
    for l in &run[..keep_head] {
        push(out, l);
    }
    push(out, &format!("… {omit} unchanged lines"));
    for l in &run[run.len() - keep_tail..] {
        push(out, l);
    }
    t.context_omitted += omit;
}

/// Removed and added lines, with equal-length blocks paired line by line
/// into `~` word diffs where that is clearly smaller.
fn render_change(block: &[&str], ctx: &Context, out: &mut String, t: &mut Tally) {
    let removed: Vec<&str> = block
        .iter()
        .copied()
        .filter(|l| l.starts_with('-'))
        .collect();
    let added: Vec<&str> = block
        .iter()
        .copied()
        .filter(|l| l.starts_with('+'))
        .collect();
    let notes = block.iter().any(|l| l.starts_with('\\'));
    let ordered = block
        .iter()
        .position(|l| l.starts_with('+'))
        .is_none_or(|first_add| block[first_add..].iter().all(|l| !l.starts_with('-')));
    if removed.len() != added.len() || removed.is_empty() || notes || !ordered {
        for l in block {
            push(out, l);
        }
        return;
    }
    // Pair i-th removed with i-th added; unpaired lines keep their order
    // (all removals before additions), so the original is recoverable.
    let pairs: Vec<Option<String>> = removed
        .iter()
        .zip(&added)
        .map(|(o, n)| {
            let w = words::word_diff(&o[1..], &n[1..])?;
            let line = format!("~{w}");
            let pair_cost = (ctx.cost)(o) + (ctx.cost)(n);
            // Only where it saves much: a pair is easier to read and to copy.
            ((ctx.cost)(&line) * 10 <= pair_cost * 6).then_some(line)
        })
        .collect();
    if pairs.iter().all(Option::is_none) {
        for l in block {
            push(out, l);
        }
        return;
    }
    for (i, o) in removed.iter().enumerate() {
        match &pairs[i] {
            Some(w) => {
                push(out, w);
                t.word_pairs += 1;
            }
            None => push(out, o),
        }
    }
    for (i, n) in added.iter().enumerate() {
        if pairs[i].is_none() {
            push(out, n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relevance::Query;

    use crate::ccr::HashOnlySink as Memory;

    fn cost(s: &str) -> usize {
        s.len().div_ceil(4)
    }

    fn ctx(lossless: bool) -> Context<'static> {
        Context {
            query: Query::default(),
            lossless,
            valid_json: false,
            sink: if lossless { None } else { Some(&Memory) },
            via: Default::default(),
            cost: &cost,
            lossy_min_tokens: 50,
        }
    }

    /// A git diff of one file with `context` unchanged lines around each of two changes.
    fn wide_diff(context: usize) -> String {
        let mut s = String::from(
            "diff --git a/src/lib.rs b/src/lib.rs\nindex 3f2a..9b1c 100644\n--- a/src/lib.rs\n+++ b/src/lib.rs\n",
        );
        let n = 4 * context + 2;
        s.push_str(&format!("@@ -1,{n} +1,{} @@ fn setup\n", n + 1));
        for k in 0..context {
            s.push_str(&format!(" let a{k} = compute_value({k});\n"));
        }
        s.push_str("-let timeout = Duration::from_secs(30);\n+let timeout = Duration::from_secs(60);\n+let retries = 3;\n");
        for k in 0..2 * context {
            s.push_str(&format!(" let b{k} = compute_value({k});\n"));
        }
        s.push_str("-old_call();\n");
        s.push_str("+new_call();\n");
        for k in 0..context {
            s.push_str(&format!(" let c{k} = compute_value({k});\n"));
        }
        s
    }

    #[test]
    fn lossless_drops_only_redundant_headers() {
        let out = compress(&wide_diff(3), &ctx(true)).unwrap();
        assert!(!out.text.contains("index 3f2a"));
        assert!(!out.text.contains("+++ b/src/lib.rs"));
        assert!(
            out.text
                .starts_with("diff --git a/src/lib.rs b/src/lib.rs\n@@ -1,14 +1,15 @@ fn setup\n")
        );
        assert!(out.text.contains("+let retries = 3;"));
        assert!(
            out.text
                .ends_with("1 file changed, 3 insertions(+), 2 deletions(-)\n"),
            "{}",
            out.text
        );
        assert!(out.hashes.is_empty());
    }

    #[test]
    fn wide_context_is_trimmed_with_counts() {
        let out = compress(&wide_diff(10), &ctx(false)).unwrap();
        assert_eq!(out.hashes.len(), 1);
        let expected = format!(
            "diff src/lib.rs\n\
             @@ -9 +9 @@ fn setup\n \
             let a8 = compute_value(8);\n \
             let a9 = compute_value(9);\n\
             -let timeout = Duration::from_secs(30);\n\
             +let timeout = Duration::from_secs(60);\n\
             +let retries = 3;\n \
             let b0 = compute_value(0);\n\
             … 17 unchanged lines\n \
             let b18 = compute_value(18);\n \
             let b19 = compute_value(19);\n\
             -old_call();\n\
             +new_call();\n \
             let c0 = compute_value(0);\n\
             1 file changed, 3 insertions(+), 2 deletions(-)\n\
             [headroom: 34 unchanged context lines omitted; retrieve: headroom retrieve {}]\n",
            out.hashes[0]
        );
        assert_eq!(out.text, expected);
    }

    #[test]
    fn headings_that_name_no_definition_are_dropped() {
        let h = |heading: &str, path: &str| compact_hunk_header(3, 4, heading, path);
        assert_eq!(
            h("fn setup() {", "src/lib.rs"),
            "@@ -3 +4 @@ fn setup() {\n"
        );
        assert_eq!(
            h("class Flask(App):", "app.py"),
            "@@ -3 +4 @@ class Flask(App):\n"
        );
        assert_eq!(
            h("static int connect(redisContext *c)", "net.c"),
            "@@ -3 +4 @@ static int connect(redisContext *c)\n"
        );
        assert_eq!(h("where", "src/lib.rs"), "@@ -3 +4 @@\n");
        assert_eq!(h("import pytest", "test.py"), "@@ -3 +4 @@\n");
        assert_eq!(h("def example():", "docs/api.rst"), "@@ -3 +4 @@\n");
    }

    #[test]
    fn new_files_say_so_in_one_line() {
        let d = "diff --git a/src/new.rs b/src/new.rs\nnew file mode 100644\nindex 0000000..1234567\n--- /dev/null\n+++ b/src/new.rs\n@@ -0,0 +1,40 @@\n";
        let mut d = d.to_string();
        for k in 0..40 {
            d.push_str(&format!("+pub const VALUE_{k}: u32 = {k};\n"));
        }
        d.push_str("diff --git a/run.sh b/run.sh\nnew file mode 100755\n--- /dev/null\n+++ b/run.sh\n@@ -0,0 +1 @@\n+echo hi\n");
        // A wide diff after them, so there is context to trim.
        d.push_str(&wide_diff(10));
        let out = compress(&d, &ctx(false)).unwrap();
        assert!(
            out.text.starts_with(
                "diff src/new.rs (new file)\n@@ -0 +1 @@\n+pub const VALUE_0: u32 = 0;\n"
            ),
            "{}",
            out.text
        );
        assert!(out.text.contains("\n+pub const VALUE_39: u32 = 39;\ndiff run.sh\nnew file mode 100755\n@@ -0 +1 @@\n+echo hi\n"), "{}", out.text);
    }

    #[test]
    fn lossless_mode_keeps_context() {
        let out = compress(&wide_diff(10), &ctx(true)).unwrap();
        assert!(!out.text.contains('…'));
        assert_eq!(out.text.lines().filter(|l| l.starts_with(' ')).count(), 40);
    }

    #[test]
    fn lockfiles_become_one_line() {
        let mut d = wide_diff(3);
        d.push_str("diff --git a/Cargo.lock b/Cargo.lock\nindex 1..2 100644\n--- a/Cargo.lock\n+++ b/Cargo.lock\n@@ -1,3 +1,3 @@\n [[package]]\n-name = \"a\"\n+name = \"b\"\n version = \"1\"\n");
        for k in 0..30 {
            d.push_str(&format!(
                "@@ -{0},2 +{0},2 @@\n-checksum = \"{k:064x}\"\n+checksum = \"{1:064x}\"\n",
                10 * k + 10,
                k + 1
            ));
        }
        let out = compress(&d, &ctx(false)).unwrap();
        assert!(out.text.contains("[headroom: Cargo.lock (generated) +31 -31 lines in 31 hunks omitted; retrieve: headroom retrieve"), "{}", out.text);
        assert!(!out.text.contains("checksum"));
        assert!(
            out.text
                .contains("2 files changed, 34 insertions(+), 33 deletions(-)")
        );
    }

    #[test]
    fn renames_modes_and_binaries_are_one_line() {
        let d = "diff --git a/old.rs b/new.rs\nsimilarity index 100%\nrename from old.rs\nrename to new.rs\n\
                 diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n\
                 diff --git a/logo.png b/logo.png\nindex 1..2 100644\nBinary files a/logo.png and b/logo.png differ\n";
        let out = compress(d, &ctx(true)).unwrap();
        assert_eq!(
            out.text,
            "renamed old.rs → new.rs (100% similar)\nmode 100644 → 100755: run.sh\nbinary file changed: logo.png\n3 files changed, 0 insertions(+), 0 deletions(-)\n"
        );
    }

    #[test]
    fn word_pairs_are_exact() {
        let d = "--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n-    response = client.get(\"/static/index.html\", follow_redirects=True)\n-short\n+    response = client.get(\"/static/index.html\", follow_redirects=False)\n+other\n";
        let out = compress(d, &ctx(true)).unwrap();
        assert!(out.text.contains("~    response = client.get(\"/static/index.html\", follow_redirects=[-True-]{+False+})\n-short\n+other\n"), "{}", out.text);
    }

    #[test]
    fn commit_header_is_kept() {
        let d = format!(
            "commit 0123abcd\nAuthor: Ann <ann@example.com>\nDate:   Tue Feb 17 14:47:28 2026 +0100\n\n    Fix the timeout\n\n{}",
            wide_diff(3)
        );
        let out = compress(&d, &ctx(false)).unwrap();
        assert!(out.text.starts_with("commit 0123abcd\nAuthor: Ann <ann@example.com>\nDate:   Tue Feb 17 14:47:28 2026 +0100\n\n    Fix the timeout\n\ndiff src/lib.rs\n"));
    }

    #[test]
    fn not_a_diff() {
        assert!(compress("hello\nworld\n", &ctx(false)).is_none());
        assert!(compress("", &ctx(false)).is_none());
    }

    #[test]
    fn huge_single_line_does_not_panic() {
        let line = "+".repeat(1 << 20);
        let d = format!("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-{line}\n{line}\n");
        let _ = compress(&d, &ctx(false));
    }
}
