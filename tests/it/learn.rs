//! `headroom learn` end to end: generated sessions of both agents in a fake
//! HOME, rules scored against what was planted, files written only inside
//! the marked block, a second run a no-op.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::support::Env;
use crate::support::sessions::{self, World};

const START: &str = "<!-- headroom:learn:start -->";
const END: &str = "<!-- headroom:learn:end -->";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A fake HOME with generated sessions; project roots under `roots/`.
struct Fake {
    env: Env,
    world: World,
}

impl Fake {
    fn new(seed: u64, per_project: usize) -> Fake {
        let env = Env::new();
        let prefix = env.dir.path().join("roots").display().to_string();
        let world = sessions::generate(
            &env.dir.path().join("home"),
            &prefix,
            seed,
            per_project,
            1,
            now(),
        );
        Fake { env, world }
    }

    fn home(&self) -> PathBuf {
        self.env.dir.path().join("home")
    }

    fn root(&self, project: &str) -> PathBuf {
        PathBuf::from(format!(
            "{}{project}",
            self.env.dir.path().join("roots").display()
        ))
    }

    fn learn(&self, cwd: &Path, args: &[&str]) -> Output {
        let mut c = self.env.cmd(&[&["learn"], args].concat());
        c.env("HOME", self.home())
            .env("CLAUDE_CONFIG_DIR", self.home().join(".claude"))
            .env("CODEX_HOME", self.home().join(".codex"))
            .current_dir(cwd);
        crate::support::run_with_stdin(c, b"")
    }

