//! Realistic Claude Code and Codex sessions with planted patterns and
//! decoys, written as a fake HOME (`.claude/projects`, `.codex/sessions`),
//! for `headroom learn`'s tests and its bench. Deterministic for a seed.
//!
//! Planted patterns are the facts `learn` must find (each 2–6 times);
//! decoys are every "never a rule" case (a failure seen once, never fixed,
//! flaky retries, cancelled parallel calls, interrupted calls, pairs across
//! sessions, non-corrections from the user, fixes after an edit, small
//! repeats).

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};

/// xorshift64*: deterministic, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    Claude,
    Codex,
}

#[derive(Clone, Debug)]
pub enum Res {
    Ok(String),
    Fail(String, i32),
    Cancelled,
    Interrupted,
    Rejected(Option<String>),
}

#[derive(Clone, Debug)]
pub enum Step {
    Prompt(String),
    Say(String),
    /// A shell command; `dir` is a subdirectory it runs in (Codex `workdir`).
    Run {
        cmd: String,
        dir: Option<String>,
        res: Res,
    },
    /// A file read (Claude Code `Read`; Codex `cat`), path relative to the project.
    Read {
        path: String,
        res: Res,
    },
    Edit {
        path: String,
    },
    /// Parallel calls in one assistant turn.
    Parallel(Vec<(String, Res)>),
}

fn run(cmd: &str, res: Res) -> Step {
    Step::Run {
        cmd: cmd.into(),
        dir: None,
        res,
    }
}

fn ok(out: &str) -> Res {
    Res::Ok(out.into())
}

fn fail(out: &str, code: i32) -> Res {
    Res::Fail(out.into(), code)
}

/// A fact `learn` should find: every phrase in one rule of the project.
#[derive(Clone, Debug)]
pub struct Planted {
    pub name: &'static str,
    pub project: String,
    pub phrases: Vec<String>,
    pub count: usize,
    pub agents: Vec<Who>,
}

/// What a generated world holds.
#[derive(Debug, Default)]
pub struct World {
    pub planted: Vec<Planted>,
    /// Phrases no rule may contain.
    pub decoys: Vec<(&'static str, String)>,
    pub sessions: usize,
    pub bytes: usize,
}

struct Pattern {
    name: &'static str,
    /// Phrases a rule must contain.
    phrases: &'static [&'static str],
    claude: Make,
    codex: Make,
}

fn lines(n: usize, what: &str) -> String {
    (0..n)
        .map(|i| format!("{what} {i}: value_{i} ok\n"))
        .collect()
}

