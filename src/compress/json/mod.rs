//! JSON: lossless encodings first, then thinning of long arrays.
//!
//! 1. Parse into a tree that keeps numbers and key order exactly; anything
//!    that does not parse passes through.
//! 2. Lossless: minify; strings holding pretty-printed JSON are minified;
//!    arrays of similar objects become tables ([`table`]) where that costs
//!    fewer tokens. With `--valid-json` the output stays JSON.
//! 3. Only when the lossless form is still large and a store is available:
//!    opaque blobs (base64, embedded HTML) move to the store behind markers,
//!    and long arrays are thinned ([`lossy`]); the whole original is stored
//!    first under the hash the markers name. Maps whose keys are data
//!    (dates, ids, package names) are thinned like arrays.
//! 4. JSON Lines ([`records`]) keep their lines: kept records are original
//!    lines, dropped runs become marker lines.

pub mod lossy;
pub mod records;
pub mod table;
pub mod value;

use self::value::Value;
use super::{Compressed, Context};
use crate::ccr::{self, hash_of, marker_text};

/// Arrays whose compact JSON is shorter than this are not worth thinning.
const MIN_THIN_BYTES: usize = 512;

/// Documents at least this long are thinned before any lossless render.
const LARGE_BYTES: usize = 1 << 20;

/// Strings at least this long may be opaque blobs worth moving to the store.
const MIN_BLOB_BYTES: usize = 256;

/// In a large document, arrays and objects whose text is shorter than this
/// stay text ([`Value::Raw`]) until they are judged or kept: a tree of
/// millions of small records costs several times their text.
const RAW_BELOW: usize = 4096;

/// Embedded JSON shorter than this is left as it is.
const MIN_EMBEDDED_BYTES: usize = 64;

/// Compresses a JSON document, or `None` if `text` is not one.
pub fn compress(text: &str, ctx: &Context) -> Option<Compressed> {
    // A byte-order mark is not part of the document (the stored original keeps it).
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    // A large document is thinned first and rendered once: when that halves
    // it, the lossless form (a second render of megabytes) is never needed.
    let large = text.len() >= LARGE_BYTES && ctx.may_drop();
    let raw_below = if large { RAW_BELOW } else { 0 };
    let Ok(mut root) = value::parse_lazy(body, raw_below) else {
        return records::compress(text, ctx);
    };
    if root.is_scalar() {
        return None;
    }
    let mut transforms = Vec::new();
    minify_embedded(&mut root, &mut transforms);
    if large {
        if let Some(lossy) = compress_lossy(text, root, ctx, None) {
            return Some(lossy);
        }
        root = value::parse(body).ok()?;
        minify_embedded(&mut root, &mut transforms);
    }
    let (lossless, form) = render(&root, ctx);
    transforms.push(form.to_string());
    if ctx.may_drop()
        && !large
        && !ctx.is_small(&lossless)
        && let Some(lossy) = compress_lossy(text, root, ctx, Some(&lossless))
    {
        return Some(lossy);
    }
    Some(Compressed {
        text: lossless,
        transforms,
        hashes: Vec::new(),
    })
}

/// Blobs to the store and long arrays thinned; `None` unless that beats
/// the lossless form (without one: halves the input) and the original is
/// safely stored.
fn compress_lossy(
    text: &str,
    mut root: Value,
    ctx: &Context,
    lossless: Option<&str>,
) -> Option<Compressed> {
    let mut hashes = Vec::new();
    move_blobs(&mut root, ctx, &mut hashes);
    let blobs = hashes.len();
    let hash = hash_of(text.as_bytes());
    let marker = |summary: &str| marker_text(summary, &hash, ctx.via);
    let mut dropped = 0;
    thin_tree(&mut root, ctx, &marker, &mut dropped);
    if dropped == 0 && blobs == 0 {
        return None;
    }
    root.materialize();
    let (rendered, form) = render(&root, ctx);
    drop(root);
    // Half the bytes is fewer tokens; only a close call is counted (counting
    // tens of megabytes costs as much as compressing them).
    let better = match lossless {
        Some(l) => rendered.len() * 2 <= l.len() || (ctx.cost)(&rendered) < (ctx.cost)(l),
        None => rendered.len() * 2 <= text.len(),
    };
    if !better {
        return None;
    }
    let mut transforms = vec![form.to_string()];
    if dropped > 0 {
        // The original goes to the store before any marker naming it is printed.
        ctx.store_hashed(text, "json", &hash)?;
        hashes.insert(0, hash.clone());
        transforms.push(format!("json:thin({dropped} items)"));
    }
    if blobs > 0 {
        transforms.push(format!("json:blobs({blobs})"));
    }
    Some(Compressed {
        text: rendered,
        transforms,
        hashes,
    })
}

/// Minified JSON, or the table form where tables are smaller (never with `--valid-json`).
fn render(v: &Value, ctx: &Context) -> (String, &'static str) {
    if ctx.valid_json {
        return (v.to_json(), "json:minify");
    }
    // Each array became a table only where that measured smaller, so any
    // difference from plain JSON is a saving.
    let tabled = table::render(v, &|s| (ctx.cost)(s));
    // Compact JSON escapes every newline, so a raw one means a table.
    let uses_tables = tabled.contains('\n');
    (
        tabled,
        if uses_tables {
            "json:table"
        } else {
            "json:minify"
        },
    )
}

