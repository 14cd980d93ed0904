//! Completions and man pages, generated from the clap definition.
//!
//! `headroom completions SHELL` prints one script; the hidden
//! `headroom generate --out .` rewrites the committed `completions/` and
//! `man/` folders, and a test fails when they are stale.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap_complete::Shell;

use super::Exit;

/// Print a shell completion script to stdout.
#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to generate for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Regenerate completions/ and man/ (for maintainers).
#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// Repository root to write into.
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
}

pub fn completions(args: CompletionsArgs) -> Result<Exit> {
    let mut cmd = super::command();
    clap_complete::generate(args.shell, &mut cmd, "headroom", &mut std::io::stdout());
    Ok(Exit::Success)
}

pub fn run(args: GenerateArgs) -> Result<Exit> {
    for (name, bytes) in artifacts()? {
        let path = args.out.join(&name);
        write_atomic(&path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(Exit::Success)
}

/// Every generated file, as (path relative to the repo root, contents).
pub fn artifacts() -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    for (shell, file) in [
        (Shell::Bash, "headroom.bash"),
        (Shell::Zsh, "_headroom"),
        (Shell::Fish, "headroom.fish"),
        (Shell::PowerShell, "_headroom.ps1"),
        (Shell::Elvish, "headroom.elv"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut super::command(), "headroom", &mut buf);
        out.push((format!("completions/{file}"), buf));
    }
    let cmd = super::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut buf)?;
    out.push(("man/headroom.1".into(), buf));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("headroom-{}", sub.get_name());
        let mut buf = Vec::new();
        clap_mangen::Man::new(sub.clone().name(name.clone())).render(&mut buf)?;
        out.push((format!("man/{name}.1"), buf));
    }
    Ok(out)
}

/// Writes via a temporary file and a rename, so nothing is left half-written.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp~");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
