//! Run-time values. Facts are borrowed from their document (`Node`), policy constants from the
//! program (`Const`); only computed lists, objects and strings allocate.

use std::rc::Rc;
use std::sync::Arc;

use crate::compile::Const;
use crate::facts::{Document, KeyId, NodeId, NodeValue, Object, push_escaped};

/// Where an absent fact would have been: the nearest present node and the full pointer asked for.
#[derive(Debug)]
pub struct Absent<'a> {
    /// The document.
    pub doc: &'a Document,
    /// The nearest present parent.
    pub at: NodeId,
    /// The path read below `at` and found absent, as JSON Pointer segments (`/encryption/kms`).
    /// The whole pointer is worked out only when a finding names it: most missing reads end in
    /// `??` and are never reported, and walking up to the root for each was a tenth of an
    /// evaluation over optional fields.
    pub rest: String,
}

impl Absent<'_> {
    /// The JSON Pointer that was read and found absent.
    pub fn pointer(&self) -> String {
        let mut pointer = self.doc.pointer(self.at);
        pointer.push_str(&self.rest);
        pointer
    }
}

/// A value during evaluation.
#[derive(Debug, Clone)]
pub enum Val<'a> {
    /// A path that leads nowhere (with where, when it was a fact path).
    Missing(Option<Rc<Absent<'a>>>),
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A point in time, seconds since the Unix epoch.
    Date(i64),
    /// A computed string.
    Str(Rc<str>),
    /// A fact.
    Node(&'a Document, NodeId),
    /// A policy constant.
    Const(&'a Const),
    /// A computed list.
    List(Rc<Vec<Val<'a>>>),
    /// A computed object.
    Object(Rc<Vec<(Arc<str>, Val<'a>)>>),
}

/// A borrowed look at a value's shape.
#[derive(Clone, Copy)]
pub enum View<'v, 'a> {
    /// Missing.
    Missing,
    /// `null`
    Null,
    /// Boolean.
    Bool(bool),
    /// Integer.
    Int(i64),
    /// Float.
    Float(f64),
    /// Date.
    Date(i64),
    /// String.
    Str(&'v str),
    /// List.
    List(ListRef<'v, 'a>),
    /// Object.
    Object(ObjRef<'v, 'a>),
}

/// A list of any origin.
#[derive(Clone, Copy)]
pub enum ListRef<'v, 'a> {
    /// A fact array.
    Node(&'a Document, &'a [NodeId]),
    /// A constant list.
    Const(&'a [Const]),
    /// A computed list.
    Vals(&'v [Val<'a>]),
}

/// An object of any origin.
#[derive(Clone, Copy)]
pub enum ObjRef<'v, 'a> {
    /// A fact object.
    Node(&'a Document, Object<'a>),
    /// A constant object.
    Const(&'a [(Arc<str>, Const)]),
    /// A computed object.
    Vals(&'v [(Arc<str>, Val<'a>)]),
}

impl<'a> Val<'a> {
    /// How many elements the value holds (0 for scalars), the cost of scanning it.
    pub(crate) fn size(&self) -> u64 {
        let n = match self {
            // a fact's size is in its node: no view, so a string fact's text is not read (every
            // comparison charges the size of both sides)
            Val::Node(doc, id) => doc.collection_len(*id),
            _ => match self.view() {
                View::List(l) => l.len(),
                View::Object(o) => o.len(),
                _ => 0,
            },
        };
        u64::try_from(n).unwrap_or(u64::MAX)
    }

    /// A shape view.
    pub fn view(&self) -> View<'_, 'a> {
        match self {
            Val::Missing(_) => View::Missing,
            Val::Bool(b) => View::Bool(*b),
            Val::Int(i) => View::Int(*i),
            Val::Float(f) => View::Float(*f),
            Val::Date(d) => View::Date(*d),
            Val::Str(s) => View::Str(s),
            Val::Node(doc, id) => node_view(doc, *id),
            Val::Const(c) => const_view(c),
            Val::List(items) => View::List(ListRef::Vals(items)),
            Val::Object(members) => View::Object(ObjRef::Vals(members)),
        }
    }

    /// What `for`, filters and quantifiers range over: a list's elements or an object's values
    /// (`None` for anything else). Borrows instead of collecting, so iterating allocates nothing.
    pub fn elements(&self) -> Option<Elements<'_, 'a>> {
        match self.view() {
            View::List(list) => Some(Elements::List(list, 0)),
            View::Object(obj) => Some(Elements::Object(obj, 0)),
            _ => None,
        }
    }

    /// A view that lives as long as the document and the program (facts, constants and
    /// copied scalars); `None` for values this `Val` owns (computed strings, lists, objects).
    pub fn lasting_view(&self) -> Option<View<'a, 'a>> {
        Some(match self {
            Val::Node(doc, id) => node_view(doc, *id),
            Val::Const(c) => const_view(c),
            Val::Bool(b) => View::Bool(*b),
            Val::Int(i) => View::Int(*i),
            Val::Float(f) => View::Float(*f),
            Val::Date(d) => View::Date(*d),
            _ => return None,
        })
    }

    /// True for missing.
    pub fn is_missing(&self) -> bool {
        matches!(self, Val::Missing(_))
    }

    /// The absent-fact information of a missing value.
    pub fn absent(&self) -> Option<&Absent<'a>> {
        match self {
            Val::Missing(Some(a)) => Some(a),
            _ => None,
        }
    }

    /// `self.key`: the member, or missing.
    pub fn field(&self, key: &str) -> Val<'a> {
        match self {
            Val::Node(doc, id) => match doc.field(*id, key) {
                Some(child) => Val::Node(doc, child),
                None => Val::absent_member(doc, *id, key),
            },
            Val::Missing(Some(a)) => {
                let mut rest = a.rest.clone();
                rest.push('/');
                push_escaped(&mut rest, key);
                Val::Missing(Some(Rc::new(Absent {
                    doc: a.doc,
                    at: a.at,
                    rest,
                })))
            }
            Val::Missing(None) => Val::Missing(None),
            _ => match self.view() {
                View::Object(o) => o.get(key).unwrap_or(Val::Missing(None)),
                _ => Val::Missing(None),
            },
        }
    }

    /// The missing value of `key` read on node `at`, which does not have it.
    pub(crate) fn absent_member(doc: &'a Document, at: NodeId, key: &str) -> Val<'a> {
        let mut rest = String::with_capacity(key.len() + 1);
        rest.push('/');
        push_escaped(&mut rest, key);
        Val::Missing(Some(Rc::new(Absent { doc, at, rest })))
    }

    /// `self[i]`, negative from the end; out of range is missing.
    pub fn index(&self, i: i64) -> Val<'a> {
        let missing = |len: usize| -> Val<'a> {
            match self {
                Val::Node(doc, id) => {
                    let shown = if i < 0 { i + len as i64 } else { i };
                    Val::Missing(Some(Rc::new(Absent {
                        doc,
                        at: *id,
                        rest: format!("/{shown}"),
                    })))
                }
                Val::Missing(Some(a)) => Val::Missing(Some(Rc::new(Absent {
                    doc: a.doc,
                    at: a.at,
                    rest: format!("{}/{i}", a.rest),
                }))),
                _ => Val::Missing(None),
            }
        };
        match self.view() {
            View::List(list) => {
                let len = list.len();
                let at = if i < 0 {
                    i.checked_add(len as i64)
                } else {
                    Some(i)
                };
                match at
                    .and_then(|a| usize::try_from(a).ok())
                    .and_then(|a| list.get(a))
                {
                    Some(v) => v,
                    None => missing(len),
                }
            }
            _ => missing(0),
        }
    }

    /// The JSON type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self.view() {
            View::Missing => "missing",
            View::Null => "null",
            View::Bool(_) => "boolean",
            View::Int(_) | View::Float(_) => "number",
            View::Date(_) => "date",
            View::Str(_) => "string",
            View::List(_) => "list",
            View::Object(_) => "object",
        }
    }
}