const PATTERNS: &[Pattern] = &[
    Pattern {
        name: "python3",
        phrases: &["`python3`", "`python`"],
        claude: |r| {
            let script = *r.pick(&[
                "manage.py test",
                "scripts/seed.py",
                "-m http.server 8000",
                "tools/gen.py --all",
            ]);
            vec![
                run(
                    &format!("python {script}"),
                    fail("/bin/bash: line 1: python: command not found", 127),
                ),
                run(&format!("python3 {script}"), ok("done\n")),
            ]
        },
        codex: |r| {
            let script = *r.pick(&["manage.py test", "scripts/seed.py"]);
            vec![
                run(
                    &format!("python {script}"),
                    fail("bash: python: command not found\n", 127),
                ),
                run(&format!("python3 {script}"), ok("done\n")),
            ]
        },
    },
    Pattern {
        name: "uv-run-pytest",
        phrases: &["uv run pytest"],
        claude: |r| {
            let args = *r.pick(&["-q", "tests/test_orders.py", "-x -q", "tests"]);
            vec![
                run(
                    &format!("pytest {args}"),
                    fail(
                        "ImportError while loading conftest '/x/tests/conftest.py'.\ntests/conftest.py:3: in <module>\n    import fastapi\nE   ModuleNotFoundError: No module named 'fastapi'",
                        4,
                    ),
                ),
                run(
                    &format!("uv run pytest {args}"),
                    ok("....... 7 passed in 0.41s\n"),
                ),
            ]
        },
        codex: |r| {
            let args = *r.pick(&["-q", "tests"]);
            vec![
                run(
                    &format!("pytest {args}"),
                    fail("E   ModuleNotFoundError: No module named 'fastapi'\n", 4),
                ),
                run(&format!("uv run pytest {args}"), ok("7 passed in 0.41s\n")),
            ]
        },
    },
    Pattern {
        name: "cargo-features",
        phrases: &["--features cli"],
        claude: |_| {
            vec![
                run(
                    "cargo test --feature cli",
                    fail(
                        "error: unexpected argument '--feature' found\n\n  tip: a similar argument exists: '--features'\n\nUsage: cargo test [OPTIONS]",
                        1,
                    ),
                ),
                run(
                    "cargo test --features cli",
                    ok("test result: ok. 31 passed; 0 failed\n"),
                ),
            ]
        },
        codex: |_| {
            vec![
                run(
                    "cargo test --feature cli",
                    fail("error: unexpected argument '--feature' found\n", 1),
                ),
                run(
                    "cargo test --features cli",
                    ok("test result: ok. 31 passed\n"),
                ),
            ]
        },
    },
    Pattern {
        name: "npm-test-in-web",
        phrases: &["npm test", "web"],
        claude: |_| {
            vec![
                run(
                    "npm test",
                    fail(
                        "npm ERR! Missing script: \"test\"\nnpm ERR! To see a list of scripts, run:\nnpm ERR!   npm run",
                        1,
                    ),
                ),
                run("cd web && npm test", ok("Tests: 42 passed, 42 total\n")),
            ]
        },
        codex: |_| {
            vec![
                run("npm test", fail("npm ERR! Missing script: \"test\"\n", 1)),
                Step::Run {
                    cmd: "npm test".into(),
                    dir: Some("web".into()),
                    res: ok("Tests: 42 passed, 42 total\n"),
                },
            ]
        },
    },
    Pattern {
        name: "config-path",
        phrases: &["config/app.toml", "config.toml"],
        claude: |_| {
            vec![
                Step::Read {
                    path: "config.toml".into(),
                    res: fail("<tool_use_error>File does not exist.</tool_use_error>", 1),
                },
                Step::Read {
                    path: "config/app.toml".into(),
                    res: ok("[server]\nport = 8080\n"),
                },
            ]
        },
        codex: |_| {
            vec![
                run(
                    "cat config.toml",
                    fail("cat: config.toml: No such file or directory\n", 1),
                ),
                run("cat config/app.toml", ok("[server]\nport = 8080\n")),
            ]
        },
    },
    Pattern {
        name: "user-pnpm",
        phrases: &["pnpm", "npm"],
        claude: |r| {
            let words = *r.pick(&[
                "no, use pnpm not npm",
                "No - use pnpm, not npm.",
                "use pnpm instead of npm",
            ]);
            vec![
                run("npm install", ok("added 412 packages in 9s\n")),
                Step::Prompt(words.into()),
            ]
        },
        codex: |_| {
            vec![
                run("npm install", ok("added 412 packages\n")),
                Step::Prompt("no, use pnpm not npm".into()),
            ]
        },
    },
    Pattern {
        name: "user-e2e",
        phrases: &["e2e suite locally"],
        claude: |_| {
            vec![run(
                "npm run e2e",
                Res::Rejected(Some("don't run the e2e suite locally".into())),
            )]
        },
        codex: |_| {
            vec![
                run("npm run e2e", ok("starting browsers\n")),
                Step::Prompt("Don't run the e2e suite locally.".into()),
            ]
        },
    },
    Pattern {
        name: "cargo-tree-waste",
        phrases: &["cargo tree"],
        claude: |_| {
            vec![
                run("cargo tree | head -50", ok(&lines(50, "├── dep"))),
                run("cargo tree | head -200", ok(&lines(200, "├── dep"))),
                run("cargo tree", ok(&lines(2500, "├── dep"))),
            ]
        },
        codex: |_| {
            vec![
                run("cargo tree | head -50", ok(&lines(50, "├── dep"))),
                run("cargo tree | head -300", ok(&lines(300, "├── dep"))),
                run("cargo tree", ok(&lines(2500, "├── dep"))),
            ]
        },
    },
    Pattern {
        name: "docker-compose",
        phrases: &["docker compose up"],
        claude: |_| {
            vec![
                run(
                    "docker-compose up -d db",
                    fail("/bin/bash: line 1: docker-compose: command not found", 127),
                ),
                run("docker compose up -d db", ok(" ✔ Container db  Started\n")),
            ]
        },
        codex: |_| {
            vec![
                run(
                    "docker-compose up -d db",
                    fail("bash: docker-compose: command not found\n", 127),
                ),
                run("docker compose up -d db", ok("Started\n")),
            ]
        },
    },
];

