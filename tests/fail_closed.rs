//! Fail-closed, as a property (issue 6 item 4): removing a fact a passing rule read never leaves
//! that rule silently passing.
//!
//! Which facts a rule read is not observable from outside, so it is approximated: take the pack
//! and its compliant example (`examples/compliant/ml-pipeline.yaml`), where rules pass; remove one
//! object member P (sampled by proptest) and evaluate again. For each rule R that passed before
//! and still passes after, with no evidence gap, evaluate once more with P *present but mutated*
//! (booleans flipped, strings `"x"`, numbers `-1`, collections emptied, null → `"x"`). If R then
//! no longer passes, R read P — and removing P silently passed: a fail-open bug.
//!
//! Rules that say absence is fine (`p ?? default`, `exists(p)`) are allowed to pass on removal;
//! such a pair is reported with the rule's source so the reader can tell which it is.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::Path;
use std::sync::OnceLock;

use annexa::unstable::compile::Program;
use annexa::unstable::eval::{EvalOptions, evaluate};
use annexa::unstable::facts::{Document, LoadOptions, load_path};
use annexa::unstable::findings::{Report, Status};
use proptest::prelude::*;
use serde_json::Value;

const EXAMPLE: &str = "examples/compliant/ml-pipeline.yaml";
/// A fixed clock (the example's dates are judged against it).
const NOW: i64 = 1_795_564_800; // 2026-11-25

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

struct Fixture {
    program: Program,
    facts: Value,
    baseline: Report,
    /// Every object member of the document, as the steps from the root.
    members: Vec<Vec<Step>>,
    /// Keys the pack reads with `?? default` or `exists(…)`: absence is declared fine for them.
    absence_ok: Vec<String>,
}

fn options() -> EvalOptions {
    EvalOptions {
        now: NOW,
        ..EvalOptions::default()
    }
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let program = annexa::unstable::compile::compile(
            annexa::unstable::pack::modules().expect("the pack parses"),
        )
        .program
        .expect("the pack compiles");
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(EXAMPLE);
        let loaded = load_path(&path, EXAMPLE, &LoadOptions::default()).expect("the example loads");
        let doc = loaded.documents.first().expect("one document");
        let facts = doc.to_json(doc.root());
        let baseline = run(&program, &facts);
        let mut members = Vec::new();
        collect(&facts, &mut Vec::new(), &mut members);
        let absence_ok = absence_ok_keys();
        Fixture {
            program,
            facts,
            baseline,
            members,
            absence_ok,
        }
    })
}

