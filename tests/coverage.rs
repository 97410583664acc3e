//! `annexa test --coverage`: the rules and `require`s no test reached.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

const DIR: &str = "tests/fixtures/coverage";

#[test]
fn coverage_lists_the_unexercised_rule_and_the_unreached_require() {
    let out = annexa(&["test", DIR, "--coverage", "--now", "2026-01-31"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(text.contains("2 passed, 0 failed\n"), "{text}");
    assert!(
        text.contains(
            "rules no test exercised (1):\n    cov.rotated (tests/fixtures/coverage/cov.policy:"
        ),
        "{text}"
    );
    assert!(
        text.contains("cov.policy:16: require d.approved == true (rule cov.owned)"),
        "{text}"
    );
    assert!(
        text.ends_with("coverage: 2 of 4 requires reached (50.0%)\n"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn without_the_flag_there_is_no_coverage_view() {
    let out = annexa(&["test", DIR, "--now", "2026-01-31"]);
    let text = stdout(&out);
    assert!(!text.contains("requires reached"), "{text}");
}

#[test]
fn the_filter_narrows_what_counts_as_reached() {
    let out = annexa(&[
        "test",
        DIR,
        "--coverage",
        "--filter",
        "passes",
        "--now",
        "2026-01-31",
    ]);
    let text = stdout(&out);
    assert!(text.contains("1 passed, 0 failed"), "{text}");
    assert!(
        text.ends_with("coverage: 2 of 4 requires reached (50.0%)\n"),
        "{text}"
    );
}

#[test]
fn the_library_reports_coverage() {
    let file = annexa::unstable::source::SourceFile::new(
        "p.policy",
        "rule a {\n controls A.8.24\n require x == 1\n}\nrule b {\n controls A.8.24\n for k in keys { require k.ok }\n}\ntest \"t\" {\n facts {x: 1}\n expect a pass\n}\n",
    );
    let program =
        annexa::unstable::compile::compile(vec![annexa::unstable::syntax::parse(&file).unwrap()])
            .program
            .unwrap();
    let (outcomes, coverage) =
        annexa::unstable::testing::run_tests_with_coverage(&program, &Default::default());
    assert!(outcomes.iter().all(|o| o.passed));
    assert_eq!((coverage.reached(), coverage.total()), (1, 2));
    let unexercised: Vec<&str> = coverage
        .unexercised_rules()
        .map(|r| r.rule.as_str())
        .collect();
    assert_eq!(unexercised, ["b"]);
}
