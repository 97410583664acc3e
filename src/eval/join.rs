//! Equality filters as hash joins. `xs[.key == e]`, where `e` does not read the element, is a
//! lookup in an index of `xs` by `key`, built once per document, instead of a scan of `xs` for
//! every subject (the spec example's `datasets[.name == t.from]` inside `for t in transfers`).
//!
//! The index reproduces the scan exactly: kept elements in list order, an evidence gap for each
//! element whose key is missing, `==` as structural equality (`1 == 1.0`). Whenever a value
//! could compare in a way a hash cannot express (dates, lists, objects, NaN, computed strings),
//! the filter falls back to the scan.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::value::{FieldReader, Val, View};
use crate::compile::{BinOp, Expr, ExprKind, LetId, Rule, Slot};
use crate::facts::{Document, NodeId};

/// Lists shorter than this are scanned: building an index would not pay.
pub(crate) const MIN_INDEXED: usize = 8;

/// A filter predicate of the form `.key == probe` (either side).
#[derive(Clone, Copy)]
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
    if let ExprKind::Local(s) = e.kind {
        return s == slot;
    }
    let mut reads = false;
    e.for_each_child(&mut |child| reads = reads || reads_slot(child, slot));
    reads
}

/// The equality filters of a rule's own statements that a hash join will answer, as the
/// filtered list (still an expression) and the key field: `datasets[.name == n]` gives
/// (`datasets`, `name`). Threads sharing a document build those indexes before the rules
/// that need them ([`super::run`]), instead of one thread building while the others wait.
pub(crate) fn indexed_filters(rule: &Rule) -> Vec<(&Expr, &Arc<str>)> {
    fn visit<'e>(e: &'e Expr, out: &mut Vec<(&'e Expr, &'e Arc<str>)>) {
        if let ExprKind::Filter {
            base, pred, slot, ..
        } = &e.kind
            && let Some(plan) = plan(pred, *slot)
        {
            out.push((&**base, plan.key));
        }
        e.for_each_child(&mut |child| visit(child, out));
    }
    let mut out = Vec::new();
    for stmt in &rule.body {
        stmt.for_each_expr(&mut |e| visit(e, &mut out));
    }
    out
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
    /// A string of at most [`SHORT`] bytes, held in the key (see [`Key::str`]).
    Short([u8; SHORT], u8),
    Str(&'k str),
}

/// Strings up to this length are held in the key itself: a lookup then compares bytes in the
/// table instead of following a pointer into the fact file's text, a cache miss per probe of a
/// large index (the names and ids that joins match on are short).
const SHORT: usize = 22;

impl<'k> Key<'k> {
    /// The key of a string: [`Key::Short`] when it fits, so a string has one key form only.
    pub(crate) fn str(s: &'k str) -> Key<'k> {
        let bytes = s.as_bytes();
        let mut inline = [0u8; SHORT];
        match (inline.get_mut(..bytes.len()), u8::try_from(bytes.len())) {
            (Some(head), Ok(len)) => {
                head.copy_from_slice(bytes);
                Key::Short(inline, len)
            }
            _ => Key::Str(s),
        }
    }
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
        View::Str(s) => Key::str(s),
        View::Missing | View::Date(_) | View::List(_) | View::Object(_) => return None,
    })
}

/// The hasher of join indexes: foldhash (what `hashbrown` itself defaults to) instead of
/// SipHash. The keys are fact values, not attacker-chosen table sizes that matter: a flood of
/// colliding keys slows one check, which the step budget and the deadline already bound. Fixed
/// seed, so a run does the same work every time.
pub(crate) type FastHash = foldhash::fast::FixedState;

/// The join of one base by one key field, built on its first lookup in a document.
pub(crate) enum Join<'a> {
    Indexed(JoinIndex<'a>),
    /// Some element's key is not hashable: every lookup scans.
    Unhashable,
}

impl<'a> Join<'a> {
    /// The join of `elements` by `key`.
    pub(crate) fn of(elements: impl Iterator<Item = Val<'a>>, key: &str) -> Join<'a> {
        match build(elements, key) {
            Some(index) => Join::Indexed(index),
            None => Join::Unhashable,
        }
    }
}

/// Join indexes over the fact lists of one document, for all the threads that share its rules:
/// the first thread that needs one builds it, the others wait for it instead of building it
/// again (`datasets[.name == t.from]` in every share of `for t in transfers`).
pub(crate) struct SharedJoins<'d> {
    doc: &'d Document,
    built: Mutex<JoinsBuilt<'d>>,
}

