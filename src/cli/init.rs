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

/// The starter files: path relative to the folder, contents.
const FILES: [(&str, &str); 4] = [
    ("annexa.toml", ANNEXA_TOML),
    ("policies/example.policy", EXAMPLE_POLICY),
    ("facts/pipeline.yaml", PIPELINE_FACTS),
    (".github/workflows/annexa.yml", WORKFLOW),
];

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
    if let Some(link) = FILES
        .iter()
        .find_map(|(relative, _)| link_in_the_way(dir, relative))
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
    for (relative, contents) in FILES {
        let path = dir.join(relative);
        if let Err(e) = write(&path, contents) {
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
    outln!("  annexa check    # the policies of annexa.toml against facts/");
    outln!("  annexa test     # the test blocks of the policies");
    outln!("  annexa lint     # every diagnostic and lint finding");
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

const ANNEXA_TOML: &str = r#"# annexa.toml: the defaults of `annexa check` and `annexa lint` for this folder and those below it.
# Options on the command line win. Paths are relative to this file's folder.
# Every key is described in annexa's docs/config.md.

policies = ["policies/"]   # annexa check -p …
facts = ["facts/"]         # annexa check FACTS…
fail-on = "low"            # failing rules at or above this severity fail the run
format = "human"           # human, json, sarif, junit, markdown, github
exclude = []               # fact paths skipped when walking folders, e.g. ["fixtures/**"]
# waivers = "waivers.yaml" # accepted findings, see docs/waivers.md

[params]                   # as --param NAME=JSON; quote qualified names: "starter.pipeline.allowed_regions"
allowed_regions = ["eu-west-1", "eu-central-1"]

[lint]
allow = []                 # lints not reported, e.g. ["missing_remediation"]
deny = []                  # lints reported as errors, e.g. ["unused_let"]

[limits]                   # safe defaults; lower them for untrusted input
# fact-depth = 128         # nesting of arrays and objects in a fact file
# fact-file-bytes = 536870912
# yaml-aliases = 100000    # nodes produced by YAML alias expansion, per file
# rule-steps = 50000000    # evaluation steps of one rule on one document
"#;

const EXAMPLE_POLICY: &str = r#"# A starter policy: edit it, then run `annexa test` and `annexa check`.
# The language is described in annexa's docs/language.md.
policy starter.pipeline "Starter checks for an ML pipeline"

# Overridable in annexa.toml ([params]) or with --param allowed_regions='["eu-west-1"]'.
param allowed_regions = ["eu-west-1", "eu-central-1"]

let training_sets = datasets[.kind == "training"]

rule training_data_encrypted {
  title       "Training data is encrypted at rest"
  controls    A.8.24, A.5.12
  severity    high
  remediation "Enable at-rest encryption on every training dataset."

  for d in training_sets {
    require d.encryption.at_rest.enabled == true
      else "dataset {d.name} is not encrypted at rest"
  }
}

rule data_stays_in_region {
  title       "Datasets are stored in an approved region"
  controls    A.5.34, A.5.14
  severity    medium
  remediation "Move the dataset to an approved region, or approve its region in annexa.toml."

  for d in datasets {
    require d.storage.region in allowed_regions
      else "dataset {d.name} is stored in {d.storage.region}"
  }
}

rule every_dataset_owned {
  title       "Every dataset has an owner"
  controls    A.5.9
  severity    low
  remediation "Name an owner for every dataset."

  require count(datasets[not exists(.owner)]) == 0
    else "{count(datasets[not exists(.owner)])} dataset(s) have no owner"
}

test "an unencrypted training set fails" {
  facts {datasets: [{name: "raw", kind: "training", storage: {region: "eu-west-1"}, owner: "data-team",
                     encryption: {at_rest: {enabled: false}}}]}
  expect training_data_encrypted fail 1
  expect data_stays_in_region pass
  expect control A.8.24 fail
}

test "a dataset outside the allowed regions fails" {
  facts {datasets: [{name: "eval", kind: "validation", storage: {region: "us-east-1"}}]}
  expect data_stays_in_region fail 1
  expect every_dataset_owned fail 1
  expect training_data_encrypted skip
}

test "the example facts pass" {
  facts file "../facts/pipeline.yaml"   # relative to this file
  expect all pass
}
"#;

const PIPELINE_FACTS: &str = r#"# Facts about an ML pipeline, as a generator or a person writes them.
# `annexa check` evaluates the policies against every fact file under facts/.
datasets:
  - name: customer-churn-train
    kind: training
    storage: {region: eu-west-1}
    owner: data-platform
    encryption:
      at_rest:
        enabled: true
        algorithm: AES-256
  - name: customer-churn-eval
    kind: validation
    storage: {region: eu-central-1}
    owner: data-platform
"#;

const WORKFLOW: &str = r#"# Runs annexa on every pull request and uploads the findings to code scanning (SARIF), so
# violations are annotated on the fact-file lines. annexa reads annexa.toml for the policies,
# facts and options.
name: annexa

on:
  pull_request:
  push:
    branches: [main]

permissions:
  contents: read
  security-events: write # upload SARIF to code scanning

env:
  # Where annexa's source is hosted: set this to the annexa repository you use.
  ANNEXA_GIT: https://github.com/OWNER/annexa

jobs:
  annexa:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4

      - name: Install Rust
        uses: dtolnay/rust-toolchain@stable

      - name: Install annexa
        run: cargo install --locked --git "$ANNEXA_GIT" annexa

      - name: annexa test
        run: annexa test

      - name: annexa check (SARIF)
        id: sarif
        # Exit code 1 means findings: keep going so they are uploaded; the last step fails the job.
        run: |
          set +e
          annexa check --format sarif -o annexa.sarif
          echo "code=$?" >> "$GITHUB_OUTPUT"

      - name: Upload SARIF to code scanning
        if: always() && hashFiles('annexa.sarif') != ''
        uses: github/codeql-action/upload-sarif@v3
        with:
          sarif_file: annexa.sarif
          category: annexa

      - name: Job summary (Markdown)
        if: always()
        run: annexa check --format markdown >> "$GITHUB_STEP_SUMMARY" || true

      - name: Fail on findings
        if: steps.sarif.outputs.code != '0'
        run: |
          echo "annexa exited with ${{ steps.sarif.outputs.code }} (1: a rule failed, 2: nothing was judged)"
          exit 1
"#;
