//! The committed completions/ and man/ must match what the binary generates.

use crate::support::Env;

#[test]
fn completions_and_man_pages_are_current() {
    let env = Env::new();
    let out = env.dir.path().join("gen");
    env.ok(&["generate", "--out", out.to_str().unwrap()], "");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for dir in ["completions", "man"] {
        for entry in std::fs::read_dir(out.join(dir)).unwrap() {
            let entry = entry.unwrap();
            let fresh = std::fs::read(entry.path()).unwrap();
            let committed_path = root.join(dir).join(entry.file_name());
            let committed = std::fs::read(&committed_path).unwrap_or_default();
            assert!(
                fresh == committed,
                "{} is stale; regenerate with: cargo run -- generate --out .",
                committed_path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 7);
}

#[test]
fn completions_print_for_each_shell() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = env.ok_str(&["completions", shell], "");
        assert!(
            out.contains("headroom") && out.contains("compress"),
            "{shell}"
        );
    }
}
