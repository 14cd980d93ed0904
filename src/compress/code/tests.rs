//! Unit tests of the code outline over the fixtures in tests/fixtures/code
//! (self-contained files in each language) and small edge cases.

use std::path::Path;
use std::process::Command;

use super::*;
use crate::relevance::Query;

const FIXTURES: &[(&str, &str, Lang)] = &[
    (
        "records.py",
        include_str!("../../../tests/fixtures/code/records.py"),
        Lang::Python,
    ),
    (
        "records.go",
        include_str!("../../../tests/fixtures/code/records.go"),
        Lang::Go,
    ),
    (
        "records.rs",
        include_str!("../../../tests/fixtures/code/records.rs"),
        Lang::Rust,
    ),
    (
        "Records.java",
        include_str!("../../../tests/fixtures/code/Records.java"),
        Lang::Java,
    ),
    (
        "records.js",
        include_str!("../../../tests/fixtures/code/records.js"),
        Lang::JavaScript,
    ),
    (
        "records.ts",
        include_str!("../../../tests/fixtures/code/records.ts"),
        Lang::TypeScript,
    ),
    (
        "records.c",
        include_str!("../../../tests/fixtures/code/records.c"),
        Lang::C,
    ),
    (
        "records.cc",
        include_str!("../../../tests/fixtures/code/records.cc"),
        Lang::Cpp,
    ),
];

fn cost(t: &str) -> usize {
    t.len() / 4
}

fn ctx(query: &str) -> Context<'static> {
    Context {
        query: Query::parse(query),
        lossless: false,
        valid_json: false,
        sink: Some(&ccr::HashOnlySink),
        via: Default::default(),
        cost: &cost,
        lossy_min_tokens: 200,
    }
}

/// The first line of every function's definition (its signature line).
fn signature_lines(text: &str, lang: Lang) -> Vec<String> {
    let tree = lang.parse(text).unwrap();
    functions::functions(lang, tree.root_node(), text)
        .iter()
        .filter(|f| f.node.kind() != "arrow_function" || f.name.is_some())
        .map(|f| {
            let row = f.node.start_position().row;
            text.lines().nth(row).unwrap().trim().to_string()
        })
        .collect()
}

fn assert_parses(text: &str, lang: Lang, what: &str) {
    let tree = lang.parse(text).unwrap();
    assert_eq!(
        lang::error_count(tree.root_node()),
        0,
        "{what}: outline has syntax errors:\n{text}"
    );
}

#[test]
fn fixtures_are_detected() {
    for (name, text, lang) in FIXTURES {
        assert_eq!(lang::detect(text), Some(*lang), "{name}");
        assert_eq!(
            crate::pipeline::detect(text),
            crate::pipeline::Kind::Code,
            "{name}"
        );
    }
}

#[test]
fn outlines_keep_every_signature_reparse_and_halve_the_file() {
    for (name, text, lang) in FIXTURES {
        let out = compress(text, None, &ctx("")).unwrap_or_else(|| panic!("{name} not compressed"));
        assert_parses(&out.text, *lang, name);
        for sig in signature_lines(text, *lang) {
            assert!(out.text.contains(&sig), "{name}: lost signature {sig:?}");
        }
        let hash = ccr::hash_of(text.as_bytes());
        assert_eq!(out.hashes.as_slice(), std::slice::from_ref(&hash));
        assert!(
            out.text
                .contains(&format!("retrieve: headroom retrieve {hash}]"))
        );
        assert!(
            out.text.len() * 100 <= text.len() * 60,
            "{name}: {} -> {} bytes",
            text.len(),
            out.text.len()
        );
        assert!(!ccr::hashes_in(&out.text).is_empty());
    }
}