/// Reads one key of many values (a loop's `d.kind`, a join index's key field of every
/// element): the key's id in the facts' document is found once per document, and where the
/// key was in the last object read is looked at first (see [`Document::field_by_id`]), so a
/// read compares ids instead of key strings. Gives exactly what [`Val::field`] gives.
#[derive(Clone, Copy)]
pub(crate) struct FieldReader<'k> {
    key: &'k str,
    /// The address of the document `key_id` is of (0: none yet). The reader lives no longer
    /// than the documents it reads, so an address is not reused while it is held.
    doc: usize,
    key_id: Option<KeyId>,
    hint: u32,
}

impl<'k> FieldReader<'k> {
    pub(crate) fn new(key: &'k str) -> FieldReader<'k> {
        FieldReader {
            key,
            doc: 0,
            key_id: None,
            hint: 0,
        }
    }

    /// Whether this reader reads `key`, the same text at the same address (a program's key).
    pub(crate) fn reads(&self, key: &str) -> bool {
        std::ptr::eq(self.key, key)
    }

    /// `value.key`.
    pub(crate) fn read<'a>(&mut self, value: &Val<'a>) -> Val<'a> {
        let Val::Node(doc, id) = value else {
            return value.field(self.key);
        };
        let at = std::ptr::from_ref(*doc) as usize;
        if at != self.doc {
            (self.doc, self.key_id, self.hint) = (at, doc.key_id(self.key), 0);
        }
        match self
            .key_id
            .and_then(|k| doc.field_by_id(*id, k, &mut self.hint))
        {
            Some(child) => Val::Node(doc, child),
            None => Val::absent_member(doc, *id, self.key),
        }
    }
}

