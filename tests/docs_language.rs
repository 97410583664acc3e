//! Every `policy` example of docs/language.md compiles and means what the page says: the reference
//! cannot drift from the language. A block tagged `policy,error=CODE` must be refused with that
//! diagnostic, `policy,warning=CODE` must compile with that warning, and a block holding `test`
//! blocks must pass `annexa test`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{annexa_in, scratch, stderr, stdout};

struct Example {
    /// The line of the opening fence, for messages.
    line: usize,
    tag: String,
    body: String,
}

fn examples() -> Vec<Example> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/language.md"))
        .expect("docs/language.md");
    let mut out = Vec::new();
    let mut open: Option<Example> = None;
    for (n, line) in text.lines().enumerate() {
        match open.take() {
            Some(mut ex) if line == "```" => {
                ex.body.push('\n');
                out.push(ex);
            }
            Some(mut ex) => {
                if !ex.body.is_empty() {
                    ex.body.push('\n');
                }
                ex.body.push_str(line);
                open = Some(ex);
            }
            None => {
                if let Some(tag) = line.strip_prefix("```policy") {
                    open = Some(Example {
                        line: n + 1,
                        tag: tag.to_string(),
                        body: String::new(),
                    });
                }
            }
        }
    }
    assert!(open.is_none(), "an unclosed ```policy block");
    out
}

#[test]
fn every_policy_example_compiles_as_documented() {
    let examples = examples();
    assert!(
        examples.len() >= 25,
        "only {} policy examples",
        examples.len()
    );
    let dir = scratch("docs_language", "examples");
    std::fs::write(dir.join("empty.json"), "{}").expect("facts");
    let mut failures = Vec::new();
    for (i, ex) in examples.iter().enumerate() {
        let file = format!("example{i}.policy");
        std::fs::write(dir.join(&file), &ex.body).expect("write the example");
        let expected_error = ex.tag.strip_prefix(",error=");
        let expected_warning = ex.tag.strip_prefix(",warning=");
        let out = if ex.body.contains("\ntest \"") {
            annexa_in(&dir, &["test", &file])
        } else {
            annexa_in(
                &dir,
                &["check", "empty.json", "-p", &file, "--now", "2026-11-25"],
            )
        };
        let code = out.status.code();
        let err = stderr(&out);
        let ok = match (expected_error, expected_warning) {
            (Some(c), _) => code == Some(2) && err.contains(c),
            (None, Some(c)) => matches!(code, Some(0 | 1)) && err.contains(c),
            (None, None) if ex.body.contains("\ntest \"") => code == Some(0),
            (None, None) => matches!(code, Some(0 | 1)) && !err.contains("annexa::"),
        };
        if !ok {
            failures.push(format!(
                "docs/language.md:{} ({:?}): exit {code:?}\n{}{err}",
                ex.line,
                ex.tag,
                stdout(&out)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_construct_has_an_example() {
    let examples = examples();
    let all: String = examples
        .iter()
        .filter(|e| e.tag.is_empty())
        .map(|e| e.body.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let constructs = [
        "policy ",
        "schema \"",
        "use std.",
        "param ",
        "let ",
        "fn ",
        "scope ",
        "rule ",
        "test \"",
        "title ",
        "description ",
        "controls ",
        "severity ",
        "tags ",
        "remediation ",
        "when ",
        "require ",
        " else \"",
        "for ",
        "if ",
        "} else if ",
        "} else {",
        "all ",
        "any ",
        "none ",
        "not any",
        " matches ",
        " not in ",
        " ?? ",
        "[*]",
        "[-1]",
        "[0]",
        "[.",
        "facts[\"",
        "@20",
        "null",
        "{{",
        "expect all pass",
        "expect control",
        "params {",
        "key_of(",
        "type_name(",
        "tag(",
        "parse_json(",
        "parse_yaml(",
        "base64_decode(",
        "days_since(",
        "parse_date(",
        "unique(",
        "sum(",
        "min(",
        "max(",
        "keys(",
        "values(",
        "contains(",
        "starts_with(",
        "ends_with(",
        "lower(",
        "len(",
        "count(",
        "exists(",
    ];
    let missing: Vec<&str> = constructs
        .iter()
        .copied()
        .filter(|c| !all.contains(c))
        .collect();
    assert!(missing.is_empty(), "no compiled example uses {missing:?}");
}

#[test]
fn a_broken_example_is_caught() {
    // The check above must be able to fail: an example with a typo in a control id is refused.
    let dir = scratch("docs_language", "broken");
    std::fs::write(dir.join("empty.json"), "{}").expect("facts");
    std::fs::write(
        dir.join("bad.policy"),
        "rule r {\n  controls A.8.99\n  require true\n}\n",
    )
    .expect("write");
    let out = annexa_in(&dir, &["check", "empty.json", "-p", "bad.policy"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("annexa::unknown_control"));
}
