//! `headroom mcp`: serve the MCP tools, or register them with an agent.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use clap::{Subcommand, ValueEnum};
use headroom::env;
use headroom::mcp::install::{self, Agent, Target};
use headroom::mcp::{Server, Settings, http, stdio};

use super::Exit;

/// An MCP server with headroom_retrieve, headroom_compress and headroom_stats.
///
/// Agents launch `headroom mcp serve` and talk to it over stdio; `--http`
/// serves Streamable HTTP at http://ADDR/mcp instead. `install` registers
/// the stdio server with Claude Code or Codex; `uninstall` removes it.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: McpCommand,
}

#[derive(Subcommand, Debug)]
pub enum McpCommand {
    /// Serve the tools over stdio (what agents launch), or over HTTP with --http.
    Serve(ServeArgs),
    /// Register `headroom mcp serve` with an agent (Claude Code: user scope unless --project).
    Install(InstallArgs),
    /// Remove what `install` added.
    Uninstall(InstallArgs),
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Serve Streamable HTTP at http://ADDR/mcp (e.g. 127.0.0.1:8788; port 0 picks one).
    #[arg(long, value_name = "ADDR")]
    pub http: Option<SocketAddr>,

    /// Bearer token HTTP clients must send; required on a non-loopback address.
    #[arg(long, value_name = "TOKEN", env = env::MCP_TOKEN, hide_env_values = true)]
    pub token: Option<String>,

    /// An Origin allowed besides loopback ones (repeatable), e.g. https://app.example.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origin: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct InstallArgs {
    /// The agent.
    #[arg(value_enum)]
    pub agent: AgentChoice,

    /// Claude Code: the project's .mcp.json (in the current directory) instead of user scope.
    #[arg(long)]
    pub project: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AgentChoice {
    Claude,
    Codex,
}

pub fn run(args: Args) -> Result<Exit> {
    match args.command {
        McpCommand::Serve(a) => serve(a),
        McpCommand::Install(a) => change(a, true),
        McpCommand::Uninstall(a) => change(a, false),
    }
}

fn serve(args: ServeArgs) -> Result<Exit> {
    let config = super::config::load(None);
    let mut settings = Settings::from(&config);
    let Some(addr) = args.http else {
        // An agent launches its stdio server in the project it works on.
        settings.project = std::env::current_dir()
            .ok()
            .map(|d| d.display().to_string());
        let server = Server::new(settings);
        let stdin = std::io::stdin();
        stdio::widen_stdout_pipe();
        stdio::serve(&server, stdin.lock(), std::io::stdout().lock())?;
        return Ok(Exit::Success);
    };
    let token = args.token.filter(|t| !t.is_empty());
    if !addr.ip().is_loopback() && token.is_none() {
        eprintln!(
            "headroom: error: {addr} is reachable from other machines; set a token with --token or {}",
            env::MCP_TOKEN
        );
        return Ok(Exit::Usage);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let bound = listener.local_addr()?;
        eprintln!("headroom: MCP server on http://{bound}/mcp");
        let access = http::Access {
            token,
            origins: args.allow_origin,
        };
        let router = http::router(Arc::new(Server::new(settings)), access);
        http::serve(listener, router, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
        Ok(Exit::Success)
    })
}

fn change(args: InstallArgs, add: bool) -> Result<Exit> {
    if args.project && args.agent == AgentChoice::Codex {
        eprintln!(
            "headroom: error: --project applies to Claude Code only; Codex reads ~/.codex/config.toml"
        );
        return Ok(Exit::Usage);
    }
    let agent = match args.agent {
        AgentChoice::Claude => Agent::Claude,
        AgentChoice::Codex => Agent::Codex,
    };
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let target = Target {
        agent,
        project: if args.project {
            Some(std::env::current_dir().context("cannot read the current directory")?)
        } else {
            None
        },
        command: std::env::current_exe().context("cannot find the headroom executable")?,
        home: std::env::home_dir().context("cannot find the home directory; set HOME")?,
        claude_config_dir: var("CLAUDE_CONFIG_DIR"),
        codex_home: var("CODEX_HOME"),
        claude_cli: (agent == Agent::Claude)
            .then(|| on_path("claude"))
            .flatten(),
    };
    let changes = if add {
        install::install(&target)?
    } else {
        install::uninstall(&target)?
    };
    if changes.is_empty() {
        let state = if add {
            "already registered"
        } else {
            "not registered"
        };
        println!(
            "headroom: {state} in {}; nothing changed",
            target.config_path().display()
        );
    }
    for c in changes {
        println!("headroom: {c}");
    }
    Ok(Exit::Success)
}

/// The first executable named `name` on PATH.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}
