//! Plain text and Markdown: keep the paragraphs that matter, mark the gaps.
//!
//! Extractive only: every kept block is printed exactly as written, and a
//! marker line stands where blocks were left out. Prose cannot be rewritten
//! without risking the facts (the reference system's ML compressor garbled
//! tool output), so the unit of selection is the block: a paragraph, a list,
//! a table, a heading, or a fenced code block (kept or omitted whole, never
//! cut).
//!
//! What always stays: headings (the document's map), blocks that report
//! errors, and blocks that contain an exact anchor of the query (ids,
//! numbers, quoted strings). Then blocks are ranked by BM25 relevance to the
//! query, by salience (numbers, identifiers, paths) and by position (the lead
//! paragraph of each section) until the budget is met. A block that repeats
//! an earlier one (same words, give or take numbers) is folded away.
//!
//! Small inputs pass through: without a query, text under
//! [`PASSTHROUGH_TOKENS`] is cheap enough to read whole; with one, text under
//! the context's `lossy_min_tokens`. Under `--lossless`, only trailing spaces
//! and runs of blank lines are trimmed.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::json::lossy::ERROR_WORDS;
use super::{Compressed, Context};
use crate::relevance::{bm25, terms_of};

/// An error as reported (`Error: …`, `ValueError`, `ERROR`, `panicked at`),
/// not prose that merely mentions errors ("returns an error if …"); mentions
/// only raise a block's salience.
static ERROR_REPORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i:\b(error|fatal|panic|exception|failure|warning)(\[[^\]]*\])?:)|\b[A-Z]\w*(Error|Exception)\b|\b(ERROR|FATAL|FAILED|FAIL)\b|panicked at|Traceback \(most recent call last\)").unwrap()
});

/// Without a query, text shorter than this many tokens is read whole.
pub const PASSTHROUGH_TOKENS: usize = 2_000;

/// Share of the input's tokens the ranked blocks may fill (headings, errors
/// and anchor hits come on top).
const KEEP_SHARE: f64 = 0.3;

/// With fewer blank-line-separated blocks than this, a long text is split
/// into lines instead (plain text files often have no blank lines).
const MIN_BLOCKS: usize = 6;

pub fn compress(text: &str, ctx: &Context) -> Option<Compressed> {
    let tidy = tidy(text);
    let lossless = (tidy != text).then(|| Compressed {
        text: tidy.clone(),
        transforms: vec!["text:trim-blank".to_string()],
        hashes: Vec::new(),
    });
    if !ctx.may_drop() {
        return lossless;
    }
    let threshold = if ctx.query.is_empty() {
        PASSTHROUGH_TOKENS.max(ctx.lossy_min_tokens)
    } else {
        ctx.lossy_min_tokens
    };
    let total = (ctx.cost)(&tidy);
    if total <= threshold {
        return lossless;
    }
    let blocks = segment(&tidy);
    // Without paragraphs, text is lines (a listing, command output).
    if blocks.len() < MIN_BLOCKS && tidy.lines().count() >= MIN_BLOCKS * 4 {
        return super::lines::compress(text, ctx);
    }
    let keep = select(&blocks, ctx, total);
    if keep.iter().all(|&k| k) {
        return lossless;
    }
    let Some(hash) = ctx.store(text, "text") else {
        return lossless;
    };
    let out = render(&tidy, &blocks, &keep, ctx, &hash);
    Some(Compressed {
        text: out,
        transforms: vec!["text:extract".to_string()],
        hashes: vec![hash],
    })
}

/// Trailing whitespace removed, runs of blank lines collapsed to one, one
/// final newline if the input had one.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            if !blank && !out.is_empty() {
                out.push('\n');
            }
            blank = true;
            continue;
        }
        blank = false;
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    if !text.ends_with('\n') && out.ends_with('\n') {
        out.pop();
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum BlockKind {
    Heading,
    Code,
    Paragraph,
    /// A run of sentences cut from a paragraph too long to keep or drop
    /// whole (one 300 KB line).
    Sentences,
}

/// A paragraph with a line longer than this is cut into runs of sentences.
const LONG_LINE: usize = 4096;
/// A run of sentences ends at the first sentence end after this many bytes
/// (small runs would cost more in markers than they save)...
const RUN_BYTES: usize = 512;
/// ...or, without one, at a clause boundary (`,` `;` `:`) after this many...
const CLAUSE_BYTES: usize = 2048;
/// ...or, without one, at any space after this many.
const SPACE_BYTES: usize = 4096;

#[derive(Debug)]
struct Block<'a> {
    kind: BlockKind,
    /// The block's lines exactly as written, without the final newline.
    text: &'a str,
}

