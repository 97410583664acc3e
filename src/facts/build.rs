//! The arena builder shared by the JSON and YAML loaders.

use std::sync::Arc;

use super::{
    Document, FastMap, INDEX_THRESHOLD, Items, KeyId, Member, Members, NO_PARENT, NULL_NODE, Node,
    NodeId, Place, Slot, StrRef, str_in,
};

/// Builds one [`Document`]'s arena.
///
/// Collections are built on scratch stacks: an open array or object pushes its elements or
/// members on top of its enclosing collections' (which are paused while it is open), and moves
/// them as one run into the document's buffer when it closes, so each collection's children
/// end up contiguous without an allocation per collection.
pub(crate) struct Builder {
    pub(crate) nodes: Vec<Node>,
    /// Strings that are not a run of the source text (see [`Builder::text_string`]).
    decoded: String,
    items: Vec<NodeId>,
    members: Vec<Member>,
    /// Object keys repeat (every dataset has a `name`): each distinct key is stored once.
    keys: Vec<Arc<str>>,
    key_ids: FastMap<Arc<str>, KeyId>,
    /// By key id: the key that came next in an object the last time this key was seen (or
    /// `KeyId::MAX`). Objects of one kind repeat their keys in one order, so the guess is
    /// usually right and one comparison replaces a hash lookup ([`Builder::key_after`]).
    follows: Vec<KeyId>,
    large: FastMap<(u32, KeyId), u32>,
    open_items: Vec<NodeId>,
    open_members: Vec<Member>,
    /// Set when more nodes (or string bytes) were pushed than the arena can number.
    overflow: bool,
    /// YAML tags as written, by node (few nodes have one).
    tags: FastMap<NodeId, Arc<str>>,
}

/// The arena's three large vectors, reserved for an input before it is parsed.
pub(crate) struct Reservation {
    nodes: Vec<Node>,
    items: Vec<NodeId>,
    members: Vec<Member>,
}

impl Reservation {
    /// Room for about `text_len` bytes of input, sized for typical fact files so that the arena
    /// rarely has to grow and copy itself. A reservation costs no memory until it is written,
    /// so erring large is cheap and growing is not. It is a hint: where the system refuses it
    /// (a strict overcommit policy and a large file), the vectors start empty and grow as
    /// values come, instead of aborting.
    pub(crate) fn for_text(text_len: usize) -> Reservation {
        Reservation {
            nodes: reserved(text_len / 16),
            items: reserved(text_len / 64),
            members: reserved(text_len / 16),
        }
    }

    /// [`Reservation::for_text`] with the pages that a typical file fills already faulted in:
    /// the kernel zeroes each fresh page on its first write, which took a third of the parse's
    /// time on a large file. Made on a helper thread while the file is read
    /// ([`super::load_path`]), those faults leave the parse. Only part of each vector is
    /// touched (what the densest common files fill, measured on the benchmark's facts), so a
    /// file of few, long values does not pay the whole reservation in resident memory.
    pub(crate) fn prefaulted(text_len: usize) -> Reservation {
        let mut reservation = Reservation::for_text(text_len);
        touch_pages(&mut reservation.nodes, 3, 4, || NULL_NODE.clone());
        touch_pages(&mut reservation.items, 1, 2, || 0);
        touch_pages(&mut reservation.members, 1, 2, || Member { key: 0, id: 0 });
        reservation
    }
}

/// An empty vector with room for `len` values, or without when the allocator refuses it.
fn reserved<T>(len: usize) -> Vec<T> {
    let mut vec = Vec::new();
    let _ = vec.try_reserve_exact(len);
    vec
}

/// Writes one value into each page of the first `num / den` of `vec`'s spare capacity, which
/// makes the kernel map (and zero) those pages now. The length stays 0: the values are
/// overwritten by the parse, never read.
fn touch_pages<T>(vec: &mut Vec<T>, num: usize, den: usize, value: impl Fn() -> T) {
    const PAGE: usize = 4096;
    let stride = (PAGE / std::mem::size_of::<T>().max(1)).max(1);
    let spare = vec.spare_capacity_mut();
    let upto = spare.len() / den * num;
    for slot in spare.iter_mut().take(upto).step_by(stride) {
        slot.write(value());
    }
}

