//! YAML through `saphyr-parser` events, built into the arena with an explicit stack (no recursion,
//! so any nesting depth is safe), resolved with the YAML 1.2 core schema (see [`super::scalar`]),
//! with merge keys, tags and CloudFormation's short forms applied as the tools that read these
//! files do.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;

use saphyr_parser::{Marker, ScalarStyle, ScanError};

use super::build::{Builder, OpenObject, Reservation};
use super::error::{ErrCtx, FactsError};
use super::scalar::{cfn_function, is_merge_key, resolve, tag_text, yaml11_octal};
use super::{Document, KeyId, LoadOptions, Loaded, NO_PARENT, NodeId, Slot};
use crate::source::{SourceFile, Span};

mod events;
pub(crate) mod fast;

pub(crate) use fast::check::agrees_with_saphyr as scanner_agrees_with_saphyr;
pub(crate) use split::check::agrees_with_one_parse as split_agrees_with_one_parse;
mod forms;
mod load_event;
mod split;

use events::{Events, Stop};
use load_event::LoadEvent;

const FORMAT: &str = "YAML";

/// Loads a YAML stream; `reservation`, made for the whole text (perhaps faulted in on
/// another thread while the file was read), becomes the first document's arena.
pub(crate) fn load(
    name: Arc<str>,
    text: String,
    opts: &LoadOptions,
    reservation: Option<Reservation>,
) -> Result<Loaded, FactsError> {
    // every document of the stream keeps the file's text, to place its nodes when asked
    let text = Arc::new(super::lines::SourceText::new(text));
    // one pass over the bytes says whether the fast scanner may try the text
    let fast = fast::eligible(text.as_bytes());
    let reservation = Cell::new(reservation);
    if text.len() >= split::MIN_BYTES
        && let Some(loaded) = split::load(&name, &text, opts, fast, &reservation)
    {
        return Ok(loaded);
    }
    load_one(name, text, opts, fast, reservation.take())
}

/// The stream parsed on this thread alone: by the fast scanner when `fast`, and again by
/// saphyr when the scanner meets something outside its subset.
fn load_one(
    name: Arc<str>,
    text: Arc<super::lines::SourceText>,
    opts: &LoadOptions,
    fast: bool,
    reservation: Option<Reservation>,
) -> Result<Loaded, FactsError> {
    let ctx = || ErrCtx::new(SourceFile::new(Arc::clone(&name), text.as_str()));
    let mut loader = Loader::new(&name, &text, opts);
    loader.reservation = reservation;
    let mut events = Events::new(&text, fast);
    while let Some(event) = events.next_event() {
        let step = match event {
            Ok((event, span)) => loader.event(event, span.start),
            Err(Stop::Scan(e)) => Err(Box::new(Failure::Scan(e))),
            Err(Stop::Unsupported) => {
                drop(loader);
                return load_one(Arc::clone(&name), Arc::clone(&text), opts, false, None);
            }
        };
        match step {
            Ok(true) => {}
            Ok(false) => break,
            Err(failure) => return Err(failure.into_error(&ctx(), opts)),
        }
    }
    Ok(loader.finish())
}

/// Why loading stopped; turned into a [`FactsError`] with the text only on this cold path.
enum Failure {
    Scan(ScanError),
    Syntax(&'static str, Marker, &'static str),
    TooDeep(Marker),
    AliasLimit(Marker),
    Duplicate {
        key: Box<str>,
        /// Character index of the first occurrence's key.
        first: usize,
        second: Marker,
        second_len: usize,
    },
    TooManyNodes,
}

