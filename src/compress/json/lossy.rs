//! The lossy stage: which entries of a long array, map or record stream a
//! reader needs.
//!
//! Runs only after the lossless forms are still too large. It never drops an
//! entry that carries a fact (errors, rare values, outliers, including numbers
//! inside message strings, change points, query matches, the first and last),
//! and it sizes the rest by novelty: an entry is worth keeping when it shows a
//! value or a message shape that no kept entry has shown yet. Repetitive
//! collections therefore shrink to a handful of exemplars while diverse ones
//! keep more. Each dropped run becomes one sentinel whose summary counts what
//! it stands for.
//!
//! Cost is linear in the input: each entry's leaves are listed once as
//! (field id, value) pairs, and every rule is a pass over that list. When
//! keys are data (ids, dates, package names) there would be a field per key,
//! so fields are then compared by the shape of their keys (`k17` and `k4` are
//! one field `k#`), and at most [`MAX_FIELDS`] of them are tracked.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, DefaultHasher, Hash, Hasher};
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::table::SENTINEL_KEY;
use super::value::{Pair, Reader, Value, write_json};
use crate::compress::{gaps, keep_cheap_gaps};
use crate::relevance::{self, Query};

/// Collections shorter than this are never thinned: there is little to gain.
pub const MIN_ITEMS: usize = 8;

/// A run of fewer omitted entries than this is not broken down by
/// category: the breakdown would cost about as many tokens as a retrieve of
/// the entries themselves, and the facts among them are kept already.
const BREAKDOWN_MIN_RUN: usize = 8;

/// A categorical field has at most this many distinct values.
const MAX_CATEGORIES: usize = 24;

/// More fields than this means the keys are data: fields are then told
/// apart by the shape of their keys, and only this many are tracked.
const MAX_FIELDS: usize = 256;

/// A nested object with more keys than this is a map, compared as one value.
const MAX_NESTED_KEYS: usize = 64;

/// Entries that are arrays of at most this many scalars (a point of a
/// series) are read as records with indexed fields.
const MAX_TUPLE: usize = 8;

/// The field names of a tuple's positions.
const TUPLE_FIELDS: [&str; MAX_TUPLE] = ["0", "1", "2", "3", "4", "5", "6", "7"];

/// Numbers inside one string after this many are not looked at.
const MAX_SLOTS: usize = 8;

/// Distinct message templates whose numbers are tracked, per collection.
const MAX_TEMPLATES: usize = 4096;

/// Words that mark an item as reporting a failure. ASCII word boundaries
/// keep the regex on its fast DFA path (Unicode `\b` forces a slower engine).
pub static ERROR_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(errors?|exceptions?|fail(s|ed|ure|ures|ing)?|fatal|critical|panic(s|ked)?|abort(s|ed)?|timeout|timed out|denied|rejected|crash(es|ed)?|traceback|segfault)(?-u:\b)",
    )
    .unwrap()
});

/// The outcome for one array: which items stay, and how many went.
pub struct Thinned<'a> {
    pub items: Vec<Value<'a>>,
    pub dropped: usize,
}

/// The entries to judge: an array's items (or records), or a map's pairs.
#[derive(Clone, Copy)]
pub enum Entries<'e, 'a> {
    Items(&'e [Value<'a>]),
    Pairs(&'e [Pair<'a>]),
}

impl<'e, 'a> Entries<'e, 'a> {
    pub fn len(&self) -> usize {
        match self {
            Entries::Items(items) => items.len(),
            Entries::Pairs(pairs) => pairs.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The map key of entry `i` (`None` for items).
    pub fn key(&self, i: usize) -> Option<&'e str> {
        match self {
            Entries::Items(_) => None,
            Entries::Pairs(pairs) => Some(&pairs[i].0),
        }
    }

    pub fn value(&self, i: usize) -> &'e Value<'a> {
        match self {
            Entries::Items(items) => &items[i],
            Entries::Pairs(pairs) => &pairs[i].1,
        }
    }

    fn values(&self) -> impl Iterator<Item = &'e Value<'a>> + '_ {
        (0..self.len()).map(|i| self.value(i))
    }
}

/// Which entries stay, and the summary of each gap, in order.
pub struct Plan {
    pub keep: Vec<bool>,
    pub summaries: Vec<String>,
    pub dropped: usize,
}

/// Thins a long array: the kept items with a sentinel in place of each dropped run.
pub fn thin<'a>(
    items: &[Value<'a>],
    query: &Query,
    marker: &dyn Fn(&str) -> String,
) -> Option<Thinned<'a>> {
    let plan = plan(Entries::Items(items), query, None, marker_bytes(marker))?;
    let objects = items.iter().all(Value::is_obj);
    let mut out = Vec::with_capacity(items.len() - plan.dropped + plan.summaries.len());
    let mut next = 0;
    for (gap, summary) in gaps(&plan.keep).into_iter().zip(&plan.summaries) {
        out.extend_from_slice(&items[next..gap.start]);
        next = gap.end;
        let text = marker(summary);
        out.push(if objects {
            Value::Obj(vec![(SENTINEL_KEY.into(), Value::Str(text.into()))])
        } else {
            Value::Str(crate::ccr::marker_line(&text).into())
        });
    }
    out.extend_from_slice(&items[next..]);
    Some(Thinned {
        items: out,
        dropped: plan.dropped,
    })
}

/// Thins a map (an object whose keys are data: dates, ids, package names):
/// its entries are judged like items, and each dropped run becomes a
/// `"_headroom"` pair (`"_headroom_2"`, … after the first, so keys stay unique).
pub fn thin_map<'a>(
    pairs: &[Pair<'a>],
    query: &Query,
    marker: &dyn Fn(&str) -> String,
) -> Option<(Vec<Pair<'a>>, usize)> {
    let plan = plan(
        Entries::Pairs(pairs),
        query,
        Some("entries"),
        marker_bytes(marker),
    )?;
    let mut out = Vec::with_capacity(pairs.len() - plan.dropped + plan.summaries.len());
    let mut next = 0;
    for (n, (gap, summary)) in gaps(&plan.keep)
        .into_iter()
        .zip(&plan.summaries)
        .enumerate()
    {
        out.extend_from_slice(&pairs[next..gap.start]);
        next = gap.end;
        let key = if n == 0 {
            SENTINEL_KEY.into()
        } else {
            format!("{SENTINEL_KEY}_{}", n + 1).into()
        };
        out.push((key, Value::Str(marker(summary).into())));
    }
    out.extend_from_slice(&pairs[next..]);
    Some((out, plan.dropped))
}

/// Whether an object reads as a map whose entries are items: many entries
/// whose values are all of one kind (a record's fields mix kinds).
pub fn is_map(pairs: &[Pair]) -> bool {
    const MIN_ENTRIES: usize = 32;
    if pairs.len() < MIN_ENTRIES {
        return false;
    }
    let kind = |v: &Value| match v {
        Value::Obj(_) => 0,
        Value::Arr(_) => 1,
        Value::Raw(r, _) if r.starts_with('{') => 0,
        Value::Raw(..) => 1,
        Value::Str(_) => 2,
        Value::Num(_) => 3,
        Value::Bool(_) | Value::Null => 4,
    };
    let mut counts = [0usize; 5];
    pairs.iter().for_each(|(_, v)| counts[kind(v)] += 1);
    counts.iter().any(|&c| c * 10 >= pairs.len() * 9)
}

