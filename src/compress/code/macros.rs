//! C and C++ annotation macros, blanked out so tree-sitter can parse the file.
//!
//! Real C++ is full of macros the grammar cannot know: lock annotations
//! (`size_t usage_ GUARDED_BY(mutex_);`, `void F() EXCLUSIVE_LOCKS_REQUIRED(mu_);`)
//! and export markers (`class LEVELDB_EXPORT Cache {`, `DLL_API int f(void);`),
//! and, in any case, names where no C or C++ name can stand: before a
//! storage class (`mi_decl_export static void* f(void)`), after a
//! declarator (`void* f(size_t n) mi_attr_noexcept {`), or supplying a
//! condition's parentheses (`if mi_unlikely(p == NULL) {`).
//! Each leaves an error node, and a file with errors in its declarations
//! cannot be outlined. Replacing such a macro by spaces of the same length
//! gives text the grammar parses, with every byte offset unchanged, so the
//! tree still describes the original text, which is what the outline copies.

use std::sync::LazyLock;

use regex::Regex;

/// An all-caps identifier: the shape of a macro.
static MACRO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[A-Z][A-Z0-9_]*[A-Z0-9]\b").expect("valid regex"));

/// Any identifier (lowercase macros too: `mi_decl_export`, `__init`) at
/// the start of a line, right before a storage class or a basic type:
/// `mi_decl_nodiscard extern inline void* mi_malloc(size_t n)`. No C or C++
/// declaration puts a name there.
static BEFORE_SPECIFIER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?m)^[ \t]*((?:[A-Za-z_][A-Za-z0-9_]*(?:\([^()\n]*\))?[ \t]+)+)(?:extern|static|inline|void|int|char|unsigned|signed|long|short|float|double|bool|struct|enum|union)\b",
    )
    .expect("valid regex")
});

/// A macro that supplies a condition's parentheses: `if mi_unlikely(p == NULL) {`.
static CONDITION_MACRO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:if|while)[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*\(").expect("valid regex")
});

/// An identifier, with its arguments if it has some.
static WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z_][A-Za-z0-9_]*(?:\([^()\n]*\))?").expect("valid regex"));

/// Any identifier between a declarator's `)` and the `{` or `;` that ends
/// the line: `void* mi_malloc(size_t n) mi_attr_noexcept {`.
static AFTER_DECLARATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)\)[ \t]+([A-Za-z_][A-Za-z0-9_]*(?:\([^()\n]*\))?)[ \t]*[{;]?[ \t]*\r?$")
        .expect("valid regex")
});

/// Words of the languages that may stand in those places.
const KEYWORDS: &[&str] = &[
    "auto",
    "break",
    "case",
    "char",
    "class",
    "const",
    "constexpr",
    "consteval",
    "constinit",
    "continue",
    "default",
    "delete",
    "do",
    "double",
    "else",
    "enum",
    "explicit",
    "extern",
    "final",
    "float",
    "friend",
    "goto",
    "if",
    "inline",
    "int",
    "long",
    "mutable",
    "namespace",
    "new",
    "noexcept",
    "operator",
    "override",
    "private",
    "protected",
    "public",
    "register",
    "requires",
    "restrict",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "struct",
    "switch",
    "template",
    "throw",
    "try",
    "typedef",
    "typename",
    "union",
    "unsigned",
    "using",
    "virtual",
    "void",
    "volatile",
    "while",
    "asm",
    "__asm__",
    "__attribute__",
    "co_return",
    "co_await",
    "co_yield",
    "export",
    "module",
    "import",
    "bool",
];

/// Suffixes of export/visibility macros that stand before a declaration.
const EXPORT_SUFFIXES: &[&str] = &[
    "EXPORT",
    "EXPORTVA",
    "API",
    "EXTERN",
    "DLL",
    "PUBLIC",
    "INLINE",
    "DEPRECATED",
    "EXPERIMENTAL",
    "CDECL",
    "APICALL",
    "STDCALL",
];

