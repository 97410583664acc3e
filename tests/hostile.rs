//! Hostile inputs (issue 6): every case runs the real binary and checks the exit code and the
//! diagnostic (code and the words a person needs), or the verdict when the input is acceptable.
//! Small fixtures live in `tests/hostile/`; big ones (100,000-deep JSON, a 10,000-character
//! name, …) are generated into a scratch folder so the repository stays small.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::Output;

const DIR: &str = "tests/hostile";

fn h(name: &str) -> String {
    format!("{DIR}/{name}")
}

/// A scratch folder for generated inputs, unique per test.
fn scratch(test: &str) -> PathBuf {
    common::scratch("hostile", test)
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write fixture");
    p.to_str().expect("utf-8 path").to_string()
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited, not killed")
}

/// Exit code 2, and standard error holds every one of `needles`; no panic text.
#[track_caller]
fn refused(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(
        code(o),
        2,
        "exit code\nstderr:\n{err}\nstdout:\n{}",
        stdout(o)
    );
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}:\n{err}");
    }
    no_panic(o);
}

#[track_caller]
fn no_panic(o: &Output) {
    let err = stderr(o);
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "a panic:\n{err}"
    );
}

/// `check FACTS -p POLICY --format json`, parsed.
fn check_json(facts: &str, policy: &str) -> (i32, serde_json::Value, Output) {
    let o = annexa(&[
        "check", facts, "-p", policy, "--format", "json", "--now", NOW,
    ]);
    no_panic(&o);
    let report = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not a JSON report ({e}); exit {:?}\nstderr:\n{}",
            o.status.code(),
            stderr(&o)
        )
    });
    (code(&o), report, o)
}

/// The result of rule `rule` in a JSON report.
fn result<'r>(report: &'r serde_json::Value, rule: &str) -> &'r serde_json::Value {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["rule"] == rule)
        .unwrap_or_else(|| panic!("no result for {rule} in {report:#}"))
}

fn status<'r>(report: &'r serde_json::Value, rule: &str) -> &'r str {
    result(report, rule)["status"].as_str().expect("status")
}

// ---- encoding -------------------------------------------------------------------------------

#[test]
fn invalid_utf8_in_json_facts_is_refused_with_offset() {
    let o = annexa(&["check", &h("invalid_utf8.json"), "-p", &h("enabled.policy")]);
    refused(
        &o,
        &[
            "annexa::facts::encoding",
            "invalid UTF-8 at byte offset 13 (line 1)",
        ],
    );
}

#[test]
fn invalid_utf8_in_yaml_facts_is_refused_with_offset() {
    let o = annexa(&["check", &h("invalid_utf8.yaml"), "-p", &h("enabled.policy")]);
    refused(
        &o,
        &["annexa::facts::encoding", "invalid UTF-8 at byte offset"],
    );
}

#[test]
fn invalid_utf8_in_a_policy_is_refused_with_line() {
    let o = annexa(&["check", &h("bom.json"), "-p", &h("invalid_utf8.policy")]);
    refused(
        &o,
        &["annexa::parse", "not UTF-8", "invalid_utf8.policy:3:"],
    );
}

#[test]
fn invalid_utf8_on_stdin_is_refused() {
    let o = annexa_stdin(
        &[
            "check",
            "-",
            "--stdin-format",
            "json",
            "-p",
            &h("enabled.policy"),
        ],
        b"{\"enabled\": \"\xc0\xaf\"}",
    );
    refused(&o, &["annexa::facts::encoding", "invalid UTF-8"]);
}

#[test]
fn nul_in_json_facts_is_refused_with_position() {
    let o = annexa(&["check", &h("nul.json"), "-p", &h("enabled.policy")]);
    refused(
        &o,
        &[
            "annexa::facts::encoding",
            "NUL character at line 2, column 1",
        ],
    );
}

