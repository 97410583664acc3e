#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Host functions, deadlines and cancellation through the library API: what an embedding
//! program sees (statuses, messages, gap pointers, diagnostics with their codes).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use annexa::unstable::compile::{
    Compiled, HostFunction, HostFunctions, Program, compile_with_host,
};
use annexa::unstable::diagnostics::render_plain;
use annexa::unstable::eval::{EvalError, EvalOptions, ExplainError, Stop, evaluate, explain};
use annexa::unstable::facts::Document;
use annexa::unstable::findings::{Reason, Report, Status};
use annexa::unstable::source::SourceFile;
use serde_json::{Value, json};

/// `owner_of(team)`: the owning group of a team, from a table the host keeps; an unknown team
/// is the host's error. Counts its calls in `calls`.
fn hosts(calls: &Arc<AtomicUsize>) -> HostFunctions {
    let mut hosts = HostFunctions::new();
    let seen = calls.clone();
    hosts
        .add(HostFunction::new("owner_of", 1, move |args| {
            seen.fetch_add(1, Ordering::Relaxed);
            match args.first().and_then(Value::as_str) {
                Some("vision") => Ok(json!("ml-platform")),
                Some("ads") => Ok(json!({"group": "revenue", "on_call": ["ana", "bo"]})),
                Some(other) => Err(format!("no team `{other}` in the directory")),
                None => Err("a team name must be a string".to_string()),
            }
        }))
        .unwrap();
    hosts
        .add(HostFunction::new("sum3", 3, |args| {
            Ok(json!(args.iter().filter_map(Value::as_i64).sum::<i64>()))
        }))
        .unwrap();
    hosts
}

fn compile(text: &str, hosts: &HostFunctions) -> Compiled {
    let file = SourceFile::new("p.policy", text);
    compile_with_host(
        vec![annexa::unstable::syntax::parse(&file).unwrap()],
        None,
        hosts,
    )
}

fn program(text: &str, hosts: &HostFunctions) -> Program {
    let compiled = compile(text, hosts);
    let rendered: Vec<String> = compiled
        .diagnostics
        .iter()
        .map(|d| render_plain(d, 100))
        .collect();
    compiled.program.unwrap_or_else(|| panic!("{rendered:#?}"))
}

fn run(program: &Program, facts: Value) -> Report {
    let doc = Document::from_json("f.json", &facts);
    evaluate(program, &[doc], &EvalOptions::default()).unwrap()
}

fn status(report: &Report, rule: &str) -> Status {
    report
        .results
        .iter()
        .find(|r| r.rule == rule)
        .unwrap()
        .status
}

/// The diagnostics of a policy that must not compile, rendered, with their codes first.
fn errors(text: &str, hosts: &HostFunctions) -> String {
    let compiled = compile(text, hosts);
    assert!(compiled.program.is_none(), "compiled: {text}");
    compiled
        .diagnostics
        .iter()
        .map(|d| format!("[{}]\n{}", d.code(), render_plain(d, 100)))
        .collect::<Vec<_>>()
        .join("\n")
}

const OWNERS: &str = r#"
rule owned {
  controls A.5.9
  for d in datasets {
    require owner_of(d.team) == "ml-platform" else "{d.name} is owned by {owner_of(d.team)}"
  }
}
rule structured {
  controls A.5.9
  require owner_of("ads").group == "revenue"
  require count(owner_of("ads").on_call) == 2
  require sum3(1, 2, 3) == 6
}
"#;

#[test]
fn a_host_function_is_called_like_a_builtin_and_its_result_is_a_value() {
    let calls = Arc::new(AtomicUsize::new(0));
    let program = program(OWNERS, &hosts(&calls));
    let report = run(
        &program,
        json!({"datasets": [{"name": "a", "team": "vision"}]}),
    );
    assert_eq!(status(&report, "owned"), Status::Pass);
    assert_eq!(status(&report, "structured"), Status::Pass);
    assert!(calls.load(Ordering::Relaxed) >= 3);

    let report = run(
        &program,
        json!({"datasets": [{"name": "a", "team": "vision"}, {"name": "b", "team": "ads"}]}),
    );
    assert_eq!(status(&report, "owned"), Status::Fail);
    let owned = report.results.iter().find(|r| r.rule == "owned").unwrap();
    assert_eq!(owned.violations.len(), 1);
    // the violation points at the fact the host was asked about
    assert_eq!(owned.violations[0].path, "/datasets/1/team");
    assert_eq!(
        owned.violations[0].message,
        r#"b is owned by {"group":"revenue","on_call":["ana","bo"]}"#
    );
}