/// Decoys: (name, phrase no rule may contain, steps, times planted).
/// Makes the steps of one occurrence.
type Make = fn(&mut Rng) -> Vec<Step>;

fn decoys() -> Vec<(&'static str, &'static str, Make, usize)> {
    vec![
        (
            "seen-once",
            "nodejs",
            |_| {
                vec![
                    run(
                        "node scripts/gen.js",
                        fail("bash: node: command not found", 127),
                    ),
                    run("nodejs scripts/gen.js", ok("generated\n")),
                ]
            },
            1,
        ),
        (
            "never-fixed",
            "deploy",
            |_| {
                vec![run(
                    "make deploy",
                    fail("make: *** [Makefile:31: deploy] Error 1", 2),
                )]
            },
            3,
        ),
        (
            "flaky",
            "go test -v",
            |_| {
                vec![
                    run(
                        "go test ./...",
                        fail("--- FAIL: TestTimeout (5.00s)\nFAIL\tshop/api\t5.2s", 1),
                    ),
                    run("go test -v ./...", ok("ok  \tshop/api\t0.9s\n")),
                    run("go test ./...", ok("ok  \tshop/api\t0.8s\n")),
                ]
            },
            3,
        ),
        (
            "cancelled",
            "ruff",
            |_| {
                vec![
                    Step::Parallel(vec![
                        (
                            "cargo build".into(),
                            fail("error[E0432]: unresolved import `crate::db`", 101),
                        ),
                        ("ruff check .".into(), Res::Cancelled),
                    ]),
                    run("ruff check src", ok("All checks passed!\n")),
                ]
            },
            3,
        ),
        (
            "interrupted",
            "uv pip",
            |_| {
                vec![
                    run("pip install -r requirements.txt", Res::Interrupted),
                    run(
                        "uv pip install -r requirements.txt",
                        ok("Installed 12 packages\n"),
                    ),
                ]
            },
            3,
        ),
        (
            "answer",
            "bun",
            |_| {
                vec![
                    run("ls package.json", ok("package.json\n")),
                    Step::Say("Should I install the dependencies with npm?".into()),
                    Step::Prompt("no, use bun not npm".into()),
                ]
            },
            3,
        ),
        (
            "bare-no",
            "node_modules",
            |_| {
                vec![
                    run("rm -rf node_modules", Res::Rejected(None)),
                    Step::Prompt("no".into()),
                    run("git stash list", ok("")),
                    Step::Prompt("no thanks".into()),
                ]
            },
            3,
        ),
        (
            "fixed-by-edit",
            "-k login",
            |_| {
                vec![
                    run(
                        "pytest tests/test_api.py",
                        fail(
                            "FAILED tests/test_api.py::test_login - AssertionError\n1 failed, 12 passed",
                            1,
                        ),
                    ),
                    Step::Edit {
                        path: "src/api.py".into(),
                    },
                    run(
                        "pytest tests/test_api.py -k login",
                        ok("1 passed, 12 deselected\n"),
                    ),
                ]
            },
            3,
        ),
        (
            "small-repeats",
            "git status",
            |_| {
                vec![
                    run("git status", ok("On branch main\nnothing to commit\n")),
                    run("git status", ok("On branch main\nnothing to commit\n")),
                ]
            },
            3,
        ),
    ]
}

const FILES: &[&str] = &[
    "src/main.rs",
    "src/lib.rs",
    "src/api/orders.rs",
    "src/api/users.rs",
    "src/db.rs",
    "README.md",
    "src/config.rs",
    "src/routes.rs",
    "tests/orders.rs",
    "web/src/App.tsx",
    "web/src/api.ts",
    "scripts/seed.py",
    "app/models.py",
    "app/views.py",
    "docs/design.md",
    "Makefile",
];