impl Failure {
    fn into_error(self, ctx: &ErrCtx, opts: &LoadOptions) -> FactsError {
        let at = |m: Marker| {
            let start = ctx.char_to_byte(m.index());
            let end = ctx
                .file
                .text()
                .get(start..)
                .and_then(|r| r.chars().next())
                .map_or(start, |c| start + c.len_utf8());
            Span::new(start, end)
        };
        match self {
            // the scanner looks ahead, so a deep flow collection can hit its own 255-level cap
            // before the parser hands us level `max_depth + 1`
            Failure::Scan(e) if e.info() == "recursion limit exceeded" => {
                ctx.too_deep(opts.max_depth, at(*e.marker()))
            }
            Failure::Scan(e) => {
                let mut message = e.info().to_string();
                if message.is_empty() {
                    message = "invalid YAML".into();
                }
                ctx.syntax(
                    FORMAT,
                    message,
                    at(*e.marker()),
                    Some("check the indentation, the quoting and the `:`/`-` markers near here"),
                )
            }
            Failure::Syntax(message, m, help) => ctx.syntax(FORMAT, message, at(m), Some(help)),
            Failure::TooDeep(m) => ctx.too_deep(opts.max_depth, at(m)),
            Failure::AliasLimit(m) => ctx.alias_limit(opts.max_alias_expansions, at(m)),
            Failure::Duplicate {
                key,
                first,
                second,
                second_len,
            } => {
                let start = ctx.char_to_byte(second.index());
                let end = ctx.char_to_byte(second.index() + second_len.max(1));
                ctx.duplicate_key(&key, ctx.char_to_byte(first), Span::new(start, end))
            }
            Failure::TooManyNodes => FactsError::TooManyValues {
                name: ctx.name(),
                limit: super::MAX_VALUES,
            },
        }
    }
}

/// A mapping key waiting for its value: key, position, char index and the char length of its
/// label in a duplicate-key error (`None`: the key's own length, counted only for that error).
type PendingKey = (KeyId, usize, Marker, Option<usize>);

/// An open collection.
enum Frame {
    Seq {
        id: NodeId,
        /// The builder's mark for the open array.
        items: usize,
        anchor: usize,
        /// Where the sequence starts (its first `-`, or its `[`).
        start: Marker,
    },
    Map {
        id: NodeId,
        object: OpenObject,
        anchor: usize,
        /// The key waiting for its value: text, position, char index and char length.
        key: Option<PendingKey>,
        /// The mapping's previous key (`KeyId::MAX` before the first), for
        /// [`crate::facts::build::Builder::key_after`].
        last_key: KeyId,
        /// A merge key `<<` is waiting for its value.
        merge_pending: bool,
        /// The mappings merged into this one, earlier ones winning.
        merges: Vec<NodeId>,
        role: MapRole,
    },
    /// The sequence value of a merge key: the mappings it lists.
    MergeList { sources: Vec<NodeId> },
}

impl Frame {
    /// A freshly opened mapping frame: no merge yet, `key` the member already waiting for its
    /// value (only a CloudFormation wrapper has one).
    fn map(
        id: NodeId,
        object: OpenObject,
        anchor: usize,
        key: Option<PendingKey>,
        role: MapRole,
    ) -> Frame {
        Frame::Map {
            id,
            object,
            anchor,
            key,
            last_key: KeyId::MAX,
            merge_pending: false,
            merges: Vec::new(),
            role,
        }
    }
}

/// What a mapping frame is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum MapRole {
    /// A mapping of the file.
    Plain,
    /// The one-member object a CloudFormation tag on a collection stands for (`!If [...]` is
    /// `{"Fn::If": [...]}`); it closes with its member.
    Wrapper,
    /// An inline mapping given to a merge key: not linked into the tree, only merged.
    MergeSource,
}

const MERGE_VALUE: &str = "a merge key `<<` takes a mapping, an alias to one, or a list of them";
const MERGE_HELP: &str = "write `<<: *defaults` or `<<: [*a, *b]`";

