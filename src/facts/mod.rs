//! Fact loading: JSON and YAML fact files parsed into an arena where every value knows its
//! position (1-based line and column) and its JSON Pointer.
//!
//! # Decisions
//!
//! - **Encoding.** UTF-8, with or without a byte order mark; UTF-16 LE/BE only with a byte order
//!   mark. CRLF line endings are fine (lines are counted by `\n`). Invalid UTF-8, unpaired UTF-16
//!   surrogates, UTF-32 and NUL bytes are `annexa::facts::encoding` errors that name the byte offset
//!   and line. Positions of a decoded UTF-16 file are positions in the decoded text.
//! - **JSON** is strict RFC 8259 (no comments, trailing commas, single quotes, hex, `NaN`, bare words,
//!   raw control characters in strings). An empty JSON file is a syntax error.
//! - **Numbers.** Integers that fit `i64` are [`NodeValue::Int`]; every other number (fractions,
//!   exponents, integers outside `i64`) is an `f64` [`NodeValue::Float`]. A number too big for `f64`
//!   (`1e400`) becomes infinity rather than an error; [`Document::to_json`] writes NaN and the
//!   infinities as `null`.
//! - **YAML** is resolved with the YAML 1.2 core schema: `true`/`false` (also `True`, `TRUE`), `null`,
//!   `~` and the empty scalar are null, decimal/`0x`/`0o` integers, floats, `.nan`/`.inf`/`-.inf`
//!   are floats; `yes`/`on`/`no`/`off` are strings. Quoted and block scalars are always strings, and
//!   so are scalars tagged `!!str` or with another non-core tag (`!secret x` is the string `x`).
//!   In a Kubernetes object (`apiVersion` and `kind` at the top) plain `0777` is YAML 1.1 octal
//!   (511), as Kubernetes reads it.
//! - **Tags** are kept as written ([`Document::tag`]); CloudFormation's short forms become their
//!   JSON long forms (`!Ref X` is `{"Ref": "X"}`, `!GetAtt A.B` is `{"Fn::GetAtt": ["A", "B"]}`),
//!   and a mapping member whose value is `!Ref AWS::NoValue` (in JSON `{"Ref": "AWS::NoValue"}`)
//!   is absent. See `docs/inputs.md`.
//! - **Merge keys** `<<` (a mapping, an alias to one, or a list of them) merge as Kubernetes,
//!   Compose and GitLab expect: explicit keys win, earlier mappings over later ones; merged
//!   members keep the positions of the anchored text and count against the alias limit.
//! - **YAML keys.** A scalar key is used as written (`1: a` has key `"1"`, `~: a` has key `"~"`);
//!   an alias key to a scalar uses the scalar's string form; a mapping or sequence as a key is a
//!   syntax error.
//! - **Aliases** are expanded by copying; the copies keep the positions of the anchored original
//!   (except the copy's own root, which sits where the alias is). All copies of one file count
//!   against [`LoadOptions::max_alias_expansions`]. An alias to its own unfinished anchor is an
//!   error.
//! - **Documents.** A JSON file is one document. A YAML file is a stream of documents, numbered from
//!   0 in file order; empty and comment-only documents are skipped with a note but keep their number.
//!   A file with no document at all loads as zero documents (with a note); the caller decides.
//! - **Duplicate keys** (JSON and YAML) are an error naming both lines.
//! - **Depth.** Arrays and objects nest at most [`LoadOptions::max_depth`] levels (the root
//!   collection is level 1); scalars do not count. Checked without recursion for any input depth.

mod build;
mod combine;
mod decode;
mod discover;
mod embedded;
mod error;
mod json;
mod lines;
mod merge;
mod scalar;
mod yaml;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

pub use combine::{TooLargeToCombine, combine};
pub use discover::{Discovered, collect_fact_files, discover_fact_files};
pub use embedded::{embedded_string, load_embedded};
pub use error::{FactsError, FactsSource};
pub use merge::{MergeConflict, MergeError, merge};

/// Index of a node in its [`Document`].
pub type NodeId = u32;

/// The bits of [`Node`]'s packed word that hold the parent's id; the other 3 hold the kind of
/// its value.
const PARENT_BITS: u32 = 29;

/// "No parent": the root's parent, one past the largest node id, and the mask of the parent's
/// bits. A document holds at most 536,870,911 nodes; a fact file with more is refused
/// ([`FactsError::TooManyValues`]).
const NO_PARENT: NodeId = (1 << PARENT_BITS) - 1;

/// The most bytes of text a document addresses (its strings and places are 31-bit offsets):
/// a larger input is refused whatever [`LoadOptions::max_file_bytes`] allows.
const MAX_TEXT_BYTES: u64 = STR_DECODED as u64 - 1;

/// The most values (nodes) one document holds: a node keeps its parent's id in 29 bits. A fact
/// file with more is [`FactsError::TooManyValues`].
///
/// ```
/// assert_eq!(annexa::unstable::facts::MAX_VALUES, (1 << 29) - 1);
/// ```
pub const MAX_VALUES: u64 = NO_PARENT as u64;

/// The hash maps of the arena (key interning, large objects' index, tags): foldhash, several
/// times faster than SipHash on short keys, which the loader hashes once per object member;
/// seeded per process, so a fact file cannot be crafted to collide.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Objects with more members than this get a hash index.
const INDEX_THRESHOLD: usize = 16;

