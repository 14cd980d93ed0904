//! The committed completions/ and man/ pages, generated from the CLI's own
//! clap definition. The test fails when they are stale;
//! `UPDATE_GENERATED=1 cargo test --test it generated` rewrites them. The
//! shipped binary never writes files it was not asked to.

use std::path::Path;

use clap_complete::Shell;

use crate::support::Env;

/// The binary's command-line definition, compiled into this test as is.
#[allow(dead_code, unused_imports)]
#[path = "../../src/cli/mod.rs"]
mod cli;

/// What each exit status means (src/cli/exit.rs), for the man pages.
const EXIT_STATUSES: &[(&str, &str)] = &[
    (
        "0",
        "Success, including input passed through unchanged and an output pipe closed early (as with head).",
    ),
    (
        "1",
        "A runtime failure: an input that cannot be read, an original that is not (or no longer) stored, a retrieve --query that matches nothing. Configuration problems are warnings, never failures.",
    ),
    (
        "2",
        "A usage error: an unknown flag or value, or a malformed hash.",
    ),
];

/// Every generated file, as (path relative to the repository root, contents).
fn artifacts() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (shell, file) in [
        (Shell::Bash, "headroom.bash"),
        (Shell::Zsh, "_headroom"),
        (Shell::Fish, "headroom.fish"),
        (Shell::PowerShell, "_headroom.ps1"),
        (Shell::Elvish, "headroom.elv"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cli::command(), "headroom", &mut buf);
        out.push((format!("completions/{file}"), buf));
    }
    // Built, so each subcommand knows it is run as `headroom compress` and
    // its page is `headroom-compress`; `help` has no page of its own.
    let mut root = cli::command().disable_help_subcommand(true);
    root.build();
    out.push(("man/headroom.1".into(), man_page(&root, true)));
    for sub in root.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_display_name().unwrap_or(sub.get_name());
        out.push((format!("man/{name}.1"), man_page(sub, false)));
    }
    out
}

/// A man page: clap's sections, then ENVIRONMENT, FILES and EXIT STATUS.
fn man_page(cmd: &clap::Command, root: bool) -> Vec<u8> {
    let version = cmd.get_version().unwrap_or_default();
    let man = clap_mangen::Man::new(cmd.clone()).source(format!("headroom {version}"));
    let mut buf = Vec::new();
    man.render_title(&mut buf).unwrap();
    man.render_name_section(&mut buf).unwrap();
    man.render_synopsis_section(&mut buf).unwrap();
    man.render_description_section(&mut buf).unwrap();
    man.render_options_section(&mut buf).unwrap();
    if root {
        man.render_subcommands_section(&mut buf).unwrap();
    }
    let mut roff = String::from(".SH ENVIRONMENT\n");
    for (name, about) in headroom::env::ALL {
        roff.push_str(&format!(
            ".TP\n\\fB{}\\fR\n{}\n",
            escape(name),
            escape(about)
        ));
    }
    roff.push_str(".SH FILES\n");
    roff.push_str(&format!(
        ".TP\n\\fB$HEADROOM_HOME/headroom.db\\fR\n{}\n",
        escape("The store of originals (mode 0600). A damaged store is moved aside to headroom.db.damaged-<time> and a fresh one started.")
    ));
    let keys: Vec<String> = headroom::config::FILE_KEYS
        .iter()
        .map(|(key, var)| format!("{key} ({var})"))
        .collect();
    roff.push_str(&format!(
        ".TP\n\\fB$HEADROOM_HOME/config.toml\\fR\n{}\n",
        escape(&format!(
            "Settings as top-level key = value lines, below the environment in precedence: {}. A bad value or unknown key is a warning and the default is used.",
            keys.join(", ")
        ))
    ));
    roff.push_str(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in EXIT_STATUSES {
        roff.push_str(&format!(".TP\n{code}\n{}\n", escape(meaning)));
    }
    buf.extend_from_slice(roff.as_bytes());
    man.render_version_section(&mut buf).unwrap();
    // Each render_* call starts with the same two-line preamble: keep one.
    let text = String::from_utf8(buf).unwrap();
    let preamble = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    assert!(text.starts_with(preamble));
    format!("{preamble}{}", text.replace(preamble, "")).into_bytes()
}

/// Text safe in a roff line: backslashes and hyphens escaped, no leading dot.
fn escape(text: &str) -> String {
    let s = text.replace('\\', "\\e").replace('-', "\\-");
    if s.starts_with(['.', '\'']) {
        format!("\\&{s}")
    } else {
        s
    }
}

#[test]
fn completions_and_man_pages_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let update = std::env::var_os("UPDATE_GENERATED").is_some();
    let fresh = artifacts();
    for (name, bytes) in &fresh {
        let path = root.join(name);
        if update {
            // Temp file and rename: never a half-written page.
            let tmp = path.with_extension("tmp~");
            std::fs::write(&tmp, bytes).unwrap();
            std::fs::rename(&tmp, &path).unwrap();
            continue;
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            *bytes == committed,
            "{} is stale; regenerate with: UPDATE_GENERATED=1 cargo test --test it generated",
            path.display()
        );
    }
    // No page without a subcommand, none left over from a removed one.
    for dir in ["completions", "man"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let name = format!("{dir}/{}", entry.unwrap().file_name().to_string_lossy());
            assert!(
                fresh.iter().any(|(n, _)| *n == name),
                "{name} is not generated any more; delete it"
            );
        }
    }
    assert_eq!(fresh.len(), 16);
}

#[test]
fn man_pages_name_real_commands_and_document_settings() {
    let pages = artifacts();
    let page = |name: &str| {
        let (_, bytes) = pages.iter().find(|(n, _)| n == name).unwrap();
        String::from_utf8(bytes.clone()).unwrap()
    };
    let compress = page("man/headroom-compress.1");
    assert!(
        compress.contains(".SH SYNOPSIS\n\\fBheadroom compress\\fR"),
        "{compress}"
    );
    let root = page("man/headroom.1");
    assert!(!root.contains("headroom\\-help"));
    for text in [&root, &compress] {
        for needle in [
            "\\fBHEADROOM_HOME\\fR",
            "\\fBHEADROOM_TTL\\fR",
            "\\fBHEADROOM_MAX_STORE_MB\\fR",
            ".SH \"EXIT STATUS\"",
            "$HEADROOM_HOME/headroom.db",
        ] {
            assert!(text.contains(needle), "{needle} missing");
        }
    }
}

#[test]
fn generate_is_neither_a_subcommand_nor_completed() {
    let env = Env::new();
    let out = env.run(&["generate", "--out", "."], "");
    assert_eq!(out.status.code(), Some(2));
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = env.ok_str(&["completions", shell], "");
        // The word may appear only in the help text of `completions SHELL`.
        assert_eq!(
            script.matches("generate").count(),
            script.matches("to generate for").count(),
            "{shell} completes generate"
        );
    }
}

#[test]
fn completions_print_for_each_shell() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = env.ok_str(&["completions", shell], "");
        assert!(
            out.contains("headroom") && out.contains("compress"),
            "{shell}"
        );
    }
}

#[test]
fn readme_documents_every_variable_key_and_exit_code() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    for (name, _) in headroom::env::ALL {
        assert!(readme.contains(&format!("| `{name}` |")), "{name} missing");
    }
    for (key, var) in headroom::config::FILE_KEYS {
        assert!(
            readme.contains(&format!("| `{key}` | `{var}` |")),
            "config key {key} missing"
        );
    }
    for (code, _) in EXIT_STATUSES {
        assert!(
            readme.contains(&format!("| `{code}` |")),
            "exit code {code} missing"
        );
    }
}
