//! Exit codes: 0 success (passthrough included), 1 runtime failure, 2 usage
//! error; `wrap` exits with its agent's code.

use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Success,
    Failure,
    Usage,
    /// Another program's code, passed on (`wrap`).
    Code(u8),
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        match e {
            Exit::Success => ExitCode::SUCCESS,
            Exit::Failure => ExitCode::from(1),
            Exit::Usage => ExitCode::from(2),
            Exit::Code(n) => ExitCode::from(n),
        }
    }
}

/// `headroom compress big.json | head` must end quietly, as `cat` does,
/// whether the write that failed was plain text or serialised JSON.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        let kind = match (
            e.downcast_ref::<std::io::Error>(),
            e.downcast_ref::<serde_json::Error>(),
        ) {
            (Some(io), _) => Some(io.kind()),
            // serde_json hides the io::Error: it is not in the source chain.
            (_, Some(json)) => json.io_error_kind(),
            _ => None,
        };
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// One line for `err` and its causes, each cause named once: a cause whose
/// text the message already contains (a library error that quotes its
/// source) ends the line rather than repeating it.
pub fn one_line(err: &anyhow::Error) -> String {
    let mut line = err.to_string();
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        if line.contains(&text) {
            break;
        }
        line.push_str(": ");
        line.push_str(&text);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_are_named_once() {
        let io = std::io::Error::other("disk full");
        let err = anyhow::Error::new(io).context("cannot write out.txt");
        assert_eq!(one_line(&err), "cannot write out.txt: disk full");
        let quoting = anyhow::anyhow!("store: cannot open: disk full").context("retrieve");
        assert_eq!(
            one_line(&quoting),
            "retrieve: store: cannot open: disk full"
        );
    }

    #[test]
    fn broken_pipes_are_seen_through_serde_json() {
        struct Closed;
        impl std::io::Write for Closed {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let err = serde_json::to_writer(Closed, &[1, 2, 3]).unwrap_err();
        assert!(is_broken_pipe(&err.into()));
        assert!(!is_broken_pipe(&anyhow::anyhow!("Broken pipe")));
    }
}