/// A fact file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// `.json`
    Json,
    /// `.yaml` / `.yml`
    Yaml,
}

impl Format {
    /// `JSON` or `YAML`, for messages.
    pub fn label(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Yaml => "YAML",
        }
    }
}

/// The format of a fact file from its name: `.json` is JSON; `.yaml` and `.yml` are YAML, and so
/// are the YAML files ML tools name their own way: MLflow's `MLmodel` and `MLproject` (also as
/// `NAME.MLmodel`), DVC's `dvc.lock` (also `NAME.dvc.lock`) and `*.dvc`. Extensions in any case.
pub fn format_for_path(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_str()?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let is = |e: &str| ext.eq_ignore_ascii_case(e);
    let ml_tool_file = name == "MLmodel"
        || name == "MLproject"
        || name == "dvc.lock"
        || name.to_ascii_lowercase().ends_with(".dvc.lock");
    if is("json") {
        Some(Format::Json)
    } else if ml_tool_file
        || ["yaml", "yml", "dvc", "mlmodel", "mlproject"]
            .into_iter()
            .any(is)
    {
        Some(Format::Yaml)
    } else {
        None
    }
}

/// A JSON value of a [`Document`], borrowed from it ([`Document::value`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NodeValue<'a> {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer that fits 64 bits.
    Int(i64),
    /// Any other number (may be NaN or infinite from YAML `.nan`/`.inf` or `1e400`).
    Float(f64),
    /// A string.
    Str(&'a str),
    /// An array of child nodes.
    Array(&'a [NodeId]),
    /// An object.
    Object(Object<'a>),
}

/// An object of a [`Document`]: its members in document order, with fast lookup by key.
#[derive(Clone, Copy)]
pub struct Object<'a> {
    doc: &'a Document,
    members: Members,
}

impl<'a> Object<'a> {
    fn slice(&self) -> &'a [Member] {
        self.doc.members.get(self.members.range()).unwrap_or(&[])
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len as usize
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.members.len == 0
    }

    /// The value of member `key`.
    #[inline]
    pub fn get(&self, key: &str) -> Option<NodeId> {
        let members = self.slice();
        if members.len() > INDEX_THRESHOLD {
            let key = *self.doc.key_ids.get(key)?;
            let i = self.position_of(key)?;
            return members.get(i as usize).map(|m| m.id);
        }
        members
            .iter()
            .find(|m| self.doc.key(m.key) == key)
            .map(|m| m.id)
    }

    /// Where the member of key id `key` is: by the document's index in a large object, else by
    /// scanning the ids.
    #[inline]
    fn position_of(&self, key: KeyId) -> Option<u32> {
        let members = self.slice();
        if members.len() > INDEX_THRESHOLD {
            return self.doc.large.get(&(self.members.start, key)).copied();
        }
        u32::try_from(members.iter().position(|m| m.key == key)?).ok()
    }

    /// The `i`-th member in document order.
    pub fn get_index(&self, i: usize) -> Option<(&'a str, NodeId)> {
        let doc = self.doc;
        self.slice().get(i).map(|m| (doc.key(m.key), m.id))
    }

    /// Members in document order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&'a str, NodeId)> + 'a {
        let doc = self.doc;
        self.slice().iter().map(move |m| (doc.key(m.key), m.id))
    }
}

impl std::fmt::Debug for Object<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl PartialEq for Object<'_> {
    fn eq(&self, other: &Object<'_>) -> bool {
        self.iter().eq(other.iter())
    }
}

/// A value as stored in the arena: scalars inline, strings and collections as handles into the
/// document's buffers. A [`Node`] keeps it packed: the kind in 3 bits beside the parent's id,
/// the 8 bytes of payload in two 32-bit words.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Slot {
    Null,
    Bool(bool),
    Int(Bits64),
    Float(Bits64),
    Str(StrRef),
    Array(Items),
    Object(Members),
}

impl Slot {
    pub(crate) fn int(i: i64) -> Slot {
        Slot::Int(Bits64::new(i.cast_unsigned()))
    }

    pub(crate) fn float(f: f64) -> Slot {
        Slot::Float(Bits64::new(f.to_bits()))
    }
}

/// 64 bits as two 32-bit halves: the 8 bytes of an `i64` or `f64` without its 8-byte alignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Bits64([u32; 2]);

impl Bits64 {
    fn new(bits: u64) -> Bits64 {
        Bits64([bits as u32, (bits >> 32) as u32])
    }

    fn bits(self) -> u64 {
        u64::from(self.0[0]) | (u64::from(self.0[1]) << 32)
    }

    pub(crate) fn int(self) -> i64 {
        self.bits().cast_signed()
    }

    pub(crate) fn float(self) -> f64 {
        f64::from_bits(self.bits())
    }
}

/// The bit of a `StrRef`'s start that says the string is in the document's decoded-strings
/// buffer rather than in its source text.
const STR_DECODED: u32 = 1 << 31;

/// Where a string value sits: a run of the document's source text (a JSON string without
/// escapes is read in place, never copied), or, with [`STR_DECODED`] set in `start`, of its
/// buffer of decoded strings (escapes resolved, YAML scalars).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct StrRef {
    start: u32,
    len: u32,
}

impl StrRef {
    /// A run of the source text; `None` when it is too far in for 31 bits.
    fn in_text(start: usize, len: usize) -> Option<StrRef> {
        let start = u32::try_from(start).ok().filter(|s| s & STR_DECODED == 0)?;
        Some(StrRef {
            start,
            len: u32::try_from(len).ok()?,
        })
    }