const PROMPTS: &[&str] = &[
    "Add pagination to the orders endpoint",
    "Fix the failing login test",
    "Refactor the database module into smaller functions",
    "Why is the build slow? Have a look.",
    "Add a health check route",
    "Update the README with the new setup steps",
];

/// Ordinary work: prompts, reads, searches, edits, passing checks.
fn filler(r: &mut Rng, scale: usize, used: &mut Vec<&'static str>) -> Vec<Step> {
    let mut steps = Vec::new();
    match r.below(5) {
        0 => steps.push(Step::Prompt(r.pick(PROMPTS).to_string())),
        1 => steps.push(Step::Say("Let me look at the code first.".into())),
        _ => {}
    }
    let file = loop {
        let f = *r.pick(FILES);
        if !used.contains(&f) || used.len() >= FILES.len() {
            break f;
        }
    };
    used.push(file);
    let body: String = (0..40 * scale.max(1))
        .map(|i| format!("    let value_{i} = compute({i}, \"{file}\");\n"))
        .collect();
    steps.push(Step::Read {
        path: file.into(),
        res: Res::Ok(body),
    });
    match r.below(4) {
        0 => steps.push(run("rg -n 'fn handle' src", ok("src/api/orders.rs:12:fn handle(req: Request) {\nsrc/api/users.rs:8:fn handle(req: Request) {\n"))),
        1 => steps.push(run("ls -la", ok("total 48\ndrwxr-xr-x  8 dev dev 4096 .\n-rw-r--r--  1 dev dev  812 Cargo.toml\n"))),
        2 => steps.push(run("git diff --stat", ok(" src/db.rs | 12 ++++++------\n 1 file changed\n"))),
        _ => steps.push(run("git log --oneline -5", ok("a1b2c3d Fix orders\nb2c3d4e Add users\n"))),
    }
    if r.below(2) == 0 {
        steps.push(Step::Edit { path: file.into() });
        steps.push(Step::Say("Updated the file.".into()));
    }
    steps
}

struct Project {
    root: &'static str,
    agents: &'static [Who],
    patterns: &'static [&'static str],
}

const PROJECTS: &[Project] = &[
    Project {
        root: "/home/dev/src/api",
        agents: &[Who::Claude, Who::Codex],
        patterns: &[
            "python3",
            "uv-run-pytest",
            "npm-test-in-web",
            "user-pnpm",
            "cargo-tree-waste",
        ],
    },
    Project {
        root: "/home/dev/src/my_app.v2",
        agents: &[Who::Claude],
        patterns: &[
            "cargo-features",
            "config-path",
            "user-e2e",
            "docker-compose",
        ],
    },
    Project {
        root: "/home/dev/src/shop",
        agents: &[Who::Codex],
        patterns: &[
            "python3",
            "npm-test-in-web",
            "config-path",
            "cargo-tree-waste",
            "user-e2e",
        ],
    },
];

/// A session being built: its steps, agent and start time.
struct Draft {
    who: Who,
    blocks: Vec<Vec<Step>>,
    /// Steps that must come last / first (pairs across sessions).
    last: Vec<Step>,
    first: Vec<Step>,
    start: i64,
    sidechain: Option<Vec<Step>>,
}

