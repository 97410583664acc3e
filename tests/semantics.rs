#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Semantics of the policy language (docs/language.md) checked through the library pipeline:
//! each test states one rule of the spec and asserts the report.

use annexa::unstable::eval::{EvalOptions, evaluate, parse_time};
use annexa::unstable::facts::{Document, Format};
use annexa::unstable::findings::{Reason, Report, RuleResult, Status};
use annexa::unstable::source::SourceFile;
use serde_json::{Value, json};

// ------------------------------------------------------------------ helpers

fn program(text: &str) -> annexa::unstable::compile::Program {
    let file = SourceFile::new("p.policy", text);
    let module =
        annexa::unstable::syntax::parse(&file).unwrap_or_else(|d| panic!("parse error: {d:?}"));
    let compiled = annexa::unstable::compile::compile(vec![module]);
    match compiled.program {
        Some(p) => p,
        None => panic!("compile error: {:?}", compiled.diagnostics),
    }
}

fn opts() -> EvalOptions {
    EvalOptions {
        now: parse_time("2026-01-31").unwrap(),
        ..Default::default()
    }
}

fn eval_docs(text: &str, docs: &[Document], options: &EvalOptions) -> Report {
    evaluate(&program(text), docs, options).unwrap()
}

fn run(text: &str, facts: Value) -> Report {
    eval_docs(text, &[Document::from_json("f.json", &facts)], &opts())
}

fn yaml_doc(yaml: &str) -> Document {
    let mut loaded = annexa::unstable::facts::load_bytes(
        "f.yaml",
        yaml.as_bytes(),
        Format::Yaml,
        &Default::default(),
    )
    .unwrap();
    assert_eq!(loaded.documents.len(), 1);
    loaded.documents.remove(0)
}

fn run_yaml(text: &str, yaml: &str) -> Report {
    eval_docs(text, &[yaml_doc(yaml)], &opts())
}

fn rule<'r>(report: &'r Report, id: &str) -> &'r RuleResult {
    report
        .results
        .iter()
        .find(|r| r.rule == id)
        .unwrap_or_else(|| {
            panic!(
                "no rule {id} in {:#?}",
                report.results.iter().map(|r| &r.rule).collect::<Vec<_>>()
            )
        })
}

/// One rule `r` whose body is `body`.
fn one(body: &str) -> String {
    format!("rule r {{\n  controls A.8.24\n  {body}\n}}\n")
}

fn status(report: &Report, id: &str) -> Status {
    rule(report, id).status
}

/// Evaluates `require EXPR` on `facts` and returns the rule's status.
fn check(expr: &str, facts: Value) -> Status {
    status(&run(&one(&format!("require {expr}")), facts), "r")
}

fn messages(r: &RuleResult) -> Vec<&str> {
    r.violations.iter().map(|v| v.message.as_str()).collect()
}

/// The message of the single violation of rule `r` for `else "TEMPLATE"` over `require false`.
fn render(template: &str, facts: Value) -> String {
    let report = run(&one(&format!("require false else \"{template}\"")), facts);
    let r = rule(&report, "r");
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    r.violations[0].message.clone()
}

fn error_of(r: &RuleResult) -> &str {
    assert_eq!(r.status, Status::Error, "{r:#?}");
    r.error.as_deref().expect("an error carries a message")
}

// ------------------------------------------------------------------ missing vs null

#[test]
fn missing_is_not_null() {
    let facts = json!({"a": null});
    assert_eq!(check("a == null", facts.clone()), Status::Pass);
    assert_eq!(check("exists(a)", facts.clone()), Status::Pass);
    assert_eq!(check("not exists(b)", facts.clone()), Status::Pass);
    // `b == null` is missing, not true: fail-closed
    let report = run(&one("require b == null"), facts);
    let r = rule(&report, "r");
    assert_eq!(r.status, Status::Fail);
    assert_eq!(r.violations[0].reason, Reason::Missing);
    assert_eq!(r.violations[0].path, "/b");
}

const DATASETS_YAML: &str = "\
datasets:
  - name: a
    enc:
      enabled: true
  - name: b
    enc:
      enabled: false
      algorithm: AES-256
";

#[test]
fn require_on_missing_fails_with_reason_missing_at_nearest_present_parent() {
    let report = run_yaml(
        &one("for d in datasets { require d.enc.algorithm == \"AES-256\" }"),
        DATASETS_YAML,
    );
    let r = rule(&report, "r");
    assert_eq!(r.status, Status::Fail);
    assert_eq!(r.violations.len(), 1, "{r:#?}");
    let v = &r.violations[0];
    assert_eq!(v.reason, Reason::Missing);
    assert_eq!(v.path, "/datasets/0/enc/algorithm");
    assert_eq!(v.subject, "/datasets/0");
    // nearest present parent is /datasets/0/enc: an object member, positioned at its key
    assert_eq!((v.line, v.column), (3, 5));
    assert_eq!(v.document, "f.yaml");
    assert_eq!(v.document_index, 0);
    assert_eq!(
        v.message,
        "requirement failed: d.enc.algorithm == \"AES-256\""
    );
}

#[test]
fn failed_require_path_is_the_fact_operand_at_its_key() {
    let report = run_yaml(
        &one("for d in datasets { require d.enc.enabled == true }"),
        DATASETS_YAML,
    );
    let r = rule(&report, "r");
    assert_eq!(r.violations.len(), 1);
    let v = &r.violations[0];
    assert_eq!(v.reason, Reason::Failed);
    assert_eq!(v.path, "/datasets/1/enc/enabled");
    assert_eq!(v.subject, "/datasets/1");
    assert_eq!((v.line, v.column), (7, 7));
}

#[test]
fn missing_array_element_is_positioned_at_the_array_value() {
    // `/xs/5` is absent; its nearest present parent is the member `xs` (its key)
    let report = run_yaml(&one("require xs[5] == 1"), "top: 1\nxs:\n  - 1\n  - 2\n");
    let v = &rule(&report, "r").violations[0];
    assert_eq!(v.reason, Reason::Missing);
    assert_eq!(v.path, "/xs/5");
    assert_eq!((v.line, v.column), (2, 1));
    // an element that exists is positioned at its value
    let report = run_yaml(&one("require xs[1] == 1"), "top: 1\nxs:\n  - 1\n  - 2\n");
    let v = &rule(&report, "r").violations[0];
    assert_eq!(v.reason, Reason::Failed);
    assert_eq!(v.path, "/xs/1");
    assert_eq!((v.line, v.column), (4, 5));
}

#[test]
fn missing_at_the_root_subject_outside_for() {
    let report = run_yaml(&one("require owner == \"x\""), "name: a\n");
    let v = &rule(&report, "r").violations[0];
    assert_eq!(v.reason, Reason::Missing);
    assert_eq!(v.path, "/owner");
    assert_eq!(v.subject, "");
    // the root is positioned at its value
    assert_eq!((v.line, v.column), (1, 1));
}

// ------------------------------------------------------------------ three-valued logic

#[test]
fn and_or_not_are_three_valued() {
    let f = json!({"t": true, "f": false});
    assert_eq!(check("f and m", f.clone()), Status::Fail);
    assert_eq!(check("m and f", f.clone()), Status::Fail);
    assert_eq!(check("t or m", f.clone()), Status::Pass);
    assert_eq!(check("m or t", f.clone()), Status::Pass);
    for e in [
        "t and m",
        "m and t",
        "f or m",
        "m or f",
        "not m",
        "not (m and t)",
    ] {
        let report = run(&one(&format!("require {e}")), f.clone());
        let r = rule(&report, "r");
        assert_eq!(r.status, Status::Fail, "{e}");
        assert_eq!(r.violations[0].reason, Reason::Missing, "{e}");
        assert_eq!(r.violations[0].path, "/m", "{e}");
    }
    // `false and missing` is a plain false
    let report = run(&one("require f and m"), f);
    assert_eq!(rule(&report, "r").violations[0].reason, Reason::Failed);
}

