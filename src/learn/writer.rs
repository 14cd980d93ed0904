//! Writing rules into the files agents read (CLAUDE.md, CLAUDE.local.md,
//! AGENTS.md), only inside one marked block:
//!
//! ```text
//! <!-- headroom:learn:start -->
//! ## Learned from past sessions (headroom learn)
//!
//! - Use `python3`, not `python` (failed 3× in 2 sessions: `python: command not found`)
//! <!-- headroom:learn:end -->
//! ```
//!
//! The block is replaced in place, or appended when missing; every byte
//! outside it stays as it was. Rules already in the block that this run did
//! not find again are kept (transcripts expire; what they proved does not).
//! A rule the hand-written text already states is left out. Writes go to a
//! temporary file renamed over the target, keeping its permissions.

use super::rules::{EVIDENCE_STARTS, Rule};

pub const START: &str = "<!-- headroom:learn:start -->";
pub const END: &str = "<!-- headroom:learn:end -->";
const TITLE: &str = "## Learned from past sessions (headroom learn)";

/// The byte range of the block (markers included) in `text`, if present.
fn block_range(text: &str) -> Option<std::ops::Range<usize>> {
    let start = text.find(START)?;
    let end = text[start..].find(END)? + start + END.len();
    Some(start..end)
}

/// The hand-written text: everything outside the block.
pub fn outside(text: &str) -> String {
    match block_range(text) {
        Some(r) => format!("{}{}", &text[..r.start], &text[r.end..]),
        None => text.to_string(),
    }
}

/// Whether the hand-written text already states the rule (names all of
/// what it mentions).
pub fn stated(hand: &str, rule: &Rule) -> bool {
    let hand = hand.to_lowercase();
    !rule.mentions.is_empty()
        && rule
            .mentions
            .iter()
            .all(|m| m.trim().len() >= 2 && hand.contains(&m.to_lowercase()))
}

/// The advice of a bullet line, without its evidence.
fn advice_of(line: &str) -> &str {
    let body = line.trim_start_matches("- ");
    let cut = EVIDENCE_STARTS.iter().filter_map(|m| body.find(m)).min();
    cut.map_or(body, |i| &body[..i]).trim()
}

/// `text` with the block holding `rules` (plus earlier rules not found
/// again, up to `max` in all). Unchanged when there is nothing to write.
pub fn splice(text: &str, rules: &[&Rule], max: usize) -> String {
    let hand = outside(text);
    let mut lines: Vec<String> = rules
        .iter()
        .filter(|r| !stated(&hand, r))
        .map(|r| format!("- {}", r.text))
        .collect();
    if let Some(r) = block_range(text) {
        // Rules found again (stated by hand or not) replace their old lines.
        let fresh: Vec<String> = rules.iter().map(|r| r.advice.to_lowercase()).collect();
        for old in text[r].lines().filter(|l| l.starts_with("- ")) {
            if !fresh.contains(&advice_of(old).to_lowercase()) && !lines.iter().any(|l| l == old) {
                lines.push(old.to_string());
            }
        }
    }
    lines.truncate(max);
    if lines.is_empty() {
        return text.to_string();
    }
    let block = format!("{START}\n{TITLE}\n\n{}\n{END}", lines.join("\n"));
    match block_range(text) {
        Some(r) => format!("{}{block}{}", &text[..r.start], &text[r.end..]),
        None if text.is_empty() => format!("{block}\n"),
        None if text.ends_with("\n\n") => format!("{text}{block}\n"),
        None if text.ends_with('\n') => format!("{text}\n{block}\n"),
        None => format!("{text}\n\n{block}\n"),
    }
}

/// A unified diff of `old` → `new` for `path` (empty when equal).
pub fn diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(2)
        .header(path, path)
        .to_string()
}

pub use crate::atomic::write_atomic;

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(text: &str, mentions: &[&str]) -> Rule {
        Rule {
            text: text.into(),
            advice: advice_of(text).into(),
            kind: "environment",
            project: "/p".into(),
            agents: vec!["claude-code"],
            count: 2,
            sessions: 1,
            failures: 2,
            tokens_wasted: 0,
            confidence: 0.75,
            first_seen: None,
            last_seen: None,
            evidence: Vec::new(),
            mentions: mentions.iter().map(|m| m.to_string()).collect(),
            agent_set: Default::default(),
        }
    }

    #[test]
    fn created_replaced_and_idempotent() {
        let r1 = rule(
            "Use `python3`, not `python` (failed 2× in 1 session)",
            &["python3"],
        );
        let new = splice("", &[&r1], 20);
        assert_eq!(
            new,
            format!(
                "{START}\n{TITLE}\n\n- Use `python3`, not `python` (failed 2× in 1 session)\n{END}\n"
            )
        );
        assert_eq!(
            splice(&new, &[&r1], 20),
            new,
            "a second run changes nothing"
        );
        let hand = "# Project\n\nBuild with `make`.\r\nTabs\tstay.\n";
        let with = splice(hand, &[&r1], 20);
        assert!(with.starts_with(hand));
        // Replaced in place; text after the block untouched.
        let doc = format!("{hand}\n{START}\nold stuff\n{END}\n\ntail text\n");
        let r2 = rule(
            "Use `python3`, not `python` (failed 5× in 3 sessions)",
            &["python3"],
        );
        let out = splice(&doc, &[&r2], 20);
        assert!(out.starts_with(hand) && out.ends_with(&format!("{END}\n\ntail text\n")));
        assert!(out.contains("failed 5×") && !out.contains("old stuff"));
        // An updated count replaces the old line, not added beside it.
        let again = splice(&splice("", &[&r1], 20), &[&r2], 20);
        assert_eq!(again.matches("- Use").count(), 1);
        // Earlier rules not found again are kept.
        let other = rule(
            "Use `pnpm`, not `npm` (the user said so 2× in 2 sessions)",
            &["pnpm"],
        );
        let kept = splice(&splice("", &[&other], 20), &[&r2], 20);
        assert!(kept.contains("pnpm") && kept.contains("5×"));
    }

    #[test]
    fn hand_written_rules_are_not_repeated() {
        let r = rule(
            "Use `uv run pytest`, not `pytest` (failed 2× in 1 session)",
            &["uv run pytest"],
        );
        let hand = "Always run tests with uv run pytest.\n";
        assert_eq!(splice(hand, &[&r], 20), hand);
        // Nor kept from an earlier block once the hand-written text says it.
        let both = format!("{}{hand}", splice("", &[&r], 20));
        assert_eq!(splice(&both, &[&r], 20), both);
        let other = rule("Use `pnpm`, not `npm` (failed 2× in 1 session)", &["pnpm"]);
        let out = splice(&both, &[&r, &other], 20);
        assert!(
            out.contains("pnpm") && !out.contains("- Use `uv run pytest`"),
            "{out}"
        );
        assert_eq!(outside(&format!("a\n{START}\nx\n{END}\nb")), "a\n\nb");
    }

    #[test]
    fn atomic_write_keeps_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("AGENTS.md");
        std::fs::write(&p, "x").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o640
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
        assert!(diff("AGENTS.md", "a\n", "a\nb\n").contains("+b"));
    }
}
