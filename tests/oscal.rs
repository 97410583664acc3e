//! `--format oscal`: OSCAL assessment results, valid against NIST's schema
//! (`tests/schemas/oscal/`), for `check` and `soa`, failing and passing, with waivers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

use std::path::Path;

use serde_json::Value;

const WAIVERS: &str = "tests/fixtures/waivers/waivers.yaml";

fn validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/schemas/oscal/oscal_assessment-results_schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the OSCAL schema compiles")
}

#[track_caller]
fn assert_valid(doc: &Value) {
    let errors: Vec<String> = validator()
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "OSCAL schema errors:\n{}",
        errors.join("\n")
    );
}

fn run(args: &[&str], code: i32) -> (String, Value) {
    let out = annexa(args);
    assert_exit(&out, code);
    let text = stdout(&out);
    let doc = serde_json::from_str(&text).unwrap();
    (text, doc)
}

fn result(doc: &Value) -> &Value {
    &doc["assessment-results"]["results"][0]
}

/// Finding state per control id (`a.8.24` → `not-satisfied`).
fn states(doc: &Value) -> Vec<(String, String)> {
    result(doc)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["target"]["target-id"].as_str().unwrap().to_string(),
                f["target"]["status"]["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn failing_check_is_valid_oscal_with_violations_as_observations() {
    let (_, doc) = run(
        &[
            "check", FAILING, "-p", POLICY, "--now", NOW, "--format", "oscal",
        ],
        1,
    );
    assert_valid(&doc);
    let meta = &doc["assessment-results"]["metadata"];
    assert_eq!(meta["oscal-version"], "1.2.1");
    assert_eq!(meta["last-modified"], "2026-11-25T00:00:00Z");
    let st = states(&doc);
    assert!(
        st.contains(&("a.8.24_smt".into(), "not-satisfied".into())),
        "{st:?}"
    );
    let reviewed: Vec<&str> =
        result(&doc)["reviewed-controls"]["control-selections"][0]["include-controls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["control-id"].as_str().unwrap())
            .collect();
    assert_eq!(reviewed.len(), st.len(), "one finding per reviewed control");
    assert!(reviewed.contains(&"a.8.24"));
    // the encryption violation on line 42 is an observation pointing at the fact
    let obs = result(&doc)["observations"].as_array().unwrap();
    let enc = obs
        .iter()
        .find(|o| {
            o["description"]
                .as_str()
                .unwrap()
                .contains("not encrypted at rest")
        })
        .expect("the encryption violation");
    assert_eq!(enc["methods"][0], "TEST");
    let evidence = &enc["relevant-evidence"][0];
    assert_eq!(evidence["href"], FAILING);
    assert!(
        evidence["description"]
            .as_str()
            .unwrap()
            .starts_with("examples/facts/pipeline.yaml:42 at /datasets/"),
        "{evidence}"
    );
    // and the A.8.24 finding links it
    let finding = result(&doc)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["target"]["target-id"] == "a.8.24_smt")
        .unwrap();
    assert!(
        finding["related-observations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["observation-uuid"] == enc["uuid"])
    );
}

#[test]
fn passing_check_is_valid_and_satisfied() {
    let (_, doc) = run(
        &[
            "check", COMPLIANT, "-p", POLICY, "--now", NOW, "--format", "oscal",
        ],
        0,
    );
    assert_valid(&doc);
    let st = states(&doc);
    assert!(!st.is_empty());
    assert!(st.iter().all(|(_, s)| s == "satisfied"), "{st:?}");
    assert!(result(&doc).get("observations").is_none());
}

#[test]
fn waivers_are_deviation_approved_risks_with_their_expiry() {
    let (text, doc) = run(
        &[
            "check",
            FAILING,
            "-p",
            POLICY,
            "--now",
            NOW,
            "--waivers",
            WAIVERS,
            "--format",
            "oscal",
        ],
        1,
    );
    assert_valid(&doc);
    let risks = result(&doc)["risks"].as_array().unwrap();
    let mfa = risks
        .iter()
        .find(|r| r["title"] == "Waiver of ml.data_protection.admins_use_mfa")
        .expect("the MFA waiver");
    assert_eq!(mfa["status"], "deviation-approved");
    assert_eq!(mfa["deadline"], "2027-06-30T23:59:59Z");
    assert!(mfa["description"].as_str().unwrap().contains("SEC-42"));
    // the waived violation is still observed, and the risk names it
    let seen = mfa["related-observations"][0]["observation-uuid"].clone();
    let obs = result(&doc)["observations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["uuid"] == seen)
        .unwrap();
    assert!(obs["title"].as_str().unwrap().starts_with("Waived finding"));
    // A.8.5 is satisfied through the waiver, its finding links the risk
    let a85 = result(&doc)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["target"]["target-id"] == "a.8.5_smt")
        .unwrap();
    assert_eq!(a85["target"]["status"]["state"], "satisfied");
    assert_eq!(a85["related-risks"][0]["risk-uuid"], mfa["uuid"]);
    insta::assert_snapshot!(text);
}

#[test]
fn soa_is_valid_oscal_too() {
    let (_, doc) = run(
        &[
            "soa",
            FAILING,
            "-p",
            POLICY,
            "--now",
            NOW,
            "--applicability",
            "tests/fixtures/soa/applicability.yaml",
            "--format",
            "oscal",
        ],
        0,
    );
    assert_valid(&doc);
    assert!(states(&doc).contains(&("a.8.24_smt".into(), "not-satisfied".into())));
    let remarks = result(&doc)["remarks"].as_str().unwrap();
    assert!(remarks.contains("(not applicable)"), "{remarks}");
    let (_, coverage_only) = run(&["soa", "-p", POLICY, "--now", NOW, "--format", "oscal"], 0);
    assert_valid(&coverage_only);
}

#[test]
fn same_run_same_bytes() {
    let args = [
        "check",
        FAILING,
        "-p",
        POLICY,
        "--now",
        NOW,
        "--waivers",
        WAIVERS,
        "--format",
        "oscal",
    ];
    assert_eq!(run(&args, 1).0, run(&args, 1).0);
}
