//! `scope` (docs/language.md, v2): documents out of a rule's scope cost nothing and say nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::{annexa, assert_exit, stderr, stdout};
use serde_json::Value;

const DIR: &str = "tests/fixtures/scope";

fn path(name: &str) -> String {
    format!("{DIR}/{name}")
}

fn json_report(args: &[&str]) -> (Value, i32) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let out = annexa(&all);
    let report = serde_json::from_slice(&out.stdout).expect("a JSON report");
    (report, out.status.code().unwrap_or(-1))
}

fn result<'r>(report: &'r Value, rule: &str) -> &'r Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == rule)
        .unwrap_or_else(|| panic!("no result for {rule}"))
}

#[test]
fn rules_judge_only_the_documents_in_their_scope() {
    let (pod, bare, dvc, deploy) = (
        path("pod.yaml"),
        path("pod-without-spec.yaml"),
        path("dvc.yaml"),
        path("deployment.yaml"),
    );
    let policy = path("pods.policy");
    let (report, code) = json_report(&[&pod, &bare, &dvc, &deploy, "-p", &policy]);
    assert_eq!(code, 1);
    let privileged = result(&report, "k8s.pods.no_privileged");
    assert_eq!(privileged["status"], "fail");
    // the rule's own scope (a spec with containers) leaves out the bare pod: no gap from it
    assert_eq!(privileged["subjects"], 1);
    assert_eq!(privileged["evidence_gaps"].as_array().unwrap().len(), 0);
    let v = &privileged["violations"][0];
    assert_eq!(v["document"], pod);
    assert_eq!(v["line"], 5);
    // the Deployment has no name, but it is not a Pod: no violation from it
    let named = result(&report, "k8s.pods.named");
    assert_eq!(named["status"], "pass");
    assert_eq!(named["violations"].as_array().unwrap().len(), 0);
    let files = &report["files"];
    assert_eq!(files["total"], 4);
    assert_eq!(files["recognised"], 2);
    assert_eq!(files["by_pack"]["k8s"], 2);
    assert_eq!(
        files["unrecognised"],
        serde_json::json!([dvc.as_str(), deploy.as_str()])
    );
}

#[test]
fn the_human_summary_counts_recognised_files() {
    let out = annexa(&[
        "check",
        &path("pod.yaml"),
        &path("dvc.yaml"),
        "-p",
        &path("pods.policy"),
    ]);
    let text = stdout(&out);
    assert!(
        text.contains("1 of 2 files recognised: 1 k8s; 1 in no pack's scope"),
        "{text}"
    );
}

#[test]
fn a_rule_with_no_document_in_scope_is_skipped_not_in_scope_and_hidden() {
    let dvc = path("dvc.yaml");
    let policy = path("pods.policy");
    let (report, code) = json_report(&[&dvc, "-p", &policy]);
    assert_eq!(code, 0);
    for rule in ["k8s.pods.no_privileged", "k8s.pods.named"] {
        let r = result(&report, rule);
        assert_eq!(r["status"], "skip");
        assert_eq!(r["skip_reason"], "not in scope");
    }
    let human = stdout(&annexa(&["check", &dvc, "-p", &policy]));
    assert!(!human.contains("k8s.pods.named"), "{human}");
    assert!(
        human.contains("2 rules with no document in scope not listed (--verbose lists them)"),
        "{human}"
    );
    let verbose = stdout(&annexa(&["check", &dvc, "-p", &policy, "--verbose"]));
    assert!(verbose.contains("SKIP   k8s.pods.named"), "{verbose}");
    assert!(verbose.contains("not in scope"), "{verbose}");
}

/// The error of rule `bad.r` of `policy` on the pod, which must put the rule in error.
fn scope_error(policy: &str) -> String {
    let (report, code) = json_report(&[&path("pod.yaml"), "-p", &path(policy)]);
    assert_eq!(code, 1);
    let r = result(&report, "bad.r");
    assert_eq!(r["status"], "error");
    r["error"].as_str().unwrap().to_string()
}

#[test]
fn a_scope_that_fails_at_run_time_puts_the_rule_in_error() {
    assert!(scope_error("bad_scope.policy").contains("cannot compare"));
}

#[test]
fn a_scope_function_that_is_no_predicate_is_an_error_at_the_call() {
    // the function's value is a string: the scope, not the function's body, is what needed a
    // boolean, so the error quotes the call and its place
    let error = scope_error("scope_fn_not_bool.policy");
    assert!(
        error.contains("expected true or false, got the string \"Pod\" in `kind_of(facts)`")
            && error.contains("scope_fn_not_bool.policy:5:7"),
        "{error}"
    );
}

#[test]
fn two_file_scopes_are_a_compile_error() {
    let out = annexa(&["check", &path("pod.yaml"), "-p", &path("two_scopes.policy")]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("annexa::duplicate"), "{err}");
    assert!(err.contains("the file has two `scope` items"), "{err}");
}

#[test]
fn rules_without_scope_judge_every_document_and_count_no_files() {
    let (report, code) = json_report(&[
        &path("pod.yaml"),
        &path("dvc.yaml"),
        "-p",
        &path("unscoped.policy"),
    ]);
    assert_eq!(code, 1);
    assert_eq!(result(&report, "everything_has_kind")["status"], "fail");
    assert!(report.get("files").is_none());
}

