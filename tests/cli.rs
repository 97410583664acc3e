//! The real binary against the examples: reports, exit codes, hostile input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

#[test]
fn failing_example_human_report() {
    let out = annexa(&["check", FAILING, "-p", POLICY, "--now", NOW]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn failing_example_json_report() {
    let out = annexa(&[
        "check", FAILING, "-p", POLICY, "--now", NOW, "--format", "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(report["summary"]["failed"], 4);
    assert_eq!(report["summary"]["skipped"], 1);
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn compliant_example_passes_every_rule() {
    let out = annexa(&["check", COMPLIANT, "-p", POLICY, "--now", NOW]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn output_is_byte_identical_across_runs() {
    for format in ["human", "json"] {
        let a = annexa(&[
            "check", FAILING, COMPLIANT, "-p", POLICY, "--now", NOW, "--format", format,
        ]);
        let b = annexa(&[
            "check", FAILING, COMPLIANT, "-p", POLICY, "--now", NOW, "--format", format,
        ]);
        assert_eq!(a.stdout, b.stdout, "{format}");
    }
}

#[test]
fn fail_on_raises_the_threshold() {
    // the failing example fails critical, high and medium rules
    let out = annexa(&["check", FAILING, "-p", POLICY, "--fail-on", "critical"]);
    assert_eq!(out.status.code(), Some(1));
    let only_medium = annexa(&[
        "check",
        FAILING,
        "-p",
        "tests/fixtures/cli/ok.policy",
        "--fail-on",
        "critical",
    ]);
    assert_eq!(
        only_medium.status.code(),
        Some(0),
        "{}",
        stderr(&only_medium)
    );
}

#[test]
fn report_goes_to_the_output_file() {
    let dir = std::env::temp_dir().join(format!("annexa-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.json");
    let out = annexa(&[
        "check",
        COMPLIANT,
        "-p",
        POLICY,
        "--format",
        "json",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(written["summary"]["passed"], 5);
}

#[test]
fn params_override_defaults_and_unknown_params_are_usage_errors() {
    let widened = annexa(&[
        "check",
        FAILING,
        "-p",
        POLICY,
        "--format",
        "json",
        "--param",
        r#"allowed_regions=["eu-west-1","eu-central-1","us-east-1"]"#,
    ]);
    let report: serde_json::Value = serde_json::from_slice(&widened.stdout).unwrap();
    let region = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "ml.data_protection.pii_stays_in_region")
        .unwrap();
    assert_eq!(region["status"], "pass");

    let unknown = annexa(&[
        "check",
        FAILING,
        "-p",
        POLICY,
        "--param",
        "alowed_regions=[]",
    ]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("did you mean `ml.data_protection.allowed_regions`"),
        "{}",
        stderr(&unknown)
    );
    let not_json = annexa(&[
        "check",
        FAILING,
        "-p",
        POLICY,
        "--param",
        "allowed_regions=eu",
    ]);
    assert_eq!(not_json.status.code(), Some(2));
}

#[test]
fn stdin_is_read_with_its_format() {
    // one owned-dataset check passes; with nothing to iterate the other four are not applicable
    let facts = br#"{"datasets": [], "transfers": []}"#;
    let args = [
        "check",
        "-",
        "--stdin-format",
        "json",
        "-p",
        POLICY,
        "--format",
        "json",
    ];
    let out = annexa_stdin(&args, facts);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["passed"], 1);
    assert_eq!(report["summary"]["skipped"], 4);
    // bare keys are YAML, not JSON: refused, so the input really was read as JSON
    let dup = annexa_stdin(&args, b"{datasets: []}");
    assert_eq!(dup.status.code(), Some(2), "{}", stderr(&dup));
    assert!(stderr(&dup).contains("<stdin>"), "{}", stderr(&dup));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["check", FAILING, "-p", POLICY, "--now", "yesterday"],
        vec!["check", FAILING, "-p", POLICY, "--fail-on", "severe"],
        vec!["check", "tests/fixtures/cli/facts.txt", "-p", POLICY],
        vec!["check", "no/such/file.yaml", "-p", POLICY],
        vec!["check", FAILING, "-p", "no/such.policy"],
        vec![
            "check",
            "tests/fixtures/cli",
            "-p",
            POLICY,
            "--format",
            "xml",
        ],
        vec!["frobnicate"],
    ] {
        let out = annexa(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{args:?}");
    }
}

#[test]
fn a_folder_without_facts_exits_2() {
    let out = annexa(&["check", "stdlib", "-p", POLICY]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no fact document"),
        "{}",
        stderr(&out)
    );
}

fn hostile(args: &[&str], code: &str) {
    let out = annexa(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(code), "{args:?} should report {code}: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
}

#[test]
fn a_binary_file_as_policy_is_a_diagnostic() {
    hostile(
        &["check", FAILING, "-p", "tests/fixtures/cli/binary.policy"],
        "annexa::parse",
    );
}

#[test]
fn an_unterminated_string_is_a_diagnostic() {
    hostile(
        &[
            "check",
            FAILING,
            "-p",
            "tests/fixtures/cli/unterminated.policy",
        ],
        "annexa::parse",
    );
}

#[test]
fn a_10000_deep_expression_is_a_diagnostic() {
    hostile(
        &["check", FAILING, "-p", "tests/fixtures/cli/deep.policy"],
        "annexa::too_deep",
    );
}

#[test]
fn a_yaml_alias_bomb_is_a_diagnostic() {
    hostile(
        &["check", "tests/fixtures/cli/bomb.yaml", "-p", POLICY],
        "annexa::facts::alias_limit",
    );
}

#[test]
fn a_policy_that_does_not_compile_never_exits_0() {
    let dir = std::env::temp_dir().join(format!("annexa-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.policy");
    std::fs::write(&bad, "rule r {\n  controls A.8.99\n  require true\n}\n").unwrap();
    let out = annexa(&["check", COMPLIANT, "-p", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("A.8.9"), "{}", stderr(&out));
}

#[test]
fn without_policies_the_built_in_pack_runs() {
    let ok = annexa(&["check", "examples/compliant/ml-pipeline.yaml", "--now", NOW]);
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    assert!(
        // the other packs' rules have no document in scope there and are skipped
        stdout(&ok).contains(" rules: 57 passed, 0 failed"),
        "{}",
        stdout(&ok)
    );
    let failing = annexa(&[
        "check",
        "examples/pipelines/fraud-tabular.yaml",
        "--now",
        NOW,
    ]);
    assert_eq!(failing.status.code(), Some(1));
    assert!(
        stdout(&failing).contains("FAIL   ml.access_control.access_reviewed"),
        "{}",
        stdout(&failing)
    );
}

#[test]
fn schema_check_reports_a_misspelt_field_at_its_line() {
    let dir = std::env::temp_dir().join(format!("annexa-cli-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let facts = dir.join("typo.yaml");
    std::fs::write(
        &facts,
        "datasets:\n  - name: d\n    encrpytion:\n      at_rest: {}\n",
    )
    .unwrap();
    let out = annexa(&["check", facts.to_str().unwrap(), "--schema"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("typo.yaml:3:5  /datasets/0/encrpytion  unknown field `encrpytion`"),
        "{}",
        stderr(&out)
    );
    let clean = annexa(&[
        "check",
        "examples/compliant/ml-pipeline.yaml",
        "--schema",
        "--now",
        NOW,
    ]);
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
}

#[test]
fn combine_evaluates_all_documents_as_one_list() {
    let dir = "tests/fixtures/cli/combine";
    let a = format!("{dir}/a.yaml");
    let b = format!("{dir}/b.yaml");
    let policy = format!("{dir}/combine.policy");
    let out = annexa(&[
        "check",
        &b,
        &a,
        "-p",
        &policy,
        "--combine",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let violations = report["results"][0]["violations"].as_array().unwrap();
    // findings keep their own file, document index, pointer and line, in input order
    let seen: Vec<(String, u64, String, u64)> = violations
        .iter()
        .map(|v| {
            (
                v["document"].as_str().unwrap().to_string(),
                v["document_index"].as_u64().unwrap(),
                v["path"].as_str().unwrap().to_string(),
                v["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (b.clone(), 0, "/ok".to_string(), 3),
            (b.clone(), 1, "/ok".to_string(), 5),
        ]
    );
    assert_eq!(violations[1]["reason"], "missing");
    // without --combine each document is evaluated alone: `count(facts) == 3` cannot hold
    let alone = annexa(&["check", &a, &b, "-p", &policy, "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&alone.stdout).unwrap();
    let count_failures = report["results"][0]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["message"] == "requirement failed: count(facts) == 3")
        .count();
    assert_eq!(count_failures, 3, "{report}");
}

#[test]
fn the_human_report_sums_up_the_gaps_of_one_filter() {
    let out = annexa(&[
        "check",
        "tests/fixtures/cli/gaps.yaml",
        "-p",
        POLICY,
        "--now",
        NOW,
    ]);
    let text = stdout(&out);
    assert!(
        text.contains(
            "gap 2 of 4 datasets lack `contains_pii`: tests/fixtures/cli/gaps.yaml:2:5, \
             tests/fixtures/cli/gaps.yaml:3:5"
        ),
        "{text}"
    );
    // the JSON report keeps one gap per element
    let json = annexa(&[
        "check",
        "tests/fixtures/cli/gaps.yaml",
        "-p",
        POLICY,
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let rule = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "ml.data_protection.training_data_encrypted")
        .unwrap();
    assert_eq!(rule["evidence_gaps"].as_array().unwrap().len(), 2);
}