/// The document being built.
struct Doc {
    /// Where the document starts (characters).
    start: usize,
    builder: Builder,
    stack: Vec<Frame>,
    anchors: HashMap<usize, NodeId>,
    /// Anchors set on scalar keys (which have no node): their resolved values.
    key_anchors: HashMap<usize, Slot>,
    root: Option<NodeId>,
    empty: bool,
    /// Plain scalars YAML 1.1 reads as octal (`0777`), with that value: applied when the
    /// document turns out to be a Kubernetes object.
    octal: HashMap<NodeId, i64>,
}

impl Doc {
    /// A document starting at character `start`, its arena sized for `expected` bytes.
    fn new(start: usize, expected: usize) -> Doc {
        Doc::with_reservation(start, Reservation::for_text(expected), expected)
    }

    /// A document starting at character `start` that fills `reservation`.
    fn with_reservation(start: usize, reservation: Reservation, expected: usize) -> Doc {
        let mut builder = Builder::with_reservation(reservation);
        // saphyr's strings are decoded, not read in place
        builder.reserve_strings(expected / 2);
        Doc {
            start,
            builder,
            stack: Vec::new(),
            anchors: HashMap::new(),
            key_anchors: HashMap::new(),
            root: None,
            empty: false,
            octal: HashMap::new(),
        }
    }
}

struct Loader<'a> {
    name: Arc<str>,
    /// The file's text, which every document keeps.
    text: Arc<super::lines::SourceText>,
    opts: &'a LoadOptions,
    expansions: usize,
    loaded: Loaded,
    doc_index: usize,
    doc: Option<Doc>,
    /// How long the last document was (characters), to size the next one's arena.
    last_document_chars: Option<usize>,
    /// The empty documents skipped, by index in the stream.
    skipped: Vec<usize>,
    /// The first document's arena, reserved in advance for the whole text.
    reservation: Option<Reservation>,
}

/// Where a node starts: saphyr counts characters, and so do YAML documents' nodes
/// ([`super::Place::Chars`]).
fn pos(m: Marker) -> usize {
    m.index()
}

/// Where a new value goes.
struct Place {
    parent: NodeId,
    pos: usize,
    key: Option<PendingKey>,
    depth: usize,
}

impl<'a> Loader<'a> {
    fn new(name: &Arc<str>, text: &Arc<super::lines::SourceText>, opts: &'a LoadOptions) -> Self {
        Loader {
            name: Arc::clone(name),
            text: Arc::clone(text),
            opts,
            expansions: 0,
            loaded: Loaded::default(),
            doc_index: 0,
            doc: None,
            last_document_chars: None,
            skipped: Vec::new(),
            reservation: None,
        }
    }

    /// Handles one event; `Ok(false)` at the end of the stream.
    // the failure boxed: a result this small comes back in registers, and the parse loops
    // read it after every event
    fn event(&mut self, event: LoadEvent<'_>, mark: Marker) -> Result<bool, Box<Failure>> {
        self.handle(event, mark).map_err(Box::new)
    }

