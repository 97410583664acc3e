//! The evaluator: a fixed set of policies (the language spec's example and the built-in pack)
//! against structured arbitrary facts. The facts start from nothing or from one of the example
//! pipelines and are then edited (members set to arbitrary values, members removed), so the
//! fuzzer reaches deep into the rules instead of stopping at the first missing top-level key.
//! Every report is rendered in every format and checked for internal consistency.
#![no_main]

use std::sync::OnceLock;

use annexa::unstable::compile::Program;
use annexa::unstable::eval::{EvalOptions, evaluate};
use annexa::unstable::facts::{Document, LoadOptions, load_bytes};
use annexa::unstable::findings::Status;
use annexa::unstable::source::SourceFile;
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

const SPEC_EXAMPLE: &str = include_str!("../../examples/policies/ml_data_protection.policy");
const BASES: &[&str] = &[
    include_str!("../../examples/compliant/ml-pipeline.yaml"),
    include_str!("../../examples/compliant/pipeline.yaml"),
    include_str!("../../examples/facts/pipeline.yaml"),
    include_str!("../../examples/pipelines/fraud-tabular.yaml"),
    include_str!("../../examples/pipelines/llm-finetune-vendor.yaml"),
    include_str!("../../examples/pipelines/vision-open-data.yaml"),
];
/// Nesting beyond this becomes `null` (the loader refuses facts deeper than 128 anyway).
const MAX_DEPTH: usize = 48;

struct Fixture {
    programs: Vec<Program>,
    bases: Vec<Value>,
    /// Every key and string of the example facts: the fuzzer picks from these, so generated
    /// facts use the names the policies read.
    words: Vec<String>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let mut programs = Vec::new();
        let spec = annexa::unstable::syntax::parse(&SourceFile::new("spec.policy", SPEC_EXAMPLE))
            .unwrap_or_else(|d| panic!("the spec example parses: {d}"));
        programs.extend(annexa::unstable::compile::compile(vec![spec]).program);
        let pack = annexa::unstable::pack::modules().unwrap_or_else(|d| panic!("the pack parses: {d}"));
        programs.extend(annexa::unstable::compile::compile(pack).program);
        assert_eq!(programs.len(), 2, "both policy sets compile");
        let mut bases = Vec::new();
        let mut words = Vec::new();
        for text in BASES {
            let loaded = load_bytes(
                "base.yaml",
                text.as_bytes(),
                annexa::unstable::facts::Format::Yaml,
                &LoadOptions::default(),
            )
            .unwrap_or_else(|e| panic!("an example loads: {e}"));
            for doc in &loaded.documents {
                let v = doc.to_json(doc.root());
                collect_words(&v, &mut words);
                bases.push(v);
            }
        }
        words.sort();
        words.dedup();
        Fixture {
            programs,
            bases,
            words,
        }
    })
}

fn collect_words(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| collect_words(x, out)),
        Value::Object(o) => {
            for (k, x) in o {
                out.push(k.clone());
                collect_words(x, out);
            }
        }
        _ => {}
    }
}

#[derive(Arbitrary, Debug)]
enum Fact {
    Null,
    Bool(bool),
    Small(i8),
    Int(i64),
    Float(f64),
    Word(u16),
    Date(u16, u8, u8),
    Text(String),
    List(Vec<Fact>),
    Object(Vec<(Key, Fact)>),
}

#[derive(Arbitrary, Debug)]
enum Key {
    Word(u16),
    Text(String),
}

#[derive(Arbitrary, Debug)]
enum Edit {
    /// Follow the steps (each picks a child by index, modulo the count) and replace that value.
    Set(Vec<u16>, Fact),
    /// Follow the steps and remove the member or element reached.
    Remove(Vec<u16>),
    /// Add a member to the object reached.
    Add(Vec<u16>, Key, Fact),
}

#[derive(Arbitrary, Debug)]
struct Input {
    /// 0: start from a generated value; otherwise from an example pipeline.
    base: u8,
    fresh: Fact,
    edits: Vec<Edit>,
    /// Which policy set, and the clock.
    program: bool,
    now_days: u16,
}

fn word(f: &Fixture, i: u16) -> String {
    match f.words.len() {
        0 => String::new(),
        n => f.words.get(usize::from(i) % n).cloned().unwrap_or_default(),
    }
}

fn key(f: &Fixture, k: &Key) -> String {
    match k {
        Key::Word(i) => word(f, *i),
        Key::Text(s) => s.clone(),
    }
}