/// An object being built (see [`Builder::open_object`]).
pub(crate) struct OpenObject {
    mark: usize,
    /// Bit `key % 64` of each key added so far: a key whose bit is clear is no duplicate, and
    /// needs no scan of the members (keys are numbered densely, so the bits rarely collide).
    keys_seen: u64,
    /// Past [`INDEX_THRESHOLD`] members: position by key, for the duplicate check.
    seen: Option<FastMap<KeyId, u32>>,
}

/// The bit of [`OpenObject::keys_seen`] for `key`.
fn key_bit(key: KeyId) -> u64 {
    1 << (key % 64)
}

impl Builder {
    pub(crate) fn new() -> Builder {
        Builder::with_capacity(0)
    }

    /// A builder expecting about `text_len` bytes of input (see [`Reservation::for_text`]).
    pub(crate) fn with_capacity(text_len: usize) -> Builder {
        Builder::with_reservation(Reservation::for_text(text_len))
    }

    /// A builder that fills vectors reserved in advance (perhaps on another thread).
    pub(crate) fn with_reservation(reservation: Reservation) -> Builder {
        let Reservation {
            nodes,
            items,
            members,
        } = reservation;
        Builder {
            nodes,
            decoded: String::new(),
            items,
            members,
            keys: Vec::new(),
            key_ids: FastMap::default(),
            follows: Vec::new(),
            large: FastMap::default(),
            open_items: Vec::new(),
            open_members: Vec::new(),
            overflow: false,
            tags: FastMap::default(),
        }
    }

    /// Room for about `bytes` of decoded strings ([`Builder::string`]).
    pub(crate) fn reserve_strings(&mut self, bytes: usize) {
        self.decoded.reserve(bytes);
    }

    /// The id of an object key.
    pub(crate) fn key(&mut self, key: &str) -> KeyId {
        if let Some(&id) = self.key_ids.get(key) {
            return id;
        }
        let Ok(id) = KeyId::try_from(self.keys.len()) else {
            self.overflow = true;
            return 0;
        };
        let shared: Arc<str> = Arc::from(key);
        self.keys.push(Arc::clone(&shared));
        self.key_ids.insert(shared, id);
        self.follows.push(KeyId::MAX);
        id
    }

    /// [`Builder::key`] for the key that comes after `previous` in the same object: the key
    /// that followed `previous` last time is tried first.
    pub(crate) fn key_after(&mut self, previous: KeyId, key: &str) -> KeyId {
        let guess = self.follows.get(previous as usize).copied();
        if let Some(guess) = guess
            && self.keys.get(guess as usize).is_some_and(|k| **k == *key)
        {
            return guess;
        }
        let id = self.key(key);
        if let Some(slot) = self.follows.get_mut(previous as usize) {
            *slot = id;
        }
        id
    }

    /// The text of a key.
    pub(crate) fn key_str(&self, key: KeyId) -> &str {
        self.keys.get(key as usize).map_or("", |k| k)
    }

    /// Stores a string value.
    pub(crate) fn string(&mut self, s: &str) -> Slot {
        let handle = StrRef::decoded(self.decoded.len(), s.len());
        self.decoded.push_str(s);
        self.string_slot(handle)
    }

