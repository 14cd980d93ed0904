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
//!    first under the hash the markers name.

pub mod lossy;
pub mod table;
pub mod value;

use self::value::Value;
use super::{Compressed, Context};
use crate::ccr::{self, hash_of, marker_text};

/// Arrays whose compact JSON is shorter than this are not worth thinning.
const MIN_THIN_BYTES: usize = 512;

/// Strings at least this long may be opaque blobs worth moving to the store.
const MIN_BLOB_BYTES: usize = 256;

/// Compresses a JSON document, or `None` if `text` is not one.
pub fn compress(text: &str, ctx: &Context) -> Option<Compressed> {
    let mut root = value::parse(text).ok()?;
    if root.is_scalar() {
        return None;
    }
    let mut out = Compressed::default();
    minify_embedded(&mut root, &mut out.transforms);
    let mut best = render(&root, ctx);
    let mut best_cost = (ctx.cost)(&best.0);
    out.transforms.push(best.1.to_string());

    if ctx.may_drop() && best_cost > ctx.lossy_min_tokens {
        let sink = ctx.sink.expect("may_drop implies a sink");
        let mut candidate = root.clone();
        let mut blobs = Vec::new();
        move_blobs(&mut candidate, ctx, &mut blobs);
        let hash = hash_of(text.as_bytes());
        let marker = |summary: &str| marker_text(summary, &hash, ctx.via);
        let mut dropped = 0;
        thin_tree(&mut candidate, ctx, &marker, &mut dropped);
        if dropped > 0 || !blobs.is_empty() {
            let rendered = render(&candidate, ctx);
            let cost = (ctx.cost)(&rendered.0);
            // Store before any marker can be printed; a failed store keeps
            // the lossless result.
            let stored = dropped == 0 || sink.store(text.as_bytes(), "json").as_deref() == Some(hash.as_str());
            if cost < best_cost && stored {
                best = rendered;
                best_cost = cost;
                out.transforms.last_mut().unwrap().clone_from(&best.1.to_string());
                if dropped > 0 {
                    out.transforms.push(format!("json:thin({dropped} items)"));
                    out.hashes.push(hash.clone());
                }
                if !blobs.is_empty() {
                    out.transforms.push(format!("json:blobs({})", blobs.len()));
                    out.hashes.extend(blobs);
                }
            }
        }
    }
    let _ = best_cost;
    out.text = best.0;
    Some(out)
}

/// The smaller of minified JSON and the table form (unless JSON must stay valid).
fn render(v: &Value, ctx: &Context) -> (String, &'static str) {
    let json = v.to_json();
    if ctx.valid_json {
        return (json, "json:minify");
    }
    let tabled = table::render(v, &|s| (ctx.cost)(s));
    if tabled != json && (ctx.cost)(&tabled) < (ctx.cost)(&json) {
        (tabled, "json:table")
    } else {
        (json, "json:minify")
    }
}

/// Strings that hold pretty-printed JSON are minified in place: the same data, fewer tokens.
fn minify_embedded(v: &mut Value, transforms: &mut Vec<String>) {
    match v {
        Value::Str(s) if s.len() >= 64 && s.trim_start().starts_with(['{', '[']) => {
            if let Ok(inner) = value::parse(s) {
                let compact = inner.to_json();
                if compact.len() < s.len() {
                    *s = compact;
                    if !transforms.iter().any(|t| t == "json:embedded-minify") {
                        transforms.push("json:embedded-minify".into());
                    }
                }
            }
        }
        Value::Arr(items) => items.iter_mut().for_each(|i| minify_embedded(i, transforms)),
        Value::Obj(pairs) => pairs.iter_mut().for_each(|(_, i)| minify_embedded(i, transforms)),
        _ => {}
    }
}

/// What kind of opaque payload a long string is, if any.
fn blob_kind(s: &str) -> Option<&'static str> {
    if s.len() < MIN_BLOB_BYTES {
        return None;
    }
    let b = s.as_bytes();
    let base64ish = b.iter().filter(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'-' | b'_')).count();
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
    let tags = s.matches('<').filter(|_| true).count();
    if s.len() >= 2048 && tags >= 8 && (s.contains("</") || s.contains("/>")) {
        return Some("html");
    }
    None
}

/// Moves opaque blobs to the store, leaving a marker string in their place.
fn move_blobs(v: &mut Value, ctx: &Context, hashes: &mut Vec<String>) {
    match v {
        Value::Str(s) => {
            let Some(kind) = blob_kind(s) else { return };
            if ctx.query.anchor_hit(s) {
                return;
            }
            let Some(sink) = ctx.sink else { return };
            let Some(hash) = sink.store(s.as_bytes(), kind) else { return };
            let summary = format!("{kind} string of {} omitted", human_size(s.len()));
            *s = ccr::marker_line(&marker_text(&summary, &hash, ctx.via));
            if !hashes.contains(&hash) {
                hashes.push(hash);
            }
        }
        Value::Arr(items) => items.iter_mut().for_each(|i| move_blobs(i, ctx, hashes)),
        Value::Obj(pairs) => pairs.iter_mut().for_each(|(_, i)| move_blobs(i, ctx, hashes)),
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
        Value::Arr(items) => {
            if items.len() >= lossy::MIN_ITEMS && v_len(items) >= MIN_THIN_BYTES {
                if let Some(t) = lossy::thin(items, &ctx.query, marker) {
                    *dropped += t.dropped;
                    *items = t.items;
                }
            }
            for item in items.iter_mut() {
                thin_tree(item, ctx, marker, dropped);
            }
        }
        Value::Obj(pairs) => {
            for (_, item) in pairs.iter_mut() {
                thin_tree(item, ctx, marker, dropped);
            }
        }
        _ => {}
    }
}

fn v_len(items: &[Value]) -> usize {
    let mut n = 0;
    for i in items {
        n += i.to_json().len();
        if n >= MIN_THIN_BYTES {
            break;
        }
    }
    n
}
