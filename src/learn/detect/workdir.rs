//! Working directory: a command that fails in one directory and succeeds,
//! unchanged, from another ("Run `npm test` from `web/`").

use super::{Finding, Fix, Kind, error_line, relative};
use crate::learn::event::Session;

pub fn is_workdir(f: &Fix) -> bool {
    f.failed_shape.core() == f.fixed_shape.core() && f.failed_dir != f.fixed_dir
}

pub fn detect(session: &Session, fixes: &[Fix]) -> Vec<Finding> {
    let project = session.project.as_deref();
    fixes
        .iter()
        .filter(|f| is_workdir(f))
        .map(|f| {
            let job = f.fixed_shape.core();
            let good = relative(&f.fixed_dir, project);
            let bad = relative(&f.failed_dir, project);
            let bad = if bad == "." {
                "the project root".to_string()
            } else {
                format!("`{bad}`")
            };
            Finding {
                kind: Kind::WorkingDirectory,
                key: format!("workdir\u{0}{job}\u{0}{good}"),
                advice: format!("Run `{job}` from `{good}`, not from {bad}"),
                detail: error_line(&f.failed.call().map(|c| c.head.clone()).unwrap_or_default()),
                mentions: vec![job.clone(), good.clone()],
                tokens: f.tokens,
                failures: f.failures,
                line: f.failed.line,
                time: f.failed.time,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::build::*;
    use super::super::fixes;
    use super::*;

    #[test]
    fn same_command_other_directory() {
        let err = "npm ERR! Missing script: \"test\"";
        let s = session(vec![fail("npm test", err), ok("cd web && npm test")]);
        let f = detect(&s, &fixes(&s));
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].advice,
            "Run `npm test` from `web`, not from the project root"
        );
        assert_eq!(f[0].detail, "npm ERR! Missing script: \"test\"");
        // Codex: the workdir of the call.
        let s = session(vec![
            fail("npm test", err),
            at(ok("npm test"), "/home/u/proj/web"),
        ]);
        assert_eq!(detect(&s, &fixes(&s))[0].key, f[0].key);
    }

    #[test]
    fn never_from_the_same_directory_or_another_command() {
        let s = session(vec![fail("npm test", "x"), ok("cd . && npm test")]);
        assert!(detect(&s, &fixes(&s)).is_empty());
        let s = session(vec![fail("npm test", "x"), ok("cd web && pnpm test")]);
        assert!(detect(&s, &fixes(&s)).is_empty());
    }
}
