//! Paths: a read of a file that does not exist, followed by a successful
//! read of the real one ("Read `config/app.toml`; there is no `config.toml`").

use super::{Finding, Kind, WINDOW, relative};
use crate::learn::command;
use crate::learn::event::{Event, Session, Status, Tool};

const NOT_THERE: &[&str] = &[
    "No such file",
    "does not exist",
    "ENOENT",
    "not found",
    "cannot find the file",
];

/// The absolute path a call reads, if it is a file read (a file tool, or
/// `cat`/`head`/`tail`/`less` of one file).
fn read_path(e: &Event) -> Option<String> {
    let call = e.call()?;
    let path = match &call.tool {
        Tool::Read { path, .. } => path.clone(),
        Tool::Shell { command } => {
            let s = command::parse(command)?;
            let reader = matches!(
                s.program.as_str(),
                "cat" | "head" | "tail" | "less" | "bat" | "batcat" | "nl" | "more"
            );
            let files: Vec<&String> = s.args.iter().filter(|a| !a.starts_with('-')).collect();
            if !reader || files.len() != 1 || !s.pipes.is_empty() || s.cd.is_some() {
                return None;
            }
            files[0].trim_matches(|c| c == '\'' || c == '"').to_string()
        }
        _ => return None,
    };
    if path.starts_with('/') || path.starts_with('~') {
        return Some(path);
    }
    let cwd = e.cwd.as_deref().unwrap_or("").trim_end_matches('/');
    Some(format!("{cwd}/{}", path.trim_start_matches("./")))
}

fn name_parts(path: &str) -> (&str, &str) {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').unwrap_or((name, ""))
}

/// Whether `real` plausibly is the file `missing` was meant to be: same
/// name elsewhere, or the same extension with the missing name's stem in
/// the real path (`config.toml` → `config/app.toml`).
fn related(missing: &str, real: &str) -> bool {
    let (ms, mx) = name_parts(missing);
    let (rs, rx) = name_parts(real);
    if ms.is_empty() || missing == real {
        return false;
    }
    // Same name, or the same stem with another extension (`.yaml`/`.yml`).
    let same_name = ms == rs;
    let stem_in_path =
        mx == rx && (real.split('/').any(|c| c == ms) || rs.contains(ms) || ms.contains(rs));
    same_name || stem_in_path
}

pub fn detect(session: &Session) -> Vec<Finding> {
    let ev = &session.events;
    let project = session.project.as_deref();
    let mut out = Vec::new();
    for (i, e) in ev.iter().enumerate() {
        let Some(call) = e.call() else { continue };
        if call.status != Status::Failed || !NOT_THERE.iter().any(|m| call.head.contains(m)) {
            continue;
        }
        let Some(missing) = read_path(e) else {
            continue;
        };
        // Read fine elsewhere in the session: it exists (or was created).
        let exists = ev.iter().any(|o| {
            o.call().is_some_and(|c| c.status == Status::Ok)
                && read_path(o).as_deref() == Some(&missing)
        });
        if exists {
            continue;
        }
        let mut seen = 0;
        for o in &ev[i + 1..] {
            let Some(oc) = o.call() else { continue };
            if matches!(&oc.tool, Tool::Edit { .. }) {
                break;
            }
            seen += 1;
            if seen > WINDOW * 2 {
                break;
            }
            if oc.status != Status::Ok {
                continue;
            }
            let Some(real) = read_path(o) else { continue };
            if !related(&missing, &real) {
                continue;
            }
            let (m, r) = (relative(&missing, project), relative(&real, project));
            let failures = 1;
            out.push(Finding {
                kind: Kind::Path,
                key: format!("path\u{0}{m}\u{0}{r}"),
                advice: format!("Read `{r}`; there is no `{m}`"),
                detail: String::new(),
                mentions: vec![r.clone(), m.clone()],
                tokens: call.tokens(),
                failures,
                line: e.line,
                time: e.time,
            });
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::build::*;
    use super::*;

    const GONE: &str = "File does not exist.";

    #[test]
    fn missing_then_real() {
        let s = session(vec![
            read("/home/u/proj/config.toml", Status::Failed, GONE),
            read("/home/u/proj/config/app.toml", Status::Ok, "[app]"),
        ]);
        let f = detect(&s);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].advice,
            "Read `config/app.toml`; there is no `config.toml`"
        );
        // cat through the shell, relative to the cwd.
        let s = session(vec![
            fail(
                "cat src/util.py",
                "cat: src/util.py: No such file or directory",
            ),
            ok("cat src/lib/util.py"),
        ]);
        assert_eq!(
            detect(&s)[0].advice,
            "Read `src/lib/util.py`; there is no `src/util.py`"
        );
    }

    #[test]
    fn another_extension() {
        let s = session(vec![
            read("/home/u/proj/deploy.yaml", Status::Failed, GONE),
            read("/home/u/proj/deploy.yml", Status::Ok, "x"),
        ]);
        assert_eq!(
            detect(&s)[0].advice,
            "Read `deploy.yml`; there is no `deploy.yaml`"
        );
    }

    #[test]
    fn never_a_path_rule() {
        // Never found.
        assert!(
            detect(&session(vec![read(
                "/home/u/proj/a.toml",
                Status::Failed,
                GONE
            )]))
            .is_empty()
        );
        // Created, then read: it exists now.
        let s = session(vec![
            read("/home/u/proj/notes.md", Status::Failed, GONE),
            edit("/home/u/proj/notes.md"),
            read("/home/u/proj/docs/notes.md", Status::Ok, "x"),
        ]);
        assert!(detect(&s).is_empty());
        // An unrelated file read next.
        let s = session(vec![
            read("/home/u/proj/config.toml", Status::Failed, GONE),
            read("/home/u/proj/README.md", Status::Ok, "x"),
        ]);
        assert!(detect(&s).is_empty());
        // Interrupted reads are not failures.
        let s = session(vec![
            read("/home/u/proj/config.toml", Status::Interrupted, ""),
            read("/home/u/proj/config/app.toml", Status::Ok, "x"),
        ]);
        assert!(detect(&s).is_empty());
    }
}
