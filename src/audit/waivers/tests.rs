//! Unit tests of waivers and baselines.

use super::*;
use crate::audit::Baseline;
use crate::diagnostics::Diagnostic;
use crate::source::SourceFile;

fn violation(document: &str, path: &str) -> Violation {
    Violation {
        message: "m".into(),
        reason: crate::findings::Reason::Failed,
        document: document.into(),
        document_index: 0,
        subject: String::new(),
        path: path.into(),
        line: 1,
        column: 1,
        subject_key: None,
        fingerprint: String::new(),
        locator: String::new(),
        require_order: 0,
        document_order: 0,
    }
}

fn waivers(yaml: &str) -> Result<Vec<Waiver>, Vec<Diagnostic>> {
    let doc = crate::facts::first_yaml_document("w.yaml", yaml);
    parse_waivers(&doc, &SourceFile::new("w.yaml", yaml))
}

#[test]
fn a_waiver_matches_rule_document_and_path_globs() {
    let w = waivers("waivers:\n  - rule: ml.*\n    path: /datasets/1/*\n    reason: accepted\n")
        .unwrap_or_default();
    let w = w.first().cloned();
    let w = w.as_ref();
    assert!(w.is_some_and(|w| w.covers("ml.x", &violation("f.yaml", "/datasets/1/enabled"))));
    assert!(w.is_some_and(|w| !w.covers("ml.x", &violation("f.yaml", "/datasets/2/enabled"))));
    assert!(w.is_some_and(|w| !w.covers("other.x", &violation("f.yaml", "/datasets/1/x"))));
}

#[test]
fn mistakes_are_diagnostics_with_lines() {
    let e = waivers("waivers:\n  - rule: r\n    reasn: x\n")
        .err()
        .unwrap_or_default();
    assert!(
        e.iter()
            .any(|d| d.message().contains("unknown waiver key `reasn`"))
    );
    assert!(
        e.iter().any(|d| d.location() == "w.yaml:3:5"),
        "{:?}",
        e.iter().map(Diagnostic::location).collect::<Vec<_>>()
    );
    assert!(e.iter().any(|d| {
        d.message()
            .contains("needs a `rule` and a non-empty `reason`")
    }));
    let e = waivers("waivers:\n  - {rule: r, reason: x, expires: soon}\n")
        .err()
        .unwrap_or_default();
    assert!(
        e.iter()
            .any(|d| d.message().contains("`expires` must be a date"))
    );
}

#[test]
fn a_waiver_holds_through_its_expiry_day() {
    let w =
        waivers("waivers:\n  - {rule: r, reason: x, expires: 2026-01-31}\n").unwrap_or_default();
    let day = |d: &str| crate::eval::parse_time(d).unwrap_or(0);
    assert!(w.iter().all(|w| w.active(day("2026-01-31T23:59:59Z"))));
    assert!(w.iter().all(|w| !w.active(day("2026-02-01"))));
}

