//! Compile-time trust: builtin names are reserved, rules do not hide fact keys, `lint` compiles
//! `test` blocks, and a policy that declares its fact model has every fact path it reads checked.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

const DIR: &str = "tests/fixtures/compile_trust";

fn fixture(name: &str) -> String {
    format!("{DIR}/{name}")
}

#[test]
fn a_rule_named_like_a_fact_key_still_reads_the_fact() {
    let out = annexa(&[
        "check",
        "-p",
        &fixture("rule_named_like_fact.policy"),
        &fixture("two_datasets.json"),
        "--format",
        "json",
        "--no-config",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = report.to_string();
    assert!(text.contains("b is not encrypted"), "{text}");
    assert!(!text.contains("a is not encrypted"), "{text}");
}

#[test]
fn a_fn_named_like_a_builtin_does_not_compile() {
    let out = annexa(&[
        "lint",
        "tests/corpus/check_err/reserved_builtin_fn_named_count.policy",
        "--no-config",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("annexa::reserved_builtin"), "{err}");
    assert!(err.contains("`count` is the name of a builtin"), "{err}");
}

#[test]
fn lint_reports_a_wrong_expect_in_a_test_block() {
    let out = annexa(&["lint", &fixture("wrong_expect.policy"), "--no-config"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("annexa::unknown_rule"), "{err}");
    assert!(err.contains("`encrypte`"), "{err}");
    assert!(err.contains("did you mean `encrypted`?"), "{err}");
    assert!(err.contains("wrong_expect.policy:9:"), "{err}");
    // the correct `expect` line is not reported
    assert_eq!(err.matches("annexa::unknown_rule").count(), 1, "{err}");
}

const TYPO: &str = "tests/fixtures/compile_trust/typo.yaml";

#[test]
fn facts_of_the_ml_model_warn_about_unknown_fields_by_default() {
    let out = annexa(&["check", TYPO, "--now", NOW, "--no-config"]);
    let err = stderr(&out);
    assert!(
        err.contains(
            "warning[annexa::unstable::facts::schema]: tests/fixtures/compile_trust/typo.yaml:37:5  \
             /datasets/0/encrypton  unknown field `encrypton`: `Dataset` has no field \
             `encrypton`; did you mean `encryption`?"
        ),
        "{err}"
    );
    // a warning does not stop the run: the dataset without `encryption` fails its rule
    assert_eq!(out.status.code(), Some(1), "{err}");
    let text = stdout(&out);
    assert!(
        text.contains("FAIL   ml.data_protection.datasets_encrypted_at_rest"),
        "{text}"
    );
}

#[test]
fn schema_strict_makes_unknown_fields_errors_and_off_silences_them() {
    for args in [["--schema=strict"], ["--schema"]] {
        let out = annexa(&["check", args[0], TYPO, "--now", NOW, "--no-config"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("error[annexa::facts::schema]"), "{err}");
        assert!(err.contains("nothing was judged"), "{err}");
    }
    let off = annexa(&["check", "--schema=off", TYPO, "--now", NOW, "--no-config"]);
    assert_eq!(off.status.code(), Some(1), "{}", stderr(&off));
    assert!(
        !stderr(&off).contains("annexa::facts::schema"),
        "{}",
        stderr(&off)
    );
}

#[test]
fn policies_without_a_schema_line_do_not_check_facts_by_default() {
    let out = annexa(&[
        "check",
        "-p",
        &fixture("rule_named_like_fact.policy"),
        TYPO,
        "--no-config",
    ]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("annexa::facts::schema"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_extended_model_accepts_the_users_fields_at_compile_and_check_time() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture("extended"));
    // without the extension, the policy's read of `owner_team` is a compile error
    let bare = annexa_in(&dir, &["lint", "team.policy", "--no-config"]);
    assert_eq!(bare.status.code(), Some(2), "{}", stderr(&bare));
    assert!(
        stderr(&bare).contains("`Dataset` has no field `owner_team`"),
        "{}",
        stderr(&bare)
    );
    let bare_check = annexa_in(
        &dir,
        &["check", "-p", "team.policy", "facts.json", "--no-config"],
    );
    assert_eq!(bare_check.status.code(), Some(2), "{}", stderr(&bare_check));
    // with `[schema] extend` of annexa.toml, neither lint nor a strict check complains
    let lint = annexa_in(&dir, &["lint"]);
    assert_eq!(lint.status.code(), Some(0), "{}", stderr(&lint));
    let check = annexa_in(&dir, &["check", "facts.json"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    assert!(!stderr(&check).contains("owner_team"), "{}", stderr(&check));
    // explain, graph and soa compile with the same extended model
    let rule = team_rule(&dir);
    let explain = annexa_in(&dir, &["explain", &rule, "facts.json", "-p", "team.policy"]);
    assert_eq!(explain.status.code(), Some(0), "{}", stderr(&explain));
    let graph = annexa_in(&dir, &["graph", "team.policy"]);
    assert_eq!(graph.status.code(), Some(0), "{}", stderr(&graph));
    let soa = annexa_in(&dir, &["soa", "-p", "team.policy"]);
    assert_eq!(soa.status.code(), Some(0), "{}", stderr(&soa));
}

/// The first rule's name in the extended fixture's policy.
fn team_rule(dir: &std::path::Path) -> String {
    let text = std::fs::read_to_string(dir.join("team.policy")).unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("rule "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_bad_schema_mode_in_annexa_toml_is_a_config_error() {
    let out = annexa(&["check", "--config", &fixture("bad-mode.toml"), TYPO]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`\"loud\"` is not a schema check mode"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn annexa_toml_takes_schema_as_a_table_or_a_mode() {
    use annexa::unstable::config::Config;
    use annexa::unstable::schema::SchemaMode;
    let dir = std::path::Path::new("repo");
    let table = Config::parse(
        "annexa.toml",
        dir,
        "[schema]\ncheck = \"off\"\nextend = \"m.json\"\n",
    )
    .unwrap();
    assert_eq!(table.schema.check, Some(SchemaMode::Off));
    assert_eq!(table.schema.extend, Some(dir.join("m.json")));
    let short = Config::parse("annexa.toml", dir, "schema = \"strict\"\n").unwrap();
    assert_eq!(short.schema.check, Some(SchemaMode::Strict));
    assert_eq!(short.schema.extend, None);
    let Err(typo) = Config::parse("annexa.toml", dir, "[schema]\nextnd = \"m.json\"\n") else {
        panic!("a misspelt key is an error");
    };
    assert_eq!(
        typo[0].message(),
        "`[schema]` has no key `extnd`; did you mean `extend`?"
    );
}

#[test]
fn a_broken_extension_stops_check_lint_and_test() {
    let dir = std::env::temp_dir().join(format!("annexa-compile-trust-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("annexa.toml"),
        "[schema]\nextend = \"model.json\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("model.json"), "[1, 2]").unwrap();
    std::fs::write(
        dir.join("p.policy"),
        "rule r {\n  controls A.8.24\n  require true\n}\n",
    )
    .unwrap();
    std::fs::write(dir.join("f.json"), "{}").unwrap();
    for args in [
        vec!["check", "-p", "p.policy", "f.json"],
        vec!["lint", "p.policy"],
        vec!["test", "p.policy"],
    ] {
        let out = annexa_in(&dir, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("must hold a JSON Schema object"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
