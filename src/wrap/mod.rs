//! `headroom wrap`: start an agent exactly as the user would, with its LLM
//! traffic pointed at a headroom proxy through environment variables and
//! command-line options only. Nothing on disk is edited, so nothing is left
//! half-applied when the agent exits.
//!
//! One small file per agent says how it is pointed at the proxy
//! ([`claude`], [`codex`], [`aider`], [`generic`]; [`cursor`] can only be
//! told what to paste); [`process`] runs the agent with the terminal and
//! signals; [`summary`] words the line printed when it exits.

pub mod aider;
pub mod claude;
pub mod codex;
pub mod cursor;
pub mod generic;
pub mod process;
pub mod session;
pub mod summary;

use std::ffi::OsString;

/// The agents wrap knows; anything else is run as a generic command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Agent {
    Claude,
    Codex,
    Aider,
    Cursor,
    Generic,
}

impl Agent {
    /// The agent a command's first word names (`claude`, `codex`, `aider`,
    /// `cursor`); any other program is [`Agent::Generic`].
    pub fn from_name(name: &str) -> Agent {
        match name {
            "claude" => Agent::Claude,
            "codex" => Agent::Codex,
            "aider" => Agent::Aider,
            "cursor" => Agent::Cursor,
            _ => Agent::Generic,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Agent::Claude => "claude",
            Agent::Codex => "codex",
            Agent::Aider => "aider",
            Agent::Cursor => "cursor",
            Agent::Generic => "generic",
        }
    }

    /// How to install the agent, for the "not found" message.
    pub fn install_hint(self) -> Option<&'static str> {
        match self {
            Agent::Claude => Some("npm install -g @anthropic-ai/claude-code"),
            Agent::Codex => Some("npm install -g @openai/codex"),
            Agent::Aider => Some("python -m pip install aider-install && aider-install"),
            Agent::Cursor | Agent::Generic => None,
        }
    }
}

/// Options that change how an agent is started, beyond where it points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Claude Code: raise its own Bash output limit so the model gets whole
    /// outputs (compressed and retrievable) instead of a 2 KB preview.
    pub full_output: bool,
}

/// How the agent is started: the program, its arguments, and the variables
/// set on top of the user's environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Launch {
    pub program: OsString,
    pub args: Vec<OsString>,
    pub env: Vec<(String, String)>,
}

/// The user's environment, as a lookup (a closure in tests).
pub trait Env {
    fn get(&self, name: &str) -> Option<String>;
}

impl<F: Fn(&str) -> Option<String>> Env for F {
    fn get(&self, name: &str) -> Option<String> {
        self(name).filter(|v| !v.trim().is_empty())
    }
}

/// The process environment.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Upstream base URLs the user's environment already points the agent at (a
/// company gateway, a local model server): the proxy must forward there, so
/// wrapping never routes around them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Upstreams {
    /// `/v1` included, as OpenAI clients write it.
    pub openai: Option<String>,
    /// Without `/v1`, as Anthropic clients write it.
    pub anthropic: Option<String>,
}

/// The variables the agent reads its base URLs from, most specific first.
fn base_url_vars(agent: Agent) -> (&'static [&'static str], &'static [&'static str]) {
    match agent {
        // LiteLLM (aider) reads the *_API_BASE names first.
        Agent::Aider => (
            &["OPENAI_API_BASE", "OPENAI_BASE_URL"],
            &["ANTHROPIC_API_BASE", "ANTHROPIC_BASE_URL"],
        ),
        _ => (&["OPENAI_BASE_URL"], &["ANTHROPIC_BASE_URL"]),
    }
}

/// The upstreams `agent` would use without headroom, from its environment
/// (for Codex with a ChatGPT login and no base URL: the ChatGPT backend).
/// A URL equal to `proxy` (the user already points at this proxy) is no
/// upstream: forwarding to it would loop.
pub fn upstreams_from_env(agent: Agent, env: &impl Env, proxy: &str) -> Upstreams {
    let (openai, anthropic) = base_url_vars(agent);
    let first = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| env.get(n))
            .map(|u| u.trim().trim_end_matches('/').to_string())
            .filter(|u| u.trim_end_matches("/v1") != proxy)
    };
    let login = || {
        (agent == Agent::Codex && codex::uses_chatgpt_login(env))
            .then(|| codex::CHATGPT_BASE_URL.to_string())
    };
    Upstreams {
        openai: first(openai).or_else(login),
        anthropic: first(anthropic),
    }
}