fn node_view<'v, 'a>(doc: &'a Document, id: NodeId) -> View<'v, 'a> {
    match doc.value(id) {
        NodeValue::Null => View::Null,
        NodeValue::Bool(b) => View::Bool(b),
        NodeValue::Int(i) => View::Int(i),
        NodeValue::Float(f) => View::Float(f),
        NodeValue::Str(s) => View::Str(s),
        NodeValue::Array(items) => View::List(ListRef::Node(doc, items)),
        NodeValue::Object(o) => View::Object(ObjRef::Node(doc, o)),
    }
}

fn const_view<'v, 'a>(c: &'a Const) -> View<'v, 'a> {
    match c {
        Const::Null => View::Null,
        Const::Bool(b) => View::Bool(*b),
        Const::Int(i) => View::Int(*i),
        Const::Float(f) => View::Float(*f),
        Const::Str(s) => View::Str(s),
        Const::Date(d) => View::Date(*d),
        Const::List(items) => View::List(ListRef::Const(items)),
        Const::Object(members) => View::Object(ObjRef::Const(members)),
    }
}

impl<'v, 'a> ListRef<'v, 'a> {
    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            ListRef::Node(_, ids) => ids.len(),
            ListRef::Const(items) => items.len(),
            ListRef::Vals(items) => items.len(),
        }
    }

    /// The element at `i`.
    pub fn get(&self, i: usize) -> Option<Val<'a>> {
        match self {
            ListRef::Node(doc, ids) => ids.get(i).map(|id| Val::Node(doc, *id)),
            ListRef::Const(items) => items.get(i).map(Val::Const),
            ListRef::Vals(items) => items.get(i).cloned(),
        }
    }

    /// The elements in order.
    pub fn iter(self) -> impl Iterator<Item = Val<'a>> + 'v {
        (0..self.len()).filter_map(move |i| self.get(i))
    }
}

impl<'v, 'a> ObjRef<'v, 'a> {
    /// Number of members.
    pub fn len(&self) -> usize {
        match self {
            ObjRef::Node(_, o) => o.len(),
            ObjRef::Const(m) => m.len(),
            ObjRef::Vals(m) => m.len(),
        }
    }