/// Splits `text` into headings, fenced code blocks and blank-line-separated
/// paragraphs.
fn segment(text: &str) -> Vec<Block<'_>> {
    let mut out = Vec::new();
    for block in join_intros(text, split(text)) {
        if block.kind == BlockKind::Paragraph && block.text.lines().any(|l| l.len() > LONG_LINE) {
            out.extend(sentence_runs(block.text).into_iter().map(|text| Block {
                kind: BlockKind::Sentences,
                text,
            }));
        } else {
            out.push(block);
        }
    }
    out
}

/// Cuts `text` into consecutive runs of whole sentences (clauses, or words,
/// where a sentence is itself too long), each an exact substring; only the
/// whitespace between two runs belongs to neither.
fn sentence_runs(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut runs = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_whitespace() || i == start {
            i += 1;
            continue;
        }
        let len = i - start;
        let cut = match b[i - 1] {
            b'.' | b'!' | b'?' => len >= RUN_BYTES,
            b'"' | b'\'' | b')' if i >= 2 && matches!(b[i - 2], b'.' | b'!' | b'?') => {
                len >= RUN_BYTES
            }
            b',' | b';' | b':' => len >= CLAUSE_BYTES,
            _ => len >= SPACE_BYTES,
        };
        let mut next = i;
        while next < b.len() && b[next].is_ascii_whitespace() {
            next += 1;
        }
        if cut && next < b.len() {
            runs.push(&text[start..i]);
            start = next;
        }
        i = next;
    }
    runs.push(&text[start..]);
    runs
}

/// Sentence ends in `text` (at least one: a run holds one sentence or part of one).
fn sentence_count(text: &str) -> usize {
    let b = text.as_bytes();
    let ends = (1..b.len())
        .filter(|&i| b[i].is_ascii_whitespace() && matches!(b[i - 1], b'.' | b'!' | b'?'))
        .count();
    ends + usize::from(!matches!(b.last(), Some(b'.' | b'!' | b'?')))
}

/// A short paragraph that ends with `:` introduces the block after it ("In
/// your Cargo.toml:"); the two are kept or omitted together.
fn join_intros<'a>(text: &'a str, blocks: Vec<Block<'a>>) -> Vec<Block<'a>> {
    let mut out: Vec<Block> = Vec::with_capacity(blocks.len());
    for block in blocks {
        if let Some(prev) = out.last_mut()
            && prev.kind == BlockKind::Paragraph
            && block.kind != BlockKind::Heading
            && prev.text.ends_with(':')
            && prev.text.len() < 300
        {
            let start = prev.text.as_ptr() as usize - text.as_ptr() as usize;
            let end = block.text.as_ptr() as usize - text.as_ptr() as usize + block.text.len();
            *prev = Block {
                kind: block.kind,
                text: &text[start..end],
            };
            continue;
        }
        out.push(block);
    }
    out
}

/// Whether `line` starts a top-level list item (`- `, `* `, `+ `, `1. `).
fn is_list_item(line: &str) -> bool {
    let t = line.as_bytes();
    if t.len() >= 2 && matches!(t[0], b'-' | b'*' | b'+') && t[1] == b' ' {
        return true;
    }
    let digits = t.iter().take_while(|b| b.is_ascii_digit()).count();
    (1..=3).contains(&digits) && t.get(digits) == Some(&b'.') && t.get(digits + 1) == Some(&b' ')
}

