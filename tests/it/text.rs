//! `headroom compress` on plain text and Markdown: small text passes through,
//! long text keeps headings and matches, every gap is retrievable.

use crate::support::{Env, hashes};

fn long_markdown() -> String {
    let topics = [
        "caching", "billing", "search", "auth", "exports", "alerts", "quotas", "backups",
    ];
    let mut doc = String::from("# Platform handbook\n\n");
    for (s, topic) in topics.iter().enumerate() {
        doc.push_str(&format!("## {topic}\n\n"));
        for p in 0..8 {
            doc.push_str(&format!(
                "The {topic} team owns note {p} here: it describes how {topic} requests move through the \
                 gateway, which dashboards to watch during a rollout, and who to page when {topic} misbehaves \
                 outside office hours{}.\n\n",
                ", with a reminder to update the runbook".repeat(p % 3)
            ));
        }
        if s == 5 {
            doc.push_str("Quota resets happen at 00:00 UTC; the default quota is 12,000 calls per day per tenant.\n\n");
        }
    }
    doc
}

#[test]
fn small_text_passes_through_unchanged() {
    let env = Env::new();
    let text = "Deploy notes\n\nThe release went out at 14:02 without incident.\n";
    assert_eq!(env.ok_str(&["compress", "--type", "text"], text), text);
}

#[test]
fn long_markdown_keeps_what_was_asked_and_retrieves_the_rest() {
    let env = Env::new();
    let doc = long_markdown();
    let out = env.ok_str(
        &[
            "compress",
            "--type",
            "text",
            "--query",
            "what is the default quota per tenant?",
        ],
        &doc,
    );
    assert!(
        out.contains("the default quota is 12,000 calls per day per tenant"),
        "{out}"
    );
    assert!(
        out.contains("## backups") && out.contains("# Platform handbook"),
        "{out}"
    );
    assert!(out.len() * 2 < doc.len(), "{} vs {}", out.len(), doc.len());
    let found = hashes(&out);
    assert!(!found.is_empty());
    assert!(found.iter().all(|h| h == &found[0]));
    assert_eq!(env.ok(&["retrieve", &found[0]], ""), doc.as_bytes());
    assert_eq!(
        env.ok(&["compress", "--type", "text", "--lossless"], &doc),
        doc.as_bytes()
    );
}
