//! `headroom compress` on line-oriented command output: tables, listings,
//! trees, KEY=VALUE lists, `git log --stat`, CSV. Each case is output the
//! test builds in the shape the real command prints, with planted facts.

use crate::support::{self, Env};

/// `ps aux` on a busy host: one process at 91% CPU, one zombie.
pub fn ps_aux() -> String {
    let mut s = String::from(
        "USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n",
    );
    for i in 0..260 {
        let (cpu, stat, cmd) = match i {
            130 => (
                "91.3",
                "Rl",
                "/usr/bin/python3 /srv/etl/reindex.py --full".to_string(),
            ),
            170 => ("0.0", "Z", "[defunct-worker] <defunct>".to_string()),
            _ if i % 3 == 0 => (
                "0.1",
                "Ss",
                format!("/usr/sbin/nginx -g daemon off; worker {i}"),
            ),
            _ => ("0.0", "S", format!("[kworker/{}:{}-events]", i % 4, i % 7)),
        };
        s.push_str(&format!(
            "{:<8} {:>6} {cpu:>4} {:>4} {:>6} {:>5} ?        {stat:<4} Nov30   0:{:02} {cmd}\n",
            if i % 3 == 0 { "www-data" } else { "root" },
            100 + i * 7,
            "0.1",
            20000 + i * 13 % 977,
            9000 + i * 31 % 1000,
            i % 60,
        ));
    }
    s
}

/// `kubectl get events`: Normal events around one Warning.
pub fn kubectl_events() -> String {
    let mut s = String::from("LAST SEEN   TYPE      REASON      OBJECT              MESSAGE\n");
    for i in 0..412 {
        let (ty, reason, msg) = match i {
            301 => (
                "Warning",
                "BackOff",
                "Back-off restarting failed container api in pod api-7c9f-x2".to_string(),
            ),
            _ if i % 2 == 0 => (
                "Normal",
                "Scheduled",
                format!("Successfully assigned default/api-{i} to node-{}", i % 5),
            ),
            _ => (
                "Normal",
                "Pulled",
                format!(
                    "Container image \"registry/api:1.{}\" already present on machine",
                    i % 3
                ),
            ),
        };
        s.push_str(&format!(
            "{:<12}{ty:<10}{reason:<12}pod/api-{i:<12}{msg}\n",
            format!("{}m", 60 - i % 60)
        ));
    }
    s
}

/// `cargo tree` of a workspace: nested dependencies, `(*)` repeats, a build-dependencies section.
pub fn cargo_tree() -> String {
    let mut s = String::from("shop v0.3.0 (/home/dev/shop)\n");
    for i in 0..60 {
        s.push_str(&format!("├── crate-{i} v1.{i}.0\n"));
        for j in 0..3 {
            s.push_str(&format!("│   ├── dep-{i}-{j} v0.{j}.{i}\n"));
            s.push_str(&format!("│   │   └── leaf-{j} v2.0.{j} (*)\n"));
        }
    }
    s.push_str("[build-dependencies]\n└── cc v1.2.27\n    └── shlex v1.3.0\n");
    s
}

/// `git log --stat`: every commit message is a fact.
pub fn git_log_stat() -> String {
    let mut s = String::new();
    for i in 0..68 {
        s.push_str(&format!(
            "commit {:040x}\nAuthor: Dev {} <dev{}@example.com>\nDate:   Mon Nov {} 10:{:02}:00 2026 +0000\n\n    Orders: change number {i} to the refund path of module m{i}\n\n",
            0x1234_5678_9abc_u64 * (i + 1),
            i % 4,
            i % 4,
            1 + i % 28,
            i % 60
        ));
        for f in 0..3 {
            s.push_str(&format!(
                " src/orders/file_{f}_{i}.rs | {:>3} +++++-----\n",
                10 + f
            ));
        }
        s.push_str(" 3 files changed, 20 insertions(+), 13 deletions(-)\n\n");
    }
    s
}

/// `env` of a service: 300 settings of one shape.
pub fn env_listing() -> String {
    (1..=300)
        .map(|i| format!("APP_SETTING_{i}=/opt/app/{i}/bin\n"))
        .collect()
}

/// CSV of payments: two outlier rows (amount and latency) and one failed status.
pub fn payments_csv() -> String {
    let mut s = String::from("id,customer,amount,currency,status,latency_ms\n");
    for i in 0..5000 {
        let amount = if i == 3210 {
            "98765.43".to_string()
        } else {
            format!("{}.{:02}", 10 + i * 37 % 480, i % 100)
        };
        let latency = if i == 4021 { 45000 } else { 20 + i * 13 % 70 };
        let status = if i == 2718 { "failed" } else { "settled" };
        s.push_str(&format!(
            "{i},cust-{:05},{amount},EUR,{status},{latency}\n",
            i * 7919 % 100000
        ));
    }
    s
}

/// A `find` listing with one permission error.
pub fn find_listing() -> String {
    let mut s = String::new();
    for i in 0..900 {
        s.push_str(&format!("/srv/app/src/module_{}/part_{i}.py\n", i / 30));
        if i == 450 {
            s.push_str("find: '/srv/app/secrets': Permission denied\n");
        }
    }
    s
}

pub fn fixtures() -> Vec<String> {
    vec![
        ps_aux(),
        kubectl_events(),
        cargo_tree(),
        git_log_stat(),
        env_listing(),
        payments_csv(),
        find_listing(),
    ]
}