fn split(text: &str) -> Vec<Block<'_>> {
    let lines: Vec<(usize, &str)> = line_spans(text);
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let (start, line) = lines[i];
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            i += 1;
            continue;
        }
        let (kind, end) = if let Some(fence) = fence_of(trimmed) {
            // A fence runs to its closing fence, or to the end if unclosed.
            let close = (i + 1..lines.len()).find(|&j| {
                let t = lines[j].1.trim_start();
                t.starts_with(fence) && t[fence.len()..].trim().is_empty()
            });
            (BlockKind::Code, close.unwrap_or(lines.len() - 1))
        } else if is_atx_heading(trimmed) {
            (BlockKind::Heading, i)
        } else if lines
            .get(i + 1)
            .is_some_and(|(_, next)| is_setext_underline(next))
        {
            (BlockKind::Heading, i + 1)
        } else {
            let mut j = i;
            while let Some((_, next)) = lines.get(j + 1) {
                let t = next.trim_start();
                // Each top-level list item is a block of its own, so a long
                // list can be thinned item by item.
                if t.is_empty() || fence_of(t).is_some() || is_atx_heading(t) || is_list_item(next)
                {
                    break;
                }
                j += 1;
            }
            (BlockKind::Paragraph, j)
        };
        let (end_start, end_line) = lines[end];
        blocks.push(Block {
            kind,
            text: &text[start..end_start + end_line.len()],
        });
        i = end + 1;
    }
    blocks
}

/// Each line with its byte offset (line terminators excluded).
fn line_spans(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        out.push((at, line.trim_end_matches(['\n', '\r'])));
        at += line.len();
    }
    out
}

fn fence_of(trimmed: &str) -> Option<&'static str> {
    if trimmed.starts_with("```") {
        Some("```")
    } else if trimmed.starts_with("~~~") {
        Some("~~~")
    } else {
        None
    }
}

fn is_atx_heading(trimmed: &str) -> bool {
    let hashes = trimmed.bytes().take_while(|&b| b == b'#').count();
    (1..=6).contains(&hashes) && trimmed[hashes..].starts_with(' ')
}

fn is_setext_underline(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 3 && (t.bytes().all(|b| b == b'=') || t.bytes().all(|b| b == b'-'))
}

/// Which blocks to keep.
fn select(blocks: &[Block], ctx: &Context, total: usize) -> Vec<bool> {
    let mut keep = vec![false; blocks.len()];
    let texts: Vec<&str> = blocks.iter().map(|b| b.text).collect();
    let relevance = bm25(&texts, &ctx.query);
    let top = relevance.iter().cloned().fold(0.0, f64::max);
    let duplicate = duplicates(blocks);
    let mut scored: Vec<(f64, usize)> = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        // Anchor hits stay even when they repeat an earlier block: the
        // number that differs may be the one asked about.
        if ctx.query.anchor_hit(block.text) {
            keep[i] = true;
            continue;
        }
        if duplicate[i] {
            continue;
        }
        if block.kind == BlockKind::Heading || ERROR_REPORT.is_match(block.text) {
            keep[i] = true;
            continue;
        }
        let lead = (i == 0 || blocks[i - 1].kind == BlockKind::Heading) && !link_heavy(block.text);
        let mentions_errors = ERROR_WORDS.is_match(block.text);
        let score = if top > 0.0 {
            3.0 * relevance[i] / top
        } else {
            0.0
        } + salience(block.text)
            + if lead { 1.0 } else { 0.0 }
            + if mentions_errors { 0.5 } else { 0.0 };
        scored.push((score, i));
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let budget = ((total as f64) * KEEP_SHARE) as usize;
    let mut used = 0;
    for (score, i) in scored {
        if score <= 0.0 && used > 0 {
            break;
        }
        let cost = (ctx.cost)(blocks[i].text);
        if used + cost > budget {
            continue;
        }
        used += cost;
        keep[i] = true;
    }
    keep
}

/// How much a block states facts: the share of its words that are numbers,
/// identifiers (`snake_case`, `CamelCase`, `a.b`, paths) or upper-case codes.
fn salience(text: &str) -> f64 {
    if link_heavy(text) {
        return 0.0;
    }
    let mut words = 0usize;
    let mut facts = 0usize;
    for w in text.split_whitespace() {
        words += 1;
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        let digit = w.chars().any(|c| c.is_ascii_digit());
        let ident = w.len() > 2
            && (w.contains(['_', '/', ':'])
                || (w.contains('.') && w.chars().any(char::is_alphabetic))
                || w.chars().skip(1).any(char::is_uppercase) && w.chars().any(char::is_lowercase));
        let code = w.len() >= 2
            && w.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if digit || ident || code {
            facts += 1;
        }
    }
    if words == 0 {
        0.0
    } else {
        (4.0 * facts as f64 / words as f64).min(2.0)
    }
}

/// Badge rows and link lists: mostly URLs, little to read.
fn link_heavy(text: &str) -> bool {
    let words = text.split_whitespace().count();
    let links = text.matches("](").count() + text.matches("://").count() / 2;
    links * 4 >= words.max(1)
}

