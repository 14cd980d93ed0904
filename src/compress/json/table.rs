//! The table form: JSON in which arrays of similar objects become tables.
//!
//! Models read a header once and then one line per item far more cheaply than
//! the same keys repeated in every object. The grammar is exact, so a table
//! can always be decoded back to the JSON it came from ([`decode`]):
//!
//! ```text
//! [3]{id,user{login,site_admin=false},state=open,title}
//! 1,octocat,"Found a bug, again"
//! 2,hubot,Fix typo
//! [headroom: 1 of 3 items omitted; retrieve: headroom retrieve 3f9a1c2b7d4e8a01]
//! ```
//!
//! * `[N]` is the number of rows that follow; marker lines (`[headroom: …]`)
//!   stand where rows were omitted and are not counted.
//! * `{…}` lists the columns in key order (JSON objects are unordered; a row
//!   whose keys came in another order reads back with the column order). `name=cell` is a column with the
//!   same value in every row, printed once. `name{…}` is an object present in
//!   every row, flattened into its own columns.
//! * A cell is JSON (`"quoted"`, `12`, `true`, `null`, `[…]`, `{…}`) or a bare
//!   string, which is taken literally; an empty cell means the key is absent.
//!   Strings that could be mistaken for anything else are quoted.
//! * Outside tables the text is compact JSON; a table stands where its array
//!   stood, on lines of its own.

use std::collections::HashMap;

use super::value::{self, Pair, Value, write_json, write_str};

/// The key of the sentinel object that stands for omitted items in JSON form.
pub const SENTINEL_KEY: &str = "_headroom";

/// Arrays whose objects have more distinct keys than this are not tables.
const MAX_COLUMNS: usize = 256;

/// Nested objects deeper than this stay inline JSON cells.
const MAX_FLATTEN_DEPTH: usize = 3;

/// If `v` is a sentinel `{"_headroom": "…"}`, the marker text it carries.
pub fn sentinel_text<'v>(v: &'v Value<'_>) -> Option<&'v str> {
    match v {
        Value::Obj(pairs) if pairs.len() == 1 && pairs[0].0 == SENTINEL_KEY => pairs[0].1.as_str(),
        _ => None,
    }
}

/// Renders `v` in table form. `cost` measures a candidate text (in tokens) so
/// that each array becomes a table only when that is smaller.
pub fn render(v: &Value, cost: &dyn Fn(&str) -> usize) -> String {
    let mut out = String::new();
    render_value(v, &mut out, cost);
    while out.ends_with('\n') {
        out.pop();
    }
    out
}

fn render_value(v: &Value, out: &mut String, cost: &dyn Fn(&str) -> usize) {
    match v {
        Value::Arr(items) => {
            if let Some(table) = Table::build(items) {
                let mut text = String::new();
                table.write(items, &mut text);
                let mut json = String::new();
                write_json(v, &mut json);
                // A table 30% shorter is cheaper in tokens too; count only close calls.
                let smaller = text.len() * 10 <= json.len() * 7
                    || (text.len() < json.len() && cost(&text) < cost(&json));
                if smaller {
                    if !out.is_empty() && !out.ends_with('\n') {
                        out.push('\n');
                    }
                    out.push_str(&text);
                    return;
                }
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                render_value(item, out, cost);
            }
            out.push(']');
        }
        Value::Obj(pairs) => {
            out.push('{');
            for (i, (k, item)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(k, out);
                out.push(':');
                render_value(item, out, cost);
            }
            out.push('}');
        }
        scalar => write_json(scalar, out),
    }
}

#[derive(Debug)]
struct Table<'v> {
    cols: Vec<Column<'v>>,
}

#[derive(Debug)]
struct Column<'v> {
    name: String,
    kind: ColumnKind<'v>,
}

#[derive(Debug)]
enum ColumnKind<'v> {
    Plain,
    Constant(&'v Value<'v>),
    Nested(Table<'v>),
}

