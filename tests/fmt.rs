//! `annexa fmt`: the layout keeps meaning and comments and is a fixed point, on every policy of
//! the repository and on generated expressions; the command rewrites, checks and reports.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};

use annexa::unstable::format::{comment_texts, fingerprint, format_module};
use annexa::unstable::source::SourceFile;
use annexa::unstable::syntax::parse;
use common::*;
use proptest::prelude::*;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.policy` file of the repository (build output aside).
fn every_policy() -> Vec<PathBuf> {
    let mut all = Vec::new();
    for dir in ["policies", "stdlib", "examples", "tests"] {
        all.extend(
            annexa::unstable::walk::files_under(&root().join(dir), |p| {
                p.extension().is_some_and(|e| e == "policy")
            })
            .unwrap(),
        );
    }
    all
}

/// The texts of the comments as the parser found them, trailing whitespace aside, sorted.
fn raw_comments(text: &str) -> Vec<String> {
    let module = parse(&SourceFile::new("x.policy", text)).unwrap();
    let mut texts: Vec<String> = module
        .comments
        .iter()
        .map(|c| c.text.trim_end().to_string())
        .collect();
    texts.sort();
    texts
}

/// Formats `text` and checks the properties; returns the formatted text.
#[track_caller]
fn check_properties(name: &str, text: &str) -> Option<String> {
    let module = parse(&SourceFile::new(name, text)).ok()?;
    let once = format_module(&module);
    let again = parse(&SourceFile::new(name, once.as_str()))
        .unwrap_or_else(|e| panic!("{name}: the formatted text does not parse: {e:?}\n{once}"));
    assert_eq!(
        fingerprint(&again),
        fingerprint(&module),
        "{name}: formatting changed the syntax tree\n{once}"
    );
    assert_eq!(
        comment_texts(&again),
        comment_texts(&module),
        "{name}: formatting lost or changed a comment\n{once}"
    );
    let twice = format_module(&again);
    assert_eq!(twice, once, "{name}: formatting is not idempotent");
    Some(once)
}

#[test]
fn every_policy_in_the_repository_keeps_meaning_and_comments_and_is_a_fixed_point() {
    let mut checked = 0;
    for path in every_policy() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // not UTF-8 (a fixture of the parser's errors)
        };
        let name = path.display().to_string();
        if let Some(formatted) = check_properties(&name, &text) {
            assert_eq!(
                raw_comments(&formatted),
                raw_comments(&text),
                "{name}: the multiset of comments changed"
            );
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} policies were checked");
}

#[test]
fn the_shipped_policies_are_formatted() {
    let out = annexa(&["fmt", "--check", "policies", "stdlib"]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), "");
}

#[test]
fn the_spec_example_is_left_as_the_spec_writes_it() {
    // `examples/policies/ml_data_protection.policy` is the spec's text, byte for byte; it is not
    // in the canonical layout (aligned comments) and `fmt` is not run on it
    let spec = std::fs::read_to_string(root().join("examples/policies/ml_data_protection.policy"))
        .unwrap();
    assert!(spec.contains("use std.crypto                     # a stdlib module"));
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("annexa-fmt-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    dir
}

const MESSY: &str = "let  x=[1,2]   # two\nrule r{controls A.5.1 require x!=[]}\n";
const TIDY: &str = "let x = [1, 2]  # two\n\nrule r {\n  controls A.5.1\n  require x != []\n}\n";

#[test]
fn check_prints_a_diff_and_exits_1_without_writing() {
    let dir = temp_dir("check");
    std::fs::write(dir.join("sub/a.policy"), MESSY).unwrap();
    std::fs::write(dir.join("b.policy"), TIDY).unwrap();
    let out = annexa_in(&dir, &["fmt", "--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let diff = stdout(&out);
    assert!(
        diff.contains("--- ./sub/a.policy\n+++ ./sub/a.policy (formatted)\n"),
        "{diff}"
    );
    assert!(diff.contains("-let  x=[1,2]   # two\n"), "{diff}");
    assert!(diff.contains("+let x = [1, 2]  # two\n"), "{diff}");
    assert!(!diff.contains("b.policy"), "{diff}");
    assert!(stderr(&out).contains("1 of 2 files would be reformatted"));
    assert_eq!(
        std::fs::read_to_string(dir.join("sub/a.policy")).unwrap(),
        MESSY
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fmt_rewrites_files_in_place_and_then_check_passes() {
    let dir = temp_dir("write");
    std::fs::write(dir.join("sub/a.policy"), MESSY).unwrap();
    let out = annexa_in(&dir, &["fmt", "sub"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "formatted sub/a.policy\n");
    assert_eq!(
        std::fs::read_to_string(dir.join("sub/a.policy")).unwrap(),
        TIDY
    );
    let out = annexa_in(&dir, &["fmt", "--check", "sub/a.policy"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_that_does_not_parse_is_a_diagnostic_and_exit_2() {
    let dir = temp_dir("broken");
    std::fs::write(dir.join("bad.policy"), "rule r {\n  require x ==\n}\n").unwrap();
    let out = annexa_in(&dir, &["fmt", "bad.policy"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("annexa::parse"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(dir.join("bad.policy")).unwrap(),
        "rule r {\n  require x ==\n}\n"
    );
    let out = annexa_in(&dir, &["fmt", "--check", "bad.policy"]);
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_shows_examples() {
    let out = annexa(&["fmt", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("annexa fmt --check"));
}

// ---------------------------------------------------------------- generated expressions

/// Expressions as token lists, parenthesised or not, so that precedence is exercised; many do
/// not parse (non-associative chains) and are skipped.
fn expression() -> impl Strategy<Value = Vec<String>> {
    let leaf = prop_oneof![
        prop::sample::select(vec![
            "a",
            "b",
            "xs",
            "d.name",
            "facts",
            "null",
            "true",
            "false",
            "0",
            "7",
            "1.5",
            "1e3",
            "\"s\"",
            "\"q\\\"\\\\\\n{x}#\"",
            "@2026-01-31",
            "[]",
            "{}",
            "f(a)",
        ])
        .prop_map(|s| vec![s.to_string()]),
        "[a-z_][a-z0-9_]{0,6}".prop_map(|s| {
            let reserved = [
                "policy", "use", "param", "let", "fn", "rule", "test", "require", "else", "for",
                "if", "not", "and", "or", "in", "matches", "all", "any", "none", "true", "false",
                "null", "facts",
            ];
            vec![if reserved.contains(&s.as_str()) {
                "v".to_string()
            } else {
                s
            }]
        }),
    ];
    leaf.prop_recursive(5, 48, 4, |inner| {
        let binary_ops = prop::sample::select(vec![
            "or", "and", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "matches", "??", "+",
            "-", "*", "/", "%",
        ]);
        prop_oneof![
            (inner.clone(), binary_ops, inner.clone(), any::<bool>()).prop_map(
                |(l, op, r, paren)| {
                    let mut t = Vec::new();
                    if paren {
                        t.push("(".to_string());
                    }
                    t.extend(l);
                    t.push(op.to_string());
                    t.extend(r);
                    if paren {
                        t.push(")".to_string());
                    }
                    t
                }
            ),
            (prop::sample::select(vec!["not", "-"]), inner.clone()).prop_map(|(op, e)| {
                let mut t = vec![op.to_string(), "(".to_string()];
                t.extend(e);
                t.push(")".to_string());
                t
            }),
            (
                prop::sample::select(vec!["all", "any", "none"]),
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(q, xs, p)| {
                    let mut t = vec!["(".to_string(), q.to_string(), "x".into(), "in".into()];
                    t.push("(".into());
                    t.extend(xs);
                    t.push(")".into());
                    t.push(":".into());
                    t.extend(p);
                    t.push(")".into());
                    t
                }),
            (inner.clone(), inner.clone()).prop_map(|(b, p)| {
                let mut t = vec!["(".to_string()];
                t.extend(b);
                t.extend([
                    ")".to_string(),
                    "[".to_string(),
                    ".f".to_string(),
                    "==".into(),
                ]);
                t.extend(p);
                t.push("]".into());
                t
            }),
            (
                inner.clone(),
                prop::sample::select(vec![".f", "[0]", "[-1]", "[\"k y\"]", "[*].g"])
            )
                .prop_map(|(b, post)| {
                    let mut t = vec!["(".to_string()];
                    t.extend(b);
                    t.push(")".into());
                    t.push(post.to_string());
                    t
                }),
            prop::collection::vec(inner.clone(), 0..4).prop_map(|items| {
                let mut t = vec!["count".to_string(), "([".to_string()];
                for (i, it) in items.into_iter().enumerate() {
                    if i > 0 {
                        t.push(",".into());
                    }
                    t.extend(it);
                }
                t.push("])".into());
                t
            }),
            (inner.clone(), inner).prop_map(|(k, v)| {
                let mut t = vec!["{\"k\":".to_string()];
                t.extend(k);
                t.push(", k2:".into());
                t.extend(v);
                t.push("}".into());
                t
            }),
        ]
    })
}

/// Joins tokens with spaces, line breaks or comments.
fn join(tokens: &[String], seps: &[u8]) -> String {
    let mut out = String::new();
    for (i, t) in tokens.iter().enumerate() {
        if i > 0 {
            out.push_str(
                match seps.get(i % seps.len().max(1)).copied().unwrap_or(0) % 6 {
                    0 => "\n  ",
                    1 => " # c\n",
                    _ => " ",
                },
            );
        }
        out.push_str(t);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_policies_round_trip(
        a in expression(),
        b in expression(),
        seps in prop::collection::vec(any::<u8>(), 1..16),
    ) {
        let cond = join(&a, &seps);
        let value = join(&b, &seps);
        let hole = b.join(" ");
        let text = format!(
            "# head\nlet v = {value}  # v\nrule r {{\n  controls A.5.1  # ids\n  for x in xs {{\n    require {cond}\n      else \"got {{{hole}}} {{{{ }}}}\"\n  }}\n  if {cond} {{\n    require {value}\n  }} else {{\n  }}\n}}\n"
        );
        if let Some(formatted) = check_properties("gen.policy", &text) {
            prop_assert_eq!(raw_comments(&formatted), raw_comments(&text));
        }
    }
}
