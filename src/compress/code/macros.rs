//! C and C++ annotation macros, blanked out so tree-sitter can parse the file.
//!
//! Real C++ is full of macros the grammar cannot know: lock annotations
//! (`size_t usage_ GUARDED_BY(mutex_);`, `void F() EXCLUSIVE_LOCKS_REQUIRED(mu_);`)
//! and export markers (`class LEVELDB_EXPORT Cache {`, `DLL_API int f(void);`).
//! Each leaves an error node, and a file with errors in its declarations
//! cannot be outlined. Replacing such a macro by spaces of the same length
//! gives text the grammar parses, with every byte offset unchanged, so the
//! tree still describes the original text, which is what the outline copies.

use std::sync::LazyLock;

use regex::Regex;

/// An all-caps identifier: the shape of a macro.
static MACRO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[A-Z][A-Z0-9_]*[A-Z0-9]\b").expect("valid regex"));

/// Suffixes of export/visibility macros that stand before a declaration.
const EXPORT_SUFFIXES: &[&str] = &["EXPORT", "API", "EXTERN", "DLL", "PUBLIC", "INLINE"];

/// `text` with annotation macros blanked, or `None` if it has none. Export
/// macros between `class` and the class name are always blanked: the
/// grammar reads `class FOO_EXPORT Cache { … }` as a function named `Cache`
/// without an error. Other annotations only on the rows where a parse found
/// errors (`error_rows`; a macro's error is reported on its row or the
/// next), so a second parse is only paid for where it can help.
pub fn mask(text: &str, error_rows: &[usize]) -> Option<String> {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
        .collect();
    let row_of = |offset: usize| starts.partition_point(|&s| s <= offset) - 1;
    let near_error = |offset: usize| {
        let row = row_of(offset);
        error_rows.iter().any(|&e| e == row || e == row + 1)
    };
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for m in MACRO.find_iter(text) {
        let name = m.as_str();
        if name.len() < 3 || !name.contains('_') && !EXPORT_SUFFIXES.contains(&name) {
            continue;
        }
        match annotation_end(text, m.start(), m.end()) {
            Some(Annotation::OfClass(end)) => spans.push((m.start(), end)),
            Some(Annotation::Other(end)) if near_error(m.start()) => spans.push((m.start(), end)),
            _ => {}
        }
    }
    if spans.is_empty() {
        return None;
    }
    let mut out = text.as_bytes().to_vec();
    for (start, end) in spans {
        for b in &mut out[start..end] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    }
    // Only ASCII bytes were replaced by ASCII spaces.
    String::from_utf8(out).ok()
}

/// Where an annotation macro (with its arguments) ends.
enum Annotation {
    /// `class FOO_EXPORT Name`.
    OfClass(usize),
    Other(usize),
}

/// Where the macro at `start..end` (with its arguments) ends, if it stands
/// where an annotation does.
fn annotation_end(text: &str, start: usize, end: usize) -> Option<Annotation> {
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let before = text[line_start..start].trim_end_matches([' ', '\t']);
    if before.trim_start().starts_with('#') {
        return None; // a preprocessor line defines or tests macros
    }
    let prev_word = before
        .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("");
    let after_name = &text[end..];
    let args = balanced_args(after_name);
    let after = after_name[args..].trim_start_matches([' ', '\t']);
    let next = after.chars().next();
    let export = EXPORT_SUFFIXES
        .iter()
        .any(|s| text[start..end].ends_with(s));
    // `class LEVELDB_EXPORT Cache {`
    if matches!(prev_word, "class" | "struct" | "union") && args == 0 {
        return next
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            .then_some(Annotation::OfClass(end));
    }
    // `LEVELDB_EXPORT Cache* NewLRUCache(size_t capacity);` at line start.
    if before.is_empty() {
        let declares = export && args == 0 && next.is_some_and(|c| c.is_alphabetic() || c == '_');
        return declares.then_some(Annotation::Other(end));
    }
    // `size_t usage_ GUARDED_BY(mutex_);`, `void Ref() LOCKS_EXCLUDED(mu_) {`
    let after_declarator = before.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ')')
        && !matches!(
            prev_word,
            "return" | "case" | "goto" | "sizeof" | "new" | "delete"
        );
    let ends_declaration = match next {
        None | Some('\n' | '\r' | ';' | '{' | '=' | ',') => true,
        Some(c) => c.is_ascii_uppercase() && MACRO.find(after).is_some_and(|m| m.start() == 0),
    };
    (after_declarator && ends_declaration).then_some(Annotation::Other(end + args))
}

/// The length of a balanced `( … )` at the start of `s` (after spaces), on
/// one line, or 0.
fn balanced_args(s: &str) -> usize {
    let trimmed = s.trim_start_matches([' ', '\t']);
    if !trimmed.starts_with('(') {
        return 0;
    }
    let skipped = s.len() - trimmed.len();
    let mut depth = 0usize;
    for (i, c) in trimmed.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return skipped + i + 1;
                }
            }
            '\n' | ';' | '{' | '}' => return 0,
            _ => {}
        }
    }
    0
}

#[cfg(test)]
mod tests {
    /// Every row, as if the whole text had errors.
    fn mask(text: &str) -> Option<String> {
        let rows: Vec<usize> = (0..=text.lines().count()).collect();
        super::mask(text, &rows)
    }

    #[test]
    fn lock_annotations_and_export_macros_are_blanked() {
        let src = "class LEVELDB_EXPORT Cache {\n  size_t usage_ GUARDED_BY(mutex_);\n  void Ref(LRUHandle* e) EXCLUSIVE_LOCKS_REQUIRED(mutex_);\n};\nDLL_API int f(void);\n";
        let blank = |s: &str| " ".repeat(s.len());
        let masked = mask(src).unwrap();
        assert_eq!(masked.len(), src.len());
        let class_only = super::mask(src, &[]).unwrap();
        assert_eq!(
            class_only,
            src.replace("LEVELDB_EXPORT", &blank("LEVELDB_EXPORT")),
            "without errors, only the class's export macro"
        );
        let mut expected = src.to_string();
        for m in [
            "LEVELDB_EXPORT",
            "GUARDED_BY(mutex_)",
            "EXCLUSIVE_LOCKS_REQUIRED(mutex_)",
            "DLL_API",
        ] {
            expected = expected.replace(m, &blank(m));
        }
        assert_eq!(masked, expected);
    }

    #[test]
    fn calls_constants_and_statements_are_left_alone() {
        for src in [
            "int x = MAX_SIZE;\n",
            "  return ERR_NONE;\n",
            "  EXPECT_EQ(a, b);\n",
            "#define MY_MACRO(x) (x)\n",
            "  case STATE_IDLE:\n",
            "  f(MAX_SIZE, 2);\n",
            "#define HAVE_FEATURE_X\n",
            "#ifdef HAVE_FEATURE_X\n",
        ] {
            assert_eq!(mask(src), None, "{src}");
        }
    }
}