#[test]
fn quantifiers_over_lists() {
    let f = json!({"xs": [{"ok": true}, {"ok": false}, {}], "ys": [{"ok": true}, {}], "zs": [{"ok": true}]});
    // all: false if any false
    assert_eq!(check("not (all x in xs: x.ok)", f.clone()), Status::Pass);
    // all: else missing if any missing
    let report = run(&one("require all x in ys: x.ok"), f.clone());
    assert_eq!(rule(&report, "r").violations[0].reason, Reason::Missing);
    assert_eq!(rule(&report, "r").violations[0].path, "/ys/1/ok");
    assert_eq!(check("all x in zs: x.ok", f.clone()), Status::Pass);
    assert_eq!(check("all x in []: x.ok", f.clone()), Status::Pass);
    // any: true if any true
    assert_eq!(check("any x in xs: x.ok", f.clone()), Status::Pass);
    let report = run(&one("require any x in xs: not x.ok"), f.clone());
    assert_eq!(rule(&report, "r").status, Status::Pass);
    let report = run(&one("require any x in xs[.ok == false]: x.ok"), f.clone());
    assert_eq!(rule(&report, "r").violations[0].reason, Reason::Failed);
    // any: missing if none true and any missing
    let report = run(&one("require any x in ys: not x.ok"), f.clone());
    assert_eq!(rule(&report, "r").violations[0].reason, Reason::Missing);
    // none = not any
    assert_eq!(check("none x in zs: not x.ok", f.clone()), Status::Pass);
    assert_eq!(check("not (none x in xs: x.ok)", f.clone()), Status::Pass);
    let report = run(&one("require none x in ys: not x.ok"), f);
    assert_eq!(rule(&report, "r").violations[0].reason, Reason::Missing);
}

#[test]
fn quantifiers_over_objects_range_over_values() {
    let f = json!({"o": {"a": 1, "b": 2, "c": 3}});
    assert_eq!(check("all v in o: v > 0", f.clone()), Status::Pass);
    assert_eq!(check("any v in o: v == 3", f.clone()), Status::Pass);
    assert_eq!(check("none v in o: v == \"a\"", f.clone()), Status::Pass);
    // a quantifier over a missing collection is missing
    let report = run(&one("require all v in nothing: v > 0"), f);
    assert_eq!(rule(&report, "r").violations[0].reason, Reason::Missing);
    assert_eq!(rule(&report, "r").violations[0].path, "/nothing");
}

#[test]
fn exists_and_default() {
    let f = json!({"d": {"x": 7, "n": null}, "e": {}});
    assert_eq!(check("exists(d.x)", f.clone()), Status::Pass);
    assert_eq!(check("exists(d.n)", f.clone()), Status::Pass);
    assert_eq!(check("not exists(d.y.z)", f.clone()), Status::Pass);
    // `d.x ?? 0 > 5` is `(d.x ?? 0) > 5`
    assert_eq!(check("d.x ?? 0 > 5", f.clone()), Status::Pass);
    assert_eq!(check("not (e.x ?? 0 > 5)", f.clone()), Status::Pass);
    // null is present: ?? does not replace it
    assert_eq!(check("(d.n ?? 1) == null", f.clone()), Status::Pass);
    // right-associative: a ?? b ?? c
    assert_eq!(check("e.a ?? e.b ?? 3 == 3", f.clone()), Status::Pass);
    assert_eq!(check("e.a ?? d.x ?? 3 == 7", f.clone()), Status::Pass);
    // ?? binds tighter than comparison but looser than +
    assert_eq!(check("e.a ?? 1 + 1 == 2", f), Status::Pass);
}

// ------------------------------------------------------------------ filters and projections

#[test]
fn filters_field_and_dot() {
    let f = json!({"xs": [{"k": "a", "n": 1}, {"k": "b", "n": 2}, {"k": "a", "n": 3}], "ns": [1, 5, 10]});
    assert_eq!(
        check("count(xs[.k == \"a\"]) == 2", f.clone()),
        Status::Pass
    );
    assert_eq!(
        check("xs[.k == \"a\"][*].n == [1, 3]", f.clone()),
        Status::Pass
    );
    assert_eq!(check("ns[. > 3] == [5, 10]", f.clone()), Status::Pass);
    // a filter over an object keeps values
    assert_eq!(
        check("count(o[. > 1]) == 1", json!({"o": {"a": 1, "b": 2}})),
        Status::Pass
    );
    // a non-boolean predicate is a run-time error
    let report = run(&one("require count(ns[.]) > 0"), f);
    assert!(!error_of(rule(&report, "r")).is_empty());
}

#[test]
fn missing_filter_predicate_drops_element_and_records_gap() {
    let report = run_yaml(
        &one("require count(datasets[.pii]) == 1"),
        "datasets:\n  - name: a\n    pii: true\n  - name: b\n  - name: c\n    pii: false\n",
    );
    let r = rule(&report, "r");
    // the check held on what could be judged, but /datasets/1 could not be: never a pass
    assert_eq!(r.status, Status::Incomplete, "{r:#?}");
    assert_eq!(r.evidence_gaps.len(), 1, "{r:#?}");
    let g = &r.evidence_gaps[0];
    assert_eq!(g.path, "/datasets/1/pii");
    // nearest present parent: the array element /datasets/1, positioned at its value
    assert_eq!((g.line, g.column), (4, 5));
    assert_eq!(g.document, "f.yaml");
    assert!(g.message.contains("/datasets/1/pii"), "{}", g.message);
}

#[test]
fn projection_drops_missing() {
    let f = json!({"xs": [{"name": "a"}, {}, {"name": "c"}, {"name": null}]});
    assert_eq!(
        check("xs[*].name == [\"a\", \"c\", null]", f.clone()),
        Status::Pass
    );
    assert_eq!(check("count(xs[*].name) == 3", f.clone()), Status::Pass);
    // an index after the projection applies to the resulting list
    assert_eq!(check("xs[*].name[1] == \"c\"", f), Status::Pass);
    // nested projection steps
    let f = json!({"xs": [{"a": {"b": 1}}, {"a": {}}, {"a": {"b": 3}}]});
    assert_eq!(check("xs[*].a.b == [1, 3]", f), Status::Pass);
}

#[test]
fn index_negative_and_out_of_range() {
    let f = json!({"xs": [10, 20, 30]});
    assert_eq!(check("xs[0] == 10", f.clone()), Status::Pass);
    assert_eq!(check("xs[-1] == 30", f.clone()), Status::Pass);
    assert_eq!(check("xs[-3] == 10", f.clone()), Status::Pass);
    assert_eq!(check("not exists(xs[3])", f.clone()), Status::Pass);
    assert_eq!(check("not exists(xs[-4])", f.clone()), Status::Pass);
    let report = run(&one("require xs[3] == 10"), f);
    let v = &rule(&report, "r").violations[0];
    assert_eq!(v.reason, Reason::Missing);
    assert_eq!(v.path, "/xs/3");
}