/// Keys written as `KEY ??` or inside `exists(…KEY)` anywhere in the pack (or its stdlib).
fn absence_ok_keys() -> Vec<String> {
    let mut texts: Vec<String> = annexa::unstable::pack::files()
        .iter()
        .map(|(_, t)| (*t).to_string())
        .collect();
    let stdlib = Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib");
    for e in std::fs::read_dir(stdlib).into_iter().flatten().flatten() {
        texts.extend(std::fs::read_to_string(e.path()));
    }
    let default = regex::Regex::new(r"([A-Za-z_][A-Za-z0-9_]*)\s*\?\?").expect("regex");
    let exists = regex::Regex::new(r"exists\(([^()]*)\)").expect("regex");
    let word = regex::Regex::new(r"[A-Za-z_][A-Za-z0-9_]*").expect("regex");
    let mut keys = Vec::new();
    for t in &texts {
        keys.extend(default.captures_iter(t).map(|c| c[1].to_string()));
        for c in exists.captures_iter(t) {
            keys.extend(word.find_iter(&c[1]).map(|m| m.as_str().to_string()));
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

fn run(program: &Program, facts: &Value) -> Report {
    evaluate(
        program,
        &[Document::from_json("facts.json", facts)],
        &options(),
    )
    .expect("no params")
}

fn collect(v: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match v {
        Value::Object(o) => {
            for (k, c) in o {
                at.push(Step::Key(k.clone()));
                out.push(at.clone());
                collect(c, at, out);
                at.pop();
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                at.push(Step::Index(i));
                collect(c, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn pointer(steps: &[Step]) -> String {
    steps
        .iter()
        .map(|s| match s {
            Step::Key(k) => format!("/{}", k.replace('~', "~0").replace('/', "~1")),
            Step::Index(i) => format!("/{i}"),
        })
        .collect()
}

/// The parent of the member at `steps`, and the member's key.
fn parent<'v>(
    root: &'v mut Value,
    steps: &[Step],
) -> (&'v mut serde_json::Map<String, Value>, String) {
    let (last, path) = steps.split_last().expect("a member has a key");
    let mut v = root;
    for s in path {
        v = match s {
            Step::Key(k) => v.get_mut(k.as_str()).expect("path exists"),
            Step::Index(i) => v.get_mut(*i).expect("path exists"),
        };
    }
    let Step::Key(k) = last else {
        panic!("members end in a key")
    };
    (v.as_object_mut().expect("an object"), k.clone())
}

fn removed(facts: &Value, steps: &[Step]) -> Value {
    let mut f = facts.clone();
    let (obj, key) = parent(&mut f, steps);
    obj.shift_remove(&key);
    f
}

fn mutated(facts: &Value, steps: &[Step]) -> Value {
    let mut f = facts.clone();
    let (obj, key) = parent(&mut f, steps);
    let v = obj.get_mut(&key).expect("member exists");
    *v = match v {
        Value::Bool(b) => Value::Bool(!*b),
        Value::String(_) | Value::Null => Value::String("x".into()),
        Value::Number(_) => Value::from(-1),
        Value::Array(_) => Value::Array(Vec::new()),
        Value::Object(_) => Value::Object(serde_json::Map::new()),
    };
    f
}

fn status_of<'r>(
    report: &'r Report,
    rule: &str,
) -> Option<&'r annexa::unstable::findings::RuleResult> {
    report.results.iter().find(|r| r.rule == rule)
}

/// The rules that silently pass without the member at `steps` although they read it.
fn fail_open(f: &Fixture, steps: &[Step]) -> Vec<String> {
    let after = run(&f.program, &removed(&f.facts, steps));
    let mut suspects = Vec::new();
    for before in &f.baseline.results {
        if before.status != Status::Pass {
            continue;
        }
        let Some(r) = status_of(&after, &before.rule) else {
            continue;
        };
        if r.status == Status::Pass && r.evidence_gaps.is_empty() {
            suspects.push(r.rule.clone());
        }
    }
    let key_ok = matches!(steps.last(), Some(Step::Key(k)) if f.absence_ok.contains(k));
    if suspects.is_empty() || key_ok {
        return Vec::new();
    }
    let changed = run(&f.program, &mutated(&f.facts, steps));
    suspects
        .into_iter()
        .filter(|rule| status_of(&changed, rule).is_some_and(|r| r.status != Status::Pass))
        .map(|rule| {
            format!(
                "{rule} read {} (its value decides the rule), yet passes without it",
                pointer(steps)
            )
        })
        .collect()
}

#[test]
fn the_example_passes_enough_rules_to_mean_something() {
    let f = fixture();
    let passed = f
        .baseline
        .results
        .iter()
        .filter(|r| r.status == Status::Pass)
        .count();
    assert!(passed >= 10, "only {passed} rules pass on {EXAMPLE}");
    assert!(f.members.len() >= 50, "only {} members", f.members.len());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn removing_a_fact_a_passing_rule_read_never_passes_silently(i in any::<prop::sample::Index>()) {
        let f = fixture();
        let steps = i.get(&f.members);
        let bad = fail_open(f, steps);
        prop_assert!(bad.is_empty(), "fail-open:\n{}", bad.join("\n"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    /// v2, "gaps decide": whatever fact is removed, a rule that recorded an evidence gap is
    /// never reported as pass or skip: it is incomplete (or failed, or in error).
    #[test]
    fn a_rule_with_an_evidence_gap_is_never_pass_or_skip(i in any::<prop::sample::Index>()) {
        let f = fixture();
        let steps = i.get(&f.members);
        let after = run(&f.program, &removed(&f.facts, steps));
        for r in &after.results {
            prop_assert!(
                r.evidence_gaps.is_empty() || !matches!(r.status, Status::Pass | Status::Skip),
                "{} is {} with gaps without {}",
                r.rule,
                r.status.as_str(),
                pointer(steps)
            );
            prop_assert_eq!(
                r.status == Status::Incomplete,
                r.violations.is_empty() && !r.evidence_gaps.is_empty() && r.status != Status::Error
                    && r.skip_reason.is_none(),
                "{} without {}", &r.rule, pointer(steps)
            );
        }
    }
}
