//! `headroom compress` on source files: outlines that keep every signature,
//! markers that retrieve the exact original, passthrough of what does not parse.

use crate::support::{self, Env};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/code");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()
}

#[test]
fn files_in_every_language_are_outlined_and_retrievable() {
    let env = Env::new();
    for name in [
        "records.py",
        "records.go",
        "records.rs",
        "Records.java",
        "records.js",
        "records.ts",
        "records.c",
        "records.cc",
    ] {
        let original = fixture(name);
        let path = format!("{FIXTURES}/{name}");
        let out = env.ok_str(&["compress", &path], "");
        assert!(
            support::tokens(&out) * 10 <= support::tokens(&original) * 6,
            "{name}: too little saved"
        );
        let hashes = support::hashes(&out);
        assert_eq!(hashes.len(), 1, "{name}: one store entry per input");
        let back = env.ok(&["retrieve", &hashes[0]], "");
        assert_eq!(
            back,
            original.as_bytes(),
            "{name}: retrieve returns the exact original"
        );
    }
}

#[test]
fn stdin_is_detected_as_code_and_signatures_survive() {
    let env = Env::new();
    let original = fixture("records.go");
    let out = env.ok_str(&["compress", "--type", "auto"], &original);
    assert_ne!(out, original);
    for line in original.lines().filter(|l| l.starts_with("func ")) {
        assert!(out.contains(line), "lost {line:?}");
    }
    assert!(out.contains("// [headroom: "));
}

#[test]
fn the_query_keeps_the_function_it_names_whole() {
    let env = Env::new();
    let original = fixture("records.py");
    // The longest top-level function in the fixture.
    let start = original.find("\ndef ").unwrap() + 1;
    let name_end = original[start + 4..].find('(').unwrap() + start + 4;
    let name = &original[start + 4..name_end];
    let body_end = original[start..]
        .find("\n\n\n")
        .map_or(original.len(), |i| start + i);
    let whole = &original[start..body_end];
    let plain = env.ok_str(&["compress"], &original);
    let asked = env.ok_str(
        &["compress", "--query", &format!("what does {name} do?")],
        &original,
    );
    assert!(asked.contains(whole), "{name} not whole:\n{asked}");
    assert!(asked.len() > plain.len());
}

#[test]
fn lossless_and_unparseable_input_pass_through() {
    let env = Env::new();
    let original = fixture("records.rs");
    assert_eq!(env.ok_str(&["compress", "--lossless"], &original), original);
    let broken = original.replacen("pub fn", "pub fn (", 40);
    assert_eq!(env.ok_str(&["compress", "--type", "code"], &broken), broken);
    let prose = "Plain words, not a program.\n".repeat(200);
    assert_eq!(env.ok_str(&["compress", "--type", "code"], &prose), prose);
}

#[test]
fn output_is_deterministic() {
    let env = Env::new();
    let original = fixture("records.ts");
    let a = env.ok(&["compress"], &original);
    let b = env.ok(&["compress"], &original);
    assert_eq!(a, b);
}

#[test]
fn a_folded_function_comes_back_whole_by_name() {
    let env = Env::new();
    let original = fixture("records.py");
    let out = env.ok_str(&["compress", &format!("{FIXTURES}/records.py")], "");
    // Pick a function whose body was folded: its def line is followed by a marker.
    let lines: Vec<&str> = out.lines().collect();
    let def = lines
        .windows(3)
        .find(|w| {
            w[0].trim_start().starts_with("def ")
                && w[1..].iter().any(|l| l.contains(" lines; calls "))
        })
        .map(|w| w[0])
        .expect("a folded function");
    let name = def
        .trim_start()
        .trim_start_matches("def ")
        .split('(')
        .next()
        .unwrap();
    let hash = &support::hashes(&out)[0];
    let got = env.ok_str(&["retrieve", hash, "--query", name], "");
    // The exact source text of that function, from its def line on.
    let start = original.find(def.trim_start()).unwrap();
    let body_line = original[start..].lines().nth(1).unwrap();
    assert!(got.contains(def.trim_start()), "{got}");
    assert!(got.contains(body_line), "body missing:\n{got}");
    assert!(!got.contains("[headroom: "));
}

