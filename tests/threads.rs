//! `--jobs` / `ANNEXA_JOBS`: documents evaluated on several threads give the same report, byte
//! for byte, as one thread, and a bad thread count is a usage error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{NOW, annexa, assert_exit, rule_result, scratch, stderr};

fn with_env(args: &[&str], jobs: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_annexa"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("ANNEXA_JOBS", jobs)
        .output()
        .expect("the binary runs")
}

/// A policy with violations, evidence gaps, an error on some documents and a `when` chain, so
/// every part of a rule's result is merged from many documents.
const POLICY: &str = r#"policy threads
rule owned {
  controls A.5.9
  for d in datasets {
    require d.owner != "" else "{d.name} has no owner"
  }
}
rule encrypted {
  controls A.8.24
  when owned
  for d in datasets[.kind == "training"] {
    require d.encrypted == true else "{d.name} is not encrypted"
  }
}
rule joined {
  controls A.5.14
  for t in transfers {
    let src = datasets[.name == t.from]
    require count(src) > 0 else "{t.id} reads an unknown dataset"
  }
}
rule divides {
  controls A.8.9
  for d in datasets {
    require 10 / d.shards > 1 else "{d.name}"
  }
}
"#;

/// 60 fact files whose verdicts differ from file to file.
fn facts(dir: &Path) {
    std::fs::write(dir.join("p.policy"), POLICY).unwrap();
    let facts = dir.join("facts");
    std::fs::create_dir_all(&facts).unwrap();
    for i in 0..60 {
        let datasets: Vec<serde_json::Value> = (0..12)
            .map(|j| {
                let mut d = serde_json::json!({
                    "name": format!("ds-{i}-{j}"),
                    "kind": if j % 3 == 0 { "training" } else { "eval" },
                    "encrypted": (i + j) % 5 != 0,
                    "shards": (i * j) % 4,
                });
                // some names are missing (an evidence gap of the join), some owners too (a
                // violation: a missing fact never passes), some are empty (a violation)
                if (i + j) % 13 == 5 {
                    d.as_object_mut().unwrap().remove("name");
                }
                if (i + j) % 7 != 0 {
                    d["owner"] = serde_json::json!(if (i * j) % 11 == 1 { "" } else { "team" });
                }
                d
            })
            .collect();
        let transfers: Vec<serde_json::Value> = (0..10)
            .map(|j| serde_json::json!({"id": format!("t-{i}-{j}"), "from": format!("ds-{i}-{}", j * 2)}))
            .collect();
        let doc = serde_json::json!({"datasets": datasets, "transfers": transfers});
        std::fs::write(
            facts.join(format!("f{i:02}.json")),
            serde_json::to_vec_pretty(&doc).unwrap(),
        )
        .unwrap();
    }
}

fn check(dir: &Path, format: &str, jobs: &str) -> Output {
    check_facts(dir, &dir.join("facts"), format, jobs)
}

/// `check` of `facts` (a folder or one file) with the policy of `dir`.
fn check_facts(dir: &Path, facts: &Path, format: &str, jobs: &str) -> Output {
    check_with(dir, facts, &[], format, jobs)
}

/// [`check_facts`] with more arguments.
fn check_with(dir: &Path, facts: &Path, more: &[&str], format: &str, jobs: &str) -> Output {
    let policy = dir.join("p.policy");
    let mut args = vec![
        "check",
        facts.to_str().unwrap(),
        "-p",
        policy.to_str().unwrap(),
        "--now",
        NOW,
        "--format",
        format,
        "--jobs",
        jobs,
    ];
    args.extend_from_slice(more);
    annexa(&args)
}