    #[inline(always)]
    fn handle(&mut self, event: LoadEvent<'_>, mark: Marker) -> Result<bool, Failure> {
        match event {
            LoadEvent::StreamEnd => return Ok(false),
            LoadEvent::StreamStart | LoadEvent::Nothing => {}
            LoadEvent::DocumentStart(_) => {
                // The arena is sized in advance, as the JSON loader's is: growing by doubling
                // copied a large document's arena several times. The first document is sized
                // for the rest of the stream (what is reserved and never written costs no
                // memory, and a document gives it back when it ends); each later one like the
                // last, so a stream of many small documents does not reserve the rest each time.
                let start = pos(mark);
                let rest = self.text.len().saturating_sub(start);
                let expected = match self.last_document_chars {
                    Some(last) => rest.min(last.saturating_mul(2).saturating_add(4096)),
                    None => rest,
                };
                let reservation = self
                    .reservation
                    .take()
                    .unwrap_or_else(|| Reservation::for_text(expected));
                self.doc = Some(Doc::with_reservation(start, reservation, expected));
            }
            LoadEvent::DocumentEnd => {
                if let Some(doc) = &self.doc {
                    self.last_document_chars = Some(pos(mark).saturating_sub(doc.start));
                }
                self.end_document();
            }
            LoadEvent::SequenceEnd | LoadEvent::MappingEnd => self.end_collection(mark)?,
            LoadEvent::Scalar(value, style, anchor, tag) => {
                if self.is_key_position() {
                    if let Some(doc) = self.doc.as_mut() {
                        if is_merge_key(value, style, tag)
                            && let Some(Frame::Map { merge_pending, .. }) = doc.stack.last_mut()
                        {
                            *merge_pending = true;
                            return Ok(true);
                        }
                        if anchor != 0 {
                            doc.anchors.remove(&anchor);
                            let value = resolve(&mut doc.builder, &self.text, value, style, tag);
                            doc.key_anchors.insert(anchor, value);
                        }
                    }
                    self.set_key(value, mark);
                    return Ok(true);
                }
                if self.merge_target() {
                    return Err(Failure::Syntax(MERGE_VALUE, mark, MERGE_HELP));
                }
                let Some(doc) = self.doc.as_mut() else {
                    return Ok(true);
                };
                if doc.stack.is_empty()
                    && style == ScalarStyle::Plain
                    && value.is_empty()
                    && anchor == 0
                    && tag.is_none()
                {
                    doc.empty = true;
                    return Ok(true);
                }
                if let Some(function) = tag.and_then(cfn_function) {
                    let written = tag.map(tag_text).unwrap_or_default();
                    return self.cfn_scalar(function, value, &written, anchor, mark);
                }
                let resolved = resolve(&mut doc.builder, self.text.as_str(), value, style, tag);
                let octal = (style == ScalarStyle::Plain && tag.is_none())
                    .then(|| yaml11_octal(value))
                    .flatten();
                let place = self.place(mark);
                let id = self.attach(resolved, place)?;
                if let Some(doc) = self.doc.as_mut() {
                    if let Some(tag) = tag {
                        doc.builder.set_tag(id, Arc::from(tag_text(tag)));
                    }
                    if let Some(octal) = octal {
                        doc.octal.insert(id, octal);
                    }
                }
                self.anchor(anchor, id);
            }
            LoadEvent::SequenceStart(anchor, tag) | LoadEvent::MappingStart(anchor, tag) => {
                let is_seq = matches!(event, LoadEvent::SequenceStart(..));
                if self.is_key_position() {
                    return Err(Failure::Syntax(
                        "a mapping or sequence cannot be used as a key",
                        mark,
                        "use a plain string key",
                    ));
                }
                if self.merge_target() {
                    return self.open_merge_value(is_seq, anchor, mark);
                }
                let mut anchor = anchor;
                let written = tag.map(tag_text);
                if let Some(function) = tag.and_then(cfn_function) {
                    self.open_wrapper(function, written.as_deref(), anchor, mark)?;
                    anchor = 0;
                }
                let place = self.place(mark);
                if place.depth >= self.opts.max_depth {
                    return Err(Failure::TooDeep(mark));
                }
                let id = self.attach(Slot::Null, place)?;
                if let Some(doc) = self.doc.as_mut() {
                    if let Some(written) = written
                        && tag.and_then(cfn_function).is_none()
                    {
                        doc.builder.set_tag(id, Arc::from(written));
                    }
                    doc.stack.push(if is_seq {
                        Frame::Seq {
                            id,
                            items: doc.builder.open_array(),
                            anchor,
                            start: mark,
                        }
                    } else {
                        Frame::map(id, doc.builder.open_object(), anchor, None, MapRole::Plain)
                    });
                }
            }
            LoadEvent::Alias(anchor) => {
                let key_value = self
                    .doc
                    .as_ref()
                    .and_then(|d| d.key_anchors.get(&anchor).copied());
                if let Some(value) = key_value {
                    if self.merge_target() {
                        return Err(Failure::Syntax(MERGE_VALUE, mark, MERGE_HELP));
                    }
                    if self.is_key_position() {
                        let key = self.string_form(&value).unwrap_or_default();
                        self.set_key(&key, mark);
                    } else {
                        self.count(mark, self.opts.max_alias_expansions)?;
                        let place = self.place(mark);
                        self.attach(value, place)?;
                    }
                    return Ok(true);
                }
                let Some(source) = self
                    .doc
                    .as_ref()
                    .and_then(|d| d.anchors.get(&anchor).copied())
                else {
                    return Err(Failure::Syntax(
                        "an alias to an anchor that is not complete (a recursive alias)",
                        mark,
                        "an alias may only refer to an anchored node that ends before it",
                    ));
                };
                if self.is_key_position() {
                    let key = self.alias_key(source).ok_or(Failure::Syntax(
                        "a mapping or sequence cannot be used as a key",
                        mark,
                        "use a plain string key",
                    ))?;
                    self.set_key(&key, mark);
                    return Ok(true);
                }
                if self.merge_target() {
                    return self.add_merge_source(source, mark);
                }
                let place = self.place(mark);
                self.copy(source, place, mark)?;
            }
        }
        Ok(true)
    }