/// About how long a marker line is, to weigh a gap against the marker.
pub fn marker_bytes(marker: &dyn Fn(&str) -> String) -> usize {
    marker("000 of 0000 items omitted").len()
}

/// A leaf's value as text: strings and numbers as written, the rest as JSON.
fn leaf_key<'v>(v: &'v Value<'_>) -> Cow<'v, str> {
    match v {
        Value::Str(s) => Cow::Borrowed(s),
        Value::Num(n) => Cow::Borrowed(n),
        Value::Null => Cow::Borrowed("null"),
        Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        other => Cow::Owned(other.to_json()),
    }
}

/// What a leaf is; its text is [`leaf_key`] of its value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Null,
    Bool,
    Num,
    Str,
    Arr,
    Obj,
}

/// One leaf of an entry: its field, its kind, and where its text is in
/// [`Analysis::text`]. Twelve bytes, with the text copied once: the tree
/// the entry came from need not stay whole while the entries are judged.
#[derive(Clone, Copy)]
struct Leaf {
    field: u32,
    start: u32,
    /// The text's length, shifted left by 3, with the [`Kind`] below.
    len_kind: u32,
}

impl Leaf {
    fn kind(self) -> Kind {
        [
            Kind::Null,
            Kind::Bool,
            Kind::Num,
            Kind::Str,
            Kind::Arr,
            Kind::Obj,
        ][(self.len_kind & 7) as usize]
    }
}

/// A numeric series: the numbers, and the entries they came from. While
/// the j-th number came from entry j (a field every entry has, the common
/// case), the entries are not listed.
#[derive(Default)]
struct Series {
    /// Empty while the series is dense.
    at: Vec<u32>,
    xs: Vec<f64>,
}

impl Series {
    fn push(&mut self, i: usize, x: f64) {
        if self.at.is_empty() && i != self.xs.len() {
            self.at = (0..self.xs.len() as u32).collect();
        }
        if !self.at.is_empty() || i != self.xs.len() {
            self.at.push(i as u32);
        }
        self.xs.push(x);
    }

    fn len(&self) -> usize {
        self.xs.len()
    }

    /// The entry the `j`-th number came from.
    fn at(&self, j: usize) -> usize {
        self.at.get(j).map_or(j, |&i| i as usize)
    }
}

/// FxHash's multiply-rotate, a word at a time: fast, and good enough where
/// a collision costs only a comparison.
#[derive(Default)]
struct QuickHasher(u64);

impl QuickHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for QuickHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap_or_default()));
        }
        let mut last = [0u8; 8];
        last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.add(u64::from_le_bytes(last) ^ (bytes.len() as u64) << 56);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

fn hash_of(parts: impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

/// [`hash_of`] with the [`QuickHasher`], where a collision costs little.
fn quick_hash(parts: impl Hash) -> u64 {
    let mut h = QuickHasher::default();
    parts.hash(&mut h);
    h.finish()
}

/// The shape of a message: its first six words, lower-cased, with numbers,
/// long hex ids and quoted parts each masked as `#`. A byte scanner rather
/// than a regex: it runs on every text field of every item.
fn template(s: &str) -> String {
    let mut out = String::with_capacity(48);
    template_into(s, &mut out);
    out
}

/// [`template`] written into `out` (cleared first), for a caller that
/// takes millions of them and needs none for long.
fn template_into(s: &str, out: &mut String) {
    out.clear();
    for (n, word) in s.split_whitespace().take(6).enumerate() {
        if n > 0 {
            out.push(' ');
        }
        let b = word.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            let hex_run = if c.is_ascii_hexdigit() {
                b[i..].iter().take_while(|x| x.is_ascii_hexdigit()).count()
            } else {
                0
            };
            if hex_run >= 8 || c.is_ascii_digit() {
                // A hex id, or a number with optional `.`-separated parts.
                let mut j = i + hex_run.max(1);
                if hex_run < 8 {
                    j = i;
                    while j < b.len()
                        && (b[j].is_ascii_digit()
                            || (b[j] == b'.' && b.get(j + 1).is_some_and(u8::is_ascii_digit)))
                    {
                        j += 1;
                    }
                }
                out.push('#');
                i = j;
            } else if (c == b'\'' || c == b'"') && b[i + 1..].contains(&c) {
                let close = i + 1 + b[i + 1..].iter().position(|&x| x == c).unwrap();
                out.push('#');
                i = close + 1;
            } else if c.is_ascii() {
                out.push(char::from(c.to_ascii_lowercase()));
                i += 1;
            } else {
                let ch_len = word[i..].chars().next().map_or(1, char::len_utf8);
                out.extend(word[i..i + ch_len].chars().flat_map(char::to_lowercase));
                i += ch_len;
            }
        }
    }
}

/// The coarse shape of a token-like string (a path, an id, a key): letter
/// runs become `a`, digit runs and mixed alphanumeric ids `#`, everything
/// else stays. `/srv/data/alpha/3f9a1c2b.parquet` → `/a/a/a/#.a`.
fn shape(s: &str) -> String {
    let mut out = String::with_capacity(16);
    let mut run_has_digit = false;
    let mut in_run = false;
    for c in s.chars() {
        if c.is_alphanumeric() {
            run_has_digit |= c.is_ascii_digit();
            in_run = true;
            continue;
        }
        if in_run {
            out.push(if run_has_digit { '#' } else { 'a' });
            in_run = false;
            run_has_digit = false;
        }
        out.push(c);
    }
    if in_run {
        out.push(if run_has_digit { '#' } else { 'a' });
    }
    out
}

/// A key with its digit runs masked, so `k17`, `2024-01-05` and `item_3`
/// read as the fields `k#`, `#-#-#` and `item_#`.
fn key_shape(k: &str) -> Cow<'_, str> {
    if !k.bytes().any(|b| b.is_ascii_digit()) {
        return Cow::Borrowed(k);
    }
    let mut out = String::with_capacity(k.len());
    let mut prev_digit = false;
    for c in k.chars() {
        let d = c.is_ascii_digit();
        if !d {
            out.push(c);
        } else if !prev_digit {
            out.push('#');
        }
        prev_digit = d;
    }
    Cow::Owned(out)
}

