//! Waste: the same large output fetched again and again — a command re-run
//! with a bigger `| head`, or unchanged, and the same big file read twice —
//! turned into advice with the tokens it cost.

use std::collections::HashMap;

use super::{Finding, Kind, dir_of, relative, shorten};
use crate::learn::command;
use crate::learn::event::{Call, Event, Session, Status, Tool};

/// Outputs below this many bytes (~1k tokens) are cheap to fetch again.
const LARGE: usize = 4_000;

/// `~40k` for a token count.
pub fn approx(tokens: usize) -> String {
    if tokens >= 1_000 {
        format!("~{}k", (tokens + 500) / 1_000)
    } else {
        format!("~{tokens}")
    }
}

struct Group<'a> {
    last: &'a Call,
    trimmed: bool,
    /// Ended with the whole output after trimmed ones.
    done: bool,
    largest: usize,
    mention: String,
    read: bool,
    /// Events that fetched it again.
    again: Vec<&'a Event>,
}

pub fn detect(session: &Session) -> Vec<Finding> {
    let project = session.project.as_deref();
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for e in &session.events {
        let Some(call) = e.call() else { continue };
        if matches!(call.tool, Tool::Edit { .. }) {
            // Commands may print something new after an edit (tests re-run
            // after a fix); file reads are compared by content instead.
            index.retain(|k, _| k.starts_with("read"));
            continue;
        }
        if call.status != Status::Ok {
            continue;
        }
        let (group, trimmed, mention, read) = match &call.tool {
            Tool::Shell { command } => {
                let Some(shape) = command::parse(command) else {
                    continue;
                };
                let base = shorten(&shape.base(), 60);
                let group = format!("sh\u{0}{}\u{0}{base}", dir_of(e, &shape));
                (group, shape.trimmed(), base, false)
            }
            Tool::Read { path, window } => {
                let group = format!("read\u{0}{path}\u{0}{}", window.as_deref().unwrap_or(""));
                (group, false, relative(path, project), true)
            }
            _ => continue,
        };
        // A run of fetches that ended with the whole output is one episode;
        // fetching again after it starts another.
        let open = index.get(&group).copied().filter(|&i| !groups[i].done);
        match open {
            None => {
                index.insert(group, groups.len());
                groups.push(Group {
                    last: call,
                    trimmed,
                    done: false,
                    largest: call.output_bytes,
                    mention,
                    read,
                    again: Vec::new(),
                });
            }
            Some(i) => {
                let g = &mut groups[i];
                let same = g.last.output_hash == call.output_hash && call.output_bytes >= LARGE;
                if g.trimmed || same {
                    g.again.push(e);
                    g.done = g.trimmed && !trimmed;
                }
                g.largest = g.largest.max(call.output_bytes);
                g.last = call;
                g.trimmed = trimmed;
            }
        }
    }
    let mut out = Vec::new();
    for g in groups {
        let Some(first) = g.again.first() else {
            continue;
        };
        if g.largest < LARGE {
            continue;
        }
        let size = approx(g.largest.div_ceil(4));
        let advice = if g.read {
            format!(
                "`{}` is {size} tokens; read it once, or only the lines you need",
                g.mention
            )
        } else {
            format!(
                "`{}` prints {size} tokens; run it once and narrow it, not again with a bigger limit",
                g.mention
            )
        };
        let kind = if g.read { "read" } else { "sh" };
        out.push(Finding {
            kind: Kind::Waste,
            key: format!("waste\u{0}{kind}\u{0}{}", g.mention),
            advice,
            detail: String::new(),
            mentions: vec![g.mention.clone()],
            tokens: g
                .again
                .iter()
                .filter_map(|e| e.call())
                .map(Call::tokens)
                .sum(),
            failures: 0,
            line: first.line,
            time: first.time,
        });
    }
    out.sort_by_key(|f| f.line);
    out
}

#[cfg(test)]
mod tests {
    use super::super::build::*;
    use super::*;

    fn out(lines: usize) -> String {
        (0..lines)
            .map(|i| format!("crate-{i} v1.0.{i}\n"))
            .collect()
    }

    #[test]
    fn bigger_heads_and_the_whole_thing() {
        let tree = vec![
            sh("cargo tree | head -50", Status::Ok, &out(50)),
            sh("cargo tree | head -200", Status::Ok, &out(200)),
            sh("cargo tree", Status::Ok, &out(3000)),
        ];
        let f = detect(&session(tree.clone()));
        assert_eq!(f.len(), 1, "one episode");
        assert!(
            f[0].advice.starts_with("`cargo tree` prints ~"),
            "{}",
            f[0].advice
        );
        let f = detect(&session([tree.clone(), tree].concat()));
        assert_eq!(f.len(), 2, "the same again is a second episode");
        assert_eq!(f[0].key, f[1].key);
        // The same big file read twice, unchanged.
        let big = out(2000);
        let s = session(vec![
            read("/home/u/proj/src/big.rs", Status::Ok, &big),
            read("/home/u/proj/src/big.rs", Status::Ok, &big),
        ]);
        let f = detect(&s);
        assert_eq!(f.len(), 1);
        assert!(f[0].advice.starts_with("`src/big.rs` is ~"));
    }

    #[test]
    fn never_waste() {
        // Small outputs.
        let s = session(vec![ok("git status"), ok("git status"), ok("git status")]);
        assert!(detect(&s).is_empty());
        // A file read again after it changed.
        let s = session(vec![
            read("/home/u/proj/a.rs", Status::Ok, &out(2000)),
            edit("/home/u/proj/a.rs"),
            read("/home/u/proj/a.rs", Status::Ok, &out(2001)),
        ]);
        assert!(detect(&s).is_empty());
        // Tests re-run after an edit, through `| tail`.
        let s = session(vec![
            sh("cargo test | tail -50", Status::Ok, &out(2000)),
            edit("/home/u/proj/src/lib.rs"),
            sh("cargo test | tail -50", Status::Ok, &out(2000)),
        ]);
        assert!(detect(&s).is_empty());
        // Tests re-run with new output, and failing runs.
        let s = session(vec![
            sh("cargo test", Status::Failed, &out(2000)),
            sh("cargo test", Status::Ok, &out(2100)),
            sh("cargo test", Status::Ok, &out(2200)),
        ]);
        assert!(detect(&s).is_empty());
    }
}
