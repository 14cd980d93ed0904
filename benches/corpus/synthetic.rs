//! Realistic generated inputs in the corpus layout, for `--synthetic`: arrays
//! of log records, search hits, database rows, metrics and string lists, from
//! 100 to 5,000 items, each with a question and the facts (needles) that
//! must survive. Deterministic, so runs compare.

use std::path::Path;

/// Writes `manifest.jsonl` and `cases/` under `dir`.
pub fn write_corpus(dir: &Path) {
    let cases_dir = dir.join("cases");
    std::fs::create_dir_all(&cases_dir).expect("create corpus dir");
    let mut manifest = String::new();
    for &n in &[100usize, 1000, 5000] {
        for (name, (text, query, needles)) in [
            ("logs", logs(n)),
            ("search-hits", search_hits(n)),
            ("db-rows", db_rows(n)),
            ("metrics", metrics(n)),
            ("strings", strings(n)),
        ] {
            let id = format!("gen-{name}-{n}");
            let rel = format!("cases/{id}.json");
            std::fs::write(dir.join(&rel), &text).expect("write case");
            let entry = serde_json::json!({"id": id, "kind": "json", "path": rel, "query": query, "needles": needles});
            manifest.push_str(&entry.to_string());
            manifest.push('\n');
        }
    }
    std::fs::write(dir.join("manifest.jsonl"), manifest).expect("write manifest");
}

type Case = (String, Option<String>, Vec<String>);

fn pretty(items: Vec<serde_json::Value>) -> String {
    serde_json::to_string_pretty(&serde_json::Value::Array(items)).unwrap()
}

fn logs(n: usize) -> Case {
    let services = ["checkout", "cart", "search", "auth", "inventory"];
    let items = (0..n)
        .map(|i| {
            let svc = services[i % services.len()];
            let (level, msg) = match i {
                _ if i == n * 2 / 3 => ("ERROR", format!("payment provider timeout after 30000ms for order ord_{i:06}")),
                _ if i == n / 4 => ("WARN", "connection pool exhausted, waiting 250ms".to_string()),
                _ => (["INFO", "INFO", "INFO", "DEBUG"][i % 4], format!("GET /api/{svc}/{} 200 in {}ms", 1000 + i, 10 + (i * 37) % 90)),
            };
            serde_json::json!({"ts": format!("2024-06-01T{:02}:{:02}:{:02}Z", (i / 3600) % 24, (i / 60) % 60, i % 60), "level": level, "service": svc, "host": format!("web-{}", i % 4), "msg": msg, "trace_id": format!("{:016x}", (i as u64).wrapping_mul(0x9e3779b97f4a7c15))})
        })
        .collect();
    let err = format!(
        "payment provider timeout after 30000ms for order ord_{:06}",
        n * 2 / 3
    );
    (
        pretty(items),
        Some("why did the payment fail?".into()),
        vec![err, "connection pool exhausted".into()],
    )
}

fn search_hits(n: usize) -> Case {
    let topics = [
        "retry policy",
        "rate limiting",
        "caching",
        "authentication",
        "pagination",
        "webhooks",
    ];
    let items = (0..n)
        .map(|i| {
            let topic = topics[i % topics.len()];
            let title = if i == n / 3 { "Configuring exponential backoff for the payments client".to_string() } else { format!("Guide to {topic}, part {}", i / topics.len() + 1) };
            serde_json::json!({"rank": i + 1, "score": ((1000 - (i * 997 % 1000)) as f64) / 1000.0, "title": title, "url": format!("https://docs.example.com/{}/{}", topic.replace(' ', "-"), i), "snippet": format!("This page explains {topic} in the example platform, with configuration options and defaults (section {}).", i % 17), "source": "docs"})
        })
        .collect();
    (
        pretty(items),
        Some("how do I configure exponential backoff?".into()),
        vec!["Configuring exponential backoff for the payments client".into()],
    )
}

fn db_rows(n: usize) -> Case {
    let plans = ["free", "pro", "team", "enterprise"];
    let items = (0..n)
        .map(|i| {
            let email = format!("user{i}@example.com");
            let balance = if i == n / 2 { 98_765_432.1 } else { ((i * 7919) % 10_000) as f64 / 10.0 };
            let country = ["DE", "US", "FR", "JP", "BR"][i % 5];
            serde_json::json!({"id": 10_000 + i, "email": email, "name": format!("User {i}"), "plan": plans[i % 4], "country": country, "balance": balance, "created_at": format!("2023-{:02}-{:02}", 1 + i % 12, 1 + i % 28), "active": i % 9 != 0})
        })
        .collect();
    let who = format!("user{}@example.com", n / 5);
    (
        pretty(items),
        Some(format!("what plan is {who} on?")),
        vec![who, "98765432.1".into()],
    )
}

fn metrics(n: usize) -> Case {
    let items = (0..n)
        .map(|i| {
            let cpu = if (n / 2..n / 2 + 5).contains(&i) { 97.5 } else { 30.0 + ((i * 13) % 20) as f64 / 2.0 };
            serde_json::json!({"t": 1_717_200_000 + i * 60, "host": "db-1", "cpu_pct": cpu, "mem_pct": 61.0 + (i % 7) as f64 / 10.0, "iops": 1200 + (i * 31) % 200})
        })
        .collect();
    (
        pretty(items),
        Some("when did CPU spike?".into()),
        vec!["97.5".into()],
    )
}

fn strings(n: usize) -> Case {
    let items = (0..n)
        .map(|i| {
            let s = if i == n * 3 / 5 {
                "worker 17 crashed: out of memory (rss 7.9 GiB)".to_string()
            } else {
                format!("worker {} heartbeat ok (queue depth {})", i % 40, i % 5)
            };
            serde_json::Value::String(s)
        })
        .collect();
    (
        pretty(items),
        None,
        vec!["worker 17 crashed: out of memory (rss 7.9 GiB)".into()],
    )
}
