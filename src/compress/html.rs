//! HTML pages: the main content as Markdown, the page chrome behind a marker.
//!
//! A fetched web page is mostly scripts, styles, markup, navigation, cookie
//! banners and footers; the reader wants the article. The article is found
//! with a readability port (`dom_smoothie`, F1 ≈ 0.95 on the article-extraction
//! benchmark) and rendered as Markdown (headings, lists, tables, quotes,
//! code) by `dom_query`. Pages that are not articles (app shells, forms, link
//! lists) get the visible text of the whole page instead, without invisible
//! elements and consent banners.
//!
//! The Markdown is for a model, not a renderer: link targets and images are
//! left out (a page's URLs are often a third of its text; they come back when
//! the query asks for links), and the serializer's backslash escapes are
//! removed so that words stay as the page wrote them.
//!
//! Either way the rendering drops content, so it is lossy: the whole original
//! is stored first and one marker line at the end says what was left out and
//! how to retrieve it. Under `--lossless` the page passes through unchanged:
//! HTML → Markdown loses attributes and markup that cannot be rebuilt, and no
//! whitespace-only cleanup of HTML is both safe (`<pre>`, inline spacing) and
//! worth its tokens.

use dom_query::{Document, Selection};
use dom_smoothie::{Config, Readability, TextMode};

use super::{Compressed, Context};
use crate::human::thousands;

/// Pages with more elements than this are not run through readability (its
/// scoring passes get slow on huge DOMs); they get the whole-page rendering.
const MAX_ELEMENTS: usize = 60_000;

/// An article shorter than this many words is not trusted to be the page's
/// main content; the whole page is rendered instead.
const MIN_ARTICLE_WORDS: usize = 60;

/// Elements whose content a reader never sees.
const INVISIBLE: &str = "script, style, noscript, template, svg, canvas, iframe, object, embed, [hidden], [aria-hidden=true]";

/// Page furniture dropped from whole-page renderings: consent and cookie
/// banners. Only small elements are removed (see [`CHROME_MAX_WORDS`]), so a
/// wrapper that merely carries such a class cannot take the page with it.
const BANNERS: &str = "body [id*=cookie], body [class*=cookie], body [id*=consent], body [class*=consent], body [id*=gdpr], body [class*=gdpr]";
const CHROME_MAX_WORDS: usize = 150;

/// Elements left out of the Markdown: images say nothing without their pixels
/// (alt text is usually empty or decorative), and forms' inner controls.
const SKIPPED_IN_MARKDOWN: &[&str] = &[
    "script", "style", "meta", "head", "img", "picture", "video", "audio", "source", "select",
    "button", "input",
];

/// Query words that mean the reader wants link targets kept.
const LINK_WORDS: &[&str] = &[
    "link",
    "links",
    "url",
    "urls",
    "href",
    "hrefs",
    "hyperlink",
    "hyperlinks",
];

pub fn compress(text: &str, ctx: &Context) -> Option<Compressed> {
    if !ctx.may_drop() || !has_markup(text) {
        return None;
    }
    let keep_links = ctx
        .query
        .terms
        .iter()
        .any(|t| LINK_WORDS.contains(&t.as_str()));
    let page = render(text, keep_links)?;
    let hash = ctx.store(text, "html")?;
    let omitted = Omitted::measure(text, &page);
    let mut out = page.markdown;
    out.push_str("\n\n");
    out.push_str(&ctx.marker_line(&omitted.summary(page.mode), &hash));
    out.push('\n');
    Some(Compressed {
        text: out,
        transforms: vec![page.mode.transform().to_string()],
        hashes: vec![hash],
    })
}

/// Whether `text` contains at least one element tag (cheap guard against
/// prose that was forced to `--type html`).
fn has_markup(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'<', bytes)
        .take(10_000)
        .any(|i| bytes.get(i + 1).is_some_and(|b| b.is_ascii_alphabetic()))
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// The main article, found by readability.
    Article,
    /// All visible text of the page.
    WholePage,
}

