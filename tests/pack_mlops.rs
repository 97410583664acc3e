//! The built-in ML pipeline, MLflow, DVC and GitHub Actions packs (`policies/pipelines`,
//! `policies/mlflow`, `policies/dvc`, `policies/github_actions`), run with no `-p` as a user
//! would: each weakness of the realistic fixtures is found at its file and line, and the
//! hardened fixtures give no finding from any pack.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::annexa;
use serde_json::Value;

const DIR: &str = "tests/fixtures/packs/mlops";

fn report(file: &str) -> (Value, i32) {
    let path = format!("{DIR}/{file}");
    let out = annexa(&["check", "--format", "json", &path]);
    let report = serde_json::from_slice(&out.stdout).expect("a JSON report");
    (report, out.status.code().unwrap_or(-1))
}

/// Every violation of a failed rule as (rule, file name, line), sorted.
fn findings(report: &Value) -> Vec<(String, String, u64)> {
    let mut all = Vec::new();
    for r in report["results"].as_array().unwrap() {
        for v in r["violations"].as_array().unwrap() {
            let doc = v["document"].as_str().unwrap();
            let name = doc.rsplit('/').next().unwrap().to_string();
            all.push((
                r["rule"].as_str().unwrap().to_string(),
                name,
                v["line"].as_u64().unwrap(),
            ));
        }
    }
    all.sort();
    all
}

fn expect(file: &str, wanted: &[(&str, u64)]) {
    let (report, code) = report(file);
    assert_eq!(code, 1, "{file} should fail");
    let mut wanted: Vec<(String, String, u64)> = wanted
        .iter()
        .map(|(r, l)| ((*r).to_string(), file.to_string(), *l))
        .collect();
    wanted.sort();
    assert_eq!(findings(&report), wanted, "{file}");
}

#[test]
fn sagemaker_pipeline_weaknesses_are_found() {
    expect(
        "sagemaker-weak.json",
        &[
            ("pipelines.sagemaker.images_not_floating", 9),
            ("pipelines.sagemaker.images_pinned_by_digest", 19),
            ("pipelines.sagemaker.inter_container_traffic_encrypted", 4),
            ("pipelines.sagemaker.network_isolated", 11),
            ("pipelines.sagemaker.network_isolated", 15),
            ("pipelines.sagemaker.no_plaintext_credentials", 12),
            ("pipelines.sagemaker.no_plaintext_credentials", 12),
            ("pipelines.sagemaker.outputs_encrypted_with_kms", 4),
            ("pipelines.sagemaker.outputs_encrypted_with_kms", 20),
            ("pipelines.sagemaker.volumes_encrypted_with_kms", 4),
            ("pipelines.sagemaker.volumes_encrypted_with_kms", 15),
        ],
    );
}

#[test]
fn kfp_spec_weaknesses_are_found() {
    expect(
        "kfp-weak.yaml",
        &[
            ("pipelines.kfp.cmek_default_empty", 41),
            ("pipelines.kfp.images_not_floating", 28),
            ("pipelines.kfp.images_pinned_by_digest", 16),
            ("pipelines.kfp.imported_data_over_tls", 9),
            ("pipelines.kfp.imported_web_data_verified", 13),
            ("pipelines.kfp.no_plaintext_credentials", 22),
            ("pipelines.kfp.no_plaintext_credentials", 25),
            ("pipelines.kfp.no_runtime_install", 32),
            ("pipelines.kfp.no_unpinned_runtime_install", 20),
            ("pipelines.kfp.platform_not_root", 53),
            ("pipelines.kfp.platform_not_root_group", 54),
        ],
    );
}

#[test]
fn mlmodel_weaknesses_are_found() {
    expect(
        "mlmodel-weak.yaml",
        &[
            ("mlflow.models.has_signature", 1),
            ("mlflow.models.no_personal_data_in_metadata", 13),
            ("mlflow.models.no_pickle_flavors", 3),
        ],
    );
}

#[test]
fn dvc_lock_weaknesses_are_found() {
    expect(
        "dvc-lock-weak.yaml",
        &[
            ("dvc.integrity.no_plain_http_sources", 6),
            ("dvc.integrity.stronger_than_md5", 1),
        ],
    );
}

#[test]
fn workflow_weaknesses_are_found() {
    expect(
        "gha-weak.yml",
        &[
            (
                "github_actions.access.no_cloud_credentials_on_pull_request_target",
                7,
            ),
            ("github_actions.access.token_not_write_all", 5),
            ("github_actions.actions.first_party_actions_pinned", 10),
            ("github_actions.actions.first_party_actions_pinned", 18),
            ("github_actions.actions.third_party_actions_pinned", 13),
            ("github_actions.actions.third_party_actions_pinned", 22),
            (
                "github_actions.scripts.no_pr_code_on_pull_request_target",
                12,
            ),
            ("github_actions.scripts.no_secrets_in_scripts", 15),
            ("github_actions.scripts.no_untrusted_input_in_scripts", 15),
            ("github_actions.scripts.no_untrusted_input_in_scripts", 20),
        ],
    );
}

#[test]
fn hardened_files_give_no_finding_and_are_recognised() {
    for (file, pack) in [
        ("sagemaker-hardened.json", "pipelines"),
        ("kfp-hardened.yaml", "pipelines"),
        ("mlmodel-hardened.yaml", "mlflow"),
        ("gha-hardened.yml", "github_actions"),
    ] {
        let (report, code) = report(file);
        assert_eq!(code, 0, "{file}: {:?}", findings(&report));
        assert_eq!(findings(&report), vec![], "{file}");
        assert_eq!(report["files"]["by_pack"][pack], 1, "{file}");
        let passed = report["summary"]["passed"].as_u64().unwrap();
        assert!(passed >= 3, "{file}: only {passed} rules passed");
    }
}