impl<'v> Table<'v> {
    /// A table for `items` if they are all objects (or sentinels) whose keys
    /// fit one column order; `None` if the array cannot be a table exactly.
    fn build(items: &'v [Value<'v>]) -> Option<Table<'v>> {
        let mut rows = Vec::with_capacity(items.len());
        for item in items {
            match item {
                _ if sentinel_text(item).is_some() => {}
                Value::Obj(pairs) => rows.push(pairs.as_slice()),
                _ => return None,
            }
        }
        if rows.len() < 2 {
            return None;
        }
        // A table whose every column is constant would print rows as empty
        // lines; identical items are the lossy stage's job, not a table's.
        Table::from_rows(&rows, 0).filter(Table::has_varying_column)
    }

    fn has_varying_column(&self) -> bool {
        self.cols.iter().any(|c| match &c.kind {
            ColumnKind::Plain => true,
            ColumnKind::Constant(_) => false,
            ColumnKind::Nested(t) => t.has_varying_column(),
        })
    }

    fn from_rows(rows: &[&'v [Pair<'v>]], depth: usize) -> Option<Table<'v>> {
        let names = column_order(rows)?;
        let mut cols = Vec::with_capacity(names.len());
        let mut cursors = vec![0; rows.len()];
        for name in names {
            let cells: Vec<Option<&'v Value<'v>>> = rows
                .iter()
                .zip(&mut cursors)
                .map(|(r, at)| lookup(r, &name, at))
                .collect();
            let kind = if cells.iter().all(Option::is_some) {
                let first = cells[0].unwrap();
                if cells.iter().all(|c| *c == Some(first)) {
                    ColumnKind::Constant(first)
                } else {
                    nested(&cells, depth).unwrap_or(ColumnKind::Plain)
                }
            } else {
                ColumnKind::Plain
            };
            cols.push(Column { name, kind });
        }
        Some(Table { cols })
    }

    fn write(&self, items: &[Value], out: &mut String) {
        let rows = items.iter().filter(|v| sentinel_text(v).is_none()).count();
        out.push_str(&format!("[{rows}]"));
        self.write_header(out);
        out.push('\n');
        for item in items {
            if let Some(marker) = sentinel_text(item) {
                out.push_str(&crate::ccr::marker_line(marker));
            } else if let Value::Obj(pairs) = item {
                let mut first = true;
                self.write_cells(pairs, &mut first, out);
            }
            out.push('\n');
        }
    }

    fn write_header(&self, out: &mut String) {
        out.push('{');
        for (i, col) in self.cols.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_name(&col.name, out);
            match &col.kind {
                ColumnKind::Plain => {}
                ColumnKind::Constant(v) => {
                    out.push('=');
                    write_cell(Some(*v), out);
                }
                ColumnKind::Nested(t) => t.write_header(out),
            }
        }
        out.push('}');
    }

    fn write_cells(&self, pairs: &[Pair], first: &mut bool, out: &mut String) {
        let mut at = 0;
        for col in &self.cols {
            match &col.kind {
                ColumnKind::Constant(_) => {}
                ColumnKind::Nested(t) => {
                    if let Some(Value::Obj(inner)) = lookup(pairs, &col.name, &mut at) {
                        t.write_cells(inner, first, out);
                    }
                }
                ColumnKind::Plain => {
                    if !*first {
                        out.push(',');
                    }
                    *first = false;
                    write_cell(lookup(pairs, &col.name, &mut at), out);
                }
            }
        }
    }
}

/// The value of `key` in a row, looked up in column order: `at` is where the
/// previous column was found, so rows whose keys follow the columns (nearly
/// all) cost one comparison per column instead of a scan.
fn lookup<'a, 'v>(pairs: &'a [Pair<'v>], key: &str, at: &mut usize) -> Option<&'a Value<'v>> {
    if let Some((k, v)) = pairs.get(*at)
        && k == key
    {
        *at += 1;
        return Some(v);
    }
    let i = pairs.iter().position(|(k, _)| k == key)?;
    *at = i + 1;
    Some(&pairs[i].1)
}