    /// A string value: a run of `text` (the source text the document will keep) when `s` is
    /// one, borrowed from it, else copied. A YAML scalar without escapes or folding is a run
    /// of the text; copying each into the decoded buffer wrote (and faulted in) a third of a
    /// large file's bytes again.
    pub(crate) fn string_of(&mut self, text: &str, s: &str) -> Slot {
        // a pointer compared as an address, never read through: the bytes are `text`'s when
        // the address range of `s` is inside it
        let start = (s.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
        if start <= text.len() && s.len() <= text.len() - start {
            self.text_string(start, s.len())
        } else {
            self.string(s)
        }
    }

    /// A string value that is the run `start..start + len` of the source text, which the
    /// document will keep ([`Builder::finish_with_text`]): nothing is copied.
    pub(crate) fn text_string(&mut self, start: usize, len: usize) -> Slot {
        let handle = StrRef::in_text(start, len);
        self.string_slot(handle)
    }

    fn string_slot(&mut self, handle: Option<StrRef>) -> Slot {
        match handle {
            Some(handle) => Slot::Str(handle),
            None => {
                self.overflow = true;
                Slot::Null
            }
        }
    }

    /// The text of a string value stored here, `text` being the source text that runs of it
    /// are in.
    pub(crate) fn str<'s>(&'s self, text: &'s str, s: StrRef) -> &'s str {
        str_in(text, &self.decoded, s)
    }

    /// Adds a node at `at` (see [`Place`]) and returns its id.
    pub(crate) fn push(&mut self, value: Slot, parent: NodeId, at: usize) -> NodeId {
        let id = match NodeId::try_from(self.nodes.len()) {
            Ok(id) if id < NO_PARENT => id,
            _ => {
                self.overflow = true;
                return 0;
            }
        };
        let Ok(at) = u32::try_from(at) else {
            self.overflow = true;
            return 0;
        };
        self.nodes.push(Node::new(value, parent, at));
        id
    }

    /// Whether the arena ran out of ids (the caller reports the file as too large).
    pub(crate) fn overflowed(&self) -> bool {
        self.overflow
    }

    pub(crate) fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(usize::try_from(id).ok()?)
    }

    /// Records the tag a node was written with.
    pub(crate) fn set_tag(&mut self, id: NodeId, tag: Arc<str>) {
        self.tags.insert(id, tag);
    }

    /// The tag of a node built here.
    pub(crate) fn tag(&self, id: NodeId) -> Option<Arc<str>> {
        self.tags.get(&id).cloned()
    }

    pub(crate) fn set_value(&mut self, id: NodeId, value: Slot) {
        if let Some(node) = usize::try_from(id).ok().and_then(|i| self.nodes.get_mut(i)) {
            node.set_slot(value);
        }
    }

    /// Starts an array; its elements go through [`Builder::add_item`].
    pub(crate) fn open_array(&self) -> usize {
        self.open_items.len()
    }

    /// Adds an element to the innermost open array.
    pub(crate) fn add_item(&mut self, id: NodeId) {
        self.open_items.push(id);
    }

    /// Ends the array opened at `mark` without making it a node's value: its elements, for
    /// another builder to take in (see [`Builder::append`]).
    pub(crate) fn take_open_items(&mut self, mark: usize) -> Vec<NodeId> {
        let mark = mark.min(self.open_items.len());
        self.open_items.drain(mark..).collect()
    }

    /// Ends the array opened at `mark` and makes it node `id`'s value.
    pub(crate) fn close_array(&mut self, id: NodeId, mark: usize) {
        let mark = mark.min(self.open_items.len());
        let (Ok(start), Ok(len)) = (
            u32::try_from(self.items.len()),
            u32::try_from(self.open_items.len() - mark),
        ) else {
            self.overflow = true;
            return;
        };
        self.items.extend(self.open_items.drain(mark..));
        self.set_value(id, Slot::Array(Items { start, len }));
    }

    /// Starts an object; its members go through [`Builder::add_member`].
    pub(crate) fn open_object(&self) -> OpenObject {
        OpenObject {
            mark: self.open_members.len(),
            keys_seen: 0,
            seen: None,
        }
    }

    /// Whether node `id` is `{"Ref": "AWS::NoValue"}`, CloudFormation's "no value here";
    /// `text` is the source text that in-place strings are runs of.
    pub(crate) fn is_cfn_no_value(&self, id: NodeId, text: &str) -> bool {
        let Some(Slot::Object(object)) = self.node(id).map(Node::slot) else {
            return false;
        };
        let mut members = self.members(&object);
        match (members.next(), members.next()) {
            (Some((key, value)), None) => {
                self.key_str(key) == "Ref"
                    && matches!(self.node(value).map(Node::slot), Some(Slot::Str(s)) if str_in(text, &self.decoded, s) == "AWS::NoValue")
            }
            _ => false,
        }
    }

