//! The fact model at the CLI: a team's own fields and collections (`[schema] extend`), and one
//! pipeline described by several files (`check --merge`).

mod common;

use common::{NOW, annexa, annexa_in, stderr, stdout};

const MERGE: &str = "tests/fixtures/merge";

fn extend_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/extend")
}

#[test]
fn an_extension_accepts_the_teams_fields_and_collections() {
    let out = annexa_in(&extend_dir(), &["check", "facts.yaml", "--now", NOW]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("annexa::facts::schema"),
        "{}",
        stderr(&out)
    );
    // without the extension the same file departs from the model twice
    let bare = annexa_in(
        &extend_dir(),
        &[
            "check",
            "facts.yaml",
            "--no-config",
            "--schema",
            "--now",
            NOW,
        ],
    );
    assert_eq!(bare.status.code(), Some(2), "{}", stderr(&bare));
    assert!(
        stderr(&bare).contains("/datasets/0/cost_center"),
        "{}",
        stderr(&bare)
    );
    assert!(stderr(&bare).contains("/notebooks"), "{}", stderr(&bare));
}

#[test]
fn an_extension_still_rejects_a_typo_in_the_teams_own_fields() {
    let out = annexa_in(&extend_dir(), &["check", "typo.yaml", "--now", NOW]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("typo.yaml:4:5  /datasets/0/cost_centre  unknown field `cost_centre`: `Dataset` has no field `cost_centre`; did you mean `cost_center`?"),
        "{err}"
    );
    assert!(err.contains("/notebooks/0/pubic"), "{err}");
    assert!(err.contains("did you mean `public`?"), "{err}");
}

fn json_check(extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    // the rules about what the files share (the fixture has no models, stages or pipeline)
    let mut args = vec![
        "check",
        "--no-config",
        MERGE,
        "--format",
        "json",
        "--now",
        NOW,
        "--rule",
        "ml.transfers.*",
        "--rule",
        "ml.suppliers.*",
        "--rule",
        "ml.data_protection.sensitive_storage_not_public",
    ];
    args.extend_from_slice(extra);
    let out = annexa(&args);
    let report = serde_json::from_str(&stdout(&out)).unwrap_or(serde_json::Value::Null);
    (out.status.code(), report)
}

fn result<'a>(report: &'a serde_json::Value, rule: &str) -> &'a serde_json::Value {
    report["results"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["rule"] == rule))
        .unwrap_or(&serde_json::Value::Null)
}

#[test]
fn split_files_judged_alone_give_a_false_failure() {
    // a.yaml's transfer names the supplier declared in the shared suppliers.yaml
    let (code, report) = json_check(&[]);
    assert_eq!(code, Some(1));
    let known = result(&report, "ml.transfers.third_party_recipients_known");
    assert_eq!(known["status"], "fail", "{known}");
}

#[test]
fn merged_files_are_one_pipeline_and_findings_point_into_their_file() {
    let (code, report) = json_check(&["--merge"]);
    assert_eq!(code, Some(1), "{report}");
    let known = result(&report, "ml.transfers.third_party_recipients_known");
    assert_eq!(known["status"], "pass", "{known}");
    let dpa = result(&report, "ml.suppliers.pii_suppliers_have_dpa");
    assert_eq!(dpa["status"], "pass", "{dpa}");
    // the only failure: b.yaml's public bucket, at b.yaml's line
    let failed: Vec<&str> = report["results"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .filter(|r| r["status"] == "fail" || r["status"] == "incomplete")
                .filter_map(|r| r["rule"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(failed, ["ml.data_protection.sensitive_storage_not_public"]);
    let v = &result(&report, "ml.data_protection.sensitive_storage_not_public")["violations"][0];
    assert_eq!(v["document"], "tests/fixtures/merge/datasets/b.yaml", "{v}");
    assert_eq!(v["path"], "/datasets/0/storage/public", "{v}");
    assert_eq!(
        (v["line"].as_u64(), v["column"].as_u64()),
        (Some(9), Some(63)),
        "{v}"
    );
}

#[test]
fn a_value_given_twice_differently_is_a_merge_conflict() {
    let dir = common::scratch("facts_model", "conflict");
    std::fs::write(
        dir.join("a.yaml"),
        "pipeline:\n  name: p\n  owner: team-a\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("b.yaml"),
        "pipeline:\n  name: p\n  owner: team-b\n",
    )
    .unwrap();
    let out = annexa_in(
        &dir,
        &["check", "--no-config", "--merge", "a.yaml", "b.yaml"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("annexa::facts::merge"), "{err}");
    assert!(
        err.contains(
            "/pipeline/owner is given twice with different values: at a.yaml:3:3 and at b.yaml:3:3"
        ),
        "{err}"
    );
    // the same name twice is no conflict
    std::fs::write(dir.join("b.yaml"), "pipeline:\n  name: p\n").unwrap();
    let ok = annexa_in(
        &dir,
        &["check", "--no-config", "--merge", "a.yaml", "b.yaml"],
    );
    assert!(matches!(ok.status.code(), Some(0 | 1)), "{}", stderr(&ok));
}

#[test]
fn merge_and_combine_do_not_go_together() {
    let out = annexa(&["check", "--no-config", "--merge", "--combine", MERGE]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
