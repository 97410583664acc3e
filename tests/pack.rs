//! The built-in policy pack: it compiles, its test blocks pass, it passes on the compliant
//! example, fails in the listed ways on the realistic pipelines, and `docs/packs.md` is current.

mod common;

use annexa::unstable::compile::{Program, compile};
use annexa::unstable::eval::{EvalOptions, evaluate, parse_time};
use annexa::unstable::facts::{LoadOptions, load_path};
use annexa::unstable::findings::{Report, Status};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn now() -> i64 {
    parse_time("2026-11-25").unwrap_or_default()
}

fn program() -> Program {
    let modules = annexa::unstable::pack::modules();
    assert!(modules.is_ok(), "{:?}", modules.err());
    let compiled = compile(modules.unwrap_or_default());
    let texts: Vec<String> = compiled
        .diagnostics
        .iter()
        .map(|d| format!("{d:?}"))
        .collect();
    assert!(texts.is_empty(), "{texts:#?}");
    compiled.program.unwrap_or_else(|| unreachable!())
}

fn check(rel: &str) -> Report {
    let path = std::path::Path::new(ROOT).join(rel);
    let loaded = load_path(&path, rel, &LoadOptions::default());
    assert!(loaded.is_ok(), "{rel}: {:?}", loaded.err());
    let docs = loaded.map(|l| l.documents).unwrap_or_default();
    let options = EvalOptions {
        now: now(),
        ..EvalOptions::default()
    };
    let report = evaluate(&program(), &docs, &options);
    assert!(report.is_ok());
    let mut report = report.unwrap_or_else(|_| unreachable!());
    // the examples are ML fact documents: the other packs' rules are out of scope there
    report.results.retain(|r| r.rule.starts_with("ml."));
    report
}

/// The rules of the ML fact pack (`ml.…`) with `status`: the example pipelines are ML fact
/// documents, out of every other pack's scope.
fn with_status(report: &Report, status: Status) -> Vec<String> {
    report
        .results
        .iter()
        .filter(|r| r.status == status && r.rule.starts_with("ml."))
        .map(|r| r.rule.clone())
        .collect()
}

#[test]
fn pack_size_and_controls() {
    let p = program();
    let mut controls: Vec<&str> = p
        .rules
        .iter()
        .flat_map(|r| r.controls.iter().map(String::as_str))
        .collect();
    controls.sort_unstable();
    controls.dedup();
    assert!(p.rules.len() >= 40, "{} rules", p.rules.len());
    assert!(controls.len() >= 25, "{} controls", controls.len());
    for c in [
        "A.5.7", "A.5.9", "A.5.12", "A.5.13", "A.5.14", "A.5.15", "A.5.18", "A.5.19", "A.5.20",
        "A.5.21", "A.5.22", "A.5.23", "A.5.34", "A.8.2", "A.8.3", "A.8.5", "A.8.11", "A.8.12",
        "A.8.13", "A.8.15", "A.8.16", "A.8.24", "A.8.25", "A.8.28", "A.8.31", "A.8.32",
    ] {
        assert!(controls.contains(&c), "no rule maps to {c}");
    }
    for r in &p.rules {
        assert!(
            r.title.is_some() && r.remediation.is_some(),
            "{} lacks a title or remediation",
            r.id
        );
    }
}

#[test]
fn every_test_block_passes_and_every_rule_is_shown_pass_and_fail() {
    let p = program();
    let outcomes = annexa::unstable::testing::run_tests(
        &p,
        &annexa::unstable::testing::TestOptions {
            filter: None,
            now: now(),
        },
    );
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| format!("{}: {} {:?}", o.file, o.name, o.failures))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    // every rule has an `expect RULE pass` and an `expect RULE fail`
    for r in &p.rules {
        let text = r.file.text();
        for status in ["pass", "fail"] {
            let short = format!("expect {} {status}", r.name);
            assert!(text.contains(&short), "{} has no test with `{short}`", r.id);
        }
    }
}

#[test]
fn compliant_example_passes_every_rule() {
    let report = check("examples/compliant/ml-pipeline.yaml");
    // the other formats' packs (cloudformation, terraform, …) have nothing to say about an ML
    // fact document: out of scope is the right answer for them
    let not_passed: Vec<String> = report
        .results
        .iter()
        .filter(|r| r.status != Status::Pass && r.rule.starts_with("ml."))
        .map(|r| r.rule.clone())
        .collect();
    assert!(not_passed.is_empty(), "{not_passed:#?}");
    let gaps: Vec<String> = report
        .results
        .iter()
        .flat_map(|r| r.evidence_gaps.iter().map(|g| g.message.clone()))
        .collect();
    assert!(gaps.is_empty(), "{gaps:#?}");
}