/// The joins built or being built, by list and key field. The map's lock is held only to find
/// a join's cell; the build itself holds only that cell, so threads building different
/// indexes do not wait for each other.
type JoinsBuilt<'d> = HashMap<(NodeId, Arc<str>), Arc<OnceLock<Arc<Join<'d>>>>, FastHash>;

impl<'d> SharedJoins<'d> {
    pub(crate) fn new(doc: &'d Document) -> SharedJoins<'d> {
        SharedJoins {
            doc,
            built: Mutex::new(HashMap::default()),
        }
    }
}

/// Where a context finds the join indexes other threads built (a trait, so that a context of
/// a shorter lifetime than the document's can hold the shared indexes).
pub(crate) trait JoinSource<'a> {
    /// The join of the list `list` of `doc` by `key`; `None` for another document than the
    /// one the source indexes (a document parsed out of a string, say).
    fn join(&self, doc: &Document, list: NodeId, key: &Arc<str>) -> Option<Arc<Join<'a>>>;
}

impl<'a, 'd: 'a> JoinSource<'a> for SharedJoins<'d> {
    fn join(&self, doc: &Document, list: NodeId, key: &Arc<str>) -> Option<Arc<Join<'a>>> {
        if !std::ptr::eq(doc, self.doc) {
            return None;
        }
        let build = || {
            let list = Val::Node(self.doc, list);
            Arc::new(Join::of(list.elements().into_iter().flatten(), key))
        };
        let cell = match self.built.lock() {
            Ok(mut built) => Arc::clone(built.entry((list, Arc::clone(key))).or_default()),
            // a thread panicked while holding the lock (its panic ends the run): build here
            Err(_) => return Some(build()),
        };
        let join: Arc<Join<'d>> = Arc::clone(cell.get_or_init(build));
        Some(join)
    }
}

/// Element positions by key, and the positions whose key is missing.
///
/// Every key's positions are one run of a single vector (`positions`), in list order: one
/// allocation for the whole index, not one per distinct key. A key of one element (a name, an
/// id: what joins match on) holds that element's position itself instead of a run's start, so
/// a probe does not wait for one more load from memory.
#[derive(Debug, Default)]
pub(crate) struct JoinIndex<'a> {
    by_key: HashMap<Key<'a>, (u32, u32), FastHash>,
    positions: Vec<u32>,
    pub missing: Vec<u32>,
}

impl JoinIndex<'_> {
    /// The positions, in list order, of the elements whose key equals `key`.
    pub(crate) fn hits(&self, key: &Key<'_>) -> Hits<'_> {
        match self.by_key.get(key).copied() {
            Some((position, 1)) => Hits::One([position]),
            Some((start, len)) => Hits::Run(
                self.positions
                    .get(start as usize..start as usize + len as usize)
                    .unwrap_or(&[]),
            ),
            None => Hits::Run(&[]),
        }
    }
}

/// The positions [`JoinIndex::hits`] found: a key's only element, held here, or its run.
pub(crate) enum Hits<'s> {
    One([u32; 1]),
    Run(&'s [u32]),
}

impl Hits<'_> {
    pub(crate) fn as_slice(&self) -> &[u32] {
        match self {
            Hits::One(one) => one,
            Hits::Run(run) => run,
        }
    }
}

/// A single hit's position before it is filled in.
const UNFILLED: u32 = u32::MAX;

