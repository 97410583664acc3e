//! Running the real `annexa` binary from integration tests.
#![allow(dead_code, reason = "each test binary uses a different subset")]
#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The examples the reports are snapshotted on.
pub const FAILING: &str = "examples/facts/pipeline.yaml";
pub const COMPLIANT: &str = "examples/compliant/pipeline.yaml";
pub const POLICY: &str = "examples/policies";
/// A fixed clock, so reports do not depend on the day the tests run.
pub const NOW: &str = "2026-11-25";

/// An empty scratch folder for `test`'s generated inputs, under the target's temporary folder.
pub fn scratch(group: &str, test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// Runs annexa in `dir`, without colour.
pub fn annexa_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_annexa"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        // a CI's commit variables would leak into statements and OSCAL documents
        .env_remove("GITHUB_SHA")
        .env_remove("CI_COMMIT_SHA")
        .output()
        .expect("the binary runs")
}

/// Runs annexa in the crate root.
pub fn annexa(args: &[&str]) -> Output {
    annexa_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// Runs annexa in the crate root with `input` on standard input.
pub fn annexa_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_annexa"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        // a CI's commit variables would leak into statements and OSCAL documents
        .env_remove("GITHUB_SHA")
        .env_remove("CI_COMMIT_SHA")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write");
    child.wait_with_output().expect("finishes")
}

/// Asserts the exit code, showing both output streams when it differs.
#[track_caller]
pub fn assert_exit(o: &Output, code: i32) {
    assert_eq!(o.status.code(), Some(code), "{}{}", stdout(o), stderr(o));
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The result of `rule` in a JSON report (panics when the report has none).
pub fn rule_result<'r>(report: &'r serde_json::Value, rule: &str) -> &'r serde_json::Value {
    report["results"]
        .as_array()
        .and_then(|results| results.iter().find(|r| r["rule"] == rule))
        .expect("the report has a result for the rule")
}