#[test]
fn key_access_and_facts_root() {
    let f = json!({"odd key": {"x": 1}, "datasets": [1]});
    assert_eq!(check("facts[\"odd key\"].x == 1", f.clone()), Status::Pass);
    assert_eq!(check("facts.datasets == datasets", f.clone()), Status::Pass);
    assert_eq!(check("facts[\"odd key\"][\"x\"] == 1", f), Status::Pass);
}

// ------------------------------------------------------------------ for, subjects, errors

#[test]
fn for_over_object_values_and_subjects() {
    let report = run(
        &one("for b in buckets { require b.encrypted else \"bucket {b.name} unencrypted\" }"),
        json!({"buckets": {"x": {"name": "x", "encrypted": true}, "y": {"name": "y", "encrypted": false}}}),
    );
    let r = rule(&report, "r");
    assert_eq!(r.status, Status::Fail);
    assert_eq!(r.subjects, 2);
    assert_eq!(messages(r), ["bucket y unencrypted"]);
    assert_eq!(r.violations[0].subject, "/buckets/y");
    assert_eq!(r.violations[0].path, "/buckets/y/encrypted");
}

#[test]
fn for_over_missing_records_gap_and_rule_is_incomplete() {
    let report = run(
        &one("for d in datasets { require d.ok }"),
        json!({"other": 1}),
    );
    let r = rule(&report, "r");
    // a missing collection is a gap, not "nothing to check"
    assert_eq!(r.status, Status::Incomplete);
    assert_eq!(r.skip_reason, None);
    assert_eq!(r.subjects, 0);
    assert_eq!(r.evidence_gaps.len(), 1, "{r:#?}");
    assert_eq!(r.evidence_gaps[0].path, "/datasets");
    assert!(r.violations.is_empty());
}

#[test]
fn for_over_empty_list_is_not_applicable_never_pass() {
    let report = run(
        &one("for d in datasets { require d.ok }"),
        json!({"datasets": []}),
    );
    let r = rule(&report, "r");
    assert_eq!(r.status, Status::Skip);
    assert_eq!(
        r.skip_reason.as_deref(),
        Some("not applicable: no require was reached")
    );
    assert!(r.evidence_gaps.is_empty());
}

#[test]
fn for_over_scalar_is_an_error() {
    let report = run(
        &one("for d in datasets { require d.ok }"),
        json!({"datasets": 3}),
    );
    let r = rule(&report, "r");
    assert!(!error_of(r).is_empty());
    assert_eq!(report.summary.errors, 1);
}

#[test]
fn require_of_non_boolean_is_an_error() {
    let report = run(&one("require name"), json!({"name": "x"}));
    assert!(!error_of(rule(&report, "r")).is_empty());
    let report = run(&one("require 1"), json!({}));
    assert!(!error_of(rule(&report, "r")).is_empty());
    // null is not a boolean either
    let report = run(&one("require n"), json!({"n": null}));
    assert!(!error_of(rule(&report, "r")).is_empty());
}

#[test]
fn type_error_is_an_error_of_that_rule_only() {
    let text = "\
rule bad {
  controls A.8.24
  require \"a\" < 3
}
rule good {
  controls A.8.24
  require 1 < 2
}
";
    let report = run(text, json!({}));
    let bad = rule(&report, "bad");
    assert!(!error_of(bad).is_empty());
    assert!(bad.violations.is_empty());
    assert_eq!(status(&report, "good"), Status::Pass);
    assert_eq!(report.summary.errors, 1);
    assert_eq!(report.summary.passed, 1);
    // `error` is present in the JSON only for a rule in error
    let j = serde_json::to_value(&report).unwrap();
    let results = j["results"].as_array().unwrap();
    assert!(results[0]["error"].is_string());
    assert!(results[1].get("error").is_none());
    assert!(results[1]["skip_reason"].is_null());
}

#[test]
fn one_violation_per_failed_require_per_subject() {
    let text = one(
        "for d in ds {\n    require d.a else \"a {d.n}\"\n    require d.b else \"b {d.n}\"\n  }",
    );
    let report = run(
        &text,
        json!({"ds": [{"n": 1, "a": false, "b": false}, {"n": 2, "a": true, "b": true}, {"n": 3, "a": true, "b": false}]}),
    );
    let r = rule(&report, "r");
    assert_eq!(r.subjects, 3);
    assert_eq!(messages(r), ["a 1", "b 1", "b 3"]);
    assert_eq!(report.summary.violations, 3);
}

#[test]
fn subject_is_the_innermost_for_element() {
    let text = one("for d in ds {\n    for a in d.access {\n      require a.mfa\n    }\n  }");
    let report = run(
        &text,
        json!({"ds": [{"access": [{"mfa": true}]}, {"access": [{"mfa": true}, {"mfa": false}]}]}),
    );
    let r = rule(&report, "r");
    assert_eq!(r.violations.len(), 1);
    assert_eq!(r.violations[0].subject, "/ds/1/access/1");
    assert_eq!(r.violations[0].path, "/ds/1/access/1/mfa");
    // subjects count the outermost `for`
    assert_eq!(r.subjects, 2);
    // a rule without `for` has one subject
    let report = run(&one("require true"), json!({}));
    assert_eq!(rule(&report, "r").subjects, 1);
}

#[test]
fn violations_are_ordered_by_path_numerically() {
    let xs: Vec<Value> = (0..12).map(|i| json!({"ok": false, "i": i})).collect();
    let report = run(
        &one("for x in xs { require x.ok else \"{x.i}\" }"),
        json!({"xs": xs}),
    );
    let r = rule(&report, "r");
    let got: Vec<String> = r.violations.iter().map(|v| v.message.clone()).collect();
    let want: Vec<String> = (0..12).map(|i| i.to_string()).collect();
    assert_eq!(got, want);
}

// ------------------------------------------------------------------ if

#[test]
fn if_else_and_else_if() {
    let text = one(
        "for x in xs {\n    if x.k == \"a\" { require x.v == 1 else \"a {x.v}\" }\n    else if x.k == \"b\" { require x.v == 2 else \"b {x.v}\" }\n    else { require x.v == 3 else \"other {x.v}\" }\n  }",
    );
    let report = run(
        &text,
        json!({"xs": [{"k": "a", "v": 1}, {"k": "a", "v": 9}, {"k": "b", "v": 9}, {"k": "c", "v": 9}, {"k": "b", "v": 2}]}),
    );
    let r = rule(&report, "r");
    assert_eq!(messages(r), ["a 9", "b 9", "other 9"]);
    assert!(r.evidence_gaps.is_empty());
}

#[test]
fn if_with_missing_condition_is_false_and_records_gap() {
    let text = one(
        "for x in xs {\n    if x.pii { require x.enc else \"then\" } else { require false else \"else {x.n}\" }\n  }",
    );
    let report = run(
        &text,
        json!({"xs": [{"n": 1, "pii": true, "enc": true}, {"n": 2}]}),
    );
    let r = rule(&report, "r");
    // the missing condition took the else branch
    assert_eq!(messages(r), ["else 2"]);
    assert_eq!(r.evidence_gaps.len(), 1, "{r:#?}");
    assert_eq!(r.evidence_gaps[0].path, "/xs/1/pii");
    // without an else, nothing is reached for that subject
    let text = one("for x in xs {\n    if x.pii { require x.enc }\n  }");
    let report = run(&text, json!({"xs": [{"n": 2}]}));
    let r = rule(&report, "r");
    assert_eq!(r.status, Status::Incomplete);
    assert_eq!(r.skip_reason, None);
    assert_eq!(r.evidence_gaps.len(), 1);
    // a condition that is false, not missing, leaves nothing to check: not applicable
    let report = run(&text, json!({"xs": [{"n": 2, "pii": false}]}));
    let r = rule(&report, "r");
    assert_eq!(r.status, Status::Skip);
    assert_eq!(
        r.skip_reason.as_deref(),
        Some("not applicable: no require was reached")
    );
}

