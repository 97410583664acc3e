//! The `annexa` binary: a thin shell over the library.

mod cli;

/// Loading facts allocates millions of small strings and vectors; mimalloc is much faster at
/// that than the system allocator (the same choice ruff and others make).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

/// The pipeline recurses over policies and facts (bounded by the nesting limits); a roomy stack
/// keeps those bounds, not the platform's default stack, the only limit.
const STACK_BYTES: usize = 256 * 1024 * 1024;

fn main() -> ExitCode {
    let worker = std::thread::Builder::new()
        .name("annexa".into())
        .stack_size(STACK_BYTES)
        .spawn(cli::main);
    match worker.map(|handle| handle.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        _ => {
            eprintln!("annexa: internal error (please report it with the input that caused it)");
            ExitCode::from(2)
        }
    }
}