    fn is_key_position(&self) -> bool {
        matches!(
            self.doc.as_ref().and_then(|d| d.stack.last()),
            Some(Frame::Map {
                key: None,
                merge_pending: false,
                ..
            })
        )
    }

    fn set_key(&mut self, key: &str, mark: Marker) {
        let Some(doc) = self.doc.as_mut() else {
            return;
        };
        if let Some(Frame::Map {
            key: slot,
            last_key,
            ..
        }) = doc.stack.last_mut()
        {
            let id = doc.builder.key_after(*last_key, key);
            *last_key = id;
            *slot = Some((id, pos(mark), mark, None));
        }
    }

    /// The string form of an aliased scalar used as a key.
    fn alias_key(&self, source: NodeId) -> Option<Box<str>> {
        self.string_form(&self.doc.as_ref()?.builder.node(source)?.slot())
    }

    /// The string form of a scalar (`None` for a collection).
    fn string_form(&self, value: &Slot) -> Option<Box<str>> {
        Some(match value {
            Slot::Null => "null".into(),
            Slot::Bool(b) => b.to_string().into(),
            Slot::Int(i) => i.int().to_string().into(),
            Slot::Float(f) => f.float().to_string().into(),
            Slot::Str(s) => self.doc.as_ref()?.builder.str(&self.text, *s).into(),
            Slot::Array(_) | Slot::Object(_) => return None,
        })
    }

    /// Where the value starting at `mark` goes.
    fn place(&mut self, mark: Marker) -> Place {
        let at = pos(mark);
        let Some(doc) = self.doc.as_mut() else {
            return Place {
                parent: NO_PARENT,
                pos: at,
                key: None,
                depth: 0,
            };
        };
        let depth = doc.stack.len();
        match doc.stack.last_mut() {
            None | Some(Frame::MergeList { .. }) => Place {
                parent: NO_PARENT,
                pos: at,
                key: None,
                depth,
            },
            Some(Frame::Seq { id, .. }) => Place {
                parent: *id,
                pos: at,
                key: None,
                depth,
            },
            Some(Frame::Map { id, key, .. }) => {
                let key = key.take();
                Place {
                    parent: *id,
                    pos: key.as_ref().map_or(at, |k| k.1),
                    key,
                    depth,
                }
            }
        }
    }