    fn ok(&self, cwd: &Path, args: &[&str]) -> String {
        let out = self.learn(cwd, args);
        assert!(
            out.status.success(),
            "learn {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, cwd: &Path, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(cwd, &[args, &["--format", "json"]].concat())).unwrap()
    }
}

#[test]
fn generated_sessions_recall_precision_and_no_decoy() {
    for seed in [1, 2, 3] {
        let fake = Fake::new(seed, 12);
        let doc = fake.json(fake.env.dir.path(), &["--all"]);
        let rules = doc["rules"].as_array().unwrap();
        // Scores are on the projects' real paths (the prefix is the temp dir).
        let prefix = fake.env.dir.path().join("roots").display().to_string();
        let rules: Vec<Value> = rules
            .iter()
            .map(|r| {
                let mut r = r.clone();
                let p = r["project"].as_str().unwrap().replace(&prefix, "");
                r["project"] = Value::from(p);
                r
            })
            .collect();
        let mut world = sessions::World {
            planted: fake.world.planted.clone(),
            decoys: fake.world.decoys.clone(),
            ..Default::default()
        };
        for p in &mut world.planted {
            p.project = p.project.replace(&prefix, "");
        }
        let s = sessions::score(&world, &rules);
        eprintln!(
            "seed {seed}: recall {:.2}, precision {:.2}, codex-only {}/{}, missed {:?}, false {:?}, counts off {:?}",
            s.recall(),
            s.precision(),
            s.codex_only_found,
            s.codex_only,
            s.missed,
            s.false_rules,
            s.bad_counts
        );
        assert!(s.recall() >= 0.8, "seed {seed}: recall {:.2}", s.recall());
        assert!(
            s.precision() >= 0.9,
            "seed {seed}: precision {:.2}",
            s.precision()
        );
        assert!(s.decoy_rules.is_empty(), "seed {seed}: {:?}", s.decoy_rules);
        assert!(s.codex_only > 0 && s.codex_only_found == s.codex_only);
        assert!(s.bad_counts.is_empty(), "seed {seed}: {:?}", s.bad_counts);
        assert_eq!(
            doc["sessions"].as_u64().unwrap() as usize,
            fake.world.sessions
        );
        // Every rule carries its evidence and stays short, with no home path.
        for r in &rules {
            let text = r["text"].as_str().unwrap();
            assert!(text.chars().count() <= 200, "{text}");
            assert!(!text.contains(fake.home().to_str().unwrap()), "{text}");
            assert!(r["count"].as_u64().unwrap() >= 2);
            assert_eq!(
                r["evidence"].as_array().unwrap().len() as u64,
                r["count"].as_u64().unwrap()
            );
            assert!(!r["target"].as_array().unwrap().is_empty());
        }
    }
}

#[test]
fn dry_run_then_apply_then_a_no_op() {
    let fake = Fake::new(11, 8);
    let api = fake.root("/home/dev/src/api");
    std::fs::create_dir_all(&api).unwrap();
    let hand = "# API\r\n\nRun the server with `make run`.\n\n\tIndented   text stays.";
    std::fs::write(api.join("CLAUDE.md"), hand).unwrap();

    // Dry run: a diff, nothing written.
    let out = fake.ok(&api, &[]);
    assert!(out.contains("+<!-- headroom:learn:start -->"), "{out}");
    assert!(out.contains("--- ") && out.contains("CLAUDE.md"));
    assert!(out.contains("would change"));
    assert!(
        out.lines().last().unwrap().contains("rules (would save"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(api.join("CLAUDE.md")).unwrap(),
        hand
    );
    assert!(!api.join("AGENTS.md").exists());

    // Apply: block appended, hand text byte for byte, AGENTS.md created.
    fake.ok(&api, &["--apply"]);
    let claude = std::fs::read_to_string(api.join("CLAUDE.md")).unwrap();
    assert!(claude.starts_with(hand));
    let block = &claude[claude.find(START).unwrap()..];
    assert!(block.trim_end().ends_with(END));
    let agents = std::fs::read_to_string(api.join("AGENTS.md")).unwrap();
    assert!(agents.starts_with(START), "{agents}");
    let both = format!("{block}{agents}");
    for rule in [
        "- Use `python3`, not `python`",
        "- Use `uv run pytest`, not `pytest`",
        "- Run `npm test` from `web`",
    ] {
        assert!(both.contains(rule), "{rule}:\n{both}");
    }

    // A second run finds the same rules and changes nothing.
    let out = fake.ok(&api, &["--apply"]);
    assert!(
        out.contains("CLAUDE.md: unchanged") && out.contains("AGENTS.md: unchanged"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(api.join("CLAUDE.md")).unwrap(),
        claude
    );

    // Text after the block survives a rewrite; a hand-stated rule is not repeated.
    let edited = format!("{claude}\n## Notes\nUse uv run pytest for tests.\n");
    std::fs::write(api.join("CLAUDE.md"), &edited).unwrap();
    fake.ok(&api, &["--apply", "--min-count", "1"]);
    let after = std::fs::read_to_string(api.join("CLAUDE.md")).unwrap();
    assert!(after.starts_with(hand) && after.ends_with("## Notes\nUse uv run pytest for tests.\n"));
    let block = &after[after.find(START).unwrap()..after.find(END).unwrap()];
    assert!(!block.contains("uv run pytest"), "{block}");

    // --target local and --target FILE.
    let doc = fake.json(&api, &["--target", "local"]);
    let targets: Vec<&str> = doc["rules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r["target"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap())
        })
        .collect();
    assert!(targets.iter().any(|t| t.ends_with("CLAUDE.local.md")));
    assert!(!targets.iter().any(|t| t.ends_with("/CLAUDE.md")));
    let file = fake.env.dir.path().join("rules.md");
    fake.ok(&api, &["--apply", "--target", file.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&file).unwrap().starts_with(START));
}

#[test]
fn agent_filter_and_codex_only_project() {
    let fake = Fake::new(5, 8);
    let shop = fake.root("/home/dev/src/shop");
    std::fs::create_dir_all(&shop).unwrap();
    let doc = fake.json(&shop, &["--agent", "codex"]);
    let rules = doc["rules"].as_array().unwrap();
    assert!(!rules.is_empty());
    for r in rules {
        assert_eq!(r["agents"], serde_json::json!(["codex"]));
        let t = r["target"][0].as_str().unwrap();
        assert!(t.ends_with("shop/AGENTS.md"), "{t}");
    }
    assert!(rules.iter().any(|r| r["kind"] == "working-directory"));
    let none = fake.json(&shop, &["--agent", "claude"]);
    assert_eq!(none["rules"].as_array().unwrap().len(), 0);
    assert_eq!(none["summary"], "0 projects, 0 sessions: 0 rules");
    // A window that excludes everything.
    let doc = fake.json(&shop, &["--since", "2000-01-01", "--min-count", "100"]);
    assert_eq!(doc["rules"].as_array().unwrap().len(), 0);
}

#[test]
fn bad_flags_are_clear_errors() {
    let fake = Fake::new(1, 6);
    let out = fake.learn(fake.env.dir.path(), &["--since", "soon"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an age"));
    let out = fake.learn(fake.env.dir.path(), &["--project", "/no/such/dir"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such directory"));
    let out = fake.learn(fake.env.dir.path(), &["--all", "--project", "."]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn no_transcripts_is_not_an_error() {
    let env = Env::new();
    let mut c = env.cmd(&["learn", "--all"]);
    c.env("HOME", env.dir.path())
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("CODEX_HOME");
    let out = crate::support::run_with_stdin(c, b"");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "0 projects, 0 sessions: 0 rules\n"
    );
}
