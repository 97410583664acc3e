//! `annexa soa`: the Statement of Applicability over the built-in pack.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;

const FRAUD: &str = "examples/pipelines/fraud-tabular.yaml";
const APPLICABILITY: &str = "tests/fixtures/soa/applicability.yaml";

#[test]
fn the_statement_lists_every_control_with_status() {
    let out = annexa(&["soa", FRAUD, "--applicability", APPLICABILITY, "--now", NOW]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn json_and_csv_agree_and_a_report_gives_the_same_statuses() {
    let json = annexa(&["soa", FRAUD, "--now", NOW, "--format", "json"]);
    let soa: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let entries = soa["controls"].as_array().unwrap();
    assert_eq!(entries.len(), 93);
    let a518 = entries.iter().find(|e| e["id"] == "A.5.18").unwrap();
    assert_eq!(
        a518["status"], "fail",
        "access reviews fail in the fraud pipeline"
    );
    // every pack's rules mapped to the control are listed; the ML one decides here
    assert!(
        a518["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "ml.access_control.access_reviewed"),
        "{a518}"
    );
    let csv = stdout(&annexa(&["soa", FRAUD, "--now", NOW, "--format", "csv"]));
    assert_eq!(csv.lines().count(), 94);
    let a518_row = csv
        .lines()
        .find(|l| l.starts_with("A.5.18,organizational,Access rights,yes,,"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(
        csv.lines().any(
            |l| l.starts_with("A.5.18,organizational,Access rights,yes,,")
                && l.contains("ml.access_control.access_reviewed")
                && l.ends_with(",partially automated,fail")
        ),
        "{csv}"
    );
    assert!(a518_row.ends_with(",fail"), "{a518_row}");

    let dir = std::env::temp_dir().join(format!("annexa-soa-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join("report.json");
    let check = annexa(&[
        "check",
        FRAUD,
        "--now",
        NOW,
        "--format",
        "json",
        "-o",
        report.to_str().unwrap(),
    ]);
    assert_eq!(check.status.code(), Some(1));
    let from_report = annexa(&[
        "soa",
        "--report",
        report.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let again: serde_json::Value = serde_json::from_slice(&from_report.stdout).unwrap();
    assert_eq!(
        again["controls"].as_array().unwrap(),
        entries,
        "the same statement either way"
    );
}

#[test]
fn without_facts_the_statement_shows_coverage_only() {
    let out = annexa(&["soa", "--format", "json"]);
    let soa: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: std::collections::BTreeSet<&str> = soa["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["not-evaluated", "gap"].into_iter().collect());
}

#[test]
fn an_unknown_control_in_the_applicability_file_is_a_diagnostic() {
    let out = annexa(&["soa", "--applicability", "tests/fixtures/soa/bad.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("`A.7.99` is not an Annex A 2022 control"),
        "{err}"
    );
    assert!(err.contains("bad.yaml:2:3"), "{err}");
}
