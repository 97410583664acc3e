//! The baseline of `scripts/bench.sh`'s parse-only target: a plain `serde_json` validation pass
//! (`IgnoredAny`, no tree) over a file read in one call. annexa's own parse-only run keeps a
//! position and a parent for every value, so it is held to a multiple of this, not to equality.
//!
//! `json-validate FILE` exits 0 when FILE is JSON, 2 when not. Built by scripts/bench.sh
//! (`cargo build --release --manifest-path benches/peers/json-validate/Cargo.toml`).

use serde::de::IgnoredAny;

fn main() -> std::process::ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: json_validate FILE");
        return std::process::ExitCode::from(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{}: {e}", path.to_string_lossy());
            return std::process::ExitCode::from(2);
        }
    };
    match serde_json::from_slice::<IgnoredAny>(&bytes) {
        Ok(_) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: {e}", path.to_string_lossy());
            std::process::ExitCode::from(2)
        }
    }
}
