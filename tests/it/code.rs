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