#[test]
fn a_missing_argument_makes_the_call_missing_without_calling_the_host() {
    let calls = Arc::new(AtomicUsize::new(0));
    let program = program(OWNERS, &hosts(&calls));
    let before = calls.load(Ordering::Relaxed);
    let report = run(&program, json!({"datasets": [{"name": "a"}]}));
    let owned = report.results.iter().find(|r| r.rule == "owned").unwrap();
    // a `require` on a missing fact fails closed, and names the fact
    assert_eq!(owned.status, Status::Fail);
    assert_eq!(owned.violations.len(), 1);
    assert_eq!(owned.violations[0].reason, Reason::Missing);
    assert_eq!(owned.violations[0].path, "/datasets/0/team");
    assert_eq!(owned.violations[0].message, "a is owned by <missing>");
    // `structured` asks about "ads" twice; `owned` never asks about the missing team
    assert_eq!(calls.load(Ordering::Relaxed) - before, 2);

    // where a missing fact leaves a filter undecided, the gap names it and the rule is
    // incomplete, never pass
    let text = "rule filtered {\n  controls A.5.9\n  require count(datasets[owner_of(.team) == \"ads\"]) == 0\n}\n";
    let program = self::program(text, &hosts(&calls));
    let report = run(
        &program,
        json!({"datasets": [{"name": "a"}, {"team": "vision"}]}),
    );
    let filtered = &report.results[0];
    assert_eq!(filtered.status, Status::Incomplete);
    assert_eq!(filtered.evidence_gaps.len(), 1);
    assert_eq!(filtered.evidence_gaps[0].path, "/datasets/0/team");
    assert_eq!(
        filtered.evidence_gaps[0].message,
        "`datasets[owner_of(.team) == \"ads\"]` could not decide for /datasets/0: `/datasets/0/team` is missing"
    );
}

#[test]
fn a_host_error_is_the_rule_error_naming_the_function() {
    let calls = Arc::new(AtomicUsize::new(0));
    let program = program(OWNERS, &hosts(&calls));
    let report = run(
        &program,
        json!({"datasets": [{"name": "a", "team": "search"}]}),
    );
    let owned = report.results.iter().find(|r| r.rule == "owned").unwrap();
    assert_eq!(owned.status, Status::Error);
    assert_eq!(
        owned.error.as_deref(),
        Some(
            "host function `owner_of` failed: no team `search` in the directory in `owner_of(d.team)` at p.policy:5:13"
        )
    );
    // the other rule is unaffected
    assert_eq!(status(&report, "structured"), Status::Pass);
}

#[test]
fn unknown_and_wrong_arity_calls_are_compile_errors_that_know_the_host_names() {
    let calls = Arc::new(AtomicUsize::new(0));
    let hosts = hosts(&calls);
    let text =
        "rule r {\n  controls A.5.9\n  require ownr_of(\"x\") == 1\n  require sum3(1, 2) == 3\n}\n";
    insta::assert_snapshot!("unknown_and_arity", errors(text, &hosts));
}

#[test]
fn user_definitions_may_not_take_a_host_functions_name() {
    let calls = Arc::new(AtomicUsize::new(0));
    let hosts = hosts(&calls);
    let text = "fn owner_of(t) = t\nlet sum3 = 1\nrule r {\n  controls A.5.9\n  let owner_of = 2\n  require true\n}\n";
    insta::assert_snapshot!("reserved_host", errors(text, &hosts));
    // without the host functions the same policy is fine
    assert!(compile(text, &HostFunctions::new()).program.is_some());
}

#[test]
fn the_stdlib_compiles_beside_a_host_function_named_like_one_of_its_fns() {
    let mut hosts = HostFunctions::new();
    hosts
        .add(HostFunction::new("older_than", 2, |_| Ok(json!(false))))
        .unwrap();
    let text = "use std.time\nrule r {\n  controls A.5.9\n  require time.older_than(\"2000-01-01\", 1)\n  require not older_than(1, 2)\n}\n";
    let program = program(text, &hosts);
    let report = run(&program, json!({}));
    // `time.older_than` is the stdlib's (true for a date in 2000), `older_than` the host's
    assert_eq!(status(&report, "r"), Status::Pass);
}

#[test]
fn registration_refuses_builtins_duplicates_and_names_policies_cannot_call() {
    let mut hosts = HostFunctions::new();
    let f = |name: &str| HostFunction::new(name, 1, |_| Ok(Value::Null));
    assert!(hosts.add(f("lookup")).is_ok());
    let refused: Vec<String> = ["count", "lookup", "corp.lookup", "Lookup"]
        .into_iter()
        .map(|n| format!("{n}: {}", hosts.add(f(n)).unwrap_err()))
        .collect();
    insta::assert_snapshot!("registration", refused.join("\n"));
}