    /// A run of the decoded-strings buffer.
    fn decoded(start: usize, len: usize) -> Option<StrRef> {
        let mut s = StrRef::in_text(start, len)?;
        s.start |= STR_DECODED;
        Some(s)
    }

    /// The same string in buffers that start `text` (source) or `decoded` bytes later.
    fn shifted(self, text: usize, decoded: usize) -> Option<StrRef> {
        let start = (self.start & !STR_DECODED) as usize;
        let len = self.len as usize;
        if self.start & STR_DECODED == 0 {
            StrRef::in_text(start.checked_add(text)?, len)
        } else {
            StrRef::decoded(start.checked_add(decoded)?, len)
        }
    }
}

/// An array's elements: a run of the document's element buffer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Items {
    pub(crate) start: u32,
    pub(crate) len: u32,
}

/// An object's members, in document order: a run of the document's member buffer. Objects with
/// more than [`INDEX_THRESHOLD`] members also have entries in the document's hash index.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Members {
    pub(crate) start: u32,
    pub(crate) len: u32,
}

impl Items {
    fn range(&self) -> std::ops::Range<usize> {
        let start = self.start as usize;
        start..start.saturating_add(self.len as usize)
    }
}

impl Members {
    fn range(&self) -> std::ops::Range<usize> {
        let start = self.start as usize;
        start..start.saturating_add(self.len as usize)
    }
}

/// One object member: the interned key and the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Member {
    pub(crate) key: KeyId,
    pub(crate) id: NodeId,
}

/// A document with at most this many distinct keys and no large object finds a key's id by
/// scanning its keys, and keeps no map from key to id.
pub(crate) const KEY_SCAN_MAX: usize = 32;

/// Cache lines of nodes [`Document::prefetch_node`] asks for.
const PREFETCH_NODE_LINES: usize = 5;
/// Cache lines of an element's text [`Document::prefetch_contents`] asks for: half a kilobyte,
/// most of a typical fact list element (a dataset, a transfer, a resource change).
const PREFETCH_TEXT_LINES: usize = 8;

/// Index of a key in a document's key table.
pub(crate) type KeyId = u32;

/// One value in a [`Document`], with its place in the tree and in the file.
///
/// 16 bytes: at 100,000 datasets the arena has four million nodes, and every byte of a node is
/// four megabytes of fresh pages the kernel zeroes before the loader can write them, and of
/// memory an evaluation reads through (a 12-byte value beside a 32-bit parent made it 20).
#[derive(Clone, PartialEq)]
pub struct Node {
    /// The value's payload (see [`Node::slot`]).
    payload: [u32; 2],
    /// The kind of value in the top 3 bits, the parent's id in the low [`PARENT_BITS`].
    kind_parent: u32,
    /// Where the node is in its text, read by the document's [`Place`]: the key's place for
    /// an object member, else the value's.
    at: u32,
}

static NULL_NODE: Node = Node {
    payload: [0, 0],
    kind_parent: NO_PARENT,
    at: 0,
};

/// The kinds of value a [`Node`] packs beside its parent (see [`Node::slot`]).
const KIND_NULL: u32 = 0;
const KIND_BOOL: u32 = 1;
const KIND_INT: u32 = 2;
const KIND_FLOAT: u32 = 3;
const KIND_STR: u32 = 4;
const KIND_ARRAY: u32 = 5;
const KIND_OBJECT: u32 = 6;

impl Node {
    /// Moves the value's positions for an arena appended after others: a string by `text`
    /// (source) or `decoded` bytes, an array by `items` elements, an object by `members`
    /// members. `false` when a string would then lie past what 31 bits address (it becomes
    /// null).
    pub(crate) fn shift_value(
        &mut self,
        text: usize,
        decoded: usize,
        items: u32,
        members: u32,
    ) -> bool {
        let (value, addressable) = match self.slot() {
            Slot::Str(s) => match s.shifted(text, decoded) {
                Some(s) => (Slot::Str(s), true),
                None => (Slot::Null, false),
            },
            Slot::Array(a) => (
                Slot::Array(Items {
                    start: a.start.saturating_add(items),
                    len: a.len,
                }),
                true,
            ),
            Slot::Object(o) => (
                Slot::Object(Members {
                    start: o.start.saturating_add(members),
                    len: o.len,
                }),
                true,
            ),
            other => (other, true),
        };
        self.set_slot(value);
        addressable
    }

    pub(crate) fn new(value: Slot, parent: NodeId, at: u32) -> Node {
        let mut node = Node {
            payload: [0, 0],
            kind_parent: parent & NO_PARENT,
            at,
        };
        node.set_slot(value);
        node
    }

    /// The value, unpacked.
    #[inline]
    pub(crate) fn slot(&self) -> Slot {
        let [a, b] = self.payload;
        match self.kind_parent >> PARENT_BITS {
            KIND_BOOL => Slot::Bool(a != 0),
            KIND_INT => Slot::Int(Bits64([a, b])),
            KIND_FLOAT => Slot::Float(Bits64([a, b])),
            KIND_STR => Slot::Str(StrRef { start: a, len: b }),
            KIND_ARRAY => Slot::Array(Items { start: a, len: b }),
            KIND_OBJECT => Slot::Object(Members { start: a, len: b }),
            _ => Slot::Null,
        }
    }

