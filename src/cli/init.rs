//! `annexa init`: a starter project in an empty folder.

use std::path::{Path, PathBuf};

use super::{EXIT_OK, EXIT_USAGE, UsageError, print_diagnostic};

/// Arguments of `annexa init`.
#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// The folder to write into (created if missing; must be empty); default: the current folder.
    #[arg(value_name = "DIR", default_value = ".")]
    dir: String,
    /// Write into a folder that is not empty (the starter files are overwritten, others kept).
    #[arg(long)]
    force: bool,
}

/// The starter files' paths, relative to the folder, in the order they are written.
const PATHS: [&str; 5] = [
    "annexa.toml",
    "policies/starter.policy",
    "facts/pipeline.yaml",
    "baseline.json",
    ".github/workflows/annexa.yml",
];

/// The starter files: path relative to the folder, contents. The facts carry `today`'s date
/// where the pack asks for recent reviews, so that the starter passes on the day it is written;
/// the workflow names this annexa's repository and version.
fn files(today: &str) -> [(&'static str, String); 5] {
    let [toml, policy, facts, baseline, workflow] = PATHS;
    [
        (toml, ANNEXA_TOML.to_string()),
        (policy, STARTER_POLICY.to_string()),
        (facts, PIPELINE_FACTS.replace("{TODAY}", today)),
        (
            baseline,
            BASELINE.replace("{VERSION}", env!("CARGO_PKG_VERSION")),
        ),
        (
            workflow,
            WORKFLOW
                .replace("{REPOSITORY}", &action_repository())
                .replace("{VERSION}", env!("CARGO_PKG_VERSION")),
        ),
    ]
}

/// The repository the workflow's `uses:` names: `owner/name` of Cargo.toml's `repository`
/// (a GitHub URL), so the starter follows wherever annexa is published.
fn action_repository() -> String {
    github_path(env!("CARGO_PKG_REPOSITORY")).unwrap_or_else(|| FALLBACK_REPOSITORY.to_string())
}

/// Used only when Cargo.toml names no GitHub repository: where annexa is published.
const FALLBACK_REPOSITORY: &str = "annexa-dev/annexa";

/// `owner/name` of a GitHub URL (`https://github.com/owner/name(.git)`), else `None`.
fn github_path(url: &str) -> Option<String> {
    let rest = url.trim().strip_prefix("https://github.com/")?;
    let rest = rest.trim_end_matches('/');
    let rest = rest.strip_suffix(".git").unwrap_or(rest);
    let (owner, name) = rest.split_once('/')?;
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    (plain(owner) && plain(name)).then(|| format!("{owner}/{name}"))
}

/// Today's date (UTC) as `YYYY-MM-DD`.
fn today() -> String {
    let date = time::OffsetDateTime::now_utc().date();
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Runs the command; returns the exit code.
pub fn run(args: &InitArgs) -> u8 {
    let dir = Path::new(&args.dir);
    if dir.exists() && !dir.is_dir() {
        print_diagnostic(&UsageError::new(
            format!("`{}` is a file, not a folder", args.dir),
            "name a new or empty folder: annexa init my-policies",
        ));
        return EXIT_USAGE;
    }
    if dir.is_dir() && !args.force {
        let mut entries: Vec<String> = match std::fs::read_dir(dir) {
            Ok(read) => read
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(e) => {
                print_diagnostic(&UsageError::new(
                    format!("cannot read the folder `{}`: {e}", args.dir),
                    "check the path and its permissions",
                ));
                return EXIT_USAGE;
            }
        };
        entries.sort();
        if let Some(first) = entries.first() {
            let more = match entries.len() - 1 {
                0 => String::new(),
                1 => " and 1 other entry".to_string(),
                n => format!(" and {n} other entries"),
            };
            print_diagnostic(&UsageError::new(
                format!(
                    "`{}` is not empty: `{}` is in the way{more}",
                    args.dir,
                    shown(&dir.join(first))
                ),
                "run annexa init in an empty or new folder, or pass --force to write the starter files anyway (they overwrite files of the same name)",
            ));
            return EXIT_USAGE;
        }
    }
    if let Some(link) = PATHS
        .iter()
        .find_map(|relative| link_in_the_way(dir, relative))
    {
        print_diagnostic(&UsageError::new(
            format!(
                "`{}` is a symbolic link: annexa init never writes through one",
                shown(&link)
            ),
            "remove the link or run annexa init in another folder",
        ));
        return EXIT_USAGE;
    }
    for (relative, contents) in files(&today()) {
        let path = dir.join(relative);
        if let Err(e) = write(&path, &contents) {
            print_diagnostic(&UsageError::new(
                format!("cannot write `{}`: {e}", shown(&path)),
                "check that the folder is writable",
            ));
            return EXIT_USAGE;
        }
        outln!("wrote {}", shown(&path));
    }
    outln!();
    outln!("Next:");
    if args.dir != "." {
        outln!("  cd {}", args.dir);
    }
    outln!("  annexa check    # the ml pack and policies/ against facts/ (annexa.toml)");
    outln!("  annexa test     # the test blocks of policies/");
    outln!("  annexa lint     # every diagnostic and lint finding");
    outln!("  annexa fmt      # the canonical layout of policies/");
    EXIT_OK
}

/// The first symbolic link among `dir/relative` and the folders between `dir` and it: with
/// `--force`, writing there would overwrite whatever the link points at.
fn link_in_the_way(dir: &Path, relative: &str) -> Option<PathBuf> {
    let mut path = dir.to_path_buf();
    for part in Path::new(relative).components() {
        path.push(part);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Some(path);
        }
    }
    None
}

/// Writes one file, creating its folders. An existing file is removed first and the new one
/// created exclusively, so a link put there since [`link_in_the_way`] looked is not followed.
fn write(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file()) {
        std::fs::remove_file(path)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

/// A path for messages, with `/` separators and no leading `./`.
fn shown(path: &Path) -> String {
    let path: PathBuf = path.strip_prefix(".").unwrap_or(path).to_path_buf();
    path.to_string_lossy().replace('\\', "/")
}

const ANNEXA_TOML: &str = r#"# annexa.toml: the defaults of `annexa check`, `test` and `lint` for this folder and those below
# it. Options on the command line win. Paths are relative to this file's folder. Every key is
# described in annexa's docs/config.md.

packs = ["ml"]             # built-in packs run next to `policies` (annexa check --builtin=ml); see `annexa controls`
policies = ["policies/"]   # your own policies (annexa check -p …)
facts = ["facts/"]         # annexa check FACTS…
fail-on = "low"            # failing rules at or above this severity fail the run
format = "human"           # human, json, sarif, junit, markdown, github
exclude = []               # fact paths skipped when walking folders, e.g. ["fixtures/**"]
exclude-rules = []         # rule ids (or globs) left out of the report, e.g. ["ml.suppliers.*"]
# waivers = "waivers.yaml" # accepted findings with a reason and an expiry, see docs/waivers.md

# Accepted findings of an earlier run: only new ones fail. This one accepts nothing. To accept
# what fails today, empty it and write the report over it:
#   echo '{"results": []}' > baseline.json && annexa check --format json -o baseline.json
baseline = "baseline.json"

[params]                   # as --param NAME=JSON; the pack's shared params are `ml.common.*`
"ml.common.allowed_regions" = ["eu-west-1", "eu-central-1"]

[schema]
check = "strict"           # fact files must match the ML fact model (docs/facts.md); "warn" to only warn

[lint]
allow = []                 # lints not reported, e.g. ["missing_remediation"]
deny = []                  # lints reported as errors, e.g. ["unused_let"]

[limits]                   # safe defaults; lower them for untrusted input
# fact-depth = 128         # nesting of arrays and objects in a fact file
# fact-file-bytes = 536870912
# yaml-aliases = 100000    # nodes produced by YAML alias expansion, per file
# rule-steps = 50000000    # evaluation steps of one rule on one document
"#;

const STARTER_POLICY: &str = r#"# Your own rules, run next to the built-in packs named in annexa.toml (`packs`). Edit them,
# then `annexa test` and `annexa check`. The language: annexa's docs/language.md.
policy starter.pipeline "Starter checks for an ML pipeline"
schema "annexa.ml/v1"

# The built-in pack's shared params and helpers: `allowed_regions` set once in annexa.toml
# ([params]) holds for the pack's rules and for these alike.
use ml.common

rule training_data_in_allowed_regions {
  title "Training data is stored in an allowed region"
  controls A.5.34, A.5.14
  severity medium
  remediation "Move the dataset to an allowed region, or allow its region in annexa.toml ([params])."

  for d in datasets[.kind == "training"] {
    require d.storage.region in common.allowed_regions
      else "training dataset {d.name} is stored in {d.storage.region}"
  }
}

rule models_have_an_owner {
  title "Every model names the team answerable for it"
  controls A.5.9
  severity low
  remediation "Set `owner` on every model."

  for m in models {
    require exists(m.owner) else "model {m.name} names no owner"
  }
}

test "training data outside the allowed regions fails" {
  facts {datasets: [{name: "raw", kind: "training", storage: {region: "us-east-1"}}]}
  expect training_data_in_allowed_regions fail 1
}

test "a model without an owner fails" {
  facts {models: [{name: "m"}, {name: "n", owner: "ml-team"}]}
  expect models_have_an_owner fail 1
}

test "the starter facts pass" {
  facts file "../facts/pipeline.yaml"  # relative to this file
  expect all pass
}
"#;

const PIPELINE_FACTS: &str = r#"# Facts about one ML pipeline, in the fact model of the built-in `ml` pack (annexa's
# docs/facts.md; `[schema] check = "strict"` in annexa.toml holds them to it). Write them by hand
# or generate them from your pipeline's metadata. The dates are the day `annexa init` ran: keep
# them current, the pack asks for yearly access reviews, key rotation and restore tests.
pipeline:
  name: churn-prediction
  owner: ml-platform@example.com
  environments:
    - {name: dev, kind: dev, account: "111111111111", segregated: true}
    - {name: prod, kind: prod, account: "333333333333", segregated: true}
  privacy:
    dpia: {completed: true, date: "{TODAY}", reference: DPIA-0001}
  development:
    code_review_required: true
    branch_protection: true
    sast: true
    dependency_scanning: true
    secret_scanning: true
    model_security_tests: true
  incident_response:
    plan: https://wiki.example.com/security/incident-response
    contact: secops-oncall@example.com
    last_exercised: "{TODAY}"
  threat_intel:
    feeds: [mitre-atlas, vendor-advisories]

datasets:
  - name: churn-train
    kind: training
    classification: confidential
    contains_pii: false
    owner: ml-churn@example.com
    source: {type: internal}
    storage: {uri: "s3://example-ml-train/churn/", service: s3, region: eu-west-1, public: false}
    encryption:
      at_rest: {enabled: true, algorithm: AES-256-GCM, key_management: customer_managed, last_rotated: "{TODAY}"}
    access:
      - {principal: svc-training, type: service, role: read, last_review: "{TODAY}"}
    retention: {days: 365, deletion: automated}
    integrity:
      checksum: {algorithm: sha256, value: "1b4f0e9c8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c"}
      verified_on_read: true
    backups: {enabled: true, encrypted: true, frequency: weekly, region: eu-central-1, last_restore_test: "{TODAY}"}

models:
  - name: churn-gbm
    version: "1"
    owner: ml-churn@example.com
    classification: confidential
    registry: {name: mlflow, uri: "https://mlflow.example.com/#/models/churn-gbm"}
    source: {type: internal}
    serialization: onnx
    signing: {signed: true, method: sigstore, verified_at_deploy: true}
    lineage: {training_datasets: [churn-train], code_commit: 4e1f2a9, run_id: 8c41d2}
    access:
      - {principal: svc-serving, type: service, role: read, last_review: "{TODAY}"}
    deployments: []
    monitoring: {enabled: true, drift: true, performance: true, alerts_to: "pagerduty:ml-oncall"}

stages:
  - name: train
    kind: train
    environment: prod
    inputs: [churn-train]
    outputs: [churn-gbm]
    image:
      ref: "registry.example.com/train@sha256:7d2a9c4e1b0f8e6d5c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d"
      digest: "sha256:7d2a9c4e1b0f8e6d5c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d"
      pinned: true
      scanned: true
    code: {repo: "git@github.com:example/churn.git", commit: 4e1f2a9}
    logging: {enabled: true, destination: cloudwatch, retention_days: 400, immutable: true}

transfers: []
suppliers: []
cloud_services: []
"#;

/// A JSON report with no findings: the baseline accepts nothing until it is regenerated.
const BASELINE: &str = r#"{
  "annexa": "{VERSION}",
  "results": []
}
"#;

const WORKFLOW: &str = r#"# Runs annexa on every pull request: `annexa check` (annexa.toml says what) through annexa's
# GitHub Action, which uploads the findings to code scanning (annotated on the fact-file lines),
# writes the report to the job summary and fails the job as `annexa check` does; then the
# policies' own tests and lints.
name: annexa

on:
  pull_request:
  push:
    branches: [main]

permissions:
  contents: read
  security-events: write # upload SARIF to code scanning

jobs:
  annexa:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4

      - name: annexa check
        uses: {REPOSITORY}@v{VERSION}
        with:
          sarif: auto

      # the action put annexa on the PATH
      - name: annexa test and lint
        if: success() || failure()
        run: |
          annexa test
          annexa lint
          annexa fmt --check
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_action_is_named_by_its_github_path() {
        assert_eq!(
            github_path("https://github.com/annexa-dev/annexa").as_deref(),
            Some("annexa-dev/annexa")
        );
        assert_eq!(
            github_path("https://github.com/o/n.git/").as_deref(),
            Some("o/n")
        );
        assert_eq!(github_path("https://gitlab.com/o/n"), None);
        assert_eq!(github_path(""), None);
        assert_eq!(github_path("https://github.com/o/n/x"), None);
    }

    #[test]
    fn the_starter_names_no_placeholder() {
        for (path, text) in files("2026-01-31") {
            assert!(!text.contains("{TODAY}"), "{path}");
            assert!(!text.contains("{VERSION}"), "{path}");
            assert!(!text.contains("{REPOSITORY}"), "{path}");
            assert!(!text.contains("OWNER"), "{path}");
        }
        assert_eq!(today().len(), 10);
    }
}
