//! Environment facts: a program or module that is not there, and what
//! worked instead ("Use `python3`, not `python`").

use super::workdir::is_workdir;
use super::{Finding, Fix, Kind, correction_finding};
use crate::learn::event::Session;

/// Errors that say a program, module or file the command needs is missing.
const MISSING: &[&str] = &[
    "command not found",
    "No module named",
    "ModuleNotFoundError",
    "is not recognized as",
    "ENOENT",
    "not installed",
    "executable file not found",
    "Cannot find module",
    "No such file or directory",
];

pub fn is_missing(head: &str) -> bool {
    MISSING.iter().any(|m| head.contains(m))
}

pub fn is_environment(f: &Fix) -> bool {
    !is_workdir(f)
        && f.failed.call().is_some_and(|c| is_missing(&c.head))
        && f.failed_shape.head() != f.fixed_shape.head()
}

pub fn detect(session: &Session, fixes: &[Fix]) -> Vec<Finding> {
    fixes
        .iter()
        .filter(|f| is_environment(f))
        .map(|f| correction_finding(session, f, Kind::Environment))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::build::*;
    use super::super::fixes;
    use super::*;

    #[test]
    fn missing_programs_and_modules() {
        let s = session(vec![
            fail("python manage.py test", "bash: python: command not found"),
            ok("python3 manage.py test"),
        ]);
        let f = detect(&s, &fixes(&s));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].advice, "Use `python3`, not `python`");
        assert_eq!(f[0].detail, "python: command not found");
        let s = session(vec![
            fail(
                "python -c 'import yaml'",
                "ModuleNotFoundError: No module named 'yaml'",
            ),
            ok("uv run python -c 'import yaml'"),
        ]);
        assert_eq!(
            detect(&s, &fixes(&s))[0].advice,
            "Use `uv run python`, not `python`"
        );
    }

    #[test]
    fn other_failures_are_not_environment_facts() {
        let s = session(vec![
            fail("cargo test --feature x", "error: unexpected argument"),
            ok("cargo test --features x"),
        ]);
        assert!(detect(&s, &fixes(&s)).is_empty());
        let s = session(vec![fail("pytest", "bash: pytest: command not found")]);
        assert!(detect(&s, &fixes(&s)).is_empty());
    }
}