/// A C++ class with lock annotations (`GUARDED_BY`) and an export macro,
/// which the grammar alone cannot parse, and 30 methods with bodies.
fn annotated_cpp() -> String {
    let mut src = String::from(
        "#include <mutex>\n\nclass TABLE_EXPORT Table {\n public:\n  int Size() const;\n\n private:\n  std::mutex mu_;\n  int size_ GUARDED_BY(mu_);\n  void Grow() EXCLUSIVE_LOCKS_REQUIRED(mu_);\n};\n\n",
    );
    for k in 0..30 {
        src.push_str(&format!(
            "int Table::Method{k}(int x) {{\n  int y = x * {k};\n  for (int i = 0; i < y; i++) {{\n    y += i % 7;\n  }}\n  if (y > 100) {{\n    y -= 100;\n  }}\n  return y;\n}}\n\n"
        ));
    }
    src
}

#[test]
fn cpp_annotation_macros_do_not_stop_the_outline() {
    let env = Env::new();
    let original = annotated_cpp();
    let path = env.file("table.cc", &original);
    let out = env.ok_str(&["compress", path.to_str().unwrap()], "");
    let hashes = support::hashes(&out);
    assert_eq!(hashes.len(), 1, "{out}");
    assert!(out.starts_with(&format!(
        "// [headroom: outline, 30 bodies folded; whole functions by name: --query NAME; retrieve: headroom retrieve {}]\n#include <mutex>\n",
        hashes[0]
    )));
    for kept in [
        "class TABLE_EXPORT Table {\n",
        "  int size_ GUARDED_BY(mu_);\n",
        "  void Grow() EXCLUSIVE_LOCKS_REQUIRED(mu_);\n",
        "int Table::Method29(int x) { /* 8 lines */ }\n",
    ] {
        assert!(out.contains(kept), "lost {kept:?}:\n{out}");
    }
    assert!(support::tokens(&out) * 2 <= support::tokens(&original));
    let back = env.ok_str(&["retrieve", &hashes[0], "--query", "Method7"], "");
    assert!(
        back.starts_with("int Table::Method7(int x) {\n  int y = x * 7;\n"),
        "{back}"
    );
}

#[test]
fn c_with_lowercase_declaration_macros_is_outlined() {
    // mimalloc's style: qualifiers and attributes as lowercase macros, and a
    // macro that supplies a condition's parentheses.
    let mut src = String::from("#include \"mimalloc.h\"\n\n");
    for k in 0..20 {
        src.push_str(&format!(
            "mi_decl_nodiscard mi_decl_export void* mi_alloc_{k}(size_t size) mi_attr_noexcept {{\n  if mi_unlikely(size == 0) {{\n    return NULL;\n  }}\n  void* p = malloc(size * {k});\n  memset(p, 0, size);\n  return p;\n}}\n\n"
        ));
    }
    let env = Env::new();
    let path = env.file("alloc.c", &src);
    let out = env.ok_str(&["compress", path.to_str().unwrap()], "");
    assert!(
        out.contains(
            "\nmi_decl_nodiscard mi_decl_export void* mi_alloc_7(size_t size) mi_attr_noexcept { /* 6 lines; calls malloc, memset */ }\n"
        ),
        "{out}"
    );
    assert!(support::tokens(&out) * 10 <= support::tokens(&src) * 7);
}

#[test]
fn the_file_extension_names_the_language() {
    let env = Env::new();
    // Twenty functions that read as plain JavaScript: only the extension
    // says TypeScript (from stdin the same text is JavaScript).
    let mut src = String::new();
    for k in 0..20 {
        src.push_str(&format!(
            "export function convert{k}(input) {{\n  const value = input.values;\n  const total = Object.values(value).reduce((a, b) => a + b, 0);\n  console.log(total);\n  return total * {k};\n}}\n\n"
        ));
    }
    let ts = env.file("convert.ts", &src);
    let json = env.ok_str(&["compress", "--format", "json", ts.to_str().unwrap()], "");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["kind"], "code");
    assert!(
        v["transforms"]
            .as_array()
            .unwrap()
            .contains(&"code:outline-typescript".into()),
        "{json}"
    );
    let piped = env.ok_str(&["compress", "--format", "json"], &src);
    assert!(piped.contains("code:outline-javascript"), "{piped}");
    // `--type` still wins over the extension.
    let forced = env.ok_str(
        &[
            "compress",
            "--format",
            "json",
            "--type",
            "text",
            ts.to_str().unwrap(),
        ],
        "",
    );
    let v: serde_json::Value = serde_json::from_str(&forced).unwrap();
    assert_eq!(v["kind"], "text");
}