/// A column of objects present in every row flattens into a nested table
/// when their keys fit one order and at least one sub-column varies.
fn nested<'v>(cells: &[Option<&'v Value<'v>>], depth: usize) -> Option<ColumnKind<'v>> {
    if depth + 1 >= MAX_FLATTEN_DEPTH {
        return None;
    }
    let mut rows = Vec::with_capacity(cells.len());
    for c in cells {
        match c {
            Some(Value::Obj(pairs)) if !pairs.is_empty() && sentinel_text(c.unwrap()).is_none() => {
                rows.push(pairs.as_slice())
            }
            _ => return None,
        }
    }
    // Empty objects are excluded above: flattened, `{}` would read back as
    // an object with every sub-column absent, which is the same thing, but
    // a column of only empty objects has no sub-columns to print.
    Table::from_rows(&rows, depth + 1).map(ColumnKind::Nested)
}

/// The column order: one that every row's keys follow when there is one
/// (keys ordered topologically by each row's "comes after" relation, ties
/// broken by first appearance), else first appearance. JSON objects are
/// unordered, so a row whose keys disagree still decodes to the same object,
/// with its keys in column order. `None` when a row repeats a key, or when
/// the rows share too few keys to be a table: more than [`MAX_COLUMNS`]
/// columns, or a grid less than half filled (keys that are data, like
/// `{"sku":"S1","k17":1}`, would make a column per item and a
/// quadratic, mostly empty grid).
fn column_order(rows: &[&[Pair]]) -> Option<Vec<String>> {
    let cells: usize = rows.iter().map(|r| r.len()).sum();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut names: Vec<&str> = Vec::new();
    let mut edges: Vec<Vec<usize>> = Vec::new();
    let mut indegree: Vec<usize> = Vec::new();
    let mut seen_in_row: Vec<usize> = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        let mut prev: Option<usize> = None;
        for (k, _) in row.iter() {
            let id = *index.entry(k.as_ref()).or_insert_with(|| {
                names.push(k);
                edges.push(Vec::new());
                indegree.push(0);
                seen_in_row.push(usize::MAX);
                names.len() - 1
            });
            if seen_in_row[id] == r || names.len() > MAX_COLUMNS {
                return None; // a duplicate key cannot be a column
            }
            seen_in_row[id] = r;
            if let Some(p) = prev.filter(|&p| !edges[p].contains(&id)) {
                edges[p].push(id);
                indegree[id] += 1;
            }
            prev = Some(id);
        }
    }
    if rows.len() * names.len() > 2 * cells {
        return None;
    }
    // Kahn's algorithm; the ready set is kept sorted by first appearance.
    let mut ready: std::collections::BTreeSet<usize> =
        (0..names.len()).filter(|&i| indegree[i] == 0).collect();
    let mut order = Vec::with_capacity(names.len());
    while let Some(id) = ready.pop_first() {
        order.push(names[id].to_string());
        for &next in &edges[id] {
            indegree[next] -= 1;
            if indegree[next] == 0 {
                ready.insert(next);
            }
        }
    }
    if order.len() < names.len() {
        return Some(names.iter().map(|n| n.to_string()).collect());
    }
    Some(order)
}

fn write_name(name: &str, out: &mut String) {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '$' | '@' | '/'))
        && !name.starts_with(|c: char| c.is_ascii_digit() || c == '-');
    if bare {
        out.push_str(name);
    } else {
        write_str(name, out);
    }
}

fn write_cell(v: Option<&Value>, out: &mut String) {
    match v {
        None => {}
        Some(Value::Str(s)) if is_bare(s) => out.push_str(s),
        Some(v) => write_json(v, out),
    }
}