#[test]
fn marker_comments_use_the_language_syntax() {
    let out = compress(FIXTURES[0].1, None, &ctx("")).unwrap().text;
    assert!(
        out.lines()
            .any(|l| l.trim_start().starts_with("# ") && l.contains(" lines; calls "))
    );
    // Brace languages fold a body onto its signature's line.
    let out = compress(FIXTURES[2].1, None, &ctx("")).unwrap().text;
    assert!(
        out.lines().any(|l| l.trim_start().starts_with("pub fn ")
            && l.contains(" { /* ")
            && l.ends_with(" */ }")),
        "{out}"
    );
}

/// Runs the language's own front end on the outline where it is installed.
#[test]
fn outlines_pass_the_toolchain_syntax_check() {
    let dir = tempfile::tempdir().unwrap();
    let checks: &[(&str, &str, &[&str])] = &[
        ("records.py", "python3", &["-m", "py_compile"]),
        ("records.c", "gcc", &["-fsyntax-only", "-Wno-return-type"]),
        (
            "records.cc",
            "g++",
            &["-std=c++17", "-fsyntax-only", "-Wno-return-type"],
        ),
        // Parse only: a folded body has no return, which javac's flow check rejects.
        (
            "Records.java",
            "javac",
            &[
                "-XDshould-stop.ifError=PARSE",
                "-XDshould-stop.ifNoError=PARSE",
                "-d",
                "classes",
            ],
        ),
        ("records.js", "node", &["--check"]),
        (
            "records.rs",
            "rustfmt",
            &["--edition", "2024", "--emit", "stdout"],
        ),
    ];
    for (name, tool, args) in checks {
        if Command::new(tool).arg("--version").output().is_err() {
            eprintln!("skipping {name}: {tool} not installed");
            continue;
        }
        let (_, text, _) = FIXTURES.iter().find(|f| f.0 == *name).unwrap();
        let out = compress(text, None, &ctx("")).unwrap().text;
        // node decides ESM vs CommonJS by extension; the fixture uses `import`.
        let file = dir
            .path()
            .join(if *tool == "node" { "records.mjs" } else { name });
        std::fs::write(&file, &out).unwrap();
        let run = Command::new(tool)
            .args(*args)
            .arg(&file)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{tool} rejects the outline of {name}:\n{}\n{out}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
}

#[test]
fn the_query_keeps_matching_functions_whole() {
    let (_, text, lang) = FIXTURES[1];
    let tree = lang.parse(text).unwrap();
    let funcs = functions::functions(lang, tree.root_node(), text);
    let target = funcs
        .iter()
        .find(|f| f.node.end_position().row - f.node.start_position().row > 15)
        .unwrap();
    let name = target.name.clone().unwrap();
    let whole = &text[target.node.byte_range()];
    let out = compress(text, None, &ctx(&format!("how does {name} work?")))
        .unwrap()
        .text;
    assert!(out.contains(whole), "{name} not kept whole");
    let without = compress(text, None, &ctx("")).unwrap().text;
    assert!(!without.contains(whole));
    // Words about the request itself do not keep anything whole.
    let outline = compress(
        text,
        None,
        &ctx("Give me an outline of this file's API (signatures only)."),
    )
    .unwrap()
    .text;
    assert_eq!(outline, without);
}

#[test]
fn retrieve_by_name_returns_whole_functions() {
    let (_, text, lang) = FIXTURES[2];
    let tree = lang.parse(text).unwrap();
    let funcs = functions::functions(lang, tree.root_node(), text);
    let name = funcs
        .iter()
        .filter(|f| text[f.start..].starts_with("///") && f.node.kind() == "function_item")
        .find_map(|f| f.name.clone())
        .unwrap();
    let found = functions_matching(text, &name).unwrap();
    assert_eq!(found.len(), 1);
    assert!(found[0].contains(&format!("fn {name}(")) && found[0].trim_end().ends_with('}'));
    // Its doc comment comes along.
    assert!(
        found[0].trim_start().starts_with("///") || found[0].trim_start().starts_with("#["),
        "{}",
        found[0]
    );
    assert_eq!(functions_matching(text, "no_such_function_anywhere"), None);
    assert_eq!(functions_matching("just prose, not code", "x"), None);
    let cpp = "#include <string>\n\nnamespace app {\n\nint LRUCache::Ref(int e) {\n  return e + 1;\n}\n\nint Other(int e) {\n  return e;\n}\n\n}  // namespace app\n";
    assert_eq!(
        functions_matching(cpp, "LRUCache::Ref").unwrap(),
        ["int LRUCache::Ref(int e) {\n  return e + 1;\n}"]
    );
    assert_eq!(functions_matching(cpp, "Ref").unwrap().len(), 1);
}

#[test]
fn python_bodies_stay_valid() {
    let src = "import os\n\n\nclass A:\n    \"\"\"Doc.\"\"\"\n\n    @staticmethod\n    def f(x):\n        \"\"\"First line.\n\n        More.\n        \"\"\"\n        try:\n            y0 = os.path.join(x, 'part0', str(0 * len(x)))\n            y1 = os.path.join(x, 'part1', str(1 * len(x)))\n            y2 = os.path.join(x, 'part2', str(2 * len(x)))\n            y3 = os.path.join(x, 'part3', str(3 * len(x)))\n            y4 = os.path.join(x, 'part4', str(4 * len(x)))\n            y5 = os.path.join(x, 'part5', str(5 * len(x)))\n            y6 = os.path.join(x, 'part6', str(6 * len(x)))\n            y7 = os.path.join(x, 'part7', str(7 * len(x)))\n        except (OSError, ValueError) as e:\n            raise RuntimeError(x) from e\n        for i in range(10):\n            print(i * 0, sorted(range(i, 0 + 40)))\n            print(i * 1, sorted(range(i, 1 + 40)))\n            print(i * 2, sorted(range(i, 2 + 40)))\n            print(i * 3, sorted(range(i, 3 + 40)))\n            print(i * 4, sorted(range(i, 4 + 40)))\n            print(i * 5, sorted(range(i, 5 + 40)))\n            print(i * 6, sorted(range(i, 6 + 40)))\n            print(i * 7, sorted(range(i, 7 + 40)))\n        return x\n\n    def g(self):\n        for i in range(10):\n            print(i * 0, sorted(range(i, 0 + 40)))\n            print(i * 1, sorted(range(i, 1 + 40)))\n            print(i * 2, sorted(range(i, 2 + 40)))\n            print(i * 3, sorted(range(i, 3 + 40)))\n            print(i * 4, sorted(range(i, 4 + 40)))\n            print(i * 5, sorted(range(i, 5 + 40)))\n            print(i * 6, sorted(range(i, 6 + 40)))\n            print(i * 7, sorted(range(i, 7 + 40)))\n\n\ndef h():\n    pass\n";
    let big = src.repeat(3).replace("class A", "class B");
    let out = compress(&big, None, &ctx("")).unwrap().text;
    assert_parses(&out, Lang::Python, "python");
    assert!(out.contains("\"\"\"First line. (+1 line)\"\"\""));
    assert!(out.contains("except (OSError, ValueError) as e:"), "{out}");
    assert!(
        out.contains("    def g(self):\n        # 9 lines; calls range, print, sorted\n"),
        "{out}"
    );
    assert!(out.contains("\n        ...\n"));
}

#[test]
fn unparseable_or_unknown_input_passes_through() {
    let broken = format!("fn main() {{\n{}", "    let x = (1 + ;\n".repeat(200));
    assert_eq!(compress(&broken, None, &ctx("")), None);
    let prose = "This is a plain paragraph of prose.\n".repeat(300);
    assert_eq!(compress(&prose, None, &ctx("")), None);
    let shell = format!("#!/bin/sh\n{}", "echo hello; ls -la /tmp\n".repeat(300));
    assert_eq!(compress(&shell, None, &ctx("")), None);
    assert_eq!(compress("", None, &ctx("")), None);
}

#[test]
fn small_files_and_lossless_requests_pass_through() {
    let small = "def f(x):\n    y = x + 1\n    z = y * 2\n    w = z - 3\n    return w\n";
    assert_eq!(compress(small, None, &ctx("")), None);
    let text = FIXTURES[0].1;
    let mut c = ctx("");
    c.lossless = true;
    assert_eq!(compress(text, None, &c), None);
    c.lossless = false;
    c.sink = None;
    assert_eq!(compress(text, None, &c), None);
}

#[test]
fn deterministic_and_crlf_safe() {
    for (name, text, lang) in FIXTURES {
        let a = compress(text, None, &ctx("")).unwrap();
        let b = compress(text, None, &ctx("")).unwrap();
        assert_eq!(a, b, "{name}");
        let crlf = text.replace('\n', "\r\n");
        let out = compress(&crlf, None, &ctx("")).unwrap_or_else(|| panic!("{name} with CRLF"));
        assert_parses(&out.text, *lang, name);
        assert!(
            !out.text.replace("\r\n", "").contains('\n'),
            "{name}: mixed line endings"
        );
    }
}

#[test]
fn never_panics_on_odd_input() {
    let long_line = "x".repeat(10 << 20);
    assert_eq!(compress(&long_line, None, &ctx("")), None);
    let _ = compress(&"{\n".repeat(100_000), None, &ctx(""));
    let _ = compress(&"def f(:\n".repeat(5000), None, &ctx(""));
    let _ = compress(&"fn f() { /* \u{1F600} */ }\n".repeat(2000), None, &ctx(""));
    let _ = functions_matching(&"}}}{{{".repeat(1000), "f");
}

#[test]
fn long_tables_keep_their_first_items() {
    let (_, text, lang) = FIXTURES[6];
    let out = compress(text, None, &ctx("")).unwrap().text;
    assert!(
        out.contains("    0,\n    3,\n    6,\n    // 21 of 24 items omitted (21 lines)\n};"),
        "{out}"
    );
    assert_parses(&out, lang, "c");
}

#[test]
fn fixture_files_exist_for_the_integration_tests() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/code");
    for (name, ..) in FIXTURES {
        assert!(dir.join(name).exists(), "{name}");
    }
}

