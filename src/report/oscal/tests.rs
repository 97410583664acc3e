#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;
use crate::audit::soa::{Attestation, ControlStatus, WaiverRef};

const SCHEMA: &str =
    include_str!("../../../tests/schemas/oscal/oscal_assessment-results_schema.json");

fn errors(doc: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// A statement with no report: one attested control (with an expired attestation on another),
/// one waived control, the rest as built.
fn statement_with_attestations() -> Statement {
    let mut s = crate::audit::soa::statement(
        &[("ml.enc".into(), vec!["A.8.24".into()])],
        None,
        &Default::default(),
    );
    s.run.date = "2026-11-25".into();
    s.run.policies = vec!["policies/ml policy.policy".into()];
    for e in &mut s.controls {
        match e.id.as_str() {
            "A.5.1" => {
                e.status = ControlStatus::Attested;
                e.attestations.push(Attestation {
                    reference: "https://wiki.example/isms/policy".into(),
                    by: "ciso@example.com".into(),
                    date: "2026-10-01".into(),
                    expires: Some("2027-10-01".into()),
                    expired: false,
                    note: Some("signed\nby the board".into()),
                    origin: Some("applicability.yaml:12".into()),
                });
            }
            "A.6.3" => {
                e.status = ControlStatus::EvidenceExpired;
                e.attestations.push(Attestation {
                    reference: "training records 2024".into(),
                    by: "hr".into(),
                    date: "2024-01-10".into(),
                    expires: Some("2025-01-10".into()),
                    expired: true,
                    note: None,
                    origin: None,
                });
            }
            "A.8.24" => {
                e.status = ControlStatus::Waived;
                e.waivers.push(WaiverRef {
                    rule: "ml.enc".into(),
                    reason: "legacy store, SEC-123".into(),
                    expires: Some("2027-03-31".into()),
                });
            }
            _ => {}
        }
    }
    s
}

#[test]
fn attestations_and_waivers_are_valid_oscal() {
    let doc = assessment_results(&statement_with_attestations(), None);
    assert_eq!(errors(&doc), Vec::<String>::new());
    let result = &doc["assessment-results"]["results"][0];
    let findings = result["findings"].as_array().unwrap();
    let ids: Vec<&str> = findings
        .iter()
        .map(|f| f["target"]["target-id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["a.5.1_smt", "a.6.3_smt", "a.8.24_smt"]);
    let states: Vec<&str> = findings
        .iter()
        .map(|f| f["target"]["status"]["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["satisfied", "not-satisfied", "satisfied"]);
    let risk = &result["risks"][0];
    assert_eq!(risk["status"], "deviation-approved");
    assert_eq!(risk["deadline"], "2027-03-31T23:59:59Z");
    assert_eq!(
        findings[2]["related-risks"][0]["risk-uuid"], risk["uuid"],
        "the waived control's finding names its risk"
    );
    let attested = &result["observations"][0];
    assert_eq!(attested["methods"][0], "EXAMINE");
    assert_eq!(
        attested["relevant-evidence"][0]["href"],
        "https://wiki.example/isms/policy"
    );
    let party = attested["origins"][0]["actors"][0]["actor-uuid"].clone();
    assert_eq!(
        doc["assessment-results"]["metadata"]["parties"][0]["uuid"],
        party
    );
    assert!(
        attested["props"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "origin" && p["value"] == "applicability.yaml:12")
    );
    let plan = doc["assessment-results"]["import-ap"]["href"]
        .as_str()
        .unwrap();
    let resource = &doc["assessment-results"]["back-matter"]["resources"][0];
    assert_eq!(plan, format!("#{}", resource["uuid"].as_str().unwrap()));
    assert_eq!(resource["rlinks"][0]["href"], "policies/ml%20policy.policy");
}

#[test]
fn the_schema_test_can_fail() {
    let mut doc = assessment_results(&statement_with_attestations(), None);
    doc["assessment-results"]["results"][0]["findings"][0]["target"]["status"]["state"] =
        "mostly".into();
    assert!(!errors(&doc).is_empty());
    let mut doc = assessment_results(&statement_with_attestations(), None);
    doc["assessment-results"]["results"][0]["findings"][0]["target"]["target-id"] = "A 5.1".into();
    assert!(!errors(&doc).is_empty(), "control ids must be OSCAL tokens");
}

#[test]
fn the_same_statement_gives_the_same_bytes() {
    let a = render_oscal(&statement_with_attestations(), None);
    assert_eq!(a, render_oscal(&statement_with_attestations(), None));
    let mut other = statement_with_attestations();
    other.run.date = "2026-11-26".into();
    assert_ne!(a, render_oscal(&other, None));
}

#[test]
fn strings_are_single_lines_and_hrefs_are_uri_references() {
    assert_eq!(text::one_line("  a\n b\t c "), "a b c");
    assert!(text::prop("x", " \n").is_none());
    assert_eq!(text::href("dir\\a b#c.yaml"), "dir/a%20b%23c.yaml");
    assert_eq!(
        text::date_time("not a date", "00:00:00"),
        "1970-01-01T00:00:00Z"
    );
    assert_eq!(control_id("A.5.15"), "a.5.15");
}
