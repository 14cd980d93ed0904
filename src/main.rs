//! The `headroom` binary: parse the command line, run it, map errors to exit codes.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
