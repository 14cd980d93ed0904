//! Source code: an outline that keeps every signature and folds the bodies.
//!
//! Agents read whole files to learn an API or find a definition, and most of
//! the tokens are function bodies. The file is parsed with tree-sitter (the
//! language is detected from the text: see [`lang`]); the outline keeps
//! imports, declarations, every signature with its decorators, constants and
//! try/catch structure, and folds long bodies, long comments and long literal
//! tables into comments that name what was omitted, the calls a body makes
//! and the hash that retrieves the original. Functions the query asks about,
//! and short ones, stay whole.
//!
//! The outline must still parse: it is re-parsed with the same grammar and
//! discarded (input passed through) if it has an error node. Input that does
//! not parse cleanly, or is in a language we have no grammar for, passes
//! through unchanged.

mod functions;
mod lang;
mod outline;
mod source;

use self::outline::{Options, Stats};
use self::source::Source;
use super::{Compressed, Context};
use crate::ccr;

pub use self::lang::Lang;

/// Larger inputs are not source files a model reads; parsing them would cost
/// more than it saves.
const MAX_BYTES: usize = 4 << 20;

pub fn compress(text: &str, ctx: &Context) -> Option<Compressed> {
    if !ctx.may_drop() || text.len() > MAX_BYTES || text.trim().is_empty() {
        return None;
    }
    // Small files are read whole: an outline of 40 lines saves little.
    if text.len() <= ctx.lossy_min_tokens * 8 && (ctx.cost)(text) <= ctx.lossy_min_tokens {
        return None;
    }
    let (lang, tree) = lang::detect_and_parse(text)?;
    let root = tree.root_node();
    // Real files trip grammars here and there (`va_arg(ap, char*)`, lock
    // annotation macros). A few errors are tolerated because those inside a
    // folded body vanish; the outline itself must parse without any.
    let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
    if lang::error_count(root) * 100 > lines {
        return None;
    }
    let src = Source::new(text);
    let funcs = functions::functions(lang, root, text);
    let keep = functions::matching(&funcs, text, &ctx.query);
    let hash = ccr::hash_of(text.as_bytes());
    let marker = |summary: &str| ccr::marker_line(&ctx.marker(summary, &hash));
    // The plain attempt drops the transforms most likely to trip a grammar
    // (comment and docstring rewriting, table folds, try skeletons).
    for opts in [Options::FULL, Options::PLAIN] {
        let out = outline::outline(&src, lang, root, &keep, &marker, opts);
        if out.stats == Stats::default() || out.text.len() >= text.len() {
            return None;
        }
        if lang
            .parse(&out.text)
            .is_none_or(|t| t.root_node().has_error())
        {
            continue;
        }
        if ctx.store(text, "code")? != hash {
            return None;
        }
        let mut transforms = vec![format!("code:outline-{}", lang.name())];
        let counts = [
            (out.stats.functions, "code:fold-bodies"),
            (out.stats.comments, "code:trim-comments"),
            (out.stats.tables, "code:fold-tables"),
        ];
        transforms.extend(counts.iter().filter(|c| c.0 > 0).map(|c| c.1.to_string()));
        return Some(Compressed {
            text: out.text,
            transforms,
            hashes: vec![hash],
        });
    }
    None
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
    let (lang, tree) = lang::detect_and_parse(original)?;
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
