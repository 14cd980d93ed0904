//! The command line: flags in one place, one file per subcommand.

mod compress;
mod config;
mod exit;
mod generate;
mod learn;
mod mcp;
mod proxy;
mod report;
mod retrieve;
mod simulate;
mod store;
mod wrap;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use self::exit::Exit;

/// Cut the tokens AI agents send to LLMs, without losing a fact.
///
/// headroom compresses tool output (JSON, logs, search hits, diffs, code,
/// HTML) for a model to read. Anything it omits is stored first and can be
/// retrieved exactly with `headroom retrieve HASH`.
#[derive(Parser, Debug)]
#[command(
    name = "headroom",
    version,
    max_term_width = 100,
    propagate_version = true
)]
pub struct Cli {
    /// Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]
    #[arg(long, global = true, value_name = "URL|PATH")]
    pub store: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    Compress(compress::Args),
    Retrieve(retrieve::Args),
    Simulate(simulate::Args),
    Learn(learn::Args),
    Wrap(wrap::Args),
    Proxy(proxy::Args),
    Report(report::Args),
    Mcp(mcp::Args),
    Store(store::Args),
    Completions(generate::CompletionsArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    config::set_store(cli.store);
    let result = match cli.command {
        Command::Compress(args) => compress::run(args),
        Command::Retrieve(args) => retrieve::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Learn(args) => learn::run(args),
        Command::Wrap(args) => wrap::run(args),
        Command::Proxy(args) => proxy::run(args),
        Command::Report(args) => report::run(args),
        Command::Mcp(args) => mcp::run(args),
        Command::Store(args) => store::run(args),
        Command::Completions(args) => generate::completions(args),
    };
    match result {
        Ok(code) => code.into(),
        Err(err) if exit::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("headroom: error: {}", exit::one_line(&err));
            Exit::Failure.into()
        }
    }
}

/// The clap command, for completions and man pages.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