// ------------------------------------------------------------------ when

#[test]
fn when_skips_dependent_rule_with_the_rule_id() {
    let text = "\
policy acme.sec
rule base {
  controls A.8.24
  require ok
}
rule dep {
  controls A.8.24
  when base
  require true
}
rule dep2 {
  controls A.8.24
  when acme.sec.dep
  require true
}
";
    let report = run(text, json!({"ok": false}));
    assert_eq!(status(&report, "acme.sec.base"), Status::Fail);
    let dep = rule(&report, "acme.sec.dep");
    assert_eq!(dep.status, Status::Skip);
    assert_eq!(
        dep.skip_reason.as_deref(),
        Some("when acme.sec.base did not pass (fail)")
    );
    let dep2 = rule(&report, "acme.sec.dep2");
    assert_eq!(
        dep2.skip_reason.as_deref(),
        Some("when acme.sec.dep did not pass (skip)")
    );
    let report = run(text, json!({"ok": true}));
    assert_eq!(status(&report, "acme.sec.dep"), Status::Pass);
    assert_eq!(status(&report, "acme.sec.dep2"), Status::Pass);
    // an errored dependency
    let report = run(text, json!({"ok": 1}));
    assert_eq!(
        rule(&report, "acme.sec.dep").skip_reason.as_deref(),
        Some("when acme.sec.base did not pass (error)")
    );
}

#[test]
fn when_without_header_uses_bare_rule_name() {
    let text = "\
rule dep {
  controls A.8.24
  when base
  require true
}
rule base {
  controls A.8.24
  for x in xs { require x }
}
";
    let report = run(text, json!({"xs": []}));
    let dep = rule(&report, "dep");
    assert_eq!(
        dep.skip_reason.as_deref(),
        Some("when base did not pass (skip)")
    );
    assert_eq!(
        rule(&report, "base").skip_reason.as_deref(),
        Some("not applicable: no require was reached")
    );
}

// ------------------------------------------------------------------ templates