    /// Adds a node at `place` and links it into its parent.
    fn attach(&mut self, value: Slot, place: Place) -> Result<NodeId, Failure> {
        let Some(doc) = self.doc.as_mut() else {
            return Ok(0);
        };
        let id = doc.builder.push(value, place.parent, place.pos);
        if doc.builder.overflowed() {
            return Err(Failure::TooManyNodes);
        }
        match doc.stack.last_mut() {
            None => doc.root = Some(id),
            Some(Frame::MergeList { .. }) => {}
            Some(Frame::Seq { .. }) => doc.builder.add_item(id),
            Some(Frame::Map { object, .. }) => {
                if let Some((key, _, mark, len)) = place.key
                    && let Err(first) = doc.builder.add_member(object, key, id)
                {
                    let first = doc.builder.node(first).map_or(0, |n| n.at as usize);
                    let key = doc.builder.key_str(key);
                    return Err(Failure::Duplicate {
                        key: Box::from(key),
                        first,
                        second: mark,
                        second_len: len.unwrap_or_else(|| key.chars().count()),
                    });
                }
            }
        }
        Ok(id)
    }

    fn anchor(&mut self, anchor: usize, id: NodeId) {
        if anchor != 0
            && let Some(doc) = self.doc.as_mut()
        {
            doc.key_anchors.remove(&anchor);
            doc.anchors.insert(anchor, id);
        }
    }

    fn end_collection(&mut self, mark: Marker) -> Result<(), Failure> {
        self.apply_merges(mark)?;
        let Some(doc) = self.doc.as_mut() else {
            return Ok(());
        };
        let (id, anchor, role) = match doc.stack.pop() {
            Some(Frame::Seq {
                id, items, anchor, ..
            }) => {
                doc.builder.close_array(id, items);
                (id, anchor, MapRole::Plain)
            }
            Some(Frame::Map {
                id,
                object,
                anchor,
                role,
                ..
            }) => {
                doc.builder.close_object(id, object);
                (id, anchor, role)
            }
            Some(Frame::MergeList { sources }) => {
                if let Some(Frame::Map { merges, .. }) = doc.stack.last_mut() {
                    merges.extend(sources);
                }
                return Ok(());
            }
            None => return Ok(()),
        };
        self.anchor(anchor, id);
        if role == MapRole::MergeSource
            && let Some(doc) = self.doc.as_mut()
        {
            match doc.stack.last_mut() {
                Some(Frame::Map { merges, .. }) => merges.push(id),
                Some(Frame::MergeList { sources }) => sources.push(id),
                _ => {}
            }
        }
        self.close_wrapper();
        Ok(())
    }

    fn end_document(&mut self) {
        let index = self.doc_index;
        self.doc_index += 1;
        let Some(mut doc) = self.doc.take() else {
            return;
        };
        if let Some(root) = doc.root
            && is_kubernetes_object(&doc.builder, root)
        {
            for (&id, &octal) in &doc.octal {
                doc.builder.set_value(id, Slot::int(octal));
            }
        }
        match doc.root {
            Some(root) if !doc.empty => {
                let document: Document = doc.builder.finish_with_text(
                    Arc::clone(&self.name),
                    index,
                    root,
                    Arc::clone(&self.text),
                    super::Place::Chars,
                );
                self.loaded.documents.push(document);
            }
            _ => self.skipped.push(index),
        }
    }

    /// What the stream loaded, with a note for each empty document it skipped, or one saying
    /// that the file held no document at all.
    fn finish(self) -> Loaded {
        let mut loaded = self.loaded;
        for index in self.skipped {
            loaded.notes.push(format!(
                "{}: document {index} is empty and was skipped",
                self.name
            ));
        }
        if loaded.documents.is_empty() && loaded.notes.is_empty() {
            let note = format!("{}: the file holds no YAML document", self.name);
            loaded.notes.push(note);
        }
        loaded
    }

