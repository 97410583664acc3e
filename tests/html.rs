//! `annexa check --format html` and `annexa soa --format html` on the fraud example: the
//! pages as snapshots, and what an auditor relies on in them (the finding's file:line with
//! the fact file's lines, the same bytes on every run, no file access for standard input).
//! The pages in a real browser: `scripts/browser-tests.sh`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;

const FRAUD: &str = "examples/pipelines/fraud-tabular.yaml";

#[test]
fn the_check_page_of_the_fraud_example() {
    let out = annexa(&["check", FRAUD, "--now", NOW, "--format", "html"]);
    assert_exit(&out, 1);
    let page = stdout(&out);
    // the joblib finding, at its line, with the fact file's line and its value marked
    assert!(page.contains("examples/pipelines/fraud-tabular.yaml:226:3"));
    let at = page
        .find("model fraud-xgb is serialised with joblib")
        .unwrap();
    let after = &page[at..];
    let excerpt = &after[..after.find("</pre>").unwrap()];
    assert!(
        excerpt.contains("<span class=\"ln hit\" data-n=\"226\">"),
        "{excerpt}"
    );
    assert!(excerpt.contains("<mark>"), "{excerpt}");
    assert!(page.contains("Coverage: 41 of 93 controls checked by rules"));
    insta::assert_snapshot!(page);
}

#[test]
fn the_statement_page_of_the_fraud_example() {
    let out = annexa(&[
        "soa", FRAUD, "--now", NOW, "--commit", "0000000", "--format", "html",
    ]);
    assert_exit(&out, 0);
    let page = stdout(&out);
    assert_eq!(page.matches("<tr class=\"row\"").count(), 93);
    assert_eq!(page.matches("<section class=\"theme\">").count(), 4);
    insta::assert_snapshot!(page);
}

#[test]
fn the_pages_are_the_same_bytes_on_every_run_and_in_a_file() {
    let dir = scratch("html", "same_bytes");
    let file = dir.join("check.html");
    let file = file.to_str().unwrap();
    let first = annexa(&["check", FRAUD, "--now", NOW, "--format", "html"]);
    let written = annexa(&["check", FRAUD, "--now", NOW, "--format", "html", "-o", file]);
    assert_exit(&written, 1);
    assert_eq!(std::fs::read(file).unwrap(), first.stdout);
    let soa = |_| {
        annexa(&[
            "soa", FRAUD, "--now", NOW, "--commit", "0000000", "--format", "html",
        ])
        .stdout
    };
    assert_eq!(soa(1), soa(2));
}

#[test]
fn standard_input_has_findings_without_excerpts() {
    let facts = std::fs::read(FRAUD).unwrap();
    let out = annexa_stdin(&["check", "-", "--now", NOW, "--format", "html"], &facts);
    assert_exit(&out, 1);
    let page = stdout(&out);
    assert!(page.contains("&lt;stdin&gt;:226:3"), "the finding is there");
    assert!(!page.contains("<pre class=\"src\">"), "no file to show");
}

#[test]
fn html_is_listed_among_the_formats() {
    let out = annexa(&["check", FRAUD, "--format", "htm"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("html"), "{}", stderr(&out));
    let out = annexa(&["soa", "--format", "htm"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("html"), "{}", stderr(&out));
}