    /// The member `key`.
    pub fn get(&self, key: &str) -> Option<Val<'a>> {
        match self {
            ObjRef::Node(doc, o) => o.get(key).map(|id| Val::Node(doc, id)),
            ObjRef::Const(m) => m
                .iter()
                .find(|(k, _)| &**k == key)
                .map(|(_, c)| Val::Const(c)),
            ObjRef::Vals(m) => m.iter().find(|(k, _)| &**k == key).map(|(_, v)| v.clone()),
        }
    }

    /// The member at position `i`, in document order.
    pub fn entry(&self, i: usize) -> Option<(&'v str, Val<'a>)>
    where
        'a: 'v,
    {
        match self {
            ObjRef::Node(doc, o) => o.get_index(i).map(|(k, id)| (k, Val::Node(doc, id))),
            ObjRef::Const(m) => m.get(i).map(|(k, c)| (&**k, Val::Const(c))),
            ObjRef::Vals(m) => m.get(i).map(|(k, v)| (&**k, v.clone())),
        }
    }

    /// Members in document order.
    pub fn iter(self) -> impl Iterator<Item = (&'v str, Val<'a>)> + 'v
    where
        'a: 'v,
    {
        (0..self.len()).filter_map(move |i| self.entry(i))
    }
}

/// The elements of a list or the values of an object, in order.
pub enum Elements<'v, 'a> {
    /// A list and the next position.
    List(ListRef<'v, 'a>, usize),
    /// An object and the next position.
    Object(ObjRef<'v, 'a>, usize),
}

impl<'a> Elements<'_, 'a> {
    /// How many elements there are in all.
    pub fn total(&self) -> usize {
        match self {
            Elements::List(l, _) => l.len(),
            Elements::Object(o, _) => o.len(),
        }
    }
}

impl<'a> Elements<'_, 'a> {
    /// The element at position `i`.
    pub fn at(&self, i: usize) -> Option<Val<'a>> {
        match self {
            Elements::List(l, _) => l.get(i),
            Elements::Object(o, _) => o.entry(i).map(|(_, v)| v),
        }
    }
}

/// How many elements ahead a loop over facts asks for an element's nodes, and for its
/// members and text (which need the node first): a rule's work on one element is a few hundred
/// nanoseconds, a load from memory about one hundred.
const NODES_AHEAD: usize = 16;
const MEMBERS_AHEAD: usize = 8;

impl ListRef<'_, '_> {
    /// Starts loading the facts the loop at `i` will read next: a long list of objects is
    /// memory the caches do not hold, and a comparison of a field otherwise waits for three
    /// loads from memory (the node, its members, the string's text).
    #[inline]
    fn prefetch_ahead(&self, i: usize) {
        match self {
            ListRef::Node(doc, ids) => {
                if let Some(&ahead) = ids.get(i + NODES_AHEAD) {
                    doc.prefetch_node(ahead);
                }
                if let Some(&ahead) = ids.get(i + MEMBERS_AHEAD) {
                    doc.prefetch_contents(ahead);
                }
            }
            // a filter's result: facts again, in order
            ListRef::Vals(items) => {
                if let Some(Val::Node(doc, ahead)) = items.get(i + NODES_AHEAD) {
                    doc.prefetch_node(*ahead);
                }
                if let Some(Val::Node(doc, ahead)) = items.get(i + MEMBERS_AHEAD) {
                    doc.prefetch_contents(*ahead);
                }
            }
            ListRef::Const(_) => {}
        }
    }
}