#[test]
fn fraud_tabular_fails_as_listed() {
    let report = check("examples/pipelines/fraud-tabular.yaml");
    assert_eq!(
        with_status(&report, Status::Fail),
        [
            "ml.access_control.access_reviewed",
            "ml.access_control.human_access_uses_mfa",
            "ml.access_control.public_endpoints_strongly_authenticated",
            "ml.data_protection.backup_restores_tested",
            "ml.data_protection.encryption_keys_rotated",
            "ml.data_protection.pii_training_data_masked",
            "ml.logging_monitoring.log_retention_sufficient",
            "ml.models.models_safe_format",
            "ml.models.production_deployments_approved",
            "ml.operations.no_unmasked_pii_outside_prod",
            "ml.operations.threat_intelligence_hooked",
            "ml.transfers.pii_to_third_parties_masked",
            "ml.transfers.pii_transfers_stay_in_region",
        ]
    );
    assert!(with_status(&report, Status::Skip).is_empty());
    assert!(with_status(&report, Status::Error).is_empty());
}

#[test]
fn llm_finetune_vendor_fails_as_listed() {
    let report = check("examples/pipelines/llm-finetune-vendor.yaml");
    assert_eq!(
        with_status(&report, Status::Fail),
        [
            "ml.data_protection.pii_training_data_masked",
            "ml.development.models_security_tested",
            "ml.models.models_signed",
            "ml.operations.images_pinned",
            "ml.operations.images_scanned",
            "ml.suppliers.external_data_from_approved_suppliers",
            "ml.suppliers.open_source_assets_licensed",
            "ml.suppliers.pii_suppliers_have_dpa",
            "ml.suppliers.supplier_agreements_cover_security",
            "ml.suppliers.suppliers_assessed",
            "ml.transfers.pii_to_third_parties_masked",
            "ml.transfers.pii_transfers_stay_in_region",
            "ml.transfers.third_party_recipients_known",
            "ml.transfers.third_party_transfers_under_agreement",
        ]
    );
    // the only model is fine-tuned from open weights: internal lineage is not applicable; its
    // endpoint is not public
    assert_eq!(
        with_status(&report, Status::Skip),
        [
            "ml.access_control.public_endpoints_strongly_authenticated",
            "ml.models.model_lineage_recorded"
        ]
    );
    assert!(with_status(&report, Status::Error).is_empty());
}

#[test]
fn vision_open_data_fails_as_listed() {
    let report = check("examples/pipelines/vision-open-data.yaml");
    assert_eq!(
        with_status(&report, Status::Fail),
        [
            "ml.access_control.endpoints_authenticated",
            "ml.access_control.endpoints_encrypted_in_transit",
            "ml.access_control.human_access_uses_mfa",
            "ml.access_control.no_public_grants",
            "ml.access_control.public_endpoints_strongly_authenticated",
            "ml.access_control.service_accounts_not_admin",
            "ml.data_protection.datasets_backed_up",
            "ml.data_protection.datasets_owned",
            "ml.data_protection.pii_classified_high",
            "ml.data_protection.pii_retention_limited",
            "ml.data_protection.pii_stored_in_allowed_regions",
            "ml.data_protection.pii_training_data_masked",
            "ml.data_protection.sensitive_keys_customer_managed",
            "ml.data_protection.sensitive_storage_not_public",
            "ml.data_protection.training_data_integrity",
            "ml.logging_monitoring.production_models_monitored",
            "ml.logging_monitoring.stages_logged",
            "ml.models.models_safe_format",
            "ml.operations.environments_segregated",
            "ml.operations.images_pinned",
            "ml.operations.incident_response_ready",
            "ml.suppliers.cloud_services_exit_and_regions",
            "ml.suppliers.open_source_assets_licensed",
        ]
    );
    // no suppliers, no transfers, no user grants, no test sets, no dev stages: not applicable
    // (its group grant without MFA is judged like a user's: human_access_uses_mfa fails)
    assert_eq!(with_status(&report, Status::Skip).len(), 13);
    assert!(with_status(&report, Status::Error).is_empty());
}

