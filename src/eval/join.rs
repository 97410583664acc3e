//! Equality filters as hash joins. `xs[.key == e]`, where `e` does not read the element, is a
//! lookup in an index of `xs` by `key`, built once per document, instead of a scan of `xs` for
//! every subject (the spec example's `datasets[.name == t.from]` inside `for t in transfers`).
//!
//! The index reproduces the scan exactly: kept elements in list order, an evidence gap for each
//! element whose key is missing, `==` as structural equality (`1 == 1.0`). Whenever a value
//! could compare in a way a hash cannot express (dates, lists, objects, NaN, computed strings),
//! the filter falls back to the scan.

use std::collections::HashMap;
use std::sync::Arc;

use super::value::{Val, View};
use crate::compile::{BinOp, Expr, ExprKind, LetId, Slot};
use crate::facts::NodeId;

/// Lists shorter than this are scanned: building an index would not pay.
pub(crate) const MIN_INDEXED: usize = 8;

/// A filter predicate of the form `.key == probe` (either side).
pub(crate) struct Plan<'a> {
    pub key: &'a Arc<str>,
    pub probe: &'a Expr,
}

/// The join plan of a filter predicate, when it has the indexable form.
pub(crate) fn plan(pred: &Expr, slot: Slot) -> Option<Plan<'_>> {
    let ExprKind::Binary(BinOp::Eq, a, b) = &pred.kind else {
        return None;
    };
    side(a, b, slot).or_else(|| side(b, a, slot))
}

fn side<'a>(element: &'a Expr, probe: &'a Expr, slot: Slot) -> Option<Plan<'a>> {
    match &element.kind {
        ExprKind::Field(base, key)
            if matches!(base.kind, ExprKind::Local(s) if s == slot) && !reads_slot(probe, slot) =>
        {
            Some(Plan { key, probe })
        }
        _ => None,
    }
}

/// Whether an expression reads the local `slot` anywhere.
fn reads_slot(e: &Expr, slot: Slot) -> bool {
    let any = |es: &[Expr]| es.iter().any(|x| reads_slot(x, slot));
    match &e.kind {
        ExprKind::Local(s) => *s == slot,
        ExprKind::Const(_)
        | ExprKind::Param(_)
        | ExprKind::Let(_)
        | ExprKind::Root
        | ExprKind::RootField(_) => false,
        ExprKind::List(items) => any(items),
        ExprKind::Object(members) => members.iter().any(|(_, v)| reads_slot(v, slot)),
        ExprKind::Field(b, _)
        | ExprKind::Index(b, _)
        | ExprKind::Project(b, _)
        | ExprKind::Not(b)
        | ExprKind::Neg(b)
        | ExprKind::Matches(b, _) => reads_slot(b, slot),
        ExprKind::Filter { base, pred, .. } => reads_slot(base, slot) || reads_slot(pred, slot),
        ExprKind::CallFn(_, args)
        | ExprKind::CallBuiltin(_, args)
        | ExprKind::CallHost(_, args) => any(args),
        ExprKind::Binary(_, a, b) => reads_slot(a, slot) || reads_slot(b, slot),
        ExprKind::Quantifier { over, pred, .. } => reads_slot(over, slot) || reads_slot(pred, slot),
    }
}

/// What an index is built over: a top-level let (memoised per document) or a fact array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum BaseKey {
    Let(LetId),
    Node(usize, NodeId),
}

/// The base's identity, when it is stable for the whole document.
pub(crate) fn base_key(base_expr: &Expr, base: &Val<'_>) -> Option<BaseKey> {
    if let ExprKind::Let(id) = base_expr.kind {
        return Some(BaseKey::Let(id));
    }
    match base {
        Val::Node(doc, id) => Some(BaseKey::Node(std::ptr::from_ref(*doc) as usize, *id)),
        _ => None,
    }
}

/// A scalar as a hash key, so that keys are equal exactly when `==` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Key<'k> {
    Null,
    Bool(bool),
    Int(i64),
    Float(u64),
    Str(&'k str),
}

/// The key of a scalar, or `None` when `==` on it cannot be expressed by hashing.
pub(crate) fn key_of<'k>(view: View<'k, '_>) -> Option<Key<'k>> {
    Some(match view {
        View::Null => Key::Null,
        View::Bool(b) => Key::Bool(b),
        View::Int(i) => Key::Int(i),
        View::Float(f) if f.is_nan() => return None,
        View::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e18 => Key::Int(f as i64),
        View::Float(f) => Key::Float(f.to_bits()),
        View::Str(s) => Key::Str(s),
        View::Missing | View::Date(_) | View::List(_) | View::Object(_) => return None,
    })
}

/// Element positions by key, and the positions whose key is missing.
#[derive(Debug, Default)]
pub(crate) struct JoinIndex<'a> {
    pub by_key: HashMap<Key<'a>, Vec<u32>>,
    pub missing: Vec<u32>,
}

/// Indexes `elements` by `key`; `None` when some element's key is not hashable.
pub(crate) fn build<'a>(
    elements: impl Iterator<Item = Val<'a>>,
    key: &str,
) -> Option<JoinIndex<'a>> {
    let mut index = JoinIndex::default();
    for (i, element) in elements.enumerate() {
        let position = u32::try_from(i).ok()?;
        let value = element.field(key);
        if value.is_missing() {
            index.missing.push(position);
            continue;
        }
        let k = key_of(value.lasting_view()?)?;
        index.by_key.entry(k).or_default().push(position);
    }
    Some(index)
}
