//! A JSON tree that keeps what the compressor must not change.
//!
//! serde_json's `Value` folds duplicate keys and (without `arbitrary_precision`)
//! rewrites numbers such as `1e400` or 20-digit ids. The compressor shows values
//! to a model and promises never to alter a fact, so it parses into this tree
//! instead: numbers stay as their source text, objects stay ordered lists of
//! pairs (duplicates included), and strings are decoded exactly.
//!
//! The tree borrows from the text it was parsed from: numbers, keys and
//! strings without escapes are slices of the input, so a document of
//! millions of small values costs a few words per value, not an allocation
//! each (#10: 30 MB of JSON in at most 6× its size).
//!
//! [`parse_lazy`] goes further for large documents: a small container is
//! validated but kept as its source text ([`Value::Raw`]), so a document of
//! millions of small records is a list of slices, and each record is parsed
//! again only while it is looked at, or for good when it is kept.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Deepest nesting the parser accepts; deeper documents pass through untouched.
pub const MAX_DEPTH: usize = 256;

#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    /// The number exactly as written in the source.
    Num(Cow<'a, str>),
    Str(Cow<'a, str>),
    Arr(Vec<Value<'a>>),
    Obj(Vec<Pair<'a>>),
    /// An array or object not parsed into a tree: its source text, already
    /// validated ([`parse_lazy`]), and the length of the longest string
    /// literal in it (keys included) as written, so a search for long
    /// strings can pass it by unread. [`Value::parsed`] reads it.
    Raw(&'a str, u32),
}

/// An object's key and value.
pub type Pair<'a> = (Cow<'a, str>, Value<'a>);

/// Why a text is not a JSON document this module will handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub offset: usize,
    pub reason: &'static str,
}

impl<'a> Value<'a> {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Num(n) => n.parse::<f64>().ok().filter(|x| x.is_finite()),
            _ => None,
        }
    }

    pub fn is_scalar(&self) -> bool {
        !matches!(self, Value::Arr(_) | Value::Obj(_) | Value::Raw(..))
    }

    /// Whether this is an object, parsed or not.
    pub fn is_obj(&self) -> bool {
        match self {
            Value::Obj(_) => true,
            Value::Raw(r, _) => r.starts_with('{'),
            _ => false,
        }
    }

    /// This value with a [`Value::Raw`] parsed (one level of laziness
    /// removed: it was validated, so parsing it again cannot fail).
    pub fn parsed(&self) -> Cow<'_, Value<'a>> {
        match self {
            Value::Raw(r, _) => {
                Cow::Owned(parse(r).expect("validated when the document was parsed"))
            }
            v => Cow::Borrowed(v),
        }
    }

    /// Replaces every [`Value::Raw`] in this value by its tree.
    pub fn materialize(&mut self) {
        match self {
            Value::Raw(r, _) => *self = parse(r).expect("validated when the document was parsed"),
            Value::Arr(items) => items.iter_mut().for_each(Value::materialize),
            Value::Obj(pairs) => pairs.iter_mut().for_each(|(_, v)| v.materialize()),
            _ => {}
        }
    }

    /// The value with every object's keys sorted: equality as JSON defines
    /// it (objects are unordered), for comparing a decoded table with its source.
    pub fn canonical(&self) -> Value<'a> {
        match self {
            Value::Arr(items) => Value::Arr(items.iter().map(Value::canonical).collect()),
            Value::Obj(pairs) => {
                let mut p: Vec<Pair<'a>> = pairs
                    .iter()
                    .map(|(k, v)| (k.clone(), v.canonical()))
                    .collect();
                p.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Obj(p)
            }
            Value::Raw(..) => self.parsed().canonical(),
            other => other.clone(),
        }
    }

    /// The length of this value's compact JSON, counted only until it
    /// reaches `cap` (a huge value is not walked to learn it is long).
    pub fn compact_len_upto(&self, cap: usize) -> usize {
        match self {
            Value::Null => 4,
            Value::Bool(b) => 4 + usize::from(!b),
            Value::Num(n) => n.len(),
            // Escapes only lengthen a string; the bound is a lower one.
            Value::Str(s) => s.len() + 2,
            Value::Arr(items) => {
                let mut n = 1 + items.len();
                for i in items {
                    if n >= cap {
                        break;
                    }
                    n += i.compact_len_upto(cap - n);
                }
                n
            }
            Value::Obj(pairs) => {
                let mut n = 1 + pairs.len();
                for (k, v) in pairs {
                    if n >= cap {
                        break;
                    }
                    n += k.len() + 3 + v.compact_len_upto(cap.saturating_sub(n + k.len() + 3));
                }
                n
            }
            Value::Raw(..) => self.parsed().compact_len_upto(cap),
        }
    }

    /// The same value owning all its text, free of the source it was parsed from.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Num(n) => Value::Num(Cow::Owned(n.into_owned())),
            Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
            Value::Arr(items) => Value::Arr(items.into_iter().map(Value::into_owned).collect()),
            Value::Obj(pairs) => Value::Obj(
                pairs
                    .into_iter()
                    .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned()))
                    .collect(),
            ),
            Value::Raw(r, _) => parse(r)
                .expect("validated when the document was parsed")
                .into_owned(),
        }
    }

    /// Compact JSON text of this value.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write_json(self, &mut out);
        out
    }
}

