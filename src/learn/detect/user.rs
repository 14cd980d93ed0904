//! User corrections: the human's own words correcting the agent right after
//! a tool call ("no, use pnpm not npm", "don't run the e2e suite locally"),
//! and rejections of a call that carry such words. Conservative: a bare
//! "no", "no thanks", an answer to the assistant's question, or a long new
//! instruction is not a correction.

use std::sync::LazyLock;

use regex::Regex;

use super::{Finding, Kind, shorten};
use crate::learn::event::{Event, Session, Status, Tool, What};

/// Longer messages are new instructions, not corrections.
const MAX_CHARS: usize = 240;

static LEAD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^(?:no+|nope|wrong|wait|actually)\b[\s,.!:;-]*").unwrap());
static DONT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:please\s+)?(?:don'?t|do not|never|avoid)\s+(.{3,}?)[\s.!]*$").unwrap()
});

/// Words that end a named tool or command in a sentence.
const STOPS: &[&str] = &[
    "not", "instead", "rather", "here", "for", "in", "on", "when", "because", "and", "please",
    "anymore", "again", "since", "ok", "okay", "to", "with", "from", "—", "-",
];

/// Words that name nothing a rule could say.
const VAGUE: &[&str] = &[
    "it",
    "this",
    "that",
    "them",
    "the",
    "a",
    "what",
    "something",
];

/// The tool or command named after one of `markers` (`use pnpm, …` →
/// `pnpm`): up to four words, to punctuation or a stop word. With
/// `positive`, a marker after a negation ("don't use X") does not count.
fn named_after(text: &str, markers: &[&str], positive: bool) -> Option<String> {
    let lower = text.to_lowercase();
    let mut best: Option<(usize, String)> = None;
    for m in markers {
        for (i, _) in lower.match_indices(m) {
            let at_word = i == 0 || !lower[..i].ends_with(|c: char| c.is_alphanumeric());
            let negated = ["don't ", "dont ", "do not ", "never ", "stop ", "not "]
                .iter()
                .any(|n| lower[..i].ends_with(n));
            if !at_word || (positive && negated) {
                continue;
            }
            let rest = &text[i + m.len()..];
            let mut words = Vec::new();
            for w in rest.split_whitespace() {
                let clean = w.trim_matches(|c: char| "`\"'“”‘’".contains(c));
                let ends = clean.ends_with([',', '.', ';', '!', ':', ')']);
                let clean = clean.trim_end_matches([',', '.', ';', '!', ':', ')']);
                if STOPS.contains(&clean.to_lowercase().as_str()) || clean.is_empty() {
                    break;
                }
                words.push(clean.trim_matches('`').to_string());
                if ends || words.len() == 4 {
                    break;
                }
            }
            let name = words.join(" ");
            if name.is_empty() || VAGUE.contains(&name.to_lowercase().as_str()) {
                continue;
            }
            if best.as_ref().is_none_or(|(j, _)| i < *j) {
                best = Some((i, name));
            }
            break;
        }
    }
    best.map(|(_, n)| n)
}

/// What a correction says: a key, the advice and what must be mentioned.
fn directive(text: &str, rejected: bool) -> Option<(String, String, Vec<String>)> {
    let t = text.trim();
    if t.chars().count() > MAX_CHARS || t.contains('?') {
        return None;
    }
    let first = t.lines().next().unwrap_or("").trim();
    let lead = LEAD.find(first);
    let rest = lead.map_or(first, |m| &first[m.end()..]).trim();
    let good = named_after(
        rest,
        &["use ", "run ", "using ", "prefer ", "switch to "],
        true,
    );
    let bad = named_after(
        rest,
        &[
            "instead of ",
            "rather than ",
            "don't use ",
            "dont use ",
            "do not use ",
            "never use ",
            "stop using ",
            "not ",
        ],
        false,
    );
    if let (Some(good), Some(bad)) = (&good, &bad)
        && !good.eq_ignore_ascii_case(bad)
    {
        return Some((
            format!("use\u{0}{}\u{0}{}", good.to_lowercase(), bad.to_lowercase()),
            format!("Use `{good}`, not `{bad}`"),
            vec![good.clone(), bad.clone()],
        ));
    }
    if let Some(c) = DONT.captures(rest) {
        let what = c[1].trim().to_string();
        let words: Vec<String> = what
            .to_lowercase()
            .split(|ch: char| !ch.is_alphanumeric() && ch != '-' && ch != '_')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        if words.len() < 2 {
            return None;
        }
        return Some((
            format!("dont\u{0}{}", words.join(" ")),
            format!("Don't {what}"),
            vec![what],
        ));
    }
    // "no, use pnpm": a bare "use X" only counts after a "no" or in a rejection.
    match good {
        Some(good) if lead.is_some() || rejected => Some((
            format!("use\u{0}{}", good.to_lowercase()),
            format!("Use `{good}`"),
            vec![good],
        )),
        _ => None,
    }
}