/// The numbers in a message and the hash of the text around them: numbers in
/// the same slot of the same template (`latency=#ms`) form a numeric field.
fn slots(s: &str, out: &mut Vec<f64>) -> u64 {
    out.clear();
    let b = s.as_bytes();
    let mut h = DefaultHasher::new();
    let mut i = 0;
    let mut last = 0;
    while i < b.len() && out.len() < MAX_SLOTS {
        let starts_number = b[i].is_ascii_digit()
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.'));
        if !starts_number {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < b.len()
            && (b[j].is_ascii_digit()
                || (b[j] == b'.' && b.get(j + 1).is_some_and(u8::is_ascii_digit)))
        {
            j += 1;
        }
        // A hex id (`3f9a1c2b`) is not a number.
        let hex_tail = b[j..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
        if hex_tail > 0
            && b[j..j + hex_tail].iter().any(u8::is_ascii_alphabetic)
            && (j - i) + hex_tail >= 6
        {
            i = j + hex_tail;
            continue;
        }
        if let Ok(x) = s[i..j].parse::<f64>() {
            s[last..i].hash(&mut h);
            out.push(x);
            last = j;
        }
        i = j;
    }
    s[last..].hash(&mut h);
    h.finish()
}

/// Per-field statistics over every entry.
struct Field {
    /// The dotted path (`user.login`), as summaries print it.
    name: String,
    /// Named like a failure (`error`, `failed`): a truthy value is an error.
    error_named: bool,
    present: usize,
    last_entry: usize,
    nulls: usize,
    strings: usize,
    counts: HashMap<String, usize>,
    overflow: bool,
    numbers: Series,
    tracked: bool,
}

/// Field ids by the hash of (parent, key), and the last key seen at each
/// position under each parent: records whose keys come in the same order
/// (nearly all) find their fields without hashing.
struct FieldIds {
    by_hash: HashMap<u64, u32>,
    recent: Vec<(Option<u32>, usize, String, u32)>,
}

impl Default for FieldIds {
    fn default() -> FieldIds {
        FieldIds {
            by_hash: HashMap::new(),
            recent: vec![(None, usize::MAX, String::new(), 0); 1024],
        }
    }
}

impl FieldIds {
    fn slot(parent: Option<u32>, j: usize) -> usize {
        (parent.map_or(0, |p| p as usize + 1) * 61 + j) % 1024
    }

    fn recent(&self, parent: Option<u32>, j: usize, key: &str) -> Option<u32> {
        let (p, at, k, id) = &self.recent[Self::slot(parent, j)];
        (*p == parent && *at == j && k == key).then_some(*id)
    }

    fn remember(&mut self, parent: Option<u32>, j: usize, key: &str, id: u32) {
        let slot = &mut self.recent[Self::slot(parent, j)];
        slot.0 = parent;
        slot.1 = j;
        slot.2.clear();
        slot.2.push_str(key);
        slot.3 = id;
    }
}

/// Every entry's leaves (field id, kind, text), with the fields' statistics.
/// Nothing in it borrows the entries, which may be parsed one at a time
/// ([`Value::Raw`]) and dropped once their leaves are listed.
struct Analysis {
    /// Where each entry's leaves start in `leaves`, and one past the last.
    starts: Vec<u32>,
    leaves: Vec<Leaf>,
    /// Every leaf's text, back to back.
    text: String,
    fields: Vec<Field>,
}

impl Analysis {
    /// `None` when the leaves' text would not fit the 32-bit offsets.
    fn new(entries: Entries) -> Option<Analysis> {
        let a = Analysis::build(entries, false)?;
        if a.fields.len() <= MAX_FIELDS {
            return Some(a);
        }
        drop(a);
        let mut a = Analysis::build(entries, true)?;
        if a.fields.len() > MAX_FIELDS {
            let mut by_presence: Vec<usize> = (0..a.fields.len()).collect();
            by_presence.sort_by(|&x, &y| {
                a.fields[y]
                    .present
                    .cmp(&a.fields[x].present)
                    .then(x.cmp(&y))
            });
            for &f in &by_presence[MAX_FIELDS..] {
                a.fields[f].tracked = false;
            }
        }
        Some(a)
    }

    /// Lists every entry's leaves. Without `by_shape` it stops as soon as
    /// there are more than [`MAX_FIELDS`] fields: the caller starts over by shape.
    fn build(entries: Entries, by_shape: bool) -> Option<Analysis> {
        let n = entries.len();
        let mut a = Analysis {
            starts: Vec::with_capacity(n + 1),
            leaves: Vec::new(),
            text: String::new(),
            fields: Vec::new(),
        };
        let mut ids = FieldIds::default();
        for i in 0..n {
            let start = a.leaves.len();
            a.starts.push(u32::try_from(start).ok()?);
            a.walk(entries.value(i), None, 0, by_shape, &mut ids);
            if !by_shape && a.fields.len() > MAX_FIELDS {
                return Some(a);
            }
            for l in start..a.leaves.len() {
                let leaf = a.leaves[l];
                let start = leaf.start as usize;
                let text = &a.text[start..start + (leaf.len_kind >> 3) as usize];
                let st = &mut a.fields[leaf.field as usize];
                if st.last_entry != i {
                    st.last_entry = i;
                    st.present += 1;
                }
                match leaf.kind() {
                    Kind::Null => st.nulls += 1,
                    Kind::Num => {
                        if let Some(x) = text.parse::<f64>().ok().filter(|x| x.is_finite()) {
                            st.numbers.push(i, x);
                        }
                    }
                    Kind::Str => st.strings += 1,
                    _ => {}
                }
                if !st.overflow {
                    match st.counts.get_mut(text) {
                        Some(c) => *c += 1,
                        None => {
                            st.counts.insert(text.to_string(), 1);
                        }
                    }
                    if st.counts.len() > MAX_CATEGORIES {
                        st.overflow = true;
                        st.counts = HashMap::new();
                    }
                }
            }
        }
        a.starts.push(u32::try_from(a.leaves.len()).ok()?);
        u32::try_from(a.text.len()).ok()?;
        Some(a)
    }

    fn field_id(&mut self, parent: Option<u32>, key: &str, ids: &mut HashMap<u64, u32>) -> u32 {
        let h = hash_of((parent, key));
        if let Some(&id) = ids.get(&h) {
            return id;
        }
        let id = self.fields.len() as u32;
        let name = match parent {
            Some(p) => format!("{}.{key}", self.fields[p as usize].name),
            None => key.to_string(),
        };
        self.fields.push(Field {
            error_named: ERROR_WORDS.is_match(key)
                && !key.ends_with("_url")
                && !key.ends_with("_count"),
            name,
            present: 0,
            last_entry: usize::MAX,
            nulls: 0,
            strings: 0,
            counts: HashMap::new(),
            overflow: false,
            numbers: Series::default(),
            tracked: true,
        });
        ids.insert(h, id);
        id
    }

    fn walk(
        &mut self,
        v: &Value,
        parent: Option<u32>,
        depth: usize,
        by_shape: bool,
        ids: &mut FieldIds,
    ) {
        match v {
            Value::Obj(pairs)
                if depth < 3
                    && (depth == 0 || pairs.len() <= MAX_NESTED_KEYS)
                    && !pairs.is_empty() =>
            {
                for (j, (k, child)) in pairs.iter().enumerate() {
                    let id = self.member_id(parent, j, k, by_shape, ids);
                    self.walk(child, Some(id), depth + 1, by_shape, ids);
                }
            }
            Value::Arr(items)
                if depth == 0
                    && (1..=MAX_TUPLE).contains(&items.len())
                    && items.iter().all(Value::is_scalar) =>
            {
                for (j, child) in items.iter().enumerate() {
                    let id = self.field_id(parent, TUPLE_FIELDS[j], &mut ids.by_hash);
                    self.push_leaf(id, child);
                }
            }
            Value::Raw(text, _) => {
                self.walk_raw(&mut Reader::new(text), parent, depth, by_shape, ids)
            }
            _ => {
                let id = match parent {
                    Some(p) => p,
                    None => self.field_id(None, "", &mut ids.by_hash),
                };
                self.push_leaf(id, v);
            }
        }
    }

    /// The field of member `j`, key `k`, of an object in field `parent`.
    fn member_id(
        &mut self,
        parent: Option<u32>,
        j: usize,
        k: &str,
        by_shape: bool,
        ids: &mut FieldIds,
    ) -> u32 {
        if let Some(id) = ids.recent(parent, j, k) {
            return id;
        }
        let key = if by_shape {
            key_shape(k)
        } else {
            Cow::Borrowed(k)
        };
        let id = self.field_id(parent, &key, &mut ids.by_hash);
        ids.remember(parent, j, k, id);
        id
    }

    /// [`Analysis::walk`] on a value still in its text: the same leaves,
    /// read straight from the text without building its tree (millions of
    /// small records are each read once here).
    fn walk_raw(
        &mut self,
        r: &mut Reader,
        parent: Option<u32>,
        depth: usize,
        by_shape: bool,
        ids: &mut FieldIds,
    ) {
        match r.peek() {
            // As in `walk`: the entry's own object, or a nested one that
            // is not a map; a scan counts a nested object's members first.
            b'{' if depth < 3
                && if depth == 0 {
                    !r.is_empty()
                } else {
                    (1..=MAX_NESTED_KEYS).contains(&r.members().0)
                } =>
            {
                r.enter();
                let mut j = 0;
                while let Some(k) = r.next_key() {
                    let id = self.member_id(parent, j, &k, by_shape, ids);
                    self.walk_raw(r, Some(id), depth + 1, by_shape, ids);
                    j += 1;
                }
                return;
            }
            b'[' if depth == 0 && {
                let (n, scalars) = r.members();
                (1..=MAX_TUPLE).contains(&n) && scalars
            } =>
            {
                r.enter();
                let mut j = 0;
                while r.next_item() {
                    let id = self.field_id(parent, TUPLE_FIELDS[j], &mut ids.by_hash);
                    self.push_leaf(id, &r.scalar());
                    j += 1;
                }
                return;
            }
            _ => {}
        }
        let id = match parent {
            Some(p) => p,
            None => self.field_id(None, "", &mut ids.by_hash),
        };
        match r.peek() {
            c @ (b'{' | b'[') => {
                let start = self.text.len();
                r.compact(&mut self.text);
                let kind = if c == b'{' { Kind::Obj } else { Kind::Arr };
                self.push_text_leaf(id, start, kind);
            }
            _ => self.push_leaf(id, &r.scalar()),
        }
    }

    fn push_leaf(&mut self, field: u32, v: &Value) {
        let start = self.text.len();
        let kind = match v {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Bool,
            Value::Num(_) => Kind::Num,
            Value::Str(_) => Kind::Str,
            Value::Arr(_) => Kind::Arr,
            Value::Obj(_) => Kind::Obj,
            Value::Raw(..) if v.is_obj() => Kind::Obj,
            Value::Raw(..) => Kind::Arr,
        };
        match v {
            Value::Str(s) | Value::Num(s) => self.text.push_str(s),
            Value::Null => self.text.push_str("null"),
            Value::Bool(b) => self.text.push_str(if *b { "true" } else { "false" }),
            other => write_json(other, &mut self.text),
        }
        self.push_text_leaf(field, start, kind);
    }

    /// Records the leaf whose text was appended to `text` from `start` on.
    fn push_text_leaf(&mut self, field: u32, start: usize, kind: Kind) {
        let len = self.text.len() - start;
        self.leaves.push(Leaf {
            field,
            // Offsets past 4 GiB are caught when the build ends.
            start: start as u32,
            len_kind: ((len as u32) << 3) | kind as u32,
        });
    }

    fn text_of(&self, leaf: Leaf) -> &str {
        let start = leaf.start as usize;
        &self.text[start..start + (leaf.len_kind >> 3) as usize]
    }

    /// A hash of entry `i`'s key and leaves: equal for identical entries
    /// (a filter only: equal hashes are confirmed by comparing the entries).
    fn leaf_hash(&self, key: Option<&str>, i: usize) -> u64 {
        let mut h = QuickHasher::default();
        key.hash(&mut h);
        for &l in self.leaves_of(i) {
            h.add(u64::from(l.field) << 32 | u64::from(l.len_kind));
            h.write(self.text_of(l).as_bytes());
        }
        h.finish()
    }

    fn leaves_of(&self, i: usize) -> &[Leaf] {
        &self.leaves[self.starts[i] as usize..self.starts[i + 1] as usize]
    }

    /// The text of entry `i`'s value in field `f`, if it has one.
    fn value_of(&self, i: usize, f: u32) -> Option<&str> {
        self.leaves_of(i)
            .iter()
            .find(|l| l.field == f)
            .map(|&l| self.text_of(l))
    }
}

/// Whether a value in a field named like a failure reports one.
fn truthy(kind: Kind, text: &str) -> bool {
    match kind {
        Kind::Null | Kind::Num => false,
        Kind::Bool => text == "true",
        Kind::Str => !text.is_empty(),
        Kind::Arr => text != "[]",
        Kind::Obj => text != "{}",
    }
}

/// Chooses which of `entries` to keep; `None` when thinning is not worth it.
/// `unit` names the entries in summaries (default: items, numbers or strings).
pub fn plan(
    entries: Entries,
    query: &Query,
    unit: Option<&'static str>,
    marker_bytes: usize,
) -> Option<Plan> {
    let n = entries.len();
    if n < MIN_ITEMS {
        return None;
    }
    let all_objects = entries.values().all(Value::is_obj);
    let all_numbers = entries.values().all(|v| matches!(v, Value::Num(_)));
    let mut keep = vec![false; n];
    keep[0] = true;
    keep[n - 1] = true;
    let a = Analysis::new(entries)?;

    // Errors: a failure word in a value or key, or a truthy field named like one.
    for (i, k) in keep.iter_mut().enumerate() {
        let is_error = entries.key(i).is_some_and(|k| ERROR_WORDS.is_match(k))
            || a.leaves_of(i).iter().any(|&l| {
                let text = a.text_of(l);
                match l.kind() {
                    Kind::Str if ERROR_WORDS.is_match(text) => true,
                    kind => a.fields[l.field as usize].error_named && truthy(kind, text),
                }
            });
        *k |= is_error;
    }

    // Rare fields, rare categorical values, rare nulls and absences. A small
    // group is kept whole; a larger one keeps exemplars, and the markers
    // count the rest.
    let sqrt_n = ((n as f64).sqrt() as usize).max(3);
    let keep_group = |members: &[usize], whole: usize, keep: &mut Vec<bool>| {
        if members.len() <= whole {
            members.iter().for_each(|&i| keep[i] = true);
        } else {
            members
                .iter()
                .take(2)
                .chain(members.last())
                .for_each(|&i| keep[i] = true);
        }
    };
    let nf = a.fields.len();
    let mut rare_field = vec![false; nf];
    let mut rare_values: Vec<HashSet<&str>> = vec![HashSet::new(); nf];
    let mut rare_nulls = vec![false; nf];
    let mut rare_absent: Vec<u32> = Vec::new();
    for (f, st) in a.fields.iter().enumerate().filter(|(_, st)| st.tracked) {
        if st.present * 10 < n {
            rare_field[f] = true;
            continue;
        }
        // Status-like: a few values cover most entries; the others are rare.
        if !st.overflow && st.counts.len() >= 2 && st.present * 2 >= n {
            let mut by_count: Vec<(&str, usize)> =
                st.counts.iter().map(|(k, &c)| (k.as_str(), c)).collect();
            by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            let mut covered = 0;
            let mut top = 0;
            while top < by_count.len() && covered * 5 < st.present * 4 {
                covered += by_count[top].1;
                top += 1;
            }
            if top <= 5 {
                rare_values[f].extend(by_count[top..].iter().map(|(k, _)| *k));
            }
        }
        rare_nulls[f] = st.nulls > 0 && st.nulls <= (n / 10).max(1) && st.present > st.nulls;
        if st.present < n && n - st.present <= (n / 10).max(1) && rare_absent.len() < 32 {
            rare_absent.push(f as u32);
        }
    }
    let mut field_members: HashMap<u32, Vec<usize>> = HashMap::new();
    let mut value_members: HashMap<(u32, &str), Vec<usize>> = HashMap::new();
    let mut null_members: HashMap<u32, Vec<usize>> = HashMap::new();
    let mut absent_members: HashMap<u32, Vec<usize>> = HashMap::new();
    let mut stamp = vec![usize::MAX; nf];
    for i in 0..n {
        for &l in a.leaves_of(i) {
            let f = l.field;
            let fu = f as usize;
            stamp[fu] = i;
            if rare_field[fu] {
                let m = field_members.entry(f).or_default();
                if m.last() != Some(&i) {
                    m.push(i);
                }
            }
            if l.kind() == Kind::Null && rare_nulls[fu] {
                null_members.entry(f).or_default().push(i);
            }
            if !rare_values[fu].is_empty()
                && let Some(&r) = rare_values[fu].get(a.text_of(l))
            {
                value_members.entry((f, r)).or_default().push(i);
            }
        }
        for &f in &rare_absent {
            if stamp[f as usize] != i {
                absent_members.entry(f).or_default().push(i);
            }
        }
    }
    // Many rare fields mean heterogeneous entries: one exemplar of each.
    let whole = if field_members.len() <= 16 { sqrt_n } else { 0 };
    for m in field_members.values() {
        if whole == 0 {
            keep[m[0]] = true;
        } else {
            keep_group(m, whole, &mut keep);
        }
    }
    for m in null_members.values().chain(absent_members.values()) {
        keep_group(m, sqrt_n, &mut keep);
    }
    for m in value_members.values() {
        keep_group(m, 3, &mut keep);
    }

    // Numeric outliers (beyond 2σ), extremes and change points; numbers in
    // the same slot of a message template count as a field of their own.
    for st in a.fields.iter().filter(|st| st.tracked) {
        if st.numbers.len() * 5 >= st.present * 4 {
            numeric_facts(&st.numbers, true, &mut keep);
        }
    }
    let mut templates: HashMap<(u32, u64, usize), Series> = HashMap::new();
    let mut xs = Vec::new();
    for i in 0..n {
        for &l in a.leaves_of(i) {
            let f = l.field;
            let st = &a.fields[f as usize];
            // Messages, not ids or paths: a code like `37868143` is a name.
            let s = a.text_of(l);
            if l.kind() != Kind::Str || !st.tracked || !st.overflow || !s.contains(' ') {
                continue;
            }
            let t = slots(s, &mut xs);
            for (slot, &x) in xs.iter().enumerate() {
                let full = templates.len() >= MAX_TEMPLATES;
                match templates.get_mut(&(f, t, slot)) {
                    Some(series) => series.push(i, x),
                    None if !full => {
                        let mut series = Series::default();
                        series.push(i, x);
                        templates.insert((f, t, slot), series);
                    }
                    None => {}
                }
            }
        }
    }
    // A template is a field's shape when it is common; a handful of
    // messages about one place or user is not a series.
    for series in templates.values().filter(|s| s.len() * s.len() >= n) {
        numeric_facts(series, false, &mut keep);
    }
    drop(templates);

    // The query: anchors and the best BM25 matches.
    if !query.is_empty() {
        let entry_text = |i: usize, s: &mut String| {
            if let Some(k) = entries.key(i) {
                s.push_str(k);
                s.push(' ');
            }
            write_json(entries.value(i), s);
        };
        for i in relevance::select(n, query, 12, entry_text) {
            keep[i] = true;
        }
    }

    // Novelty: entries showing a category or message shape not yet seen.
    if !all_numbers {
        let categorical: Vec<bool> = a
            .fields
            .iter()
            .map(|st| st.tracked && !st.overflow && st.counts.len() > 1)
            .collect();
        let textual: Vec<bool> = a
            .fields
            .iter()
            .map(|st| st.tracked && st.overflow && st.strings * 2 >= st.present)
            .collect();
        // A collision of features only makes one entry look a little less
        // novel: they take the quick hash.
        let mut shape_buf = String::new();
        let mut features = |i: usize, out: &mut Vec<u64>| {
            out.clear();
            if let Some(k) = entries.key(i) {
                out.push(hash_of(("key", shape(k))));
            }
            if !all_objects {
                let v = entries.value(i);
                out.push(match v {
                    Value::Str(s) if !s.contains(char::is_whitespace) => hash_of(shape(s)),
                    _ => hash_of(template(&leaf_key(v))),
                });
                return;
            }
            for &l in a.leaves_of(i) {
                let f = l.field;
                if categorical[f as usize] {
                    out.push(quick_hash((f, a.text_of(l))));
                } else if textual[f as usize] && l.kind() == Kind::Str {
                    template_into(a.text_of(l), &mut shape_buf);
                    out.push(quick_hash((f, shape_buf.as_str())));
                }
            }
        };
        let mut seen: HashSet<u64, BuildHasherDefault<QuickHasher>> = HashSet::default();
        let mut fs = Vec::new();
        for i in (0..n).filter(|&i| keep[i]) {
            features(i, &mut fs);
            seen.extend(&fs);
        }
        let mut novel: Vec<(usize, usize)> = Vec::new();
        for i in (0..n).filter(|&i| !keep[i]) {
            features(i, &mut fs);
            let fresh = fs.iter().filter(|&&f| seen.insert(f)).count();
            if fresh > 0 {
                novel.push((i, fresh));
            }
        }
        // The facts already kept count toward the sample's size; a
        // collection of one-shape values needs fewer exemplars than records.
        let root = (n as f64).sqrt();
        let cap = if all_objects {
            (root * 2.0).ceil() as usize
        } else {
            root.ceil() as usize
        }
        .max(6);
        let budget = cap.saturating_sub(keep.iter().filter(|&&k| k).count());
        novel.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for &(i, _) in novel.iter().take(budget) {
            keep[i] = true;
        }
    }

    // Identical entries add nothing after the first. Only kept entries can
    // go: each is compared in full only with the earlier entries whose
    // leaves are the same (identical values have identical leaves).
    let json_of = |i: usize| {
        let mut s = String::new();
        write_json(entries.value(i), &mut s);
        s
    };
    let mut pending: HashMap<u64, Vec<(usize, String)>> = HashMap::new();
    let kept_inside = (1..n - 1).filter(|&i| keep[i]);
    for i in kept_inside {
        let json = json_of(i);
        if !ERROR_WORDS.is_match(&json) {
            let h = a.leaf_hash(entries.key(i), i);
            pending.entry(h).or_default().push((i, json));
        }
    }
    for j in 0..n {
        if pending.is_empty() {
            break;
        }
        let h = a.leaf_hash(entries.key(j), j);
        let Some(later) = pending.get_mut(&h) else {
            continue;
        };
        later.retain(|(i, _)| *i > j);
        if !later.is_empty() {
            let json = json_of(j);
            later.retain(|(i, ji)| {
                let repeat = *ji == json && entries.key(*i) == entries.key(j);
                keep[*i] &= !repeat;
                !repeat
            });
        }
        if later.is_empty() {
            pending.remove(&h);
        }
    }

    // A marker costs about as much as a short row; runs cheaper than their
    // marker are kept instead.
    keep_cheap_gaps(&mut keep, |gap| {
        let bytes: usize = gap
            .map(|i| {
                entries.key(i).map_or(0, str::len)
                    + a.leaves_of(i)
                        .iter()
                        .map(|l| (l.len_kind >> 3) as usize + 1)
                        .sum::<usize>()
            })
            .sum();
        bytes <= marker_bytes
    });

    let kept = keep.iter().filter(|&&k| k).count();
    if kept * 5 >= n * 4 {
        return None;
    }
    let category = summary_field(&a, all_objects);
    let unit = unit.unwrap_or(if all_objects {
        "items"
    } else if all_numbers {
        "numbers"
    } else if entries.values().all(|v| matches!(v, Value::Str(_))) {
        "strings"
    } else {
        "items"
    });
    let summaries = gaps(&keep)
        .into_iter()
        .map(|gap| {
            let values: Option<(&str, Vec<Option<&str>>)> = category.map(|f| {
                (
                    a.fields[f as usize].name.as_str(),
                    gap.clone().map(|i| a.value_of(i, f)).collect(),
                )
            });
            run_summary(
                entries,
                gap,
                n,
                unit,
                values.as_ref().map(|(name, vals)| (*name, vals.as_slice())),
                all_numbers,
                all_objects,
            )
        })
        .collect();
    Some(Plan {
        keep,
        summaries,
        dropped: n - kept,
    })
}

/// Marks the outliers of one numeric series beyond 2σ (the most extreme few
/// when the tail is heavy), and with `extremes` its minimum, maximum and
/// change points. Monotonic series (ids, sequence numbers, timestamps) have
/// nothing to mark: every value would be "extreme".
fn numeric_facts(series: &Series, extremes: bool, keep: &mut [bool]) {
    let xs = &series.xs;
    if xs.len() < MIN_ITEMS {
        return;
    }
    let monotonic = xs.windows(2).all(|w| w[1] > w[0]) || xs.windows(2).all(|w| w[1] < w[0]);
    if monotonic {
        return;
    }
    let m = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / m;
    let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / m).sqrt();
    if sd == 0.0 {
        return;
    }
    let mut outliers: Vec<(usize, f64)> = xs
        .iter()
        .enumerate()
        .filter(|(_, x)| (*x - mean).abs() > 2.0 * sd)
        .map(|(j, &x)| (series.at(j), x))
        .collect();
    outliers.sort_by(|a, b| {
        (b.1 - mean)
            .abs()
            .total_cmp(&(a.1 - mean).abs())
            .then(a.0.cmp(&b.0))
    });
    let quota = ((outliers.len() as f64).sqrt().ceil() as usize).clamp(3, 5);
    outliers
        .iter()
        .take(quota)
        .for_each(|&(i, _)| keep[i] = true);
    if !extremes {
        return;
    }
    let (mut lo, mut hi) = (0, 0);
    for (j, &x) in xs.iter().enumerate() {
        if x < xs[lo] {
            lo = j;
        }
        if x > xs[hi] {
            hi = j;
        }
    }
    keep[series.at(lo)] = true;
    keep[series.at(hi)] = true;
    for j in change_points(xs, sd) {
        keep[series.at(j)] = true;
    }
}

/// Positions in `xs` where the mean of the next window differs from the
/// previous one by more than 2σ of the whole series, and the two windows do
/// not overlap: a level that shifts. A lone spike (in a heavy-tailed, noisy
/// series) moves the mean of every window that holds it, but the windows
/// around it still share their ordinary values: the spike is an outlier,
/// its neighbours are not facts.
fn change_points(xs: &[f64], sd: f64) -> Vec<usize> {
    const W: usize = 5;
    let mut out = Vec::new();
    if xs.len() < 4 * W {
        return out;
    }
    let range = |w: &[f64]| {
        w.iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                (lo.min(x), hi.max(x))
            })
    };
    let mut last: Option<usize> = None;
    for j in W..=xs.len() - W {
        let before = xs[j - W..j].iter().sum::<f64>() / W as f64;
        let after = xs[j..j + W].iter().sum::<f64>() / W as f64;
        if (after - before).abs() <= 2.0 * sd || last.is_some_and(|l| j <= l + W) {
            continue;
        }
        let (lo_b, hi_b) = range(&xs[j - W..j]);
        let (lo_a, hi_a) = range(&xs[j..j + W]);
        if lo_a > hi_b || hi_a < lo_b {
            out.push(j - 1);
            out.push(j);
            last = Some(j);
        }
    }
    out
}