/// Short calling-convention and pointer-size words of old Windows-era
/// headers (`typedef z_stream FAR *z_streamp;`).
const CONVENTION_WORDS: &[&str] = &["FAR", "NEAR", "WINAPI", "CALLBACK", "APIENTRY"];

/// Reserved identifiers (`__name`) the grammars know; any other one is a
/// library's macro (`__THROW`, `__wur`, `__nonnull ((1))`, `__BEGIN_DECLS`).
const GRAMMAR_RESERVED: &[&str] = &[
    "__alignof",
    "__alignof__",
    "__asm",
    "__asm__",
    "__attribute",
    "__attribute__",
    "__based",
    "__cdecl",
    "__clrcall",
    "__declspec",
    "__except",
    "__extension__",
    "__fastcall",
    "__finally",
    "__forceinline",
    "__inline",
    "__inline__",
    "__leave",
    "__restrict",
    "__restrict__",
    "__sptr",
    "__stdcall",
    "__thiscall",
    "__thread",
    "__try",
    "__unaligned",
    "__uptr",
    "__vectorcall",
    "__volatile__",
    "__typeof__",
    "__typeof",
    "__int128",
];

/// A reserved identifier: glibc's annotation macros and its types alike.
static RESERVED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b__[A-Za-z0-9_]+\b").expect("valid regex"));

/// glibc's declarator macros that give a function an assembler name.
static REDIRECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b__REDIRECT(?:_NTH|_NTHNL|_FORTIFY|_FORTIFY_NTH)?[ \t]*\(").expect("valid regex")
});

/// Clang's nullability qualifiers, which the grammars do not know.
static NULLABILITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:_Nullable|_Null_unspecified|_Nullable_result)\b").expect("valid regex")
});

/// A macro that supplies a prototype's parameter list:
/// `int deflate OF((z_streamp strm, int flush));`, `int f __P((int x));`.
static PARAMS_MACRO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9_)][ \t]*\b(OF|__P|_ANSI_ARGS_|PARAMS|_PROTO)[ \t]*\(\(")
        .expect("valid regex")
});

/// `text` with annotation macros blanked, or `None` if it has none.
pub fn mask(text: &str) -> Option<String> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for m in MACRO.find_iter(text) {
        let name = m.as_str();
        let short_word = CONVENTION_WORDS.contains(&name);
        if !short_word
            && (name.len() < 3
                || !name.contains('_') && !EXPORT_SUFFIXES.iter().any(|s| name.ends_with(s)))
        {
            continue;
        }
        if let Some(end) = annotation_end(text, m.start(), m.end()) {
            spans.push((m.start(), end));
        }
    }
    // (rule, whether its match may be a statement such as `if (p) free(p);`)
    for (re, may_be_statement) in [
        (&*BEFORE_SPECIFIER, false),
        (&*AFTER_DECLARATOR, true),
        (&*CONDITION_MACRO, false),
    ] {
        for run in re.captures_iter(text).filter_map(|c| c.get(1)) {
            if in_comment_or_directive(text, run.start())
                || (may_be_statement && after_control(text, run.start()))
            {
                continue;
            }
            for word in WORD.find_iter(run.as_str()) {
                let name = word.as_str().split('(').next().unwrap_or_default();
                if !KEYWORDS.contains(&name) {
                    spans.push((run.start() + word.start(), run.start() + word.end()));
                }
            }
        }
    }
    spans.extend(header_spans(text));
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

/// The text of `at`'s line before it.
fn line_before(text: &str, at: usize) -> &str {
    &text[text[..at].rfind('\n').map_or(0, |i| i + 1)..at]
}

/// Whether the text before `at` on its line makes it part of a comment or
/// of a preprocessor line (which defines or tests macros).
fn in_comment_or_directive(text: &str, at: usize) -> bool {
    let before = line_before(text, at);
    let code = before.trim_start();
    code.starts_with('#') || code.starts_with('*') || before.contains("//") || before.contains("/*")
}