/// The rule tables of `docs/packs.md`, generated from the compiled packs.
fn packs_md(p: &Program) -> String {
    let mut out = String::from(
        "# The built-in packs\n\n\
         Generated from `policies/` by `tests/pack.rs` (`packs_md_is_current`); do not edit by hand.\n\
         `annexa check PATH` with no `-p` runs every pack; each rule judges only the documents in\n\
         its `scope` (Kubernetes objects, CloudFormation templates, Terraform plans, IAM policies,\n\
         ML pipeline specs, MLflow models, DVC files, GitHub workflows, and the ML fact model of\n\
         [`facts.md`](facts.md)). Rules are listed by pack and policy, then by control.\n",
    );
    let mut rules: Vec<&annexa::unstable::compile::Rule> = p.rules.iter().collect();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    let mut controls: Vec<&str> = rules
        .iter()
        .flat_map(|r| r.controls.iter().map(String::as_str))
        .collect();
    controls.sort_by(|a, b| annexa::unstable::controls::compare_ids(a, b));
    controls.dedup();
    out.push_str(&format!(
        "\n{} rules, {} distinct Annex A controls.\n",
        rules.len(),
        controls.len()
    ));
    let mut namespace = String::new();
    let mut pack = String::new();
    for r in rules {
        let this_pack = r.namespace.split('.').next().unwrap_or("").to_string();
        if this_pack != pack {
            pack.clone_from(&this_pack);
            let n = p
                .rules
                .iter()
                .filter(|x| x.namespace.split('.').next() == Some(pack.as_str()))
                .count();
            out.push_str(&format!("\n## Pack `{pack}` ({n} rules)\n"));
        }
        if r.namespace != namespace {
            namespace.clone_from(&r.namespace);
            out.push_str(&format!(
                "\n### `{namespace}`\n\n| rule | title | severity | controls |\n|---|---|---|---|\n"
            ));
        }
        let title: String = r
            .title
            .as_ref()
            .map(|t| {
                t.parts
                    .iter()
                    .map(|p| match p {
                        annexa::unstable::compile::TemplatePart::Text(s) => s.to_string(),
                        annexa::unstable::compile::TemplatePart::Hole(_) => "…".to_string(),
                    })
                    .collect()
            })
            .unwrap_or_else(|| r.name.clone());
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            r.name,
            title.replace('|', "\\|"),
            r.severity.as_str(),
            r.controls.join(", ")
        ));
    }
    out.push_str("\n## Controls\n\n| control | rules |\n|---|---|\n");
    for c in controls {
        let ids: Vec<String> = p
            .rules
            .iter()
            .filter(|r| r.controls.iter().any(|x| x == c))
            .map(|r| format!("`{}`", r.id))
            .collect();
        out.push_str(&format!("| {c} | {} |\n", ids.join(", ")));
    }
    out
}

#[test]
fn packs_md_is_current() {
    let expected = packs_md(&program());
    let path = std::path::Path::new(ROOT).join("docs/packs.md");
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    if actual != expected {
        if std::env::var_os("ANNEXA_BLESS").is_some() {
            assert!(std::fs::write(&path, &expected).is_ok());
            return;
        }
        println!("{expected}");
        unreachable!(
            "docs/packs.md is out of date: paste the text printed above, or run with ANNEXA_BLESS=1"
        );
    }
}

#[test]
fn every_built_in_rule_has_a_scope_a_title_and_a_remediation() {
    let p = program();
    let lacking: Vec<String> = p
        .rules
        .iter()
        .filter(|r| {
            (r.file_scope.is_none() && r.scope.is_none())
                || r.title.is_none()
                || r.remediation.is_none()
        })
        .map(|r| r.id.clone())
        .collect();
    assert!(lacking.is_empty(), "{lacking:#?}");
    assert!(p.rules.len() > 200, "{} rules", p.rules.len());
}

#[test]
fn the_example_repository_gives_its_planted_findings_and_none_on_the_hardened_manifest() {
    let out = common::annexa(&["check", "examples/repo", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", common::stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let mut files: Vec<String> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .flat_map(|r| r["violations"].as_array().into_iter().flatten())
        .filter_map(|v| v["document"].as_str())
        .map(|d| d.trim_start_matches("examples/repo/").to_string())
        .collect();
    files.sort();
    files.dedup();
    assert_eq!(
        files,
        [
            ".github/workflows/train.yml",
            "data/features.dvc",
            "infra/notebook.yaml",
            "infra/tfplan.json",
            "k8s/serving.yaml",
            "k8s/training-job.yaml",
            "models/churn/MLmodel",
            "pipelines/train.json",
        ]
    );
    assert_eq!(
        report["files"]["recognised"], 9,
        "the hardened manifest is read too"
    );
}