/// Writes a world under `home` (`.claude/projects`, `.codex/sessions`).
/// Project roots are `prefix` + a fixed path; `per_project` sessions per
/// project; `scale` multiplies read sizes.
pub fn generate(
    home: &Path,
    prefix: &str,
    seed: u64,
    per_project: usize,
    scale: usize,
    now: i64,
) -> World {
    let mut r = Rng::new(seed);
    let mut world = World::default();
    let per_project = per_project.max(6);
    for (pi, p) in PROJECTS.iter().enumerate() {
        let root = format!("{prefix}{}", p.root);
        let root = root.as_str();
        let mut drafts: Vec<Draft> = (0..per_project)
            .map(|i| Draft {
                who: p.agents[i % p.agents.len()],
                blocks: Vec::new(),
                last: Vec::new(),
                first: Vec::new(),
                start: now - 86_400 * (1 + r.below(40) as i64) - r.below(80_000) as i64,
                sidechain: None,
            })
            .collect();
        drafts.sort_by_key(|d| d.start);
        for name in p.patterns {
            let pat = PATTERNS.iter().find(|x| x.name == *name).expect("pattern");
            let count = 2 + r.below(5);
            let mut agents = Vec::new();
            for k in 0..count {
                let d = r.below(drafts.len());
                let who = drafts[d].who;
                let steps = match who {
                    Who::Claude => (pat.claude)(&mut r),
                    Who::Codex => (pat.codex)(&mut r),
                };
                // One Claude occurrence per world goes into a sub-agent's log.
                if who == Who::Claude && k == 0 && pi == 1 && drafts[d].sidechain.is_none() {
                    drafts[d].sidechain = Some(steps);
                } else {
                    drafts[d].blocks.push(steps);
                }
                if !agents.contains(&who) {
                    agents.push(who);
                }
            }
            world.planted.push(Planted {
                name: pat.name,
                project: root.to_string(),
                phrases: pat.phrases.iter().map(|s| s.to_string()).collect(),
                count,
                agents,
            });
        }
        for (name, phrase, make, times) in decoys() {
            for _ in 0..times {
                let d = r.below(drafts.len());
                drafts[d].blocks.push(make(&mut r));
            }
            world.decoys.push((name, phrase.to_string()));
        }
        // Pairs across sessions: a failure ends one, a fix starts the next.
        for i in 0..3.min(drafts.len() - 1) {
            drafts[i].last = vec![run(
                "yarn build",
                fail("error Command \"build\" not found.", 1),
            )];
            drafts[i + 1].first = vec![run("pnpm build", ok("built in 2.1s\n"))];
        }
        world.decoys.push(("across-sessions", "pnpm build".into()));
        for (si, d) in drafts.into_iter().enumerate() {
            let mut used = Vec::new();
            let mut steps = vec![Step::Prompt(r.pick(PROMPTS).to_string())];
            steps.extend(d.first.clone());
            let mut blocks = d.blocks;
            let n_fill = 4 + r.below(6);
            for _ in 0..n_fill {
                blocks.push(filler(&mut r, scale, &mut used));
            }
            // Shuffle deterministically.
            for i in (1..blocks.len()).rev() {
                let j = r.below(i + 1);
                blocks.swap(i, j);
            }
            for b in blocks {
                steps.extend(b);
                // Keep episodes apart from what follows.
                steps.push(Step::Say("Done with that step.".into()));
            }
            steps.extend(d.last.clone());
            let id = format!(
                "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                r.next() as u32,
                pi,
                si,
                r.below(4096),
                r.next() & 0xffff_ffff_ffff
            );
            let text = match d.who {
                Who::Claude => claude_file(root, &id, &steps, d.start, None, &mut r),
                Who::Codex => codex_file(root, &id, &steps, d.start, si % 4 == 3, &mut r),
            };
            world.bytes += text.len();
            world.sessions += 1;
            let path = match d.who {
                Who::Claude => home
                    .join(".claude/projects")
                    .join(slug(root))
                    .join(format!("{id}.jsonl")),
                Who::Codex => home
                    .join(".codex/sessions/2026/11")
                    .join(format!("{:02}", 1 + si % 28))
                    .join(format!(
                        "rollout-2026-11-{:02}T10-00-00-{id}.jsonl",
                        1 + si % 28
                    )),
            };
            write(&path, &text);
            if let Some(side) = d.sidechain {
                let agent = format!("a{:07x}", r.next() as u32 & 0xfff_ffff);
                let mut side_steps = vec![Step::Prompt(
                    "Investigate the failing setup and report back".into(),
                )];
                side_steps.extend(side);
                let text = claude_file(root, &id, &side_steps, d.start + 60, Some(&agent), &mut r);
                world.bytes += text.len();
                world.sessions += 1;
                // Newer layout: <session>/subagents/agent-<id>.jsonl.
                let path = home
                    .join(".claude/projects")
                    .join(slug(root))
                    .join(&id)
                    .join("subagents")
                    .join(format!("agent-{agent}.jsonl"));
                write(&path, &text);
            }
        }
    }
    world
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// Claude Code's project directory name: every non-alphanumeric → `-`.
pub fn slug(root: &str) -> String {
    root.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn iso(t: i64) -> String {
    let secs = t.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}.{:03}Z",
        headroom::learn::event::date(t),
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        t % 1000
    )
}