/// Parses a complete JSON document (surrounding whitespace allowed).
pub fn parse(text: &str) -> Result<Value<'_>, ParseError> {
    parse_with(text, 0)
}

/// Parses like [`parse`], but keeps every array or object whose source text
/// is shorter than `raw_below` bytes as [`Value::Raw`].
pub fn parse_lazy(text: &str, raw_below: usize) -> Result<Value<'_>, ParseError> {
    parse_with(text, raw_below)
}

fn parse_with(text: &str, raw_below: usize) -> Result<Value<'_>, ParseError> {
    let mut p = Parser {
        b: text.as_bytes(),
        src: text,
        i: 0,
        raw_below,
        items: Vec::new(),
        pairs: Vec::new(),
        longest: 0,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i != p.b.len() {
        return Err(p.err("trailing characters after the JSON value"));
    }
    Ok(v)
}

struct Parser<'a> {
    b: &'a [u8],
    src: &'a str,
    i: usize,
    /// Containers shorter than this stay [`Value::Raw`].
    raw_below: usize,
    /// The children of open containers that may yet stay text.
    items: Vec<Value<'a>>,
    pairs: Vec<Pair<'a>>,
    /// The longest string literal (as written) in the innermost open container.
    longest: u32,
}

impl<'a> Parser<'a> {
    fn err(&self, reason: &'static str) -> ParseError {
        ParseError {
            offset: self.i,
            reason,
        }
    }

    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    fn eat(&mut self, lit: &[u8]) -> bool {
        if self.b[self.i..].starts_with(lit) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        match self.b.get(self.i) {
            None => Err(self.err("unexpected end of input")),
            Some(c @ (b'{' | b'[')) => {
                // Each container measures its own longest string.
                let outer = std::mem::take(&mut self.longest);
                let v = if *c == b'{' {
                    self.object(depth)
                } else {
                    self.array(depth)
                };
                self.longest = self.longest.max(outer);
                v
            }
            Some(b'"') => self.string().map(Value::Str),
            Some(b't') if self.eat(b"true") => Ok(Value::Bool(true)),
            Some(b'f') if self.eat(b"false") => Ok(Value::Bool(false)),
            Some(b'n') if self.eat(b"null") => Ok(Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err("unexpected character")),
        }
    }

    /// Whether the container that started at `start` is big enough for a
    /// vector of its own (growing as it goes); smaller ones gather their
    /// children on the shared stack and take an exact copy when they close,
    /// or none when they stay text.
    fn is_big(&self, start: usize) -> bool {
        const OWN_FROM: usize = 4096;
        let limit = if self.raw_below > 0 {
            self.raw_below
        } else {
            OWN_FROM
        };
        self.i - start >= limit
    }