#[test]
fn numbered_file_reads_are_outlined_and_keep_their_line_numbers() {
    // What Claude Code's Read tool returns: `     N→line`.
    let mut src = String::new();
    for k in 0..30 {
        src.push_str(&format!(
            "def handler_{k}(request):\n    total = 0\n    for item in request.items:\n        total += item.price * {k}\n        log(item)\n    return total\n\n"
        ));
    }
    let numbered: String = src
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{:>6}→{l}\n", i + 1))
        .collect();
    let env = Env::new();
    let out = env.ok_str(&["compress"], &numbered);
    // Function 7 starts on line 7 * 7 + 1 = 50; its body is folded and the
    // next function keeps its own number.
    assert!(
        out.contains("50→def handler_7(request):\n    # 5 lines; calls log\n    ...\n56→\n57→def handler_8(request):\n"),
        "{out}"
    );
    assert!(support::tokens(&out) * 2 <= support::tokens(&numbered));
    // The marker's hash retrieves the file's text.
    let hashes = support::hashes(&out);
    assert_eq!(env.ok_str(&["retrieve", &hashes[0]], ""), src);
}

/// A C header of `n` documented declarations in one of the styles real
/// headers use: export macros, `extern "C"` under `#ifdef __cplusplus`,
/// glibc's annotation macros, zlib's `OF((…))` prototypes.
fn header(style: &str, n: usize) -> (String, Vec<String>) {
    let guard = format!("{}_H", style.to_uppercase());
    let mut src = format!(
        "/*\n** {style}.h: the public interface.\n**\n** Generated for a test; every declaration below is a fact.\n*/\n#ifndef {guard}\n#define {guard}\n#include <stddef.h>\n\n#ifdef __cplusplus\nextern \"C\" {{\n#endif\n\n"
    );
    if style == "glibc" {
        src = src.replace(
            "#ifdef __cplusplus\nextern \"C\" {\n#endif\n",
            "__BEGIN_DECLS\n",
        );
    }
    src.push_str(
        "typedef struct handle handle;\n#define API_VERSION \"3.2.1\"\n#define API_OK 0\n\n",
    );
    let mut names = Vec::new();
    for k in 0..n {
        let name = format!("{style}_op_{k}");
        src.push_str(&format!(
            "/*\n** Runs operation {k} on the handle.\n**\n** The handle must be open; the result is API_OK or an error code.\n** Operation {k} never blocks and may be called from any thread.\n*/\n"
        ));
        let decl = match (style, k % 3) {
            ("sqlite", 0) => format!("SQLITE_API int {name}(handle *h, int flags);\n"),
            ("sqlite", 1) => format!("SQLITE_API SQLITE_DEPRECATED const char *{name}(handle*);\n"),
            ("sqlite", _) => format!(
                "SQLITE_API void *{name}(\n  handle *h,\n  size_t n,\n  void (*xDel)(void*)\n);\n"
            ),
            ("zlib", 0) => format!("ZEXTERN int ZEXPORT {name} OF((handle FAR *h, int level));\n"),
            ("zlib", 1) => format!("ZEXTERN const char * ZEXPORT {name} OF((void));\n"),
            ("zlib", _) => format!(
                "ZEXTERN int ZEXPORTVA {name} OF((handle *h,\n                                   const char *format, ...));\n"
            ),
            ("glibc", 0) => {
                format!("extern int {name} (handle *__h, int __flags) __THROW __nonnull ((1));\n")
            }
            ("glibc", 1) => format!(
                "extern handle *{name} (const char *__restrict __path)\n  __attribute_malloc__ __wur;\n"
            ),
            ("glibc", _) => format!(
                "extern int {name} (handle *_Nullable __h, const char *__restrict __fmt, ...)\n  __attribute__ ((__format__ (__printf__, 2, 3)));\n"
            ),
            ("openssl", 0) => format!("OPENSSL_EXPORT int {name}(handle *h, int flags);\n"),
            ("openssl", 1) => format!("__owur OPENSSL_EXPORT handle *{name}(const char *path);\n"),
            (_, _) => format!(
                "static inline int {name}(const handle *h) {{\n    if (h == NULL) {{\n        return -1;\n    }}\n    return API_OK + {k};\n}}\n"
            ),
        };
        src.push_str(&decl);
        src.push('\n');
        names.push(name);
    }
    if style == "glibc" {
        src.push_str("__END_DECLS\n");
    } else {
        src.push_str("#ifdef __cplusplus\n}  /* extern \"C\" */\n#endif\n");
    }
    src.push_str(&format!("#endif /* {guard} */\n"));
    (src, names)
}

