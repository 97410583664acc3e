//! The built-in AWS packs (`cloudformation.*`, `terraform.*`, `iam.*`), run as a user would:
//! `annexa check FILE` with no `-p`. Each realistic fixture gives the findings a reviewer would
//! write, at their lines; the compliant ones give none.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::{NOW, annexa};
use serde_json::Value;

const DIR: &str = "tests/fixtures/packs/aws";

/// Checks one fixture with the built-in pack: the report and the exit code.
fn check(name: &str) -> (Value, i32) {
    let path = format!("{DIR}/{name}");
    let out = annexa(&["check", &path, "--format", "json", "--now", NOW]);
    let report = serde_json::from_slice(&out.stdout).expect("a JSON report");
    (report, out.status.code().unwrap_or(-1))
}

/// Every violation as (rule, line, message), in report order.
fn findings(report: &Value) -> Vec<(String, u64, String)> {
    let mut out = Vec::new();
    for r in report["results"].as_array().unwrap() {
        for v in r["violations"].as_array().unwrap() {
            out.push((
                r["rule"].as_str().unwrap().to_string(),
                v["line"].as_u64().unwrap(),
                v["message"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

fn rules_and_lines(report: &Value) -> Vec<(String, u64)> {
    findings(report)
        .into_iter()
        .map(|(rule, line, _)| (rule, line))
        .collect()
}

fn pairs(expected: &[(&str, u64)]) -> Vec<(String, u64)> {
    expected
        .iter()
        .map(|(r, l)| ((*r).to_string(), *l))
        .collect()
}

#[test]
fn a_default_notebook_with_an_administrator_role() {
    let (report, code) = check("notebook-template.yaml");
    assert_eq!(code, 1);
    assert_eq!(
        rules_and_lines(&report),
        pairs(&[
            ("cloudformation.iam.no_full_admin", 27),
            ("cloudformation.sagemaker.notebook_in_vpc", 6),
            ("cloudformation.sagemaker.notebook_kms_key", 6),
            ("cloudformation.sagemaker.notebook_no_direct_internet", 4),
            ("cloudformation.sagemaker.notebook_root_access_disabled", 4),
        ])
    );
    // messages name the CloudFormation logical id
    for (_, _, message) in findings(&report) {
        assert!(
            message.contains("ResearchNotebook") || message.contains("ExecutionRole"),
            "{message}"
        );
    }
    assert_eq!(report["files"]["by_pack"]["cloudformation"], 1);
}

#[test]
fn a_setup_policy_that_can_escalate() {
    let (report, code) = check("setup-policy.json");
    assert_eq!(code, 1);
    assert_eq!(
        rules_and_lines(&report),
        pairs(&[
            ("iam.statements.no_privilege_escalation", 6),
            ("iam.statements.no_unscoped_writes", 6),
            ("iam.statements.no_wildcard_actions", 6),
            ("iam.statements.passrole_scoped", 6),
        ])
    );
    assert_eq!(report["files"]["by_pack"]["iam"], 1);
}

#[test]
fn a_plan_with_a_bare_bucket_and_a_weakened_public_access_block() {
    let (report, code) = check("plan-bucket.json");
    assert_eq!(code, 1);
    assert_eq!(
        rules_and_lines(&report),
        pairs(&[
            ("terraform.iam_json.bucket_tls_only", 7),
            ("terraform.s3.bucket_access_logging", 7),
            ("terraform.s3.bucket_encryption", 7),
            ("terraform.s3.bucket_public_access_blocked", 7),
            ("terraform.s3.bucket_versioning", 7),
        ])
    );
    for (_, _, message) in findings(&report) {
        assert!(message.contains("aws_s3_bucket.datasets"), "{message}");
    }
}

#[test]
fn compliant_template_and_plan_give_no_finding() {
    for (name, pack) in [
        ("compliant-template.yaml", "cloudformation"),
        ("compliant-plan.json", "terraform"),
    ] {
        let (report, code) = check(name);
        assert_eq!(findings(&report), [], "{name}");
        assert_eq!(code, 0, "{name}");
        assert_eq!(report["files"]["by_pack"][pack], 1, "{name}");
        let gaps: usize = report["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["evidence_gaps"].as_array().unwrap().len())
            .sum();
        assert_eq!(gaps, 0, "{name}");
        // no finding because the rules judged the file, not because they all skipped it
        let passed = report["summary"]["passed"].as_u64().unwrap();
        assert!(passed >= 3, "{name}: only {passed} rules passed");
    }
}
