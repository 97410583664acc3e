//! Function calls remembered per document give what computing them again gives: the same
//! evidence gaps in every rule that calls them, the same rule-step charge (a rule over its
//! limit fails at the same expression, inside the function), the same bytes on any number of
//! threads.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::path::Path;

use common::{NOW, annexa, assert_exit, rule_result as result, scratch};

const POLICY: &str = r#"policy calls
fn owners_known(d) = all x in d.datasets: x.kind != "none"
fn typed(d) = count(d.datasets[.owner == "t"])
rule a_once {
  controls A.5.9
  require owners_known(facts)
}
rule b_twice {
  controls A.5.9
  require not owners_known(facts) or owners_known(facts)
}
rule c_gaps {
  controls A.5.9
  require typed(facts) >= 0
}
rule d_gaps_again {
  controls A.5.9
  require typed(facts) >= 0
}
"#;

fn setup(dir: &Path, steps: u64) {
    std::fs::write(dir.join("p.policy"), POLICY).unwrap();
    std::fs::write(
        dir.join("annexa.toml"),
        format!("[limits]\nrule-steps = {steps}\n"),
    )
    .unwrap();
    // every seventh dataset has no owner: the filter of `typed` cannot decide for those
    let datasets: Vec<serde_json::Value> = (0..100)
        .map(|i| {
            let mut d = serde_json::json!({"name": format!("d{i}"), "kind": "training"});
            if i % 7 != 0 {
                d["owner"] = serde_json::json!("t");
            }
            d
        })
        .collect();
    std::fs::write(
        dir.join("f.json"),
        serde_json::to_vec(&serde_json::json!({ "datasets": datasets })).unwrap(),
    )
    .unwrap();
}

fn check(dir: &Path, jobs: &str) -> std::process::Output {
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let (facts, policy, config) = (path("f.json"), path("p.policy"), path("annexa.toml"));
    annexa(&[
        "check", &facts, "-p", &policy, "--config", &config, "--now", NOW, "--format", "json",
        "--jobs", jobs,
    ])
}

#[test]
fn a_remembered_call_replays_its_gaps_and_its_cost() {
    let dir = scratch("calls", "replay");
    // one call of `owners_known` fits the limit, two do not
    setup(&dir, 450);
    let one = check(&dir, "1");
    assert_exit(&one, 1);
    let report: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(result(&report, "calls.a_once")["status"], "pass");
    let twice = result(&report, "calls.b_twice");
    assert_eq!(twice["status"], "error", "{twice}");
    // the error is where a cold computation stops: inside the function, not at the call
    let error = twice["error"].as_str().unwrap();
    assert!(error.contains("exceeded 450 steps"), "{error}");
    assert!(error.contains("p.policy:2:"), "{error}");
    // both rules that call `typed` have its gaps, the same ones
    let gaps = |rule: &str| result(&report, rule)["evidence_gaps"].clone();
    assert_eq!(gaps("calls.c_gaps").as_array().unwrap().len(), 15);
    assert_eq!(gaps("calls.c_gaps"), gaps("calls.d_gaps_again"));
    for rule in ["calls.c_gaps", "calls.d_gaps_again"] {
        assert_eq!(result(&report, rule)["status"], "incomplete", "{rule}");
    }
    // rules on other threads compute the calls themselves: the same bytes
    for jobs in ["2", "3", "4"] {
        let many = check(&dir, jobs);
        assert_eq!(one.stdout, many.stdout, "--jobs {jobs}");
    }
}