/// Whether `s` can be written without quotes and read back as the same string.
fn is_bare(s: &str) -> bool {
    let (Some(first), Some(last)) = (s.chars().next(), s.chars().last()) else {
        return false;
    };
    !first.is_whitespace()
        && !last.is_whitespace()
        && !matches!(first, '"' | '[' | '{')
        && !s.contains(|c: char| matches!(c, ',' | '}') || c.is_control())
        && !matches!(s, "true" | "false" | "null")
        && !looks_like_number(s)
}

fn looks_like_number(s: &str) -> bool {
    matches!(value::parse(s), Ok(Value::Num(_)))
}

/// Reads table-form text back into JSON: the inverse of [`render`] for
/// lossless output. Marker lines become sentinel objects.
pub fn decode(text: &str) -> Result<Value<'_>, String> {
    let mut d = Decoder { s: text, i: 0 };
    let v = d.value()?;
    d.ws();
    if d.i != d.s.len() {
        return Err(format!("trailing text at {}", d.i));
    }
    Ok(v)
}

struct Decoder<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Decoder<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.i..]
    }

    fn ws(&mut self) {
        let t = self.rest().trim_start_matches([' ', '\t', '\n', '\r']);
        self.i = self.s.len() - t.len();
    }

    fn value(&mut self) -> Result<Value<'a>, String> {
        self.ws();
        let r = self.rest();
        if let Some(rows) = table_header_rows(r) {
            return self.table(rows);
        }
        match r.as_bytes().first() {
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.rest().starts_with(']') {
                    self.i += 1;
                    return Ok(Value::Arr(items));
                }
                loop {
                    items.push(self.value()?);
                    self.ws();
                    if self.eat(",") {
                        continue;
                    }
                    if self.eat("]") {
                        return Ok(Value::Arr(items));
                    }
                    return Err(format!("expected , or ] at {}", self.i));
                }
            }
            Some(b'{') => {
                self.i += 1;
                let mut pairs = Vec::new();
                self.ws();
                if self.eat("}") {
                    return Ok(Value::Obj(pairs));
                }
                loop {
                    self.ws();
                    let Value::Str(k) = self.json_prefix()? else {
                        return Err("expected a key".into());
                    };
                    self.ws();
                    if !self.eat(":") {
                        return Err(format!("expected : at {}", self.i));
                    }
                    let v = self.value()?;
                    pairs.push((k, v));
                    self.ws();
                    if self.eat(",") {
                        continue;
                    }
                    if self.eat("}") {
                        return Ok(Value::Obj(pairs));
                    }
                    return Err(format!("expected , or }} at {}", self.i));
                }
            }
            _ => self.json_prefix(),
        }
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.rest().starts_with(lit) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    /// Parses the longest JSON scalar/container at the cursor.
    fn json_prefix(&mut self) -> Result<Value<'a>, String> {
        let r = self.rest();
        let end = json_value_len(r).ok_or_else(|| format!("bad value at {}", self.i))?;
        let v = value::parse(&r[..end]).map_err(|e| format!("{} at {}", e.reason, self.i))?;
        self.i += end;
        Ok(v)
    }

    fn table(&mut self, rows: usize) -> Result<Value<'a>, String> {
        self.i += self.rest().find(']').unwrap() + 1;
        let schema = self.header()?;
        if !self.eat("\n") {
            return Err("expected a newline after the header".into());
        }
        let mut items = Vec::new();
        let mut seen = 0;
        while seen < rows || self.rest().starts_with("[headroom: ") {
            let line_end = self.rest().find('\n').unwrap_or(self.rest().len());
            let line = &self.s[self.i..self.i + line_end];
            if let Some(text) = crate::ccr::parse_marker_line(line) {
                items.push(Value::Obj(vec![(
                    SENTINEL_KEY.into(),
                    Value::Str(text.into()),
                )]));
            } else {
                let mut cells = CellReader {
                    s: line,
                    i: 0,
                    first: true,
                };
                items.push(Value::Obj(schema.read_row(&mut cells)?));
                if cells.i != line.len() {
                    return Err(format!("row has extra cells: {line:?}"));
                }
                seen += 1;
            }
            self.i += line_end;
            if !self.eat("\n") {
                break;
            }
        }
        Ok(Value::Arr(items))
    }

    fn header(&mut self) -> Result<DecodedTable<'a>, String> {
        if !self.eat("{") {
            return Err("expected { in a table header".into());
        }
        let mut cols = Vec::new();
        if self.eat("}") {
            return Ok(DecodedTable { cols });
        }
        loop {
            let name = if self.rest().starts_with('"') {
                match self.json_prefix()? {
                    Value::Str(s) => s.into_owned(),
                    _ => return Err("bad column name".into()),
                }
            } else {
                let r = self.rest();
                let end = r.find(['=', '{', ',', '}']).ok_or("unterminated header")?;
                let name = r[..end].to_string();
                self.i += end;
                name
            };
            let kind = if self.eat("=") {
                let mut cr = CellReader {
                    s: self.s,
                    i: self.i,
                    first: true,
                };
                let v = cr.cell(&['}', ','])?.ok_or("empty constant")?;
                self.i = cr.i;
                DecodedKind::Constant(v)
            } else if self.rest().starts_with('{') {
                DecodedKind::Nested(self.header()?)
            } else {
                DecodedKind::Plain
            };
            cols.push((name, kind));
            if self.eat(",") {
                continue;
            }
            if self.eat("}") {
                return Ok(DecodedTable { cols });
            }
            return Err(format!("bad header at {}", self.i));
        }
    }
}