/// Whether the line of `at` is a control statement (`if (x) f(x);`).
fn after_control(text: &str, at: usize) -> bool {
    let code = line_before(text, at).trim_start();
    code.starts_with('}')
        || [
            "if", "for", "while", "else", "switch", "do", "return", "case",
        ]
        .iter()
        .any(|k| {
            code.strip_prefix(k)
                .is_some_and(|rest| rest.starts_with(|c: char| !c.is_alphanumeric() && c != '_'))
        })
}

/// Where the macro at `start..end` (with its arguments) ends, if it stands
/// where an annotation does.
fn annotation_end(text: &str, start: usize, end: usize) -> Option<usize> {
    if in_comment_or_directive(text, start) {
        return None;
    }
    let before = line_before(text, start).trim_end_matches([' ', '\t']);
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
        .any(|s| text[start..end].ends_with(s))
        || CONVENTION_WORDS.contains(&&text[start..end]);
    // `int ZEXPORT deflate(…)`, `SQLITE_API SQLITE_DEPRECATED int f(…)`,
    // `struct state FAR *s;`: an export or convention word before a name.
    let names_next = next.is_some_and(|c| c.is_alphabetic() || c == '_' || c == '*');
    if export && args == 0 && names_next && !before.ends_with(['(', ',', '=']) {
        return Some(end);
    }
    // `class LEVELDB_EXPORT Cache {`
    if matches!(prev_word, "class" | "struct" | "union") && args == 0 {
        return next
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            .then_some(end);
    }
    // `LEVELDB_EXPORT Cache* NewLRUCache(size_t capacity);` at line start.
    if before.is_empty() {
        // Or any macro before a prototype's type and name:
        // `OSSL_DEPRECATEDIN_3_0 int SSL_use_RSAPrivateKey(SSL *ssl, RSA *rsa);`.
        // A macro on a line of its own before the declaration it marks
        // (`OSSL_DEPRECATEDIN_3_0` / `__owur int SSL_x(SSL *ssl,`).
        let own_line = matches!(next, None | Some('\n' | '\r'))
            && after
                .trim_start()
                .starts_with(|c: char| c.is_alphabetic() || c == '_');
        let declares = args == 0
            && (own_line
                || next.is_some_and(|c| c.is_alphabetic() || c == '_')
                    && (export || type_then_name(after)));
        return declares.then_some(end);
    }
    // `size_t usage_ GUARDED_BY(mutex_);`, `void Ref() LOCKS_EXCLUDED(mu_) {`
    // (Not the name a typedef defines: `typedef struct ssl_st SSL;`.)
    let after_declarator = !before.trim_start().starts_with("typedef")
        && before.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ')')
        && !matches!(
            prev_word,
            "return" | "case" | "goto" | "sizeof" | "new" | "delete"
        );
    let ends_declaration = match next {
        None | Some('\n' | '\r' | ';' | '{' | '=' | ',') => true,
        Some(c) => c.is_ascii_uppercase() && MACRO.find(after).is_some_and(|m| m.start() == 0),
    };
    (after_declarator && ends_declaration).then_some(end + args)
}