/// The field whose values best describe omitted entries to a reader: a
/// low-cardinality one, preferring the names logs and APIs use for status.
fn summary_field(a: &Analysis, all_objects: bool) -> Option<u32> {
    if !all_objects {
        return None;
    }
    const PREFERRED: &[&str] = &[
        "level", "severity", "status", "state", "type", "kind", "method", "category", "result",
    ];
    let name_rank = |p: &str| {
        let last = p.rsplit('.').next().unwrap_or(p).to_lowercase();
        PREFERRED
            .iter()
            .position(|w| last == *w || last.ends_with(&format!("_{w}")))
    };
    a.fields
        .iter()
        .enumerate()
        .filter(|(_, st)| st.tracked && !st.overflow && (1..=8).contains(&st.counts.len()))
        .filter(|(_, st)| st.counts.len() >= 2 || name_rank(&st.name).is_some())
        .min_by_key(|(f, st)| {
            (
                name_rank(&st.name).unwrap_or(usize::MAX),
                st.counts.len(),
                *f,
            )
        })
        .map(|(f, _)| f as u32)
}

/// `category`: the summary field's name and its value in each entry of the run.
fn run_summary(
    entries: Entries,
    run: Range<usize>,
    total: usize,
    unit: &str,
    category: Option<(&str, &[Option<&str>])>,
    numbers: bool,
    objects: bool,
) -> String {
    let mut s = format!("{} of {total} {unit} omitted", run.len());
    if numbers {
        let xs: Vec<(f64, &Value)> = run
            .clone()
            .map(|i| entries.value(i))
            .filter_map(|v| v.as_f64().map(|x| (x, v)))
            .collect();
        if let (Some(lo), Some(hi)) = (
            xs.iter().min_by(|a, b| a.0.total_cmp(&b.0)),
            xs.iter().max_by(|a, b| a.0.total_cmp(&b.0)),
        ) {
            s.push_str(&format!(" (range {}..{})", lo.1.to_json(), hi.1.to_json()));
        }
    } else if let Some((field, values)) = category {
        if run.len() < BREAKDOWN_MIN_RUN {
            return s;
        }
        let mut counts: Vec<(Cow<str>, usize)> = Vec::new();
        for v in values {
            let v = Cow::Borrowed(v.unwrap_or("absent"));
            match counts.iter_mut().find(|(k, _)| *k == v) {
                Some(c) => c.1 += 1,
                None => counts.push((v, 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let parts: Vec<String> = counts
            .iter()
            .take(3)
            .map(|(v, c)| format!("{c} {field}={v}"))
            .collect();
        let more = if counts.len() > 3 { ", …" } else { "" };
        s.push_str(&format!(" ({}{more})", parts.join(", ")));
    } else if !objects {
        let mut uniq: HashSet<u64> = HashSet::new();
        let dups = run
            .filter(|&i| !uniq.insert(hash_of((entries.key(i), leaf_key(entries.value(i))))))
            .count();
        if dups > 0 {
            s.push_str(&format!(" ({dups} duplicates)"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::super::value::parse;
    use super::*;

    fn marker(s: &str) -> String {
        format!("{s}; retrieve: headroom retrieve 0000000000000000")
    }

    fn logs(n: usize) -> Vec<Value<'static>> {
        (0..n)
            .map(|i| {
                let level = if i == 37 { "ERROR" } else { "INFO" };
                let msg = if i == 37 { "payment failed: card declined".to_string() } else { format!("request {i} served in {}ms", 10 + i % 7) };
                parse(&format!(r#"{{"ts":"2024-01-01T00:{:02}:00Z","level":"{level}","msg":"{msg}","latency":{}}}"#, i % 60, 10 + i % 7)).unwrap().into_owned()
            })
            .collect()
    }

    #[test]
    fn repetitive_records_shrink_and_keep_the_error() {
        let items = logs(200);
        let t = thin(&items, &Query::default(), &marker).unwrap();
        let text: Vec<String> = t.items.iter().map(Value::to_json).collect();
        assert!(text.iter().any(|s| s.contains("payment failed")));
        assert!(t.dropped > 180, "dropped only {}", t.dropped);
        assert_eq!(t.items.first(), items.first());
        assert_eq!(t.items.last(), items.last());
        assert!(text.iter().any(|s| s.contains("level=INFO")), "{text:?}");
    }

    #[test]
    fn query_matches_are_kept() {
        let items = logs(200);
        let q = Query::parse("what happened to request 123");
        let t = thin(&items, &q, &marker).unwrap();
        assert!(
            t.items
                .iter()
                .any(|v| v.to_json().contains("request 123 served"))
        );
    }

    #[test]
    fn numeric_outliers_survive() {
        let mut xs: Vec<Value> = (0..500)
            .map(|i| Value::Num(format!("{}", 50 + (i * 7) % 11).into()))
            .collect();
        xs[321] = Value::Num("9999".into());
        let t = thin(&xs, &Query::default(), &marker).unwrap();
        assert!(t.items.contains(&Value::Num("9999".into())));
        assert!(t.items.len() < 25, "kept {}", t.items.len());
    }

    fn kept_json(t: &Thinned) -> String {
        Value::Arr(t.items.clone()).to_json()
    }

    #[test]
    fn objects_whose_keys_differ_are_thinned_by_key_shape() {
        let items: Vec<Value> = (0..2000)
            .map(|i| {
                let v = if i == 1234 { 987_654 } else { i % 50 };
                parse(&format!(r#"{{"sku":"S{i}","k{}":{v}}}"#, (i * 7919) % 2000))
                    .unwrap()
                    .into_owned()
            })
            .collect();
        let t = thin(&items, &Query::default(), &marker).unwrap();
        assert!(kept_json(&t).contains("987654"), "the outlier is kept");
        assert!(t.dropped > 1900, "dropped only {}", t.dropped);
    }

    #[test]
    fn map_entries_are_items() {
        let pairs: Vec<Pair> = (0..500)
            .map(|i| {
                let errors = if i == 321 { 977 } else { i % 3 };
                let v = parse(&format!(
                    r#"{{"requests":{},"errors":{errors}}}"#,
                    1000 + i % 17
                ))
                .unwrap()
                .into_owned();
                (
                    format!(
                        "2024-{:02}-{:02}T{:02}",
                        i / 200 + 1,
                        i / 24 % 28 + 1,
                        i % 24
                    )
                    .into(),
                    v,
                )
            })
            .collect();
        assert!(is_map(&pairs));
        let (kept, dropped) = thin_map(&pairs, &Query::default(), &marker).unwrap();
        let json = Value::Obj(kept.clone()).to_json();
        assert!(json.contains("977"), "{json}");
        assert!(dropped > 400, "dropped only {dropped}");
        assert_eq!(kept.first(), pairs.first());
        assert_eq!(kept.last(), pairs.last());
        let sentinels: Vec<&str> = kept
            .iter()
            .map(|(k, _)| k.as_ref())
            .filter(|k| k.starts_with(SENTINEL_KEY))
            .collect();
        let unique: HashSet<&&str> = sentinels.iter().collect();
        assert_eq!(unique.len(), sentinels.len(), "sentinel keys are unique");
        assert!(json.contains("entries omitted"), "{json}");
    }

    #[test]
    fn a_record_is_not_a_map() {
        let mixed: Vec<Pair> = (0..40)
            .map(|i| {
                (
                    format!("f{i}").into(),
                    if i % 2 == 0 {
                        Value::Num("1".into())
                    } else {
                        Value::Str("x".into())
                    },
                )
            })
            .collect();
        assert!(!is_map(&mixed));
    }

    #[test]
    fn one_shape_strings_keep_few_and_the_odd_one() {
        let words = ["alpha", "bravo", "charlie", "delta", "echo"];
        let mut items: Vec<Value> = (0..2000u64)
            .map(|i| {
                Value::Str(
                    format!(
                        "/srv/data/{}/{:08x}.parquet",
                        words[i as usize % 5],
                        i.wrapping_mul(2654435761) as u32
                    )
                    .into(),
                )
            })
            .collect();
        items[777] = Value::Str("/srv/data/tmp/core.dump".into());
        let t = thin(&items, &Query::default(), &marker).unwrap();
        assert!(kept_json(&t).contains("core.dump"));
        assert!(t.items.len() <= 20, "kept {}", t.items.len());
    }

    #[test]
    fn a_number_inside_a_message_is_an_outlier() {
        let items: Vec<Value> = (0..400)
            .map(|i| {
                let ms = if i == 250 { 12000 } else { 20 + (i * 37) % 70 };
                parse(&format!(
                    r#"{{"level":"INFO","msg":"GET /api/items/{} latency={ms}ms"}}"#,
                    (i * 7) % 1000
                ))
                .unwrap()
                .into_owned()
            })
            .collect();
        let t = thin(&items, &Query::default(), &marker).unwrap();
        assert!(
            kept_json(&t).contains("latency=12000ms"),
            "{}",
            kept_json(&t)
        );
    }

    #[test]
    fn shapes_slots_and_key_shapes() {
        assert_eq!(shape("/srv/data/alpha/3f9a1c2b.parquet"), "/a/a/a/#.a");
        assert_eq!(key_shape("k17"), "k#");
        assert_eq!(key_shape("2024-01-05"), "#-#-#");
        let mut xs = Vec::new();
        let t1 = slots("GET /x/12 latency=45ms", &mut xs);
        assert_eq!(xs, vec![12.0, 45.0]);
        let t2 = slots("GET /x/9 latency=12000ms", &mut xs);
        assert_eq!(t1, t2);
        slots("id 3f9a1c2b0 k17 v1.5", &mut xs);
        assert_eq!(xs, Vec::<f64>::new());
    }

    #[test]
    fn records_left_as_text_are_judged_like_trees() {
        let text = Value::Arr(logs(300)).to_json();
        let Value::Arr(lazy) = super::super::value::parse_lazy(&text, 4096).unwrap() else {
            panic!("the array is long")
        };
        assert!(matches!(lazy[0], Value::Raw(..)));
        let Value::Arr(full) = parse(&text).unwrap() else {
            panic!("an array")
        };
        let a = thin(&lazy, &Query::default(), &marker).unwrap();
        let b = thin(&full, &Query::default(), &marker).unwrap();
        assert_eq!(a.dropped, b.dropped);
        assert_eq!(kept_json(&a), kept_json(&b));
    }

    /// Every leaf, with its field's name, kind and text.
    fn leaves(entries: Entries) -> Vec<(String, u32, String)> {
        let a = Analysis::new(entries).unwrap();
        a.leaves
            .iter()
            .map(|&l| {
                let name = a.fields[l.field as usize].name.clone();
                (name, l.len_kind & 7, a.text_of(l).to_string())
            })
            .collect()
    }

    #[test]
    fn leaves_read_from_text_match_leaves_of_the_tree() {
        // Escapes, spacing, nesting past the depth limit, tuples, empty
        // containers, nested maps (> 64 keys) and scalars among records.
        let wide: Vec<String> = (0..70).map(|k| format!(r#""k{k}":{k}"#)).collect();
        let wide = format!("{{{}}}", wide.join(","));
        let entries = [
            r#"{"a" : 1, "b":"x\ty\u00e9\"q\\", "c": [ 1, "t\u0077o\n" , null ], "d":{"e":{"f":{"g":[true]}}}}"#.to_string(),
            r#"{"a":-2.5e3,"b":"plain","c":[],"d":{},"esc\"key":{"x":"\/"}}"#.to_string(),
            r#"[ 1, 2.0, "three" ]"#.to_string(),
            r#"[1,[2],3]"#.to_string(),
            "[]".to_string(),
            "{}".to_string(),
            format!(r#"{{"map":{wide},"n":null}}"#),
            r#""just a string""#.to_string(),
            "42".to_string(),
            r#"{"t":true,"f":false,"s":"\ud83d\ude00 ok"}"#.to_string(),
        ];
        let text = format!("[{}]", entries.join(" , "));
        // Every entry stays text; the array itself is parsed.
        let Value::Arr(lazy) = super::super::value::parse_lazy(&text, text.len() - 1).unwrap()
        else {
            panic!("an array")
        };
        assert_eq!(
            lazy.iter().filter(|v| matches!(v, Value::Raw(..))).count(),
            8
        );
        let Value::Arr(full) = parse(&text).unwrap() else {
            panic!("an array")
        };
        assert_eq!(leaves(Entries::Items(&lazy)), leaves(Entries::Items(&full)));
        // A map's values read the same way.
        let pairs: Vec<Pair> = lazy
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("k{i}").into(), v.clone()))
            .collect();
        let full_pairs: Vec<Pair> = full
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("k{i}").into(), v.clone()))
            .collect();
        assert_eq!(
            leaves(Entries::Pairs(&pairs)),
            leaves(Entries::Pairs(&full_pairs))
        );
    }

    #[test]
    fn identical_entries_keep_only_the_first() {
        let mut items = logs(200);
        items[120] = items[60].clone();
        items[38] = items[37].clone();
        let t = thin(&items, &Query::default(), &marker).unwrap();
        let text = kept_json(&t);
        // The error record is kept even when it repeats; others only once.
        assert_eq!(text.matches("payment failed").count(), 2, "{text}");
        let first = items[60].to_json();
        assert!(text.matches(&first).count() <= 1, "{text}");
    }

    #[test]
    fn a_spike_is_an_outlier_and_its_neighbours_are_not_change_points() {
        // Noise of 10..=14 with one spike: the spike lifts the mean of every
        // window that holds it by more than 2σ, but those windows still
        // share their ordinary values with the windows beside them.
        let mut xs: Vec<f64> = (0..200).map(|i| (10 + (i * 7) % 5) as f64).collect();
        xs[100] = 1000.0;
        let sd = {
            let m = xs.iter().sum::<f64>() / xs.len() as f64;
            (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64).sqrt()
        };
        assert!(1000.0 / 5.0 > 2.0 * sd, "the spike moves a window's mean");
        assert_eq!(change_points(&xs, sd), Vec::<usize>::new());
        // A level that shifts and stays is a change point.
        let mut shift: Vec<f64> = (0..200).map(|i| (10 + (i * 7) % 5) as f64).collect();
        shift[140..].iter_mut().for_each(|x| *x += 1000.0);
        let m = shift.iter().sum::<f64>() / 200.0;
        let sd = (shift.iter().map(|x| (x - m).powi(2)).sum::<f64>() / 200.0).sqrt();
        assert_eq!(change_points(&shift, sd), [139, 140]);
        // Through `thin`: the spike and the shift are kept, not the spike's neighbours.
        let items: Vec<Value> = xs
            .iter()
            .map(|x| Value::Num(format!("{x}").into()))
            .collect();
        let t = thin(&items, &Query::default(), &marker).unwrap();
        assert!(t.items.contains(&Value::Num("1000".into())));
        assert!(t.items.len() <= 8, "kept {:?}", t.items);
    }

    #[test]
    fn only_long_runs_are_broken_down_by_category() {
        let t = thin(&logs(200), &Query::parse("request 120"), &marker).unwrap();
        let summaries: Vec<String> = t
            .items
            .iter()
            .map(Value::to_json)
            .filter(|j| j.contains("omitted"))
            .collect();
        let run = |s: &str| -> usize {
            let at = s.find(" of 200").unwrap();
            s[..at].rsplit('"').next().unwrap().parse().unwrap()
        };
        assert!(
            summaries.iter().any(|s| run(s) < BREAKDOWN_MIN_RUN),
            "{summaries:?}"
        );
        assert!(
            summaries.iter().any(|s| run(s) >= BREAKDOWN_MIN_RUN),
            "{summaries:?}"
        );
        for s in &summaries {
            let broken_down = s.contains("omitted (");
            assert_eq!(broken_down, run(s) >= BREAKDOWN_MIN_RUN, "{s}");
        }
    }

    #[test]
    fn short_arrays_are_left_alone() {
        assert!(thin(&logs(5), &Query::default(), &marker).is_none());
    }
}
