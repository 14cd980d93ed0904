//! Source code: an outline that keeps every signature and folds the bodies.
//!
//! Agents read whole files to learn an API or find a definition, and most of
//! the tokens are function bodies. The file is parsed with tree-sitter (the
//! language comes from the file name, else from the text: see [`lang`]); the
//! outline keeps imports, declarations, every signature with its decorators,
//! constants and try/catch structure, and folds long bodies, long comments
//! and long literal tables into comments that name what was omitted and the
//! calls a body makes. A header comment on top names the hash of the
//! original once: repeated on each of 30 folds it would cost more than many
//! of the bodies. Functions the query asks about, and short ones, stay whole.
//!
//! The outline must still parse: it is re-parsed with the same grammar and
//! discarded (input passed through) if it has an error node. Input that does
//! not parse cleanly, or is in a language we have no grammar for, passes
//! through unchanged.

mod functions;
mod lang;
mod macros;
mod outline;
mod partial;
mod source;

use self::outline::{Options, Stats};
use self::source::Source;
use super::{Compressed, Context};
use crate::ccr;

pub use self::lang::Lang;

/// Larger inputs are not source files a model reads; parsing them would cost
/// more than it saves.
const MAX_BYTES: usize = 4 << 20;

/// Outlines `text`, in the language `hint` names (from the file name) or,
/// without one, the language its content looks like.
pub fn compress(text: &str, hint: Option<Lang>, ctx: &Context) -> Option<Compressed> {
    if !ctx.may_drop() || text.len() > MAX_BYTES || text.trim().is_empty() {
        return None;
    }
    // Small files are read whole: an outline of 40 lines saves little.
    if text.len() <= ctx.lossy_min_tokens * 8 && (ctx.cost)(text) <= ctx.lossy_min_tokens {
        return None;
    }
    let (lang, tree) = lang::detect_and_parse(text, hint)?;
    let hash = ccr::hash_of(text.as_bytes());
    let mut stored: Option<String> = None;
    let mut store = || {
        if stored.is_none() {
            stored = ctx.store(text, "code");
        }
        stored.as_deref() == Some(hash.as_str())
    };
    // A whole file, else the part of a slice that parses (its unbalanced
    // first and last lines verbatim around it).
    let (head, (body, stats), tail) =
        match outline_part(text, lang, tree.root_node(), None, ctx, &mut store) {
            Some(out) => ("", out, ""),
            None => {
                let range = partial::region(text, lang)?;
                let part = &text[range.clone()];
                let tree = lang.parse(part)?;
                let out = outline_part(part, lang, tree.root_node(), None, ctx, &mut store)
                    .or_else(|| {
                        let (before, after) = partial::wrapper(lang)?;
                        let wrapped = format!("{before}{part}{after}");
                        let tree = lang.parse(&wrapped)?;
                        let (out, stats) = outline_part(
                            &wrapped,
                            lang,
                            tree.root_node(),
                            Some((before, after)),
                            ctx,
                            &mut store,
                        )?;
                        let inner = out.strip_prefix(before)?.strip_suffix(after)?;
                        Some((inner.to_string(), stats))
                    })?;
                (&text[..range.start], out, &text[range.end..])
            }
        };
    let outline = format!("{head}{body}{tail}");
    let header = ccr::marker_line(&ctx.marker(&header_summary(&stats, ctx.via), &hash));
    let out_text = with_header(&outline, lang, &header, Source::new(text).newline);
    if out_text.len() >= text.len() {
        return None;
    }
    let mut transforms = vec![format!("code:outline-{}", lang.name())];
    let counts = [
        (stats.functions, "code:fold-bodies"),
        (stats.comments, "code:trim-comments"),
        (stats.tables, "code:fold-tables"),
    ];
    transforms.extend(counts.iter().filter(|c| c.0 > 0).map(|c| c.1.to_string()));
    Some(Compressed {
        text: out_text,
        transforms,
        hashes: vec![hash],
    })
}

