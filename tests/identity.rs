//! Finding identity: inserting, reordering or reformatting facts keeps every SARIF fingerprint,
//! every baseline match and every waiver match of the findings that did not change.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// A dataset every rule of the example policy passes on.
const CLEAN: &str = "  - name: clean-new
    kind: reference
    contains_pii: false
    classification: public
    owner: payments-data@example.com
    encryption:
      at_rest:
        enabled: true
        algorithm: AES-256
    access:
      - {principal: frank@example.com, role: admin, mfa: true}
";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("annexa-identity-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn policy() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(POLICY)
        .to_string_lossy()
        .into_owned()
}

fn example() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(FAILING)).unwrap()
}

/// Runs `check` on `file` in `dir` with `extra` options; returns the parsed output.
fn check(dir: &Path, file: &str, format: &str, extra: &[&str]) -> (Option<i32>, Value) {
    let policy = policy();
    let mut args = vec![
        "check", file, "-p", &policy, "--now", NOW, "--format", format,
    ];
    args.extend_from_slice(extra);
    let out = annexa_in(dir, &args);
    let value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    (out.status.code(), value)
}

/// SARIF fingerprint → (rule id, message) of every result.
type Fingerprints = BTreeMap<String, (String, String)>;

/// The [`Fingerprints`] of a SARIF log.
fn sarif_fingerprints(log: &Value) -> Fingerprints {
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["partialFingerprints"]["annexaFinding/v2"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    r["message"]["text"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

/// (rule, path) of every violation still failing in a JSON report.
fn failing(report: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for r in report["results"].as_array().unwrap() {
        for v in r["violations"].as_array().unwrap() {
            out.push((
                r["rule"].as_str().unwrap().to_string(),
                v["path"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

/// The example with `edit` applied, run in a fresh folder as `name`: (SARIF fingerprints, JSON
/// report with `--baseline` of the unedited example's report).
fn before_and_after(
    tag: &str,
    name: &str,
    edit: impl Fn(&str) -> String,
) -> (Fingerprints, Fingerprints, Value) {
    let dir = temp_dir(tag);
    let original = example();
    std::fs::write(
        dir.join(name),
        edit_for(name, &original, &|s| s.to_string()),
    )
    .unwrap();
    let (code, log) = check(&dir, name, "sarif", &[]);
    assert_eq!(code, Some(1));
    let before = sarif_fingerprints(&log);
    let (_, report) = check(&dir, name, "json", &[]);
    std::fs::write(dir.join("baseline.json"), report.to_string()).unwrap();
    std::fs::write(dir.join(name), edit_for(name, &original, &edit)).unwrap();
    let (_, log) = check(&dir, name, "sarif", &[]);
    let after = sarif_fingerprints(&log);
    let (code, matched) = check(&dir, name, "json", &["--baseline", "baseline.json"]);
    assert_eq!(
        code,
        Some(0),
        "the baseline from before still covers every finding"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    (before, after, matched)
}

/// The example as YAML, or as JSON (through annexa's own loader) when `name` ends in `.json`.
fn edit_for(name: &str, yaml: &str, edit: &dyn Fn(&str) -> String) -> String {
    if name.ends_with(".json") {
        edit(&to_json(yaml).to_string())
    } else {
        edit(yaml)
    }
}

fn to_json(yaml: &str) -> Value {
    let loaded = annexa::unstable::facts::load_bytes(
        "p.yaml",
        yaml.as_bytes(),
        annexa::unstable::facts::Format::Yaml,
        &Default::default(),
    )
    .unwrap();
    let doc = &loaded.documents[0];
    doc.to_json(doc.root())
}

#[test]
fn inserting_a_clean_dataset_at_the_top_keeps_every_fingerprint_and_baseline_match() {
    let (before, after, matched) = before_and_after("insert", "pipeline.yaml", |text| {
        text.replacen("datasets:\n", &format!("datasets:\n{CLEAN}"), 1)
    });
    assert_eq!(before.len(), 6, "{before:?}");
    assert_eq!(after, before, "every old finding keeps its fingerprint");
    assert_eq!(matched["summary"]["violations"], 0);
    assert_eq!(matched["summary"]["failed"], 0);
    // the findings did move: their pointers name the shifted positions
    let waived: Vec<String> = matched["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["waived"].as_array().cloned().unwrap_or_default())
        .map(|v| v["path"].as_str().unwrap().to_string())
        .collect();
    assert!(
        waived
            .iter()
            .any(|p| p == "/datasets/2/encryption/at_rest/enabled"),
        "{waived:?}"
    );
    assert_eq!(waived.len(), 6);
}

#[test]
fn reordering_lists_keeps_every_fingerprint_and_baseline_match() {
    let (before, after, matched) = before_and_after("reorder", "pipeline.json", |json| {
        let mut facts: Value = serde_json::from_str(json).unwrap();
        for list in ["datasets", "transfers"] {
            facts[list].as_array_mut().unwrap().reverse();
        }
        for d in facts["datasets"].as_array_mut().unwrap() {
            d["access"].as_array_mut().unwrap().reverse();
        }
        facts.to_string()
    });
    assert_eq!(before.len(), 6);
    assert_eq!(after, before);
    assert_eq!(matched["summary"]["violations"], 0);
}

#[test]
fn reformatting_json_keeps_every_fingerprint_and_baseline_match() {
    let (before, after, matched) = before_and_after("reformat", "pipeline.json", |json| {
        let facts: Value = serde_json::from_str(json).unwrap();
        let mut out = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b"        ");
        let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
        serde::Serialize::serialize(&facts, &mut ser).unwrap();
        String::from_utf8(out).unwrap()
    });
    assert_eq!(before.len(), 6);
    assert_eq!(after, before);
    assert_eq!(matched["summary"]["violations"], 0);
}

#[test]
fn a_new_finding_is_new_even_next_to_baselined_ones() {
    let dir = temp_dir("new");
    let original = example();
    std::fs::write(dir.join("p.yaml"), &original).unwrap();
    let (_, report) = check(&dir, "p.yaml", "json", &[]);
    std::fs::write(dir.join("baseline.json"), report.to_string()).unwrap();
    // a second unencrypted PII training set, at the top of the list
    let unencrypted = CLEAN
        .replace("clean-new", "fresh-train")
        .replace("kind: reference", "kind: training")
        .replace("contains_pii: false", "contains_pii: true")
        .replace("enabled: true", "enabled: false");
    std::fs::write(
        dir.join("p.yaml"),
        original.replacen("datasets:\n", &format!("datasets:\n{unencrypted}"), 1),
    )
    .unwrap();
    let (code, matched) = check(&dir, "p.yaml", "json", &["--baseline", "baseline.json"]);
    assert_eq!(code, Some(1));
    let new = failing(&matched);
    assert_eq!(
        new,
        [(
            "ml.data_protection.training_data_encrypted".to_string(),
            "/datasets/0/encryption/at_rest/enabled".to_string()
        ),],
        "only the new dataset's finding fails (its `algorithm` is present, so one violation)"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn violations_carry_their_subject_key_and_fingerprint_in_the_json_report() {
    let (_, report) = check(Path::new(env!("CARGO_MANIFEST_DIR")), FAILING, "json", &[]);
    let enc = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "ml.data_protection.training_data_encrypted")
        .unwrap();
    let v = &enc["violations"][0];
    assert_eq!(v["subject"], "/datasets/1");
    assert_eq!(v["subject_key"], "fraud-train-2025q3");
    let fingerprint = v["fingerprint"].as_str().unwrap();
    assert_eq!(fingerprint.len(), 64);
    assert!(fingerprint.bytes().all(|b| b.is_ascii_hexdigit()));
    // two requires on the same subject are two findings
    assert_ne!(enc["violations"][1]["fingerprint"], v["fingerprint"]);
}

#[test]
fn a_waiver_naming_its_subject_survives_a_reorder() {
    let dir = temp_dir("subject-waiver");
    let original = to_json(&example());
    std::fs::write(
        dir.join("w.yaml"),
        "waivers:\n  - rule: ml.data_protection.training_data_encrypted\n    subject: chargeback-labels\n    reason: legacy store (SEC-77)\n",
    )
    .unwrap();
    let mut reordered = original.clone();
    reordered["datasets"].as_array_mut().unwrap().reverse();
    for (name, facts) in [("a.json", &original), ("b.json", &reordered)] {
        std::fs::write(dir.join(name), facts.to_string()).unwrap();
        let (_, report) = check(&dir, name, "json", &["--waivers", "w.yaml"]);
        let enc = report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == "ml.data_protection.training_data_encrypted")
            .unwrap()
            .clone();
        let waived = enc["waived"].as_array().unwrap();
        assert_eq!(waived.len(), 1, "{name}");
        assert_eq!(waived[0]["subject_key"], "chargeback-labels");
        assert_eq!(enc["violations"].as_array().unwrap().len(), 2, "{name}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_baseline_of_ten_thousand_findings_matches_all_of_them_after_an_insert() {
    const N: usize = 10_000;
    let dir = temp_dir("large");
    let facts = |extra: bool| {
        let mut datasets: Vec<Value> = (0..N)
            .map(|i| {
                serde_json::json!({
                    "name": format!("ds-{i}"), "kind": "raw", "contains_pii": false,
                    "classification": "confidential", "owner": "o@example.com",
                    "encryption": {"at_rest": {"enabled": true, "algorithm": "AES-256"}},
                    // no `access` would be fine; an admin without MFA fails admins_use_mfa
                    "access": [{"principal": format!("p{i}@example.com"), "role": "admin", "mfa": false}],
                })
            })
            .collect();
        if extra {
            let clean = to_json(&format!("datasets:\n{CLEAN}"));
            datasets.insert(0, clean["datasets"][0].clone());
        }
        serde_json::json!({"datasets": datasets, "transfers": []}).to_string()
    };
    std::fs::write(dir.join("big.json"), facts(false)).unwrap();
    let (code, report) = check(&dir, "big.json", "json", &[]);
    assert_eq!(code, Some(1));
    assert_eq!(report["summary"]["violations"], N);
    std::fs::write(dir.join("baseline.json"), report.to_string()).unwrap();
    std::fs::write(dir.join("big.json"), facts(true)).unwrap();
    let (code, matched) = check(&dir, "big.json", "json", &["--baseline", "baseline.json"]);
    assert_eq!(code, Some(0));
    assert_eq!(matched["summary"]["violations"], 0);
    let mfa = matched["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "ml.data_protection.admins_use_mfa")
        .unwrap();
    assert_eq!(mfa["waived"].as_array().unwrap().len(), N);
    assert_eq!(
        mfa["waived"][0]["path"], "/datasets/1/access/0/mfa",
        "shifted by the insert"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