/// The code of a C text with its comments taken out, line by line.
fn c_code_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_comment = false;
    for line in text.lines() {
        let mut code = String::new();
        let mut rest = line;
        loop {
            if in_comment {
                match rest.find("*/") {
                    Some(i) => {
                        in_comment = false;
                        rest = &rest[i + 2..];
                    }
                    None => break,
                }
            } else {
                let open = rest.find("/*");
                let line_comment = rest.find("//");
                match (open, line_comment) {
                    (Some(i), l) if l.is_none_or(|l| i < l) => {
                        code.push_str(&rest[..i]);
                        in_comment = true;
                        rest = &rest[i + 2..];
                    }
                    (_, Some(l)) => {
                        code.push_str(&rest[..l]);
                        break;
                    }
                    _ => {
                        code.push_str(rest);
                        break;
                    }
                }
            }
        }
        if !code.trim().is_empty() {
            out.push(code.trim().to_string());
        }
    }
    out
}

#[test]
fn c_headers_are_outlined_with_every_declaration_kept() {
    let env = Env::new();
    for style in ["sqlite", "zlib", "glibc", "openssl"] {
        let (src, names) = header(style, 40);
        // From stdin: detection alone must take it for code.
        let json = env.ok_str(&["compress", "--format", "json"], &src);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["kind"], "code", "{style}: {json}");
        let out = env.ok_str(&["compress"], &src);
        for name in &names {
            assert!(out.contains(name.as_str()), "{style}: lost {name}:\n{out}");
        }
        // Every line of code is kept, in order; only comments (and the
        // bodies of inline functions) are folded.
        let (before, after) = (c_code_lines(&src), c_code_lines(&out));
        if style == "openssl" {
            assert!(
                after.len() < before.len(),
                "{style}: inline bodies not folded"
            );
            let bodies: Vec<&String> = after.iter().filter(|l| l.contains("{  }")).collect();
            assert_eq!(bodies.len(), 13, "{style}:\n{out}");
        } else {
            assert_eq!(after, before, "{style}:\n{out}");
        }
        assert!(
            support::tokens(&out) * 10 <= support::tokens(&src) * 7,
            "{style}: too little saved:\n{out}"
        );
        let hashes = support::hashes(&out);
        assert_eq!(hashes.len(), 1, "{style}");
        assert_eq!(env.ok_str(&["retrieve", &hashes[0]], ""), src, "{style}");
    }
}

/// A source file of 20 functions of 8 lines (methods of a class where the
/// language puts them there), with the row where each function starts.
fn functions_file(lang: &str) -> (String, Vec<usize>) {
    let (open, close) = match lang {
        "java" => ("public class Store {\n", "}\n"),
        "js" | "ts" => ("export class Store {\n", "}\n"),
        _ => ("", ""),
    };
    let mut src = String::from(open);
    let mut starts = Vec::new();
    for k in 0..20 {
        starts.push(src.lines().count());
        let f = match lang {
            "py" => format!(
                "def handler_{k}(request):\n    total = 0\n    for item in request.items:\n        total += item.price * {k}\n        log_item(item, {k})\n    if total > 100:\n        total -= {k}\n    return total\n\n\n"
            ),
            "go" => format!(
                "func Handler{k}(items []Item) int {{\n\ttotal := 0\n\tfor _, item := range items {{\n\t\ttotal += item.Price * {k}\n\t\tlogItem(item, {k})\n\t}}\n\treturn total\n}}\n\n"
            ),
            "rs" => format!(
                "pub fn handler_{k}(items: &[Item]) -> u64 {{\n    let mut total = 0;\n    for item in items {{\n        total += item.price * {k};\n        log_item(item, {k});\n    }}\n    total\n}}\n\n"
            ),
            "java" => format!(
                "    public int handler{k}(List<Item> items) {{\n        int total = 0;\n        for (Item item : items) {{\n            total += item.price * {k};\n            logItem(item, {k});\n        }}\n        return total;\n    }}\n\n"
            ),
            "js" => format!(
                "  handler{k}(items) {{\n    let total = 0;\n    for (const item of items) {{\n      total += item.price * {k};\n      logItem(item, {k});\n    }}\n    return total;\n  }}\n\n"
            ),
            "ts" => format!(
                "  handler{k}(items: Item[]): number {{\n    let total = 0;\n    for (const item of items) {{\n      total += item.price * {k};\n      logItem(item, {k});\n    }}\n    return total;\n  }}\n\n"
            ),
            "c" => format!(
                "int handler_{k}(const item_t *items, size_t n) {{\n    int total = 0;\n    for (size_t i = 0; i < n; i++) {{\n        total += items[i].price * {k};\n        log_item(&items[i], {k});\n    }}\n    return total;\n}}\n\n"
            ),
            _ => format!(
                "int Store::Handler{k}(const std::vector<Item>& items) {{\n  int total = 0;\n  for (const Item& item : items) {{\n    total += item.price * {k};\n    LogItem(item, {k});\n  }}\n  return total;\n}}\n\n"
            ),
        };
        src.push_str(&f);
    }
    src.push_str(close);
    (src, starts)
}