#[test]
fn any_thread_count_gives_the_bytes_of_one_thread() {
    let dir = scratch("threads", "same_bytes");
    facts(&dir);
    for format in ["json", "human", "sarif", "junit"] {
        let one = check(&dir, format, "1");
        assert_exit(&one, 1);
        for jobs in ["2", "3", "8", "0"] {
            let many = check(&dir, format, jobs);
            assert_exit(&many, 1);
            assert_eq!(
                one.stdout, many.stdout,
                "--format {format} --jobs {jobs} differs from --jobs 1"
            );
        }
    }
    // the report is not trivially the same: every kind of result is in it
    let report: serde_json::Value =
        serde_json::from_slice(&check(&dir, "json", "4").stdout).unwrap();
    let status = |rule: &str| {
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == rule)
            .map(|r| {
                (
                    r["status"].clone(),
                    r["violations"].as_array().unwrap().len(),
                )
            })
            .unwrap()
    };
    assert_eq!(status("threads.owned").0, "fail");
    assert!(status("threads.owned").1 > 10);
    assert_eq!(status("threads.divides").0, "error");
    assert_eq!(status("threads.joined").0, "fail");
    assert!(status("threads.joined").1 >= 60 * 4);
    assert!(
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| !r["evidence_gaps"].as_array().unwrap().is_empty()),
        "some rule has evidence gaps"
    );
}

#[test]
fn one_document_shares_its_rules_among_threads_and_gives_the_bytes_of_one_thread() {
    let dir = scratch("threads", "one_document");
    facts(&dir);
    // one fact file: the threads take rules, not documents (`encrypted` waits for `owned`)
    let file = dir.join("facts").join("f07.json");
    let run = |format: &str, jobs: &str| check_facts(&dir, &file, format, jobs);
    for format in ["json", "human", "sarif", "junit"] {
        let one = run(format, "1");
        assert_exit(&one, 1);
        for jobs in ["2", "3", "8"] {
            let many = run(format, jobs);
            assert_exit(&many, 1);
            assert_eq!(
                one.stdout, many.stdout,
                "--format {format} --jobs {jobs} differs from --jobs 1 on one document"
            );
        }
    }
    let report: serde_json::Value = serde_json::from_slice(&run("json", "2").stdout).unwrap();
    let statuses: Vec<(&str, &str)> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["rule"].as_str().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    // `owned` fails on this file, so `encrypted` is skipped: the wave after it saw the status
    assert!(
        statuses.contains(&("threads.owned", "fail")),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("threads.encrypted", "skip")),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("threads.divides", "error")),
        "{statuses:?}"
    );
}

#[test]
fn the_built_in_packs_on_the_real_corpus_give_the_same_bytes_threaded() {
    let args = |jobs: &'static str| {
        vec![
            "check",
            "tests/corpus/real",
            "examples/repo",
            "--now",
            NOW,
            "--format",
            "json",
            "--jobs",
            jobs,
        ]
    };
    let one = annexa(&args("1"));
    assert_exit(&one, 1);
    let many = annexa(&args("4"));
    assert_eq!(one.stdout, many.stdout);
    assert_eq!(one.status.code(), many.status.code());
}

