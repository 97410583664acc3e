use super::*;
use crate::findings::{
    Reason, Report, RuleResult, RuleSource, Severity, Status, Violation, WaiverNote,
};
use crate::report::snippet::SourceCache;

const EVIL: &str = "<script>alert(1)</script>";

fn hostile_report(document: &str) -> Report {
    let v = Violation {
        message: format!("bad {EVIL} \u{1b}]52;c;aGk=\u{7} \"quoted\" 'single' & more"),
        reason: Reason::Failed,
        document: document.to_string(),
        document_index: 0,
        subject: "/a".into(),
        path: format!("/{EVIL}"),
        line: 2,
        column: 3,
        subject_key: None,
        fingerprint: String::new(),
        locator: String::new(),
        require_order: 0,
        document_order: 0,
    };
    let rule = RuleResult {
        rule: format!("ns.{EVIL}"),
        title: format!("title {EVIL}"),
        status: Status::Fail,
        severity: Severity::High,
        controls: vec!["A.8.24".into()],
        subjects: 1,
        violations: vec![v.clone()],
        evidence_gaps: Vec::new(),
        skip_reason: None,
        error: None,
        waiver: None,
        waived: Vec::new(),
        source: RuleSource {
            file: format!("{EVIL}.policy"),
            line: 1,
            description: Some(EVIL.into()),
            remediation: Some(EVIL.into()),
            tags: Vec::new(),
        },
    };
    let waived = RuleResult {
        rule: "ns.waived".into(),
        status: Status::Waived,
        violations: Vec::new(),
        waived: vec![v],
        waiver: Some(WaiverNote {
            reason: format!("accepted {EVIL}"),
            owner: Some(EVIL.into()),
            expires: Some("2026-12-31".into()),
            source: format!("{EVIL}.yaml:3"),
        }),
        ..rule.clone()
    };
    let mut report = Report::from_results(vec![rule, waived]);
    report.notes.push(format!("note {EVIL}"));
    report.config = Some(format!("{EVIL}.toml"));
    report
}

/// The page's own markup has exactly one `<script>`; any other is an injection.
fn assert_no_injection(page: &str) {
    assert_eq!(page.matches("<script").count(), 1, "one script only");
    assert!(!page.contains("alert(1)</script>"), "{page}");
    assert!(!page.contains('\u{1b}') && !page.contains('\u{7}'));
}

#[test]
fn every_string_of_the_report_is_escaped() {
    let mut cache = SourceCache::disabled();
    cache.insert(&format!("{EVIL}.yaml"), format!("a: 1\nb: {EVIL}\n"));
    let page = render_check(&hostile_report(&format!("{EVIL}.yaml")), &mut cache);
    assert_no_injection(&page);
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;.yaml:2:3"),
        "file:line:column"
    );
    assert!(
        page.contains("\\u{1b}]52;c;aGk=\\u{7}"),
        "controls shown escaped"
    );
    assert!(page.contains("&quot;quoted&quot; &#39;single&#39; &amp; more"));
    // the excerpt's line is there, escaped, with the value marked from the column
    assert!(
        page.contains("<span class=\"ln hit\" data-n=\"2\">b:<mark> &lt;script&gt;alert(1)&lt;/script&gt;</mark></span>"),
        "{page}"
    );
    assert!(page.contains("<td>2026-12-31</td>"), "the waiver's expiry");
}

#[test]
fn the_page_is_self_contained_and_deterministic() {
    let report = hostile_report("f.yaml");
    let page = render_check(&report, &mut SourceCache::disabled());
    assert!(page.contains(
        "content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:;"
    ));
    for external in [
        "src=\"http",
        "href=\"http",
        "url(",
        "@import",
        "<link",
        "<iframe",
    ] {
        assert!(!page.contains(external), "{external}");
    }
    assert!(page.contains("@page{size:A4"));
    assert!(page.contains("section.theme{break-before:page}"));
    assert_eq!(page.matches("<section class=\"theme\">").count(), 4);
    assert_eq!(page, render_check(&report, &mut SourceCache::disabled()));
    // without a readable fact file there is no excerpt, and the finding is still there
    assert!(!page.contains("<pre class=\"src\">"));
    assert!(page.contains("f.yaml:2:3"));
}

#[test]
fn the_statement_page_renders_every_field_and_escapes_them() {
    use crate::audit::soa::{Attestation, Evidence, WaiverRef, statement};
    let mut soa = statement(
        &[("r".into(), vec!["A.8.24".into()])],
        None,
        &Default::default(),
    );
    soa.run.date = "2026-06-01".into();
    soa.run.commit = Some(EVIL.into());
    soa.run.facts = vec![EVIL.into()];
    let Some(e) = soa.controls.iter_mut().find(|e| e.id == "A.8.24") else {
        panic!("A.8.24 is in the catalog");
    };
    e.owner = Some(format!("owner {EVIL}"));
    e.implementation = Some("partially-implemented".into());
    e.reasons = vec!["risk-treatment".into()];
    e.attestations.push(Attestation {
        reference: format!("ref {EVIL}"),
        by: "ciso".into(),
        date: "2026-01-01".into(),
        expires: Some("2026-03-01".into()),
        expired: true,
        note: Some("note".into()),
        origin: Some("applicability.yaml:4".into()),
    });
    e.evidence.push(Evidence {
        rule: "r".into(),
        outcome: "violation".into(),
        document: format!("{EVIL}.yaml"),
        line: 7,
        path: "/x".into(),
        message: format!("msg {EVIL}"),
    });
    e.waivers.push(WaiverRef {
        rule: "r".into(),
        reason: format!("why {EVIL}"),
        expires: Some("2026-09-30".into()),
    });
    let page = render_soa(&soa);
    assert_no_injection(&page);
    for shown in [
        "owner: owner &lt;script&gt;",
        "implementation: partially-implemented",
        "grounds: risk-treatment",
        "ref &lt;script&gt;",
        "<span class=\"expired\">expired 2026-03-01</span>",
        "applicability.yaml:4",
        "&lt;script&gt;alert(1)&lt;/script&gt;.yaml:7",
        "msg &lt;script&gt;",
        "why &lt;script&gt;alert(1)&lt;/script&gt; <span class=\"sub\">expires 2026-09-30</span>",
        "1 of 93 controls checked by rules, 0 attested, 0 excluded, 92 gaps",
        "<dt>date</dt><dd>2026-06-01</dd>",
    ] {
        assert!(page.contains(shown), "{shown}");
    }
    assert_eq!(page.matches("<tr class=\"row\"").count(), 93);
}

#[test]
fn the_chart_counts_every_control_once() {
    let soa = crate::audit::soa::statement(&[], None, &Default::default());
    let counts = chart::counts(&soa.controls);
    let total: usize = counts.iter().map(|(_, _, c)| c.iter().sum::<usize>()).sum();
    assert_eq!(total, 93);
    let svg = chart::status_by_theme(&soa.controls);
    assert!(
        svg.contains("<title>Organizational: 37 gap</title>"),
        "{svg}"
    );
    assert!(svg.contains("<li><i style=\"background:#a0a8b1\"></i>gap (93)</li>"));
}