    pub(crate) fn set_slot(&mut self, value: Slot) {
        let (kind, payload) = match value {
            Slot::Null => (KIND_NULL, [0, 0]),
            Slot::Bool(b) => (KIND_BOOL, [u32::from(b), 0]),
            Slot::Int(Bits64(bits)) => (KIND_INT, bits),
            Slot::Float(Bits64(bits)) => (KIND_FLOAT, bits),
            Slot::Str(StrRef { start, len }) => (KIND_STR, [start, len]),
            Slot::Array(Items { start, len }) => (KIND_ARRAY, [start, len]),
            Slot::Object(Members { start, len }) => (KIND_OBJECT, [start, len]),
        };
        self.payload = payload;
        self.kind_parent = (kind << PARENT_BITS) | (self.kind_parent & NO_PARENT);
    }

    /// The parent's id, [`NO_PARENT`] for a root.
    pub(crate) fn parent_id(&self) -> NodeId {
        self.kind_parent & NO_PARENT
    }

    pub(crate) fn set_parent(&mut self, parent: NodeId) {
        self.kind_parent = (self.kind_parent & !NO_PARENT) | (parent & NO_PARENT);
    }

    /// The parent node (`None` for the root).
    pub fn parent(&self) -> Option<NodeId> {
        let parent = self.parent_id();
        (parent != NO_PARENT).then_some(parent)
    }
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("value", &self.slot())
            .field("parent", &self.parent())
            .field("at", &self.at)
            .finish()
    }
}

/// How a document's nodes say where they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// A node's `at` is a byte offset into the document's text (JSON).
    Bytes,
    /// A node's `at` is a character index into the document's text (YAML).
    Chars,
    /// Every node is at this line and column: inline facts (1, 1), and a document parsed out
    /// of a string, which sits where that string is.
    Fixed(u32, u32),
}

/// One fact document: an arena of [`Node`]s, plus the buffers their strings, array elements
/// and object members live in (one allocation each rather than one per value).
#[derive(Clone, Debug)]
pub struct Document {
    name: Arc<str>,
    index: usize,
    root: NodeId,
    nodes: Vec<Node>,
    /// The source text the document was parsed from, where most of its strings are (empty
    /// when every string was decoded: YAML, inline facts).
    text: Arc<lines::SourceText>,
    /// Strings that are not a run of the source text, one after another.
    decoded: String,
    /// What the nodes' `at` means.
    place: Place,
    /// The elements of every array, each array a contiguous run.
    items: Vec<NodeId>,
    /// The members of every object, each object a contiguous run.
    members: Vec<Member>,
    /// Distinct object keys, by [`KeyId`].
    keys: Vec<Arc<str>>,
    /// [`KeyId`] by key text.
    key_ids: FastMap<Arc<str>, KeyId>,
    /// For objects with more than [`INDEX_THRESHOLD`] members: (object's first member, key) to
    /// the member's position in the object.
    large: FastMap<(u32, KeyId), u32>,
    /// For a combined document (`--combine`): where each original document's nodes start.
    parts: Vec<Part>,
    /// YAML tags as written (`!Ref`, `!!str`, `!secret`), by node.
    tags: FastMap<NodeId, Arc<str>>,
    /// For a document parsed out of a string fact (`parse_json`, `parse_yaml`): the pointer of
    /// that string, which prefixes every pointer into this document.
    embedded_at: Option<Arc<str>>,
    /// For such a document: the address of the fact document the string is in (0: none), an
    /// identity only, to tell which evaluation it belongs to.
    host: usize,
    /// For such a document: the string node of that fact document.
    host_node: NodeId,
}

/// A document inside a combined one: its nodes are `first..` up to the next part's `first`.
#[derive(Clone, Debug)]
struct Part {
    name: Arc<str>,
    index: usize,
    first: NodeId,
    /// Where the document's text starts in the combined text, in bytes.
    text_start: usize,
    /// How its nodes say where they are (their `at` counts from the start of the combined
    /// text).
    place: Place,
}

impl Document {
    /// The fact file as the user named it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// 0-based position of the document in its file (always 0 for JSON).
    pub fn index(&self) -> usize {
        self.index
    }

    /// The tag a YAML node was written with (`!Ref`, `!!str`), as written; `None` when untagged.
    pub fn tag(&self, id: NodeId) -> Option<&str> {
        self.tags.get(&id).map(|t| &**t)
    }

    /// The root node.
    pub fn root(&self) -> NodeId {
        self.root
    }

    /// Number of nodes in the arena.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the arena is empty (never true for a loaded document).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// A node; a static null node for an id this document did not produce.
    pub fn node(&self, id: NodeId) -> &Node {
        usize::try_from(id)
            .ok()
            .and_then(|i| self.nodes.get(i))
            .unwrap_or(&NULL_NODE)
    }

    /// How many elements or members node `id` holds (0 for a scalar).
    ///
    /// ```
    /// let doc = annexa::unstable::facts::Document::from_json("f.json", &serde_json::json!({"a": [1, 2], "b": "x"}));
    /// let a = doc.field(doc.root(), "a").unwrap();
    /// assert_eq!((doc.collection_len(doc.root()), doc.collection_len(a)), (2, 2));
    /// assert_eq!(doc.collection_len(doc.field(doc.root(), "b").unwrap()), 0);
    /// ```
    #[inline]
    pub fn collection_len(&self, id: NodeId) -> usize {
        match self.node(id).slot() {
            Slot::Array(items) => items.len as usize,
            Slot::Object(members) => members.len as usize,
            _ => 0,
        }
    }