fn call_text(e: &Event) -> String {
    match e.call().map(|c| &c.tool) {
        Some(Tool::Shell { command }) => command.clone(),
        Some(Tool::Read { path, .. }) => format!("read {path}"),
        Some(Tool::Edit { path }) => format!("edit {}", path.as_deref().unwrap_or("")),
        Some(Tool::Other { name }) => name.clone(),
        None => String::new(),
    }
}

pub fn detect(session: &Session) -> Vec<Finding> {
    let ev = &session.events;
    let mut out = Vec::new();
    for (i, e) in ev.iter().enumerate() {
        let (words, rejected, call) = match &e.what {
            What::Call(c) => match &c.status {
                Status::Rejected {
                    feedback: Some(words),
                } => (words.as_str(), true, e),
                _ => continue,
            },
            What::User(words) => {
                // The call it answers: the latest event before it that is
                // not assistant text; a question just asked makes it an answer.
                let mut call = None;
                for o in ev[..i].iter().rev() {
                    match &o.what {
                        What::Assistant(t) if t.trim_end().ends_with('?') => break,
                        What::Assistant(_) => continue,
                        What::Call(_) => {
                            call = Some(o);
                            break;
                        }
                        _ => break,
                    }
                }
                let Some(call) = call else { continue };
                (words.as_str(), false, call)
            }
            What::Assistant(_) => continue,
        };
        let Some((key, advice, mentions)) = directive(words, rejected) else {
            continue;
        };
        out.push(Finding {
            kind: Kind::UserCorrection,
            key: format!("user\u{0}{key}"),
            advice,
            detail: shorten(&call_text(call), 60),
            mentions,
            tokens: 0,
            failures: 0,
            line: e.line,
            time: e.time,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::build::*;
    use super::*;

    #[test]
    fn corrections_after_a_call() {
        let s = session(vec![ok("npm install"), user("no, use pnpm not npm")]);
        let f = detect(&s);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].advice, "Use `pnpm`, not `npm`");
        assert_eq!(f[0].detail, "npm install");
        let s = session(vec![
            ok("npm run e2e"),
            user("Don't run the e2e suite locally."),
        ]);
        assert_eq!(detect(&s)[0].advice, "Don't run the e2e suite locally");
        for words in [
            "Nope - use pnpm instead of npm!",
            "don't use npm, use pnpm",
            "we use `pnpm` here, not npm",
            "Stop using npm; use pnpm.",
        ] {
            let s = session(vec![ok("npm i"), user(words)]);
            assert_eq!(
                detect(&s)[0].key,
                "user\u{0}use\u{0}pnpm\u{0}npm",
                "{words}"
            );
        }
        let s = session(vec![ok("pytest"), user("no, use uv run pytest for tests")]);
        assert_eq!(detect(&s)[0].advice, "Use `uv run pytest`");
        // A rejection that says what to do instead.
        let s = session(vec![sh(
            "npm i",
            Status::Rejected {
                feedback: Some("use pnpm".into()),
            },
            "",
        )]);
        assert_eq!(detect(&s)[0].advice, "Use `pnpm`");
    }

    #[test]
    fn never_a_user_correction() {
        for words in [
            "no",
            "No thanks",
            "no, thanks!",
            "no, that's fine",
            "use it",
            "yes, use pnpm",
            "Why not npm?",
        ] {
            let s = session(vec![ok("npm i"), user(words)]);
            assert!(detect(&s).is_empty(), "{words}");
        }
        // An answer to a question.
        let s = session(vec![
            ok("npm i"),
            assistant("Should I use npm here?"),
            user("no, use pnpm not npm"),
        ]);
        assert!(detect(&s).is_empty());
        // No tool call to correct: a first instruction.
        let s = session(vec![user("Don't run the e2e suite locally")]);
        assert!(detect(&s).is_empty());
        // A bare rejection.
        let s = session(vec![sh("npm i", Status::Rejected { feedback: None }, "")]);
        assert!(detect(&s).is_empty());
        // A long new task.
        let long = format!("don't {}", "refactor the parser and then ".repeat(12));
        assert!(detect(&session(vec![ok("ls"), user(&long)])).is_empty());
    }
}