#[test]
fn nested_function_signatures_survive_a_folded_body() {
    let lines: String = (0..12)
        .map(|i| format!("        total += len(str({i} * n)) + {i}\n"))
        .collect();
    let src = format!(
        "import functools\n\n\ndef outer(n: int) -> int:\n    total = 0\n{}    @functools.wraps(outer)\n    def inner(*args: int, **kwargs: int) -> int:\n{lines}        return total\n\n{lines}    return inner(n)\n",
        lines.replace("        ", "    ")
    );
    let big = format!("{src}\n\n{}", src.replace("outer", "outer2"));
    let out = compress(&big, None, &ctx("")).unwrap().text;
    assert_parses(&out, Lang::Python, "nested");
    assert!(out.contains("    @functools.wraps(outer)\n    def inner(*args: int, **kwargs: int) -> int:\n        # 26 lines; calls len, str\n"), "{out}");
}

#[test]
fn the_header_marker_stays_below_a_shebang_and_an_encoding_line() {
    let mut text =
        String::from("#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n\"\"\"Tools.\"\"\"\n\n");
    for k in 0..12 {
        text.push_str(&format!(
            "def tool_{k}(items):\n    total = 0\n    for item in items:\n        total += item * {k}\n        print(total)\n    return total\n\n"
        ));
    }
    let out = compress(&text, None, &ctx("")).unwrap();
    let hash = &out.hashes[0];
    assert!(out.text.starts_with(&format!(
        "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n# [headroom: outline, 12 bodies folded; whole functions by name: --query NAME; retrieve: headroom retrieve {hash}]\n\"\"\"Tools.\"\"\"\n"
    )), "{}", out.text);
    assert!(
        out.text
            .contains("def tool_3(items):\n    # 5 lines; calls print\n    ...\n"),
        "{}",
        out.text
    );
}