    /// Asks the CPU to start loading node `id` and the nodes after it (an element's own
    /// members and their values, which the builder puts next to it), without waiting: a
    /// loop over a long list calls this some elements ahead. A hint only; any id is harmless.
    #[inline]
    pub(crate) fn prefetch_node(&self, id: NodeId) {
        let at = id as usize;
        // four 16-byte nodes to a cache line: the element and about twenty nodes after it
        for line in 0..PREFETCH_NODE_LINES {
            prefetch_index::prefetch_index(&self.nodes, at.saturating_add(line * 4));
        }
    }

    /// Asks the CPU to start loading what a rule reads of element `id`, whose node
    /// [`Document::prefetch_node`] asked for some elements before: the member table of an
    /// object (a lookup by key scans it) and, in a JSON text, the start of the element's text,
    /// where its strings are read in place.
    #[inline]
    pub(crate) fn prefetch_contents(&self, id: NodeId) {
        let node = self.node(id);
        if let Slot::Object(members) = node.slot() {
            let start = members.start as usize;
            // eight 8-byte members to a cache line: two lines cover a typical element
            prefetch_index::prefetch_index(&self.members, start);
            prefetch_index::prefetch_index(&self.members, start.saturating_add(8));
        }
        // a combined document's nodes may count characters of a YAML part: only a plain JSON
        // document's `at` is surely a byte offset
        if matches!(self.place, Place::Bytes) && self.parts.is_empty() {
            let text = self.text.as_str().as_bytes();
            let from = node.at as usize;
            for line in 0..PREFETCH_TEXT_LINES {
                prefetch_index::prefetch_index(text, from.saturating_add(line * 64));
            }
        }
    }

