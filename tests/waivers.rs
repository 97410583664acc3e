//! Waivers (`--waivers`) and baselines (`--baseline`): accepted findings stay in the report but
//! do not fail the run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;

const WAIVERS: &str = "tests/fixtures/waivers/waivers.yaml";

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(out)))
}

fn result<'r>(report: &'r serde_json::Value, rule: &str) -> &'r serde_json::Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule}"))
}

#[test]
fn waived_findings_move_out_of_violations_and_the_rule_is_waived() {
    let out = annexa(&[
        "check",
        FAILING,
        "-p",
        POLICY,
        "--now",
        NOW,
        "--waivers",
        WAIVERS,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "other rules still fail");
    let report = json(&out);
    assert_eq!(report["summary"]["waived"], 1);
    assert_eq!(report["summary"]["violations"], 4);
    let mfa = result(&report, "ml.data_protection.admins_use_mfa");
    assert_eq!(mfa["status"], "waived");
    assert_eq!(mfa["violations"].as_array().unwrap().len(), 0);
    assert_eq!(mfa["waived"].as_array().unwrap().len(), 1);
    assert_eq!(mfa["waiver"]["owner"], "security@example.com");
    assert_eq!(
        mfa["waiver"]["source"],
        "tests/fixtures/waivers/waivers.yaml:3"
    );
    // a path-limited waiver takes only the matching violation; the rule still fails
    let enc = result(&report, "ml.data_protection.training_data_encrypted");
    assert_eq!(enc["status"], "fail");
    assert_eq!(enc["violations"].as_array().unwrap().len(), 2);
    assert_eq!(
        enc["waived"][0]["path"],
        "/datasets/2/encryption/at_rest/algorithm"
    );
    // a control whose only rule is waived is waived
    let a85 = report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "A.8.5")
        .unwrap();
    assert_eq!(a85["status"], "waived");
}

#[test]
fn an_expired_waiver_no_longer_applies_and_says_so() {
    let out = annexa(&[
        "check",
        FAILING,
        "-p",
        POLICY,
        "--now",
        NOW,
        "--waivers",
        WAIVERS,
        "--format",
        "json",
    ]);
    let report = json(&out);
    assert_eq!(
        result(&report, "ml.data_protection.every_dataset_owned")["status"],
        "fail"
    );
    assert!(
        stderr(&out).contains("expired on 2026-01-31"),
        "{}",
        stderr(&out)
    );
    // on its last day it still holds
    let on_time = annexa(&[
        "check",
        FAILING,
        "-p",
        POLICY,
        "--now",
        "2026-01-31",
        "--waivers",
        WAIVERS,
        "--format",
        "json",
    ]);
    assert_eq!(
        result(&json(&on_time), "ml.data_protection.every_dataset_owned")["status"],
        "waived"
    );
}

