//! v2 "gaps decide": a rule an evidence gap left undecided is `incomplete`, never pass or skip,
//! and fails the run unless `--gaps warn`; missing propagates through literals; every report
//! format carries the status. Each case of the issue is asserted here with its exit code.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use serde_json::Value;

const ISSUE: &str = "tests/fixtures/gaps/issue.policy";
const ISSUE_FACTS: &str = "tests/fixtures/gaps/issue.yaml";
const ONLY: &str = "tests/fixtures/gaps/only_gaps.policy";
const ONLY_FACTS: &str = "tests/fixtures/gaps/only_gaps.yaml";

/// `annexa check` of the only-gaps fixture (fixed clock, no config), then `extra`.
fn check_only(extra: &[&str]) -> std::process::Output {
    let mut args = vec!["check", ONLY_FACTS, "-p", ONLY, "--now", NOW, "--no-config"];
    args.extend_from_slice(extra);
    annexa(&args)
}

fn json_report(args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["check", "--now", NOW, "--format", "json", "--no-config"];
    all.extend_from_slice(args);
    let out = annexa(&all);
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
    (out.status.code(), report)
}

fn result<'r>(report: &'r Value, id: &str) -> &'r Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == id)
        .unwrap_or_else(|| panic!("no rule {id}"))
}

/// The status and exit code of one rule of the issue policy, run alone.
fn alone(rule: &str, extra: &[&str]) -> (String, Option<i32>) {
    let id = format!("gaps.{rule}");
    let mut args = vec![ISSUE_FACTS, "-p", ISSUE, "--rule", &id];
    args.extend_from_slice(extra);
    let (code, report) = json_report(&args);
    (
        result(&report, &id)["status"].as_str().unwrap().to_string(),
        code,
    )
}

#[test]
fn each_case_of_the_issue_has_its_verdict_and_exit_code() {
    for (rule, status) in [
        // a filter on a field the shady broker's dataset lacks
        ("external_suppliers", "incomplete"),
        // `for d in datsets`
        ("misspelt_collection", "incomplete"),
        // literals with a missing element, whatever the order
        ("root_not_in_user", "fail"),
        ("object_literal", "fail"),
        ("count_literal", "fail"),
        ("min_literal", "fail"),
        ("max_literal", "fail"),
    ] {
        assert_eq!(alone(rule, &[]), (status.to_string(), Some(1)), "{rule}");
    }
    // `--gaps warn` reports incomplete rules without failing the run on them
    for rule in ["external_suppliers", "misspelt_collection"] {
        assert_eq!(
            alone(rule, &["--gaps", "warn"]),
            ("incomplete".to_string(), Some(0)),
            "{rule}"
        );
    }
    // ... but a failure still fails
    assert_eq!(
        alone("count_literal", &["--gaps", "warn"]),
        ("fail".to_string(), Some(1))
    );
}

#[test]
fn literal_violations_are_missing_and_name_the_absent_fact() {
    let (_, report) = json_report(&[ISSUE_FACTS, "-p", ISSUE]);
    for (rule, path) in [
        ("gaps.root_not_in_user", "/user/name"),
        ("gaps.object_literal", "/x"),
        ("gaps.count_literal", "/x"),
        ("gaps.min_literal", "/m"),
        ("gaps.max_literal", "/m"),
    ] {
        let v = &result(&report, rule)["violations"][0];
        assert_eq!(v["reason"], "missing", "{rule}");
        assert_eq!(v["path"], path, "{rule}");
    }
}