impl Mode {
    fn transform(self) -> &'static str {
        match self {
            Mode::Article => "html:article",
            Mode::WholePage => "html:page-markdown",
        }
    }
}

struct Rendering {
    markdown: String,
    mode: Mode,
    /// Words of visible text on the whole page.
    page_words: usize,
    /// Links on the whole page whose targets the Markdown leaves out.
    page_links: usize,
    keep_links: bool,
}

fn render(html: &str, keep_links: bool) -> Option<Rendering> {
    let doc = Document::from(html);
    let elements = doc
        .root()
        .descendants_it()
        .filter(|n| n.is_element())
        .count();
    let body = doc.select("body");
    let page_words = words(&body.text()).saturating_sub(words(&body.select(INVISIBLE).text()));
    let page_links = body.select("a[href]").length();
    let title = doc.select("head title").text().trim().to_string();
    let whole = |doc: &Document| {
        let markdown = page_markdown(doc, &title, keep_links)?;
        Some(Rendering {
            markdown,
            mode: Mode::WholePage,
            page_words,
            page_links,
            keep_links,
        })
    };
    if elements > MAX_ELEMENTS {
        return whole(&doc);
    }
    let config = Config {
        text_mode: TextMode::Raw,
        max_elements_to_parse: MAX_ELEMENTS,
        ..Default::default()
    };
    let mut reader = Readability::with_document(doc, None, Some(config)).ok()?;
    if !reader.is_probably_readable() {
        return whole(&reader.doc);
    }
    // `parse` rewrites the document in place; a failed parse leaves it
    // unusable, so the whole-page fallback parses the page again.
    let article = match reader.parse() {
        Ok(article) if words(&article.text_content) >= MIN_ARTICLE_WORDS => article,
        _ => return whole(&Document::from(html)),
    };
    let content = Document::from(article.content.as_ref());
    let mut markdown = String::new();
    let title = if article.title.trim().is_empty() {
        title.as_str()
    } else {
        article.title.trim()
    };
    let body = markdown_of(&content.select("body"), keep_links);
    push_title(&mut markdown, title, &body);
    let meta: Vec<&str> = [article.byline.as_deref(), article.published_time.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty() && !body.contains(s))
        .collect();
    if !meta.is_empty() {
        markdown.push_str(&meta.join(" · "));
        markdown.push_str("\n\n");
    }
    markdown.push_str(&body);
    Some(Rendering {
        markdown,
        mode: Mode::Article,
        page_words,
        page_links,
        keep_links,
    })
}

/// The visible text of the whole page as Markdown, or `None` if it has none.
fn page_markdown(doc: &Document, title: &str, keep_links: bool) -> Option<String> {
    doc.select(INVISIBLE).remove();
    for banner in doc.select(BANNERS).iter() {
        if words(&banner.text()) <= CHROME_MAX_WORDS {
            banner.remove();
        }
    }
    let body = markdown_of(&doc.select("body"), keep_links);
    if body.is_empty() {
        return None;
    }
    let mut markdown = String::new();
    push_title(&mut markdown, title, &body);
    markdown.push_str(&body);
    Some(markdown)
}

/// `# title` unless the body's first line already holds the title.
fn push_title(out: &mut String, title: &str, body: &str) {
    let first_line = body.lines().next().unwrap_or("");
    if !title.is_empty() && !first_line.contains(title) {
        out.push_str("# ");
        out.push_str(title);
        out.push_str("\n\n");
    }
}

/// Markdown of the selected elements: links as their text unless
/// `keep_links`, no images, no escaping, tidy blank lines.
fn markdown_of(sel: &Selection, keep_links: bool) -> String {
    let mut out = String::new();
    for node in sel.nodes() {
        if !keep_links {
            node.strip_elements(&["a"]);
        }
        out.push_str(&node.md(Some(SKIPPED_IN_MARKDOWN)));
    }
    tidy(&unescape(&out))
}