struct DecodedTable<'a> {
    cols: Vec<(String, DecodedKind<'a>)>,
}

enum DecodedKind<'a> {
    Plain,
    Constant(Value<'a>),
    Nested(DecodedTable<'a>),
}

impl<'a> DecodedTable<'a> {
    fn read_row(&self, cells: &mut CellReader<'a>) -> Result<Vec<Pair<'a>>, String> {
        let mut pairs = Vec::new();
        for (name, kind) in &self.cols {
            match kind {
                DecodedKind::Constant(v) => pairs.push((name.clone().into(), v.clone())),
                DecodedKind::Nested(t) => {
                    pairs.push((name.clone().into(), Value::Obj(t.read_row(cells)?)))
                }
                DecodedKind::Plain => {
                    if !cells.first && !cells.s[cells.i..].starts_with(',') {
                        return Err(format!("missing cell for {name}"));
                    }
                    if !cells.first {
                        cells.i += 1;
                    }
                    cells.first = false;
                    if let Some(v) = cells.cell(&[','])? {
                        pairs.push((name.clone().into(), v));
                    }
                }
            }
        }
        Ok(pairs)
    }
}

struct CellReader<'a> {
    s: &'a str,
    i: usize,
    first: bool,
}

impl<'a> CellReader<'a> {
    /// One cell ending before any of `stops` or the end of the line.
    fn cell(&mut self, stops: &[char]) -> Result<Option<Value<'a>>, String> {
        let r: &'a str = &self.s[self.i..];
        if r.starts_with(['"', '[', '{']) {
            let end = json_value_len(r).ok_or("bad JSON cell")?;
            let v = value::parse(&r[..end]).map_err(|e| e.reason.to_string())?;
            self.i += end;
            return Ok(Some(v));
        }
        let end = r
            .find(|c: char| stops.contains(&c) || c == '\n')
            .unwrap_or(r.len());
        let raw = &r[..end];
        self.i += end;
        if raw.is_empty() {
            return Ok(None);
        }
        Ok(Some(match value::parse(raw) {
            Ok(v) if v.is_scalar() => v,
            _ => Value::Str(raw.into()),
        }))
    }
}

/// If `r` starts with a table header `[N]{`, the row count N.
fn table_header_rows(r: &str) -> Option<usize> {
    let rest = r.strip_prefix('[')?;
    let end = rest.find(']')?;
    let digits = &rest[..end];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    rest[end + 1..]
        .starts_with('{')
        .then(|| digits.parse().ok())?
}

