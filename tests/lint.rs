//! `annexa lint` and the `annexa::unstable::lint` library: one fixture with every lint, allow directives,
//! configured levels, exit codes, and the built-in pack and stdlib staying lint-clean.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

use annexa::unstable::lint::{LINTS, Level, LintConfig, lint};
use annexa::unstable::source::SourceFile;

const EVERY: &str = "tests/fixtures/lint/every_lint.policy";
const ALLOWED: &str = "tests/fixtures/lint/allowed.policy";

fn codes_of(text: &str, config: &LintConfig) -> Vec<String> {
    let file = SourceFile::new("t.policy", text);
    let module = annexa::unstable::syntax::parse(&file).expect("parses");
    lint(&[module], config)
        .iter()
        .map(|d| d.code().to_string())
        .collect()
}

#[test]
fn every_lint_once_snapshot() {
    let out = annexa(&["lint", EVERY]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stderr(&out);
    for l in LINTS {
        assert_eq!(
            text.matches(l.code).count(),
            1,
            "{} should be reported once:\n{text}",
            l.code
        );
    }
    insta::assert_snapshot!(text);
}

#[test]
fn allow_directives_silence_each_lint_on_its_item() {
    let out = annexa(&["lint", ALLOWED]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("no findings"), "{}", stderr(&out));
}

#[test]
fn allow_option_silences_a_lint_for_the_run() {
    let mut args = vec!["lint", EVERY];
    for l in LINTS {
        args.push("--allow");
        args.push(l.name);
    }
    let out = annexa(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn deny_option_reports_an_error() {
    let out = annexa(&["lint", EVERY, "--deny", "unused_let"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("1 error(s)"), "{}", stderr(&out));
}

#[test]
fn unknown_lint_names_are_usage_errors() {
    let out = annexa(&["lint", EVERY, "--allow", "unused_lets"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no lint is called `unused_lets`"));
}

#[test]
fn a_policy_that_does_not_compile_exits_2() {
    let dir = std::env::temp_dir().join(format!("annexa-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.policy");
    std::fs::write(&file, "rule r {\n  controls A.8.99\n  require true\n}\n").unwrap();
    let out = annexa(&["lint", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("annexa::unknown_control"),
        "{}",
        stderr(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_pack_and_the_stdlib_are_lint_clean() {
    let out = annexa(&["lint", "policies", "stdlib"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let modules = annexa::unstable::pack::modules().unwrap();
    let found = lint(&modules, &LintConfig::default());
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn lint_list_names_every_code() {
    let out = annexa(&["lint", "--list"]);
    assert_eq!(out.status.code(), Some(0));
    for l in LINTS {
        assert!(stdout(&out).contains(l.code), "{}", stdout(&out));
    }
}

#[test]
fn levels_and_allowed_come_from_the_config() {
    let text = "let unused = 1\nrule r {\n controls A.8.24\n require x\n}\n";
    assert_eq!(
        codes_of(text, &LintConfig::default()),
        ["annexa::unused_let", "annexa::missing_remediation"]
    );
    let mut config = LintConfig::default();
    config.allowed.insert("missing_remediation".into());
    config.levels.insert("unused_let".into(), Level::Deny);
    let file = SourceFile::new("t.policy", text);
    let found = lint(&[annexa::unstable::syntax::parse(&file).unwrap()], &config);
    assert_eq!(found.len(), 1);
    assert!(found[0].is_error());
}

#[test]
fn uses_across_files_count() {
    let lib = SourceFile::new(
        "lib.policy",
        "policy lib\nparam limit = 3\nlet big = 1\nrule r {\n controls A.8.24\n remediation \"x\"\n require big == 1\n}\n",
    );
    let user = SourceFile::new(
        "user.policy",
        "policy user\nuse lib\nrule u {\n controls A.8.24\n remediation \"x\"\n require count(xs) < lib.limit\n}\n",
    );
    let modules = vec![
        annexa::unstable::syntax::parse(&lib).unwrap(),
        annexa::unstable::syntax::parse(&user).unwrap(),
    ];
    assert!(lint(&modules, &LintConfig::default()).is_empty());
}

#[test]
fn constant_conditions_are_folded() {
    let config = LintConfig::default();
    let rule =
        |body: &str| format!("rule r {{\n controls A.8.24\n remediation \"x\"\n {body}\n}}\n");
    for always in [
        "require true",
        "require not false",
        "require 1 == 1",
        "require \"a\" in [\"a\"]",
        "require x or true",
    ] {
        assert_eq!(
            codes_of(&rule(always), &config),
            ["annexa::always_true_require"],
            "{always}"
        );
    }
    for fine in ["require x", "require x == 1", "require false"] {
        assert!(codes_of(&rule(fine), &config).is_empty(), "{fine}");
    }
    assert_eq!(
        codes_of(
            &rule("for d in xs[.a and false] {\n require d.b\n }"),
            &config
        ),
        ["annexa::filter_never_binds"]
    );
    assert!(codes_of(&rule("for d in xs[.a] {\n require d.b\n }"), &config).is_empty());
}

#[test]
fn shadowing_covers_every_local_kind() {
    let text = "param p = 1\nlet l = 2\nfn f(p) = p\nrule r {\n controls A.8.24\n remediation \"x\"\n let l = 3\n require all f in xs: f == l\n require f(p) == 1\n}\n";
    let codes = codes_of(text, &LintConfig::default());
    assert_eq!(
        codes
            .iter()
            .filter(|c| *c == "annexa::shadowed_name")
            .count(),
        3,
        "{codes:?}"
    );
}

#[test]
fn unknown_lints_in_directives_are_reported() {
    let text = "# annexa: allow(unused_lett)\nlet x = 1\nrule r {\n controls A.8.24\n remediation \"x\"\n require x == 1\n}\n";
    assert_eq!(
        codes_of(text, &LintConfig::default()),
        ["annexa::unknown_lint"]
    );
}