/// Removes the backslash escapes the Markdown serializer puts before
/// punctuation (`snake\_case`, `\[1\]`): the reader is a model, not a
/// Markdown renderer, and escapes both cost tokens and change the words.
/// Code spans and fences are copied as they are (nothing is escaped there),
/// and `\|` stays on table rows, where it keeps the cells apart.
fn unescape(md: &str) -> String {
    let bytes = md.as_bytes();
    let mut out = String::with_capacity(md.len());
    let mut copied = 0;
    let mut table_row = is_table_row(md);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                table_row = is_table_row(&md[i + 1..]);
                i += 1;
            }
            b'\\'
                if bytes
                    .get(i + 1)
                    .is_some_and(|&b| b.is_ascii_punctuation() && (b != b'|' || !table_row)) =>
            {
                out.push_str(&md[copied..i]);
                copied = i + 1;
                i += 2;
            }
            b'`' => {
                let run = bytes[i..].iter().take_while(|&&b| b == b'`').count();
                let fence = &md[i..i + run];
                match md[i + run..].find(fence) {
                    Some(j) => {
                        let end = i + run + j + run;
                        if let Some(nl) = md[i..end].rfind('\n') {
                            table_row = is_table_row(&md[i + nl + 1..]);
                        }
                        i = end;
                    }
                    None => i += run,
                }
            }
            _ => i += 1,
        }
    }
    out.push_str(&md[copied..]);
    out
}

/// Whether the line starting `rest` is a Markdown table row (`| a | b |`).
fn is_table_row(rest: &str) -> bool {
    rest.trim_start_matches([' ', '\t']).starts_with('|')
}

/// Trailing spaces removed and runs of blank lines collapsed to one.
fn tidy(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut blank = true;
    for line in markdown.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            if !blank {
                out.push('\n');
            }
            blank = true;
            continue;
        }
        out.push_str(line);
        out.push('\n');
        blank = false;
    }
    out.truncate(out.trim_end().len());
    out
}

/// Words in `text` (runs with a letter or digit, so Markdown syntax such as
/// `#` or `|` does not count); each CJK character counts as a word, since
/// those scripts do not separate words with spaces.
fn words(text: &str) -> usize {
    text.split_whitespace()
        .map(|w| {
            let cjk = w.chars().filter(|&c| is_cjk(c)).count();
            if cjk > 0 {
                cjk
            } else {
                usize::from(w.chars().any(char::is_alphanumeric))
            }
        })
        .sum()
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}')
}

/// What the rendering left out, for the marker.
struct Omitted {
    total_bytes: usize,
    script_bytes: usize,
    style_bytes: usize,
    other_words: usize,
    links: usize,
}

impl Omitted {
    fn measure(html: &str, page: &Rendering) -> Omitted {
        Omitted {
            total_bytes: html.len(),
            script_bytes: element_bytes(html, "script"),
            style_bytes: element_bytes(html, "style"),
            other_words: page.page_words.saturating_sub(words(&page.markdown)),
            links: if page.keep_links { 0 } else { page.page_links },
        }
    }

    fn summary(&self, mode: Mode) -> String {
        let mut parts = Vec::new();
        if self.other_words > 0 && mode == Mode::Article {
            parts.push(format!(
                "{} words of navigation, sidebars and footers",
                thousands(self.other_words)
            ));
        }
        if self.links > 0 {
            parts.push(format!("{} link targets", thousands(self.links)));
        }
        if self.script_bytes > 0 {
            parts.push(format!("scripts {}", bytes(self.script_bytes)));
        }
        if self.style_bytes > 0 {
            parts.push(format!("styles {}", bytes(self.style_bytes)));
        }
        parts.push("markup".to_string());
        let what = match mode {
            Mode::Article => "page chrome omitted",
            Mode::WholePage => "page markup omitted",
        };
        format!(
            "{what} ({}; page was {})",
            parts.join(", "),
            bytes(self.total_bytes)
        )
    }
}

