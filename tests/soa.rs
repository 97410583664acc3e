//! `annexa soa`: the Statement of Applicability over the built-in pack.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;

const FRAUD: &str = "examples/pipelines/fraud-tabular.yaml";
const APPLICABILITY: &str = "tests/fixtures/soa/applicability.yaml";
const EXAMPLE: &str = "examples/applicability.yaml";
/// Pinned so the statement does not depend on the checkout it is run in.
const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";
/// A day after the example's expired attestation (A.5.24, 2026-09-20) and before the others.
const AUDIT_DAY: &str = "2026-12-01";

fn example(format: &str) -> std::process::Output {
    annexa(&[
        "soa",
        FRAUD,
        "--applicability",
        EXAMPLE,
        "--now",
        AUDIT_DAY,
        "--commit",
        COMMIT,
        "--format",
        format,
    ])
}

#[test]
fn the_example_statement_in_every_format() {
    for format in ["markdown", "csv", "json"] {
        let out = example(format);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        insta::assert_snapshot!(format!("example_{format}"), stdout(&out));
        assert_eq!(out.stdout, example(format).stdout, "same input, same bytes");
    }
}

#[test]
fn the_example_shows_attestations_expiry_contradiction_free_coverage() {
    let soa: serde_json::Value = serde_json::from_slice(&example("json").stdout).unwrap();
    let entry = |id: &str| {
        soa["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        soa["coverage"],
        serde_json::json!({"controls": 93, "checked": 41, "attested": 2, "excluded": 3, "gaps": 47})
    );
    assert_eq!(soa["run"]["commit"], COMMIT);
    assert_eq!(soa["run"]["date"], AUDIT_DAY);
    assert_eq!(soa["run"]["facts"], serde_json::json!([FRAUD]));
    assert_eq!(soa["run"]["applicability"], EXAMPLE);
    assert_eq!(entry("A.5.1")["status"], "attested");
    assert_eq!(entry("A.6.3")["status"], "attested");
    let incident = entry("A.5.24");
    assert_eq!(incident["status"], "evidence-expired", "{incident}");
    assert_eq!(incident["attestations"][0]["expired"], true);
    assert_eq!(entry("A.7.4")["status"], "not-applicable");
    assert_eq!(entry("A.7.4")["applicable"], false);
    let access = entry("A.5.15");
    assert_eq!(
        (&access["status"], &access["automation"]),
        (&serde_json::json!("pass"), &serde_json::json!("partial")),
        "a pass of narrow rules is told apart from a full one"
    );
    assert_eq!(
        access["reasons"],
        serde_json::json!(["risk-treatment", "contractual"])
    );
    let reviews = entry("A.5.18");
    assert_eq!(reviews["status"], "fail");
    let evidence = reviews["evidence"].as_array().unwrap();
    assert!(
        evidence
            .iter()
            .any(|e| e["rule"] == "ml.access_control.access_reviewed"
                && e["document"] == FRAUD
                && e["line"].as_u64().unwrap() > 0
                && e["outcome"] == "violation"),
        "{reviews}"
    );
}

#[test]
fn an_excluded_control_whose_rules_fail_is_a_contradiction() {
    // A.5.18 fails in the fraud pipeline: excluding it does not hide the failure
    let dir = temp_dir("contradiction");
    let file = dir.join("applicability.yaml");
    std::fs::write(&file, "excluded:\n  A.5.18: we have no users\n").unwrap();
    let out = annexa(&[
        "soa",
        FRAUD,
        "--applicability",
        file.to_str().unwrap(),
        "--now",
        NOW,
        "--commit",
        COMMIT,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let md = stdout(&out);
    let row = md.lines().find(|l| l.starts_with("| A.5.18 |")).unwrap();
    assert!(row.ends_with("| **contradiction** |"), "{row}");
    assert!(md.contains("- **Contradiction:**"), "{md}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn json_and_csv_agree_and_a_report_gives_the_same_statuses() {
    let json = annexa(&["soa", FRAUD, "--now", NOW, "--format", "json"]);
    let soa: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let entries = soa["controls"].as_array().unwrap();
    assert_eq!(entries.len(), 93);
    let a518 = entries.iter().find(|e| e["id"] == "A.5.18").unwrap();
    assert_eq!(
        a518["status"], "fail",
        "access reviews fail in the fraud pipeline"
    );
    assert!(
        a518["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "ml.access_control.access_reviewed"),
        "{a518}"
    );
    let csv = stdout(&annexa(&["soa", FRAUD, "--now", NOW, "--format", "csv"]));
    assert_eq!(
        csv.lines().count(),
        2 + 1 + 93,
        "two # lines, a header, 93 rows"
    );
    assert!(
        csv.starts_with("# 41 of 93 controls checked by rules, 0 attested, 0 excluded, 52 gaps\n"),
        "{csv}"
    );
    let a518_row = csv
        .lines()
        .find(|l| l.starts_with("A.5.18,organizational,Access rights,yes,,"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(
        a518_row.contains("ml.access_control.access_reviewed"),
        "{a518_row}"
    );
    assert!(
        a518_row.contains(
            ",partially automated,,fail,violation examples/pipelines/fraud-tabular.yaml:"
        ),
        "{a518_row}"
    );

    let dir = temp_dir("report");
    let report = dir.join("report.json");
    let check = annexa(&[
        "check",
        FRAUD,
        "--now",
        NOW,
        "--format",
        "json",
        "-o",
        report.to_str().unwrap(),
    ]);
    assert_eq!(check.status.code(), Some(1));
    let from_report = annexa(&[
        "soa",
        "--report",
        report.to_str().unwrap(),
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    let again: serde_json::Value = serde_json::from_slice(&from_report.stdout).unwrap();
    assert_eq!(
        again["controls"].as_array().unwrap(),
        entries,
        "the same statement either way, aspects included"
    );
    assert_eq!(again["run"]["report"], report.to_str().unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn without_facts_the_statement_shows_coverage_only() {
    let out = annexa(&["soa", "--format", "json"]);
    let soa: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: std::collections::BTreeSet<&str> = soa["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["not-evaluated", "gap"].into_iter().collect());
}

#[test]
fn the_v1_file_still_works() {
    let out = annexa(&["soa", "--applicability", APPLICABILITY, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let soa: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let a74 = soa["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "A.7.4")
        .unwrap();
    assert_eq!(a74["applicable"], false);
    assert!(
        a74["justification"]
            .as_str()
            .unwrap()
            .starts_with("no premises")
    );
}

#[test]
fn an_unknown_control_in_the_applicability_file_is_a_diagnostic() {
    let out = annexa(&["soa", "--applicability", "tests/fixtures/soa/bad.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("`A.7.99` is not an Annex A 2022 control"),
        "{err}"
    );
    assert!(err.contains("bad.yaml:2:3"), "{err}");
}

#[test]
fn every_mistake_in_the_applicability_file_is_a_diagnostic_with_its_line() {
    let out = annexa(&["soa", "--applicability", "tests/fixtures/soa/mistakes.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    insta::assert_snapshot!(stderr(&out));
}

#[test]
fn the_shipped_applicability_files_match_the_json_schema() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("schema/applicability.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let read = |rel: &str| -> serde_json::Value {
        yaml_value(&std::fs::read_to_string(root.join(rel)).unwrap())
    };
    for rel in [EXAMPLE, APPLICABILITY] {
        let doc = read(rel);
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{rel}: {errors:?}");
    }
    // the schema refuses what the loader refuses
    for rel in [
        "tests/fixtures/soa/mistakes.yaml",
        "tests/fixtures/soa/bad.yaml",
    ] {
        assert!(!validator.is_valid(&read(rel)), "{rel} should not validate");
    }
}

/// A YAML file as JSON, through annexa's own loader (dates stay strings, as in YAML 1.2).
fn yaml_value(text: &str) -> serde_json::Value {
    use annexa::unstable::facts::{Format, LoadOptions, load_text};
    let loaded = load_text(
        "f.yaml",
        text.to_string(),
        Format::Yaml,
        &LoadOptions::default(),
    )
    .unwrap();
    let doc = loaded.documents.into_iter().next().unwrap();
    doc.to_json(doc.root())
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("annexa-soa-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A one-rule project: the coverage number of `check` without the weight of the packs.
fn tiny_project(tag: &str) -> std::path::PathBuf {
    let dir = temp_dir(tag);
    std::fs::write(
        dir.join("p.policy"),
        "rule encrypted {\n  controls A.8.24, A.7.4\n  aspect \"encryption at rest\"\n  require facts.encrypted == true\n}\n",
    )
    .unwrap();
    std::fs::write(dir.join("f.json"), "{\"encrypted\": false}\n").unwrap();
    std::fs::write(
        dir.join("applicability.yaml"),
        "excluded:\n  A.7.4: cloud only\ncontrols:\n  A.5.1:\n    attestations: [{reference: DOC-1, by: CISO, date: 2026-01-01}]\n",
    )
    .unwrap();
    dir
}

#[test]
fn every_check_report_carries_the_coverage_number() {
    let dir = tiny_project("check");
    let at = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let (policy, facts, applicability) = (at("p.policy"), at("f.json"), at("applicability.yaml"));
    let run = |extra: &[&str]| {
        let mut args = vec!["check", "-p", policy.as_str(), facts.as_str(), "--now", NOW];
        args.extend_from_slice(extra);
        annexa(&args)
    };
    let json = run(&["--format", "json"]);
    assert_eq!(json.status.code(), Some(1), "{}", stderr(&json));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        report["coverage"],
        serde_json::json!({"controls": 93, "checked": 2, "attested": 0, "excluded": 0, "gaps": 91})
    );
    let with = run(&[
        "--format",
        "json",
        "--applicability",
        applicability.as_str(),
    ]);
    let report: serde_json::Value = serde_json::from_slice(&with.stdout).unwrap();
    assert_eq!(
        report["coverage"],
        serde_json::json!({"controls": 93, "checked": 1, "attested": 1, "excluded": 1, "gaps": 90})
    );
    let line = "1 of 93 controls checked by rules, 1 attested, 1 excluded, 90 gaps";
    for (format, prefix) in [
        ("human", "coverage: "),
        ("markdown", "**Annex A coverage:** "),
        ("github", "annexa coverage: "),
        ("junit", "<!-- annexa coverage: "),
    ] {
        let out = stdout(&run(&[
            "--format",
            format,
            "--applicability",
            applicability.as_str(),
        ]));
        let hits: Vec<&str> = out.lines().filter(|l| l.contains(line)).collect();
        assert_eq!(hits.len(), 1, "{format}: one line\n{out}");
        assert!(hits[0].starts_with(prefix), "{format}: {}", hits[0]);
    }

    // annexa.toml's `applicability` is the default; a broken file is a configuration error
    std::fs::write(
        dir.join("annexa.toml"),
        "applicability = \"applicability.yaml\"\n",
    )
    .unwrap();
    let config = at("annexa.toml");
    let configured = run(&["--format", "json", "--config", config.as_str()]);
    let report: serde_json::Value = serde_json::from_slice(&configured.stdout).unwrap();
    assert_eq!(report["coverage"]["excluded"], 1, "{}", stderr(&configured));
    std::fs::write(
        dir.join("applicability.yaml"),
        "controls:\n  A.5.1: {ower: me}\n",
    )
    .unwrap();
    let broken = run(&["--config", config.as_str()]);
    assert_eq!(broken.status.code(), Some(2));
    let err = stderr(&broken);
    assert!(
        err.contains("unknown key `ower`") && err.contains("did you mean `owner`?"),
        "{err}"
    );
    assert!(err.contains("applicability.yaml:2:"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_commit_comes_from_the_ci_when_not_given() {
    let dir = tiny_project("commit");
    let policy = dir.join("p.policy");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_annexa"))
        .args(["soa", "-p", policy.to_str().unwrap(), "--format", "json"])
        .env("GITHUB_SHA", "feedface")
        .output()
        .unwrap();
    let soa: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(soa["run"]["commit"], "feedface", "{}", stderr(&out));
    let a824 = soa["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "A.8.24")
        .unwrap();
    assert_eq!(a824["rules"][0]["aspect"], "encryption at rest");
    let outside_git = std::process::Command::new(env!("CARGO_BIN_EXE_annexa"))
        .args(["soa", "-p", policy.to_str().unwrap(), "--format", "json"])
        .current_dir(std::env::temp_dir())
        .env_remove("GITHUB_SHA")
        .env_remove("CI_COMMIT_SHA")
        .env("GIT_CEILING_DIRECTORIES", std::env::temp_dir())
        .output()
        .unwrap();
    let soa: serde_json::Value = serde_json::from_slice(&outside_git.stdout).unwrap();
    assert!(soa["run"].get("commit").is_none(), "{}", soa["run"]);
    std::fs::remove_dir_all(&dir).unwrap();
}
