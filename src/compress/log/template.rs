//! Line templates: lines that differ only in their variable parts (numbers,
//! ids, timestamps, hex, paths, IPs, names) share one template.
//!
//! One pass, Drain-style: each line is cut into tokens; a token holding a
//! digit or a path separator is masked while it is read (no regex). Lines
//! with the same token count and first token form a group; a line joins the
//! group's most similar template if at least half of that template's fixed
//! tokens match, and the positions that differ become wildcards. Level and
//! status words (`ERROR`, `PASSED`, `ok`) never become wildcards, so a
//! failure never folds into a run of passes.
//!
//! A second pass gives each line a *variant*: its template plus the raw
//! values of the template's low-cardinality slots. A variant that is rare
//! inside a big template (`Connection reset` among a thousand
//! `Connection closed`) is the anomaly worth keeping.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

/// Only the first tokens of a very long line take part in its template.
const MAX_TOKENS: usize = 96;
/// Templates compared per group, so a group of unique lines stays linear.
const MAX_SCAN: usize = 64;
/// A slot with more distinct values than this is a parameter, not a category.
const LOW_CARDINALITY: usize = 6;

const WILD: u64 = 0;
const MASK: u64 = 1;
const STATUS: u64 = 1 << 63;

/// A map keyed by values that are already hashes: no second hashing.
pub type HashedMap<V> = HashMap<u64, V, BuildHasherDefault<PreHashed>>;

/// Passes a `u64` key through (keys here are already well mixed).
#[derive(Default)]
pub struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = mix(self.0, b as u64);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// The template and variant of every line.
pub struct Templates {
    /// Template id of each line.
    pub template: Vec<u32>,
    /// Lines per template.
    pub size: Vec<u32>,
    /// Variant key of each line.
    pub variant: Vec<u64>,
    /// Lines sharing each line's variant.
    pub variant_size: Vec<u32>,
}

#[derive(Clone, Copy)]
struct Tok {
    /// Masked key: MASK for variable tokens, a hash otherwise (STATUS bit for status words).
    key: u64,
    /// Hash of the token as written; the low bit is set for all-digit
    /// tokens (a count, a time field or an id, never a category).
    raw: u64,
}

struct Cluster {
    tokens: Vec<u64>,
    /// Distinct raw values per position; `None` once past LOW_CARDINALITY.
    slots: Vec<Option<Vec<u64>>>,
}

/// Assigns templates and variants to `lines`.
pub fn build<S: AsRef<str>>(lines: &[S]) -> Templates {
    let mut clusters: Vec<Cluster> = Vec::new();
    let mut groups: HashedMap<Vec<u32>> = HashedMap::default();
    let mut exact: HashedMap<u32> = HashedMap::default();
    let mut template = Vec::with_capacity(lines.len());
    let mut size: Vec<u32> = Vec::new();
    // Raw token hashes of every line, kept for the variant pass.
    let mut raws: Vec<u64> = Vec::new();
    let mut ends: Vec<usize> = Vec::with_capacity(lines.len());
    let mut toks = Vec::new();
    for line in lines {
        tokenize(line.as_ref(), &mut toks);
        let id = assign(&toks, &mut clusters, &mut groups, &mut exact);
        let c = &mut clusters[id as usize];
        for (slot, t) in c.slots.iter_mut().zip(&toks) {
            if let Some(vals) = slot
                && !vals.contains(&t.raw)
            {
                if vals.len() >= LOW_CARDINALITY {
                    *slot = None;
                } else {
                    vals.push(t.raw);
                }
            }
        }
        if id as usize == size.len() {
            size.push(0);
        }
        size[id as usize] += 1;
        template.push(id);
        raws.extend(toks.iter().map(|t| t.raw));
        ends.push(raws.len());
    }

    let mut variant = Vec::with_capacity(lines.len());
    let mut counts: HashedMap<u32> = HashedMap::default();
    let mut start = 0;
    for (&id, &end) in template.iter().zip(&ends) {
        let mut h = mix(0x9e37_79b9_7f4a_7c15, id as u64);
        for (slot, &raw) in clusters[id as usize].slots.iter().zip(&raws[start..end]) {
            let category = slot.is_some() && raw & 1 == 0;
            h = mix(h, if category { raw } else { WILD });
        }
        start = end;
        *counts.entry(h).or_default() += 1;
        variant.push(h);
    }
    let variant_size = variant.iter().map(|v| counts[v]).collect();
    Templates {
        template,
        size,
        variant,
        variant_size,
    }
}

