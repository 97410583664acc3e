#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use crate::findings::{Reason, RuleResult, Severity, Violation};

fn violation(fingerprint: &str) -> Violation {
    Violation {
        message: format!("bad {fingerprint}"),
        reason: Reason::Failed,
        document: "f.yaml".into(),
        document_index: 0,
        subject: String::new(),
        path: format!("/{fingerprint}"),
        line: 3,
        column: 1,
        subject_key: None,
        fingerprint: fingerprint.into(),
        locator: String::new(),
        require_order: 0,
        document_order: 0,
    }
}

fn rule(id: &str, controls: &[&str], violations: &[&str]) -> RuleResult {
    RuleResult {
        rule: id.into(),
        title: id.into(),
        status: if violations.is_empty() {
            Status::Pass
        } else {
            Status::Fail
        },
        severity: Severity::High,
        controls: controls.iter().map(|c| c.to_string()).collect(),
        subjects: 1,
        violations: violations.iter().map(|f| violation(f)).collect(),
        evidence_gaps: Vec::new(),
        skip_reason: None,
        error: None,
        waiver: None,
        waived: Vec::new(),
        source: Default::default(),
    }
}

fn side(rules: Vec<RuleResult>) -> Side {
    Side::of_report(&Report::from_results(rules))
}

#[test]
fn status_changes_new_and_fixed_findings_and_automation() {
    let base = side(vec![
        rule("enc", &["A.8.24"], &[]),
        rule("log", &["A.8.15"], &["old"]),
    ]);
    let head = side(vec![
        rule("enc", &["A.8.24"], &["n1", "n2"]),
        rule("log", &["A.8.15"], &[]),
        rule("ids", &["A.5.14"], &[]),
    ]);
    let d = compare(&base, &head, "base.json");
    assert_eq!(
        d.lines(),
        [
            "A.5.14 newly automated (pass)",
            "A.8.15 fail → pass: 1 fixed finding",
            "A.8.24 pass → fail: 2 new findings",
        ]
    );
    assert_eq!(d.regressions, 1, "{d:?}");
    assert!(d.has_regressions());
    assert_eq!(
        d.coverage,
        Change {
            before: 2,
            after: 3
        }
    );
    assert_eq!(
        d.totals(),
        "2 new findings, 1 fixed; 2 → 3 controls checked by rules"
    );
    let fixed: Vec<&str> = d
        .fixed_findings
        .iter()
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(fixed, ["bad old"]);
}

#[test]
fn old_findings_that_remain_are_no_regression() {
    let base = side(vec![rule("enc", &["A.8.24"], &["a"])]);
    let head = side(vec![rule("enc", &["A.8.24"], &["a"])]);
    let d = compare(&base, &head, "b");
    assert!(!d.has_regressions());
    assert!(d.lines().is_empty());
    // the same failure, but one more finding: the status is unchanged, the finding is new
    let head = side(vec![rule("enc", &["A.8.24"], &["a", "b"])]);
    let d = compare(&base, &head, "b");
    assert_eq!(d.lines(), ["A.8.24 fail: 1 new finding"]);
    assert!(d.has_regressions());
}

#[test]
fn a_control_no_longer_checked_is_worse() {
    let base = side(vec![rule("enc", &["A.8.24"], &[])]);
    let head = side(Vec::new());
    let d = compare(&base, &head, "b");
    assert_eq!(
        d.lines(),
        ["A.8.24 pass → none", "A.8.24 no longer automated"]
    );
    assert_eq!(d.regressions, 1);
}