fn errors(yaml: &str) -> Vec<(String, String, Option<String>)> {
    waivers(yaml)
        .err()
        .unwrap_or_default()
        .iter()
        .map(|d| {
            (
                d.location(),
                d.message().to_string(),
                d.help_text().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn a_list_where_a_string_belongs_is_an_error_not_a_waiver_for_everything() {
    let e = errors("waivers:\n  - rule: r\n    reason: x\n    path: [/datasets/0/enc]\n");
    assert_eq!(e.len(), 1, "{e:?}");
    let (at, message, help) = &e[0];
    // a member is located at its key
    assert_eq!(at, "w.yaml:4:5");
    assert_eq!(
        message,
        "`path` must be a string (a JSON Pointer, or a glob on one such as `/datasets/*/encryption/*`), found a list"
    );
    assert!(
        help.as_deref()
            .unwrap_or("")
            .contains("`path: /datasets/0/enc`")
    );
}

#[test]
fn every_key_is_type_checked() {
    for (key, value, found) in [
        ("rule", "42", "a number"),
        ("document", "{a: 1}", "an object"),
        ("subject", "[ds-7]", "a list"),
        ("reason", "true", "true/false"),
        ("owner", "[a, b]", "a list"),
        ("expires", "[2027-01-01]", "a list"),
    ] {
        let base = if key == "rule" { "" } else { "    rule: r\n" };
        let reason = if key == "reason" {
            ""
        } else {
            "    reason: x\n"
        };
        let yaml = format!("waivers:\n  - {key}: {value}\n{base}{reason}");
        let e = errors(&yaml);
        assert!(
            e.iter().any(|(at, m, _)| at == "w.yaml:2:5"
                && m.starts_with(&format!("`{key}` must be a string"))
                && m.ends_with(&format!("found {found}"))),
            "{key}: {e:?}"
        );
    }
}

#[test]
fn unknown_keys_at_the_top_and_a_non_list_are_errors() {
    let e = errors("waiver:\n  - rule: r\n");
    assert!(
        e.iter()
            .any(|(at, m, _)| at == "w.yaml:1:1" && m == "unknown key `waiver` in a waivers file"),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|(_, m, _)| m == "a waivers file holds a `waivers:` list")
    );
    let e = errors("waivers:\n  rule: r\n");
    assert!(
        e.iter()
            .any(|(_, m, _)| m == "`waivers` must be a list, found an object"),
        "{e:?}"
    );
    let e = errors("waivers:\n  - rule: \"\"\n    reason: x\n");
    assert!(e.iter().any(|(_, m, _)| m == "`rule` is empty"), "{e:?}");
}

#[test]
fn a_subject_waiver_matches_the_subject_key_only() {
    let w = waivers("waivers:\n  - {rule: r, subject: ds-7, reason: x}\n").unwrap_or_default();
    let keyed = |key: Option<&str>| Violation {
        subject_key: key.map(str::to_string),
        ..violation("f.yaml", "/datasets/0/x")
    };
    assert!(w.iter().any(|w| w.covers("r", &keyed(Some("ds-7")))));
    assert!(!w.iter().any(|w| w.covers("r", &keyed(Some("ds-8")))));
    assert!(!w.iter().any(|w| w.covers("r", &keyed(None))));
}

fn result(rule: &str, violations: Vec<Violation>) -> RuleResult {
    RuleResult {
        rule: rule.into(),
        title: rule.into(),
        status: Status::Fail,
        severity: crate::findings::Severity::High,
        controls: vec!["A.8.24".into()],
        subjects: violations.len(),
        violations,
        evidence_gaps: Vec::new(),
        skip_reason: None,
        error: None,
        waiver: None,
        waived: Vec::new(),
        source: Default::default(),
    }
}

fn fingerprinted(n: usize) -> Violation {
    Violation {
        fingerprint: format!("{n:064x}"),
        ..violation("f.yaml", &format!("/xs/{n}"))
    }
}

#[test]
fn a_baseline_of_ten_thousand_findings_matches_each_by_its_fingerprint() {
    const N: usize = 10_000;
    // the earlier report lists the even findings only
    let listed: Vec<serde_json::Value> = (0..N)
        .step_by(2)
        .map(
            |n| serde_json::json!({"fingerprint": fingerprinted(n).fingerprint, "path": "ignored"}),
        )
        .collect();
    let earlier = serde_json::json!({"results": [{"rule": "r", "violations": listed}]});
    let baseline = Baseline::from_report(&earlier, "b.json").ok();
    assert_eq!(baseline.as_ref().map(Baseline::len), Some(N / 2));
    let report = Report::from_results(vec![result("r", (0..N).map(fingerprinted).collect())]);
    let accepted = Accepted {
        waivers: Vec::new(),
        baseline,
    };
    let applied = apply(report, &accepted, 0);
    let r = &applied.report.results[0];
    assert_eq!(r.waived.len(), N / 2);
    assert_eq!(r.violations.len(), N / 2);
    assert!(r.waived.iter().all(|v| {
        v.path
            .trim_start_matches("/xs/")
            .parse::<usize>()
            .is_ok_and(|n| n % 2 == 0)
    }));
    assert!(r.violations.iter().all(|v| {
        v.path
            .trim_start_matches("/xs/")
            .parse::<usize>()
            .is_ok_and(|n| n % 2 == 1)
    }));
    assert_eq!(r.status, Status::Fail);
}

#[test]
fn an_old_report_without_fingerprints_still_matches_by_file_index_pointer_and_message() {
    let earlier = serde_json::json!({"results": [{"rule": "r", "violations": [
        {"document": "f.yaml", "document_index": 0, "path": "/xs/1", "message": "m"},
        {"document": "f.yaml", "document_index": 1, "path": "/xs/2", "message": "m"},
    ]}]});
    let baseline = Baseline::from_report(&earlier, "old.json").ok();
    let second_doc = Violation {
        document_index: 1,
        ..violation("f.yaml", "/xs/1")
    };
    let report = Report::from_results(vec![result(
        "r",
        vec![
            violation("f.yaml", "/xs/1"),
            second_doc,
            violation("f.yaml", "/xs/2"),
        ],
    )]);
    let applied = apply(
        report,
        &Accepted {
            waivers: Vec::new(),
            baseline,
        },
        0,
    );
    let r = &applied.report.results[0];
    assert_eq!(r.waived.len(), 1, "only /xs/1 of document 0 is listed");
    assert_eq!(r.violations.len(), 2);
}

#[test]
fn a_waiver_for_a_rule_that_does_not_exist_is_a_warning_with_a_suggestion() {
    let w = waivers(
        "waivers:\n  - {rule: ml.data.encrypted, reason: x}\n  - {rule: ml.*, reason: y}\n",
    )
    .unwrap_or_default();
    let report = Report::from_results(vec![result("ml.data.encrypt", vec![violation("f", "/a")])]);
    let applied = apply(
        report,
        &Accepted {
            waivers: w,
            baseline: None,
        },
        0,
    );
    assert_eq!(applied.warnings.len(), 1, "{:?}", applied.warnings);
    assert_eq!(
        applied.warnings[0],
        "the waiver at w.yaml:2 names rule `ml.data.encrypted`, which no loaded policy defines, so it waives nothing; did you mean `ml.data.encrypt`?"
    );
    assert_eq!(applied.report.notes, applied.warnings);
}
