//! The built-in packs on the real corpus (`tests/corpus/real/`, SOURCES.md lists each file's
//! security-relevant facts): a reviewed snapshot of every finding, file by file, so a change to
//! a pack shows up as a change to what real files are told.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;
use std::fmt::Write;

use common::annexa;
use serde_json::Value;

const CORPUS: &str = "tests/corpus/real";

fn report() -> Value {
    let out = annexa(&["check", CORPUS, "--format", "json", "--now", common::NOW]);
    assert_ne!(out.status.code(), Some(2), "{}", common::stderr(&out));
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

#[test]
fn findings_on_the_real_corpus() {
    let report = report();
    let mut by_file: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in report["results"].as_array().unwrap() {
        let rule = r["rule"].as_str().unwrap();
        let severity = r["severity"].as_str().unwrap();
        for v in r["violations"].as_array().unwrap() {
            let file = v["document"]
                .as_str()
                .unwrap()
                .trim_start_matches("tests/corpus/real/");
            by_file.entry(file.to_string()).or_default().push(format!(
                "{:>5}:{:<4} {severity:<8} {rule}: {}",
                v["line"].as_u64().unwrap(),
                v["column"].as_u64().unwrap(),
                v["message"].as_str().unwrap()
            ));
        }
        for g in r["evidence_gaps"].as_array().unwrap() {
            let file = g["document"]
                .as_str()
                .unwrap()
                .trim_start_matches("tests/corpus/real/");
            by_file.entry(file.to_string()).or_default().push(format!(
                "{:>5}:{:<4} gap      {rule}: {}",
                g["line"].as_u64().unwrap(),
                g["column"].as_u64().unwrap(),
                g["message"].as_str().unwrap()
            ));
        }
    }
    let mut text = String::new();
    for (file, mut lines) in by_file {
        lines.sort();
        let _ = writeln!(text, "{file}");
        for l in lines {
            let _ = writeln!(text, "  {l}");
        }
    }
    let files = &report["files"];
    let _ = writeln!(
        text,
        "\n{} of {} files recognised; by pack: {}; unrecognised: {}",
        files["recognised"], files["total"], files["by_pack"], files["unrecognised"]
    );
    insta::assert_snapshot!(text);
}

#[test]
fn no_rule_is_in_error_on_the_real_corpus() {
    let report = report();
    let errors: Vec<&Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "error")
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(report["unreadable"], Value::Null, "every corpus file loads");
}

#[test]
fn the_compliant_parts_of_the_corpus_give_no_finding() {
    let report = report();
    let on = |file: &str, rule: &dyn Fn(&str) -> bool| -> Vec<String> {
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| rule(r["rule"].as_str().unwrap()))
            .flat_map(|r| r["violations"].as_array().unwrap().iter())
            .filter(|v| v["document"].as_str().unwrap().ends_with(file))
            .map(|v| v["message"].as_str().unwrap().to_string())
            .collect()
    };
    // hardened security contexts (SOURCES.md rows 3 and 10)
    let hardened = |id: &str| {
        [
            ".no_privileged",
            ".no_privilege_escalation",
            ".runs_as_non_root",
            ".drops_all_capabilities",
        ]
        .iter()
        .any(|r| id.ends_with(r))
    };
    for file in [
        "clusterservingruntime-sklearnserver-hardened.yaml",
        "kfp-compiled-workflow-mounted-cabundle-secret.yaml",
    ] {
        assert_eq!(on(file, &hardened), Vec::<String>::new(), "{file}");
    }
    // a UID of 65534 written as a string is not root (row 2); its GID 0 is a finding
    let root_user = |id: &str| id.ends_with(".platform_not_root");
    assert!(on("kfp-k8s-security-context-platform-spec.yaml", &root_user).is_empty());
    let root_group = |id: &str| id.ends_with(".platform_not_root_group");
    assert_eq!(
        on("kfp-k8s-security-context-platform-spec.yaml", &root_group).len(),
        1
    );
    // `s3-usehttps: "1"` is TLS (row 11); `insecure: true` is not (row 4)
    let tls = |id: &str| id.contains("artifact_stores.");
    assert!(on("s3-secret-and-serviceaccount.yaml", &tls).is_empty());
    assert!(!on("artifact-repositories-configmap-minio-insecure.yaml", &tls).is_empty());
}
