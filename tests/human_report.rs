//! Reading the human report: rules from most to least severe, each failed rule's remediation
//! once, messages that say what is missing, and the fact-file lines under each violation with
//! the offending value marked (`--no-snippets` leaves them out; colour only when asked for).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;

use serde_json::json;

fn failing(extra: &[&str]) -> String {
    let mut args = vec!["check", FAILING, "-p", POLICY, "--now", NOW];
    args.extend_from_slice(extra);
    let out = annexa(&args);
    assert_exit(&out, 1);
    stdout(&out)
}

/// The rule lines of a human report: (status, rule, severity).
fn rule_lines(text: &str) -> Vec<(String, String, String)> {
    text.lines()
        .filter(|l| !l.starts_with(' ') && !l.is_empty())
        .filter_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            match words.as_slice() {
                [status, rule, severity, ..] if rule.contains('.') => Some((
                    (*status).to_string(),
                    (*rule).to_string(),
                    (*severity).to_string(),
                )),
                _ => None,
            }
        })
        .collect()
}

#[test]
fn failing_example_human_without_snippets() {
    insta::assert_snapshot!(failing(&["--no-snippets"]));
}

#[test]
fn rules_are_ordered_by_severity_then_id() {
    let lines = rule_lines(&failing(&[]));
    let rank = |s: &str| {
        ["critical", "high", "medium", "low", "info"]
            .iter()
            .position(|x| *x == s)
            .unwrap()
    };
    let keys: Vec<(usize, String)> = lines.iter().map(|(_, r, s)| (rank(s), r.clone())).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(
        lines.first().unwrap().1,
        "ml.data_protection.admins_use_mfa"
    );
    assert_eq!(lines.first().unwrap().2, "critical");
    assert_eq!(lines.last().unwrap().2, "medium");
}

#[test]
fn each_failed_rule_shows_its_remediation_once() {
    let text = failing(&[]);
    // training_data_encrypted has three violations and one remediation
    let help = "help: Enable at-rest encryption with AES-256 and a managed key.";
    assert_eq!(text.matches(help).count(), 1, "{text}");
    let block = text
        .split("FAIL   ml.data_protection.training_data_encrypted")
        .nth(1)
        .unwrap();
    let (violations, _) = block.split_once(help).unwrap();
    assert_eq!(
        violations.matches("examples/facts/pipeline.yaml:").count(),
        3
    );
    // a passing run shows no remediation
    let ok = annexa(&["check", COMPLIANT, "-p", POLICY, "--now", NOW]);
    assert_exit(&ok, 0);
    assert!(!stdout(&ok).contains("help:"), "{}", stdout(&ok));
}

#[test]
fn messages_say_what_is_missing_and_count_right() {
    let text = failing(&["--no-snippets"]);
    assert!(!text.contains("<missing>"), "{text}");
    assert!(
        text.contains("uses cipher (missing /datasets/1/encryption/at_rest/algorithm)"),
        "{text}"
    );
    assert!(!text.contains("1 datasets"), "{text}");
    assert!(text.contains("datasets without an owner: 1"), "{text}");
}

#[test]
fn snippets_mark_the_offending_value() {
    let text = failing(&[]);
    let lines: Vec<&str> = text.lines().collect();
    // the MFA grant: the line of the fact, then carets exactly under `false`
    let at = lines
        .iter()
        .position(|l| {
            l.ends_with("76 │       - {principal: dave@example.com, role: admin, mfa: false}")
        })
        .unwrap_or_else(|| panic!("{text}"));
    let fact = lines[at];
    let marks = lines[at + 1];
    let column = fact.rfind("false").unwrap();
    assert_eq!(marks.find('^'), Some(column), "{fact}\n{marks}");
    assert_eq!(marks.trim_end().rfind('^'), Some(column + 4), "{marks}");
    assert!(marks.contains('│'));
    // context: the line before and after, numbered
    assert!(
        lines[at - 1].ends_with("75 │     access:"),
        "{}",
        lines[at - 1]
    );
    // a missing fact is marked at its nearest parent, naming the pointer
    assert!(
        text.contains("^^^^^^^^ /datasets/1/encryption/at_rest/algorithm is missing"),
        "{text}"
    );
    // --no-snippets: no fact lines at all
    let plain = failing(&["--no-snippets"]);
    assert!(!plain.contains('│') && !plain.contains('^'), "{plain}");
    // piped output has no colour
    assert!(!text.contains('\u{1b}'));
}

#[test]
fn colour_and_snippets_through_the_facade() {
    let engine = annexa::Engine::builder()
        .policy_path(POLICY)
        .now(1_764_028_800)
        .build()
        .unwrap();
    let report = engine.check(&annexa::Facts::new().path(FAILING)).unwrap();
    let coloured = report.render_human(true, false);
    assert!(coloured.contains("\u{1b}[31;1m^^^^^"), "{coloured}");
    let plain = report.render_human_with(false, false, false);
    assert!(!plain.contains('\u{1b}') && !plain.contains('│'));
    assert_eq!(
        report.render_human(false, false),
        failing(&[]),
        "the facade renders what the CLI prints"
    );
    // a document that is no file has no lines to show, and the report is still whole
    let memory = engine
        .check(&annexa::Facts::new().value(
            "memory.json",
            json!({"datasets": [{"name": "x", "kind": "evaluation"}]}),
        ))
        .unwrap();
    let text = memory.render_human(false, false);
    assert!(text.contains("memory.json:"), "{text}");
    assert!(!text.contains('│'), "{text}");
}