fn claude_file(
    root: &str,
    session: &str,
    steps: &[Step],
    start: i64,
    agent: Option<&str>,
    r: &mut Rng,
) -> String {
    let mut out = String::new();
    let mut t = start;
    let mut n = 0u32;
    let mut parent: Value = Value::Null;
    let side = agent.is_some();
    let mut rec =
        |out: &mut String, kind: &str, message: Value, extra: Option<(&str, Value)>, t: i64| {
            n += 1;
            let uuid = format!("{session}-{n}");
            let mut v = json!({
                "parentUuid": parent, "isSidechain": side, "userType": "external", "cwd": root,
                "sessionId": session, "version": "2.0.75", "gitBranch": "main", "type": kind,
                "message": message, "uuid": uuid, "timestamp": iso(t),
            });
            if let Some(a) = agent {
                v["agentId"] = json!(a);
            }
            if let Some((k, x)) = extra {
                v[k] = x;
            }
            parent = json!(uuid);
            writeln!(out, "{v}").expect("write");
        };
    if !side {
        writeln!(
            out,
            "{}",
            json!({"type": "summary", "summary": "Work on the project", "leafUuid": "x"})
        )
        .expect("w");
    }
    let mut call = 0;
    for step in steps {
        t += 3 + r.below(40) as i64;
        match step {
            Step::Prompt(words) => rec(
                &mut out,
                "user",
                json!({"role": "user", "content": words}),
                None,
                t,
            ),
            Step::Say(words) => rec(
                &mut out,
                "assistant",
                json!({"role": "assistant", "id": format!("msg_{t}"), "content": [{"type": "text", "text": words}]}),
                None,
                t,
            ),
            Step::Run { cmd, res, dir } => {
                let cmd = match dir {
                    Some(d) => format!("cd {d} && {cmd}"),
                    None => cmd.clone(),
                };
                call += 1;
                let id = format!("toolu_{session}_{call}");
                let input = json!({"command": cmd, "description": "Run a command"});
                claude_call(
                    &mut out,
                    &mut rec,
                    &[(id, "Bash", input, res.clone())],
                    t,
                    r,
                );
            }
            Step::Read { path, res } => {
                call += 1;
                let id = format!("toolu_{session}_{call}");
                let res = match res {
                    Res::Ok(body) => Res::Ok(
                        body.lines()
                            .enumerate()
                            .map(|(i, l)| format!("{:>6}\t{l}\n", i + 1))
                            .collect(),
                    ),
                    other => other.clone(),
                };
                let input = json!({"file_path": format!("{root}/{path}")});
                claude_call(&mut out, &mut rec, &[(id, "Read", input, res)], t, r);
            }
            Step::Edit { path } => {
                call += 1;
                let id = format!("toolu_{session}_{call}");
                let input = json!({"file_path": format!("{root}/{path}"), "old_string": "a", "new_string": "b"});
                let res = Res::Ok(format!("The file {root}/{path} has been updated."));
                claude_call(&mut out, &mut rec, &[(id, "Edit", input, res)], t, r);
            }
            Step::Parallel(calls) => {
                let mut cs = Vec::new();
                for (cmd, res) in calls {
                    call += 1;
                    cs.push((
                        format!("toolu_{session}_{call}"),
                        "Bash",
                        json!({"command": cmd}),
                        res.clone(),
                    ));
                }
                claude_call(&mut out, &mut rec, &cs, t, r);
            }
        }
    }
    if !side && r.below(3) == 0 {
        out.push_str("{\"type\":\"assistant\",\"message\":{\"role\":\"assis"); // crashed mid-write
    }
    out
}

type Rec<'a> = dyn FnMut(&mut String, &str, Value, Option<(&str, Value)>, i64) + 'a;