/// Length of the JSON value at the start of `r` (strings, containers,
/// literals and numbers), found by scanning brackets outside strings.
fn json_value_len(r: &str) -> Option<usize> {
    let b = r.as_bytes();
    match b.first()? {
        b'"' => {
            let mut i = 1;
            while i < b.len() {
                match b[i] {
                    b'\\' => i += 2,
                    b'"' => return Some(i + 1),
                    _ => i += 1,
                }
            }
            None
        }
        b'[' | b'{' => {
            let mut depth = 0usize;
            let mut i = 0;
            while i < b.len() {
                match b[i] {
                    b'"' => i += json_value_len(&r[i..])? - 1,
                    b'[' | b'{' => depth += 1,
                    b']' | b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => Some(r.find([',', ']', '}', '\n', ' ']).unwrap_or(r.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(s: &str) -> usize {
        s.len()
    }

    fn roundtrip(src: &str) -> String {
        let v = value::parse(src).unwrap();
        let text = render(&v, &bytes);
        assert_eq!(decode(&text).unwrap(), v, "table text:\n{text}");
        text
    }

    #[test]
    fn uniform_objects_become_a_table() {
        let text = roundtrip(
            r#"[{"id":1,"name":"alice","ok":true},{"id":2,"name":"bob","ok":false},{"id":3,"name":"carol, jr","ok":true}]"#,
        );
        assert_eq!(
            text,
            "[3]{id,name,ok}\n1,alice,true\n2,bob,false\n3,\"carol, jr\",true"
        );
    }

    #[test]
    fn constants_nesting_and_absent_keys() {
        let text = roundtrip(
            r#"{"total":3,"items":[{"id":1,"user":{"login":"a","admin":false},"state":"open","note":"x"},{"id":2,"user":{"login":"b","admin":false},"state":"open"},{"id":3,"user":{"login":"c","admin":false},"state":"open","note":null}]}"#,
        );
        assert_eq!(
            text,
            "{\"total\":3,\"items\":\n[3]{id,user{login,admin=false},state=open,note}\n1,a,x\n2,b,\n3,c,null\n}"
        );
    }

    #[test]
    fn ambiguous_strings_are_quoted() {
        roundtrip(
            r#"[{"a":"1","b":"true","c":"","d":" x","e":"[y]","f":"a}b","g":"null"},{"a":"2","b":"false","c":"q","d":"y ","e":"{z","f":"é","g":"nul"}]"#,
        );
    }

    #[test]
    fn key_order_follows_rows_where_possible() {
        // a,c / b,c / a,b: the order a,b,c fits every row.
        let text = roundtrip(r#"[{"a":1,"c":2},{"b":3,"c":4},{"a":5,"b":6},{"a":7,"b":8,"c":9}]"#);
        assert!(text.starts_with("[4]{a,b,c}"), "{text}");
        // b,a after a,b: no order fits both; columns follow first appearance.
        let v =
            value::parse(r#"[{"a":1,"b":2,"c":"x"},{"b":3,"a":4,"c":"y"},{"a":5,"b":6,"c":"z"}]"#)
                .unwrap();
        let text = render(&v, &bytes);
        assert!(text.starts_with("[3]{a,b,c}"), "{text}");
        assert_eq!(decode(&text).unwrap().canonical(), v.canonical());
    }

    #[test]
    fn markers_stand_on_their_own_lines() {
        let src = r#"[{"a":1,"b":"x"},{"_headroom":"5 of 7 items omitted; retrieve: headroom retrieve 0123456789abcdef"},{"a":7,"b":"y"}]"#;
        let text = roundtrip(src);
        assert_eq!(
            text,
            "[2]{a,b}\n1,x\n[headroom: 5 of 7 items omitted; retrieve: headroom retrieve 0123456789abcdef]\n7,y"
        );
    }
}
