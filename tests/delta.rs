//! `--compare BASE.json` on `check` and `soa`: the control delta first in every format,
//! `--fail-on-regression`, and bad base files.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

use std::path::{Path, PathBuf};

use serde_json::Value;

/// A folder holding `base.json`: the JSON report (or statement) of `facts`.
fn base_of(test: &str, command: &str, facts: &str) -> PathBuf {
    let dir = scratch("delta", test);
    let out = run(command, facts, &["--format", "json"]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    std::fs::write(dir.join("base.json"), &out.stdout).unwrap();
    dir
}

/// The compliant example as the base: the failing example regresses against it.
fn base(test: &str, command: &str) -> PathBuf {
    base_of(test, command, COMPLIANT)
}

/// Runs `command` on `facts` in the crate root (the base is written from there too, so
/// findings keep their identity, which includes the file name as given).
fn run(command: &str, facts: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![command, facts, "-p", POLICY, "--now", NOW];
    args.extend_from_slice(extra);
    annexa(&args)
}

/// Runs `command` on `facts` with `--compare DIR/base.json`.
fn compare(dir: &Path, command: &str, facts: &str, extra: &[&str]) -> std::process::Output {
    let base = dir.join("base.json");
    let mut args = vec!["--compare", base.to_str().unwrap()];
    args.extend_from_slice(extra);
    run(command, facts, &args)
}

/// Output with the base's path shortened to `base.json`, the same on every machine.
fn shown(dir: &Path, text: &[u8]) -> String {
    let base = dir.join("base.json");
    String::from_utf8_lossy(text).replace(base.to_str().unwrap(), "base.json")
}

#[test]
fn check_markdown_puts_the_delta_first() {
    let dir = base("markdown", "check");
    let out = compare(&dir, "check", FAILING, &["--format", "markdown"]);
    assert_exit(&out, 1);
    let text = shown(&dir, &out.stdout);
    assert!(text.starts_with("## Changes to the ISMS\n"), "{text}");
    assert!(text.contains("- **regression** A.8.24 pass → fail: 3 new findings"));
    insta::assert_snapshot!(text);
}

#[test]
fn check_human_and_github_put_the_delta_first() {
    let dir = base("human", "check");
    let out = compare(&dir, "check", FAILING, &[]);
    assert_exit(&out, 1);
    let human = shown(&dir, &out.stdout);
    assert!(human.starts_with("Changes to the ISMS (against base.json):\n"));
    insta::assert_snapshot!("check_human", human);
    let out = compare(&dir, "check", FAILING, &["--format", "github"]);
    assert_exit(&out, 1);
    let github = shown(&dir, &out.stdout);
    assert!(github.starts_with("::warning title=annexa%3A ISMS change::A.5.9 pass → fail"));
    // the delta's commands come before the annotations of the findings
    let delta: Vec<&str> = github
        .lines()
        .take_while(|l| l.contains("ISMS change"))
        .collect();
    assert_eq!(delta.len(), 8, "{github}");
    assert!(github.lines().nth(8).unwrap().starts_with("::error file="));
    insta::assert_snapshot!("check_github", delta.join("\n"));
}

#[test]
fn check_json_has_a_delta_object() {
    let dir = base("json", "check");
    let out = compare(&dir, "check", FAILING, &["--format", "json"]);
    assert_exit(&out, 1);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let delta = &report["delta"];
    assert!(delta["base"].as_str().unwrap().ends_with("base.json"));
    assert_eq!(delta["new_findings"].as_array().unwrap().len(), 6);
    assert_eq!(delta["fixed_findings"].as_array().unwrap().len(), 0);
    let a824 = delta["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "A.8.24")
        .unwrap();
    assert_eq!(a824["status"]["before"], "pass");
    assert_eq!(a824["status"]["after"], "fail");
    assert_eq!(a824["new_findings"], 3);
    assert_eq!(a824["regression"], true);
    assert_eq!(delta["coverage"]["before"], delta["coverage"]["after"]);
    // the rest of the report is unchanged
    assert_eq!(report["summary"]["violations"], 6);
    let text = serde_json::to_string_pretty(delta).unwrap();
    insta::assert_snapshot!("check_json_delta", shown(&dir, text.as_bytes()));
}

#[test]
fn fail_on_regression_fails_only_on_regressions() {
    let dir = base("regression", "check");
    // worse than the base: 1
    let out = compare(&dir, "check", FAILING, &["--fail-on-regression"]);
    assert_exit(&out, 1);
    // the failing run as its own base: old findings remain, nothing regressed: 0
    let same = base_of("regression-same", "check", FAILING);
    let out = compare(&same, "check", FAILING, &["--fail-on-regression"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("no regressions"), "{}", stdout(&out));
    // without the option the run still fails on its findings
    let out = compare(&same, "check", FAILING, &[]);
    assert_exit(&out, 1);
    // fixing everything against a failing base: 0, with the fixed findings listed
    let out = compare(
        &same,
        "check",
        COMPLIANT,
        &["--fail-on-regression", "--format", "markdown"],
    );
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("A.8.24 fail → pass: 3 fixed findings"),
        "{text}"
    );
    assert!(text.contains("<details><summary>Fixed findings (6)</summary>"));
}

#[test]
fn fail_on_regression_needs_compare() {
    let out = annexa(&["check", FAILING, "-p", POLICY, "--fail-on-regression"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("--compare"), "{}", stderr(&out));
}

#[test]
fn soa_markdown_and_json_carry_the_delta() {
    let dir = base("soa", "soa");
    let out = compare(&dir, "soa", FAILING, &[]);
    assert_exit(&out, 0);
    let text = shown(&dir, &out.stdout);
    assert!(text.starts_with("## Changes to the ISMS\n"), "{text}");
    let (delta, _) = text.split_once("# Statement of Applicability").unwrap();
    insta::assert_snapshot!("soa_markdown_delta", delta);
    let out = compare(
        &dir,
        "soa",
        FAILING,
        &["--format", "json", "--fail-on-regression"],
    );
    assert_exit(&out, 1);
    let soa: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(soa["controls"].as_array().unwrap().len(), 93);
    let changed: Vec<&str> = soa["delta"]["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(changed.contains(&"A.8.24"), "{changed:?}");
    // CSV has no room for it: the delta goes to standard error
    let out = compare(&dir, "soa", FAILING, &["--format", "csv"]);
    assert_exit(&out, 0);
    let header = stdout(&out);
    assert!(
        header
            .lines()
            .find(|l| !l.starts_with('#'))
            .is_some_and(|l| l.starts_with("id,theme,title")),
        "{header}"
    );
    assert!(shown(&dir, &out.stderr).contains("Changes to the ISMS (against base.json)"));
}

#[test]
fn a_bad_base_is_a_usage_error() {
    let dir = base("bad", "check");
    std::fs::write(dir.join("broken.json"), "{\"summary\": ").unwrap();
    std::fs::write(dir.join("other.json"), "[1, 2]").unwrap();
    std::fs::write(dir.join("half.json"), "{\"summary\": 1, \"results\": 2}").unwrap();
    let soa = annexa(&[
        "soa", COMPLIANT, "-p", POLICY, "--now", NOW, "--format", "json",
    ]);
    std::fs::write(dir.join("soa.json"), &soa.stdout).unwrap();
    let cases = [
        ("check", "broken.json", "is not JSON"),
        (
            "check",
            "other.json",
            "is neither a check report nor a statement",
        ),
        (
            "check",
            "half.json",
            "is not a JSON report of `annexa check --format json`",
        ),
        (
            "check",
            "soa.json",
            "is a statement of `annexa soa --format json`, not a JSON report",
        ),
        (
            "soa",
            "base.json",
            "is a JSON report of `annexa check --format json`, not a statement",
        ),
        ("check", "missing.json", "--compare"),
    ];
    for (command, file, message) in cases {
        let base = dir.join(file);
        let out = run(command, COMPLIANT, &["--compare", base.to_str().unwrap()]);
        assert_exit(&out, 2);
        assert!(out.stdout.is_empty(), "{command} {file}");
        assert!(
            stderr(&out).contains(message),
            "{command} {file}: {}",
            stderr(&out)
        );
    }
}