/// `n` lines of filler statements, indented by `indent`.
fn filler(indent: &str, n: usize, line: impl Fn(usize) -> String) -> String {
    (0..n).map(|i| format!("{indent}{}\n", line(i))).collect()
}

#[test]
fn definitions_inside_blocks_keep_their_signatures_and_the_headers_around_them() {
    let body = |d: &str| filler(d, 8, |i| format!("total += len(str({i} * n)) + {i}"));
    let mut src = String::from("import os\n\n\n");
    for k in 0..3 {
        src.push_str(&format!(
            "def outer_{k}(n: int, flag: bool) -> int:  # noqa: C901\n    total = 0\n{}    if flag:\n        class Local(Base):\n            def method(self, x: int) -> int:\n{}                return x\n    else:\n\n        def helper():  # type: ignore\n{}            return 1\n    return total\n\n\n",
            body("    "),
            body("                "),
            body("            ")
        ));
    }
    let out = compress(&src, None, &ctx("")).unwrap().text;
    assert_parses(&out, Lang::Python, "python");
    assert!(
        out.contains(
            "def outer_1(n: int, flag: bool) -> int:  # noqa: C901\n    # 9 lines; calls len, str\n    ...\n    if flag:\n        class Local(Base):\n            def method(self, x: int) -> int:\n                # 9 lines; calls len, str\n                ...\n    else:\n\n        def helper():  # type: ignore\n            # 9 lines; calls len, str\n            ...\n    return total\n"
        ),
        "{out}"
    );
}