#[test]
fn nul_in_yaml_facts_is_refused_with_position() {
    let o = annexa(&["check", &h("nul.yaml"), "-p", &h("enabled.policy")]);
    refused(
        &o,
        &[
            "annexa::facts::encoding",
            "NUL character at line 2, column 1",
        ],
    );
}

#[test]
fn nul_in_a_policy_is_refused_with_position() {
    let o = annexa(&["check", &h("bom.json"), "-p", &h("nul.policy")]);
    refused(&o, &["annexa::parse", "U+0000", "nul.policy:3:18"]);
}

#[test]
fn utf8_bom_is_accepted_in_policy_json_and_yaml() {
    for facts in ["bom.json", "bom.yaml"] {
        let (code, report, o) = check_json(&h(facts), &h("bom.policy"));
        assert_eq!(code, 0, "{facts}: {}", stderr(&o));
        assert_eq!(status(&report, "r"), "pass", "{facts}");
    }
}

#[test]
fn crlf_is_accepted_and_lines_are_right() {
    // `enabled: false` is on line 3 of both files; the message comes from a CRLF policy.
    for (facts, column) in [("crlf.yaml", 1), ("crlf.json", 3)] {
        let (code, report, o) = check_json(&h(facts), &h("crlf.policy"));
        assert_eq!(code, 1, "{facts}: {}", stderr(&o));
        let v = &result(&report, "r")["violations"][0];
        assert_eq!(v["message"], "not enabled", "{facts}");
        assert_eq!(v["path"], "/enabled", "{facts}");
        assert_eq!(
            (v["line"].as_u64(), v["column"].as_u64()),
            (Some(3), Some(column)),
            "{facts}"
        );
    }
}

#[test]
fn crlf_policy_errors_name_the_right_line() {
    let o = annexa(&["check", &h("bom.json"), "-p", &h("crlf_error.policy")]);
    refused(
        &o,
        &[
            "annexa::parse",
            "crlf_error.policy:4:1",
            "expected an expression",
        ],
    );
}

// ---- structure and size -------------------------------------------------------------------

#[test]
fn a_100000_deep_json_array_is_refused_fast() {
    let dir = scratch("deep_json");
    let n = 100_000;
    let text = format!("{}{}", "[".repeat(n), "]".repeat(n));
    let f = write(&dir, "deep.json", text);
    let o = annexa(&["check", &f, "-p", &h("enabled.policy")]);
    refused(
        &o,
        &[
            "annexa::facts::too_deep",
            "nests deeper than 128 levels",
            "deep.json:1:129",
        ],
    );
}

#[test]
fn a_100000_deep_yaml_flow_sequence_is_refused_fast() {
    let dir = scratch("deep_yaml");
    let n = 100_000;
    let f = write(
        &dir,
        "deep.yaml",
        format!("{}{}", "[".repeat(n), "]".repeat(n)),
    );
    let o = annexa(&["check", &f, "-p", &h("enabled.policy")]);
    refused(
        &o,
        &["annexa::facts::too_deep", "nests deeper than 128 levels"],
    );
}

#[test]
fn the_billion_laughs_stops_at_the_alias_limit() {
    let o = annexa(&[
        "check",
        &h("billion_laughs.yaml"),
        "-p",
        &h("enabled.policy"),
    ]);
    refused(
        &o,
        &[
            "annexa::facts::alias_limit",
            "expand to more than 100000 nodes",
            "billion_laughs.yaml:7:",
        ],
    );
}

#[test]
fn duplicate_keys_in_json_are_refused_naming_both_lines() {
    let o = annexa(&["check", &h("duplicate.json"), "-p", &h("enabled.policy")]);
    refused(
        &o,
        &[
            "annexa::facts::duplicate_key",
            "duplicate key `enabled`",
            "(lines 2 and 4)",
            "first defined here",
            "defined again here",
        ],
    );
}

#[test]
fn duplicate_keys_in_yaml_are_refused_naming_both_lines() {
    let o = annexa(&["check", &h("duplicate.yaml"), "-p", &h("enabled.policy")]);
    refused(
        &o,
        &[
            "annexa::facts::duplicate_key",
            "duplicate key `enabled`",
            "(lines 1 and 3)",
        ],
    );
}

