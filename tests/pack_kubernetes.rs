//! The built-in Kubernetes pack (`policies/kubernetes/`), run with no `-p` as a user would: the
//! findings on a small ML platform, each at its file and line, and none on its hardened twin.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::annexa;
use serde_json::Value;

const WEAK: &str = "tests/fixtures/packs/kubernetes/ml-platform.yaml";
const COMPLIANT: &str = "tests/fixtures/packs/kubernetes/compliant.yaml";

/// The JSON report of `annexa check FILE` with the built-in packs, and the exit code.
fn report(file: &str) -> (Value, i32) {
    let out = annexa(&["check", "--format", "json", "--now", common::NOW, file]);
    let report = serde_json::from_slice(&out.stdout).expect("a JSON report");
    (report, out.status.code().unwrap_or(-1))
}

/// Every violation as (rule, document, line), in report order.
fn findings(report: &Value) -> Vec<(String, String, u64)> {
    let mut out = Vec::new();
    for r in report["results"].as_array().unwrap() {
        for v in r["violations"].as_array().unwrap() {
            out.push((
                r["rule"].as_str().unwrap().to_string(),
                v["document"].as_str().unwrap().to_string(),
                v["line"].as_u64().unwrap(),
            ));
        }
    }
    out
}

#[test]
fn the_weak_platform_gets_the_reviewers_findings_at_their_lines() {
    let (report, code) = report(WEAK);
    assert_eq!(code, 1);
    let mut got = findings(&report);
    got.sort();
    let mut want: Vec<(String, String, u64)> = [
        ("kubernetes.artifact_stores.kserve_storage_uses_tls", 29),
        ("kubernetes.containers.no_node_root_capabilities", 52),
        ("kubernetes.containers.no_privileged", 15),
        ("kubernetes.host.no_host_network", 40),
        ("kubernetes.images.images_not_floating", 46),
        ("kubernetes.images.model_images_pinned_by_digest", 13),
        ("kubernetes.mesh.mtls_strict", 78),
        ("kubernetes.rbac.no_wildcard_on_everything", 61),
        ("kubernetes.secrets.no_secret_string_data", 69),
    ]
    .iter()
    .map(|(r, l)| ((*r).to_string(), WEAK.to_string(), *l))
    .collect();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(report["files"]["by_pack"]["kubernetes"], 1);
}

#[test]
fn the_messages_name_the_resource() {
    let (report, _) = report(WEAK);
    let messages: Vec<String> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["violations"].as_array().unwrap().clone())
        .map(|v| v["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        messages.contains(
            &"RayCluster train in namespace ray: container ray-head adds capability SYS_ADMIN; remove it"
                .to_string()
        ),
        "{messages:#?}"
    );
}

#[test]
fn the_hardened_platform_has_no_finding_and_no_gap() {
    let (report, code) = report(COMPLIANT);
    assert_eq!(code, 0, "{report:#}");
    assert!(findings(&report).is_empty());
    // no finding because the rules judged the platform, not because they all skipped it
    let passed = report["summary"]["passed"].as_u64().unwrap();
    assert!(passed >= 3, "only {passed} rules passed");
    for r in report["results"].as_array().unwrap() {
        assert!(r["evidence_gaps"].as_array().unwrap().is_empty(), "{r:#}");
        assert!(r["status"] != "error", "{r:#}");
    }
    assert_eq!(report["files"]["by_pack"]["kubernetes"], 1);
}

#[test]
fn the_kubernetes_pack_stays_quiet_on_ml_fact_documents() {
    let (report, _) = report("examples/compliant/ml-pipeline.yaml");
    for r in report["results"].as_array().unwrap() {
        if r["rule"].as_str().unwrap().starts_with("kubernetes.") {
            assert_eq!(r["status"], "skip", "{r:#}");
        }
    }
}