#[test]
fn only_waived_failures_exit_0() {
    let out = annexa(&[
        "check",
        FAILING,
        "-p",
        POLICY,
        "--now",
        NOW,
        "--waivers",
        WAIVERS,
        "--rule",
        "ml.data_protection.admins_use_mfa",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("WAIVED ml.data_protection.admins_use_mfa"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("1 violation waived: break-glass"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_baseline_waives_what_it_lists_so_only_new_findings_fail() {
    let dir = std::env::temp_dir().join(format!("annexa-baseline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let baseline = dir.join("baseline.json");
    let first = annexa(&[
        "check",
        FAILING,
        "-p",
        POLICY,
        "--now",
        NOW,
        "--format",
        "json",
        "-o",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(first.status.code(), Some(1));
    let again = annexa(&[
        "check",
        FAILING,
        "-p",
        POLICY,
        "--now",
        NOW,
        "--baseline",
        baseline.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let report = json(&again);
    assert_eq!(report["summary"]["failed"], 0);
    assert_eq!(report["summary"]["waived"], 4);
    assert_eq!(
        result(&report, "ml.data_protection.pii_stays_in_region")["waiver"]["reason"],
        "present in the baseline"
    );
    // a finding the baseline does not list still fails
    let wider = annexa(&[
        "check",
        FAILING,
        "-p",
        POLICY,
        "--now",
        NOW,
        "--baseline",
        baseline.to_str().unwrap(),
        "--param",
        r#"allowed_regions=["eu-central-1"]"#,
    ]);
    assert_eq!(wider.status.code(), Some(1), "{}", stdout(&wider));
}

#[test]
fn sarif_carries_waived_findings_as_suppressed_results() {
    let out = annexa(&[
        "check",
        FAILING,
        "-p",
        POLICY,
        "--now",
        NOW,
        "--waivers",
        WAIVERS,
        "--format",
        "sarif",
    ]);
    let log = json(&out);
    let suppressed: Vec<&serde_json::Value> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 2, "{log}");
    assert!(suppressed.iter().any(|r| {
        r["suppressions"][0]["justification"]
            .as_str()
            .unwrap()
            .contains("break-glass")
    }));
}

#[test]
fn a_bad_waivers_file_is_a_diagnostic_with_its_line() {
    let out = annexa(&[
        "check",
        FAILING,
        "-p",
        POLICY,
        "--waivers",
        "tests/fixtures/waivers/bad.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("unknown waiver key `reasn`"), "{err}");
    assert!(err.contains("bad.yaml:3:5"), "{err}");
    assert!(err.contains("did you mean `reason`"), "{err}");
    let missing = annexa(&["check", FAILING, "-p", POLICY, "--waivers", "no/such.yaml"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn a_waivers_file_with_a_byte_order_mark_is_pointed_into_at_the_right_place() {
    let dir = std::env::temp_dir().join(format!("annexa-waivers-bom-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bom.yaml");
    let text = std::fs::read("tests/fixtures/waivers/bad.yaml").unwrap();
    std::fs::write(&file, [&b"\xEF\xBB\xBF"[..], &text].concat()).unwrap();
    let out = annexa(&[
        "check",
        FAILING,
        "-p",
        POLICY,
        "--waivers",
        file.to_str().unwrap(),
    ]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("bom.yaml:3:5"), "{err}");
    assert!(err.contains("3 │     reasn: typo"), "{err}");
}

#[test]
fn a_list_where_a_pattern_belongs_stops_the_run_instead_of_waiving_everything() {
    let out = annexa(&[
        "check",
        FAILING,
        "-p",
        POLICY,
        "--waivers",
        "tests/fixtures/waivers/list-path.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("annexa::waivers"), "{err}");
    assert!(
        err.contains("`path` must be a string (a JSON Pointer"),
        "{err}"
    );
    assert!(err.contains("found a list"), "{err}");
    assert!(err.contains("list-path.yaml:4:5"), "{err}");
    assert!(
        err.contains("path: /datasets/0/enc"),
        "the fix is shown: {err}"
    );
}

#[test]
fn a_waiver_for_an_unknown_rule_is_a_warning_on_stderr_and_in_the_report() {
    let out = annexa(&[
        "check",
        FAILING,
        "-p",
        POLICY,
        "--now",
        NOW,
        "--waivers",
        "tests/fixtures/waivers/unknown-rule.yaml",
        "--format",
        "json",
    ]);
    // it waives nothing, so the rule it meant still fails; the warning does not change the exit
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let expected = "the waiver at tests/fixtures/waivers/unknown-rule.yaml:4 names rule \
                    `ml.data_protection.training_data_encrypt`, which no loaded policy defines, \
                    so it waives nothing; did you mean `ml.data_protection.training_data_encrypted`?";
    assert!(err.contains(&format!("warning: {expected}")), "{err}");
    let report = json(&out);
    assert_eq!(report["notes"], serde_json::json!([expected]));
    assert_eq!(
        result(&report, "ml.data_protection.training_data_encrypted")["status"],
        "fail"
    );
    assert_eq!(
        result(&report, "ml.data_protection.admins_use_mfa")["status"],
        "waived"
    );
}