/// Indexes `elements` by `key`; `None` when some element's key is not hashable.
pub(crate) fn build<'a>(
    elements: impl Iterator<Item = Val<'a>>,
    key: &str,
) -> Option<JoinIndex<'a>> {
    let elements = elements.into_iter();
    let mut keyed: Vec<(Key<'a>, u32)> = Vec::with_capacity(elements.size_hint().0);
    let mut missing = Vec::new();
    let mut reader = FieldReader::new(key);
    for (i, element) in elements.enumerate() {
        let position = u32::try_from(i).ok()?;
        let value = reader.read(&element);
        if value.is_missing() {
            missing.push(position);
            continue;
        }
        keyed.push((key_of(value.lasting_view()?)?, position));
    }
    // count per key, then give each key its run of `positions`, then fill the runs in order
    let mut by_key: HashMap<Key<'a>, (u32, u32), FastHash> =
        HashMap::with_capacity_and_hasher(keyed.len(), FastHash::default());
    for (k, _) in &keyed {
        by_key.entry(*k).or_insert((0, 0)).1 += 1;
    }
    let mut start = 0u32;
    for run in by_key.values_mut() {
        if run.1 == 1 {
            // the position itself, filled below (a run's start is never u32::MAX)
            run.0 = UNFILLED;
            continue;
        }
        *run = (start, run.1);
        start += run.1;
        run.1 = 0;
    }
    let mut positions = vec![0u32; start as usize];
    for (k, position) in keyed {
        if let Some(run) = by_key.get_mut(&k) {
            if *run == (UNFILLED, 1) {
                run.0 = position;
                continue;
            }
            if let Some(slot) = positions.get_mut(run.0 as usize + run.1 as usize) {
                *slot = position;
            }
            run.1 += 1;
        }
    }
    Some(JoinIndex {
        by_key,
        positions,
        missing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Document;

    #[test]
    fn hits_keep_list_order_and_missing_keys_are_listed() {
        let doc = Document::from_json(
            "f.json",
            &serde_json::json!([
                {"k": "a"}, {"k": "b"}, {}, {"k": "a"}, {"k": 1}, {"k": 1.0}, {"k": "b"}, {"x": 0}
            ]),
        );
        let root = Val::Node(&doc, doc.root());
        let index = build(root.elements().into_iter().flatten(), "k").unwrap();
        assert_eq!(index.hits(&Key::str("a")).as_slice(), &[0, 3]);
        assert_eq!(index.hits(&Key::str("b")).as_slice(), &[1, 6]);
        // 1 == 1.0, as `==` says
        assert_eq!(index.hits(&Key::Int(1)).as_slice(), &[4, 5]);
        assert_eq!(index.hits(&Key::str("c")).as_slice(), &[] as &[u32]);
        assert_eq!(index.missing, vec![2, 7]);
    }

    #[test]
    fn short_and_long_strings_match_only_themselves() {
        let long = "a-key-longer-than-the-inline-bytes-0001";
        let doc = Document::from_json(
            "f.json",
            &serde_json::json!([{"k": long}, {"k": "a"}, {"k": "a\0"}, {"k": long}, {"k": ""}]),
        );
        let root = Val::Node(&doc, doc.root());
        let index = build(root.elements().into_iter().flatten(), "k").unwrap();
        assert_eq!(index.hits(&Key::str(long)).as_slice(), &[0, 3]);
        assert_eq!(index.hits(&Key::str(&long[..30])).as_slice(), &[] as &[u32]);
        // the inline bytes are padded with NULs: a key ending in NUL is still another key
        assert_eq!(index.hits(&Key::str("a")).as_slice(), &[1]);
        assert_eq!(index.hits(&Key::str("a\0")).as_slice(), &[2]);
        assert_eq!(index.hits(&Key::str("")).as_slice(), &[4]);
        assert_eq!(
            index.hits(&Key::str(&"x".repeat(22))).as_slice(),
            &[] as &[u32]
        );
    }

    #[test]
    fn threads_get_the_one_index_built_for_a_list_and_key_and_none_for_another_document() {
        let doc = Document::from_json("f.json", &serde_json::json!([{"k": "a"}, {"k": "b"}]));
        let other = Document::from_json("g.json", &serde_json::json!([{"k": "a"}]));
        let shared = SharedJoins::new(&doc);
        let key: Arc<str> = Arc::from("k");
        let from_threads: Vec<Arc<Join<'_>>> = crate::threads::on_threads(2, 2, |next| {
            let mut got = Vec::new();
            while next().is_some() {
                got.extend(JoinSource::join(&shared, &doc, doc.root(), &key));
            }
            got
        })
        .into_iter()
        .flatten()
        .collect();
        assert_eq!(from_threads.len(), 2);
        assert!(Arc::ptr_eq(&from_threads[0], &from_threads[1]));
        match &*from_threads[0] {
            Join::Indexed(index) => assert_eq!(index.hits(&Key::str("b")).as_slice(), &[1]),
            _ => panic!("an index"),
        }
        let by_other_key = JoinSource::join(&shared, &doc, doc.root(), &Arc::from("x"));
        assert!(by_other_key.is_some_and(|j| !Arc::ptr_eq(&j, &from_threads[0])));
        assert!(JoinSource::join(&shared, &other, other.root(), &key).is_none());
    }

    #[test]
    fn an_unhashable_key_gives_no_index() {
        let doc = Document::from_json("f.json", &serde_json::json!([{"k": "a"}, {"k": [1]}]));
        let root = Val::Node(&doc, doc.root());
        assert!(build(root.elements().into_iter().flatten(), "k").is_none());
    }
}