#[test]
fn the_json_report_counts_incomplete_rules_and_controls() {
    let (code, report) = json_report(&[ISSUE_FACTS, "-p", ISSUE]);
    assert_eq!(code, Some(1));
    let s = &report["summary"];
    assert_eq!(s["incomplete"], 2, "{s}");
    assert_eq!(s["failed"], 7, "{s}");
    assert_eq!(s["passed"], 0, "{s}");
    assert_eq!(s["skipped"], 0, "{s}");
    let keys: Vec<&str> = s.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "rules",
            "passed",
            "failed",
            "incomplete",
            "skipped",
            "waived",
            "errors",
            "violations"
        ]
    );
    let r = result(&report, "gaps.external_suppliers");
    assert_eq!(r["status"], "incomplete");
    assert_eq!(r["skip_reason"], Value::Null);
    let gaps = r["evidence_gaps"].as_array().unwrap();
    let paths: Vec<&str> = gaps.iter().map(|g| g["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        ["/datasets/1/source/type", "/datasets/3/source/type"]
    );
    let control = |id: &str| {
        report["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["status"].clone())
    };
    assert_eq!(control("A.5.19"), Some("incomplete".into()));
    // A.5.9 has a failing rule besides the incomplete one: fail wins
    assert_eq!(control("A.5.9"), Some("fail".into()));
}

#[test]
fn a_computed_check_points_at_the_fact_it_was_computed_from() {
    let (_, report) = json_report(&[ISSUE_FACTS, "-p", ISSUE]);
    let v = &result(&report, "gaps.reviews_current")["violations"][0];
    assert_eq!(v["path"], "/grants/0/last_review");
    assert_eq!(
        (v["line"].as_u64(), v["column"].as_u64()),
        (Some(17), Some(5))
    );
    assert_eq!(v["subject"], "/grants/0");
    let v = &result(&report, "gaps.names_long")["violations"][0];
    assert_eq!(v["path"], "/grants/0/name");
    assert_eq!(v["line"].as_u64(), Some(16));
}

#[test]
fn the_human_report_names_what_is_missing_with_file_and_line() {
    let out = annexa(&[
        "check",
        ISSUE_FACTS,
        "-p",
        ISSUE,
        "--now",
        NOW,
        "--no-config",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains(
            "INCOMPLETE gaps.external_suppliers  high  A.5.19\n       gap 2 of 4 datasets lack \
             `source.type`: tests/fixtures/gaps/issue.yaml:7:5, tests/fixtures/gaps/issue.yaml:13:5\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("`for … in datsets` has nothing to iterate: `/datsets` is missing"),
        "{text}"
    );
    assert!(
        text.ends_with(
            "FAILED: 9 rules: 0 passed, 7 failed, 2 incomplete, 0 skipped, 0 waived, 0 errors; 7 violations\n"
        ),
        "{text}"
    );
    let only = check_only(&[]);
    assert_eq!(only.status.code(), Some(1));
    insta::assert_snapshot!("human_only_gaps", stdout(&only));
}

#[test]
fn fail_on_and_gaps_decide_the_exit_code_together() {
    let run = |extra: &[&str]| check_only(extra).status.code();
    // the incomplete rules are high and low
    assert_eq!(run(&[]), Some(1));
    assert_eq!(run(&["--fail-on", "high"]), Some(1));
    assert_eq!(run(&["--fail-on", "critical"]), Some(0));
    assert_eq!(run(&["--gaps", "warn"]), Some(0));
    assert_eq!(run(&["--gaps", "fail", "--fail-on", "low"]), Some(1));
    assert_eq!(run(&["--gaps", "ignore"]), Some(2));
}

#[test]
fn gaps_in_annexa_toml_is_the_default_and_the_command_line_wins() {
    let dir = std::env::temp_dir().join(format!("annexa-gaps-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let facts = format!("{root}/{ONLY_FACTS}");
    let policy = format!("{root}/{ONLY}");
    let run = |toml: &str, extra: &[&str]| {
        std::fs::write(dir.join("annexa.toml"), toml).unwrap();
        let mut args = vec!["check", facts.as_str(), "-p", policy.as_str(), "--now", NOW];
        args.extend_from_slice(extra);
        annexa_in(&dir, &args)
    };
    let warn = run("gaps = \"warn\"\n", &[]);
    assert_eq!(warn.status.code(), Some(0), "{}", stderr(&warn));
    assert!(stdout(&warn).contains("INCOMPLETE gaps.external_suppliers"));
    assert_eq!(
        run("gaps = \"warn\"\n", &["--gaps", "fail"]).status.code(),
        Some(1)
    );
    assert_eq!(run("gaps = \"fail\"\n", &[]).status.code(), Some(1));
    let bad = run("gaps = \"maybe\"\n", &[]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("is not a way to treat evidence gaps"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn sarif_junit_markdown_and_github_carry_incomplete() {
    let format = |f: &str| {
        let out = check_only(&["--format", f]);
        assert_eq!(out.status.code(), Some(1), "{f}");
        stdout(&out)
    };
    let sarif: Value = serde_json::from_str(&format("sarif")).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let review: Vec<&Value> = results
        .iter()
        .filter(|r| r["ruleId"] == "gaps.external_suppliers")
        .collect();
    assert_eq!(review.len(), 1);
    assert_eq!(review[0]["kind"], "review");
    assert_eq!(review[0]["level"], "none");

    let junit = format("junit");
    assert!(
        junit
            .contains(r#"<testsuites name="annexa" tests="3" failures="2" errors="0" skipped="0""#),
        "{junit}"
    );
    assert!(
        junit.contains(
            r#"<failure message="high: incomplete, 1 evidence gap (A.5.19): External data comes from approved suppliers" type="incomplete">"#
        ),
        "{junit}"
    );
    assert!(
        junit.contains("tests/fixtures/gaps/only_gaps.yaml:8:5 `datasets"),
        "{junit}"
    );

    let md = format("markdown");
    assert!(
        md.starts_with(
            "## ⚠️ annexa: INCOMPLETE — 2 of 3 rules could not be judged (missing facts)\n"
        ),
        "{md}"
    );
    assert!(
        md.contains("- `gaps.external_suppliers` (high): 1 evidence gap: `tests/fixtures/gaps/only_gaps.yaml:8`"),
        "{md}"
    );

    let gh = format("github");
    assert!(
        gh.contains(
            "::error file=tests/fixtures/gaps/only_gaps.yaml,line=8,col=5,title=gaps.external_suppliers::incomplete: 1 evidence gap left the rule undecided [high; A.5.19]\n"
        ),
        "{gh}"
    );
    assert!(
        gh.ends_with("annexa INCOMPLETE: 3 rules: 1 passed, 0 failed, 2 incomplete, 0 skipped, 0 waived, 0 errors; 0 violations\n"),
        "{gh}"
    );
}

#[test]
fn the_statement_of_applicability_says_insufficient_evidence() {
    let out = annexa(&["soa", ONLY_FACTS, "-p", ONLY, "--now", NOW]);
    let text = stdout(&out);
    let row = text
        .lines()
        .find(|l| l.starts_with("| A.5.19 "))
        .unwrap_or_else(|| panic!("{text}{}", stderr(&out)));
    assert!(row.ends_with("| incomplete |"), "{row}");
}

#[test]
fn a_misspelt_access_list_leaves_no_public_grants_incomplete() {
    let facts = "datasets:\n  - name: leaky\n    classification: confidential\n    acess:\n      - {principal: \"*\", role: read}\nmodels: []\n";
    let out = annexa_stdin(
        &[
            "check",
            "-",
            "--stdin-format",
            "yaml",
            "--rule",
            "*no_public_grants",
            "--no-config",
            "--format",
            "json",
        ],
        facts.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = result(&report, "ml.access_control.no_public_grants");
    assert_eq!(r["status"], "incomplete");
    assert_eq!(r["evidence_gaps"][0]["path"], "/datasets/0/access");
}

#[test]
fn annexa_test_accepts_expect_incomplete_and_shows_the_gaps_when_it_is_wrong() {
    let dir = std::env::temp_dir().join(format!("annexa-gaps-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("t.policy"),
        "rule r {\n  controls A.8.24\n  for d in datasets[.pii] { require d.enc }\n}\n\
         test \"right\" {\n  facts {datasets: [{enc: true}]}\n  expect r incomplete\n}\n\
         test \"wrong\" {\n  facts {datasets: [{enc: true}]}\n  expect r pass\n}\n\
         test \"all pass is wrong too\" {\n  facts {datasets: [{enc: true}]}\n  expect all pass\n}\n",
    )
    .unwrap();
    let out = annexa_in(&dir, &["test", "t.policy"]);
    std::fs::remove_dir_all(&dir).ok();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(text.ends_with("\n1 passed, 2 failed\n"), "{text}");
    assert!(
        text.contains("actual:   incomplete with 1 evidence gap\n    - gap: `datasets[.pii]` could not decide for /datasets/0"),
        "{text}"
    );
    assert!(
        text.contains("1 rule did not pass\n  r: incomplete with 1 evidence gap"),
        "{text}"
    );
}

#[test]
fn explain_says_why_a_rule_is_incomplete_and_which_fact_a_computed_check_read() {
    let out = annexa(&[
        "explain",
        "external_suppliers",
        ONLY_FACTS,
        "-p",
        ONLY,
        "--now",
        NOW,
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(
        text.contains(
            "result: incomplete, no require failed but 1 evidence gap left it undecided (1 subject); \
             a missing fact never makes a rule pass\nevidence gaps:\n  - `datasets[.source.type == \"external\"]` \
             could not decide for /datasets/1: `/datasets/1/source/type` is missing (tests/fixtures/gaps/only_gaps.yaml:8:5)\n"
        ),
        "{text}"
    );
    let warn = annexa(&[
        "explain",
        "external_suppliers",
        ONLY_FACTS,
        "-p",
        ONLY,
        "--gaps",
        "warn",
    ]);
    assert_eq!(warn.status.code(), Some(0));
    let out = annexa(&[
        "explain",
        "reviews_current",
        ISSUE_FACTS,
        "-p",
        ISSUE,
        "--now",
        NOW,
    ]);
    let text = stdout(&out);
    assert!(
        text.contains(
            "decided by /grants/0/last_review = `\"2026-01-01\"` at tests/fixtures/gaps/issue.yaml:17:5"
        ),
        "{text}"
    );
}

#[test]
fn the_json_report_of_an_incomplete_run() {
    let out = check_only(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("json_only_gaps", stdout(&out));
}

#[test]
fn gaps_on_a_fact_outside_the_elements_are_summed_up_by_that_fact() {
    let dir = std::env::temp_dir().join(format!("annexa-gaps-outside-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("p.policy"),
        "rule src {\n  controls A.5.14\n  for t in transfers { for d in datasets[.name == t.from] { require d.ok } }\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("f.yaml"),
        "datasets:\n  - {name: a, ok: true}\n  - {name: b, ok: true}\ntransfers:\n  - {to: x}\n",
    )
    .unwrap();
    let out = annexa_in(&dir, &["check", "f.yaml", "-p", "p.policy", "--no-config"]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains(
            "gap 2 of 2 datasets could not be decided: `/transfers/0/from` is missing: f.yaml:5:5\n"
        ),
        "{text}"
    );
}

#[test]
fn a_hundred_thousand_gaps_sum_up_on_one_line_quickly() {
    let dir = std::env::temp_dir().join(format!("annexa-gaps-many-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("p.policy"),
        "rule r {\n  controls A.8.24\n  for d in datasets[.pii] { require d.enc }\n}\n",
    )
    .unwrap();
    let mut facts = String::from("{\"datasets\": [");
    for i in 0..100_000 {
        if i > 0 {
            facts.push(',');
        }
        facts.push_str("\n{\"name\": \"d\"}");
    }
    facts.push_str("]}\n");
    std::fs::write(dir.join("f.json"), facts).unwrap();
    let started = std::time::Instant::now();
    let out = annexa_in(&dir, &["check", "f.json", "-p", "p.policy", "--no-config"]);
    let took = started.elapsed();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains(
            "gap 100000 of 100000 datasets lack `pii`: f.json:2:1, f.json:3:1, f.json:4:1 and 99997 more\n"
        ),
        "{text}"
    );
    assert_eq!(
        text.lines().count(),
        5,
        "four lines and the coverage number: {text}"
    );
    assert!(took.as_secs() < 60, "took {took:?}");
}

#[test]
fn the_shipped_examples_leave_no_rule_incomplete() {
    // the pack says with `??` where absence is fine, so realistic facts are judged in full
    for facts in [
        "examples/compliant/ml-pipeline.yaml",
        "examples/pipelines/fraud-tabular.yaml",
        "examples/pipelines/llm-finetune-vendor.yaml",
        "examples/pipelines/vision-open-data.yaml",
    ] {
        let (_, report) = json_report(&[facts]);
        assert_eq!(report["summary"]["incomplete"], 0, "{facts}");
    }
    for facts in [FAILING, COMPLIANT] {
        let (_, report) = json_report(&[facts, "-p", POLICY]);
        assert_eq!(report["summary"]["incomplete"], 0, "{facts}");
    }
}