/// Spans of what C headers wrap their declarations in: the `extern "C" {`
/// and its `}` under `#ifdef __cplusplus`, glibc's reserved annotation
/// macros, parameter-list macros' own name and parentheses, and clang's
/// nullability qualifiers.
fn header_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    // The braces of `extern "C"` open in one `#if` branch and close in
    // another, which no grammar can follow: both go.
    let mut at = 0;
    let mut after_cplusplus = false;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        let code = t
            .split("/*")
            .next()
            .unwrap_or("")
            .split("//")
            .next()
            .unwrap_or("")
            .trim();
        if after_cplusplus
            && (code == "}" || (code.starts_with("extern \"C\"") && code.ends_with('{')))
        {
            let lead = line.len() - line.trim_start().len();
            spans.push((at + lead, at + lead + code.len()));
        }
        after_cplusplus = t.starts_with('#') && t.contains("__cplusplus");
        at += line.len();
    }
    let mut last_end = usize::MAX;
    for m in RESERVED.find_iter(text) {
        let inside_last = last_end != usize::MAX && m.start() < last_end;
        if inside_last
            || GRAMMAR_RESERVED.contains(&m.as_str())
            || in_comment_or_directive(text, m.start())
        {
            continue;
        }
        let before = line_before(text, m.start()).trim_end();
        let args = balanced_args(&text[m.end()..]);
        let end = m.end() + args;
        let after = text[end..].trim_start_matches([' ', '\t']);
        let follows_masked = last_end != usize::MAX && text[last_end..m.start()].trim().is_empty();
        // After a declarator (`(void) __THROW __wur;`), after another
        // annotation, standing where a declaration's tail continues, or
        // before a prototype (`__owur BIO *BIO_new_ssl(SSL_CTX *ctx);`).
        // (`OSSL_DEPRECATEDIN_3_0 __owur BIGNUM *SSL_get_srp_g(SSL *s);`)
        let after_macro = MACRO
            .find(before)
            .is_some_and(|w| w.range() == (0..before.len()));
        let annotation = follows_masked
            || after_macro
            || (before.ends_with(')') && !after_control(text, m.start()))
            || (before.is_empty() && (only_annotations(after) || type_then_name(after)));
        if annotation {
            spans.push((m.start(), end));
            last_end = end;
        }
    }
    // `extern FILE *__REDIRECT (fopen, (const char *__f), fopen64);`:
    // the name and the parameter list are what is declared.
    for m in REDIRECT.find_iter(text) {
        let open = m.end() - 1;
        if in_comment_or_directive(text, m.start()) {
            continue;
        }
        let Some(close) = matching_paren(text, open) else {
            continue;
        };
        let commas = top_level_commas(&text[open..close]);
        if let [first, second] = commas[..] {
            spans.push((m.start(), open + 1));
            spans.push((open + first, open + first + 1));
            spans.push((open + second, close + 1));
        }
    }
    for c in PARAMS_MACRO.captures_iter(text) {
        let name = c.get(1).expect("group 1");
        if in_comment_or_directive(text, name.start()) {
            continue;
        }
        // Blank the name and the outer parentheses; the inner ones are the
        // parameter list.
        let open = name.end() + text[name.end()..].find('(').unwrap_or(0);
        if let Some(close) = matching_paren(text, open) {
            spans.push((name.start(), open + 1));
            spans.push((close, close + 1));
        }
    }
    spans.extend(
        NULLABILITY
            .find_iter(text)
            .filter(|m| !in_comment_or_directive(text, m.start()))
            .map(|m| (m.start(), m.end())),
    );
    spans
}

/// Whether `s` (the rest of a line) holds only reserved annotation macros
/// and the `;` that ends a declaration begun on an earlier line.
fn only_annotations(s: &str) -> bool {
    let mut rest = s.trim_start_matches([' ', '\t']);
    loop {
        if rest.is_empty() || rest.starts_with(['\n', '\r', ';']) {
            return true;
        }
        let Some(m) = RESERVED.find(rest).filter(|m| m.start() == 0) else {
            return false;
        };
        let args = balanced_args(&rest[m.end()..]);
        rest = rest[m.end() + args..].trim_start_matches([' ', '\t']);
    }
}

/// Whether `s` starts a prototype: a type word, a name (or `*`), and a
/// `(` on the line: `int SSL_x(SSL *s);`, `BIGNUM *SSL_get_srp_g(SSL *s);`.
fn type_then_name(s: &str) -> bool {
    let line = &s[..s.find('\n').unwrap_or(s.len())];
    let Some(word) = WORD.find(line).filter(|m| m.start() == 0) else {
        return false;
    };
    let rest = line[word.end()..].trim_start_matches([' ', '\t']);
    line[word.end()..].starts_with([' ', '\t', '*'])
        && rest.starts_with(|c: char| c.is_alphabetic() || c == '_' || c == '*')
        && rest.contains('(')
}

