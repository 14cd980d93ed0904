//! Corrections: a failing command followed by a succeeding one that does
//! the same job differently (other binary, flags, wrapper, directory), when
//! neither a missing program nor only the directory explains it.

use super::environment::is_environment;
use super::workdir::is_workdir;
use super::{Finding, Fix, Kind, correction_finding};
use crate::learn::event::Session;

pub fn detect(session: &Session, fixes: &[Fix]) -> Vec<Finding> {
    fixes
        .iter()
        .filter(|f| !is_workdir(f) && !is_environment(f))
        .map(|f| correction_finding(session, f, Kind::Correction))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::build::*;
    use super::super::fixes;
    use super::*;

    #[test]
    fn flags_wrappers_and_binaries() {
        let s = session(vec![
            fail(
                "cargo test --feature cli",
                "error: unexpected argument '--feature' found",
            ),
            ok("cargo test --features cli"),
        ]);
        let f = detect(&s, &fixes(&s));
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].advice,
            "Use `cargo test --features cli`, not `cargo test --feature cli`"
        );
        assert_eq!(f[0].detail, "error: unexpected argument '--feature' found");
        let s = session(vec![
            fail("npm install", "npm ERR! lockfile is pnpm"),
            ok("pnpm install"),
        ]);
        assert_eq!(detect(&s, &fixes(&s))[0].advice, "Use `pnpm`, not `npm`");
        let s = session(vec![
            fail("jest --ci", "SyntaxError: Cannot use import"),
            ok("cd web && npx jest --ci"),
        ]);
        assert_eq!(
            detect(&s, &fixes(&s))[0].advice,
            "Use `cd web && npx jest --ci`, not `jest --ci`"
        );
    }

    #[test]
    fn never_a_correction() {
        // Parallel call cancelled because a sibling failed.
        let s = session(vec![
            fail("cargo build", "error[E0425]"),
            sh(
                "cargo test --features x",
                crate::learn::event::Status::Cancelled,
                "Sibling tool call errored",
            ),
            ok("cargo build --release"),
        ]);
        let f = detect(&s, &fixes(&s));
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].advice.contains("--release"));
        // Flaky: the same command passes later.
        let s = session(vec![
            fail("make test", "1 failed"),
            ok("make test V=1"),
            ok("make test"),
        ]);
        assert!(detect(&s, &fixes(&s)).is_empty());
    }
}