fn to_json(f: &Fixture, fact: &Fact, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    match fact {
        Fact::Null => Value::Null,
        Fact::Bool(b) => Value::Bool(*b),
        Fact::Small(i) => Value::from(*i),
        Fact::Int(i) => Value::from(*i),
        // NaN and the infinities become null, as in Document::to_json
        Fact::Float(x) => serde_json::Number::from_f64(*x).map_or(Value::Null, Value::Number),
        Fact::Word(i) => Value::String(word(f, *i)),
        Fact::Date(y, m, d) => {
            Value::String(format!("{:04}-{:02}-{:02}", 1990 + y % 60, m % 13, d % 32))
        }
        Fact::Text(s) => Value::String(s.clone()),
        Fact::List(xs) => Value::Array(xs.iter().map(|x| to_json(f, x, depth + 1)).collect()),
        Fact::Object(ms) => {
            let mut o = Map::new();
            for (k, v) in ms {
                o.insert(key(f, k), to_json(f, v, depth + 1));
            }
            Value::Object(o)
        }
    }
}

/// The value reached by `steps` (each step picks a child modulo the count; stops early at a
/// scalar or an empty collection).
fn walk<'v>(v: &'v mut Value, steps: &[u16]) -> &'v mut Value {
    let Some((&s, rest)) = steps.split_first() else {
        return v;
    };
    let n = match &*v {
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        _ => 0,
    };
    if n == 0 {
        return v;
    }
    let i = usize::from(s) % n;
    match v {
        Value::Array(a) => walk(&mut a[i], rest),
        Value::Object(o) => walk(o.values_mut().nth(i).expect("i < len"), rest),
        _ => unreachable!("n > 0 only for collections"),
    }
}

fn apply(f: &Fixture, root: &mut Value, edit: &Edit) {
    match edit {
        Edit::Set(steps, fact) => *walk(root, steps) = to_json(f, fact, 1),
        Edit::Add(steps, k, fact) => {
            if let Value::Object(o) = walk(root, steps) {
                o.insert(key(f, k), to_json(f, fact, 1));
            }
        }
        Edit::Remove(steps) => {
            let Some((last, parent)) = steps.split_last() else {
                return;
            };
            match walk(root, parent) {
                Value::Array(a) if !a.is_empty() => {
                    let i = usize::from(*last) % a.len();
                    a.remove(i);
                }
                Value::Object(o) if !o.is_empty() => {
                    let i = usize::from(*last) % o.len();
                    if let Some(k) = o.keys().nth(i).cloned() {
                        o.shift_remove(&k);
                    }
                }
                _ => {}
            }
        }
    }
}

fuzz_target!(|input: Input| {
    let f = fixture();
    let mut facts = match (usize::from(input.base), f.bases.len()) {
        (0, _) | (_, 0) => to_json(f, &input.fresh, 1),
        (b, n) => f.bases.get((b - 1) % n).cloned().unwrap_or(Value::Null),
    };
    for e in input.edits.iter().take(64) {
        apply(f, &mut facts, e);
    }
    let doc = Document::from_json("fuzz.json", &facts);
    let program = if input.program {
        f.programs.get(1)
    } else {
        f.programs.first()
    };
    let Some(program) = program else { return };
    let options = EvalOptions {
        now: 1_700_000_000 + i64::from(input.now_days) * 86_400,
        params: Vec::new(),
        step_limit: 2_000_000,
        ..EvalOptions::default()
    };
    let report = evaluate(program, &[doc], &options)
        .unwrap_or_else(|e| panic!("no params given, yet: {e:?}"));
    for r in &report.results {
        match r.status {
            Status::Pass => assert!(
                r.violations.is_empty() && r.error.is_none(),
                "a pass with violations: {r:?}"
            ),
            Status::Fail => assert!(!r.violations.is_empty(), "a fail without violations: {r:?}"),
            Status::Error => assert!(r.error.is_some(), "an error without a message: {r:?}"),
            _ => {}
        }
    }
    let s = &report.summary;
    assert_eq!(s.rules, report.results.len());
    assert_eq!(
        s.passed + s.failed + s.skipped + s.waived + s.errors,
        s.rules,
        "summary counts"
    );
    for (_, format) in annexa::unstable::report::Format::ALL {
        let _ = annexa::unstable::report::render(&report, format, false);
    }
});
