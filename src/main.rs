//! The `headroom` binary: parse the command line, run it, map errors to exit codes.

mod cli;

use std::process::ExitCode;

// jemalloc: a request's memory is reused, not returned to the kernel and
// faulted in again (Cargo.toml says what that cost).
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    cli::main()
}