    /// The value of a node (see [`Document::node`]).
    #[inline]
    pub fn value(&self, id: NodeId) -> NodeValue<'_> {
        match self.node(id).slot() {
            Slot::Null => NodeValue::Null,
            Slot::Bool(b) => NodeValue::Bool(b),
            Slot::Int(i) => NodeValue::Int(i.int()),
            Slot::Float(f) => NodeValue::Float(f.float()),
            Slot::Str(s) => NodeValue::Str(self.str(s)),
            Slot::Array(a) => NodeValue::Array(self.items(a)),
            Slot::Object(members) => NodeValue::Object(Object { doc: self, members }),
        }
    }

    /// The text of a string node (`None` if the node is not a string).
    pub fn str_of(&self, id: NodeId) -> Option<&str> {
        match self.node(id).slot() {
            Slot::Str(s) => Some(self.str(s)),
            _ => None,
        }
    }

    fn str(&self, s: StrRef) -> &str {
        str_in(&self.text, &self.decoded, s)
    }

    fn items(&self, array: Items) -> &[NodeId] {
        self.items.get(array.range()).unwrap_or(&[])
    }

    fn key(&self, key: KeyId) -> &str {
        self.keys.get(key as usize).map_or("", |k| k)
    }

    /// Member `key` of an object node (`None` if absent or not an object).
    pub fn field(&self, id: NodeId, key: &str) -> Option<NodeId> {
        match self.node(id).slot() {
            Slot::Object(members) => Object { doc: self, members }.get(key),
            _ => None,
        }
    }

    /// The interned id of object key `key` in this document, `None` when no object of it has
    /// that key. With [`Document::field_by_id`], a caller that looks the same key up in many
    /// objects (a rule's loop) compares ids instead of strings.
    #[inline]
    pub(crate) fn key_id(&self, key: &str) -> Option<KeyId> {
        if self.key_ids.is_empty() {
            // a document of few keys keeps no map (see `Builder::finish`)
            let at = self.keys.iter().position(|k| &**k == key)?;
            return KeyId::try_from(at).ok();
        }
        self.key_ids.get(key).copied()
    }

    /// [`Document::field`] by the key's id in this document (see [`Document::key_id`]).
    /// `hint` is where the key was in the last object asked: objects of one kind keep their
    /// keys in one order, so it is looked at first, and updated.
    #[inline]
    pub(crate) fn field_by_id(&self, id: NodeId, key: KeyId, hint: &mut u32) -> Option<NodeId> {
        let Slot::Object(members) = self.node(id).slot() else {
            return None;
        };
        let object = Object { doc: self, members };
        let slice = object.slice();
        if let Some(m) = slice.get(*hint as usize)
            && m.key == key
        {
            return Some(m.id);
        }
        let at = object.position_of(key)?;
        *hint = at;
        slice.get(at as usize).map(|m| m.id)
    }

    /// Element `index` of an array node (`None` if out of range or not an array).
    pub fn element(&self, id: NodeId, index: usize) -> Option<NodeId> {
        match self.node(id).slot() {
            Slot::Array(a) => self.items(a).get(index).copied(),
            _ => None,
        }
    }

    /// The key or index under which `id` sits in its parent (`None` for the root).
    pub fn segment(&self, id: NodeId) -> Option<Segment<'_>> {
        let parent = self.node(id).parent()?;
        match self.node(parent).slot() {
            Slot::Array(a) => position_of(self.items(a), id, |&c| c).map(Segment::Index),
            Slot::Object(o) => {
                let members = self.members.get(o.range()).unwrap_or(&[]);
                let i = position_of(members, id, |m| m.id)?;
                members.get(i).map(|m| Segment::Key(self.key(m.key)))
            }
            _ => None,
        }
    }

    /// Which of the combined documents a node belongs to, in input order (0 when not combined).
    pub fn part_of(&self, id: NodeId) -> usize {
        if id == self.root {
            return 0;
        }
        self.parts
            .partition_point(|p| p.first <= id)
            .saturating_sub(1)
    }

    /// The file and document position a node comes from (for a combined document, the
    /// original document's).
    pub fn source_of(&self, id: NodeId) -> (&str, usize) {
        if id == self.root || self.parts.is_empty() {
            return (&self.name, self.index);
        }
        match self.parts.get(self.part_of(id)) {
            Some(part) => (&part.name, part.index),
            None => (&self.name, self.index),
        }
    }

    /// The RFC 6901 JSON Pointer of a node (`""` for the root). In a combined document it is
    /// the pointer inside the original document the node comes from.
    pub fn pointer(&self, id: NodeId) -> String {
        // held inline for the usual depths: a pointer is built for every finding
        let mut segments: smallvec::SmallVec<[Segment<'_>; 8]> = smallvec::SmallVec::new();
        let mut current = id;
        let combined = !self.parts.is_empty();
        while let Some(segment) = self.segment(current) {
            if combined && self.node(current).parent_id() == self.root {
                break;
            }
            segments.push(segment);
            current = self.node(current).parent_id();
            if segments.len() > self.nodes.len() {
                break; // not reachable for a well-formed arena; guards against a cycle
            }
        }
        let prefix = self.embedded_at.as_deref().unwrap_or_default();
        let estimate = segments.iter().map(|s| match s {
            Segment::Index(_) => 6,
            Segment::Key(k) => k.len() + 1,
        });
        let mut out = String::with_capacity(prefix.len() + estimate.sum::<usize>());
        out.push_str(prefix);
        for segment in segments.iter().rev() {
            out.push('/');
            match segment {
                Segment::Index(i) => {
                    let _ = write!(out, "{i}");
                }
                Segment::Key(k) => push_escaped(&mut out, k),
            }
        }
        out
    }

    /// The pointer of `ancestor`, cut from `pointer`, the pointer of `id` below it (or `id`
    /// itself): the walk goes up through parents only, and no string is built. `None` when
    /// `ancestor` is not above `id`, or in a combined document (whose pointers start at each
    /// part's root).
    ///
    /// ```
    /// let doc = annexa::unstable::facts::Document::from_json(
    ///     "f.json",
    ///     &serde_json::json!({"datasets": [{"name": "a", "enc": {"on": false}}]}),
    /// );
    /// let dataset = doc.element(doc.field(doc.root(), "datasets").unwrap(), 0).unwrap();
    /// let on = doc.field(doc.field(dataset, "enc").unwrap(), "on").unwrap();
    /// let pointer = doc.pointer(on);
    /// assert_eq!(doc.ancestor_pointer(on, &pointer, dataset), Some("/datasets/0"));
    /// assert_eq!(doc.ancestor_pointer(dataset, "/datasets/0", on), None);
    /// ```
    pub fn ancestor_pointer<'p>(
        &self,
        id: NodeId,
        pointer: &'p str,
        ancestor: NodeId,
    ) -> Option<&'p str> {
        if !self.parts.is_empty() {
            return None;
        }
        let mut end = pointer.len();
        let mut current = id;
        while current != ancestor {
            current = self.node(current).parent()?;
            end = pointer.get(..end)?.rfind('/')?;
        }
        pointer.get(..end)
    }

    /// 1-based (line, column) of a node in its file: the key's for an object member, the value's
    /// for array elements and the root.
    pub fn position(&self, id: NodeId) -> (u32, u32) {
        let at = self.node(id).at as usize;
        let (place, from) = match self.parts.get(self.part_of(id)) {
            // the root of a combined document is the list of the documents: no text of its own
            Some(_) if id == self.root => return (1, 1),
            Some(part) => (part.place, part.text_start),
            None => (self.place, 0),
        };
        let text = self.text.as_str();
        match place {
            Place::Fixed(line, column) => (line, column),
            Place::Bytes => self.text.lines().at_byte(text, from, at),
            Place::Chars => {
                let lines = self.text.lines();
                lines.at_byte(text, from, lines.byte_of_char(text, at))
            }
        }
    }

    /// A document from a JSON value (inline test facts); every position is (1, 1).
    pub fn from_json(name: &str, value: &serde_json::Value) -> Document {
        let mut b = build::Builder::new();
        let root = b.add_json(value, NO_PARENT);
        b.finish(Arc::from(name), 0, root)
    }

    /// Converts a subtree back to JSON (NaN and infinities become `null`).
    pub fn to_json(&self, id: NodeId) -> serde_json::Value {
        use serde_json::Value;
        match self.value(id) {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(b),
            NodeValue::Int(i) => Value::from(i),
            NodeValue::Float(f) => {
                serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
            }
            NodeValue::Str(s) => Value::String(s.to_string()),
            NodeValue::Array(a) => Value::Array(a.iter().map(|&c| self.to_json(c)).collect()),
            NodeValue::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, c)| (k.to_string(), self.to_json(c)))
                    .collect(),
            ),
        }
    }
}

