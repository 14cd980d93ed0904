//! Unified diffs (`git diff`, `git show`, `git log -p`, `diff -u`) as blocks.
//!
//! Text around the file diffs (commit headers, prose, a Markdown fence) is
//! kept as text blocks. A hunk ends when its header's line counts are used
//! up, so lines after it that happen to start with `-` or `+` are not taken
//! for changes. Anything that does not fit the grammar (combined diffs
//! `@@@`, a hunk cut short) ends the file diff and is kept as text.

/// A piece of the input.
#[derive(Debug, PartialEq)]
pub enum Block<'a> {
    /// Lines outside any file diff, kept as they are.
    Text(Vec<&'a str>),
    File(FileDiff<'a>),
}

/// One file's diff: its header lines and hunks.
#[derive(Debug, PartialEq, Default)]
pub struct FileDiff<'a> {
    /// `diff --git …`, `index …`, mode, rename and binary lines, `---`, `+++`.
    pub header: Vec<&'a str>,
    pub hunks: Vec<Hunk<'a>>,
}

#[derive(Debug, PartialEq)]
pub struct Hunk<'a> {
    /// The `@@ -a,b +c,d @@ context` line.
    pub header: &'a str,
    pub old_start: u64,
    pub old_len: u64,
    pub new_start: u64,
    pub new_len: u64,
    /// The body has exactly the lines the header counts.
    pub complete: bool,
    /// Body lines: ` ctx`, `-old`, `+new`, `\ No newline at end of file`.
    pub lines: Vec<&'a str>,
}

/// Extended header lines git prints between `diff --git` and the hunks.
const HEADER_PREFIXES: &[&str] = &[
    "index ",
    "new file mode ",
    "deleted file mode ",
    "old mode ",
    "new mode ",
    "similarity index ",
    "dissimilarity index ",
    "rename from ",
    "rename to ",
    "copy from ",
    "copy to ",
    "Binary files ",
    "--- ",
    "+++ ",
];

/// `(old_start, old_len, new_start, new_len)` of a `@@ -a[,b] +c[,d] @@` line.
pub fn hunk_header(line: &str) -> Option<(u64, u64, u64, u64)> {
    let rest = line.strip_prefix("@@ -")?;
    let end = rest.find(" @@")?;
    let (old, new) = rest[..end].split_once(" +")?;
    let range = |r: &str| -> Option<(u64, u64)> {
        match r.split_once(',') {
            Some((s, n)) => Some((s.parse().ok()?, n.parse().ok()?)),
            None => Some((r.parse().ok()?, 1)),
        }
    };
    let (old_start, old_len) = range(old)?;
    let (new_start, new_len) = range(new)?;
    Some((old_start, old_len, new_start, new_len))
}

/// Whether `line` starts a file diff.
fn starts_file(lines: &[&str], i: usize) -> bool {
    let l = lines[i];
    if l.starts_with("diff --git ")
        || (l.starts_with("diff -")
            && !l.starts_with("diff --cc")
            && !l.starts_with("diff --combined"))
    {
        return true;
    }
    // Plain `diff -u` output: `---`, `+++`, then a hunk.
    l.starts_with("--- ")
        && lines.get(i + 1).is_some_and(|n| n.starts_with("+++ "))
        && lines.get(i + 2).is_some_and(|n| hunk_header(n).is_some())
}

