//! Calling a host function: policy values → JSON arguments, the embedder's closure, its JSON
//! result → a value (a document in the evaluation's arena, so it is read like any other
//! value but is never taken for a fact of the document under evaluation).

use std::panic::{AssertUnwindSafe, catch_unwind};

use serde_json::Value;

use super::embedded::Docs;
use super::ops;
use super::value::Val;
use crate::compile::HostFunction;
use crate::facts::Document;

/// The deepest argument or result a host function sees (the ceiling of `fact-depth` in
/// `annexa.toml`): the embedder's code clones, serialises and drops `serde_json::Value`s,
/// which recurse once per level, and a fact tree an embedder let load deeper must not take
/// the host's thread stack with it.
pub(crate) const MAX_DEPTH: usize = 250;

/// Calls `f` on `args`: the value and the number of nodes it has (work charged to the rule).
/// A missing argument gives it back without calling `f`: the host never judges a fact that is
/// not there, and the gap names that fact. The error is the sentence of the rule error.
pub(crate) fn call<'a>(
    f: &HostFunction,
    args: &[Val<'a>],
    docs: &mut Docs<'a>,
) -> Result<(Val<'a>, u64), String> {
    if let Some(missing) = args.iter().find(|a| a.is_missing()) {
        return Ok((missing.clone(), 0));
    }
    let json: Vec<Value> = args.iter().filter_map(ops::to_json).collect();
    let too_deep = json
        .iter()
        .enumerate()
        .map(|(i, j)| (i, shape(j).depth))
        .find(|(_, depth)| *depth > MAX_DEPTH);
    if let Some((i, depth)) = too_deep {
        json.into_iter().for_each(dismantle);
        return Err(format!(
            "host function `{}`: argument {} is nested {depth} levels deep; at most {MAX_DEPTH} are passed",
            f.name,
            i + 1
        ));
    }
    // a panic in the embedder's code fails this rule closed instead of unwinding through the
    // evaluation of every other rule
    let returned = catch_unwind(AssertUnwindSafe(|| (f.call)(&json)));
    json.into_iter().for_each(dismantle);
    let value = match returned {
        Ok(Ok(value)) => value,
        Ok(Err(message)) => return Err(format!("host function `{}` failed: {message}", f.name)),
        Err(_) => return Err(format!("host function `{}` panicked", f.name)),
    };
    let shape = shape(&value);
    if shape.depth > MAX_DEPTH {
        dismantle(value);
        return Err(format!(
            "host function `{}` returned a value nested {} levels deep; at most {MAX_DEPTH} are accepted",
            f.name, shape.depth
        ));
    }
    let doc = Document::from_json(&format!("<host function {}>", f.name), &value);
    dismantle(value);
    let Some(doc) = docs.store(doc) else {
        return Err(format!(
            "host function `{}` cannot be called outside an evaluation",
            f.name
        ));
    };
    Ok((Val::Node(doc, doc.root()), shape.nodes))
}

struct Shape {
    /// Collections nested, the root collection being level 1 (as `LoadOptions::max_depth`).
    depth: usize,
    nodes: u64,
}

/// Measured with an explicit stack: the host may return any depth.
fn shape(value: &Value) -> Shape {
    let mut out = Shape { depth: 0, nodes: 0 };
    let mut todo: Vec<(&Value, usize)> = vec![(value, 0)];
    while let Some((v, above)) = todo.pop() {
        out.nodes = out.nodes.saturating_add(1);
        match v {
            Value::Array(items) => {
                out.depth = out.depth.max(above + 1);
                todo.extend(items.iter().map(|c| (c, above + 1)));
            }
            Value::Object(members) => {
                out.depth = out.depth.max(above + 1);
                todo.extend(members.values().map(|c| (c, above + 1)));
            }
            _ => {}
        }
    }
    out
}