fn claude_call(
    out: &mut String,
    rec: &mut Rec,
    calls: &[(String, &str, Value, Res)],
    t: i64,
    r: &mut Rng,
) {
    let uses: Vec<Value> = calls
        .iter()
        .map(|(id, name, input, _)| json!({"type": "tool_use", "id": id, "name": name, "input": input}))
        .collect();
    rec(
        out,
        "assistant",
        json!({"role": "assistant", "id": format!("msg_{t}"), "content": uses, "stop_reason": "tool_use"}),
        None,
        t,
    );
    let mut results = Vec::new();
    let mut interrupted = false;
    for (id, name, _, res) in calls {
        let (text, is_error) = match res {
            Res::Ok(s) => (s.clone(), false),
            Res::Fail(s, code) if *name == "Bash" => (format!("Exit code {code}\n{s}"), true),
            Res::Fail(s, _) => (s.clone(), true),
            Res::Cancelled => ("<tool_use_error>Sibling tool call errored</tool_use_error>".into(), true),
            Res::Interrupted => {
                interrupted = true;
                ("[Request interrupted by user for tool use]".into(), true)
            }
            Res::Rejected(None) => ("The user doesn't want to take this action right now. STOP what you are doing and wait for the user to tell you how to proceed.".into(), true),
            Res::Rejected(Some(w)) => (format!("The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if it was a file edit, the new_string was NOT written to the file). To tell you how to proceed, the user said:\n{w}"), true),
        };
        // String results, or a list of text blocks.
        let content = if r.below(3) == 0 {
            json!([{"type": "text", "text": text}])
        } else {
            json!(text)
        };
        results.push(json!({"type": "tool_result", "tool_use_id": id, "content": content, "is_error": is_error}));
    }
    let extra = json!({"stdout": "", "stderr": "", "interrupted": interrupted, "isImage": false});
    rec(
        out,
        "user",
        json!({"role": "user", "content": results}),
        Some(("toolUseResult", extra)),
        t + 1,
    );
}

fn codex_file(
    root: &str,
    session: &str,
    steps: &[Step],
    start: i64,
    old: bool,
    r: &mut Rng,
) -> String {
    let mut out = String::new();
    let mut t = start;
    let push = |out: &mut String, t: i64, kind: &str, payload: Value| {
        let line = if old {
            if kind == "response_item" {
                payload
            } else {
                return;
            }
        } else {
            json!({"timestamp": iso(t), "type": kind, "payload": payload})
        };
        writeln!(out, "{line}").expect("write");
    };
    if old {
        // Older rollouts: a bare header, then bare items.
        writeln!(
            out,
            "{}",
            json!({"id": session, "timestamp": iso(t), "instructions": null})
        )
        .expect("w");
        writeln!(out, "{}", json!({"record_type": "state"})).expect("w");
    } else {
        push(
            &mut out,
            t,
            "session_meta",
            json!({"id": session, "timestamp": iso(t), "cwd": root, "originator": "codex_cli_rs", "cli_version": "0.77.0", "instructions": "# AGENTS.md"}),
        );
        push(
            &mut out,
            t,
            "turn_context",
            json!({"cwd": root, "approval_policy": "on-request", "model": "gpt-5.5"}),
        );
        push(
            &mut out,
            t,
            "response_item",
            json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": format!("<environment_context>\n  <cwd>{root}</cwd>\n</environment_context>")}]}),
        );
    }
    let mut call = 0;
    let mut shell = |out: &mut String,
                     t: i64,
                     cmd: &str,
                     dir: Option<&str>,
                     res: &Res,
                     r: &mut Rng| {
        call += 1;
        let id = format!("call_{session}_{call}");
        let workdir = match dir {
            Some(d) => format!("{root}/{d}"),
            None => root.to_string(),
        };
        let (name, args) = if r.below(2) == 0 {
            (
                "shell",
                json!({"command": ["bash", "-lc", cmd], "workdir": workdir}),
            )
        } else {
            ("exec_command", json!({"cmd": cmd, "workdir": workdir}))
        };
        push(
            out,
            t,
            "response_item",
            json!({"type": "function_call", "name": name, "arguments": args.to_string(), "call_id": id}),
        );
        let output = match res {
            Res::Ok(s) => exit_shape(0, s, r),
            Res::Fail(s, code) => exit_shape(*code, s, r),
            Res::Cancelled | Res::Interrupted => "aborted by user".to_string(),
            Res::Rejected(_) => "exec command rejected by user".to_string(),
        };
        push(
            out,
            t + 1,
            "response_item",
            json!({"type": "function_call_output", "call_id": id, "output": output}),
        );
    };
    for step in steps {
        t += 3 + r.below(40) as i64;
        match step {
            Step::Prompt(words) => {
                push(
                    &mut out,
                    t,
                    "response_item",
                    json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": words}]}),
                );
                push(
                    &mut out,
                    t,
                    "event_msg",
                    json!({"type": "user_message", "message": words}),
                );
            }
            Step::Say(words) => push(
                &mut out,
                t,
                "response_item",
                json!({"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": words}]}),
            ),
            Step::Run { cmd, dir, res } => shell(&mut out, t, cmd, dir.as_deref(), res, r),
            Step::Read { path, res } => shell(&mut out, t, &format!("cat {path}"), None, res, r),
            Step::Edit { path } => {
                let id = format!("patch_{session}_{t}");
                push(
                    &mut out,
                    t,
                    "response_item",
                    json!({"type": "custom_tool_call", "name": "apply_patch", "call_id": id, "input": format!("*** Begin Patch\n*** Update File: {path}\n@@\n-a\n+b\n*** End Patch")}),
                );
                push(
                    &mut out,
                    t,
                    "response_item",
                    json!({"type": "custom_tool_call_output", "call_id": id, "output": json!({"output": "Success. Updated the following files:\nM src\n", "metadata": {"exit_code": 0}}).to_string()}),
                );
            }
            Step::Parallel(calls) => {
                for (cmd, res) in calls {
                    shell(&mut out, t, cmd, None, res, r);
                }
            }
        }
    }
    out
}