fn assign(
    toks: &[Tok],
    clusters: &mut Vec<Cluster>,
    groups: &mut HashedMap<Vec<u32>>,
    exact: &mut HashedMap<u32>,
) -> u32 {
    let masked = toks.iter().fold(toks.len() as u64, |h, t| mix(h, t.key));
    if let Some(&id) = exact.get(&masked) {
        generalize(&mut clusters[id as usize].tokens, toks);
        return id;
    }
    let first = toks.first().map_or(WILD, |t| t.key);
    let group = groups.entry(mix(toks.len() as u64, first)).or_default();
    let mut best: Option<(f64, u32)> = None;
    for &id in group.iter().rev().take(MAX_SCAN) {
        if let Some(s) = similarity(&clusters[id as usize].tokens, toks)
            && s >= 0.5
            && best.is_none_or(|(b, bid)| s > b || (s == b && id < bid))
        {
            best = Some((s, id));
        }
    }
    let id = match best {
        Some((_, id)) => {
            generalize(&mut clusters[id as usize].tokens, toks);
            id
        }
        None => {
            let id = clusters.len() as u32;
            clusters.push(Cluster {
                tokens: toks.iter().map(|t| t.key).collect(),
                slots: toks.iter().map(|t| Some(vec![t.raw])).collect(),
            });
            group.push(id);
            id
        }
    };
    exact.insert(masked, id);
    id
}

/// Share of the fixed positions (a word on either side) where `toks` has
/// the template's word; `None` when a status word differs (those never
/// merge). Masked-against-masked positions say nothing and are skipped;
/// masked-against-word positions are differences.
fn similarity(tpl: &[u64], toks: &[Tok]) -> Option<f64> {
    let (mut same, mut fixed) = (0usize, 0usize);
    for (&t, k) in tpl.iter().zip(toks) {
        if t == WILD || (t == MASK && k.key == MASK) {
            continue;
        }
        if t == k.key {
            same += 1;
        } else if (t | k.key) & STATUS != 0 {
            return None;
        }
        fixed += 1;
    }
    Some(if fixed == 0 {
        1.0
    } else {
        same as f64 / fixed as f64
    })
}

fn generalize(tpl: &mut [u64], toks: &[Tok]) {
    for (t, k) in tpl.iter_mut().zip(toks) {
        if *t != k.key {
            *t = WILD;
        }
    }
}

/// Separators between tokens: whitespace, `:` (so `host:port` and
/// `logger:` split into their parts) and punctuation that delimits values.
/// Brackets are only trimmed from the ends of a token, so `[  0%]` and
/// `[100%]` give one token each and `test_x[a-b]` stays one name.
fn is_separator(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b':' | b'(' | b')' | b'{' | b'}' | b',' | b';' | b'=' | b'"' | b'\'' | b'|'
    )
}

fn is_bracket(b: u8) -> bool {
    matches!(b, b'[' | b']' | b'<' | b'>')
}

fn tokenize(line: &str, out: &mut Vec<Tok>) {
    out.clear();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() && out.len() < MAX_TOKENS {
        while i < b.len() && is_separator(b[i]) {
            i += 1;
        }
        let mut start = i;
        while i < b.len() && !is_separator(b[i]) {
            i += 1;
        }
        let mut end = i;
        while start < end && is_bracket(b[start]) {
            start += 1;
        }
        while end > start && is_bracket(b[end - 1]) {
            end -= 1;
        }
        if start == end {
            continue;
        }
        out.push(token(&b[start..end]));
    }
}

fn token(word: &[u8]) -> Tok {
    let (mut digit, mut path, mut numeric) = (false, false, true);
    let mut raw: u64 = 0xcbf2_9ce4_8422_2325;
    for &c in word {
        digit |= c.is_ascii_digit();
        numeric &= c.is_ascii_digit();
        path |= c == b'/' || c == b'\\';
        raw = (raw ^ c as u64).wrapping_mul(0x100_0000_01b3);
    }
    // A rule of one repeated character (`______`, `=====`) is the same rule
    // at any length: banners are padded to fit the title they frame.
    if word.len() >= 3 && !word[0].is_ascii_alphanumeric() && word.iter().all(|&c| c == word[0]) {
        raw = 0x5151_0000 | word[0] as u64;
    }
    raw = (raw & !1) | u64::from(numeric);
    let key = if digit || path || is_calendar_word(word) {
        MASK
    } else if word.len() <= 9 && STATUS_HASHES.binary_search(&raw).is_ok() {
        raw | STATUS
    } else {
        (raw & !STATUS).max(2)
    };
    Tok { key, raw }
}

