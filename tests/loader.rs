//! The loader on real-world shapes, through the binary: CloudFormation short forms, merge keys,
//! Kubernetes octal modes, documents inside strings, encodings, file names, repository walks.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};

use common::{NOW, annexa, annexa_in, stderr, stdout};
use serde_json::Value;

const DIR: &str = "tests/fixtures/loader";

fn json_report(args: &[&str]) -> (Value, i32, String) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    all.extend(["--format", "json", "--now", NOW]);
    let out = annexa(&all);
    let report = serde_json::from_str(&stdout(&out)).unwrap_or(Value::Null);
    (report, out.status.code().unwrap(), stderr(&out))
}

/// (message, reason, path, line, column) of every violation of the run.
fn violations(report: &Value) -> Vec<(String, String, String, u64, u64)> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["violations"].as_array().unwrap().clone())
        .map(|v| {
            (
                v["message"].as_str().unwrap().to_string(),
                v["reason"].as_str().unwrap().to_string(),
                v["path"].as_str().unwrap().to_string(),
                v["line"].as_u64().unwrap(),
                v["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn fixture(name: &str) -> String {
    format!("{DIR}/{name}")
}

#[test]
fn one_rule_covers_cloudformation_in_yaml_and_json() {
    let policy = fixture("cfn.policy");
    let (yaml, code, err) = json_report(&[&fixture("cfn.yaml"), "-p", &policy]);
    assert_eq!(code, 1, "{err}");
    let (json, code, err) = json_report(&[&fixture("cfn.json"), "-p", &policy]);
    assert_eq!(code, 1, "{err}");
    let yaml = violations(&yaml);
    let json = violations(&json);
    // only `Bad` fails, and on the same fact; `!Ref AWS::NoValue` left `Gone` out
    assert_eq!(yaml.len(), 1, "{yaml:?}");
    assert_eq!(json.len(), 1, "{json:?}");
    assert_eq!(yaml[0].2, "/Resources/Bad/Properties/KmsKey/Fn::GetAtt/0");
    assert_eq!(yaml[0].2, json[0].2);
    // the YAML violation points at the tagged text
    assert_eq!((yaml[0].3, yaml[0].4), (11, 24));
}

#[test]
fn kubernetes_modes_are_octal() {
    let (report, code, err) = json_report(&[&fixture("pod.yaml"), "-p", &fixture("k8s.policy")]);
    assert_eq!(code, 1, "{err}");
    let v = violations(&report);
    assert_eq!(
        v,
        [(
            "volume open mounts its secret with mode 511".to_string(),
            "failed".to_string(),
            "/spec/volumes/1/secret/defaultMode".to_string(),
            9,
            31
        )]
    );
}

#[test]
fn compose_merge_keys_bring_the_image() {
    let (report, code, err) = json_report(&[
        &fixture("docker-compose.yml"),
        "-p",
        &fixture("compose.policy"),
    ]);
    assert_eq!(code, 1, "{err}");
    let v = violations(&report);
    // `web` merges the unpinned image; `worker` sets its own, which wins
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].0, "service image python:3.11 is not pinned");
    // a check on a function of one fact points at that fact: the merged-in image
    assert_eq!(v[0].2, "/services/web/image");
}

#[test]
fn documents_inside_strings_are_checked_and_located() {
    let (report, code, err) =
        json_report(&[&fixture("plan.json"), "-p", &fixture("embedded.policy")]);
    assert_eq!(code, 1, "{err}");
    let v = violations(&report);
    assert_eq!(v.len(), 3, "{v:?}");
    // inside the IAM policy string: the string's line, the pointer continued inside it
    assert_eq!(
        v[0].0,
        "bucket policy of aws_s3_bucket_policy.open allows everyone"
    );
    assert_eq!(
        v[0].2,
        "/resource_changes/1/change/after/policy/Statement/0/Principal"
    );
    assert_eq!(v[0].3, 6);
    // a string that is not JSON fails closed: missing
    assert_eq!(
        v[1].0,
        "bucket policy of aws_s3_bucket_policy.broken allows everyone"
    );
    assert_eq!(v[1].1, "missing");
    // YAML inside base64 inside JSON
    assert_eq!(v[2].0, "secret bad turns TLS off");
    assert_eq!(v[2].2, "/secrets/1/data/tls");
    assert_eq!(v[2].3, 12);
}

#[test]
fn tag_gives_the_tag_as_written() {
    let dir = scratch("tag");
    let policy = "policy t\nrule tags {\n  controls A.5.9\n  severity low\n\
        require tag(a) == \"!secret\" else \"a: {tag(a)}\"\n\
        require tag(b) == null else \"b: {tag(b)}\"\n\
        require tag(c) == \"!Ref\" else \"c: {tag(c)}\"\n\
        require c.Ref == \"Role\" else \"c.Ref\"\n\
        require tag(missing) == null else \"missing\"\n}\n";
    write(&dir, "t.policy", policy.as_bytes());
    write(&dir, "f.yaml", b"a: !secret pw\nb: plain\nc: !Ref Role\n");
    let out = annexa_in(
        &dir,
        &["check", "f.yaml", "-p", "t.policy", "--format", "json"],
    );
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let v = violations(&report);
    // only the missing fact fails (missing, not null): every tag read as written
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!((v[0].0.as_str(), v[0].1.as_str()), ("missing", "missing"));
    // JSON has no tags
    write(
        &dir,
        "f.json",
        br#"{"a": "pw", "b": "plain", "c": {"Ref": "Role"}}"#,
    );
    let out = annexa_in(
        &dir,
        &["check", "f.json", "-p", "t.policy", "--format", "json"],
    );
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let messages: Vec<String> = violations(&report).into_iter().map(|v| v.0).collect();
    assert_eq!(messages, ["a: null", "c: null", "missing"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A scratch folder, removed first if a previous run left it.
fn scratch(name: &str) -> PathBuf {
    common::scratch("loader", name)
}

fn write(dir: &Path, name: &str, text: &[u8]) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const OWNER_POLICY: &str = "policy w\nrule owned {\n  controls A.5.9\n  severity low\n  require owner != null else \"no owner\"\n}\n";

#[test]
fn utf16_and_crlf_keep_positions() {
    let dir = scratch("utf16");
    write(&dir, "p.policy", OWNER_POLICY.as_bytes());
    let text = "# comment\r\nname: x\r\nowner: null\r\n";
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let mut be = vec![0xFE, 0xFF];
    be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    write(&dir, "le.yaml", &le);
    write(&dir, "be.yaml", &be);
    write(&dir, "crlf.yaml", text.as_bytes());
    for file in ["le.yaml", "be.yaml", "crlf.yaml"] {
        let out = annexa_in(&dir, &["check", file, "-p", "p.policy", "--format", "json"]);
        assert_eq!(out.status.code(), Some(1), "{file}: {}", stderr(&out));
        let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
        let v = &report["results"][0]["violations"][0];
        assert_eq!(
            (v["line"].as_u64(), v["column"].as_u64()),
            (Some(3), Some(1)),
            "{file}"
        );
        assert_eq!(v["path"], "/owner", "{file}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn walks_report_unreadable_files_and_go_on() {
    let dir = scratch("walk");
    write(&dir, "p.policy", OWNER_POLICY.as_bytes());
    write(&dir, "repo/ok.yaml", b"owner: me\n");
    write(&dir, "repo/broken.yaml", b"a: {{ .Values.x }}\n");
    write(
        &dir,
        "repo/chart/Chart.yaml",
        b"apiVersion: v2\nowner: me\n",
    );
    write(
        &dir,
        "repo/chart/templates/deploy.yaml",
        b"{{- if .Values.on }}\nkind: x\n",
    );
    write(&dir, "repo/mlflow/MLmodel", b"owner: null\nflavors: {}\n");
    write(&dir, "repo/ignored/x.yaml", b"owner: null\n");
    write(&dir, "repo/.gitignore", b"ignored/\n");
    #[cfg(unix)]
    {
        write(&dir, "outside/secret.yaml", b"owner: null\n");
        std::os::unix::fs::symlink(dir.join("outside"), dir.join("repo/linked")).unwrap();
    }
    let out = annexa_in(
        &dir,
        &["check", "repo", "-p", "p.policy", "--format", "json"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        report["unreadable"].as_array().unwrap().len(),
        1,
        "{report}"
    );
    assert_eq!(report["unreadable"][0]["file"], "repo/broken.yaml");
    assert!(
        report["unreadable"][0]["message"]
            .as_str()
            .unwrap()
            .contains("(line 1, column 5)"),
        "{report}"
    );
    assert!(
        err.contains("`repo/broken.yaml` could not be read as JSON or YAML and was skipped"),
        "{err}"
    );
    assert!(
        err.contains("repo/chart/templates: Helm templates (beside Chart.yaml) were skipped"),
        "{err}"
    );
    // MLmodel is read; the ignored folder and the link out of the repository are not
    let files: Vec<&str> = report["results"][0]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["document"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["repo/mlflow/MLmodel"]);

    let human = annexa_in(&dir, &["check", "repo", "-p", "p.policy"]);
    assert!(
        stdout(&human).contains("UNREADABLE repo/broken.yaml  invalid YAML in `repo/broken.yaml`"),
        "{}",
        stdout(&human)
    );
    let sarif = annexa_in(
        &dir,
        &["check", "repo", "-p", "p.policy", "--format", "sarif"],
    );
    let sarif: Value = serde_json::from_str(&stdout(&sarif)).unwrap();
    let notes = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notes[0]["level"], "warning", "{sarif}");
    assert!(
        notes[0]["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("repo/broken.yaml was skipped")
    );

    let github = annexa_in(
        &dir,
        &["check", "repo", "-p", "p.policy", "--format", "github"],
    );
    assert!(
        stdout(&github).contains(
            "::warning file=repo/broken.yaml,title=annexa (unreadable file)::skipped: invalid YAML"
        ),
        "{}",
        stdout(&github)
    );

    // named explicitly, the same file still stops the run
    let explicit = annexa_in(&dir, &["check", "repo/broken.yaml", "-p", "p.policy"]);
    assert_eq!(explicit.status.code(), Some(2));
    // a folder expanded by --exclude is still a walk: the run goes on
    let excluded = annexa_in(
        &dir,
        &[
            "check",
            "repo",
            "-p",
            "p.policy",
            "--exclude",
            "chart",
            "--format",
            "json",
        ],
    );
    assert_eq!(excluded.status.code(), Some(1), "{}", stderr(&excluded));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ml_tool_files_named_explicitly_are_read() {
    for file in [
        "tests/corpus/real/mlflow/sklearn-1x-cloudpickle.MLmodel",
        "tests/corpus/real/dvc/dvcyaml-schema-pipeline.dvc.lock",
    ] {
        let out = annexa(&["check", file, "-p", &fixture("k8s.policy")]);
        assert_ne!(out.status.code(), Some(2), "{file}: {}", stderr(&out));
    }
}

#[test]
fn every_file_of_the_real_corpus_loads() {
    let (report, code, err) = json_report(&["tests/corpus/real", "-p", &fixture("k8s.policy")]);
    assert_ne!(code, 2, "{err}");
    assert!(report.get("unreadable").is_none(), "{report}");
    // and each on its own, named explicitly
    let mut files = Vec::new();
    let mut pending = vec![PathBuf::from("tests/corpus/real")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.file_name().unwrap() != "SOURCES.md" {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 20, "{files:?}");
    for file in files {
        let name = file.to_string_lossy().into_owned();
        let out = annexa(&["check", &name, "-p", &fixture("k8s.policy")]);
        assert_ne!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
    }
}