    /// Expands an alias: copies the subtree at `source` to `place`, iteratively, counting every
    /// copied node against the limit and checking depth.
    fn copy(&mut self, source: NodeId, place: Place, mark: Marker) -> Result<(), Failure> {
        let limit = self.opts.max_alias_expansions;
        let max_depth = self.opts.max_depth;
        let base_depth = place.depth;
        let first = self
            .doc
            .as_ref()
            .and_then(|d| d.builder.node(source))
            .map(|n| n.slot().clone_shallow());
        let Some(first) = first else {
            return Ok(());
        };
        self.count(mark, limit)?;
        let root = self.attach(first, place)?;
        self.inherit(source, root);
        // (source, copy, depth of the copy counting enclosing collections)
        let mut work = vec![(source, root, base_depth)];
        while let Some((src, dst, depth)) = work.pop() {
            let Some(doc) = self.doc.as_mut() else {
                return Ok(());
            };
            let Some(node) = doc.builder.node(src) else {
                continue;
            };
            let children: Vec<(Option<KeyId>, NodeId)> = match node.slot() {
                Slot::Array(items) => doc
                    .builder
                    .items(&items)
                    .iter()
                    .map(|&c| (None, c))
                    .collect(),
                Slot::Object(object) => doc
                    .builder
                    .members(&object)
                    .map(|(k, c)| (Some(k), c))
                    .collect(),
                _ => continue,
            };
            if depth >= max_depth {
                return Err(Failure::TooDeep(mark));
            }
            let is_object = matches!(node.slot(), Slot::Object(_));
            let items = doc.builder.open_array();
            let mut object = doc.builder.open_object();
            for (key, child) in children {
                self.expansions += 1;
                if self.expansions > limit {
                    return Err(Failure::AliasLimit(mark));
                }
                let Some(doc) = self.doc.as_mut() else {
                    return Ok(());
                };
                let Some(child_node) = doc.builder.node(child) else {
                    continue;
                };
                let value = child_node.slot().clone_shallow();
                let at = child_node.at as usize;
                let copy = doc.builder.push(value, dst, at);
                if doc.builder.overflowed() {
                    return Err(Failure::TooManyNodes);
                }
                self.inherit(child, copy);
                let Some(doc) = self.doc.as_mut() else {
                    return Ok(());
                };
                match key {
                    Some(key) => {
                        let _ = doc.builder.add_member(&mut object, key, copy);
                    }
                    None => doc.builder.add_item(copy),
                }
                work.push((child, copy, depth + 1));
            }
            if let Some(doc) = self.doc.as_mut() {
                if is_object {
                    doc.builder.close_object(dst, object);
                } else {
                    doc.builder.close_array(dst, items);
                }
            }
        }
        Ok(())
    }

    /// A copy keeps the original's tag and YAML 1.1 reading.
    fn inherit(&mut self, source: NodeId, copy: NodeId) {
        let Some(doc) = self.doc.as_mut() else {
            return;
        };
        if let Some(tag) = doc.builder.tag(source) {
            doc.builder.set_tag(copy, tag);
        }
        if let Some(&octal) = doc.octal.get(&source) {
            doc.octal.insert(copy, octal);
        }
    }

    fn count(&mut self, mark: Marker, limit: usize) -> Result<(), Failure> {
        self.expansions += 1;
        if self.expansions > limit {
            return Err(Failure::AliasLimit(mark));
        }
        Ok(())
    }
}

/// Whether a document is a Kubernetes object (`apiVersion` and `kind` at the top), which
/// Kubernetes reads as YAML 1.1: `defaultMode: 0777` is octal there.
fn is_kubernetes_object(builder: &Builder, root: NodeId) -> bool {
    let Some(Slot::Object(object)) = builder.node(root).map(super::Node::slot) else {
        return false;
    };
    let (mut api, mut kind) = (false, false);
    for key in builder.members(&object).map(|(k, _)| builder.key_str(k)) {
        api |= key == "apiVersion";
        kind |= key == "kind";
    }
    api && kind
}

impl Slot {
    /// The value without its children (collections come back empty; they are filled by the
    /// caller). Strings share the original's text.
    fn clone_shallow(&self) -> Slot {
        match self {
            Slot::Array(_) | Slot::Object(_) => Slot::Null,
            other => *other,
        }
    }
}