    fn object(&mut self, depth: usize) -> Result<Value<'a>, ParseError> {
        let start = self.i;
        self.i += 1;
        // A container that may stay text keeps its children on the shared
        // stack, so a small one allocates nothing; once it is known to be
        // big they move to a vector of its own.
        let base = self.pairs.len();
        let mut own: Option<Vec<Pair<'a>>> = self.is_big(start).then(Vec::new);
        self.ws();
        if self.eat(b"}") {
            return Ok(self.close_object(start, base, own));
        }
        loop {
            self.ws();
            if self.b.get(self.i) != Some(&b'"') {
                return Err(self.err("expected a string key"));
            }
            let key = self.string()?;
            self.ws();
            if !self.eat(b":") {
                return Err(self.err("expected ':' after a key"));
            }
            self.ws();
            let v = self.value(depth + 1)?;
            match &mut own {
                Some(pairs) => pairs.push((key, v)),
                None => {
                    self.pairs.push((key, v));
                    if self.is_big(start) {
                        own = Some(self.pairs.drain(base..).collect());
                    }
                }
            }
            self.ws();
            if self.eat(b",") {
                continue;
            }
            if self.eat(b"}") {
                return Ok(self.close_object(start, base, own));
            }
            return Err(self.err("expected ',' or '}' in an object"));
        }
    }

    fn close_object(&mut self, start: usize, base: usize, own: Option<Vec<Pair<'a>>>) -> Value<'a> {
        match own {
            Some(mut pairs) => {
                // Millions of small objects: growth slack would be most of the tree.
                pairs.shrink_to_fit();
                Value::Obj(pairs)
            }
            None if self.i - start < self.raw_below => {
                self.pairs.truncate(base);
                Value::Raw(&self.src[start..self.i], self.longest)
            }
            None => Value::Obj(self.pairs.drain(base..).collect()),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value<'a>, ParseError> {
        let start = self.i;
        self.i += 1;
        let base = self.items.len();
        let mut own: Option<Vec<Value<'a>>> = self.is_big(start).then(Vec::new);
        self.ws();
        if self.eat(b"]") {
            return Ok(self.close_array(start, base, own));
        }
        loop {
            self.ws();
            let v = self.value(depth + 1)?;
            match &mut own {
                Some(items) => items.push(v),
                None => {
                    self.items.push(v);
                    if self.is_big(start) {
                        own = Some(self.items.drain(base..).collect());
                    }
                }
            }
            self.ws();
            if self.eat(b",") {
                continue;
            }
            if self.eat(b"]") {
                return Ok(self.close_array(start, base, own));
            }
            return Err(self.err("expected ',' or ']' in an array"));
        }
    }

    fn close_array(&mut self, start: usize, base: usize, own: Option<Vec<Value<'a>>>) -> Value<'a> {
        match own {
            Some(mut items) => {
                items.shrink_to_fit();
                Value::Arr(items)
            }
            None if self.i - start < self.raw_below => {
                self.items.truncate(base);
                Value::Raw(&self.src[start..self.i], self.longest)
            }
            None => Value::Arr(self.items.drain(base..).collect()),
        }
    }

    fn number(&mut self) -> Result<Value<'a>, ParseError> {
        let start = self.i;
        self.eat(b"-");
        match self.b.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.err("malformed number")),
        }
        if self.eat(b".") {
            if !matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
                return Err(self.err("malformed number"));
            }
            self.digits();
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
                return Err(self.err("malformed number"));
            }
            self.digits();
        }
        Ok(Value::Num(Cow::Borrowed(&self.src[start..self.i])))
    }

    fn digits(&mut self) {
        while matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
            self.i += 1;
        }
    }

    fn string(&mut self) -> Result<Cow<'a, str>, ParseError> {
        let open = self.i;
        let s = self.string_body()?;
        let written = u32::try_from(self.i - open - 2).unwrap_or(u32::MAX);
        self.longest = self.longest.max(written);
        Ok(s)
    }

    fn string_body(&mut self) -> Result<Cow<'a, str>, ParseError> {
        self.i += 1;
        let first = self.i;
        let mut out = String::new();
        loop {
            let start = self.i;
            // Copy the unescaped run in one go; the source is valid UTF-8.
            while let Some(&c) = self.b.get(self.i) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            if start == first && self.b.get(self.i) == Some(&b'"') {
                // No escape: the string is a slice of the source.
                self.i += 1;
                return Ok(Cow::Borrowed(&self.src[start..self.i - 1]));
            }
            out.push_str(&self.src[start..self.i]);
            match self.b.get(self.i) {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = *self
                        .b
                        .get(self.i)
                        .ok_or_else(|| self.err("unterminated string"))?;
                    self.i += 1;
                    match c {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.unicode_escape()?),
                        _ => return Err(self.err("invalid escape")),
                    }
                }
                Some(_) => return Err(self.err("control character in string")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let s = self
            .b
            .get(self.i..self.i + 4)
            .ok_or_else(|| self.err("short \\u escape"))?;
        let s = std::str::from_utf8(s).map_err(|_| self.err("invalid \\u escape"))?;
        let v = u32::from_str_radix(s, 16).map_err(|_| self.err("invalid \\u escape"))?;
        self.i += 4;
        Ok(v)
    }

    fn unicode_escape(&mut self) -> Result<char, ParseError> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) {
            // A lone surrogate cannot be represented in a Rust string; such
            // documents pass through untouched rather than being altered.
            if !self.eat(b"\\u") {
                return Err(self.err("unpaired surrogate"));
            }
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return Err(self.err("unpaired surrogate"));
            }
            let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
            return char::from_u32(c).ok_or_else(|| self.err("invalid surrogate pair"));
        }
        char::from_u32(hi).ok_or_else(|| self.err("unpaired surrogate"))
    }
}