    /// Whether the open `object` already has a member `key`.
    pub(crate) fn has_member(&self, object: &OpenObject, key: KeyId) -> bool {
        match &object.seen {
            Some(seen) => seen.contains_key(&key),
            None => {
                object.keys_seen & key_bit(key) != 0
                    && self
                        .open_members
                        .get(object.mark..)
                        .unwrap_or(&[])
                        .iter()
                        .any(|m| m.key == key)
            }
        }
    }

    /// Adds a member to `object` (the innermost open object); if `key` is already present,
    /// leaves the object unchanged and gives back the existing member's value.
    pub(crate) fn add_member(
        &mut self,
        object: &mut OpenObject,
        key: KeyId,
        id: NodeId,
    ) -> Result<(), NodeId> {
        let open = self.open_members.get(object.mark..).unwrap_or(&[]);
        let len = u32::try_from(open.len()).unwrap_or(u32::MAX);
        match &mut object.seen {
            Some(seen) => match seen.entry(key) {
                std::collections::hash_map::Entry::Occupied(e) => {
                    return Err(open.get(*e.get() as usize).map_or(0, |m| m.id));
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(len);
                }
            },
            None => {
                let bit = key_bit(key);
                if object.keys_seen & bit != 0
                    && let Some(m) = open.iter().find(|m| m.key == key)
                {
                    return Err(m.id);
                }
                object.keys_seen |= bit;
                if open.len() >= INDEX_THRESHOLD {
                    let mut seen =
                        FastMap::with_capacity_and_hasher(open.len() * 2, Default::default());
                    seen.extend(open.iter().zip(0u32..).map(|(m, i)| (m.key, i)));
                    seen.insert(key, len);
                    object.seen = Some(seen);
                }
            }
        }
        self.open_members.push(Member { key, id });
        Ok(())
    }

    /// Ends `object` and makes it node `id`'s value.
    pub(crate) fn close_object(&mut self, id: NodeId, object: OpenObject) {
        let mark = object.mark.min(self.open_members.len());
        let (Ok(start), Ok(len)) = (
            u32::try_from(self.members.len()),
            u32::try_from(self.open_members.len() - mark),
        ) else {
            self.overflow = true;
            return;
        };
        if len as usize > INDEX_THRESHOLD {
            let open = self.open_members.get(mark..).unwrap_or(&[]);
            self.large.reserve(open.len());
            self.large
                .extend(open.iter().zip(0u32..).map(|(m, i)| ((start, m.key), i)));
        }
        self.members.extend(self.open_members.drain(mark..));
        self.set_value(id, Slot::Object(Members { start, len }));
    }

    /// Moves the values `other` built (a run of consecutive elements of one array, parsed on
    /// another thread from where this builder's parse has now arrived) in after this builder's
    /// own, as children of `parent`; gives their ids here. Node, element, member and string
    /// positions are shifted and keys interned here in the order `other` first met them, so the
    /// arena is the one a single parse of the whole text builds.
    pub(crate) fn append(
        &mut self,
        other: Builder,
        roots: &[NodeId],
        parent: NodeId,
    ) -> Vec<NodeId> {
        let Builder {
            nodes,
            decoded,
            items,
            members,
            keys,
            large,
            tags,
            overflow,
            ..
        } = other;
        let total = self.nodes.len().saturating_add(nodes.len());
        let (Ok(offset), Ok(item_offset), Ok(member_offset)) = (
            NodeId::try_from(self.nodes.len()),
            u32::try_from(self.items.len()),
            u32::try_from(self.members.len()),
        ) else {
            self.overflow = true;
            return Vec::new();
        };
        // ids at or past NO_PARENT cannot be numbered (as in `push`)
        self.overflow |= overflow || total > NO_PARENT as usize;
        let shift = |id: NodeId| id.saturating_add(offset);
        let key_map: Vec<KeyId> = keys.iter().map(|k| self.key(k)).collect();
        let rekey = |key: KeyId| key_map.get(key as usize).copied().unwrap_or(KeyId::MAX);
        let decoded_offset = self.decoded.len();
        self.decoded.push_str(&decoded);
        self.items.extend(items.iter().map(|&id| shift(id)));
        self.members.extend(members.iter().map(|m| Member {
            key: rekey(m.key),
            id: shift(m.id),
        }));
        self.large.extend(
            large
                .iter()
                .map(|(&(start, key), &i)| ((start.saturating_add(member_offset), rekey(key)), i)),
        );
        self.tags
            .extend(tags.into_iter().map(|(id, tag)| (shift(id), tag)));
        self.nodes.reserve(nodes.len());
        for mut node in nodes {
            self.overflow |= !node.shift_value(0, decoded_offset, item_offset, member_offset);
            let up = node.parent_id();
            node.set_parent(if up == NO_PARENT { parent } else { shift(up) });
            self.nodes.push(node);
        }
        roots.iter().map(|&id| shift(id)).collect()
    }

