//! `annexa test` against fixture policies: passing and failing suites, exit codes, diagnostics.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

const DIR: &str = "tests/fixtures/test_command";
const NOW: &str = "2026-01-31";

#[test]
fn passing_suite_passes() {
    let out = annexa(&["test", &format!("{DIR}/passing"), "--now", NOW]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(text.ends_with("\n6 passed, 0 failed\n"), "{text}");
    assert_eq!(text.matches(" ... ok\n").count(), 6, "{text}");
    assert!(!text.contains("FAILED"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn passing_suite_from_a_single_file() {
    let out = annexa(&[
        "test",
        &format!("{DIR}/passing/pipeline.policy"),
        "--now",
        NOW,
    ]);
    assert_exit(&out, 0);
    assert!(stdout(&out).ends_with("\n2 passed, 0 failed\n"));
}

#[test]
fn failing_suite_reports_expected_and_actual() {
    let out = annexa(&["test", &format!("{DIR}/failing"), "--now", NOW]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(text.ends_with("\n1 passed, 4 failed\n"), "{text}");
    // inline facts point into the policy, file facts into the fact file
    assert!(
        text.contains("failing/suite.policy:25:44, /datasets/0/encrypted"),
        "{text}"
    );
    assert!(
        text.contains("failing/facts.yaml:4:5, /datasets/0/owner"),
        "{text}"
    );
    assert!(
        text.contains("no loaded rule maps to the control A.8.5"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn filter_selects_tests_by_name() {
    let out = annexa(&[
        "test",
        &format!("{DIR}/failing"),
        "--now",
        NOW,
        "--filter",
        "passes",
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.starts_with("running 1 test\n"), "{text}");
    assert!(text.ends_with("\n1 passed, 0 failed\n"), "{text}");

    let out = annexa(&[
        "test",
        &format!("{DIR}/failing"),
        "--now",
        NOW,
        "--filter",
        "controls",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).ends_with("\n0 passed, 1 failed\n"));
}

#[test]
fn policy_that_does_not_compile_exits_2() {
    let out = annexa(&["test", &format!("{DIR}/broken")]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("annexa::unknown_name"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
}

#[test]
fn unknown_rule_in_expect_exits_2_with_a_suggestion() {
    let out = annexa(&["test", &format!("{DIR}/unknown_rule")]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("annexa::unknown_rule"), "{err}");
    assert!(err.contains("did you mean `datasets_encrypted`?"), "{err}");
    assert!(err.contains("typo.policy:12:10"), "{err}");
}

#[test]
fn static_problems_of_tests_exit_2() {
    let out = annexa(&["test", &format!("{DIR}/bad_facts")]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("annexa::test_facts"), "{err}");
    assert!(err.contains("test facts must be constant"), "{err}");
    assert!(err.contains("the name `r` is not a constant"), "{err}");
    assert!(err.contains("annexa::unknown_param"), "{err}");
    assert!(err.contains("annexa::unknown_status"), "{err}");
    assert!(err.contains("did you mean `pass`?"), "{err}");
}

#[test]
fn bad_now_is_a_usage_error() {
    let out = annexa(&["test", &format!("{DIR}/passing"), "--now", "tomorrow"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not a date"));
}
