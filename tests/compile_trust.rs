//! Compile-time trust: builtin names are reserved, rules do not hide fact keys, `lint` compiles
//! `test` blocks, and a policy that declares its fact model has every fact path it reads checked.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

const DIR: &str = "tests/fixtures/compile_trust";

fn fixture(name: &str) -> String {
    format!("{DIR}/{name}")
}

#[test]
fn a_rule_named_like_a_fact_key_still_reads_the_fact() {
    let out = annexa(&[
        "check",
        "-p",
        &fixture("rule_named_like_fact.policy"),
        &fixture("two_datasets.json"),
        "--format",
        "json",
        "--no-config",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = report.to_string();
    assert!(text.contains("b is not encrypted"), "{text}");
    assert!(!text.contains("a is not encrypted"), "{text}");
}

#[test]
fn a_fn_named_like_a_builtin_does_not_compile() {
    let out = annexa(&[
        "lint",
        "tests/corpus/check_err/reserved_builtin_fn_named_count.policy",
        "--no-config",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("annexa::reserved_builtin"), "{err}");
    assert!(err.contains("`count` is the name of a builtin"), "{err}");
}

#[test]
fn lint_reports_a_wrong_expect_in_a_test_block() {
    let out = annexa(&["lint", &fixture("wrong_expect.policy"), "--no-config"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("annexa::unknown_rule"), "{err}");
    assert!(err.contains("`encrypte`"), "{err}");
    assert!(err.contains("did you mean `encrypted`?"), "{err}");
    assert!(err.contains("wrong_expect.policy:9:"), "{err}");
    // the correct `expect` line is not reported
    assert_eq!(err.matches("annexa::unknown_rule").count(), 1, "{err}");
}
