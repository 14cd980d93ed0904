//! Runs the agent as if the user had started it: same terminal, same
//! process group (so the terminal's Ctrl-C, Ctrl-Z and window changes reach
//! it directly, and job control works), signals sent to wrap forwarded, and
//! its exit status returned as a shell would report it.

use std::io;
use std::process::ExitStatus;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::process::Command;
use tokio::signal::unix::{SignalKind, signal};

use super::Launch;

/// Why the agent could not be started.
#[derive(thiserror::Error, Debug)]
pub enum SpawnError {
    #[error("{program}: command not found")]
    NotFound { program: String },
    #[error("cannot start {program}: {source}")]
    Io { program: String, source: io::Error },
}

/// Starts `launch` and waits for it, forwarding SIGINT, SIGTERM, SIGHUP and
/// SIGQUIT sent to wrap. Returns the exit code a shell would show: the
/// agent's own, or 128+N when signal N ended it.
pub async fn run(launch: &Launch) -> Result<i32, SpawnError> {
    let program = launch.program.to_string_lossy().into_owned();
    // Listen before spawning, so a signal in between is not lost and wrap is
    // never killed by one it should have passed on.
    let mut int = signal(SignalKind::interrupt()).ok();
    let mut term = signal(SignalKind::terminate()).ok();
    let mut hup = signal(SignalKind::hangup()).ok();
    let mut quit = signal(SignalKind::quit()).ok();
    let mut child = Command::new(&launch.program)
        .args(&launch.args)
        .envs(launch.env.iter().map(|(k, v)| (k, v)))
        .spawn()
        .map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => SpawnError::NotFound {
                program: program.clone(),
            },
            _ => SpawnError::Io {
                program: program.clone(),
                source,
            },
        })?;
    let pid = child.id().and_then(|id| i32::try_from(id).ok());
    loop {
        let sig = tokio::select! {
            status = child.wait() => return Ok(status.map_or(1, |s| exit_code(&s))),
            Some(()) = next(&mut int) => Signal::SIGINT,
            Some(()) = next(&mut term) => Signal::SIGTERM,
            Some(()) = next(&mut hup) => Signal::SIGHUP,
            Some(()) = next(&mut quit) => Signal::SIGQUIT,
        };
        if let Some(pid) = pid {
            forward(sig, pid);
        }
    }
}

/// The next delivery of a signal wrap listens for (never, if it could not listen).
async fn next(s: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
    match s {
        Some(s) => s.recv().await,
        None => std::future::pending().await,
    }
}

fn forward(sig: Signal, pid: i32) {
    // The terminal sends Ctrl-C and Ctrl-\ to the whole foreground process
    // group, the agent included: passing them on would deliver them twice
    // (twice Ctrl-C quits Claude Code). Only signals aimed at wrap alone
    // need passing on.
    if matches!(sig, Signal::SIGINT | Signal::SIGQUIT) && in_foreground() {
        return;
    }
    let _ = kill(Pid::from_raw(pid), sig);
}

/// Whether wrap's process group owns the terminal (so the agent, in the
/// same group, gets the terminal's signals itself).
fn in_foreground() -> bool {
    nix::unistd::tcgetpgrp(io::stdin()).is_ok_and(|fg| fg == nix::unistd::getpgrp())
}

/// The agent's exit code, or 128+N for a signal, as shells report it.
pub fn exit_code(status: &ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|n| 128 + n))
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt;

    use super::*;

    #[test]
    fn exit_codes_are_the_agents_or_128_plus_the_signal() {
        assert_eq!(exit_code(&ExitStatus::from_raw(0)), 0);
        assert_eq!(exit_code(&ExitStatus::from_raw(3 << 8)), 3);
        assert_eq!(exit_code(&ExitStatus::from_raw(15)), 143);
        assert_eq!(exit_code(&ExitStatus::from_raw(2)), 130);
    }
}
