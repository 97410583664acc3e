//! The report formats of `annexa check` (SARIF, JUnit, Markdown, GitHub annotations) on the
//! examples, their validity, fingerprint stability, and `--rule`/`--control`/`--exclude`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The failing example in one format; exit code 1 checked.
fn failing(format: &str) -> String {
    let out = annexa(&[
        "check", FAILING, "-p", POLICY, "--now", NOW, "--format", format,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    stdout(&out)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("annexa-formats-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ---- snapshots -------------------------------------------------------------------------------

#[test]
fn failing_example_sarif() {
    insta::assert_snapshot!(failing("sarif"));
}

#[test]
fn failing_example_junit() {
    insta::assert_snapshot!(failing("junit"));
}

#[test]
fn failing_example_markdown() {
    insta::assert_snapshot!(failing("markdown"));
}

#[test]
fn failing_example_github() {
    insta::assert_snapshot!(failing("github"));
}

#[test]
fn compliant_example_markdown() {
    let out = annexa(&[
        "check", COMPLIANT, "-p", POLICY, "--now", NOW, "--format", "markdown",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn every_format_is_deterministic() {
    for format in ["sarif", "junit", "markdown", "github"] {
        assert_eq!(failing(format), failing(format), "{format}");
    }
}

#[test]
fn output_file_holds_the_same_bytes() {
    let dir = temp_dir("output");
    let file = dir.join("annexa.sarif");
    let out = annexa(&[
        "check",
        FAILING,
        "-p",
        POLICY,
        "--now",
        NOW,
        "--format",
        "sarif",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), failing("sarif"));
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---- SARIF -----------------------------------------------------------------------------------

fn sarif_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid_sarif(log: &Value) {
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema errors:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_is_valid_against_the_2_1_0_schema() {
    let log: Value = serde_json::from_str(&failing("sarif")).unwrap();
    assert_valid_sarif(&log);
    // the validator does reject a broken log
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!sarif_validator().is_valid(&broken));
}

#[test]
fn sarif_compliant_example_is_valid_and_empty() {
    let out = annexa(&[
        "check", COMPLIANT, "-p", POLICY, "--now", NOW, "--format", "sarif",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 0);
}

#[test]
fn sarif_results_point_into_the_fact_file() {
    let log: Value = serde_json::from_str(&failing("sarif")).unwrap();
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert_eq!(rules.len(), 5);
    assert_eq!(results.len(), 6);
    let mut levels: Vec<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    levels.sort();
    levels.dedup();
    assert_eq!(
        levels,
        ["error", "warning"],
        "levels follow severity, not all error"
    );
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert_eq!(uri, FAILING);
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(loc["region"]["startColumn"].as_u64().unwrap() >= 1);
        assert!(r["partialFingerprints"]["annexaFinding/v2"].is_string());
    }
    let encrypted = rules
        .iter()
        .find(|r| r["id"] == "ml.data_protection.training_data_encrypted")
        .unwrap();
    assert_eq!(encrypted["defaultConfiguration"]["level"], "error");
    assert_eq!(encrypted["properties"]["security-severity"], "8.0");
    let tags: Vec<&str> = encrypted["properties"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    for control in ["A.8.24", "A.5.12", "A.5.34"] {
        assert!(tags.contains(&control), "{tags:?}");
    }
    let policy = &encrypted["properties"]["policyLocation"];
    assert_eq!(policy["uri"], "examples/policies/ml_data_protection.policy");
    assert!(policy["startLine"].as_u64().unwrap() >= 1);
    assert!(
        encrypted["help"]["text"]
            .as_str()
            .unwrap()
            .contains("AES-256")
    );
}

#[test]
fn sarif_paths_are_relative_even_when_given_absolute() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let facts = root.join(FAILING);
    let policy = root.join(POLICY);
    let out = annexa(&[
        "check",
        facts.to_str().unwrap(),
        "-p",
        policy.to_str().unwrap(),
        "--now",
        NOW,
        "--format",
        "sarif",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid_sarif(&log);
    for r in log["runs"][0]["results"].as_array().unwrap() {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert_eq!(uri, FAILING);
    }
    let rule = &log["runs"][0]["tool"]["driver"]["rules"][0];
    assert_eq!(
        rule["properties"]["policyLocation"]["uri"],
        "examples/policies/ml_data_protection.policy"
    );
    // the same findings keep the same fingerprints whichever way the file was named
    let relative: Value = serde_json::from_str(&failing("sarif")).unwrap();
    assert_eq!(fingerprints(&log), fingerprints(&relative));
}

/// (rule id, fingerprint, start line) of every result.
fn fingerprints(log: &Value) -> Vec<(String, String, u64)> {
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["partialFingerprints"]["annexaFinding/v2"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap(),
            )
        })
        .collect()
}

#[test]
fn fingerprints_survive_lines_added_above() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = temp_dir("fingerprint");
    let original = std::fs::read_to_string(root.join(FAILING)).unwrap();
    let policy = root.join(POLICY);
    let policy = policy.to_str().unwrap();
    let run = |dir: &Path| {
        let out = annexa_in(
            dir,
            &[
                "check",
                "pipeline.yaml",
                "-p",
                policy,
                "--now",
                NOW,
                "--format",
                "sarif",
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let log: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_valid_sarif(&log);
        fingerprints(&log)
    };
    std::fs::write(dir.join("pipeline.yaml"), &original).unwrap();
    let before = run(&dir);
    std::fs::write(
        dir.join("pipeline.yaml"),
        format!("# reviewed 2026-11-25\n# owner: platform team\n# unrelated comment\n{original}"),
    )
    .unwrap();
    let after = run(&dir);
    assert_eq!(before.len(), 6);
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b.0, a.0);
        assert_eq!(b.1, a.1, "fingerprint of {} changed", b.0);
        assert_eq!(b.2 + 3, a.2, "startLine of {} moves with the file", b.0);
    }
    let mut unique: Vec<&String> = before.iter().map(|f| &f.1).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), before.len(), "fingerprints are distinct");
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---- JUnit -----------------------------------------------------------------------------------

#[test]
fn junit_is_well_formed_xml_with_right_counts() {
    use quick_xml::events::Event;
    let xml = failing("junit");
    let mut reader = quick_xml::Reader::from_str(&xml);
    reader.config_mut().check_end_names = true;
    let mut cases = 0;
    let mut failures = 0;
    let mut skipped = 0;
    let mut suites = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let name = e.name().as_ref().to_string();
                let attr = |key: &str| {
                    e.try_get_attribute(key).unwrap().map(|a| {
                        a.normalized_value(quick_xml::XmlVersion::default())
                            .unwrap()
                            .into_owned()
                    })
                };
                match name.as_str() {
                    "testsuites" => {
                        assert_eq!(attr("tests").as_deref(), Some("5"));
                        assert_eq!(attr("failures").as_deref(), Some("4"));
                        assert_eq!(attr("skipped").as_deref(), Some("1"));
                        assert_eq!(attr("errors").as_deref(), Some("0"));
                    }
                    "testsuite" => suites.push(attr("name").unwrap()),
                    "testcase" => {
                        cases += 1;
                        assert_eq!(attr("classname").as_deref(), Some("ml.data_protection"));
                        assert!(attr("name").unwrap().starts_with("ml.data_protection."));
                    }
                    "failure" => failures += 1,
                    "skipped" => {
                        skipped += 1;
                        assert!(attr("message").unwrap().starts_with("when "));
                    }
                    _ => {}
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("malformed XML at {}: {e}", reader.buffer_position()),
        }
    }
    assert_eq!(suites, ["ml.data_protection"]);
    assert_eq!(cases, 5);
    assert_eq!(failures, 4);
    assert_eq!(skipped, 1);
    assert!(xml.contains(
        "examples/facts/pipeline.yaml:41:7 dataset fraud-train-2025q3 uses cipher &lt;missing&gt;"
    ));
}

// ---- Markdown and GitHub ---------------------------------------------------------------------

#[test]
fn markdown_lists_failing_rules_and_collapses_the_rest() {
    let md = failing("markdown");
    assert!(md.starts_with("## "));
    assert!(md.contains("FAILED"));
    assert!(md.contains("| `ml.data_protection.admins_use_mfa` | critical | A.5.15, A.8.5 | 1 |"));
    assert!(md.contains("- `examples/facts/pipeline.yaml:76` admin dave@example.com"));
    let details = md.find("<details>").unwrap();
    assert!(md[details..].contains("third_party_transfers_protected"));
    // facts text never becomes HTML
    assert!(!md.contains("<missing>"));
}

#[test]
fn github_annotations_level_by_severity() {
    let text = failing("github");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 8);
    assert!(lines[0].starts_with(
        "::error file=examples/facts/pipeline.yaml,line=76,col=52,title=ml.data_protection.admins_use_mfa::"
    ));
    // the ownerless dataset itself: the first element of the filter the check counted
    assert!(lines[1].starts_with("::warning file=examples/facts/pipeline.yaml,line=81,col=5,"));
    assert!(lines[6].starts_with("annexa coverage: 7 of 93 controls"));
    assert!(lines[7].starts_with("annexa FAILED: 5 rules"));
}

// ---- selection -------------------------------------------------------------------------------

fn rules_in(args: &[&str]) -> (Option<i32>, Vec<String>) {
    let mut all = vec![
        "check", FAILING, "-p", POLICY, "--now", NOW, "--format", "json",
    ];
    all.extend_from_slice(args);
    let out = annexa(&all);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let rules = report["results"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .map(|r| r["rule"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    (out.status.code(), rules)
}

#[test]
fn rule_glob_selects_rules_and_recounts() {
    let out = annexa(&[
        "check",
        FAILING,
        "-p",
        POLICY,
        "--now",
        NOW,
        "--format",
        "json",
        "--rule",
        "*.training_*",
        "--rule",
        "*.admins_use_mfa",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["rules"], 2);
    assert_eq!(report["summary"]["violations"], 4);
    let controls: Vec<&str> = report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(controls, ["A.5.12", "A.5.15", "A.5.34", "A.8.5", "A.8.24"]);
}

#[test]
fn control_glob_selects_rules() {
    let (code, rules) = rules_in(&["--control", "A.8.*"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        rules,
        [
            "ml.data_protection.admins_use_mfa",
            "ml.data_protection.training_data_encrypted"
        ]
    );
    let (code, rules) = rules_in(&["--control", "A.5.14"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        rules,
        [
            "ml.data_protection.pii_stays_in_region",
            "ml.data_protection.third_party_transfers_protected"
        ]
    );
    // a skipped rule alone passes the run
    let (code, rules) = rules_in(&["--control", "A.5.14", "--rule", "*.third_party_*"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        rules,
        ["ml.data_protection.third_party_transfers_protected"]
    );
}

#[test]
fn selecting_nothing_or_a_bad_glob_is_a_usage_error() {
    let out = annexa(&[
        "check",
        FAILING,
        "-p",
        POLICY,
        "--now",
        NOW,
        "--rule",
        "nothing.*",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no rule matches --rule nothing.*"),
        "{}",
        stderr(&out)
    );
    let out = annexa(&[
        "check",
        FAILING,
        "-p",
        POLICY,
        "--now",
        NOW,
        "--control",
        "A.[5",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a valid glob"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn exclude_skips_fact_files_in_folders() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = temp_dir("exclude");
    std::fs::create_dir_all(dir.join("facts/fixtures")).unwrap();
    std::fs::copy(root.join(COMPLIANT), dir.join("facts/good.yaml")).unwrap();
    std::fs::copy(root.join(FAILING), dir.join("facts/fixtures/bad.yaml")).unwrap();
    std::fs::copy(root.join(FAILING), dir.join("facts/bad.draft.yaml")).unwrap();
    let policy = root.join(POLICY);
    let policy = policy.to_str().unwrap();
    let check = |extra: &[&str]| {
        let mut args = vec![
            "check", "facts", "-p", policy, "--now", NOW, "--format", "github",
        ];
        args.extend_from_slice(extra);
        annexa_in(&dir, &args)
    };
    let all = check(&[]);
    assert_eq!(all.status.code(), Some(1), "{}", stderr(&all));
    assert!(stdout(&all).contains("file=facts/fixtures/bad.yaml"));
    assert!(stdout(&all).contains("file=facts/bad.draft.yaml"));
    let some = check(&["--exclude", "fixtures"]);
    assert_eq!(some.status.code(), Some(1), "{}", stderr(&some));
    assert!(!stdout(&some).contains("fixtures/bad.yaml"));
    assert!(stdout(&some).contains("file=facts/bad.draft.yaml"));
    let none = check(&["--exclude", "fixtures/**", "--exclude", "*.draft.yaml"]);
    assert_exit(&none, 0);
    let everything = check(&["--exclude", "*.yaml"]);
    assert_eq!(everything.status.code(), Some(2));
    assert!(
        stderr(&everything).contains("excluded"),
        "{}",
        stderr(&everything)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn evidence_gaps_are_review_results_in_sarif_and_notices_on_github() {
    let gap = "tests/fixtures/formats/gap.yaml";
    let sarif = annexa(&[
        "check", gap, "-p", POLICY, "--now", NOW, "--format", "sarif",
    ]);
    let log: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    assert_valid_sarif(&log);
    let reviews: Vec<&Value> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "review")
        .collect();
    assert!(!reviews.is_empty(), "{log}");
    for r in &reviews {
        assert_eq!(r["level"], "none");
        assert!(
            r["message"]["text"]
                .as_str()
                .unwrap()
                .starts_with("evidence gap: ")
        );
    }
    let pii = reviews
        .iter()
        .find(|r| {
            r["message"]["text"]
                .as_str()
                .unwrap()
                .contains("/datasets/0/contains_pii")
        })
        .expect("the contains_pii gap");
    assert_eq!(pii["ruleId"], "ml.data_protection.training_data_encrypted");
    assert_eq!(
        pii["locations"][0]["physicalLocation"]["region"]["startLine"],
        3
    );
    let github = annexa(&[
        "check", gap, "-p", POLICY, "--now", NOW, "--format", "github",
    ]);
    let text = stdout(&github);
    assert!(
        text.lines().any(|l| l
            .starts_with("::notice file=tests/fixtures/formats/gap.yaml,line=3,")
            && l.contains("(evidence gap)")),
        "{text}"
    );
}
