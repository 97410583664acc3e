//! Composing the built-in packs with one's own policies: `check --builtin[=PACKS]` and `packs`
//! of annexa.toml, `use` of a built-in module from one's own file without `-p`, and leaving
//! rules out by id or glob (`--exclude-rule`, `exclude-rules`), in the CLI and the facade alike.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// A policy of one's own that uses the pack's shared params without loading the pack.
const OWN: &str = r#"policy acme.data "Acme's own checks"
use ml.common

rule datasets_in_allowed_regions {
  title "Datasets are stored in an allowed region"
  controls A.5.34
  severity high
  remediation "Move the dataset."
  for d in datasets {
    require d.storage.region in common.allowed_regions else "dataset {d.name} is in {d.storage.region}"
  }
}
"#;

const FACTS: &str = "datasets:\n  - name: a\n    storage: {region: eu-west-1}\n  - name: b\n    storage: {region: us-east-1}\n";

/// A folder with `policies/own.policy` and `facts/f.yaml`, and `annexa.toml` when given.
fn project(test: &str, toml: Option<&str>) -> PathBuf {
    let dir = scratch("composition", test);
    write(&dir, "policies/own.policy", OWN);
    write(&dir, "facts/f.yaml", FACTS);
    if let Some(toml) = toml {
        write(&dir, "annexa.toml", toml);
    }
    dir
}

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn json_report(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let out = annexa_in(dir, &all);
    assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn rule_ids(report: &Value) -> Vec<String> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_built_in_module_is_used_without_loading_the_pack() {
    let dir = project("use", None);
    let report = json_report(&dir, &["facts/", "-p", "policies/"]);
    // only one's own rule runs: `use ml.common` brings the params, and ml.common has no rules
    assert_eq!(rule_ids(&report), ["acme.data.datasets_in_allowed_regions"]);
    assert_eq!(report["summary"]["violations"], 1);
    let violation = &report["results"][0]["violations"][0];
    assert_eq!(violation["message"], "dataset b is in us-east-1");
    // the pack's param is set by its qualified name, as for the pack itself
    let report = json_report(
        &dir,
        &[
            "facts/",
            "-p",
            "policies/",
            "--param",
            "ml.common.allowed_regions=[\"eu-west-1\",\"us-east-1\"]",
        ],
    );
    assert_eq!(report["summary"]["violations"], 0);
    // lint and test resolve the same `use`
    assert_exit(&annexa_in(&dir, &["lint", "policies/"]), 0);
    let out = annexa_in(&dir, &["test", "policies/"]);
    assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn a_misspelt_built_in_module_is_named() {
    let dir = project("misspelt", None);
    write(
        &dir,
        "policies/own.policy",
        &OWN.replace("use ml.common", "use ml.comon"),
    );
    let out = annexa_in(&dir, &["check", "facts/", "-p", "policies/"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("no loaded policy has the namespace `ml.comon`"),
        "{err}"
    );
    assert!(err.contains("did you mean `ml.common`?"), "{err}");
}

#[test]
fn builtin_runs_the_packs_next_to_ones_own_policies() {
    let dir = project("builtin", None);
    // every pack
    let all = rule_ids(&json_report(
        &dir,
        &["facts/", "-p", "policies/", "--builtin"],
    ));
    assert!(all.contains(&"acme.data.datasets_in_allowed_regions".to_string()));
    assert!(all.iter().any(|r| r.starts_with("kubernetes.")));
    assert!(all.iter().any(|r| r.starts_with("ml.")));
    // the packs named, comma-separated
    let some = rule_ids(&json_report(
        &dir,
        &["facts/", "-p", "policies/", "--builtin=kubernetes,dvc"],
    ));
    assert!(some.contains(&"acme.data.datasets_in_allowed_regions".to_string()));
    assert!(some.iter().any(|r| r.starts_with("kubernetes.")));
    assert!(some.iter().any(|r| r.starts_with("dvc.")));
    assert!(!some.iter().any(|r| r.starts_with("ml.")), "{some:?}");
    assert!(some.len() < all.len());
    // a pack that does not exist
    let out = annexa_in(
        &dir,
        &["check", "facts/", "-p", "policies/", "--builtin=kubernets"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("no built-in pack is called `kubernets`"),
        "{err}"
    );
    assert!(err.contains("did you mean `kubernetes`?"), "{err}");
    assert!(err.contains("the packs are cloudformation, dvc,"), "{err}");
}

#[test]
fn packs_of_the_file_run_next_to_its_policies() {
    let dir = project(
        "packs",
        Some("policies = [\"policies/\"]\nfacts = [\"facts/\"]\npacks = [\"dvc\"]\n"),
    );
    let ids = rule_ids(&json_report(&dir, &[]));
    assert!(ids.contains(&"acme.data.datasets_in_allowed_regions".to_string()));
    assert!(ids.iter().any(|r| r.starts_with("dvc.")), "{ids:?}");
    assert!(!ids.iter().any(|r| r.starts_with("ml.")), "{ids:?}");
    // the command line wins over the file
    let ids = rule_ids(&json_report(&dir, &["--builtin=mlflow"]));
    assert!(ids.iter().any(|r| r.starts_with("mlflow.")), "{ids:?}");
    assert!(!ids.iter().any(|r| r.starts_with("dvc.")), "{ids:?}");

    // an unknown pack points into the file, with a suggestion
    write(
        &dir,
        "annexa.toml",
        "policies = [\"policies/\"]\npacks = [\"ml\", \"kubernets\"]\n",
    );
    let out = annexa_in(&dir, &["check", "facts/"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("no built-in pack is called `kubernets`"),
        "{err}"
    );
    assert!(err.contains("annexa.toml:2:16"), "{err}");
    assert!(err.contains("did you mean `kubernetes`?"), "{err}");
}

#[test]
fn excluded_rules_leave_the_report_by_id_or_glob() {
    let dir = project("exclude", None);
    let base = ["facts/", "-p", "policies/", "--builtin=ml"];
    let all = rule_ids(&json_report(&dir, &base));
    let mut args = base.to_vec();
    args.extend(["--exclude-rule", "ml.suppliers.*"]);
    args.extend(["--exclude-rule", "acme.data.datasets_in_allowed_regions"]);
    let report = json_report(&dir, &args);
    let kept = rule_ids(&report);
    assert!(
        !kept.iter().any(|r| r.starts_with("ml.suppliers.")),
        "{kept:?}"
    );
    assert!(!kept.contains(&"acme.data.datasets_in_allowed_regions".to_string()));
    let dropped = all
        .iter()
        .filter(|r| r.starts_with("ml.suppliers."))
        .count();
    assert!(dropped > 0);
    assert_eq!(kept.len(), all.len() - dropped - 1);
    // the summary and the control roll-up are recounted
    assert_eq!(report["summary"]["rules"], kept.len());
    assert!(!report["controls"].as_array().unwrap().iter().any(|c| {
        c["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().starts_with("ml.suppliers."))
    }),);
    // excluding every rule judges nothing: a usage error
    let out = annexa_in(
        &dir,
        &["check", "facts/", "-p", "policies/", "--exclude-rule", "*"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no rule is left after --exclude-rule *"),
        "{}",
        stderr(&out)
    );
    // an invalid glob is refused before anything runs
    let out = annexa_in(&dir, &["check", "facts/", "--exclude-rule", "a[b"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("`--exclude-rule a[b` is not a valid glob"));
}

#[test]
fn exclude_rules_of_the_file_add_to_the_command_line() {
    let dir = project(
        "exclude-file",
        Some(
            "policies = [\"policies/\"]\nfacts = [\"facts/\"]\npacks = [\"ml\"]\nexclude-rules = [\"ml.suppliers.*\"]\n",
        ),
    );
    let kept = rule_ids(&json_report(&dir, &["--exclude-rule", "ml.models.*"]));
    assert!(
        !kept.iter().any(|r| r.starts_with("ml.suppliers.")),
        "{kept:?}"
    );
    assert!(
        !kept.iter().any(|r| r.starts_with("ml.models.")),
        "{kept:?}"
    );
    assert!(kept.iter().any(|r| r.starts_with("ml.data_protection.")));
    write(&dir, "annexa.toml", "exclude-rules = [\"a[b\"]\n");
    let out = annexa_in(&dir, &["check", "facts/"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("annexa.toml:1:18"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_baseline_of_the_file_accepts_its_findings() {
    let dir = project(
        "baseline",
        Some("policies = [\"policies/\"]\nfacts = [\"facts/\"]\nbaseline = \"accepted.json\"\n"),
    );
    write(&dir, "accepted.json", "{\"results\": []}");
    let out = annexa_in(&dir, &["check", "--format", "json", "-o", "accepted.json"]);
    assert_exit(&out, 1);
    let out = annexa_in(&dir, &["check"]);
    assert_exit(&out, 0);
    assert!(
        stdout(&out).contains("1 violation waived"),
        "{}",
        stdout(&out)
    );
    // a baseline that is not there is an error, not an empty baseline
    write(
        &dir,
        "annexa.toml",
        "policies = [\"policies/\"]\nfacts = [\"facts/\"]\nbaseline = \"gone.json\"\n",
    );
    let out = annexa_in(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("gone.json"), "{}", stderr(&out));
}

#[test]
fn the_facade_composes_as_the_command_line_does() {
    let facts = annexa::Facts::new().value(
        "f.json",
        json!({"datasets": [{"name": "b", "storage": {"region": "us-east-1"}}]}),
    );
    let engine = annexa::Engine::builder()
        .policy_source("own.policy", OWN)
        .packs(["dvc"])
        .exclude_rules(["dvc.integrity.stronger_than_md5"])
        .build()
        .unwrap();
    let report = engine.check(&facts).unwrap();
    let ids: Vec<&str> = report.results().map(|r| r.rule()).collect();
    assert!(ids.contains(&"acme.data.datasets_in_allowed_regions"));
    assert!(
        ids.contains(&"dvc.integrity.no_plain_http_sources"),
        "{ids:?}"
    );
    assert!(!ids.contains(&"dvc.integrity.stronger_than_md5"), "{ids:?}");
    let unknown = annexa::Engine::builder()
        .policy_source("own.policy", OWN)
        .packs(["mlfow"])
        .build()
        .unwrap_err();
    assert_eq!(unknown.kind(), annexa::ErrorKind::Usage);
    assert!(
        unknown.to_string().contains("did you mean `mlflow`?"),
        "{unknown}"
    );
    // `builtin_packs(false)` wins: only one's own rules, although packs are named
    let own_only = annexa::Engine::builder()
        .policy_source("own.policy", OWN)
        .packs(["dvc"])
        .builtin_packs(false)
        .build()
        .unwrap();
    assert_eq!(own_only.check(&facts).unwrap().results().len(), 1);
}

#[test]
fn explain_takes_the_packs_next_to_ones_own_policies() {
    let dir = project("explain", None);
    // a pack rule is unknown with only one's own policies loaded
    let out = annexa_in(
        &dir,
        &[
            "explain",
            "ml.data_protection.datasets_owned",
            "facts/f.yaml",
            "-p",
            "policies/",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    // and explained with --builtin=ml next to them
    let out = annexa_in(
        &dir,
        &[
            "explain",
            "ml.data_protection.datasets_owned",
            "facts/f.yaml",
            "-p",
            "policies/",
            "--builtin=ml",
        ],
    );
    assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with(
            "rule ml.data_protection.datasets_owned (policies/data_protection.policy:"
        ),
        "{}",
        stdout(&out)
    );
    let out = annexa_in(
        &dir,
        &[
            "explain",
            "datasets_in_allowed_regions",
            "facts/f.yaml",
            "-p",
            "policies/",
            "--builtin=nope",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no built-in pack is called `nope`"),
        "{}",
        stderr(&out)
    );
}