// ---- numbers --------------------------------------------------------------------------------

#[test]
fn huge_numbers_and_infinities_load_as_numbers() {
    let (code, report, o) = check_json(&h("numbers.yaml"), &h("numbers.policy"));
    assert_eq!(code, 0, "{}", stderr(&o));
    for rule in ["huge_int", "overflow_is_infinite", "inf_compares"] {
        assert_eq!(status(&report, rule), "pass", "{rule}");
    }
}

#[test]
fn nan_never_passes_an_ordering() {
    // `.nan` loads as a number; ordering it is a run-time error of the rule (exit 1), never a
    // silent pass. `n == n` is false (IEEE), `n != 1` is true.
    let (code, report, _) = check_json(&h("numbers.yaml"), &h("nan.policy"));
    assert_eq!(code, 1);
    assert_eq!(status(&report, "nan_gt"), "error");
    assert_eq!(status(&report, "nan_not_lt"), "error");
    let err = result(&report, "nan_gt")["error"]
        .as_str()
        .expect("error text");
    assert!(
        err.contains("cannot compare") && err.contains("nan.policy:3:"),
        "{err}"
    );
    assert_eq!(status(&report, "nan_eq_self"), "fail");
    assert_eq!(status(&report, "nan_ne"), "pass");
}

#[test]
fn nan_is_named_nan_in_errors() {
    let (_, report, _) = check_json(&h("numbers.yaml"), &h("nan.policy"));
    let err = result(&report, "nan_gt")["error"]
        .as_str()
        .expect("error text");
    assert!(!err.contains("`null`"), "{err}");
    assert!(err.contains("`NaN`"), "{err}");
}

// ---- empty input ----------------------------------------------------------------------------

#[test]
fn an_empty_json_file_is_a_syntax_error() {
    let o = annexa(&["check", &h("empty.json"), "-p", &h("enabled.policy")]);
    refused(&o, &["annexa::facts::syntax", "holds no JSON value"]);
}

#[test]
fn an_empty_yaml_file_is_no_fact_document() {
    let o = annexa(&["check", &h("empty.yaml"), "-p", &h("enabled.policy")]);
    refused(
        &o,
        &["holds no YAML document", "no fact document was found"],
    );
}

#[test]
fn a_comment_only_yaml_file_is_no_fact_document() {
    let o = annexa(&[
        "check",
        &h("comments_only.yaml"),
        "-p",
        &h("enabled.policy"),
    ]);
    refused(
        &o,
        &["is empty and was skipped", "no fact document was found"],
    );
}

#[test]
fn empty_stdin_is_refused() {
    for format in ["json", "yaml"] {
        let o = annexa_stdin(
            &[
                "check",
                "-",
                "--stdin-format",
                format,
                "-p",
                &h("enabled.policy"),
            ],
            b"",
        );
        assert_eq!(code(&o), 2, "{format}: {}", stderr(&o));
        no_panic(&o);
    }
}