/// A policy that keeps the evaluator busy for far longer than the tests wait: every pair of
/// a few thousand elements (compared by `>=`, which no join index serves), in rules that each
/// stay under the step limit.
fn busy_program() -> Program {
    let mut text = String::new();
    for i in 0..50 {
        text.push_str(&format!(
            "rule r{i} {{\n  controls A.5.9\n  for a in xs {{\n    require count(xs[. >= a]) >= 0\n  }}\n}}\n"
        ));
    }
    program(&text, &HostFunctions::new())
}

fn busy_facts() -> Document {
    let xs: Vec<i64> = (0..3_000).collect();
    Document::from_json("f.json", &json!({ "xs": xs }))
}

#[test]
fn cancelling_from_another_thread_stops_the_evaluation_with_no_report() {
    let program = busy_program();
    let doc = busy_facts();
    let cancel = Arc::new(AtomicBool::new(false));
    let options = EvalOptions {
        cancel: Some(cancel.clone()),
        ..EvalOptions::default()
    };
    let started = Instant::now();
    let result = std::thread::scope(|s| {
        let worker = s.spawn(|| evaluate(&program, std::slice::from_ref(&doc), &options));
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            !worker.is_finished(),
            "the evaluation should still be running"
        );
        let set = Instant::now();
        cancel.store(true, Ordering::Relaxed);
        let result = worker.join().unwrap();
        (result, set.elapsed())
    });
    let (result, after_cancel) = result;
    assert_eq!(result.unwrap_err(), EvalError::Cancelled);
    assert!(
        after_cancel < Duration::from_secs(1),
        "stopped {after_cancel:?} after the flag was set"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_deadline_stops_the_evaluation_with_no_report() {
    let program = busy_program();
    let doc = busy_facts();
    let options = EvalOptions {
        deadline: Some(Instant::now() + Duration::from_millis(50)),
        ..EvalOptions::default()
    };
    let started = Instant::now();
    let err = evaluate(&program, &[doc], &options).unwrap_err();
    assert_eq!(err, EvalError::Deadline);
    assert_eq!(err.to_string(), "the evaluation deadline passed");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_deadline_already_past_gives_no_report_even_for_a_trivial_policy() {
    let program = program(
        "rule r {\n  controls A.5.9\n  require true\n}\n",
        &HostFunctions::new(),
    );
    let doc = Document::from_json("f.json", &json!({}));
    let past = EvalOptions {
        deadline: Some(Instant::now()),
        ..EvalOptions::default()
    };
    assert_eq!(
        evaluate(&program, std::slice::from_ref(&doc), &past).unwrap_err(),
        EvalError::Deadline
    );
    let future = EvalOptions {
        deadline: Some(Instant::now() + Duration::from_secs(3600)),
        ..EvalOptions::default()
    };
    let report = evaluate(&program, &[doc], &future).unwrap();
    assert_eq!(status(&report, "r"), Status::Pass);
}

#[test]
fn step_and_memory_budgets_are_set_per_call() {
    let program = busy_program();
    let doc = busy_facts();
    let tight = EvalOptions {
        step_limit: 10_000,
        ..EvalOptions::default()
    };
    let report = evaluate(&program, std::slice::from_ref(&doc), &tight).unwrap();
    let r0 = report.results.iter().find(|r| r.rule == "r0").unwrap();
    assert_eq!(r0.status, Status::Error);
    assert!(
        r0.error
            .as_deref()
            .unwrap_or("")
            .contains("exceeded 10000 steps"),
        "{:?}",
        r0.error
    );
    let small = program_text_memory();
    let report = evaluate(
        &small,
        &[Document::from_json("f.json", &json!({}))],
        &EvalOptions {
            memory_limit: 1_000,
            ..EvalOptions::default()
        },
    )
    .unwrap();
    let r = report.results.iter().find(|r| r.rule == "big").unwrap();
    assert_eq!(r.status, Status::Error);
    assert!(
        r.error
            .as_deref()
            .unwrap_or("")
            .contains("memory budget of 1000 bytes")
    );
}

fn program_text_memory() -> Program {
    program(
        "let a = [1, 2, 3, 4, 5, 6, 7, 8]\nlet b = a + a + a + a + a + a + a + a\nrule big {\n  controls A.5.9\n  require count(b + b + b + b) > 0\n}\n",
        &HostFunctions::new(),
    )
}

#[test]
fn explain_is_stopped_by_a_deadline_too() {
    let program = busy_program();
    let doc = busy_facts();
    let options = EvalOptions {
        deadline: Some(Instant::now() + Duration::from_millis(50)),
        ..EvalOptions::default()
    };
    let err = explain(&program, "r0", &[doc], &options).unwrap_err();
    assert_eq!(err, ExplainError::Stopped(Stop::Deadline));
}