#[test]
fn slices_that_start_and_end_inside_a_function_outline_what_is_whole() {
    let env = Env::new();
    for lang in ["py", "go", "rs", "java", "js", "ts", "c", "cc"] {
        let (file, starts) = functions_file(lang);
        let lines: Vec<&str> = file.lines().collect();
        // From the middle of function 2 to the middle of function 17.
        let (from, to) = (starts[2] + 3, starts[17] + 3);
        let slice: String = lines[from..to].iter().map(|l| format!("{l}\n")).collect();
        let out = env.ok_str(&["compress"], &slice);
        let hashes = support::hashes(&out);
        assert_eq!(hashes.len(), 1, "{lang}: not outlined:\n{out}");
        let out_lines: Vec<&str> = out.lines().collect();
        // The partial functions, verbatim: the head right after the header
        // comment, the tail at the end.
        let head = &lines[from..starts[3]];
        let tail = &lines[starts[17]..to];
        assert_eq!(&out_lines[1..1 + head.len()], head, "{lang}:\n{out}");
        assert_eq!(
            &out_lines[out_lines.len() - tail.len()..],
            tail,
            "{lang}:\n{out}"
        );
        // The whole ones in between: signatures kept, bodies folded.
        for k in 3..17 {
            let signature = lines[starts[k]];
            assert!(
                out_lines.iter().any(|l| l.starts_with(signature)),
                "{lang}: lost {signature}"
            );
            assert!(
                !out.contains(&format!("price * {k};")),
                "{lang}: body {k} kept:\n{out}"
            );
            assert!(
                !out.contains(&format!("price * {k}\n")),
                "{lang}: body {k} kept:\n{out}"
            );
        }
        // Every line is a line of the slice, a line of it with its body
        // folded onto it, or a fold.
        for line in &out_lines[1..] {
            let fold = line.trim_start().starts_with("# ") && line.contains(" lines")
                || line.trim() == "...";
            assert!(
                fold || lines[from..to]
                    .iter()
                    .any(|l| line.starts_with(l) && !l.trim().is_empty())
                    || line.trim().is_empty(),
                "{lang}: {line:?} is not from the input"
            );
        }
        let (before, after) = (support::tokens(&slice), support::tokens(&out));
        assert!(
            after * 10 <= before * 6,
            "{lang}: {before} -> {after}:\n{out}"
        );
        assert_eq!(env.ok_str(&["retrieve", &hashes[0]], ""), slice, "{lang}");
    }
}

#[test]
fn numbered_slices_from_the_middle_of_a_file_are_outlined() {
    // An agent's read with an offset: `   201→…`, starting inside a method.
    let env = Env::new();
    let (file, starts) = functions_file("java");
    let lines: Vec<&str> = file.lines().collect();
    let (from, to) = (starts[4] + 2, starts[15] + 5);
    let numbered: String = (from..to)
        .map(|i| format!("{:>6}→{}\n", i + 1, lines[i]))
        .collect();
    let out = env.ok_str(&["compress"], &numbered);
    assert_eq!(support::hashes(&out).len(), 1, "{out}");
    // The partial method's lines keep their numbers; a whole method's
    // signature keeps its own, with the body folded onto it.
    let first = format!("{}→{}\n", from + 1, lines[from]);
    assert!(out.contains(&first), "{out}");
    let sig = starts[9];
    assert!(
        out.contains(&format!(
            "\n{}→{} {{ /* ",
            sig + 1,
            lines[sig].trim_end_matches(" {")
        )),
        "{out}"
    );
    assert!(
        support::tokens(&out) * 2 <= support::tokens(&numbered),
        "{out}"
    );
}