/// Blocks whose words (numbers aside) repeat an earlier block's exactly.
fn duplicates(blocks: &[Block]) -> Vec<bool> {
    let mut seen: HashSet<String> = HashSet::new();
    blocks
        .iter()
        .map(|b| {
            if b.kind == BlockKind::Heading {
                return false;
            }
            let key: Vec<String> = terms_of(b.text)
                .into_iter()
                .filter(|t| !t.chars().all(|c| c.is_ascii_digit()))
                .collect();
            key.len() >= 4 && !seen.insert(key.join(" "))
        })
        .collect()
}

/// The kept blocks in order, a marker line in each gap; a blank line only
/// where the text had one (nothing is inserted). Kept runs of one long
/// paragraph that follow each other are joined by the text between them.
fn render(text: &str, blocks: &[Block], keep: &[bool], ctx: &Context, hash: &str) -> String {
    let duplicate = duplicates(blocks);
    let mut out = String::new();
    let mut i = 0;
    let mut end = 0;
    while i < blocks.len() {
        let start = blocks[i].text.as_ptr() as usize - text.as_ptr() as usize;
        if i > 0 && keep[i - 1] && keep[i] && blocks[i].kind == BlockKind::Sentences {
            out.pop();
            out.push_str(&text[end..start]);
        } else if !out.is_empty() && text[end..start].contains("\n\n") {
            out.push('\n');
        }
        let first = i;
        i += 1;
        while !keep[first] && i < blocks.len() && !keep[i] {
            i += 1;
        }
        let last = &blocks[i - 1];
        end = last.text.as_ptr() as usize - text.as_ptr() as usize + last.text.len();
        if keep[first] {
            out.push_str(blocks[first].text);
            out.push('\n');
            continue;
        }
        let gap = &blocks[first..i];
        out.push_str(&ctx.marker_line(&gap_summary(gap, &duplicate[first..i]), hash));
        out.push('\n');
    }
    out
}

