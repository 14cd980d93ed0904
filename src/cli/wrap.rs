//! `headroom wrap`: flags, then the agent through a proxy (a running one
//! reused, else one inside wrap) and the session line when it exits.

use std::ffi::OsString;

use anyhow::{Context as _, Result};
use headroom::proxy::{self, ProxyError, Wrapped};
use headroom::wrap::process::{self, SpawnError};
use headroom::wrap::session::{self, Proxy};
use headroom::wrap::{self, Agent, Launch, Options, cursor, generic};

use super::Exit;
use super::proxy::{LogArg, ServeFlags, server_config};

/// Run an agent with its LLM traffic through headroom, changing nothing on disk.
///
/// `headroom wrap claude`, `headroom wrap codex -- exec "run the tests"`,
/// `headroom wrap -- python my_agent.py`; proxy flags come before the
/// agent's name. The agent is pointed at headroom through environment
/// variables and command-line options only (claude: ANTHROPIC_BASE_URL;
/// codex: a `headroom` model provider given with `-c`; aider:
/// OPENAI_API_BASE and ANTHROPIC_BASE_URL; any other command:
/// OPENAI_BASE_URL and ANTHROPIC_BASE_URL), with its own auth unchanged. A
/// `headroom proxy` of this version already running on --port with the same
/// upstreams is reused; otherwise one runs inside wrap, on a free loopback
/// port, until the agent exits. Base URLs already in the environment become
/// the upstreams. The agent keeps the terminal; wrap exits with its code
/// (128+N when signal N ended it, 127 when it is not installed) and prints
/// one line on stderr saying what was saved.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub serve: ServeFlags,

    /// Port of a running `headroom proxy` to reuse.
    #[arg(short, long, default_value_t = proxy::DEFAULT_PORT)]
    pub port: u16,

    /// Token of the running proxy's /health and /stats.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "HEADROOM_PROXY_TOKEN",
        hide_env_values = true
    )]
    pub auth_token: Option<String>,

    /// Per-request lines of wrap's own proxy on stderr (off: the terminal is the agent's).
    #[arg(long, value_enum, default_value_t = LogArg::Off)]
    pub log_format: LogArg,

    /// No summary line when the agent exits.
    #[arg(short, long)]
    pub quiet: bool,

    /// Claude Code: raise its Bash output limit from 30,000 to 128,000
    /// characters, so the model gets whole outputs (compressed, the rest
    /// retrievable) instead of a 2 KB preview.
    #[arg(long)]
    pub full_output: bool,

    /// Print `export` lines that point a shell at the proxy running on
    /// --port: `eval "$(headroom wrap --print-env)"`.
    #[arg(long, conflicts_with = "command")]
    pub print_env: bool,

    /// The agent (claude, codex, aider, cursor) or any command, then its arguments.
    #[arg(
        value_name = "AGENT",
        trailing_var_arg = true,
        allow_hyphen_values = true,
        required_unless_present = "print_env"
    )]
    pub command: Vec<OsString>,
}

pub fn run(args: Args) -> Result<Exit> {
    let runtime = headroom::proxy::runtime().context("cannot start the async runtime")?;
    if args.print_env {
        return runtime.block_on(print_env(args.port, args.auth_token));
    }
    let mut args = args;
    // `wrap AGENT -- ARGS`: clap keeps a `--` that follows a value.
    if args.command.get(1).is_some_and(|a| a == "--") {
        args.command.remove(1);
    }
    let Some(first) = args.command.first().cloned() else {
        return Ok(Exit::Usage);
    };
    let agent = Agent::from_name(&first.to_string_lossy());
    if agent == Agent::Cursor {
        print!("{}", cursor::instructions(args.port));
        return Ok(Exit::Success);
    }
    let config = super::config::load(None);
    let mut serve = args.serve;
    let default_url = format!("http://127.0.0.1:{}", args.port);
    let from_env = wrap::upstreams_from_env(agent, &wrap::process_env, &default_url);
    serve.openai_base_url = serve.openai_base_url.or(from_env.openai);
    serve.anthropic_base_url = serve.anthropic_base_url.or(from_env.anthropic);
    let pconfig = proxy::Config {
        wrapped: Some(Wrapped {
            agent: match agent {
                Agent::Generic => program_name(&first),
                _ => agent.name().to_string(),
            },
            project: std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_default(),
        }),
        ..server_config(serve, &config, args.log_format.into())
    };
    let options = Options {
        full_output: args.full_output,
    };
    runtime.block_on(async move {
        let proxy = match Proxy::reuse_or_start(pconfig, args.port, args.auth_token).await {
            Ok(p) => Some(p),
            Err(e @ ProxyError::BaseUrl { .. }) => {
                eprintln!("headroom: error: {e}");
                return Ok(Exit::Usage);
            }
            // A failure inside headroom never stops the user's agent.
            Err(e) => {
                eprintln!(
                    "headroom: warning: {e}; running {} without headroom",
                    program_name(&first)
                );
                None
            }
        };
        let launch = match &proxy {
            Some(p) => wrap::launch(agent, &p.url(), &args.command, &wrap::process_env, options),
            None => Launch {
                program: first.clone(),
                args: args.command[1..].to_vec(),
                env: Vec::new(),
            },
        };
        let result = process::run(&launch).await;
        let session = match proxy {
            Some(p) => Some(p.finish().await),
            None => None,
        };
        match result {
            Ok(code) => {
                if let (false, Some(s)) = (args.quiet, session) {
                    eprintln!("{}", s.line());
                }
                Ok(Exit::Code(u8::try_from(code).unwrap_or(1)))
            }
            Err(SpawnError::NotFound { program }) => {
                let hint = agent
                    .install_hint()
                    .map(|h| format!("; install it with: {h}"))
                    .unwrap_or_default();
                eprintln!("headroom: error: {program} not found on PATH{hint}");
                Ok(Exit::Code(127))
            }
            Err(e) => {
                eprintln!("headroom: error: {e}");
                Ok(Exit::Code(126))
            }
        }
    })
}

/// The file name of the program a command runs.
fn program_name(program: &OsString) -> String {
    std::path::Path::new(program)
        .file_name()
        .unwrap_or(program)
        .to_string_lossy()
        .into_owned()
}

async fn print_env(port: u16, token: Option<String>) -> Result<Exit> {
    let url = format!("http://127.0.0.1:{port}");
    if session::health(port, token.as_deref()).await.is_none() {
        eprintln!(
            "headroom: warning: no headroom proxy answers on {url}; start one with `headroom proxy --port {port}` (these variables point at it)"
        );
    }
    print!("{}", wrap::exports(&generic::env(&url)));
    Ok(Exit::Success)
}