/// The text of `s`, in the source `text` or the `decoded` buffer (empty if `s` belongs to
/// neither).
fn str_in<'a>(text: &'a str, decoded: &'a str, s: StrRef) -> &'a str {
    let buffer = if s.start & STR_DECODED == 0 {
        text
    } else {
        decoded
    };
    let start = (s.start & !STR_DECODED) as usize;
    buffer
        .get(start..start.saturating_add(s.len as usize))
        .unwrap_or("")
}

/// Where child `id` is among a collection's `children`: the loaders number nodes in document
/// order, so children's ids increase and a binary search finds it; a collection assembled
/// otherwise (merged documents, YAML merge keys) is searched in full.
fn position_of<T>(children: &[T], id: NodeId, id_of: impl Fn(&T) -> NodeId) -> Option<usize> {
    let i = children.partition_point(|c| id_of(c) < id);
    if children.get(i).is_some_and(|c| id_of(c) == id) {
        return Some(i);
    }
    children.iter().position(|c| id_of(c) == id)
}

/// One step of a JSON Pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment<'a> {
    /// An object key.
    Key(&'a str),
    /// An array index.
    Index(usize),
}

/// Appends `key` escaped for a JSON Pointer (`~` as `~0`, `/` as `~1`).
///
/// ```
/// let mut pointer = String::from("/paths/");
/// annexa::unstable::facts::push_escaped(&mut pointer, "a/b~c");
/// annexa::unstable::facts::push_escaped(&mut pointer, "-é");
/// assert_eq!(pointer, "/paths/a~1b~0c-é");
/// ```
pub fn push_escaped(out: &mut String, key: &str) {
    // most keys need no escape: one copy, not a push per character
    if memchr::memchr2(b'~', b'/', key.as_bytes()).is_none() {
        out.push_str(key);
        return;
    }
    for c in key.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// Limits applied while loading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadOptions {
    /// Deepest allowed nesting of arrays and objects (the root collection is level 1).
    pub max_depth: usize,
    /// Largest accepted file, in bytes (at most 2 GiB − 1 are accepted whatever this says: a
    /// document addresses its text with 31-bit offsets).
    pub max_file_bytes: u64,
    /// Most nodes all YAML alias expansions of one file may produce together.
    pub max_alias_expansions: usize,
}

impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions {
            max_depth: 128,
            max_file_bytes: crate::source::DEFAULT_MAX_INPUT_BYTES,
            max_alias_expansions: 100_000,
        }
    }
}

/// The documents of one fact file, and notes for the user (skipped documents).
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// The documents, in file order.
    pub documents: Vec<Document>,
    /// Notes such as `facts/x.yaml: document 2 is empty and was skipped`.
    pub notes: Vec<String>,
}

impl LoadOptions {
    /// The largest input accepted: `max_file_bytes`, and never more than a document addresses.
    fn byte_limit(&self) -> u64 {
        self.max_file_bytes.min(MAX_TEXT_BYTES)
    }
}

/// Refuses an input larger than [`LoadOptions::byte_limit`].
fn check_size(name: &str, len: usize, opts: &LoadOptions) -> Result<(), FactsError> {
    let size = u64::try_from(len).unwrap_or(u64::MAX);
    let limit = opts.byte_limit();
    if size > limit {
        return Err(FactsError::TooLarge {
            name: name.to_string(),
            size,
            limit,
        });
    }
    Ok(())
}

/// Whether the fast YAML scanner reads `text` (`Ok(false)`: it leaves it to saphyr), or how
/// its events differ from saphyr's on a text it reads: the `yaml_scanner` fuzz target's check.
///
/// ```
/// use annexa::unstable::facts::yaml_scanner_agrees;
/// assert_eq!(yaml_scanner_agrees("a: 1\nb:\n  - x\n"), Ok(true));
/// assert_eq!(yaml_scanner_agrees("a: &anchor 1\n"), Ok(false));
/// ```
pub fn yaml_scanner_agrees(text: &str) -> Result<bool, String> {
    yaml::scanner_agrees_with_saphyr(text)
}

/// How many cuts of a YAML text held when its pieces were parsed on a helper thread (each
/// entry line as one piece, and pairs of them as two), or how a split parse differed from one
/// parse of the text: the `yaml_split` fuzz target's check. A cut may refuse; one that holds
/// must give the documents one parse gives, and a text one parse refuses never splits.
///
/// ```
/// use annexa::unstable::facts::yaml_split_agrees;
/// let text = "items:\n  - a: 1\n  - a: 2\n  - a: 3\nother:\n  - b\n  - c\nlast: 1\n";
/// assert!(yaml_split_agrees(text).is_ok_and(|held| held > 0));
/// ```
pub fn yaml_split_agrees(text: &str) -> Result<usize, String> {
    yaml::split_agrees_with_one_parse(text)
}

/// Loads fact documents from bytes.
pub fn load_bytes(
    name: &str,
    bytes: &[u8],
    format: Format,
    opts: &LoadOptions,
) -> Result<Loaded, FactsError> {
    check_size(name, bytes.len(), opts)?;
    let text = decode::decode(name, bytes)?;
    parse(name, text, format, opts, None)
}

fn parse(
    name: &str,
    text: String,
    format: Format,
    opts: &LoadOptions,
    reservation: Option<build::Reservation>,
) -> Result<Loaded, FactsError> {
    // decoding UTF-16 can make the text longer than the bytes that were checked
    check_size(name, text.len(), opts)?;
    let name: Arc<str> = Arc::from(name);
    match format {
        Format::Json => json::load(name, text, opts, reservation),
        Format::Yaml => yaml::load(name, text, opts, reservation),
    }
}