/// How to start `agent` against the proxy at `proxy` (`http://127.0.0.1:PORT`,
/// no path). `command` is the program and its arguments as the user gave them.
pub fn launch(
    agent: Agent,
    proxy: &str,
    command: &[OsString],
    env: &impl Env,
    options: Options,
) -> Launch {
    let (program, args) = match command.split_first() {
        Some((p, rest)) => (p.clone(), rest.to_vec()),
        None => (OsString::from(agent.name()), Vec::new()),
    };
    let mut launch = Launch {
        program,
        args: Vec::new(),
        env: Vec::new(),
    };
    match agent {
        Agent::Claude => claude::point(&mut launch, proxy, env, options),
        Agent::Codex => codex::point(&mut launch, proxy, env),
        Agent::Aider => aider::point(&mut launch, proxy, env),
        Agent::Generic | Agent::Cursor => generic::point(&mut launch, proxy),
    }
    launch.args.extend(args);
    launch
}

/// `KEY=value` pairs as shell `export` lines, quoted for POSIX shells.
pub fn exports(env: &[(String, String)]) -> String {
    env.iter()
        .map(|(k, v)| format!("export {k}={}\n", shell_quote(v)))
        .collect()
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@,+".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Env {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    const PROXY: &str = "http://127.0.0.1:8787";

    #[test]
    fn known_names_are_agents_and_anything_else_is_generic() {
        assert_eq!(Agent::from_name("claude"), Agent::Claude);
        assert_eq!(Agent::from_name("codex"), Agent::Codex);
        assert_eq!(Agent::from_name("aider"), Agent::Aider);
        assert_eq!(Agent::from_name("cursor"), Agent::Cursor);
        assert_eq!(Agent::from_name("python"), Agent::Generic);
    }

    #[test]
    fn existing_base_urls_become_the_upstreams() {
        let e = env(&[
            ("OPENAI_BASE_URL", "https://gw.internal/v1/"),
            ("ANTHROPIC_BASE_URL", "https://gw.internal/anthropic"),
        ]);
        let u = upstreams_from_env(Agent::Generic, &e, PROXY);
        assert_eq!(u.openai.as_deref(), Some("https://gw.internal/v1"));
        assert_eq!(
            u.anthropic.as_deref(),
            Some("https://gw.internal/anthropic")
        );
        assert_eq!(
            upstreams_from_env(Agent::Claude, &env(&[]), PROXY),
            Upstreams::default()
        );
    }

    #[test]
    fn aider_reads_litellm_names_first() {
        let e = env(&[
            ("OPENAI_API_BASE", "http://localhost:11434/v1"),
            ("OPENAI_BASE_URL", "https://other/v1"),
            ("ANTHROPIC_API_BASE", "https://a.gw"),
        ]);
        let u = upstreams_from_env(Agent::Aider, &e, PROXY);
        assert_eq!(u.openai.as_deref(), Some("http://localhost:11434/v1"));
        assert_eq!(u.anthropic.as_deref(), Some("https://a.gw"));
    }

    #[test]
    fn a_base_url_that_is_the_proxy_itself_is_no_upstream() {
        let e = env(&[
            ("OPENAI_BASE_URL", "http://127.0.0.1:8787/v1"),
            ("ANTHROPIC_BASE_URL", "http://127.0.0.1:8787"),
        ]);
        assert_eq!(
            upstreams_from_env(Agent::Generic, &e, PROXY),
            Upstreams::default()
        );
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let e = env(&[("ANTHROPIC_BASE_URL", " ")]);
        assert_eq!(upstreams_from_env(Agent::Claude, &e, PROXY).anthropic, None);
    }

    #[test]
    fn user_arguments_follow_wraps_own() {
        let cmd: Vec<OsString> = ["codex", "exec", "run the tests"]
            .iter()
            .map(OsString::from)
            .collect();
        let l = launch(Agent::Codex, PROXY, &cmd, &env(&[]), Options::default());
        assert_eq!(l.program, "codex");
        assert_eq!(&l.args[l.args.len() - 2..], &cmd[1..]);
    }

    #[test]
    fn exports_are_quoted_for_the_shell() {
        let out = exports(&[
            ("A".into(), "http://127.0.0.1:8787/v1".into()),
            ("B".into(), "it's".into()),
        ]);
        assert_eq!(
            out,
            "export A=http://127.0.0.1:8787/v1\nexport B='it'\\''s'\n"
        );
    }
}
