use super::*;
use crate::diagnostics::Diagnostic;
use crate::findings::{ControlResult, RuleResult, Severity, Status};
use crate::source::SourceFile;

fn applicability(yaml: &str) -> Result<Applicability, Vec<Diagnostic>> {
    let doc = crate::facts::first_yaml_document("a.yaml", yaml);
    Applicability::parse(&doc, &SourceFile::new("a.yaml", yaml))
}

fn errors(yaml: &str) -> Vec<String> {
    applicability(yaml)
        .err()
        .unwrap_or_default()
        .iter()
        .map(|d| format!("{} | {}", d.message(), d.help_text().unwrap_or("")))
        .collect()
}

fn rule(id: &str, controls: &[&str], aspect: Option<crate::compile::Aspect>) -> SoaRule {
    SoaRule {
        id: id.into(),
        controls: controls.iter().map(|c| c.to_string()).collect(),
        aspect,
    }
}

fn result(id: &str, controls: &[&str], status: Status) -> RuleResult {
    RuleResult {
        rule: id.into(),
        title: id.into(),
        status,
        severity: Severity::High,
        controls: controls.iter().map(|c| c.to_string()).collect(),
        subjects: 1,
        violations: Vec::new(),
        evidence_gaps: Vec::new(),
        skip_reason: None,
        error: None,
        waiver: None,
        waived: Vec::new(),
        source: Default::default(),
    }
}

fn day(text: &str) -> i64 {
    crate::date::parse_iso_date(text).unwrap_or_default()
}

fn entry<'a>(soa: &'a Statement, id: &str) -> &'a SoaEntry {
    soa.controls.iter().find(|e| e.id == id).unwrap()
}

#[test]
fn every_control_is_listed_and_exclusions_need_a_reason() {
    let a = applicability("excluded:\n  A.7.4: cloud only\n").unwrap_or_default();
    let soa = statement(&[("r".into(), vec!["A.8.24".into()])], None, &a);
    assert_eq!(soa.controls.len(), 93);
    let physical = entry(&soa, "A.7.4");
    assert!(!physical.applicable && physical.status == ControlStatus::NotApplicable);
    assert_eq!(entry(&soa, "A.5.1").status, ControlStatus::Gap);
    assert_eq!(
        soa.coverage.sentence(),
        "1 of 93 controls checked by rules, 0 attested, 1 excluded, 91 gaps"
    );
    let errors = errors("excluded:\n  A.7.4: ''\n  A.7.99: x\n  A.11.1.1: y\n");
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].contains("without a justification"), "{errors:?}");
    assert!(errors[1].contains("did you mean A.7.9"), "{errors:?}");
    assert!(errors[2].contains("2013 id"), "{errors:?}");
}

#[test]
fn the_v2_file_is_read_field_by_field() {
    let a = applicability(
        "controls:\n  A.8.24:\n    reasons: [risk-treatment, contractual]\n    justification: customer data\n    implementation: implemented\n    owner: Platform\n    attestations:\n      - {reference: KMS-1, by: Ana, date: 2026-01-10, expires: 2026-06-30, note: yearly}\n  A.7.1:\n    applicable: false\n    justification: no premises\n",
    )
    .unwrap_or_default();
    let crypto = a.control("A.8.24").unwrap();
    assert!(crypto.applicable);
    assert_eq!(crypto.reasons, ["risk-treatment", "contractual"]);
    assert_eq!(crypto.owner.as_deref(), Some("Platform"));
    let att = &crypto.attestations[0];
    assert_eq!(
        (
            att.reference.as_str(),
            att.expires.as_deref(),
            att.origin.as_str()
        ),
        ("KMS-1", Some("2026-06-30"), "a.yaml:8")
    );
    assert!(!a.control("A.7.1").unwrap().applicable);
}