impl<'a> Iterator for Elements<'_, 'a> {
    type Item = Val<'a>;

    fn next(&mut self) -> Option<Val<'a>> {
        match self {
            Elements::List(l, i) => {
                let v = l.get(*i)?;
                l.prefetch_ahead(*i);
                *i += 1;
                Some(v)
            }
            Elements::Object(o, i) => {
                let (_, v) = o.entry(*i)?;
                *i += 1;
                Some(v)
            }
        }
    }

    /// Skips without reading (a share of a loop starts partway through its list).
    fn nth(&mut self, n: usize) -> Option<Val<'a>> {
        match self {
            Elements::List(_, i) | Elements::Object(_, i) => *i = i.saturating_add(n),
        }
        self.next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(v: Option<Val<'_>>) -> Option<i64> {
        match v?.view() {
            View::Int(i) => Some(i),
            _ => None,
        }
    }

    #[test]
    fn skipping_elements_lands_where_stepping_does() {
        let items: Vec<i64> = (0..40).collect();
        let doc = Document::from_json("f.json", &serde_json::json!(items));
        let list = Val::Node(&doc, doc.root());
        let stepped: Vec<i64> = list
            .elements()
            .into_iter()
            .flatten()
            .filter_map(|v| int(Some(v)))
            .collect();
        assert_eq!(stepped, items);
        for skip in [0usize, 1, 17, 39] {
            let mut elements = list.elements().into_iter().flatten();
            assert_eq!(int(elements.nth(skip)), i64::try_from(skip).ok());
            let after = i64::try_from(skip + 1).ok().filter(|&n| n < 40);
            assert_eq!(int(elements.next()), after);
        }
        assert!(list.elements().into_iter().flatten().nth(40).is_none());
        assert!(
            list.elements()
                .into_iter()
                .flatten()
                .nth(usize::MAX)
                .is_none()
        );
        let object = Document::from_json("o.json", &serde_json::json!({"a": 1, "b": 2, "c": 3}));
        let members = Val::Node(&object, object.root());
        let mut values = members.elements().into_iter().flatten();
        assert_eq!(int(values.nth(1)), Some(2));
        assert_eq!(int(values.next()), Some(3));
        assert_eq!(int(values.next()), None);
    }

    #[test]
    fn a_filtered_list_of_facts_iterates_in_order_past_the_prefetch_distance() {
        let items: Vec<serde_json::Value> = (0..50).map(|i| serde_json::json!({"n": i})).collect();
        let doc = Document::from_json("f.json", &serde_json::json!(items));
        let kept: Vec<Val<'_>> = Val::Node(&doc, doc.root())
            .elements()
            .into_iter()
            .flatten()
            .collect();
        let computed = Val::List(Rc::new(kept));
        let seen: Vec<i64> = computed
            .elements()
            .into_iter()
            .flatten()
            .filter_map(|v| int(Some(v.field("n"))))
            .collect();
        assert_eq!(seen, (0..50).collect::<Vec<i64>>());
    }

    fn shown(v: &Val<'_>) -> String {
        match v {
            Val::Missing(Some(a)) => format!("missing {}", a.pointer()),
            other => super::super::ops::render(other),
        }
    }

    #[test]
    fn a_field_reader_reads_what_field_reads_across_documents_and_computed_values() {
        let a = Document::from_json(
            "a.json",
            &serde_json::json!([{"k": 1, "j": 2}, {"j": 3, "k": 4}, {"j": 5}, 6]),
        );
        let b = Document::from_json(
            "b.json",
            &serde_json::json!([{"x": 0, "k": "b"}, {"k": "c"}]),
        );
        let computed = Val::Object(Rc::new(vec![(Arc::from("k"), Val::Int(9))]));
        let mut values: Vec<Val<'_>> = Vec::new();
        for doc in [&a, &b, &a] {
            values.extend(Val::Node(doc, doc.root()).elements().into_iter().flatten());
            values.push(computed.clone());
            values.push(Val::Missing(None));
        }
        let mut reader = FieldReader::new("k");
        for v in &values {
            assert_eq!(shown(&reader.read(v)), shown(&v.field("k")));
        }
        assert!(reader.reads(reader.key));
        assert!(!reader.reads(&String::from("k")));
    }
}