/// Month and weekday names vary like the numbers around them.
fn is_calendar_word(w: &[u8]) -> bool {
    w.len() == 3
        && matches!(
            w,
            b"Jan"
                | b"Feb"
                | b"Mar"
                | b"Apr"
                | b"May"
                | b"Jun"
                | b"Jul"
                | b"Aug"
                | b"Sep"
                | b"Oct"
                | b"Nov"
                | b"Dec"
                | b"Mon"
                | b"Tue"
                | b"Wed"
                | b"Thu"
                | b"Fri"
                | b"Sat"
                | b"Sun"
        )
}

/// Level and outcome words: lines that differ in one of these differ in kind.
const STATUS_WORDS: &[&str] = &[
    "ERROR", "ERR", "WARN", "WARNING", "INFO", "DEBUG", "TRACE", "FATAL", "CRITICAL", "SEVERE",
    "NOTICE", "FAIL", "FAILED", "FAILURE", "PASS", "PASSED", "OK", "ok", "SKIP", "SKIPPED",
    "XFAIL", "XPASS", "error", "warning", "warn", "failed", "passed", "ignored", "skipped",
    "notice", "info", "debug", "crit", "alert", "emerg", "panicked", "success", "failure",
];

/// Raw hashes of the status words, sorted for a binary search per token.
static STATUS_HASHES: LazyLock<Vec<u64>> = LazyLock::new(|| {
    let mut v: Vec<u64> = STATUS_WORDS
        .iter()
        .map(|w| token_raw(w.as_bytes()))
        .collect();
    v.sort_unstable();
    v
});

fn token_raw(word: &[u8]) -> u64 {
    let raw = word.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &c| {
        (h ^ c as u64).wrapping_mul(0x100_0000_01b3)
    });
    raw & !1
}

fn mix(h: u64, v: u64) -> u64 {
    (h ^ v).wrapping_mul(0x0100_0000_01b3).rotate_left(29) ^ v.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_ids_and_paths_fold() {
        let lines = [
            "081109 203615 148 INFO PacketResponder 1 for block blk_38865049064139660 terminating",
            "081109 203807 222 INFO PacketResponder 0 for block blk_-6952295868487656571 terminating",
            "081109 204005 35 WARN PacketResponder 2 for block blk_712 terminating",
            "tests/a.py::test_one PASSED [ 10%]",
            "tests/b.py::test_two PASSED [100%]",
            "tests/b.py::test_three FAILED [100%]",
        ];
        let t = build(&lines);
        assert_eq!(t.template[0], t.template[1]);
        assert_ne!(t.template[0], t.template[2], "levels never merge");
        assert_eq!(t.template[3], t.template[4]);
        assert_ne!(
            t.template[4], t.template[5],
            "a failure never folds into passes"
        );
    }

    #[test]
    fn rare_variant_of_a_category_slot() {
        let mut lines: Vec<String> = (0..40)
            .map(|i| format!("Connection closed by 10.0.0.{i} port 22"))
            .collect();
        lines.push("Connection reset by 10.0.0.7 port 22".into());
        let t = build(&lines);
        assert!(t.template.iter().all(|&c| c == t.template[0]));
        assert_eq!(t.variant_size[40], 1);
        assert_eq!(t.variant_size[0], 40);
    }

    #[test]
    fn names_differ_but_template_holds() {
        let lines = [
            "=== RUN   TestAlpha",
            "=== RUN   TestBeta",
            "=== RUN   TestGamma",
            "Compiling serde v1.0.1",
            "Compiling tokio v1.2.3",
        ];
        let t = build(&lines);
        assert_eq!(t.template[0], t.template[2]);
        assert_eq!(t.template[3], t.template[4]);
        assert_eq!(t.size[t.template[0] as usize], 3);
    }
}