#[test]
fn template_holes_and_braces() {
    let f = json!({"name": "ds-7", "n": 3, "big": 312.0, "half": 1.5, "xs": [1, "a", null], "o": {"z": 1, "a": [true]}});
    assert_eq!(
        render("dataset {name} has {n} items", f.clone()),
        "dataset ds-7 has 3 items"
    );
    assert_eq!(render("{{literal}} {name}", f.clone()), "{literal} ds-7");
    assert_eq!(render("{absent.deep}", f.clone()), "<missing>");
    assert_eq!(render("{xs}", f.clone()), r#"[1,"a",null]"#);
    // objects in document key order, compact
    assert_eq!(render("{o}", f.clone()), r#"{"z":1,"a":[true]}"#);
    assert_eq!(render("{big}", f.clone()), "312");
    assert_eq!(render("{half}", f.clone()), "1.5");
    assert_eq!(render("{n * 2 + 1}", f.clone()), "7");
    assert_eq!(render("{10 / 4}", f.clone()), "2.5");
    // a hole holds any expression, string literals included
    assert_eq!(
        render("{upper(\"x\")}-{name ?? \"none\"}", f.clone()),
        "X-ds-7"
    );
    assert_eq!(render("{count(xs[. != null])}", f.clone()), "2");
    assert_eq!(render("{true} {null}", f), "true null");
}

#[test]
fn require_without_else_reports_source_text() {
    let report = run(
        &one("for d in ds {\n    require d.x  >=   5 and d.y\n  }"),
        json!({"ds": [{"x": 1, "y": true}]}),
    );
    let r = rule(&report, "r");
    assert_eq!(messages(r), ["requirement failed: d.x  >=   5 and d.y"]);
}

#[test]
fn title_is_a_template_over_the_root() {
    let text = "rule r {\n  title \"checks {env}\"\n  controls A.8.24\n  require true\n}\n";
    let report = run(text, json!({"env": "prod"}));
    assert_eq!(rule(&report, "r").title, "checks prod");
    let text = "rule r {\n  controls A.8.24\n  require true\n}\n";
    assert_eq!(rule(&run(text, json!({})), "r").title, "r");
}

// ------------------------------------------------------------------ numbers and dates

#[test]
fn numbers() {
    let f = json!({"one_f": 1.0, "one": 1});
    assert_eq!(check("1 == 1.0", f.clone()), Status::Pass);
    assert_eq!(check("one == one_f", f.clone()), Status::Pass);
    assert_eq!(check("[1, 2] == [1.0, 2.0]", f.clone()), Status::Pass);
    assert_eq!(check("{\"a\": 1} == {\"a\": 1.0}", f.clone()), Status::Pass);
    assert_eq!(check("6 / 3 == 2", f.clone()), Status::Pass);
    assert_eq!(check("7 / 2 == 3.5", f.clone()), Status::Pass);
    assert_eq!(check("7 % 3 == 1", f.clone()), Status::Pass);
    assert_eq!(check("-1.5 < -1", f.clone()), Status::Pass);
    assert_eq!(check("2 - 3 * 2 == -4", f.clone()), Status::Pass);
    assert_eq!(check("1 == \"1\"", f.clone()), Status::Fail);
    assert_eq!(check("1 != \"1\"", f.clone()), Status::Pass);
    // integer division that is exact renders as an integer
    assert_eq!(render("{6 / 3}", f.clone()), "2");
    assert_eq!(render("{7 / 2}", f), "3.5");
}

#[test]
fn division_by_zero_is_an_error() {
    for e in ["1 / 0 == 1", "1 % 0 == 1", "1.5 / 0 == 1", "n / z == 1"] {
        let report = run(&one(&format!("require {e}")), json!({"n": 4, "z": 0}));
        let msg = error_of(rule(&report, "r"));
        assert!(msg.contains("zero"), "{e}: {msg}");
    }
}

#[test]
fn arithmetic_on_missing_is_missing() {
    let report = run(&one("require n + 1 > 2"), json!({}));
    let v = &rule(&report, "r").violations[0];
    assert_eq!(v.reason, Reason::Missing);
    assert_eq!(v.path, "/n");
}

#[test]
fn dates_compare_with_iso_strings() {
    let f = json!({"when": "2026-01-15", "ts": "2026-01-15T12:00:00Z", "bad": "soon"});
    assert_eq!(
        check("@2026-01-01 < \"2026-02-01T00:00:00Z\"", f.clone()),
        Status::Pass
    );
    assert_eq!(check("when > @2026-01-01", f.clone()), Status::Pass);
    assert_eq!(check("ts > @2026-01-15", f.clone()), Status::Pass);
    assert_eq!(check("@2026-01-15 == when", f.clone()), Status::Pass);
    assert_eq!(
        check("parse_date(ts) < parse_date(\"2026-01-16\")", f.clone()),
        Status::Pass
    );
    let report = run(&one("require bad < @2026-01-01"), f.clone());
    let msg = error_of(rule(&report, "r"));
    assert!(msg.contains("soon"), "{msg}");
    let report = run(&one("require days_since(bad) > 1"), f);
    assert!(!error_of(rule(&report, "r")).is_empty());
}

#[test]
fn days_since_uses_the_fixed_clock_and_floors() {
    let f = json!({"a": "2026-01-01", "b": "2026-01-30T12:00:00Z", "c": "2026-02-01T00:00:01Z"});
    assert_eq!(
        render("{days_since(a)} {days_since(b)} {days_since(c)}", f.clone()),
        "30 0 -2"
    );
    assert_eq!(render("{days_since(@2025-01-31)}", f), "365");
    // a different clock gives a different answer
    let options = EvalOptions {
        now: parse_time("2026-03-01").unwrap(),
        ..Default::default()
    };
    let report = eval_docs(
        &one("require days_since(a) == 59"),
        &[Document::from_json("f.json", &json!({"a": "2026-01-01"}))],
        &options,
    );
    assert_eq!(status(&report, "r"), Status::Pass);
}

// ------------------------------------------------------------------ matches, in

#[test]
fn matches_is_unanchored() {
    let f = json!({"s": "arn:aws:kms:eu-west-1:key"});
    assert_eq!(check("s matches \"kms\"", f.clone()), Status::Pass);
    assert_eq!(check("not (s matches \"^kms\")", f.clone()), Status::Pass);
    assert_eq!(check("s matches \"^arn:.*key$\"", f.clone()), Status::Pass);
    // not a template: braces are regex syntax
    assert_eq!(
        check("\"aaa\" matches \"^a{2,3}$\"", f.clone()),
        Status::Pass
    );
    let report = run(&one("require m matches \"x\""), f.clone());
    assert_eq!(rule(&report, "r").violations[0].reason, Reason::Missing);
    let report = run(&one("require 3 matches \"x\""), f);
    assert!(!error_of(rule(&report, "r")).is_empty());
}

#[test]
fn in_over_lists_objects_strings() {
    let f = json!({"o": {"a": "x", "b": "y"}, "l": [1, "two", [3]]});
    assert_eq!(check("\"two\" in l", f.clone()), Status::Pass);
    assert_eq!(check("1.0 in l", f.clone()), Status::Pass);
    assert_eq!(check("[3] in l", f.clone()), Status::Pass);
    assert_eq!(check("\"y\" in o", f.clone()), Status::Pass);
    // objects: values, not keys
    assert_eq!(check("\"a\" not in o", f.clone()), Status::Pass);
    assert_eq!(check("\"ell\" in \"hello\"", f.clone()), Status::Pass);
    assert_eq!(check("\"z\" not in \"hello\"", f.clone()), Status::Pass);
    assert_eq!(check("4 not in l", f.clone()), Status::Pass);
    // `not x in y` is `not (x in y)`
    assert_eq!(check("not 4 in l", f.clone()), Status::Pass);
    // missing either side is missing, for `in` and `not in`
    for e in ["m in l", "m not in l", "1 in m", "1 not in m"] {
        let report = run(&one(&format!("require {e}")), f.clone());
        assert_eq!(
            rule(&report, "r").violations[0].reason,
            Reason::Missing,
            "{e}"
        );
    }
    let report = run(&one("require 1 in 5"), f);
    assert!(!error_of(rule(&report, "r")).is_empty());
}

// ------------------------------------------------------------------ lets and params

#[test]
fn let_gaps_belong_to_every_rule_reading_it() {
    let text = "\
let pii = datasets[.pii]
rule a {
  controls A.8.24
  for d in pii { require d.enc }
}
rule b {
  controls A.8.24
  require count(pii) >= 0
}
rule c {
  controls A.8.24
  require true
}
";
    let report = run(
        text,
        json!({"datasets": [{"pii": true, "enc": true}, {"name": "x"}]}),
    );
    for id in ["a", "b"] {
        let r = rule(&report, id);
        assert_eq!(r.status, Status::Incomplete, "{id}");
        assert_eq!(r.evidence_gaps.len(), 1, "{id}: {r:#?}");
        assert_eq!(r.evidence_gaps[0].path, "/datasets/1/pii");
    }
    assert!(rule(&report, "c").evidence_gaps.is_empty());
    assert_eq!(rule(&report, "c").status, Status::Pass);
}

#[test]
fn let_gaps_reach_rules_reading_it_through_a_fn_or_another_let() {
    let text = "\
let pii = datasets[.pii]
let n = count(pii)
fn pii_count() = count(pii)
rule a {
  controls A.8.24
  require n == 1
}
rule b {
  controls A.8.24
  require pii_count() == 1
}
";
    let report = run(text, json!({"datasets": [{"pii": true}, {"name": "x"}]}));
    for id in ["a", "b"] {
        let r = rule(&report, id);
        assert_eq!(r.status, Status::Incomplete, "{id}");
        assert_eq!(r.evidence_gaps.len(), 1, "{id}: {r:#?}");
    }
}

#[test]
fn params_default_and_override() {
    let text = "\
param regions = [\"eu-west-1\"]
rule r {
  controls A.5.14
  for t in transfers { require t.region in regions else \"{t.region}\" }
}
";
    let facts = json!({"transfers": [{"region": "eu-west-1"}, {"region": "us-east-1"}]});
    let doc = || vec![Document::from_json("f.json", &facts)];
    let report = eval_docs(text, &doc(), &opts());
    assert_eq!(messages(rule(&report, "r")), ["us-east-1"]);
    let options = EvalOptions {
        params: vec![("regions".into(), json!(["eu-west-1", "us-east-1"]))],
        ..opts()
    };
    let report = eval_docs(text, &doc(), &options);
    assert_eq!(status(&report, "r"), Status::Pass);
    let options = EvalOptions {
        params: vec![("regoins".into(), json!([]))],
        ..opts()
    };
    let err = evaluate(&program(text), &doc(), &options).unwrap_err();
    assert!(err.message().contains("regoins"), "{err:?}");
    assert!(err.help().contains("regions"), "{err:?}");
}

#[test]
fn stdlib_param_can_be_overridden_by_suffix() {
    let text = "use std.crypto\nrule r {\n  controls A.8.24\n  require \"AES-128-CBC\" in crypto.strong_ciphers\n}\n";
    let doc = [Document::from_json("f.json", &json!({}))];
    assert_eq!(status(&eval_docs(text, &doc, &opts()), "r"), Status::Fail);
    let options = EvalOptions {
        params: vec![("crypto.strong_ciphers".into(), json!(["AES-128-CBC"]))],
        ..opts()
    };
    assert_eq!(status(&eval_docs(text, &doc, &options), "r"), Status::Pass);
}

#[test]
fn fns_and_locals() {
    let text = "\
fn big(x) = x > 10
fn both(a, b) = big(a) and big(b)
rule r {
  controls A.8.24
  for d in ds {
    let total = d.a + d.b
    require both(d.a, total) else \"{d.a} {total}\"
  }
}
";
    let report = run(
        text,
        json!({"ds": [{"a": 11, "b": 1}, {"a": 5, "b": 10}, {"b": 1}]}),
    );
    let r = rule(&report, "r");
    assert_eq!(messages(r), ["5 15", "<missing> <missing>"]);
    assert_eq!(r.violations[1].reason, Reason::Missing);
    assert_eq!(r.violations[1].path, "/ds/2/a");
}

// ------------------------------------------------------------------ stdlib

#[test]
fn stdlib_crypto() {
    let text = "\
use std.crypto
rule r {
  controls A.8.24
  for d in ds {
    require d.alg in crypto.strong_ciphers else \"alg {d.alg}\"
    require crypto.tls_ok(d.tls) else \"tls {d.tls}\"
  }
}
";
    let report = run(
        text,
        json!({"ds": [
            {"alg": "AES-256", "tls": "1.2"},
            {"alg": "3DES", "tls": "1.3"},
            {"alg": "ChaCha20-Poly1305", "tls": "1.0"},
            {"alg": "AES-256-GCM", "tls": 1.2},
            {"alg": "AES-256-GCM", "tls": 1.1}
        ]}),
    );
    let r = rule(&report, "r");
    // TLS versions are compared as versions: YAML's number 1.2 is TLS 1.2, 1.1 is not enough
    assert_eq!(messages(r), ["alg 3DES", "tls 1.0", "tls 1.1"]);
    assert_eq!(r.violations[0].path, "/ds/1/alg");
    assert_eq!(r.violations[1].path, "/ds/2/tls");
}

#[test]
fn stdlib_crypto_minimum_contents() {
    let text = "\
use std.crypto
rule r {
  controls A.8.24
  require all c in [\"AES-256\", \"AES-256-GCM\", \"ChaCha20-Poly1305\"]: c in crypto.strong_ciphers
  require none c in [\"DES\", \"3DES\", \"RC4\", \"AES-128-ECB\"]: c in crypto.strong_ciphers
  require crypto.tls_versions_ok == [\"1.2\", \"1.3\"]
  require crypto.min_rsa_bits == 2048
}
";
    let report = run(text, json!({}));
    assert_eq!(
        status(&report, "r"),
        Status::Pass,
        "{:#?}",
        rule(&report, "r")
    );
}

// ------------------------------------------------------------------ reports

#[test]
fn evaluation_is_deterministic() {
    let text = std::fs::read_to_string("tests/corpus/spec_example.policy").unwrap();
    let docs = load("examples/facts/pipeline.yaml");
    let a = serde_json::to_string(&eval_docs(&text, &docs, &opts())).unwrap();
    let b = serde_json::to_string(&eval_docs(&text, &docs, &opts())).unwrap();
    assert_eq!(a, b);
}

#[test]
fn results_across_documents_merge() {
    let text = one("require ok");
    let docs = [
        Document::from_json("a.json", &json!({"ok": true})),
        Document::from_json("b.json", &json!({"ok": false})),
        Document::from_json("c.json", &json!({})),
    ];
    let report = eval_docs(&text, &docs, &opts());
    let r = rule(&report, "r");
    assert_eq!(r.status, Status::Fail);
    assert_eq!(r.subjects, 3);
    let docs_of: Vec<(&str, Reason)> = r
        .violations
        .iter()
        .map(|v| (v.document.as_str(), v.reason))
        .collect();
    assert_eq!(
        docs_of,
        [("b.json", Reason::Failed), ("c.json", Reason::Missing)]
    );
}

#[test]
fn multi_document_yaml_carries_document_index() {
    let loaded = annexa::unstable::facts::load_bytes(
        "m.yaml",
        b"ok: true\n---\nok: false\n",
        Format::Yaml,
        &Default::default(),
    )
    .unwrap();
    let report = eval_docs(&one("require ok"), &loaded.documents, &opts());
    let v = &rule(&report, "r").violations;
    assert_eq!(v.len(), 1);
    assert_eq!((v[0].document.as_str(), v[0].document_index), ("m.yaml", 1));
    assert_eq!((v[0].line, v[0].column), (3, 1));
}

// ------------------------------------------------------------------ the spec example

fn load(path: &str) -> Vec<Document> {
    annexa::unstable::facts::load_path(std::path::Path::new(path), path, &Default::default())
        .unwrap()
        .documents
}

fn spec_example(facts: &str) -> Report {
    let text = std::fs::read_to_string("tests/corpus/spec_example.policy").unwrap();
    eval_docs(&text, &load(facts), &opts())
}

#[test]
fn spec_example_on_the_compliant_pipeline_passes() {
    let report = spec_example("tests/corpus/spec_example_compliant.yaml");
    for r in &report.results {
        assert_eq!(r.status, Status::Pass, "{r:#?}");
    }
    assert_eq!(report.summary.rules, 5);
    assert_eq!(report.summary.passed, 5);
}

#[test]
fn spec_example_on_the_failing_pipeline_matches_the_readme() {
    let report = spec_example("examples/facts/pipeline.yaml");
    let want: [(&str, Status, usize); 5] = [
        ("training_data_encrypted", Status::Fail, 3),
        ("admins_use_mfa", Status::Fail, 1),
        ("third_party_transfers_protected", Status::Skip, 0),
        ("pii_stays_in_region", Status::Fail, 1),
        ("every_dataset_owned", Status::Fail, 1),
    ];
    for (name, st, n) in want {
        let r = rule(&report, &format!("ml.data_protection.{name}"));
        assert_eq!((r.status, r.violations.len()), (st, n), "{r:#?}");
    }
    let tdp = rule(
        &report,
        "ml.data_protection.third_party_transfers_protected",
    );
    assert_eq!(
        tdp.skip_reason.as_deref(),
        Some("when ml.data_protection.training_data_encrypted did not pass (fail)")
    );
    let tde = rule(&report, "ml.data_protection.training_data_encrypted");
    let reasons: Vec<Reason> = tde.violations.iter().map(|v| v.reason).collect();
    assert!(reasons.contains(&Reason::Missing), "{tde:#?}");
    assert!(
        messages(tde).contains(&"dataset chargeback-labels uses cipher 3DES"),
        "{tde:#?}"
    );
    let pii = rule(&report, "ml.data_protection.pii_stays_in_region");
    assert_eq!(
        messages(pii),
        ["PII from transactions-raw leaves for us-east-1"]
    );
    let owned = rule(&report, "ml.data_protection.every_dataset_owned");
    assert_eq!(messages(owned), ["1 datasets have no owner"]);
    assert_eq!(report.summary.failed, 4);
    assert_eq!(report.summary.skipped, 1);
    assert_eq!(report.summary.violations, 6);
}

#[test]
fn spec_example_param_override_makes_region_rule_pass() {
    let text = std::fs::read_to_string("tests/corpus/spec_example.policy").unwrap();
    let options = EvalOptions {
        params: vec![(
            "allowed_regions".into(),
            json!(["eu-west-1", "eu-central-1", "us-east-1"]),
        )],
        ..opts()
    };
    let report = eval_docs(&text, &load("examples/facts/pipeline.yaml"), &options);
    assert_eq!(
        status(&report, "ml.data_protection.pii_stays_in_region"),
        Status::Pass
    );
}

// ------------------------------------------------------------------ regressions

#[test]
fn a_let_in_error_reports_its_own_error_to_every_reader() {
    // each rule reading a failing let is in error with the let's message, not "depends on itself"
    let text = "let x = \"a\" < 3\nrule a {\n  controls A.8.24\n  require x\n}\nrule b {\n  controls A.8.24\n  require x\n}\n";
    let report = run(text, json!({}));
    for id in ["a", "b"] {
        let msg = error_of(rule(&report, id));
        assert!(msg.contains("cannot compare"), "{id}: {msg}");
    }
}

#[test]
fn overridden_param_values_are_not_fact_paths() {
    // a `--param` value is not a fact of the document: the violation is located at the subject
    let text = "param p = {\"a\": [1]}\nrule r {\n  controls A.8.24\n  for d in ds {\n    require p.a[0] == 2\n    require p.b == d.x\n  }\n}\n";
    let options = EvalOptions {
        params: vec![("p".into(), json!({"a": [1]}))],
        ..opts()
    };
    let report = eval_docs(text, &[yaml_doc("ds:\n  - x: 1\n")], &options);
    let r = rule(&report, "r");
    let located: Vec<(&str, Reason, u32, u32)> = r
        .violations
        .iter()
        .map(|v| (v.path.as_str(), v.reason, v.line, v.column))
        .collect();
    assert_eq!(
        located,
        [
            ("/ds/0", Reason::Failed, 2, 5),
            ("/ds/0", Reason::Missing, 2, 5)
        ]
    );
    // the same with the default value
    let report = eval_docs(text, &[yaml_doc("ds:\n  - x: 1\n")], &opts());
    let r = rule(&report, "r");
    let paths: Vec<&str> = r.violations.iter().map(|v| v.path.as_str()).collect();
    assert_eq!(paths, ["/ds/0", "/ds/0"]);
}

#[test]
fn subjects_count_an_outer_for_inside_an_if() {
    // the outermost `for` is under a top-level `if`: its elements are the subjects
    let text = one("if t {\n    for x in xs { require exists(x.ys) }\n  }");
    let report = run(&text, json!({"t": true, "xs": [1, 2, 3]}));
    assert_eq!(rule(&report, "r").subjects, 3);
}

#[test]
fn holes_hold_raw_string_literals() {
    // inside a hole the expression grammar applies: string literals use plain quotes
    assert_eq!(
        render("{len(\"ab\")} {sum([1.5, 1.5])} {[1.0, 2.5]}", json!({})),
        "2 3 [1,2.5]"
    );
}

#[test]
fn std_iam_flags_privileged_grants_without_mfa() {
    let policy = "use std.iam\nrule r {\n  controls A.8.2\n  for d in datasets {\n    for g in d.access[iam.privileged(.role)] {\n      require not iam.privileged_without_mfa(g) else \"{g.principal}\"\n    }\n  }\n}\n";
    let file = annexa::unstable::source::SourceFile::new("iam.policy", policy);
    let module = annexa::unstable::syntax::parse(&file).unwrap();
    let program = annexa::unstable::compile::compile(vec![module])
        .program
        .unwrap();
    let facts = serde_json::json!({"datasets": [{"access": [
        {"principal": "a", "role": "admin", "mfa": true},
        {"principal": "b", "role": "owner"},
        {"principal": "c", "role": "reader"}
    ]}]});
    let doc = annexa::unstable::facts::Document::from_json("f.json", &facts);
    let report = annexa::unstable::eval::evaluate(&program, &[doc], &Default::default()).unwrap();
    let messages: Vec<&str> = report.results[0]
        .violations
        .iter()
        .map(|v| v.message.as_str())
        .collect();
    assert_eq!(messages, ["b"]);
}

/// The hash join of `xs[.key == e]` must give exactly what the scan gives: same kept elements
/// in order, same evidence gaps. `and true` keeps the predicate out of the join's form.
#[test]
fn indexed_equality_filters_match_the_scan() {
    let rule = |pred: &str| {
        format!(
            "rule r {{\n  controls A.5.14\n  for t in transfers {{\n    let src = datasets[{pred}]\n    require count(src) == 0 else \"{{t.from}}: {{src[*].name}} {{src[*].n}}\"\n  }}\n}}\n"
        )
    };
    let mut datasets = Vec::new();
    for i in 0..40 {
        let mut d = serde_json::json!({"name": format!("d{}", i % 7), "n": i});
        if i % 5 == 0 {
            d = serde_json::json!({"n": i});
        }
        if i % 11 == 0 {
            d = serde_json::json!({"name": 3, "n": i});
        }
        datasets.push(d);
    }
    datasets.push(serde_json::json!({"name": 3.0, "n": 99}));
    datasets.push(serde_json::json!({"name": null, "n": 100}));
    let facts = serde_json::json!({
        "datasets": datasets,
        "transfers": [{"from": "d1"}, {"from": "d6"}, {"from": "nope"}, {"from": 3}, {"from": null}, {}]
    });
    let run = |pred: &str| {
        let file = annexa::unstable::source::SourceFile::new("j.policy", rule(pred));
        let program = annexa::unstable::compile::compile(vec![
            annexa::unstable::syntax::parse(&file).unwrap(),
        ])
        .program
        .unwrap();
        let doc = annexa::unstable::facts::Document::from_json("f.json", &facts);
        let report =
            annexa::unstable::eval::evaluate(&program, &[doc], &Default::default()).unwrap();
        // gap messages quote the filter's text; make the three spellings comparable
        let text = serde_json::to_string(&report.results).unwrap();
        let text = text.replace(&format!("datasets[{pred}]"), "datasets[FILTER]");
        serde_json::from_str::<serde_json::Value>(&text).unwrap()
    };
    let joined = run(".name == t.from");
    let swapped = run("t.from == .name");
    let scanned = run(".name == t.from and true");
    assert_eq!(joined, scanned);
    // which side is missing first decides the gap's pointer, so compare like with like
    assert_eq!(swapped, run("t.from == .name and true"));
    assert!(
        scanned[0]["violations"].as_array().unwrap().len() >= 4,
        "{scanned}"
    );
    assert!(!scanned[0]["evidence_gaps"].as_array().unwrap().is_empty());
}

#[test]
fn a_count_check_points_at_the_first_element_it_counted() {
    let policy =
        "rule owned {\n  controls A.5.9\n  require count(datasets[not exists(.owner)]) == 0\n}\n";
    let yaml = "datasets:\n  - name: a\n    owner: x\n  - name: b\n  - name: c\n";
    let file = annexa::unstable::source::SourceFile::new("c.policy", policy);
    let program =
        annexa::unstable::compile::compile(vec![annexa::unstable::syntax::parse(&file).unwrap()])
            .program
            .unwrap();
    let docs = annexa::unstable::facts::load_bytes(
        "f.yaml",
        yaml.as_bytes(),
        annexa::unstable::facts::Format::Yaml,
        &Default::default(),
    )
    .unwrap()
    .documents;
    let report = annexa::unstable::eval::evaluate(&program, &docs, &Default::default()).unwrap();
    let v = &report.results[0].violations[0];
    assert_eq!((v.path.as_str(), v.line, v.column), ("/datasets/1", 4, 5));
    assert_eq!(v.subject, "", "the subject stays the document root");
}

// ------------------------------------------------------------------ v2: gaps decide

#[test]
fn missing_propagates_through_literals_whatever_the_order() {
    // each of these passed (or failed, for `max`) on missing facts before v2
    let none = json!({});
    for expr in [
        "\"root\" not in [user.name]",
        "{\"k\": x} != {\"k\": 1}",
        "count([x, y]) == 2",
        "min([30, m]) >= 30",
        "min([m, 30]) >= 30",
        "max([m, 30]) <= 30",
        "max([30, m]) <= 30",
        "[x] == []",
        "len({\"a\": 1, \"b\": x}) == 1",
    ] {
        let report = run(&one(&format!("require {expr}")), none.clone());
        let r = rule(&report, "r");
        assert_eq!(r.status, Status::Fail, "{expr}");
        assert_eq!(r.violations[0].reason, Reason::Missing, "{expr}");
    }
    // the absent fact is named, whichever element it is
    let report = run(&one("require max([30, m]) <= 30"), json!({}));
    assert_eq!(rule(&report, "r").violations[0].path, "/m");
    // present facts: the literal is an ordinary value
    let f = json!({"x": 1, "y": 2, "m": 40, "user": {"name": "alice"}});
    assert_eq!(check("count([x, y]) == 2", f.clone()), Status::Pass);
    assert_eq!(check("min([30, m]) >= 30", f.clone()), Status::Pass);
    assert_eq!(check("max([m, 30]) <= 30", f.clone()), Status::Fail);
    assert_eq!(
        check("\"root\" not in [user.name]", f.clone()),
        Status::Pass
    );
    assert_eq!(check("{\"k\": x} != {\"k\": 1}", f.clone()), Status::Fail);
    // `??` and `exists` are the ways to say absence is fine
    assert_eq!(
        check("count([x ?? 0, q ?? 0]) == 2", f.clone()),
        Status::Pass
    );
    assert_eq!(check("([q] ?? []) == []", f.clone()), Status::Pass);
    assert_eq!(check("not exists([q])", f), Status::Pass);
}

#[test]
fn a_projection_is_computed_and_not_missing_for_a_missing_field() {
    let f = json!({"xs": [{"n": 1}, {}]});
    assert_eq!(check("count(xs[*].n) == 1", f.clone()), Status::Pass);
    assert_eq!(check("max(xs[*].n) == 1", f), Status::Pass);
}

#[test]
fn a_filter_that_could_not_decide_makes_the_rule_incomplete() {
    // the issue's case: the shady broker has no source.type
    let text = one(
        "for d in datasets[.source.type == \"external\"] { require d.source.supplier in [\"acme\"] }",
    );
    let facts = json!({"datasets": [
        {"name": "a", "source": {"type": "external", "supplier": "acme"}},
        {"name": "b", "source": {"supplier": "shady-data-broker"}},
    ]});
    let report = run(&text, facts);
    let r = rule(&report, "r");
    assert_eq!(r.status, Status::Incomplete, "{r:#?}");
    assert_eq!(r.skip_reason, None);
    assert_eq!(r.evidence_gaps[0].path, "/datasets/1/source/type");
    assert_eq!(report.summary.incomplete, 1);
    assert_eq!(report.summary.passed, 0);
    // with no filtered element at all it is still incomplete, never "not applicable"
    let report = run(
        &text,
        json!({"datasets": [{"source": {"supplier": "shady-data-broker"}}]}),
    );
    assert_eq!(status(&report, "r"), Status::Incomplete);
    // a violation elsewhere wins: fail
    let report = run(
        &text,
        json!({"datasets": [
            {"source": {"type": "external", "supplier": "evil"}},
            {"source": {"supplier": "shady-data-broker"}},
        ]}),
    );
    assert_eq!(status(&report, "r"), Status::Fail);
}

#[test]
fn a_misspelt_collection_is_a_gap_not_a_skip() {
    let report = run(
        &one("for d in datsets { require d.ok }"),
        json!({"datasets": [{"ok": true}]}),
    );
    let r = rule(&report, "r");
    assert_eq!(r.status, Status::Incomplete);
    assert_eq!(r.evidence_gaps[0].path, "/datsets");
}

#[test]
fn results_across_documents_rank_error_fail_incomplete_pass_skip() {
    let text = "\
rule r {
  controls A.8.24
  for d in datasets[.pii] { require d.enc }
}
rule s {
  controls A.8.24
  for d in datasets[.pii] { require d.enc == \"x\" }
}
";
    let pass = Document::from_json("p.json", &json!({"datasets": [{"pii": true, "enc": true}]}));
    let gap = Document::from_json("g.json", &json!({"datasets": [{"enc": true}]}));
    let skip = Document::from_json("s.json", &json!({"datasets": []}));
    let fail = Document::from_json(
        "f.json",
        &json!({"datasets": [{"pii": true, "enc": false}]}),
    );
    let err = Document::from_json("e.json", &json!({"datasets": [{"pii": true, "enc": 3}]}));
    let merged = |docs: &[&Document]| {
        let docs: Vec<Document> = docs.iter().map(|d| (*d).clone()).collect();
        status(&eval_docs(text, &docs, &opts()), "r")
    };
    assert_eq!(merged(&[&skip, &pass]), Status::Pass);
    assert_eq!(merged(&[&pass, &gap, &skip]), Status::Incomplete);
    assert_eq!(merged(&[&gap, &fail]), Status::Fail);
    assert_eq!(merged(&[&skip]), Status::Skip);
    // `require 3` is a run-time error: error wins over everything
    let text_err = one("for d in datasets[.pii] { require d.enc }");
    let docs = vec![gap.clone(), fail.clone(), err.clone()];
    assert_eq!(
        status(&eval_docs(&text_err, &docs, &opts()), "r"),
        Status::Error
    );
}

#[test]
fn a_control_is_incomplete_below_fail_and_above_pass() {
    let text = "\
rule a {
  controls A.8.24
  require x
}
rule b {
  controls A.8.24, A.5.1
  for d in datasets[.pii] { require d.enc }
}
rule c {
  controls A.5.1
  require false
}
";
    let report = run(text, json!({"x": true, "datasets": [{"enc": true}]}));
    let control = |id: &str| {
        report
            .controls
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.status)
    };
    assert_eq!(control("A.8.24"), Some(Status::Incomplete));
    assert_eq!(control("A.5.1"), Some(Status::Fail));
}

#[test]
fn a_when_on_an_incomplete_rule_skips_naming_the_status() {
    let text = "\
rule a {
  controls A.8.24
  for d in datasets[.pii] { require d.enc }
}
rule b {
  controls A.8.24
  when a
  require true
}
";
    let report = run(text, json!({"datasets": [{"enc": true}]}));
    let b = rule(&report, "b");
    assert_eq!(b.status, Status::Skip);
    assert_eq!(
        b.skip_reason.as_deref(),
        Some("when a did not pass (incomplete)")
    );
}

#[test]
fn a_check_on_a_function_of_one_fact_points_at_that_fact() {
    let facts =
        "grants:\n  - who: x\n    last_review: \"2020-01-01\"\n    name: ab\n    region: EU\n";
    for (body, path, line) in [
        (
            "require days_since(g.last_review) <= 90",
            "/grants/0/last_review",
            3,
        ),
        ("require len(g.name) > 3", "/grants/0/name", 4),
        ("require lower(g.region) == \"x\"", "/grants/0/region", 5),
        ("require not (upper(g.name) == \"AB\")", "/grants/0/name", 4),
        ("require starts_with(g.name, \"z\")", "/grants/0/name", 4),
        (
            "require days_since(parse_date(g.last_review)) < 1",
            "/grants/0/last_review",
            3,
        ),
    ] {
        let text = one(&format!("for g in grants {{ {body} }}"));
        let report = run_yaml(&text, facts);
        let v = &rule(&report, "r").violations;
        assert_eq!(v.len(), 1, "{body}");
        assert_eq!(v[0].path, path, "{body}");
        assert_eq!(v[0].line, line, "{body}");
        assert_eq!(v[0].subject, "/grants/0", "{body}");
    }
    // a user fn of one fact, too
    let text = "fn short(s) = len(s) < 3\nrule r {\n  controls A.8.24\n  for g in grants { require not short(g.name) }\n}\n";
    let report = run_yaml(text, facts);
    assert_eq!(rule(&report, "r").violations[0].path, "/grants/0/name");
    // one call of two facts: no single one decided, the subject is shown
    let text = one("for g in grants { require starts_with(g.name, g.region) }");
    let report = run_yaml(&text, facts);
    let v = &rule(&report, "r").violations;
    assert_eq!(v[0].path, "/grants/0");
}
