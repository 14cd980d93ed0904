//! Findings merged into rules: one per fact and project, with evidence
//! (count, sessions, lines, dates), a confidence that grows with count and
//! recency, thresholds, redaction, and a cap per project, most valuable
//! first.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::detect::waste::approx;
use super::detect::{Finding, Kind, shorten};
use super::event::{Agent, date};
use super::redact::redact;

/// Longest rule, in characters.
pub const MAX_CHARS: usize = 200;

/// Where an occurrence was seen.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Evidence {
    pub session: String,
    pub file: String,
    pub line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// The session a finding came from.
#[derive(Clone, Debug)]
pub struct Origin {
    pub session: String,
    pub file: String,
    pub project: String,
    pub agent: Agent,
}

#[derive(Clone, Debug, Serialize)]
pub struct Rule {
    pub text: String,
    /// The rule without its evidence: what stays the same as counts grow.
    #[serde(skip)]
    pub advice: String,
    pub kind: &'static str,
    pub project: String,
    pub agents: Vec<&'static str>,
    pub count: usize,
    pub sessions: usize,
    pub failures: usize,
    pub tokens_wasted: usize,
    pub confidence: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    pub evidence: Vec<Evidence>,
    #[serde(skip)]
    pub mentions: Vec<String>,
    #[serde(skip)]
    pub agent_set: BTreeSet<Agent>,
}

pub struct Settings<'a> {
    pub min_count: usize,
    pub max_rules: usize,
    /// Now, in seconds since the epoch (recency of the confidence).
    pub now: i64,
    pub home: Option<&'a str>,
}

struct Acc {
    first: Finding,
    count: usize,
    failures: usize,
    tokens: usize,
    sessions: BTreeSet<String>,
    agents: BTreeSet<Agent>,
    evidence: Vec<Evidence>,
    times: Vec<i64>,
}

/// Evidence shown in the rule itself, by kind.
fn evidence_text(
    kind: Kind,
    count: usize,
    failures: usize,
    sessions: usize,
    tokens: usize,
    detail: &str,
) -> String {
    let in_s = format!(
        "in {sessions} session{}",
        if sessions == 1 { "" } else { "s" }
    );
    match kind {
        Kind::UserCorrection => format!("the user said so {count}× {in_s}"),
        Kind::Waste => format!("fetched again {count}× {in_s}, {} tokens", approx(tokens)),
        _ if detail.is_empty() => format!("failed {failures}× {in_s}"),
        _ => format!("failed {failures}× {in_s}: `{detail}`"),
    }
}

/// The markers that start a rule's evidence in its text.
pub const EVIDENCE_STARTS: &[&str] = &[" (the user said so ", " (fetched again ", " (failed "];

/// Merges findings (in a stable order) into the rules that pass the thresholds.
pub fn merge(found: &[(Origin, Finding)], s: &Settings) -> Vec<Rule> {
    let mut groups: BTreeMap<(String, String), Acc> = BTreeMap::new();
    for (origin, f) in found {
        let acc = groups
            .entry((origin.project.clone(), f.key.clone()))
            .or_insert_with(|| Acc {
                first: f.clone(),
                count: 0,
                failures: 0,
                tokens: 0,
                sessions: BTreeSet::new(),
                agents: BTreeSet::new(),
                evidence: Vec::new(),
                times: Vec::new(),
            });
        acc.count += 1;
        acc.failures += f.failures;
        acc.tokens += f.tokens;
        acc.sessions.insert(origin.session.clone());
        acc.agents.insert(origin.agent);
        acc.times.extend(f.time);
        acc.evidence.push(Evidence {
            session: origin.session.clone(),
            file: redact(&origin.file, s.home),
            line: f.line,
            date: f.time.map(date),
        });
    }
    let mut by_project: BTreeMap<String, Vec<Rule>> = BTreeMap::new();
    for ((project, _), acc) in groups {
        if acc.count < s.min_count.max(1) {
            continue;
        }
        let f = &acc.first;
        let advice = redact(&f.advice, s.home);
        let detail = redact(&f.detail, s.home);
        let mut detail = shorten(&detail, 80);
        let text = loop {
            let ev = evidence_text(
                f.kind,
                acc.count,
                acc.failures,
                acc.sessions.len(),
                acc.tokens,
                &detail,
            );
            let text = format!("{advice} ({ev})");
            if text.chars().count() <= MAX_CHARS || detail.chars().count() <= 20 {
                break shorten(&text, MAX_CHARS);
            }
            detail = shorten(&detail, detail.chars().count() - 20);
        };
        let first = acc.times.iter().min().copied();
        let last = acc.times.iter().max().copied();
        let days = last.map_or(0.0, |l| ((s.now - l).max(0) as f64) / 86_400.0);
        let recency = if days <= 7.0 {
            1.0
        } else {
            (1.0 - (days - 7.0) / 166.0).max(0.5)
        };
        let confidence = (1.0 - 0.5f64.powi(acc.count as i32)) * recency;
        let mut evidence = acc.evidence;
        evidence.sort();
        by_project.entry(project.clone()).or_default().push(Rule {
            text,
            advice,
            kind: f.kind.name(),
            project,
            agents: acc.agents.iter().map(|a| a.name()).collect(),
            count: acc.count,
            sessions: acc.sessions.len(),
            failures: acc.failures,
            tokens_wasted: acc.tokens,
            confidence: (confidence * 100.0).round() / 100.0,
            first_seen: first.map(date),
            last_seen: last.map(date),
            evidence,
            mentions: f.mentions.iter().map(|m| redact(m, s.home)).collect(),
            agent_set: acc.agents,
        });
    }
    let mut out = Vec::new();
    for (_, mut rules) in by_project {
        rules.sort_by(|a, b| value(b).cmp(&value(a)).then_with(|| a.text.cmp(&b.text)));
        let mut seen = BTreeSet::new();
        rules.retain(|r| seen.insert(r.advice.to_lowercase().replace('`', "")));
        rules.truncate(s.max_rules);
        out.extend(rules);
    }
    out
}