/// Runs `compress` (detection on) and checks the contract: every line an
/// input line in order or a marker, no two markers in a row, first and last
/// lines kept, every marker retrieving the input. Returns the output.
fn compress(env: &Env, input: &str, args: &[&str]) -> String {
    let mut all = vec!["compress"];
    all.extend(args);
    let out = env.ok_str(&all, input);
    let lines: Vec<&str> = input.lines().collect();
    let mut at = 0;
    let mut marker_before = false;
    for line in out.lines() {
        if line.starts_with("[headroom: ") {
            assert!(!marker_before, "two markers in a row:\n{out}");
            marker_before = true;
            continue;
        }
        marker_before = false;
        let found = lines[at..]
            .iter()
            .position(|l| *l == line)
            .unwrap_or_else(|| panic!("{line:?} is not an input line in order:\n{out}"));
        at += found + 1;
    }
    assert_eq!(out.lines().next(), lines.first().copied(), "first line");
    assert_eq!(out.lines().last(), lines.last().copied(), "last line");
    for h in support::hashes(&out) {
        assert_eq!(env.ok(&["retrieve", &h], ""), input.as_bytes());
    }
    out
}

/// Share of tokens saved, in percent.
fn saved(input: &str, out: &str) -> usize {
    100 - support::tokens(out) * 100 / support::tokens(input)
}

#[test]
fn ps_aux_keeps_the_busy_process_and_the_zombie() {
    let env = Env::new();
    let input = ps_aux();
    let out = compress(&env, &input, &[]);
    assert!(out.starts_with("USER         PID %CPU"));
    assert!(out.contains("91.3") && out.contains("reindex.py"), "{out}");
    assert!(out.contains("<defunct>"), "{out}");
    assert!(
        saved(&input, &out) >= 60,
        "{}%:\n{out}",
        saved(&input, &out)
    );
}

#[test]
fn kubectl_events_fold_by_category() {
    let env = Env::new();
    let input = kubectl_events();
    let out = compress(&env, &input, &[]);
    assert!(out.contains("Warning   BackOff     pod/api-301"), "{out}");
    assert!(
        out.contains("Normal Scheduled") && out.contains("Normal Pulled"),
        "{out}"
    );
    assert!(out.contains(" of 412 rows omitted ("), "{out}");
    assert!(
        saved(&input, &out) >= 80,
        "{}%:\n{out}",
        saved(&input, &out)
    );
}

#[test]
fn cargo_tree_shrinks_and_keeps_sections() {
    let env = Env::new();
    let input = cargo_tree();
    let out = compress(&env, &input, &[]);
    assert!(out.contains("[build-dependencies]"), "{out}");
    assert!(out.lines().count() < input.lines().count() / 4, "{out}");
    assert!(
        saved(&input, &out) >= 60,
        "{}%:\n{out}",
        saved(&input, &out)
    );
}

#[test]
fn git_log_keeps_every_commit_and_message() {
    let env = Env::new();
    let input = git_log_stat();
    let out = compress(&env, &input, &[]);
    for i in 0..68u64 {
        let msg = format!("    Orders: change number {i} to the refund path of module m{i}");
        assert!(out.contains(&msg), "message {i} lost:\n{out}");
        let commit = format!("commit {:040x}", 0x1234_5678_9abc_u64 * (i + 1));
        assert!(out.contains(&commit), "commit {i} lost");
    }
    assert!(
        saved(&input, &out) >= 20,
        "{}%:\n{out}",
        saved(&input, &out)
    );
}

#[test]
fn env_listing_keeps_the_queried_line_without_blank_lines() {
    let env = Env::new();
    let input = env_listing();
    let out = compress(&env, &input, &["--query", "APP_SETTING_217"]);
    assert!(
        out.contains("\nAPP_SETTING_217=/opt/app/217/bin\n"),
        "{out}"
    );
    assert!(!out.contains("\n\n"), "{out}");
    assert!(
        saved(&input, &out) >= 80,
        "{}%:\n{out}",
        saved(&input, &out)
    );
}

#[test]
fn csv_keeps_header_outliers_and_failures_unrewritten() {
    let env = Env::new();
    let input = payments_csv();
    let out = compress(&env, &input, &[]);
    let report = env.ok_str(&["compress", "--format", "json"], &input);
    assert!(report.contains("\"kind\":\"lines\""), "{report}");
    assert!(out.starts_with("id,customer,amount,currency,status,latency_ms\n"));
    for fact in [",98765.43,", ",45000\n", ",failed,"] {
        assert!(out.contains(fact), "lost {fact:?}:\n{out}");
    }
    assert!(
        saved(&input, &out) >= 90,
        "{}%:\n{out}",
        saved(&input, &out)
    );
}

#[test]
fn find_listing_keeps_the_error() {
    let env = Env::new();
    let input = find_listing();
    let out = compress(&env, &input, &[]);
    assert!(
        out.contains("find: '/srv/app/secrets': Permission denied"),
        "{out}"
    );
    assert!(
        saved(&input, &out) >= 90,
        "{}%:\n{out}",
        saved(&input, &out)
    );
}

#[test]
fn lossless_lines_only_lose_colour_and_padding() {
    let env = Env::new();
    let input: String = (0..300)
        .map(|i| format!("\x1b[32mrow {i}\x1b[0m  \n"))
        .collect();
    let out = env.ok_str(&["compress", "--lossless", "--type", "lines"], &input);
    let want: String = (0..300).map(|i| format!("row {i}\n")).collect();
    assert_eq!(out, want);
}