/// Strings that hold pretty-printed JSON are minified in place: the same data, fewer tokens.
fn minify_embedded(v: &mut Value, transforms: &mut Vec<String>) {
    match v {
        Value::Raw(r, longest)
            if *longest as usize >= MIN_EMBEDDED_BYTES
                && value::any_string(r, may_be_embedded_json) =>
        {
            v.materialize();
            minify_embedded(v, transforms);
        }
        Value::Str(s)
            if s.len() >= MIN_EMBEDDED_BYTES && s.trim_start().starts_with(['{', '[']) =>
        {
            if let Ok(inner) = value::parse(s) {
                let compact = inner.to_json();
                if compact.len() < s.len() {
                    *s = compact.into();
                    if !transforms.iter().any(|t| t == "json:embedded-minify") {
                        transforms.push("json:embedded-minify".into());
                    }
                }
            }
        }
        Value::Arr(items) => items
            .iter_mut()
            .for_each(|i| minify_embedded(i, transforms)),
        Value::Obj(pairs) => pairs
            .iter_mut()
            .for_each(|(_, i)| minify_embedded(i, transforms)),
        _ => {}
    }
}

/// Whether a string as written in JSON (escapes not decoded) may decode to
/// one that [`minify_embedded`] minifies: long enough, and `{` or `[`
/// after blanks (an escape or a non-ASCII character may be a blank).
fn may_be_embedded_json(written: &str) -> bool {
    written.len() >= MIN_EMBEDDED_BYTES
        && written
            .trim_start_matches([' ', '\t', '\r', '\n'])
            .starts_with(|c: char| matches!(c, '{' | '[' | '\\') || !c.is_ascii())
}

/// What kind of opaque payload a long string is, if any.
fn blob_kind(s: &str) -> Option<&'static str> {
    if s.len() < MIN_BLOB_BYTES {
        return None;
    }
    let b = s.as_bytes();
    let base64ish = b
        .iter()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'-' | b'_'))
        .count();
    if base64ish * 100 >= b.len() * 97 && !s.contains(char::is_whitespace) {
        let distinct = {
            let mut seen = [false; 256];
            b.iter().for_each(|&c| seen[c as usize] = true);
            seen.iter().filter(|&&x| x).count()
        };
        if distinct >= 16 {
            return Some("base64");
        }
    }
    let tags = s.matches('<').count();
    if s.len() >= 2048 && tags >= 8 && (s.contains("</") || s.contains("/>")) {
        return Some("html");
    }
    None
}

/// Moves opaque blobs to the store, leaving a marker string in their place.
fn move_blobs(v: &mut Value, ctx: &Context, hashes: &mut Vec<String>) {
    match v {
        Value::Raw(_, longest) if *longest as usize >= MIN_BLOB_BYTES => {
            v.materialize();
            move_blobs(v, ctx, hashes);
        }
        Value::Str(s) => {
            let Some(kind) = blob_kind(s) else { return };
            if ctx.query.anchor_hit(s) {
                return;
            }
            let Some(sink) = ctx.sink else { return };
            let Some(hash) = sink.store(s.as_bytes(), kind) else {
                return;
            };
            let summary = format!("{kind} string of {} omitted", human_size(s.len()));
            *s = ccr::marker_line(&marker_text(&summary, &hash, ctx.via)).into();
            if !hashes.contains(&hash) {
                hashes.push(hash);
            }
        }
        Value::Arr(items) => items.iter_mut().for_each(|i| move_blobs(i, ctx, hashes)),
        Value::Obj(pairs) => pairs
            .iter_mut()
            .for_each(|(_, i)| move_blobs(i, ctx, hashes)),
        _ => {}
    }
}

fn human_size(n: usize) -> String {
    if n < 1024 {
        format!("{n} B")
    } else if n < 1024 * 1024 {
        format!("{:.1} KB", n as f64 / 1024.0)
    } else {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    }
}

/// Thins every long array in the tree, then recurses into what was kept.
fn thin_tree(v: &mut Value, ctx: &Context, marker: &dyn Fn(&str) -> String, dropped: &mut usize) {
    match v {
        // Only kept values are reached: each is parsed for good.
        Value::Raw(..) => {
            v.materialize();
            thin_tree(v, ctx, marker, dropped);
        }
        Value::Arr(items) => {
            let long = items.len() >= lossy::MIN_ITEMS && v_len(items.iter()) >= MIN_THIN_BYTES;
            if let Some(t) = long
                .then(|| lossy::thin(items, &ctx.query, marker))
                .flatten()
            {
                *dropped += t.dropped;
                *items = t.items;
            }
            for item in items.iter_mut() {
                thin_tree(item, ctx, marker, dropped);
            }
        }
        Value::Obj(pairs) => {
            let long =
                lossy::is_map(pairs) && v_len(pairs.iter().map(|(_, v)| v)) >= MIN_THIN_BYTES;
            if let Some((kept, d)) = long
                .then(|| lossy::thin_map(pairs, &ctx.query, marker))
                .flatten()
            {
                *dropped += d;
                *pairs = kept;
            }
            for (_, item) in pairs.iter_mut() {
                thin_tree(item, ctx, marker, dropped);
            }
        }
        _ => {}
    }
}

/// The compact size of `items`, counted only up to [`MIN_THIN_BYTES`].
fn v_len<'a, 'v: 'a>(items: impl IntoIterator<Item = &'a Value<'v>>) -> usize {
    let mut n = 0;
    for i in items {
        n += i.compact_len_upto(MIN_THIN_BYTES - n);
        if n >= MIN_THIN_BYTES {
            break;
        }
    }
    n
}