/// Bytes of the source inside `<tag ...>...</tag>` elements (case-insensitive).
fn element_bytes(html: &str, tag: &str) -> usize {
    let lower = html.to_ascii_lowercase();
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut total = 0;
    let mut at = 0;
    while let Some(i) = lower[at..].find(&open) {
        let start = at + i;
        let after = lower.as_bytes().get(start + open.len());
        if !after.is_some_and(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/') {
            at = start + open.len();
            continue;
        }
        let end = lower[start..]
            .find(&close)
            .map_or(lower.len(), |j| start + j + close.len());
        total += end - start;
        at = end;
    }
    total
}

fn bytes(n: usize) -> String {
    if n >= 10_000 {
        format!("{} KB", thousands(n.div_ceil(1000)))
    } else {
        format!("{} B", thousands(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ccr::{Sink, hash_of};
    use crate::relevance::Query;
    use std::cell::RefCell;

    const ARTICLE: &str = include_str!("../../tests/fixtures/html/article.html");
    const APP_SHELL: &str = include_str!("../../tests/fixtures/html/app-shell.html");

    /// Keeps the hashes of stored originals.
    #[derive(Default)]
    struct Memory(RefCell<Vec<String>>);

    impl Sink for Memory {
        fn store_hashed(&self, _original: &[u8], _kind: &str, hash: &str) -> Option<String> {
            self.0.borrow_mut().push(hash.to_string());
            Some(hash.to_string())
        }
    }

    fn cost(s: &str) -> usize {
        s.len() / 4
    }

    fn ctx<'a>(sink: Option<&'a Memory>, query: &str) -> Context<'a> {
        Context {
            query: Query::parse(query),
            lossless: false,
            valid_json: false,
            sink: sink.map(|s| s as &dyn Sink),
            via: Default::default(),
            cost: &cost,
            lossy_min_tokens: 500,
        }
    }

    fn run(html: &str, query: &str) -> Option<Compressed> {
        let memory = Memory::default();
        let out = compress(html, &ctx(Some(&memory), query));
        if let Some(out) = &out {
            assert_eq!(
                out.hashes,
                memory.0.borrow().clone(),
                "every marker hash is stored"
            );
        }
        out
    }

    #[test]
    fn article_keeps_title_structure_and_facts_and_drops_chrome() {
        let out = run(ARTICLE, "").unwrap();
        let text = &out.text;
        assert_eq!(out.transforms, ["html:article"]);
        assert!(
            text.starts_with("# Migrating the billing service to Postgres 16\n"),
            "{text}"
        );
        for kept in [
            "## Why we could not simply upgrade in place",
            "- Rolling back meant pointing the connection pooler at the old primary again.",
            "| p99 invoice lookup | 38 ms | 19 ms |",
            "ERROR: duplicate key value violates unique constraint \"invoices_pkey\"",
            "CREATE SUBSCRIPTION billing_sub\n  CONNECTION",
            "budget more time for the `snake_case_columns` audit",
            "The cutover itself took 6 minutes and 40 seconds on March 2.",
        ] {
            assert!(text.contains(kept), "missing {kept:?} in\n{text}");
        }
        for dropped in [
            "We use cookies",
            "gtag",
            "font-family",
            "Careers",
            "Privacy policy",
            "Kafka retention",
            "](/",
        ] {
            assert!(
                !text.contains(dropped),
                "{dropped:?} should be gone:\n{text}"
            );
        }
        let last = text.trim_end().lines().last().unwrap();
        assert!(
            last.starts_with("[headroom: page chrome omitted ("),
            "{last}"
        );
        assert!(
            last.ends_with(&format!(
                "retrieve: headroom retrieve {}]",
                hash_of(ARTICLE.as_bytes())
            )),
            "{last}"
        );
        assert!(
            last.contains("link targets") && last.contains("scripts") && last.contains("styles"),
            "{last}"
        );
    }

    #[test]
    fn query_about_links_keeps_link_targets() {
        let page = ARTICLE.replace(
            "custom operator class.",
            "custom operator class (see <a href=\"https://example.com/opclass\">the opclass notes</a>).",
        );
        let with = run(&page, "which links does the post cite?").unwrap().text;
        assert!(
            with.contains("[the opclass notes](https://example.com/opclass)"),
            "{with}"
        );
        let without = run(&page, "").unwrap().text;
        assert!(without.contains("(see the opclass notes)"), "{without}");
    }

    #[test]
    fn lossless_or_storeless_passes_through() {
        let memory = Memory::default();
        let mut lossless = ctx(Some(&memory), "");
        lossless.lossless = true;
        assert_eq!(compress(ARTICLE, &lossless), None);
        assert_eq!(compress(ARTICLE, &ctx(None, "")), None);
        assert!(memory.0.borrow().is_empty());
    }

    #[test]
    fn non_article_page_renders_visible_text() {
        let out = run(APP_SHELL, "").unwrap();
        let text = &out.text;
        assert_eq!(out.transforms, ["html:page-markdown"]);
        for kept in [
            "# Sign in - Acme Console",
            "Email address",
            "Forgot your password?",
            "Status: all systems operational",
        ] {
            assert!(text.contains(kept), "missing {kept:?} in\n{text}");
        }
        for dropped in [
            "__APP_STATE__",
            "We use cookies",
            ".btn-primary",
            "tracking pixel",
        ] {
            assert!(
                !text.contains(dropped),
                "{dropped:?} should be gone:\n{text}"
            );
        }
        assert!(
            text.trim_end()
                .lines()
                .last()
                .unwrap()
                .starts_with("[headroom: page markup omitted (")
        );
    }

    #[test]
    fn no_markup_or_no_text_passes_through() {
        assert_eq!(run("just prose, no tags < here", ""), None);
        assert_eq!(run("", ""), None);
        assert_eq!(
            run(
                "<html><head><script>var a = 1;</script></head><body></body></html>",
                ""
            ),
            None
        );
    }

    #[test]
    fn bad_input_never_panics() {
        let cut = &ARTICLE[..ARTICLE.len() * 2 / 3];
        let out = run(cut, "").unwrap();
        assert!(out.text.contains("Migrating the billing service"));
        let crlf = ARTICLE.replace('\n', "\r\n");
        assert!(!run(&crlf, "").unwrap().text.contains('\r'));
        for junk in [
            "<",
            "<<<>>>",
            "<a",
            "</p></div></body>",
            "<html><body><p>\u{0}\u{feff}</p>",
            "<table><tr><td>x",
        ] {
            let _ = run(junk, "");
        }
    }

    #[test]
    fn too_many_elements_skips_readability_but_still_renders() {
        let rows: String = (0..MAX_ELEMENTS / 2 + 10)
            .map(|i| format!("<p><b>row {i}</b></p>"))
            .collect();
        let page = format!("<html><head><title>Rows</title></head><body>{rows}</body></html>");
        let out = run(&page, "").unwrap();
        assert_eq!(out.transforms, ["html:page-markdown"]);
        assert!(out.text.contains(&format!("**row {}**", MAX_ELEMENTS / 2)));
    }

    #[test]
    fn deterministic() {
        assert_eq!(run(ARTICLE, "postgres"), run(ARTICLE, "postgres"));
        assert_eq!(run(APP_SHELL, ""), run(APP_SHELL, ""));
    }

    #[test]
    fn unescape_keeps_code_and_table_cells() {
        assert_eq!(unescape("snake\\_case \\[1\\] a\\*b"), "snake_case [1] a*b");
        assert_eq!(
            unescape("`a\\_b` and ```\nx\\_y\n``` z\\_w"),
            "`a\\_b` and ```\nx\\_y\n``` z_w"
        );
        assert_eq!(
            unescape("a \\| b\n| c \\| d |\ne \\| f"),
            "a | b\n| c \\| d |\ne | f"
        );
        assert_eq!(unescape("a\\\\b"), "a\\b");
        assert_eq!(unescape("lone ` tick \\_ x"), "lone ` tick _ x");
    }

    #[test]
    fn words_count_text_not_syntax() {
        assert_eq!(words("# Title | --- | two words"), 3);
        assert_eq!(words("日本語 text"), 4);
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(
            element_bytes("<SCRIPT>x</script><scripts><style>a</style>", "script"),
            18
        );
    }
}
