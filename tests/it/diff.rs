//! `headroom compress` on unified diffs through the real binary.

use crate::support::{Env, hashes, tokens};

const HEADER: &str = "commit 4fa5d80ab7fc17d880d19293e8838bd7e4255877\n\
Author: Ann Example <ann@example.com>\n\
Date:   Tue Feb 17 14:47:28 2026 +0100\n\
\n    Retry uploads with a longer timeout (#412)\n\n";

/// A source file of `n` lines.
fn source_line(file: usize, k: usize) -> String {
    match k % 5 {
        0 => format!("    fn step_{file}_{k}(&mut self) -> Result<(), Error> {{"),
        1 => format!("        let value = self.inputs[{k}].process(&self.config)?;"),
        2 => format!("        self.total += value * {k};"),
        3 => "        Ok(())".to_string(),
        _ => "    }".to_string(),
    }
}

/// `git show -U<context>`-style output: two edits per file in `files` files.
fn show(files: usize, context: usize, lockfile: bool) -> String {
    let mut out = String::from(HEADER);
    for f in 0..files {
        let path = format!("src/upload/part_{f}.rs");
        out.push_str(&format!("diff --git a/{path} b/{path}\nindex 3f2a9c1..9b1c0de 100644\n--- a/{path}\n+++ b/{path}\n"));
        for (h, at) in [40usize, 140].iter().enumerate() {
            let start = at - context;
            out.push_str(&format!(
                "@@ -{start},{} +{start},{} @@ impl Uploader {{\n",
                2 * context + 1,
                2 * context + 2
            ));
            for k in start..*at {
                out.push_str(&format!(" {}\n", source_line(f, k)));
            }
            out.push_str(&format!(
                "-        let timeout = Duration::from_secs({});\n",
                30 + h
            ));
            out.push_str(&format!(
                "+        let timeout = Duration::from_secs({}); // file {f}\n",
                60 + h
            ));
            out.push_str(&format!(
                "+        let retries = RetryPolicy::exponential({f}, {h});\n"
            ));
            for k in at + 1..at + 1 + context {
                out.push_str(&format!(" {}\n", source_line(f, k)));
            }
        }
    }
    if lockfile {
        out.push_str("diff --git a/Cargo.lock b/Cargo.lock\nindex 1a2b3c4..5d6e7f8 100644\n--- a/Cargo.lock\n+++ b/Cargo.lock\n");
        for k in 0..40 {
            out.push_str(&format!(
                "@@ -{0},7 +{0},7 @@ dependencies = [\n [[package]]\n name = \"crate-{k}\"\n-version = \"1.{k}.0\"\n+version = \"1.{k}.1\"\n source = \"registry+https://github.com/rust-lang/crates.io-index\"\n-checksum = \"{1:064x}\"\n+checksum = \"{2:064x}\"\n",
                10 + 9 * k,
                k * 7919,
                k * 104_729
            ));
        }
    }
    out
}

#[test]
fn is_detected_as_diff() {
    let env = Env::new();
    let json = env.ok_str(&["compress", "--format", "json"], show(3, 3, false));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["kind"], "diff");
}

#[test]
fn wide_context_and_lockfiles_shrink_by_a_third_and_every_change_survives() {
    let env = Env::new();
    let input = show(6, 10, true);
    let out = env.ok_str(&["compress"], &input);
    let saved = 1.0 - tokens(&out) as f64 / tokens(&input) as f64;
    assert!(saved >= 0.3, "saved only {saved:.2}:\n{out}");
    assert!(out.starts_with(HEADER), "commit header changed:\n{out}");
    for f in 0..6 {
        assert!(out.contains(&format!("diff src/upload/part_{f}.rs\n")));
        for h in 0..2 {
            assert!(
                out.contains(&format!(
                    "+        let retries = RetryPolicy::exponential({f}, {h});\n"
                )),
                "{out}"
            );
        }
    }
    assert!(
        out.contains("@@ -38 +38 @@ impl Uploader {\n"),
        "hunk header not moved to the kept context:\n{out}"
    );
    assert!(out.contains("[headroom: Cargo.lock (generated) +80 -80 lines in 40 hunks omitted; retrieve: headroom retrieve "));
    assert!(
        out.contains("7 files changed, 104 insertions(+), 92 deletions(-)\n"),
        "{out}"
    );
    assert!(!out.contains("index 3f2a9c1"));
    let hs = hashes(&out);
    assert_eq!(hs.len(), 1);
    assert_eq!(env.ok_str(&["retrieve", &hs[0]], ""), input);
}

#[test]
fn default_context_diffs_save_something_losslessly() {
    let env = Env::new();
    let input = show(4, 3, false);
    let out = env.ok_str(&["compress", "--lossless"], &input);
    assert!(hashes(&out).is_empty());
    assert!(tokens(&out) < tokens(&input));
    let context = |s: &str| s.lines().filter(|l| l.starts_with(' ')).count();
    assert_eq!(context(&out), context(&input));
}

#[test]
fn output_is_deterministic() {
    let env = Env::new();
    let input = show(6, 10, true);
    assert_eq!(env.ok(&["compress"], &input), env.ok(&["compress"], &input));
}

#[test]
fn a_diff_inside_markdown_keeps_its_fences() {
    let env = Env::new();
    let input = format!(
        "Here is the patch:\n\n```diff\n{}```\n\nIt retries uploads.\n",
        show(4, 10, false).trim_start_matches(HEADER)
    );
    let out = env.ok_str(&["compress"], &input);
    assert!(out.starts_with("Here is the patch:\n\n```diff\n"), "{out}");
    assert!(out.contains("```\n\nIt retries uploads.\n"), "{out}");
}

#[test]
fn crlf_diffs_are_compressed() {
    let env = Env::new();
    let input = show(6, 10, false).replace('\n', "\r\n");
    let out = env.ok_str(&["compress"], &input);
    assert!(!out.contains('\r'));
    assert!(tokens(&out) * 2 < tokens(&input), "{out}");
}

#[test]
fn a_ten_megabyte_line_passes_through() {
    let env = Env::new();
    let long = "lorem ipsum ".repeat(10 << 20 >> 4);
    let out = env.ok(&["compress", "--type", "diff"], &long);
    assert_eq!(out, long.as_bytes());
    let input = format!("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-{long}\n+{long}!\n");
    let out = env.ok(&["compress", "--type", "diff"], &input);
    assert!(out.len() <= input.len());
}