/// Every way Codex reports an exit code.
fn exit_shape(code: i32, output: &str, r: &mut Rng) -> String {
    match r.below(3) {
        0 => json!({"output": output, "metadata": {"exit_code": code, "duration_seconds": 0.4}})
            .to_string(),
        1 => format!("Exit code: {code}\nWall time: 0.4 seconds\nOutput:\n{output}"),
        _ => format!(
            "Chunk ID: 9f2c\nWall time: 0.4 seconds\nProcess exited with code {code}\nOriginal token count: {}\nOutput:\n{output}",
            output.len() / 4
        ),
    }
}

/// How `learn`'s JSON rules score against the world.
#[derive(Debug, Default)]
pub struct Score {
    pub found: Vec<&'static str>,
    pub missed: Vec<&'static str>,
    pub bad_counts: Vec<(&'static str, usize, usize)>,
    pub true_rules: usize,
    pub false_rules: Vec<String>,
    pub decoy_rules: Vec<(&'static str, String)>,
    pub codex_only_found: usize,
    pub codex_only: usize,
}

impl Score {
    pub fn recall(&self) -> f64 {
        self.found.len() as f64 / (self.found.len() + self.missed.len()).max(1) as f64
    }
    pub fn precision(&self) -> f64 {
        self.true_rules as f64 / (self.true_rules + self.false_rules.len()).max(1) as f64
    }
}

/// Scores rules (`[{text, project, count}]`) against the planted facts.
pub fn score(world: &World, rules: &[Value]) -> Score {
    let mut s = Score::default();
    let matches = |p: &Planted, r: &Value| {
        r["project"] == p.project.as_str()
            && p.phrases
                .iter()
                .all(|ph| r["text"].as_str().unwrap_or("").contains(ph.as_str()))
    };
    for p in &world.planted {
        let codex_only = p.agents == [Who::Codex];
        s.codex_only += usize::from(codex_only);
        match rules.iter().find(|r| matches(p, r)) {
            Some(r) => {
                s.found.push(p.name);
                s.codex_only_found += usize::from(codex_only);
                let got = r["count"].as_u64().unwrap_or(0) as usize;
                if got * 4 < p.count * 3 || got * 4 > p.count * 5 {
                    s.bad_counts.push((p.name, p.count, got));
                }
            }
            None => s.missed.push(p.name),
        }
    }
    for r in rules {
        let text = r["text"].as_str().unwrap_or("").to_string();
        if world.planted.iter().any(|p| matches(p, r)) {
            s.true_rules += 1;
        } else {
            s.false_rules.push(text.clone());
        }
        for (name, phrase) in &world.decoys {
            if text.contains(phrase.as_str()) {
                s.decoy_rules.push((name, text.clone()));
            }
        }
    }
    s
}
