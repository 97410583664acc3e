//! `annexa.toml` and `annexa init`: discovery, precedence of the command line, diagnostics,
//! limits, and a starter project that checks and tests green.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;
use common::*;

use std::path::{Path, PathBuf};

/// A fresh, empty folder under the system temp folder (no annexa.toml above it).
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("annexa-config-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A small project (`tests/fixtures/config/starter-v1`: three rules of `starter.pipeline`, three
/// tests, facts that pass them), with its annexa.toml replaced by `toml`. A fixture rather than
/// `annexa init`, so that the starter can change without changing what these tests mean
/// (`tests/init_starter.rs` walks the starter itself).
fn project(name: &str, toml: Option<&str>) -> PathBuf {
    let dir = temp_dir(name);
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/starter-v1");
    for file in [
        "annexa.toml",
        "policies/example.policy",
        "facts/pipeline.yaml",
    ] {
        let text = std::fs::read_to_string(fixture.join(file)).expect("fixture");
        write(&dir, file, &text);
    }
    if let Some(toml) = toml {
        std::fs::write(dir.join("annexa.toml"), toml).expect("write annexa.toml");
    }
    dir
}

/// Facts that fail `data_stays_in_region` (medium) of the starter policy.
const OUT_OF_REGION: &str =
    "datasets:\n  - name: logs\n    kind: evaluation\n    region: us-east-1\n    owner: ops\n";

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

#[test]
fn init_refuses_a_folder_that_is_not_empty_unless_forced() {
    let dir = temp_dir("init-busy");
    write(&dir, "notes.txt", "mine");
    let out = annexa_in(&dir, &["init"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`notes.txt` is in the way"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("annexa.toml").exists());
    let forced = annexa_in(&dir, &["init", "--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    assert!(dir.join("annexa.toml").is_file());
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
        "mine"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_command_line_wins_over_the_file() {
    let dir = project(
        "precedence",
        Some(
            "policies = [\"policies/\"]\nfacts = [\"facts/\"]\nfail-on = \"high\"\nformat = \"json\"\n\
             [params]\nallowed_regions = [\"eu-west-1\"]\n",
        ),
    );
    write(&dir, "facts/pipeline.yaml", OUT_OF_REGION);
    // the file: json, and a medium failure is below fail-on high
    let out = annexa_in(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    assert_eq!(report["summary"]["failed"], 1);
    // flags win: --fail-on and --format
    let out = annexa_in(&dir, &["check", "--fail-on", "medium", "--format", "human"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("FAIL"), "{}", stdout(&out));
    // --param wins over [params]
    let out = annexa_in(
        &dir,
        &[
            "check",
            "--fail-on",
            "low",
            "--param",
            "allowed_regions=[\"us-east-1\"]",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // FACTS and -p win over `facts` and `policies`
    write(&dir, "other/ok.yaml", "datasets: []\n");
    let out = annexa_in(&dir, &["check", "other/ok.yaml", "--fail-on", "low"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // --no-config: the built-in pack, human format
    let out = annexa_in(&dir, &["check", "facts/", "--no-config"]);
    assert!(
        !stdout(&out).contains("starter.pipeline"),
        "{}",
        stdout(&out)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn params_of_the_file_apply_and_must_name_a_param() {
    let dir = project("params", None);
    write(&dir, "facts/pipeline.yaml", OUT_OF_REGION);
    let out = annexa_in(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    write(
        &dir,
        "annexa.toml",
        "policies = [\"policies/\"]\nfacts = [\"facts/\"]\n[params]\n\"starter.pipeline.allowed_regions\" = [\"us-east-1\"]\n",
    );
    let out = annexa_in(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    write(
        &dir,
        "annexa.toml",
        "policies = [\"policies/\"]\nfacts = [\"facts/\"]\n[params]\nallowed_region = [\"us-east-1\"]\n",
    );
    let out = annexa_in(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("annexa.toml:4:1"), "{err}");
    assert!(err.contains("allowed_regions"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unknown_key_is_a_diagnostic_with_a_suggestion() {
    let out = annexa_in(Path::new("tests/fixtures/config/unknown_key"), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("annexa::config::unknown_key"), "{err}");
    assert!(err.contains("unknown key `fail_on`"), "{err}");
    assert!(err.contains("annexa.toml:2:1"), "{err}");
    assert!(err.contains("did you mean `fail-on`?"), "{err}");
    // lint reads the same file, and fails the same way
    let out = annexa_in(Path::new("tests/fixtures/config/unknown_key"), &["lint"]);
    assert_eq!(out.status.code(), Some(2));
    // unless told to ignore it
    let out = annexa_in(
        Path::new("tests/fixtures/config/unknown_key"),
        &[
            "check",
            "../deep.json",
            "--no-config",
            "-p",
            "../nested/project/policies",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn a_bad_value_points_into_the_file() {
    let dir = project(
        "bad-value",
        Some("fail-on = \"severe\"\n[limits]\nrule-steps = -1\n"),
    );
    let out = annexa_in(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("`severe` is not a severity"), "{err}");
    assert!(err.contains("annexa.toml:1:11"), "{err}");
    assert!(err.contains("not a positive whole number"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_config_in_a_parent_folder_is_found() {
    let sub = Path::new("tests/fixtures/config/nested/project/sub");
    let out = annexa_in(sub, &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    assert_eq!(
        report["results"][0]["rule"],
        "nested.demo.every_dataset_owned"
    );
    // paths of the file resolve against its folder, and are reported from the working directory
    assert_eq!(
        report["results"][0]["violations"][0]["document"],
        "../facts/pipeline.yaml"
    );
    // --config names one explicitly
    let out = annexa(&[
        "check",
        "--config",
        "tests/fixtures/config/nested/project/annexa.toml",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("tests/fixtures/config/nested/project/facts/pipeline.yaml"));
}

#[test]
fn limits_apply_to_facts_and_rules() {
    let dir = project(
        "limits",
        Some("policies = [\"policies/\"]\n[limits]\nfact-depth = 3\n"),
    );
    std::fs::copy("tests/fixtures/config/deep.json", dir.join("deep.json")).unwrap();
    let out = annexa_in(&dir, &["check", "deep.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("deep.json"), "{}", stderr(&out));
    // explain reads facts with the same limits as check
    let out = annexa_in(
        &dir,
        &[
            "explain",
            "data_stays_in_region",
            "deep.json",
            "-p",
            "policies",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("deep.json"), "{}", stderr(&out));
    // without the limit the same file is judged
    let out = annexa_in(
        &dir,
        &["check", "deep.json", "--no-config", "-p", "policies"],
    );
    assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));

    write(
        &dir,
        "annexa.toml",
        "policies = [\"policies/\"]\nfacts = [\"facts/\"]\n[limits]\nrule-steps = 1\n",
    );
    let out = annexa_in(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("ERROR"), "{}", stdout(&out));

    write(
        &dir,
        "annexa.toml",
        "facts = [\"facts/\"]\n[limits]\nfact-file-bytes = 10\n",
    );
    let out = annexa_in(&dir, &["check", "-p", "policies"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));

    // a message that renders a whole list is cut at `message-length` characters
    write(
        &dir,
        "policies/long.policy",
        "rule long_message {\n  controls A.5.9\n  require false else \"all: {facts}\"\n}\n",
    );
    write(
        &dir,
        "annexa.toml",
        "facts = [\"facts/\"]\n[limits]\nmessage-length = 12\n",
    );
    let out = annexa_in(
        &dir,
        &["check", "-p", "policies/long.policy", "--format", "json"],
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let message = report["results"][0]["violations"][0]["message"]
        .as_str()
        .unwrap();
    assert_eq!(message.chars().count(), 13, "{message}");
    assert!(
        message.starts_with("all: {") && message.ends_with('…'),
        "{message}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn exclude_skips_fact_paths_in_folders() {
    let dir = project(
        "exclude",
        Some("policies = [\"policies/\"]\nfacts = [\"facts/\"]\nexclude = [\"fixtures/**\"]\n"),
    );
    write(&dir, "facts/fixtures/bad.yaml", OUT_OF_REGION);
    let out = annexa_in(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = annexa_in(&dir, &["check", "--no-config", "facts/", "-p", "policies/"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn lint_levels_come_from_the_file_and_flags_win() {
    let dir = project("lint", None);
    write(
        &dir,
        "policies/extra.policy",
        "policy extra\nlet unused = 1\nrule r {\n  controls A.5.9\n  require true\n}\n",
    );
    let out = annexa_in(&dir, &["lint"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("missing_remediation"),
        "{}",
        stderr(&out)
    );
    write(
        &dir,
        "annexa.toml",
        "policies = [\"policies/\"]\n[lint]\nallow = [\"missing_remediation\", \"unused_let\"]\n",
    );
    let out = annexa_in(&dir, &["lint"]);
    let err = stderr(&out);
    assert!(
        !err.contains("missing_remediation") && !err.contains("unused_let"),
        "{err}"
    );
    // --deny on the command line wins over allow in the file
    let out = annexa_in(&dir, &["lint", "--deny", "unused_let"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("unused_let"), "{}", stderr(&out));
    write(&dir, "annexa.toml", "[lint]\ndeny = [\"unused_lett\"]\n");
    let out = annexa_in(&dir, &["lint"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `unused_let`?"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn test_takes_the_policies_of_the_file_from_any_subfolder() {
    let dir = project("test-policies", None);
    let sub = dir.join("facts");
    let out = annexa_in(&sub, &["test"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("3 passed, 0 failed"), "{text}");
    // --no-config looks in the working folder only, which holds no policy
    let bare = annexa_in(&sub, &["test", "--no-config"]);
    assert_eq!(bare.status.code(), Some(2));
    assert!(
        stderr(&bare).contains("holds no `.policy` file"),
        "{}",
        stderr(&bare)
    );
}