/// Drops `value` without recursion (`serde_json::Value`'s own drop recurses once per level, so
/// a deep value returned by the host would overflow a small thread stack).
fn dismantle(value: Value) {
    let mut todo = vec![value];
    while let Some(v) = todo.pop() {
        match v {
            Value::Array(items) => todo.extend(items),
            Value::Object(members) => todo.extend(members.into_iter().map(|(_, c)| c)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::embedded::Arena;
    use crate::eval::ops::to_json;
    use serde_json::json;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn echo() -> HostFunction {
        HostFunction::new("echo", 1, |args| {
            Ok(args.first().cloned().unwrap_or_default())
        })
    }

    #[test]
    fn a_missing_argument_is_given_back_and_the_host_is_not_called() {
        let calls = Arc::new(AtomicUsize::new(0));
        let seen = calls.clone();
        let f = HostFunction::new("f", 2, move |_| {
            seen.fetch_add(1, Ordering::Relaxed);
            Ok(json!(true))
        });
        let arena = Arena::new();
        let mut docs = Docs::new(&arena);
        let out = call(&f, &[Val::Int(1), Val::Missing(None)], &mut docs);
        assert!(matches!(out, Ok((Val::Missing(None), 0))));
        assert_eq!(calls.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn arguments_and_results_round_trip_as_json() {
        let arena = Arena::new();
        let mut docs = Docs::new(&arena);
        let fact = json!({"a": [1, 2.5, "x", null, {"b": true}]});
        let doc = Document::from_json("f.json", &fact);
        let arg = Val::Node(&doc, doc.root());
        let (value, nodes) = call(&echo(), &[arg], &mut docs).unwrap_or((Val::Int(0), 0));
        assert_eq!(to_json(&value), Some(fact));
        assert_eq!(nodes, 8);
        // a result is not a fact of the document that was evaluated
        assert!(!crate::eval::expr::is_fact_of(&value, &doc));
    }

    #[test]
    fn errors_and_panics_name_the_function() {
        let arena = Arena::new();
        let mut docs = Docs::new(&arena);
        let failing = HostFunction::new("lookup", 0, |_| Err("no such team".to_string()));
        assert_eq!(
            call(&failing, &[], &mut docs).err().as_deref(),
            Some("host function `lookup` failed: no such team")
        );
        #[allow(clippy::panic)]
        let panicking = HostFunction::new("boom", 0, |_| panic!("host bug"));
        assert_eq!(
            call(&panicking, &[], &mut docs).err().as_deref(),
            Some("host function `boom` panicked")
        );
    }

    #[test]
    fn a_result_deeper_than_fact_files_may_be_is_refused_without_recursing() {
        let deep = HostFunction::new("deep", 0, |_| {
            let mut v = json!(0);
            for _ in 0..200_000 {
                v = Value::Array(vec![v]);
            }
            Ok(v)
        });
        let run = move || {
            let arena = Arena::new();
            let mut docs = Docs::new(&arena);
            call(&deep, &[], &mut docs).err().unwrap_or_default()
        };
        // a small thread: the depth check and the drop must not recurse
        let message = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(run)
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        assert!(message.contains("200000 levels deep"), "{message}");
        assert!(message.contains("at most 250"), "{message}");
    }

    #[test]
    fn an_argument_deeper_than_the_bound_is_refused_before_the_host_sees_it() {
        let calls = Arc::new(AtomicUsize::new(0));
        let seen = calls.clone();
        let f = HostFunction::new("f", 1, move |_| {
            seen.fetch_add(1, Ordering::Relaxed);
            Ok(json!(true))
        });
        let nested = |n: usize| {
            let mut v = json!(1);
            for _ in 0..n {
                v = Value::Array(vec![v]);
            }
            v
        };
        let arena = Arena::new();
        let mut docs = Docs::new(&arena);
        let ok = Document::from_json("ok.json", &nested(MAX_DEPTH));
        assert!(call(&f, &[Val::Node(&ok, ok.root())], &mut docs).is_ok());
        let deep = Document::from_json("deep.json", &nested(MAX_DEPTH + 1));
        let err = call(&f, &[Val::Node(&deep, deep.root())], &mut docs).err();
        assert_eq!(
            err.as_deref(),
            Some("host function `f`: argument 1 is nested 251 levels deep; at most 250 are passed")
        );
        assert_eq!(calls.load(Ordering::Relaxed), 1);
    }
}