    /// The elements of an array built here.
    pub(crate) fn items(&self, array: &Items) -> &[NodeId] {
        self.items.get(array.range()).unwrap_or(&[])
    }

    /// The members of an object built here, as (key, value).
    pub(crate) fn members(&self, object: &Members) -> impl Iterator<Item = (KeyId, NodeId)> + '_ {
        let members = self.members.get(object.range()).unwrap_or(&[]);
        members.iter().map(|m| (m.key, m.id))
    }

    /// Adds a copy of `value` (recursively); the document places it at (1, 1).
    pub(crate) fn add_json(&mut self, value: &serde_json::Value, parent: NodeId) -> NodeId {
        use serde_json::Value;
        let at = 0;
        match value {
            Value::Null => self.push(Slot::Null, parent, at),
            Value::Bool(b) => self.push(Slot::Bool(*b), parent, at),
            Value::Number(n) => {
                let v = match n.as_i64() {
                    Some(i) => Slot::int(i),
                    None => Slot::float(n.as_f64().unwrap_or(f64::NAN)),
                };
                self.push(v, parent, at)
            }
            Value::String(s) => {
                let v = self.string(s);
                self.push(v, parent, at)
            }
            Value::Array(items) => {
                let id = self.push(Slot::Null, parent, at);
                let mark = self.open_array();
                for v in items {
                    let child = self.add_json(v, id);
                    self.add_item(child);
                }
                self.close_array(id, mark);
                id
            }
            Value::Object(map) => {
                let id = self.push(Slot::Null, parent, at);
                let mut object = self.open_object();
                for (k, v) in map {
                    let child = self.add_json(v, id);
                    let key = self.key(k);
                    // serde_json maps have unique keys
                    let _ = self.add_member(&mut object, key, child);
                }
                self.close_object(id, object);
                id
            }
        }
    }

    pub(crate) fn finish(self, name: Arc<str>, index: usize, root: NodeId) -> Document {
        self.finish_with_text(name, index, root, Arc::default(), Place::Fixed(1, 1))
    }

    /// The document, keeping `text`: the source text that [`Builder::text_string`] values are
    /// runs of, and that `place` says the nodes' places are in.
    pub(crate) fn finish_with_text(
        self,
        name: Arc<str>,
        index: usize,
        root: NodeId,
        text: Arc<super::lines::SourceText>,
        place: Place,
    ) -> Document {
        let Builder {
            mut nodes,
            mut decoded,
            mut items,
            mut members,
            keys,
            key_ids,
            large,
            tags,
            ..
        } = self;
        // a finished document looks keys up by text in its large objects' index, and finds a
        // key's id for the evaluator (`Document::key_id`); without large objects and with few
        // keys, scanning the keys does the second and the map goes (a stream of small YAML
        // documents kept one per document)
        let key_ids = if large.is_empty() && keys.len() <= super::KEY_SCAN_MAX {
            FastMap::default()
        } else {
            key_ids
        };
        nodes.shrink_to_fit();
        decoded.shrink_to_fit();
        items.shrink_to_fit();
        members.shrink_to_fit();
        Document {
            name,
            index,
            root,
            nodes,
            text,
            decoded,
            place,
            items,
            members,
            keys,
            key_ids,
            large,
            parts: Vec::new(),
            tags,
            embedded_at: None,
            host: 0,
            host_node: 0,
        }
    }
}