/// A cursor over JSON text already validated by [`parse_lazy`] (a
/// [`Value::Raw`]): it reads the values one by one without building a tree,
/// for passes that only list an entry's leaves.
pub struct Reader<'a>(Parser<'a>);

impl<'a> Reader<'a> {
    pub fn new(text: &'a str) -> Reader<'a> {
        Reader(Parser {
            b: text.as_bytes(),
            src: text,
            i: 0,
            raw_below: 0,
            items: Vec::new(),
            pairs: Vec::new(),
            longest: 0,
        })
    }

    /// The first byte of the next value (`0` at the end).
    pub fn peek(&mut self) -> u8 {
        self.0.ws();
        self.0.b.get(self.0.i).copied().unwrap_or(0)
    }

    /// Reads the scalar (string, number, `true`, `false`, `null`) at the cursor.
    pub fn scalar(&mut self) -> Value<'a> {
        self.0.ws();
        self.0
            .value(0)
            .expect("validated when the document was parsed")
    }

    /// Steps inside the array or object at the cursor.
    pub fn enter(&mut self) {
        self.0.ws();
        self.0.i += 1;
    }

    /// Inside an object: the next member's key (the cursor then at its
    /// value), or `None` once the object is closed.
    pub fn next_key(&mut self) -> Option<Cow<'a, str>> {
        let p = &mut self.0;
        p.ws();
        if p.eat(b"}") {
            return None;
        }
        p.eat(b",");
        p.ws();
        let key = p
            .string_body()
            .expect("validated when the document was parsed");
        p.ws();
        p.eat(b":");
        Some(key)
    }

    /// Inside an array: whether another item follows (the cursor then at
    /// it); `false` once the array is closed.
    pub fn next_item(&mut self) -> bool {
        let p = &mut self.0;
        p.ws();
        if p.eat(b"]") {
            return false;
        }
        p.eat(b",");
        true
    }

    /// Passes over the value at the cursor.
    pub fn skip(&mut self) {
        match self.peek() {
            b'{' => {
                self.enter();
                while self.next_key().is_some() {
                    self.skip();
                }
            }
            b'[' => {
                self.enter();
                while self.next_item() {
                    self.skip();
                }
            }
            b'"' => {
                // Valid text: the literal ends at the first unescaped quote.
                let b = self.0.b;
                let mut j = self.0.i + 1;
                while let Some(k) = memchr::memchr2(b'"', b'\\', &b[j..]) {
                    j += k;
                    if b[j] == b'"' {
                        break;
                    }
                    j += 2;
                }
                self.0.i = j + 1;
            }
            _ => {
                self.scalar();
            }
        }
    }

    /// A second cursor at the same place, to look ahead with.
    fn fork(&self) -> Reader<'a> {
        let mut r = Reader::new(self.0.src);
        r.0.i = self.0.i;
        r
    }

    /// Whether the container at the cursor has no members.
    pub fn is_empty(&self) -> bool {
        let mut r = self.fork();
        r.enter();
        matches!(r.peek(), b'}' | b']')
    }

    /// How many members the container at the cursor has, and whether all
    /// are scalars; the cursor stays where it is.
    pub fn members(&self) -> (usize, bool) {
        let mut r = self.fork();
        let object = r.peek() == b'{';
        r.enter();
        let (mut n, mut scalars) = (0, true);
        while if object {
            r.next_key().is_some()
        } else {
            r.next_item()
        } {
            n += 1;
            scalars &= !matches!(r.peek(), b'{' | b'[');
            r.skip();
        }
        (n, scalars)
    }

    /// Appends the compact JSON of the value at the cursor, exactly as
    /// [`write_json`] writes its tree, and moves past it.
    pub fn compact(&mut self, out: &mut String) {
        match self.peek() {
            b'{' => {
                self.enter();
                out.push('{');
                let mut first = true;
                while let Some(k) = self.next_key() {
                    if !std::mem::take(&mut first) {
                        out.push(',');
                    }
                    write_str(&k, out);
                    out.push(':');
                    self.compact(out);
                }
                out.push('}');
            }
            b'[' => {
                self.enter();
                out.push('[');
                let mut first = true;
                while self.next_item() {
                    if !std::mem::take(&mut first) {
                        out.push(',');
                    }
                    self.compact(out);
                }
                out.push(']');
            }
            _ => {
                let start = self.0.i;
                let v = self.scalar();
                let written = &self.0.src[start..self.0.i];
                // A literal without escapes is already written as write_str would.
                if matches!(v, Value::Str(_)) && written.contains('\\') {
                    write_json(&v, out);
                } else {
                    out.push_str(written);
                }
            }
        }
    }
}