#[test]
fn mistakes_in_the_v2_file_are_diagnostics() {
    let errors = errors(
        "controls:\n  A.8.24:\n    implemented: yes\n    applicable: 'no'\n    reasons: [risk]\n    implementation: done\n    attestations:\n      - {reference: X, by: Y, date: 2026-02-30}\n      - {reference: X, date: 2026-02-01, expires: 2026-01-01}\n  A.7.1:\n    applicable: false\n  A.7.2: {}\nevidence: []\n",
    );
    let expected = [
        "unknown key `implemented` in a control's entry | did you mean `implementation`?",
        "`applicable` is true or false, not a string",
        "`risk` is not a valid reason | did you mean",
        "`done` is not a valid implementation",
        "`date: 2026-02-30` is not a date",
        "an attestation needs `by`",
        "the attestation expires (2026-01-01) before it was attested",
        "`A.7.1` is excluded without a justification",
        "unknown key `evidence` in the applicability file",
    ];
    for want in expected {
        assert!(
            errors.iter().any(|e| e.contains(want)),
            "{want}\n{errors:#?}"
        );
    }
    assert_eq!(errors.len(), expected.len(), "{errors:#?}");
    let twice = self::errors("excluded:\n  A.7.4: x\ncontrols:\n  A.7.4: {owner: y}\n");
    assert!(
        twice.iter().any(|e| e.contains("`A.7.4` is listed twice")),
        "{twice:?}"
    );
}

#[test]
fn statuses_follow_rules_attestations_and_exclusions() {
    let a = applicability(
        "controls:\n  A.5.1:\n    attestations: [{reference: P, by: C, date: 2026-01-01, expires: 2027-01-01}]\n  A.5.2:\n    attestations: [{reference: R, by: C, date: 2025-01-01, expires: 2025-12-31}]\n  A.5.15:\n    attestations: [{reference: R, by: C, date: 2025-01-01, expires: 2025-12-31}]\n  A.8.23:\n    applicable: false\n    justification: no browsing\n",
    )
    .unwrap_or_default();
    let rules = [
        rule("pass", &["A.5.15", "A.8.24"], None),
        rule("whole", &["A.8.24"], Some(crate::compile::Aspect::Whole)),
        rule("failing", &["A.8.23", "A.8.25"], None),
        rule("unrun", &["A.8.26"], None),
    ];
    let report = crate::findings::Report::from_results(vec![
        result("failing", &["A.8.23", "A.8.25"], Status::Fail),
        result("pass", &["A.5.15", "A.8.24"], Status::Pass),
        result("whole", &["A.8.24"], Status::Pass),
    ]);
    let soa = build(
        Inputs {
            rules: &rules,
            report: Some(&report),
            applicability: &a,
            today: day("2026-03-01"),
        },
        RunInfo::default(),
    );
    let status = |id: &str| (entry(&soa, id).status, entry(&soa, id).status_text());
    assert_eq!(
        status("A.5.1"),
        (ControlStatus::Attested, "attested".into())
    );
    assert_eq!(status("A.5.2").0, ControlStatus::EvidenceExpired);
    assert_eq!(
        status("A.5.15").0,
        ControlStatus::EvidenceExpired,
        "pass, but its manual part is stale"
    );
    assert_eq!(status("A.8.24"), (ControlStatus::Pass, "pass".into()));
    assert_eq!(entry(&soa, "A.8.24").automation, Automation::Automated);
    assert_eq!(status("A.8.23").0, ControlStatus::Contradiction);
    assert_eq!(status("A.8.25").0, ControlStatus::Fail);
    assert_eq!(status("A.8.26").0, ControlStatus::NotEvaluated);
    assert_eq!(status("A.5.3").0, ControlStatus::Gap);
    assert_eq!(
        soa.coverage.sentence(),
        "4 of 93 controls checked by rules, 2 attested, 1 excluded, 86 gaps"
    );
    let _: Vec<ControlResult> = report.controls;
}

#[test]
fn a_pass_of_narrow_rules_is_never_a_bare_pass() {
    let rules = [rule(
        "narrow",
        &["A.5.15"],
        Some(crate::compile::Aspect::Part("MFA".into())),
    )];
    let report =
        crate::findings::Report::from_results(vec![result("narrow", &["A.5.15"], Status::Pass)]);
    let soa = build(
        Inputs {
            rules: &rules,
            report: Some(&report),
            applicability: &Applicability::default(),
            today: 0,
        },
        RunInfo::default(),
    );
    let e = entry(&soa, "A.5.15");
    assert_eq!(e.status_text(), "pass (partially automated)");
    assert_eq!(e.rules[0].aspect.as_deref(), Some("MFA"));
    assert!(render_markdown(&soa).contains("| partially automated | pass (partially automated) |"));
    assert!(render_csv(&soa).contains(",partially automated,,pass (partially automated),"));
}