#[test]
fn the_ml_pack_stays_quiet_on_files_of_other_tools() {
    let (report, code) = json_report(&[
        &path("dvc.yaml"),
        &path("deployment.yaml"),
        &path("pod.yaml"),
    ]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["summary"]["failed"], 0);
    assert_eq!(report["summary"]["violations"], 0);
    // the DVC pack recognises dvc.yaml (and finds nothing wrong); the ML pack none of them
    assert_eq!(report["files"]["recognised"], 1);
    assert_eq!(report["files"]["by_pack"]["dvc"], 1);
    assert!(report["files"]["by_pack"].get("ml").is_none(), "{report}");
}

#[test]
fn the_ml_pack_still_judges_ml_fact_documents() {
    let (report, code) = json_report(&[common::FAILING, &path("dvc.yaml")]);
    assert_eq!(code, 1);
    assert!(report["summary"]["failed"].as_u64().unwrap() > 0);
    assert_eq!(report["files"]["recognised"], 2);
    assert_eq!(report["files"]["by_pack"]["ml"], 1);
    assert_eq!(report["files"]["by_pack"]["dvc"], 1);
}

#[test]
fn explain_says_a_document_is_not_in_scope() {
    let out = annexa(&[
        "explain",
        "no_privileged",
        &path("dvc.yaml"),
        "-p",
        &path("pods.policy"),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("result: skip, not in scope"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn fmt_keeps_scopes() {
    let out = annexa(&["fmt", "--check", DIR]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn scope_in_policy_tests() {
    let dir = common::scratch("scope", "scope_in_policy_tests");
    let file = dir.join("t.policy");
    std::fs::write(
        &file,
        "scope facts.kind == \"Pod\"\n\nrule r {\n  controls A.8.9\n  require exists(metadata.name)\n}\n\ntest \"a pod is judged\" {\n  facts {kind: \"Pod\"}\n  expect r fail 1\n}\n\ntest \"a deployment is not in scope\" {\n  facts {kind: \"Deployment\"}\n  expect r skip\n}\n",
    )
    .unwrap();
    let out = annexa(&["test", file.to_str().unwrap()]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("2 passed, 0 failed"));
}

#[test]
fn fact_model_warnings_fall_only_on_ml_fact_documents() {
    let out = annexa(&["check", &path("dvc.yaml"), &path("deployment.yaml")]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        !stderr(&out).contains("annexa::facts::schema"),
        "{}",
        stderr(&out)
    );
    let dir = common::scratch("scope", "fact_model_warnings");
    let typo = dir.join("typo.yaml");
    std::fs::write(&typo, "datasets:\n  - name: d\n    ownr: a\n").unwrap();
    let out = annexa(&["check", typo.to_str().unwrap()]);
    let err = stderr(&out);
    assert!(err.contains("warning[annexa::facts::schema]"), "{err}");
    assert!(err.contains("typo.yaml:3:5"), "{err}");
}

/// `schema::is_ml_fact_document` (which documents get fact-model warnings) and `std.ml`'s
/// `is_fact_document` (which documents the ML pack judges) are one test written twice; this keeps
/// them from drifting apart.
#[test]
fn the_rust_and_the_policy_recognisers_of_ml_fact_documents_agree() {
    use annexa::unstable::source::SourceFile;
    let policy = SourceFile::new(
        "r.policy",
        "use std.ml\nrule r {\n  controls A.5.9\n  require ml.is_fact_document(facts)\n}\n",
    );
    let program =
        annexa::unstable::compile::compile(vec![annexa::unstable::syntax::parse(&policy).unwrap()])
            .program
            .unwrap();
    let cases = [
        serde_json::json!({"datasets": []}),
        serde_json::json!({"models": [{"name": "m"}]}),
        serde_json::json!({"transfers": [], "extra": 1}),
        serde_json::json!({"suppliers": {}}),
        serde_json::json!({"cloud_services": "x"}),
        serde_json::json!({"stages": [{"name": "s"}]}),
        serde_json::json!({"stages": ["build", "test"]}),
        serde_json::json!({"stages": []}),
        serde_json::json!({"stages": {"train": {"cmd": "python t.py"}}}),
        serde_json::json!({"pipeline": {"name": "p"}}),
        serde_json::json!({"pipeline": {"build": {"image": "x"}}}),
        serde_json::json!({"models": {"proj": {"materialized": "view"}}}),
        serde_json::json!({"kind": "Pod"}),
        serde_json::json!(["datasets"]),
        serde_json::json!("datasets"),
    ];
    for case in cases {
        let doc = annexa::unstable::facts::Document::from_json("f.json", &case);
        let rust = annexa::unstable::schema::is_ml_fact_document(&doc);
        let report =
            annexa::unstable::eval::evaluate(&program, &[doc], &Default::default()).unwrap();
        let policy = report.results[0].status == annexa::unstable::findings::Status::Pass;
        assert_eq!(rust, policy, "{case}");
    }
}