/// Whether any string literal in the JSON text `raw` (keys included), as
/// written between its quotes (escapes not decoded), satisfies `pred`.
/// Decoding only shortens a string, so a length test on the written form
/// is a safe first filter.
pub fn any_string(raw: &str, pred: impl Fn(&str) -> bool) -> bool {
    let b = raw.as_bytes();
    let mut i = 0;
    while let Some(open) = memchr::memchr(b'"', &b[i..]) {
        let start = i + open + 1;
        let mut j = start;
        while j < b.len() && b[j] != b'"' {
            j += if b[j] == b'\\' { 2 } else { 1 };
        }
        let end = j.min(b.len());
        if pred(&raw[start..end]) {
            return true;
        }
        i = end + 1;
        if i >= b.len() {
            break;
        }
    }
    false
}

/// Appends the compact JSON text of `v`.
pub fn write_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Num(n) => out.push_str(n),
        Value::Str(s) => write_str(s, out),
        Value::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Obj(pairs) => {
            out.push('{');
            for (i, (k, val)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(k, out);
                out.push(':');
                write_json(val, out);
            }
            out.push('}');
        }
        Value::Raw(..) => write_json(&v.parsed(), out),
    }
}

/// Appends `s` as a JSON string literal.
pub fn write_str(s: &str, out: &mut String) {
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let esc = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            c if (c as u32) < 0x20 => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push_str(esc);
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_source_text() {
        let v = parse(r#"[1e400, 12345678901234567890123, -0.0, 1.50]"#).unwrap();
        assert_eq!(v.to_json(), "[1e400,12345678901234567890123,-0.0,1.50]");
    }

    #[test]
    fn duplicate_keys_and_order_survive() {
        let v = parse(r#"{"b":1,"a":2,"b":3}"#).unwrap();
        assert_eq!(v.to_json(), r#"{"b":1,"a":2,"b":3}"#);
    }

    #[test]
    fn escapes_round_trip() {
        let src = r#""a\"b\\c\n\u0001\u00e9\ud83d\ude00\/""#;
        let v = parse(src).unwrap();
        assert_eq!(v, Value::Str("a\"b\\c\n\u{1}é😀/".into()));
        assert_eq!(parse(&v.to_json()).unwrap(), v);
    }

    #[test]
    fn malformed_documents_are_rejected() {
        for bad in [
            "",
            "[1,]",
            "{\"a\" 1}",
            "[1 2]",
            "01",
            "\"\\ud800\"",
            "tru",
            "[1]x",
            "{'a':1}",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn lazy_parse_keeps_small_containers_as_text() {
        let src = r#"{"big": [{"a": 1}, {"b": [2, 3]}, "x", []], "small": {"c": null}}"#;
        let v = parse_lazy(src, 16).unwrap();
        let Value::Obj(pairs) = &v else {
            panic!("the root is long enough to be a tree: {v:?}")
        };
        assert_eq!(pairs[1].1, Value::Raw(r#"{"c": null}"#, 1));
        let Value::Arr(items) = &pairs[0].1 else {
            panic!("{v:?}")
        };
        assert_eq!(items[1], Value::Raw(r#"{"b": [2, 3]}"#, 1));
        assert_eq!(items[3], Value::Raw("[]", 0));
        assert_eq!(v.to_json(), parse(src).unwrap().to_json());
        let mut whole = v.clone();
        whole.materialize();
        assert_eq!(whole, parse(src).unwrap());
        assert_eq!(parse_lazy(src, usize::MAX).unwrap(), Value::Raw(src, 5));
    }

    #[test]
    fn lazy_parse_rejects_what_parse_rejects() {
        for bad in ["[1,]", "[{\"a\" 1}]", "[[1 2]]", "[\"\\ud800\"]", "[{}]x"] {
            assert!(
                parse_lazy(bad, 1 << 20).is_err(),
                "{bad:?} should not parse"
            );
        }
    }

    #[test]
    fn string_literals_are_found_as_written() {
        let raw = r#"{"key": "a \"quoted\" value", "n": 1}"#;
        assert!(any_string(raw, |s| s == r#"a \"quoted\" value"#));
        assert!(!any_string(raw, |s| s.contains(':')));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000);
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn reader_writes_what_write_json_writes_and_counts_members() {
        for text in [
            r#"{ "a" : [ 1 , -2.5e3 , "x\ty\u00e9\"\\\/" ] , "b" : { } , "c" : [ ] , "d" : null }"#,
            r#"[true,false,"plain",{"k\"ey":{"n":[[1],[2,3]]}}]"#,
            r#""\ud83d\ude00""#,
            "  42  ",
        ] {
            let mut out = String::new();
            Reader::new(text).compact(&mut out);
            assert_eq!(out, parse(text).unwrap().to_json(), "{text}");
        }
        let mut r = Reader::new(r#" {"a":1,"b":[2,{"c":"]}"}],"d":"e"}"#);
        assert_eq!(r.members(), (3, false));
        assert!(!r.is_empty());
        r.enter();
        assert_eq!(r.next_key().as_deref(), Some("a"));
        r.skip();
        assert_eq!(r.next_key().as_deref(), Some("b"));
        assert_eq!(r.members(), (2, false));
        r.skip();
        assert_eq!(r.next_key().as_deref(), Some("d"));
        assert_eq!(r.scalar(), Value::Str("e".into()));
        assert_eq!(r.next_key(), None);
        assert_eq!(Reader::new("[1, \"2\", null]").members(), (3, true));
        assert!(Reader::new("[ ]").is_empty());
    }
}
