//! `annexa explain`: snapshots of the traces of the example rules, exit codes, unknown rules.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

fn explain(rule: &str) -> std::process::Output {
    annexa(&["explain", rule, FAILING, "-p", POLICY, "--now", NOW])
}

#[test]
fn training_data_encrypted_shows_operands_and_violations() {
    let out = explain("training_data_encrypted");
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(
        text.contains("`d.encryption.at_rest.enabled` = `false` at examples/facts/pipeline.yaml:"),
        "{text}"
    );
    assert!(
        text.contains("result: fail, 3 violations (2 subjects)"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn admins_use_mfa_shows_nested_subjects() {
    let out = explain("ml.data_protection.admins_use_mfa");
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(text.contains("[0] a = /datasets/3/access/0"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn a_when_skip_names_the_dependency_and_its_status() {
    let out = explain("third_party_transfers_protected");
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.contains("when ml.data_protection.training_data_encrypted: fail"),
        "{text}"
    );
    assert!(text.contains("result: skip, when "), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn an_if_with_any_shows_the_branch_and_the_deciding_fact() {
    let out = explain("pii_stays_in_region");
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(text.contains("→ true: then branch taken"), "{text}");
    assert!(text.contains("→ false: else branch taken"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn a_passing_rule_exits_0() {
    let out = annexa(&[
        "explain",
        "training_data_encrypted",
        COMPLIANT,
        "-p",
        POLICY,
        "--now",
        NOW,
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(text.contains("result: pass"), "{text}");
    assert!(!text.contains("violation"), "{text}");
}

#[test]
fn a_missing_if_condition_is_an_evidence_gap_and_a_missing_for_binds_nothing() {
    let dir = std::env::temp_dir().join(format!("annexa-explain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("p.policy");
    std::fs::write(
        &policy,
        "rule r {\n  controls A.8.24\n  for d in datasets {\n    if d.public {\n      require d.approved\n    }\n  }\n  for k in keys {\n    require k.ok\n  }\n}\n",
    )
    .unwrap();
    let facts = dir.join("f.json");
    std::fs::write(&facts, r#"{"datasets": [{"name": "a"}]}"#).unwrap();
    let out = annexa(&[
        "explain",
        "r",
        facts.to_str().unwrap(),
        "-p",
        policy.to_str().unwrap(),
    ]);
    let text = stdout(&out);
    // a gap leaves the rule undecided: incomplete, exit 1 (0 with `--gaps warn`)
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(
        text.contains("→ missing: else branch taken (if any), evidence gap"),
        "{text}"
    );
    assert!(
        text.contains("for k in keys: missing, nothing to iterate (evidence gap)"),
        "{text}"
    );
    assert!(
        text.contains(
            "result: incomplete, no require failed but 2 evidence gaps left it undecided"
        ),
        "{text}"
    );
    assert!(text.contains("evidence gaps:"), "{text}");
    let warn = annexa(&[
        "explain",
        "r",
        facts.to_str().unwrap(),
        "-p",
        policy.to_str().unwrap(),
        "--gaps",
        "warn",
    ]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(warn.status.code(), Some(0), "{}", stderr(&warn));
}

#[test]
fn json_format_is_one_trace_per_document() {
    let out = annexa(&[
        "explain",
        "admins_use_mfa",
        FAILING,
        "-p",
        POLICY,
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let traces = json.as_array().unwrap();
    assert_eq!(traces.len(), 1);
    assert_eq!(traces[0]["status"], "fail");
    assert_eq!(traces[0]["rule"], "ml.data_protection.admins_use_mfa");
    let events = traces[0]["events"].as_array().unwrap();
    assert!(events.iter().any(|e| e["event"] == "require"
        && e["outcome"] == "false"
        && e["operands"][0]["fact"]["pointer"] == "/datasets/3/access/0/mfa"));
}

#[test]
fn an_unknown_rule_is_a_usage_error_with_a_suggestion() {
    let out = explain("training_data_encryptd");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("no rule named `training_data_encryptd`"),
        "{err}"
    );
    assert!(
        err.contains("did you mean `ml.data_protection.training_data_encrypted`?"),
        "{err}"
    );
}

#[test]
fn without_policies_the_built_in_pack_is_explained() {
    let out = annexa(&["explain", "nosuchrule", FAILING]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no rule named `nosuchrule`"));
}