#[test]
fn a_folder_with_no_facts_is_refused() {
    let o = annexa(&["check", &h("no_facts"), "-p", &h("enabled.policy")]);
    refused(&o, &["annexa::usage", "no fact document was found"]);
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_in_a_facts_folder_does_not_hang() {
    let dir = scratch("symlink_loop");
    std::fs::create_dir_all(dir.join("a/b")).expect("mkdir");
    std::os::unix::fs::symlink("../..", dir.join("a/b/up")).expect("symlink");
    std::os::unix::fs::symlink(".", dir.join("a/self")).expect("symlink");
    std::os::unix::fs::symlink("loop2", dir.join("loop1")).expect("symlink");
    std::os::unix::fs::symlink("loop1", dir.join("loop2")).expect("symlink");
    let folder = dir.to_str().expect("utf-8");

    // only loops: nothing to judge
    let o = annexa(&["check", folder, "-p", &h("enabled.policy")]);
    refused(&o, &["no fact document was found"]);

    // a real file beside the loops is found once (links are not followed)
    write(&dir.join("a/b"), "facts.json", "{\"enabled\": true}");
    let (code, report, o) = check_json(folder, &h("enabled.policy"));
    assert_eq!(code, 0, "{}", stderr(&o));
    assert_eq!(status(&report, "r"), "pass");
    assert_eq!(result(&report, "r")["subjects"], 1);
}

// ---- policies -------------------------------------------------------------------------------

#[test]
fn a_use_cycle_between_policy_files_compiles() {
    let (code, report, o) = check_json(&h("bom.json"), &h("use_cycle"));
    assert_eq!(code, 0, "{}", stderr(&o));
    assert_eq!(status(&report, "a.ra"), "pass");
    assert_eq!(status(&report, "b.rb"), "pass");
}

#[test]
fn a_10000_character_identifier_compiles() {
    let dir = scratch("long_ident");
    let name = "a".repeat(10_000);
    let p = write(
        &dir,
        "long.policy",
        format!("let {name} = 1\nrule r {{\n  controls A.8.24\n  require {name} == 1\n}}\n"),
    );
    let (code, report, o) = check_json(&h("bom.json"), &p);
    assert_eq!(code, 0, "{}", stderr(&o));
    assert_eq!(status(&report, "r"), "pass");

    // as a fact name it is simply missing
    let p = write(
        &dir,
        "fact.policy",
        format!("rule r {{\n  controls A.8.24\n  require {name} == 1\n}}\n"),
    );
    let (code, report, _) = check_json(&h("bom.json"), &p);
    assert_eq!(code, 1);
    assert_eq!(result(&report, "r")["violations"][0]["reason"], "missing");
}

#[test]
fn a_10000_character_unknown_name_gets_a_clean_diagnostic() {
    let dir = scratch("long_unknown");
    let name = "b".repeat(10_000);
    let p = write(
        &dir,
        "unknown.policy",
        format!("rule r {{\n  controls A.8.24\n  require {name}(1)\n}}\n"),
    );
    let o = annexa(&["check", &h("bom.json"), "-p", &p]);
    refused(&o, &["annexa::unknown_function"]);
}

#[test]
fn a_catastrophic_regex_runs_in_linear_time() {
    let dir = scratch("regex");
    let subject = format!("{}b", "a".repeat(100_000));
    let f = write(
        &dir,
        "s.json",
        serde_json::json!({ "s": subject }).to_string(),
    );
    let (code, report, o) = check_json(&f, &h("regex.policy"));
    assert_eq!(code, 0, "{}", stderr(&o));
    assert_eq!(status(&report, "catastrophic"), "pass");
    assert_eq!(status(&report, "nested_quantifiers"), "pass");
}

#[test]
fn a_10000_deep_bracketed_expression_is_too_deep() {
    let dir = scratch("deep_parens");
    let n = 10_000;
    let p = write(
        &dir,
        "deep.policy",
        format!(
            "rule r {{\n  controls A.8.24\n  require {}enabled{}\n}}\n",
            "(".repeat(n),
            ")".repeat(n)
        ),
    );
    let o = annexa(&["check", &h("bom.json"), "-p", &p]);
    refused(
        &o,
        &[
            "annexa::too_deep",
            "nests more than 256 levels",
            "deep.policy:3:",
        ],
    );
}

#[test]
fn deep_lists_and_objects_in_a_policy_are_too_deep() {
    let dir = scratch("deep_literals");
    let n = 10_000;
    let p = write(
        &dir,
        "lists.policy",
        format!("let x = {}1{}\n", "[".repeat(n), "]".repeat(n)),
    );
    let o = annexa(&["lint", &p]);
    refused(&o, &["annexa::too_deep"]);
    let p = write(
        &dir,
        "objects.policy",
        format!("let x = {}1{}\n", "{\"a\": ".repeat(n), "}".repeat(n)),
    );
    let o = annexa(&["lint", &p]);
    refused(&o, &["annexa::too_deep"]);
}

#[test]
fn a_10000_long_not_chain_is_too_deep() {
    let dir = scratch("not_chain");
    let p = write(
        &dir,
        "not.policy",
        format!(
            "rule r {{\n  controls A.8.24\n  require {}enabled\n}}\n",
            "not ".repeat(10_000)
        ),
    );
    let o = annexa(&["check", &h("bom.json"), "-p", &p]);
    refused(&o, &["annexa::too_deep", "nests more than 256 levels"]);
}

#[test]
fn a_10000_long_unary_minus_chain_is_too_deep() {
    let dir = scratch("neg_chain");
    let p = write(
        &dir,
        "neg.policy",
        format!(
            "rule r {{\n  controls A.8.24\n  require {}1 < 0\n}}\n",
            "-".repeat(10_000)
        ),
    );
    let o = annexa(&["check", &h("bom.json"), "-p", &p]);
    refused(&o, &["annexa::too_deep"]);
}

#[test]
fn long_flat_chains_do_not_overflow_the_stack() {
    // left-associative chains and postfix chains are not nesting in the spec's sense; whatever
    // the engine decides (compile, or a clean diagnostic), it must not crash.
    let dir = scratch("flat_chains");
    for (name, expr) in [
        ("and", format!("enabled{}", " and enabled".repeat(10_000))),
        ("or", format!("enabled{}", " or enabled".repeat(10_000))),
        ("plus", format!("1{} > 0", " + 1".repeat(10_000))),
        ("fields", format!("facts{} == 1", ".a".repeat(10_000))),
    ] {
        let p = write(
            &dir,
            &format!("{name}.policy"),
            format!("rule r {{\n  controls A.8.24\n  require {expr}\n}}\n"),
        );
        let o = annexa(&["check", &h("bom.json"), "-p", &p, "--format", "json"]);
        no_panic(&o);
        let c = code(&o);
        assert!(c == 0 || c == 1 || c == 2, "{name}: exit {c}");
        if c == 2 {
            assert!(stderr(&o).contains("annexa::"), "{name}: {}", stderr(&o));
        }
    }
}

// ---- evaluation limits -----------------------------------------------------------------------

#[test]
fn a_quadratic_join_ends_in_error_naming_the_rule() {
    // 8,000 × 8,000 comparisons: far over the 50,000,000-step limit of one rule on one document.
    let dir = scratch("join");
    let xs: Vec<u32> = (0..8_000).collect();
    let f = write(&dir, "xs.json", serde_json::json!({ "xs": xs }).to_string());
    let (exit, report, _) = check_json(&f, &h("join.policy"));
    assert_eq!(exit, 1);
    let r = result(&report, "quadratic_join");
    assert_eq!(r["status"], "error");
    let err = r["error"].as_str().expect("error text");
    assert!(err.contains("exceeded 50000000 steps"), "{err}");
    assert!(err.contains("join.policy:5:"), "{err}");

    // the human report names the rule on the ERROR line
    let o = annexa(&["check", &f, "-p", &h("join.policy"), "--now", NOW]);
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).contains("ERROR  quadratic_join"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_quadratic_filter_with_in_trips_the_step_limit() {
    let dir = scratch("join_in");
    let xs: Vec<u32> = (0..30_000).collect();
    let f = write(&dir, "xs.json", serde_json::json!({ "xs": xs }).to_string());
    let p = write(
        &dir,
        "in.policy",
        "rule in_join {\n  controls A.8.24\n  require count(xs[. in xs]) > 0\n}\n",
    );
    let (_, report, _) = check_json(&f, &p);
    assert_eq!(status(&report, "in_join"), "error");
}

#[path = "hostile/bounds.rs"]
mod bounds;

#[path = "hostile/stack.rs"]
mod stack;