/// The outline of `text` (parsed as `root`) and what it folded, if it
/// parses. `wrapper`: text around a slice's region that only makes it
/// parse; it must come out untouched. `store` (the original's write, which
/// must succeed before a fold is shown) runs beside the re-parse.
fn outline_part(
    text: &str,
    lang: Lang,
    root: tree_sitter::Node,
    wrapper: Option<(&str, &str)>,
    ctx: &Context,
    store: &mut dyn FnMut() -> bool,
) -> Option<(String, Stats)> {
    // Real files trip grammars here and there (`va_arg(ap, char*)`, macros
    // that hide a condition's parentheses, `#if` branches that each open a
    // block). Errors inside function bodies are tolerated up to one in 20
    // lines, because a folded body takes them with it; outside bodies, up
    // to one in 100 lines. The outline itself must parse without any.
    let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
    let errors = lang::error_count(root);
    if errors * 20 > lines || lang::error_count_outside_bodies(root, lang) * 100 > lines {
        return None;
    }
    let src = Source::new(text);
    // Without a query nothing is kept for relevance: skip the tree walk.
    let keep = if ctx.query.is_empty() {
        Vec::new()
    } else {
        functions::matching(&functions::functions(lang, root, text), text, &ctx.query)
    };
    let known = functions::known_names(lang, root, text);
    // The plain attempt drops the transforms most likely to trip a grammar
    // (comment and docstring rewriting, table folds, try skeletons).
    // C headers keep a few declarations no grammar can follow (macros that
    // stand for types or whole declarations): a last attempt leaves their
    // error nodes untouched and asks the outline for no more errors than
    // the original has, rather than none.
    let mut attempts = vec![Options::FULL, Options::PLAIN];
    if errors > 0 && matches!(lang, Lang::C | Lang::Cpp) {
        attempts.push(Options::AROUND_ERRORS);
    }
    for opts in attempts {
        let out = outline::outline(&src, lang, root, &keep, &known, opts);
        let (before, after) = wrapper.unwrap_or_default();
        if out.stats == Stats::default()
            || out.text.len() >= text.len()
            || !out.text.starts_with(before)
            || !out.text.ends_with(after)
        {
            continue;
        }
        // The re-parse and the store write are the two slowest steps after
        // the parse: they run side by side. An outline that fails the check
        // leaves an original stored for nothing, which is harmless.
        let (parses, stored) = std::thread::scope(|s| {
            let check = s.spawn(|| {
                let allowed = if opts.skip_errors { errors } else { 0 };
                lang.parse(&out.text)
                    .is_some_and(|t| lang::error_count(t.root_node()) <= allowed)
            });
            let stored = store();
            (check.join().unwrap_or(false), stored)
        });
        if !stored {
            return None;
        }
        if parses {
            return Some((out.text, out.stats));
        }
    }
    None
}

/// What the header marker says: how much was folded and how to get one
/// function back whole.
fn header_summary(stats: &Stats, via: ccr::RetrieveVia) -> String {
    let parts: Vec<String> = [
        (stats.functions, "body", "bodies"),
        (stats.comments, "comment", "comments"),
        (stats.tables, "table", "tables"),
    ]
    .iter()
    .filter(|p| p.0 > 0)
    .map(|&(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
    .collect();
    let mut s = format!("outline, {} folded", parts.join(", "));
    if via == ccr::RetrieveVia::Cli {
        s.push_str("; whole functions by name: --query NAME");
    }
    s
}

/// `outline` with `header` as a line comment on top, or below a shebang or
/// a Python encoding line, which must stay first.
fn with_header(outline: &str, lang: Lang, header: &str, newline: &str) -> String {
    let mut at = 0;
    for (i, line) in outline.split_inclusive('\n').take(2).enumerate() {
        let pinned = (i == 0 && line.starts_with("#!"))
            || (lang.is_python() && line.starts_with('#') && line.contains("coding"));
        if !pinned {
            break;
        }
        at += line.len();
    }
    let comment = lang.line_comment();
    let mut out = String::with_capacity(outline.len() + header.len() + 8);
    out.push_str(&outline[..at]);
    if at > 0 && !outline[..at].ends_with('\n') {
        out.push_str(newline);
    }
    out.push_str(comment);
    out.push(' ');
    out.push_str(header);
    out.push_str(newline);
    out.push_str(&outline[at..]);
    out
}

/// The full text of the functions in `original` named by `query` (e.g.
/// `parse_header`, `Router::nest`), each from its doc comment and
/// attributes to its closing line, in source order. `None` when the text is
/// not code in a language we parse, or no function matches; callers then
/// fall back to line matching.
pub fn functions_matching(original: &str, query: &str) -> Option<Vec<String>> {
    if original.len() > MAX_BYTES {
        return None;
    }
    let (lang, tree) = lang::detect_and_parse(original, None)?;
    let funcs = functions::functions(lang, tree.root_node(), original);
    let found: Vec<String> = functions::named(&funcs, original, query)
        .into_iter()
        .map(str::to_string)
        .collect();
    (!found.is_empty()).then_some(found)
}

/// The language of a source text, if it is one we outline.
pub fn language_of(text: &str) -> Option<Lang> {
    lang::detect(text)
}

#[cfg(test)]
mod tests;