#[test]
fn annexa_jobs_sets_the_thread_count_and_a_bad_one_is_a_usage_error() {
    let dir = scratch("threads", "env");
    facts(&dir);
    let policy = dir.join("p.policy");
    let facts = dir.join("facts");
    let args = [
        "check",
        facts.to_str().unwrap(),
        "-p",
        policy.to_str().unwrap(),
        "--now",
        NOW,
        "--format",
        "json",
    ];
    let one = check(&dir, "json", "1");
    let env = with_env(&args, "3");
    assert_exit(&env, 1);
    assert_eq!(one.stdout, env.stdout);

    let bad = with_env(&args, "many");
    assert_exit(&bad, 2);
    assert!(
        stderr(&bad).contains("ANNEXA_JOBS is `many`, not a thread count"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn missing_facts_never_pass_on_many_threads() {
    let dir = scratch("threads", "fail_closed");
    std::fs::write(
        dir.join("p.policy"),
        "rule r { controls A.8.24 for d in datasets { require d.encrypted == true } }",
    )
    .unwrap();
    let facts = dir.join("facts");
    std::fs::create_dir_all(&facts).unwrap();
    for i in 0..20 {
        // one file in twenty lacks the field: the run must not pass
        let d = if i == 13 {
            serde_json::json!({"datasets": [{"name": "x"}]})
        } else {
            serde_json::json!({"datasets": [{"name": "x", "encrypted": true}]})
        };
        std::fs::write(facts.join(format!("f{i:02}.json")), d.to_string()).unwrap();
    }
    let out = annexa(&[
        "check",
        facts.to_str().unwrap(),
        "-p",
        dir.join("p.policy").to_str().unwrap(),
        "--jobs",
        "4",
        "--format",
        "json",
    ]);
    assert_exit(&out, 1);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["results"][0]["status"], "fail");
    let violations = report["results"][0]["violations"].as_array().unwrap();
    assert_eq!(violations.len(), 1);
    assert!(
        violations[0].to_string().contains("f13.json"),
        "{violations:?}"
    );
}

/// One fact file with loops long enough to be shared among threads (`for d in datasets` over
/// 2,600 elements goes in shares of its elements).
fn large_document(dir: &Path) -> std::path::PathBuf {
    std::fs::write(dir.join("p.policy"), POLICY).unwrap();
    let datasets: Vec<serde_json::Value> = (0..2600)
        .map(|j| {
            let mut d = serde_json::json!({
                "name": format!("ds-{j}"),
                "kind": if j % 3 == 0 { "training" } else { "eval" },
                "encrypted": j % 5 != 0,
                // one dataset in the last share divides by zero: `divides` is in error
                "shards": if j == 2500 { 0 } else { 1 + j % 4 },
            });
            // two nameless datasets: a gap of the join on every transfer
            if j == 5 || j == 1800 {
                d.as_object_mut().unwrap().remove("name");
            }
            if j % 7 != 0 {
                d["owner"] = serde_json::json!(if j % 11 == 1 { "" } else { "team" });
            }
            d
        })
        .collect();
    let transfers: Vec<serde_json::Value> = (0..2200)
        .map(|j| serde_json::json!({"id": format!("t-{j}"), "from": format!("ds-{}", j * 2)}))
        .collect();
    let file = dir.join("large.json");
    let doc = serde_json::json!({"datasets": datasets, "transfers": transfers});
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    file
}

#[test]
fn a_long_loop_shared_among_threads_gives_the_bytes_of_one_thread() {
    let dir = scratch("threads", "shared_loop");
    let file = large_document(&dir);
    for format in ["json", "sarif"] {
        let one = check_facts(&dir, &file, format, "1");
        assert_exit(&one, 1);
        for jobs in ["2", "3", "8"] {
            let many = check_facts(&dir, &file, format, jobs);
            assert_exit(&many, 1);
            assert_eq!(
                one.stdout, many.stdout,
                "--format {format} --jobs {jobs} differs from --jobs 1 on a long loop"
            );
        }
    }
    let report: serde_json::Value =
        serde_json::from_slice(&check_facts(&dir, &file, "json", "2").stdout).unwrap();
    let result = |rule: &str| rule_result(&report, rule).clone();
    // violations from every share, in document order; a gap for each nameless dataset the
    // join could not decide; the error of one share is the rule's, as on one thread
    let owned = result("threads.owned");
    assert_eq!(owned["status"], "fail");
    let paths: Vec<&str> = owned["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["subject"].as_str().unwrap())
        .collect();
    assert!(paths.len() > 400, "{}", paths.len());
    assert_eq!(paths.first(), Some(&"/datasets/0"));
    assert_eq!(result("threads.joined")["status"], "fail");
    assert!(
        !result("threads.joined")["evidence_gaps"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let divides = result("threads.divides");
    assert_eq!(divides["status"], "error");
    assert!(
        divides["error"].as_str().unwrap().contains("zero"),
        "{divides}"
    );
}

#[test]
fn shares_that_break_a_rule_step_limit_together_give_the_one_thread_error() {
    let dir = scratch("threads", "shared_limit");
    let file = large_document(&dir);
    let config = dir.join("annexa.toml");
    let run = |steps: u64, jobs: &str| {
        std::fs::write(&config, format!("[limits]\nrule-steps = {steps}\n")).unwrap();
        check_with(
            &dir,
            &file,
            &["--config", config.to_str().unwrap()],
            "json",
            jobs,
        )
    };
    // a limit that `owned` on all 2,600 datasets breaks, but any one share of them does not
    let owned_status = |out: &Output| {
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        rule_result(&report, "threads.owned")["status"].clone()
    };
    let one = run(8_000, "1");
    assert_eq!(owned_status(&one), "error", "{}", stderr(&one));
    assert!(String::from_utf8_lossy(&one.stdout).contains("exceeded 8000 steps"));
    for jobs in ["2", "8"] {
        let many = run(8_000, jobs);
        assert_eq!(one.stdout, many.stdout, "--jobs {jobs}");
    }
}
