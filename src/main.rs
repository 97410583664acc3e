//! The `annexa` binary: a thin shell over the library.

mod cli;

/// Loading facts allocates millions of small strings and vectors; mimalloc is much faster at
/// that than the system allocator (the same choice ruff and others make).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

/// Turns transparent huge pages off for this process. mimalloc asks for them (`madvise`), and
/// where the kernel compacts memory to serve such a request (`defrag` of `madvise`, the
/// default of many distributions), a run that starts while memory is fragmented, for instance
/// right after another large process ended, stalls in the kernel (docs/performance.md; the
/// measurements are in the commit that added this). A short-lived process gains little from
/// huge pages' fewer TLB misses. Failure (an old kernel) changes nothing but speed.
fn avoid_huge_page_stalls() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

/// The pipeline recurses over policies and facts (bounded by the nesting limits); a roomy stack
/// keeps those bounds, not the platform's default stack, the only limit.
const STACK_BYTES: usize = 256 * 1024 * 1024;

fn main() -> ExitCode {
    avoid_huge_page_stalls();
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
