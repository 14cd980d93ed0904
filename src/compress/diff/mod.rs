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
//!    unchanged context beyond 2 lines around each change becomes
//!    `… N unchanged lines`, and lockfiles and generated files become one
//!    marker line each with their +/− counts. One marker names the stored
//!    original.

pub mod parse;
pub mod words;

use self::parse::{Block, FileDiff, Hunk};
use super::{Compressed, Context};

/// Unchanged lines kept on each side of a change.
const CONTEXT: usize = 2;

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
    dropped_headers: usize,
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
            &format!("{} unchanged context lines omitted", t.context_omitted),
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
    let _ = t.dropped_headers;
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

    for h in &f.header {
        if keeps_header_line(f, h, git) {
            push(out, h);
        } else {
            t.dropped_headers += 1;
        }
    }
    for hunk in &f.hunks {
        render_hunk(hunk, plan, ctx, out, t);
    }
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

fn render_hunk(hunk: &Hunk, plan: &Plan, ctx: &Context, out: &mut String, t: &mut Tally) {
    let (lead, trail) = edge_trim(hunk, plan);
    if lead + trail == 0 {
        push(out, hunk.header);
    } else {
        // The hunk as `git diff -U2` would print it: same function context,
        // line numbers of the first line still shown.
        let (lead64, trail64) = (lead as u64, trail as u64);
        let context = hunk
            .header
            .get(3..)
            .and_then(|h| h.split_once(" @@"))
            .map_or("", |(_, c)| c);
        push(
            out,
            &format!(
                "@@ -{},{} +{},{} @@{context}",
                hunk.old_start + lead64,
                hunk.old_len - lead64 - trail64,
                hunk.new_start + lead64,
                hunk.new_len - lead64 - trail64
            ),
        );
        t.context_omitted += lead + trail;
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

/// How many unchanged lines to cut at the start and end of a hunk so that
/// at most [`CONTEXT`] remain on each side of its changes.
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
    (lead.saturating_sub(CONTEXT), trail.saturating_sub(CONTEXT))
}

/// A run of unchanged lines: all of it, or 2 lines next to each change with
/// a count of the rest.
fn render_context(
    run: &[&str],
    at_start: bool,
    at_end: bool,
    plan: &Plan,
    out: &mut String,
    t: &mut Tally,
) {
    let keep_head = if at_start { 0 } else { CONTEXT };
    let keep_tail = if at_end { 0 } else { CONTEXT };
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
        assert!(
            out.text
                .contains("@@ -9,26 +9,27 @@ fn setup\n let a8 = compute_value(8);\n"),
            "{}",
            out.text
        );
        assert!(out.text.contains("… 16 unchanged lines\n"), "{}", out.text);
        assert!(out.text.contains(
            "+new_call();\n let c0 = compute_value(0);\n let c1 = compute_value(1);\n1 file"
        ));
        assert!(
            out.text
                .contains(" let b0 = compute_value(0);\n let b1 = compute_value(1);\n… 16")
        );
        assert_eq!(out.hashes.len(), 1);
        assert!(out.text.contains(&format!(
            "32 unchanged context lines omitted; retrieve: headroom retrieve {}]",
            out.hashes[0]
        )));
        for l in ["-old_call();", "+new_call();", "+let retries = 3;"] {
            assert!(out.text.contains(l), "{l} missing");
        }
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
        assert!(out.text.starts_with("commit 0123abcd\nAuthor: Ann <ann@example.com>\nDate:   Tue Feb 17 14:47:28 2026 +0100\n\n    Fix the timeout\n\ndiff --git"));
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