/// What following a rule saves: tokens, plus a failed call's worth for each
/// failure avoided and each time the user had to say it.
fn value(r: &Rule) -> usize {
    let said = if r.kind == Kind::UserCorrection.name() {
        r.count
    } else {
        0
    };
    r.tokens_wasted + 500 * (r.failures + said)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(key: &str, line: usize, time: i64) -> Finding {
        Finding {
            kind: Kind::Environment,
            key: key.into(),
            advice: "Use `python3`, not `python`".into(),
            detail: "python: command not found".into(),
            mentions: vec!["python3".into()],
            tokens: 10,
            failures: 1,
            line,
            time: Some(time),
        }
    }

    fn origin(session: &str) -> Origin {
        Origin {
            session: session.into(),
            file: "/home/alice/.claude/projects/-p/s.jsonl".into(),
            project: "/home/alice/p".into(),
            agent: Agent::ClaudeCode,
        }
    }

    const DAY: i64 = 86_400;

    #[test]
    fn counts_sessions_dates_and_thresholds() {
        let s = Settings {
            min_count: 2,
            max_rules: 20,
            now: 100 * DAY,
            home: Some("/home/alice"),
        };
        let found = vec![
            (origin("a"), finding("k", 3, 99 * DAY)),
            (origin("a"), finding("k", 9, 99 * DAY)),
            (origin("b"), finding("k", 4, 98 * DAY)),
            (origin("b"), finding("once", 5, 98 * DAY)),
        ];
        let rules = merge(&found, &s);
        assert_eq!(rules.len(), 1, "a fact seen once is no rule");
        let r = &rules[0];
        assert_eq!(
            r.text,
            "Use `python3`, not `python` (failed 3× in 2 sessions: `python: command not found`)"
        );
        assert_eq!((r.count, r.sessions, r.failures), (3, 2, 3));
        assert_eq!(r.evidence[0].file, "~/.claude/projects/-p/s.jsonl");
        assert_eq!(r.first_seen.as_deref(), Some("1970-04-09"));
        assert_eq!(r.confidence, 0.88);
        let old = Settings {
            now: 400 * DAY,
            ..s
        };
        assert!(merge(&found, &old)[0].confidence < 0.5);
    }

    #[test]
    fn capped_and_short() {
        let s = Settings {
            min_count: 1,
            max_rules: 3,
            now: 0,
            home: None,
        };
        let mut found = Vec::new();
        for i in 0..10 {
            let mut f = finding(&format!("k{i}"), i, 0);
            f.advice = format!("Use `tool{i}`, not `x`");
            f.detail = "e".repeat(300);
            f.tokens = i * 100;
            found.push((origin("a"), f));
        }
        let rules = merge(&found, &s);
        assert_eq!(rules.len(), 3);
        assert!(rules[0].text.starts_with("Use `tool9`"));
        assert!(rules.iter().all(|r| r.text.chars().count() <= MAX_CHARS));
    }
}
