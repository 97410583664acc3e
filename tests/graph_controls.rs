//! `annexa graph`, `annexa controls`, `annexa completions` and the `--help` examples.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

#[test]
fn graph_dot_of_the_spec_example() {
    let out = annexa(&["graph", POLICY]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("[style=dashed, label=\"when\"]"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn graph_mermaid_of_the_spec_example() {
    let out = annexa(&["graph", POLICY, "--format", "mermaid"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("flowchart LR\n"), "{text}");
    assert!(text.contains("-.->|when|"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn graph_rule_keeps_the_rule_and_its_dependencies() {
    let out = annexa(&[
        "graph",
        POLICY,
        "--rule",
        "ml.data_protection.third_party_transfers_protected",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    // the `when` rule and what it reads come along; unrelated rules do not
    for wanted in [
        "rule ml.data_protection.third_party_transfers_protected",
        "rule ml.data_protection.training_data_encrypted",
        "let ml.data_protection.pii_training",
        "fn ml.data_protection.strong_tls",
        "param std.crypto.strong_ciphers",
    ] {
        assert!(text.contains(wanted), "{wanted} missing:\n{text}");
    }
    assert!(!text.contains("admins_use_mfa"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn graph_is_deterministic_and_defaults_to_the_pack() {
    let a = annexa(&["graph"]);
    let b = annexa(&["graph"]);
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    assert_eq!(a.stdout, b.stdout);
    assert!(stdout(&a).contains("rule ml."), "{}", stdout(&a));
}

#[test]
fn graph_rule_matching_nothing_is_a_usage_error() {
    let out = annexa(&["graph", POLICY, "--rule", "nothing.*"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no rule matches"), "{}", stderr(&out));
}

#[test]
fn controls_lists_all_93() {
    let out = annexa(&["controls"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("A.8.24  Use of cryptography"), "{text}");
    assert!(text.trim_end().ends_with("93 controls"), "{text}");
    let csv = stdout(&annexa(&["controls", "--format", "csv"]));
    assert_eq!(csv.lines().count(), 94, "{csv}");
    assert!(csv.starts_with("id,theme,title\n"), "{csv}");
}

#[test]
fn controls_coverage_of_the_pack() {
    let out = annexa(&["controls", "--coverage"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn controls_coverage_json_of_the_spec_example() {
    let out = annexa(&["controls", "--coverage", POLICY, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let controls = doc["controls"].as_array().expect("a list");
    assert_eq!(controls.len(), 93);
    let a814 = controls
        .iter()
        .find(|c| c["id"] == "A.5.14")
        .expect("A.5.14");
    assert_eq!(
        a814["rules"],
        serde_json::json!([
            "ml.data_protection.pii_stays_in_region",
            "ml.data_protection.third_party_transfers_protected"
        ])
    );
    assert_eq!(doc["coverage"]["rules"], 5);
    assert_eq!(
        doc["coverage"]["covered"].as_u64().unwrap()
            + doc["coverage"]["uncovered"].as_array().unwrap().len() as u64,
        93
    );
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn controls_coverage_csv_has_a_rules_column() {
    let out = annexa(&["controls", "--coverage", POLICY, "--format", "csv"]);
    let text = stdout(&out);
    assert!(text.starts_with("id,theme,title,rules\n"), "{text}");
    assert!(
        text.contains("A.5.15,organizational,Access control,ml.data_protection.admins_use_mfa\n"),
        "{text}"
    );
}

#[test]
fn controls_paths_need_coverage() {
    let out = annexa(&["controls", POLICY]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn completions_for_every_shell() {
    let bash = annexa(&["completions", "bash"]);
    assert_eq!(bash.status.code(), Some(0), "{}", stderr(&bash));
    let text = stdout(&bash);
    assert!(text.contains("check"), "{text}");
    assert!(text.contains("lint"), "{text}");
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let out = annexa(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        assert!(stdout(&out).contains("controls"), "{shell}");
    }
    assert_eq!(annexa(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn every_command_help_has_examples() {
    for command in ["check", "test", "lint", "graph", "controls", "completions"] {
        let out = annexa(&[command, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{command}");
        let text = stdout(&out);
        assert!(text.contains("Examples:"), "{command}:\n{text}");
        assert!(
            text.contains(&format!("annexa {command}")),
            "{command}:\n{text}"
        );
    }
}