#[test]
fn a_rust_fn_inside_an_else_block_keeps_its_attributes() {
    let work = |d: &str| {
        filler(d, 6, |i| {
            format!("let v{i} = x.wrapping_mul({i}).rotate_left(3);")
        })
    };
    let mut src = String::new();
    for k in 0..3 {
        src.push_str(&format!(
            "pub fn decode_{k}(x: u8) -> u8 {{  // SAFETY: pure arithmetic\n{}    if x < 10 {{\n        x + 1\n    }} else {{\n        return cold(x);\n\n        #[cold]\n        #[inline(never)]\n        fn cold(x: u8) -> u8 {{\n{}            x\n        }}\n    }}\n}}\n\n",
            work("    "),
            work("            ")
        ));
    }
    let out = compress(&src, None, &ctx("")).unwrap().text;
    assert_parses(&out, Lang::Rust, "rust");
    assert!(
        out.contains(
            "pub fn decode_2(x: u8) -> u8 {  // SAFETY: pure arithmetic\n    // 6 lines\n    if x < 10 {\n        x + 1\n    } else {\n        return cold(x);\n\n        #[cold]\n        #[inline(never)]\n        fn cold(x: u8) -> u8 {\n            // 7 lines\n        }\n    }\n}\n"
        ),
        "{out}"
    );
}

#[test]
fn calls_name_what_a_reader_can_look_up() {
    let mut src = String::from("import os\n\n\ndef helper(p):\n    return p\n\n\n");
    for k in 0..12 {
        src.push_str(&format!(
            "def task_{k}(items):\n    out = []\n    for item in items:\n        out.append(helper(item))\n        os.path.join(item.name, str({k}))\n    return sorted(out)\n\n\n"
        ));
    }
    let out = compress(&src, None, &ctx("")).unwrap().text;
    // `helper` and `str` are functions, `os.path.join` a module's; `append`
    // is a method of a list and says nothing.
    assert!(
        out.contains(
            "def task_3(items):\n    # 5 lines; calls helper, join, str, sorted\n    ...\n"
        ),
        "{out}"
    );
}