/// Offsets of the commas in `args` (from its `(`) outside nested parentheses.
fn top_level_commas(args: &str) -> Vec<usize> {
    let mut depth = 0usize;
    let mut out = Vec::new();
    for (i, c) in args.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 1 => out.push(i),
            _ => {}
        }
    }
    out
}

/// The byte offset of the `)` matching the `(` at `open`, across lines,
/// within one declaration (a `;`, `{` or `}` first means there is none).
fn matching_paren(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            ';' | '{' | '}' => return None,
            _ => {}
        }
    }
    None
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
    use super::mask;

    #[test]
    fn lock_annotations_and_export_macros_are_blanked() {
        let src = "class LEVELDB_EXPORT Cache {\n  size_t usage_ GUARDED_BY(mutex_);\n  void Ref(LRUHandle* e) EXCLUSIVE_LOCKS_REQUIRED(mutex_);\n};\nDLL_API int f(void);\n";
        let blank = |s: &str| " ".repeat(s.len());
        let masked = mask(src).unwrap();
        assert_eq!(masked.len(), src.len());
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
    fn lowercase_macros_where_no_name_can_stand_are_blanked() {
        let src = "mi_decl_nodiscard mi_decl_restrict void* mi_malloc(size_t n) mi_attr_noexcept {\n  if mi_unlikely(n == 0) {\n    return NULL;\n  }\n}\nQ_INVOKABLE static int count(void) attr_pure;\n";
        let blank = |s: &str| " ".repeat(s.len());
        let mut expected = src.to_string();
        for m in [
            "mi_decl_nodiscard",
            "mi_decl_restrict",
            "mi_attr_noexcept",
            "mi_unlikely",
            "Q_INVOKABLE",
            "attr_pure",
        ] {
            expected = expected.replace(m, &blank(m));
        }
        assert_eq!(mask(src).unwrap(), expected);
    }

    #[test]
    fn header_macros_leave_declarations_the_grammar_parses() {
        let src = "#ifdef __cplusplus\nextern \"C\" {\n#endif\n__BEGIN_DECLS\n\
            extern FILE *fopen (const char *__restrict __f)\n  __attribute_malloc__ __wur;\n\
            extern int remove (const char *__f) __THROW __nonnull ((1));\n\
            extern FILE *__REDIRECT (tmpfile, (void), tmpfile64) __wur;\n\
            ZEXTERN int ZEXPORT deflate OF((z_streamp strm,\n  int flush));\n\
            typedef z_stream FAR *z_streamp;\n\
            SQLITE_API SQLITE_DEPRECATED int sqlite3_expired(sqlite3_stmt*);\n\
            OSSL_DEPRECATEDIN_3_0\n__owur int SSL_use_RSAPrivateKey(SSL *ssl, RSA *rsa);\n\
            typedef struct ssl_st SSL;\n\
            int f(int *_Nullable p);\n\
            __END_DECLS\n#ifdef __cplusplus\n}\n#endif\n";
        let masked = mask(src).unwrap();
        assert_eq!(masked.len(), src.len());
        for kept in [
            "fopen",
            "remove",
            "tmpfile",
            "deflate",
            "z_streamp",
            "sqlite3_expired",
            "SSL;",
        ] {
            assert!(masked.contains(kept), "{kept}: {masked}");
        }
        for lang in [super::super::Lang::C, super::super::Lang::Cpp] {
            let tree = lang.parse(src).unwrap();
            assert!(!tree.root_node().has_error(), "{lang:?}: {masked}");
        }
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
            "  if (n == SIZE_MAX) // caps at SIZE_MAX\n",
            " * Returns NULL when the size exceeds SIZE_MAX\n",
            "static inline unsigned long hash(const char* s);\n",
            "typedef struct node node_t;\n",
            "  if (p) free(p);\n",
            "  while (n) step(n);\n",
            "size_t const n = 1;\n",
            "// mi_decl_export void* f(void) mi_attr_noexcept;\n",
        ] {
            assert_eq!(mask(src), None, "{src}");
        }
    }
}