/// Splits `text` into blocks. Lines lose a trailing `\r`.
pub fn parse(text: &str) -> Vec<Block<'_>> {
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut blocks: Vec<Block> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !starts_file(&lines, i) {
            match blocks.last_mut() {
                Some(Block::Text(t)) => t.push(lines[i]),
                _ => blocks.push(Block::Text(vec![lines[i]])),
            }
            i += 1;
            continue;
        }
        let mut file = FileDiff {
            header: vec![lines[i]],
            hunks: Vec::new(),
        };
        i += 1;
        // A `diff --git` line is followed by extended headers; plain `---`
        // starts at the `---` itself (already taken as the first line).
        while i < lines.len()
            && HEADER_PREFIXES.iter().any(|p| lines[i].starts_with(p))
            && !starts_nested(&file, lines[i])
        {
            file.header.push(lines[i]);
            i += 1;
        }
        while i < lines.len() {
            let Some((old_start, old_len, new_start, new_len)) = hunk_header(lines[i]) else {
                break;
            };
            let (mut old_left, mut new_left) = (old_len, new_len);
            let mut hunk = Hunk {
                header: lines[i],
                old_start,
                old_len,
                new_start,
                new_len,
                complete: false,
                lines: Vec::new(),
            };
            i += 1;
            while i < lines.len() && (old_left > 0 || new_left > 0) {
                let l = lines[i];
                match l.as_bytes().first() {
                    // An empty line is a blank context line whose space was trimmed.
                    Some(b' ') | None if old_left > 0 && new_left > 0 => {
                        old_left -= 1;
                        new_left -= 1;
                    }
                    Some(b'-') if old_left > 0 => old_left -= 1,
                    Some(b'+') if new_left > 0 => new_left -= 1,
                    Some(b'\\') => {}
                    _ => break, // cut short: the rest is not this hunk's
                }
                hunk.lines.push(l);
                i += 1;
            }
            if i < lines.len() && lines[i].starts_with('\\') {
                hunk.lines.push(lines[i]);
                i += 1;
            }
            hunk.complete = old_left == 0 && new_left == 0;
            file.hunks.push(hunk);
        }
        blocks.push(Block::File(file));
    }
    blocks
}

/// A second `---` in a header that already has one starts something else.
fn starts_nested(file: &FileDiff, line: &str) -> bool {
    (line.starts_with("--- ") && file.header.iter().skip(1).any(|h| h.starts_with("--- ")))
        || (line.starts_with("+++ ") && file.header.iter().skip(1).any(|h| h.starts_with("+++ ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOW: &str = "commit abc\nAuthor: A <a@b>\n\n    fix it\n\ndiff --git a/x.rs b/x.rs\nindex 1..2 100644\n--- a/x.rs\n+++ b/x.rs\n@@ -1,3 +1,3 @@ fn main\n a\n-b\n+c\n d\n@@ -10 +10 @@\n-e\n+f\n\\ No newline at end of file\n";

    #[test]
    fn parses_git_show() {
        let blocks = parse(SHOW);
        assert_eq!(blocks.len(), 2);
        let Block::Text(t) = &blocks[0] else { panic!() };
        assert_eq!(t.len(), 5);
        let Block::File(f) = &blocks[1] else { panic!() };
        assert_eq!(f.header.len(), 4);
        assert_eq!(f.hunks.len(), 2);
        assert_eq!(f.hunks[0].lines, [" a", "-b", "+c", " d"]);
        assert_eq!(
            f.hunks[1].lines,
            ["-e", "+f", "\\ No newline at end of file"]
        );
    }

    #[test]
    fn hunk_ends_at_its_counts() {
        let text = "--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n-- \nsignature\n";
        let blocks = parse(text);
        let Block::File(f) = &blocks[0] else { panic!() };
        assert_eq!(f.hunks[0].lines, ["-x", "+y"]);
        assert_eq!(blocks[1], Block::Text(vec!["-- ", "signature"]));
    }

    #[test]
    fn headers() {
        assert_eq!(hunk_header("@@ -1,3 +1,4 @@ fn x"), Some((1, 3, 1, 4)));
        assert_eq!(hunk_header("@@ -0,0 +1 @@"), Some((0, 0, 1, 1)));
        assert_eq!(hunk_header("@@@ -1,2 -1,2 +1,3 @@@"), None);
    }

    #[test]
    fn crlf_and_markdown_fence() {
        let text = "```diff\r\n--- a/x\r\n+++ b/x\r\n@@ -1 +1 @@\r\n-a\r\n+b\r\n```\r\n";
        let blocks = parse(text);
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[2], Block::Text(vec!["```"]));
    }
}