/// `5 paragraphs, 1 code block and 2 paragraphs repeating earlier ones omitted`.
fn gap_summary(gap: &[Block], duplicate: &[bool]) -> String {
    let count = |kind: BlockKind, dup: bool| -> usize {
        gap.iter()
            .zip(duplicate)
            .filter(|(b, d)| b.kind == kind && **d == dup)
            .map(|(b, _)| match kind {
                BlockKind::Sentences => sentence_count(b.text),
                _ => 1,
            })
            .sum()
    };
    let items = gap
        .iter()
        .zip(duplicate)
        .filter(|(b, d)| {
            b.kind == BlockKind::Paragraph && !**d && is_list_item(b.text.trim_start())
        })
        .count();
    let code = count(BlockKind::Code, false);
    let sentences = count(BlockKind::Sentences, false);
    let paragraphs = count(BlockKind::Paragraph, false) + count(BlockKind::Heading, false) - items;
    let repeated = count(BlockKind::Paragraph, true) + count(BlockKind::Code, true);
    let repeated_sentences = count(BlockKind::Sentences, true);
    let mut parts = Vec::new();
    if paragraphs > 0 {
        parts.push(plural(paragraphs, "paragraph"));
    }
    if sentences > 0 {
        parts.push(plural(sentences, "sentence"));
    }
    if items > 0 {
        parts.push(plural(items, "list item"));
    }
    if code > 0 {
        parts.push(plural(code, "code block"));
    }
    if repeated > 0 {
        parts.push(format!(
            "{} repeating earlier ones",
            plural(repeated, "paragraph")
        ));
    }
    if repeated_sentences > 0 {
        parts.push(format!(
            "{} repeating earlier ones",
            plural(repeated_sentences, "sentence")
        ));
    }
    let mut summary = match parts.len() {
        1 => parts.remove(0),
        _ => {
            let last = parts.pop().unwrap_or_default();
            format!("{} and {last}", parts.join(", "))
        }
    };
    summary.push_str(" omitted");
    summary
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ccr::hash_of;
    use crate::relevance::Query;

    use crate::ccr::HashOnlySink as Memory;

    fn cost(s: &str) -> usize {
        s.split_whitespace().count()
    }

    fn ctx(query: &str, lossless: bool) -> Context<'static> {
        Context {
            query: Query::parse(query),
            lossless,
            valid_json: false,
            sink: Some(&Memory),
            via: Default::default(),
            cost: &cost,
            lossy_min_tokens: 500,
        }
    }

    /// A long Markdown document: sections of filler prose, one error report,
    /// one code block, one repeated paragraph, one fact-dense paragraph.
    fn document() -> String {
        let mut doc = String::from(
            "# Operations guide\n\nThis guide explains how the deploy pipeline works.\n\n",
        );
        for s in 0..12 {
            doc.push_str(&format!("## Section {s}\n\n"));
            for p in 0..6 {
                doc.push_str(&format!(
                    "Paragraph {p} of section {s} discusses the general approach the team takes when it plans work, \
                     reviews the plan with colleagues and writes down what it learned along the way for later readers.\n\n"
                ));
            }
            if s == 4 {
                doc.push_str("The last run ended with Error: connection refused by db-primary-2 on port 5432.\n\n");
                doc.push_str("Run this to roll back:\n\n```sh\nkubectl rollout undo deploy/api\n\nkubectl rollout status deploy/api\n```\n\n");
            }
            if s == 7 {
                doc.push_str("The rate limiter lives in rate_limit.rs and allows 250 requests per key per minute.\n\n");
            }
        }
        doc
    }

    #[test]
    fn small_text_without_query_passes_through() {
        let text = "A short note.\n\nAnother paragraph.\n";
        assert_eq!(compress(text, &ctx("", false)), None);
        let messy = "A short note.   \n\n\n\nAnother paragraph.\n";
        assert_eq!(compress(messy, &ctx("", false)).unwrap().text, text);
    }

    #[test]
    fn long_document_keeps_headings_errors_and_query_matches_in_order() {
        let doc = document();
        let out = compress(&doc, &ctx("what is the rate limiter 250", false)).unwrap();
        let text = &out.text;
        assert_eq!(out.hashes, [hash_of(doc.as_bytes())]);
        assert!(cost(text) * 2 < cost(&doc), "{text}");
        for kept in [
            "# Operations guide",
            "## Section 11",
            "Error: connection refused by db-primary-2",
            "rate_limit.rs and allows 250",
        ] {
            assert!(text.contains(kept), "missing {kept:?}:\n{text}");
        }
        // Every kept line is a line of the input, in the input's order.
        let mut at = 0;
        for line in text
            .lines()
            .filter(|l| !l.starts_with("[headroom: ") && !l.is_empty())
        {
            let found = doc[at..]
                .find(line)
                .unwrap_or_else(|| panic!("{line:?} not in order"));
            at += found + line.len();
        }
        assert!(
            text.contains(" omitted; retrieve: headroom retrieve "),
            "{text}"
        );
    }

    #[test]
    fn code_blocks_stay_whole_or_go_whole() {
        let doc = document();
        for query in ["", "how do I roll back the deploy", "rate limiter"] {
            let text = compress(&doc, &ctx(query, false)).unwrap().text;
            let has_undo = text.contains("kubectl rollout undo deploy/api");
            let has_status = text.contains("kubectl rollout status deploy/api");
            assert_eq!(
                has_undo, has_status,
                "code block cut for {query:?}:\n{text}"
            );
        }
        let text = compress(&doc, &ctx("how do I roll back the deploy", false))
            .unwrap()
            .text;
        assert!(
            text.contains("Run this to roll back:\n\n```sh\nkubectl rollout undo"),
            "{text}"
        );
    }

    #[test]
    fn repeated_paragraphs_are_folded() {
        let mut doc = String::from("# Notes\n\n");
        for i in 0..300 {
            doc.push_str(&format!(
                "Retrying upload of chunk {i} to the archive bucket after a short pause.\n\n"
            ));
        }
        let text = compress(&doc, &ctx("", false)).unwrap().text;
        assert!(
            text.contains("paragraphs repeating earlier ones omitted"),
            "{text}"
        );
        assert!(text.contains("chunk 0 "), "{text}");
    }

    #[test]
    fn lossless_only_trims() {
        let doc = document().trim_end().to_string() + "\n";
        assert_eq!(compress(&doc, &ctx("rate", true)), None);
        let messy = format!("{doc}\n\n\n");
        assert_eq!(compress(&messy, &ctx("rate", true)).unwrap().text, doc);
    }

    #[test]
    fn odd_input_never_panics_and_is_deterministic() {
        let lines: String = (0..400)
            .map(|i| format!("line {i} of a file without blank lines\r\n"))
            .collect();
        let a = compress(&lines, &ctx("line 17", false));
        assert_eq!(a, compress(&lines, &ctx("line 17", false)));
        assert!(a.unwrap().text.contains("line 17 of a file"));
        let unclosed = format!("{}\n```\nnever closed\n{}", document(), "x ".repeat(5000));
        let _ = compress(&unclosed, &ctx("", false));
        let _ = compress(&"word ".repeat(200_000), &ctx("", false));
        assert_eq!(compress("", &ctx("", false)), None);
    }

    /// One 300 KB line of prose (#10): cut into runs of sentences, each kept
    /// run an exact substring of the line, in order, markers in the gaps.
    #[test]
    fn a_huge_single_line_is_cut_at_sentences() {
        let words = [
            "request", "cache", "index", "latency", "returned", "retry", "cold",
        ];
        let mut line = String::new();
        let mut i = 0usize;
        while line.len() < 300_000 {
            let n = 8 + i % 13;
            let sentence: Vec<&str> = (0..n)
                .map(|j| words[(i * i * 31 + j * j * 7 + j) % words.len()])
                .collect();
            line.push_str(&format!("Step {i} saw {}. ", sentence.join(" ")));
            if i == 1234 {
                line.push_str("ERROR: disk quota exceeded on vol-77. ");
            }
            i += 1;
        }
        let line = line.trim_end().to_string() + "\n";
        let out = compress(&line, &ctx("", false)).unwrap();
        let text = &out.text;
        assert!(
            text.len() * 2 < line.len(),
            "{} of {}",
            text.len(),
            line.len()
        );
        assert!(
            text.contains("ERROR: disk quota exceeded on vol-77."),
            "error dropped"
        );
        assert!(text.starts_with("Step 0 saw "), "{}", &text[..80]);
        let markers: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("[headroom: "))
            .collect();
        assert!(
            markers.iter().any(|m| m.contains(" sentences ")),
            "{markers:?}"
        );
        let mut at = 0;
        let mut pieces = 0;
        for piece in text.lines() {
            if piece.starts_with("[headroom: ") {
                continue;
            }
            let found = line[at..]
                .find(piece)
                .unwrap_or_else(|| panic!("{piece:?} not in order"));
            assert!(
                piece.ends_with('.') || at + found + piece.len() == line.len() - 1,
                "cut mid-sentence: {piece:?}"
            );
            at += found + piece.len();
            pieces += 1;
        }
        assert!(pieces > 1, "{text}");
        for w in text.lines().collect::<Vec<_>>().windows(2) {
            assert!(!(w[0].starts_with("[headroom: ") && w[1].starts_with("[headroom: ")));
        }
    }

    #[test]
    fn a_sentence_longer_than_a_run_is_cut_at_clauses() {
        let clause = "the cache was cold and the index rebuilt slowly";
        let long = vec![clause; 200].join(", ") + ".";
        let runs = sentence_runs(&long);
        assert!(runs.len() > 1);
        for r in &runs[..runs.len() - 1] {
            assert!(r.ends_with(','), "{r:?}");
            assert!(r.len() >= CLAUSE_BYTES);
        }
        assert_eq!(runs.join(" "), long);
        let words = "word ".repeat(3000);
        assert!(
            sentence_runs(&words)
                .iter()
                .all(|r| r.len() <= SPACE_BYTES + 4)
        );
        assert_eq!(sentence_runs("x".repeat(10_000).as_str()).len(), 1);
    }

    #[test]
    fn segments_markdown_blocks() {
        let md =
            "# T\n\nIntro:\n\n```\na\n\nb\n```\n\n- one\n  more\n- two\n\nTitle\n=====\n\npara\n";
        let kinds: Vec<(BlockKind, &str)> = segment(md).iter().map(|b| (b.kind, b.text)).collect();
        assert_eq!(
            kinds,
            [
                (BlockKind::Heading, "# T"),
                (BlockKind::Code, "Intro:\n\n```\na\n\nb\n```"),
                (BlockKind::Paragraph, "- one\n  more"),
                (BlockKind::Paragraph, "- two"),
                (BlockKind::Heading, "Title\n====="),
                (BlockKind::Paragraph, "para"),
            ]
        );
    }
}