/// Asserts that two documents have the same arena, vector by vector: the test of every parse
/// split between threads against one parse of the same text.
#[cfg(test)]
pub(crate) fn assert_same_arena(a: &Document, b: &Document) {
    if let Some(vector) = arena_difference(a, b) {
        panic!("the arenas' {vector} differ");
    }
}

/// The first vector in which two documents' arenas differ, or `None` when they are the same:
/// a split parse held to one parse of the same text (tests, the `yaml_split` fuzz target).
/// A string may be a run of the source text in one and decoded in the other (a piece that
/// saphyr read and the fast scanner did not): nodes are the same when they are equal or are
/// strings of the same text with the same parent and place.
pub(crate) fn arena_difference(a: &Document, b: &Document) -> Option<&'static str> {
    let same_node = |(x, y): (&Node, &Node)| {
        x == y
            || match (x.slot(), y.slot()) {
                (Slot::Str(sx), Slot::Str(sy)) => {
                    (x.parent_id(), x.at) == (y.parent_id(), y.at) && a.str(sx) == b.str(sy)
                }
                _ => false,
            }
    };
    let nodes = a.nodes.len() == b.nodes.len() && a.nodes.iter().zip(&b.nodes).all(same_node);
    let checks = [
        ("nodes", nodes),
        ("root", (a.index, a.root) == (b.index, b.root)),
        ("items", a.items == b.items),
        ("members", a.members == b.members),
        ("keys", a.keys == b.keys),
        ("large objects", a.large == b.large),
        ("key ids", a.key_ids == b.key_ids),
        ("tags", a.tags == b.tags),
        ("places", a.place == b.place),
    ];
    checks
        .into_iter()
        .find(|(_, same)| !same)
        .map(|(vector, _)| vector)
}

/// The first document of a YAML text, or an empty object when it holds none or does not
/// load: the fixture of tests that parse annexa's own small YAML inputs (waivers,
/// applicability).
#[cfg(test)]
pub(crate) fn first_yaml_document(name: &str, text: &str) -> Document {
    load_bytes(name, text.as_bytes(), Format::Yaml, &LoadOptions::default())
        .unwrap_or_default()
        .documents
        .into_iter()
        .next()
        .unwrap_or_else(|| Document::from_json(name, &serde_json::json!({})))
}

/// Loads a fact file; the format comes from the extension. `name` is the path as the user gave it.
///
/// A JSON file of 8 MiB or more is read while a helper thread prepares its arena, and parsed
/// on two threads; both end before this returns, and the documents are those of one thread.
pub fn load_path(path: &Path, name: &str, opts: &LoadOptions) -> Result<Loaded, FactsError> {
    // the extension first: only a fact file's length is asked for here (the read asks again)
    let expected = match format_for_path(path) {
        Some(Format::Json | Format::Yaml) => std::fs::metadata(path)
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map_or(0, |m| m.len()),
        _ => 0,
    };
    let large = (PREFAULT_MIN_BYTES..=opts.byte_limit()).contains(&expected);
    if !large {
        let (text, format) = read_path(path, name, opts)?;
        return parse(name, text, format, opts, None);
    }
    // the arena's pages are faulted in on a helper thread while this one reads the file
    // (build::Reservation::prefaulted); without the thread, the parse reserves its own
    let expected = usize::try_from(expected).unwrap_or(usize::MAX);
    std::thread::scope(|scope| {
        let helper = std::thread::Builder::new()
            .name("annexa-reserve".into())
            .spawn_scoped(scope, move || build::Reservation::prefaulted(expected))
            .ok();
        let read = read_path(path, name, opts);
        let reservation = helper.and_then(|helper| helper.join().ok());
        let (text, format) = read?;
        parse(name, text, format, opts, reservation)
    })
}

/// The size from which [`load_path`] prepares a fact file's arena on a helper thread: below
/// it, starting a thread costs more than the page faults it takes over.
const PREFAULT_MIN_BYTES: u64 = 8 << 20;

/// Loads fact documents from text already read and decoded by [`read_path`].
pub fn load_text(
    name: &str,
    text: String,
    format: Format,
    opts: &LoadOptions,
) -> Result<Loaded, FactsError> {
    parse(name, text, format, opts, None)
}

/// The decoded text of a fact file and its format (from the extension), read through the size
/// bound: the first half of [`load_path`], for callers that also need the text itself (to
/// point diagnostics into it) without reading the file a second time.
pub fn read_path(
    path: &Path,
    name: &str,
    opts: &LoadOptions,
) -> Result<(String, Format), FactsError> {
    let format = format_for_path(path).ok_or_else(|| FactsError::UnknownExtension {
        name: name.to_string(),
    })?;
    let io = |source| FactsError::Io {
        name: name.to_string(),
        source,
    };
    let bytes = crate::source::read_file_bounded(path, opts.byte_limit()).map_err(|e| match e {
        crate::source::ReadError::TooLarge { limit } => FactsError::TooLarge {
            name: name.to_string(),
            size: limit.saturating_add(1),
            limit,
        },
        crate::source::ReadError::Io(source) => io(source),
    })?;
    check_size(name, bytes.len(), opts)?;
    let text = decode::decode_owned(name, bytes)?;
    Ok((text, format))
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_yaml_forms;
