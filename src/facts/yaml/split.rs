//! A large YAML text parsed on two threads.
//!
//! A stream of many documents is cut between two of them (see [`documents`]). Otherwise:
//! A large fact file is mostly long block sequences (`datasets:`, `resources:`), one entry
//! per line that starts with `- ` at the sequence's column. Before parsing, the text is cut
//! (see [`cuts`]): from an entry line halfway through to the end of its sequence (the first
//! later line less indented, or as indented and not an entry; blank and comment lines say
//! nothing), and when that piece has too few of the text's lines, a second piece before it,
//! the end of an earlier sequence. A helper parses each piece on its own (a block sequence
//! at the same column, whose entries parse as they would in place: YAML's block structure
//! depends on indentation only), in order, while the main thread parses the rest of the text
//! with the pieces left out. When the main parse reaches the place where a piece was, it
//! takes the helper's entries into the sequence (positions shifted, keys interned in the
//! order they were met: the arena a single parse builds) and goes on.
//!
//! A cut is a guess, and each half proves it. The main parse must reach each place with no
//! token running across it and there close only block collections, down to a block sequence
//! whose `-` is at the cut's column: then its state there is the state a single parse has at
//! the cut's first entry. The helper must see one block sequence at that column and nothing
//! after it, no anchor and no alias (an alias may name an anchor of the other half, an anchor
//! may be redefined there), and no error. A text before the cut with directives (`%TAG`) is
//! not cut. Whenever a condition fails, the text is parsed again on one thread, which also
//! finds and reports every error: a wrong guess costs time, never a different document.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use saphyr_parser::{Marker, ScalarStyle, Span};

use super::events::{Events, Reader};
use super::fast::Scanner;
use super::load_event::LoadEvent;
use cuts::{Cut, directives_before, is_entry, may_have_anchors};

use super::{Doc, Frame, Loader};
use crate::facts::build::{Builder, Reservation};
use crate::facts::lines::SourceText;
use crate::facts::{LoadOptions, Loaded, NO_PARENT, NodeId};

/// From this size on a YAML text is parsed on two threads: YAML parses much slower per
/// byte than JSON, so a thread (and, for saphyr, a copy of the rest of the text) pays off
/// much earlier.
pub(super) const MIN_BYTES: usize = 1 << 20;

/// The helper's entries and their arena.
struct Rest {
    builder: Builder,
    /// The entries, in order (their parent is not set).
    roots: Vec<NodeId>,
    /// Plain scalars YAML 1.1 reads as octal, by node of the helper's arena.
    octal: Vec<(NodeId, i64)>,
    /// The deepest nesting a collection of the piece reached, counted from its sequence.
    deepest: usize,
}

/// The stream parsed on two threads (each half by the fast scanner when `fast`), or `None`
/// when no cut was found or the cut did not hold: then the caller parses it on one thread.
/// The main parse's first document takes `reservation` (see [`super::load`]).
pub(super) fn load(
    name: &Arc<str>,
    text: &Arc<SourceText>,
    opts: &LoadOptions,
    fast: bool,
    reservation: &Cell<Option<Reservation>>,
) -> Option<Loaded> {
    let bytes = text.as_bytes();
    let worth = (text.len() / 16).max(1 << 14);
    // a stream of documents is cut between two of them, when one starts after the middle
    if let Some(start) = documents::document_cut(bytes, text.len() / 2)
        .filter(|&start| text.len() - start >= worth && !directives_before(bytes, start))
    {
        return documents::load_documents(name, text, opts, start, fast);
    }
    let cuts = cuts::plan(bytes, worth)?;
    // the helper refuses a piece with an anchor or an alias, after the main parse has done
    // its part for nothing: a text whose piece looks like it has one is not cut
    let last = cuts.last()?;
    if may_have_anchors(bytes.get(last.start..last.end)?) {
        return None;
    }
    load_cut(name, text, opts, &cuts, fast, reservation)
}

/// The stream parsed as the pieces of `cuts` (in the text's order, none overlapping) on a
/// helper thread and the rest of the text on this one, or `None` when a cut did not hold.
fn load_cut(
    name: &Arc<str>,
    text: &Arc<SourceText>,
    opts: &LoadOptions,
    cuts: &[Cut],
    fast: bool,
    reservation: &Cell<Option<Reservation>>,
) -> Option<Loaded> {
    Reader::or_saphyr(fast, |reader| {
        load_cut_with(name, text, opts, cuts, reader, reservation.take())
    })
}

fn load_cut_with(
    name: &Arc<str>,
    text: &Arc<SourceText>,
    opts: &LoadOptions,
    cuts: &[Cut],
    reader: Reader<'_>,
    reservation: Option<Reservation>,
) -> Option<Loaded> {
    let full = text.as_str();
    // saphyr counts characters, and so do a YAML document's places; a text the fast scanner
    // reads is ASCII, where characters are bytes
    let chars = |s: &str| {
        if reader.fast {
            s.len()
        } else {
            s.chars().count()
        }
    };
    let (mut seams, mut pieces, mut kept) = (Vec::new(), Vec::new(), Vec::new());
    // characters before the next piece, in the text and in the main parse's text
    let (mut from, mut before, mut kept_before) = (0, 0, 0);
    for cut in cuts {
        let before_cut = full.get(from..cut.start)?;
        let piece = full.get(cut.start..cut.end)?;
        let kept_chars = chars(before_cut);
        before += kept_chars;
        kept_before += kept_chars;
        let gap = chars(piece);
        seams.push(Seam {
            at: kept_before,
            gap,
            col: cut.col,
        });
        pieces.push((piece, before, cut.col));
        kept.push(before_cut);
        before += gap;
        from = cut.end;
    }
    kept.push(full.get(from..)?);
    let stop = AtomicBool::new(false);
    let failed = AtomicBool::new(false);
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        let helper = std::thread::Builder::new()
            .name("annexa-parse".into())
            .spawn_scoped(scope, || {
                for (piece, offset, col) in pieces {
                    let rest = parse_rest(name, text, opts, piece, (offset, col), reader, &stop);
                    let parsed = rest.is_some();
                    failed.fetch_or(!parsed, Ordering::Relaxed);
                    if send.send(rest).is_err() || !parsed {
                        break;
                    }
                }
            })
            .ok()?;
        // the text without the pieces: the fast scanner reads around them, saphyr a copy
        // made while the helper parses
        let copy;
        let events = if reader.fast {
            let gaps = cuts.iter().map(|cut| (cut.start, cut.end)).collect();
            Events::Fast(Scanner::with_gaps(full, gaps))
        } else {
            copy = kept.concat();
            reader.events(&copy)
        };
        let mut loader = Loader::new(name, text, opts);
        loader.reservation = reservation;
        let loaded = parse_first(
            loader,
            (text, opts),
            (events, reader),
            &seams,
            &failed,
            || receive.recv().ok().flatten(),
        );
        // a helper whose pieces are not wanted any more stops at its next event
        stop.store(true, Ordering::Relaxed);
        // joined here rather than by the scope, which waits only for the closure: the thread
        // has then exited, its thread-local blocks freed (LeakSanitizer reports them otherwise)
        helper.join().ok()?;
        loaded
    })
}

/// Where a piece was in the main parse's text.
#[derive(Clone, Copy)]
struct Seam {
    /// Characters before it.
    at: usize,
    /// Characters in it.
    gap: usize,
    /// The column of its sequence's `-`.
    col: usize,
}

/// `mark` moved `by` characters on.
fn shifted(mark: Marker, by: usize) -> Marker {
    Marker::new(mark.index().saturating_add(by), mark.line(), mark.col())
}

/// The main parse: the text without the pieces, taking each piece's entries in at its seam.
fn parse_first(
    mut loader: Loader<'_>,
    (text, opts): (&SourceText, &LoadOptions),
    (mut parser, reader): (Events<'_>, Reader<'_>),
    seams: &[Seam],
    helper_failed: &AtomicBool,
    rest: impl FnMut() -> Option<Rest>,
) -> Option<Loaded> {
    let mut seams = Seams {
        next: seams.iter(),
        seam: None,
        taken: 0,
        target: None,
        rest,
    };
    seams.seam = seams.next.next();
    // where the next seam is: the events before it are taken as they come
    let mut next_at = seams.seam.map_or(usize::MAX, |seam| seam.at);
    while let Some(next) = parser.next_event() {
        // a piece the helper refused leaves the text to one parse: no need to finish this one
        if next_at != usize::MAX && helper_failed.load(Ordering::Relaxed) {
            return None;
        }
        let (event, span) = reader.settle(next)?;
        let shift = if span.end.index() >= next_at {
            let shift = seams.at_seam(&mut loader, event, span, (text, opts))?;
            next_at = seams.seam.map_or(usize::MAX, |seam| seam.at);
            shift
        } else {
            seams.taken
        };
        if !loader.event(event, shifted(span.start, shift)).ok()? {
            break;
        }
    }
    seams.seam.is_none().then(|| loader.finish())
}

/// The main parse's way through its seams.
struct Seams<'s, R> {
    next: std::slice::Iter<'s, Seam>,
    /// The seam the parse has not passed yet.
    seam: Option<&'s Seam>,
    /// The characters of the pieces already taken in.
    taken: usize,
    /// The stack index of the sequence the seam's piece belongs to, found at the seam.
    target: Option<usize>,
    /// The helper's next piece.
    rest: R,
}

impl<R: FnMut() -> Option<Rest>> Seams<'_, R> {
    /// How far the mark of `event` (which ends at or past the seam) moves on: `None` when the
    /// cut does not hold there. At the seam's last close, the piece's entries are taken in.
    #[inline(never)]
    fn at_seam(
        &mut self,
        loader: &mut Loader<'_>,
        event: LoadEvent<'_>,
        span: Span,
        (text, opts): (&SourceText, &LoadOptions),
    ) -> Option<usize> {
        let (start, end) = (span.start.index(), span.end.index());
        let Some(&Seam { at, gap, col }) = self.seam else {
            return Some(self.taken);
        };
        // saphyr's indentation rules already reject the texts these two checks guard against
        // (a string or a flow collection running over a less indented line); they keep a
        // more lenient parser from ever splicing there
        if start < at && end > at {
            // a token runs across the seam: the cut was inside it
            return None;
        }
        if start < at {
            return Some(self.taken);
        }
        let doc = loader.doc.as_ref()?;
        let target = match self.target {
            Some(target) => target,
            None => *self
                .target
                .insert(sequence_at_column(&doc.stack, col, text.as_str())?),
        };
        let depth = doc.stack.len();
        // the end of the target sequence itself, a block sequence (its start is a `-`):
        // written at its key's column, it ends at the next key, whose span it takes
        let target_end = depth == target + 1 && matches!(event, LoadEvent::SequenceEnd);
        let block_end = target_end
            || (matches!(event, LoadEvent::SequenceEnd | LoadEvent::MappingEnd) && start == end);
        // a mapping's last key without a value: its null is placed at the key
        let pending_null = matches!(
            (event, doc.stack.last()),
            (LoadEvent::Scalar(v, ScalarStyle::Plain, 0, None), Some(Frame::Map { key: Some(_), .. }))
                if v.is_empty()
        );
        if depth <= target || !(block_end || pending_null) {
            return None;
        }
        let shift = self.taken + gap;
        if depth == target + 1 && block_end {
            let rest = (self.rest)()?;
            if !target_end
                || rest.deepest.saturating_add(target) >= opts.max_depth
                || !loader.splice(rest)
            {
                return None;
            }
            self.taken = shift;
            self.target = None;
            self.seam = self.next.next();
        }
        Some(shift)
    }
}

/// The stack index of the innermost sequence whose entries' `-` is at column `col`.
fn sequence_at_column(stack: &[Frame], col: usize, text: &str) -> Option<usize> {
    stack
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, frame)| match frame {
            Frame::Seq { start, .. } => {
                let at = byte_of_char(text, start.index())?;
                (entry_column(text, at)? == col).then_some(i)
            }
            _ => None,
        })
}

/// The column of the `-` of the first entry of the sequence that starts at byte `at`: a
/// block sequence starts at it, one written at its key's column ("indentless") at the
/// entry's value, after it; `None` for a flow sequence (`[`) or a `-` not found.
fn entry_column(text: &str, at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    // an indentless sequence's first value may itself start with `-` (`- --flag`): only a `-`
    // before a space or a line break is the entry's
    let dash = if is_entry(bytes, at) {
        at
    } else {
        let before = bytes.get(..at)?;
        before
            .iter()
            .rposition(|&b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))?
    };
    if !is_entry(bytes, dash) {
        return None;
    }
    let line = memchr::memrchr(b'\n', bytes.get(..dash)?).map_or(0, |nl| nl + 1);
    Some(text.get(line..dash)?.chars().count())
}

/// The byte offset of character `index` of `text`: lead bytes counted a block at a time
/// (a loop the compiler vectorises), then one by one.
fn byte_of_char(text: &str, index: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    if bytes.get(..index).is_some_and(<[u8]>::is_ascii) {
        return Some(index);
    }
    let lead = |b: &&u8| (**b as i8) >= -0x40;
    let (mut chars, mut at) = (0, 0);
    for block in bytes.chunks(4096) {
        let n = block.iter().filter(lead).count();
        if chars + n > index {
            break;
        }
        chars += n;
        at += block.len();
    }
    for (i, b) in bytes.get(at..)?.iter().enumerate() {
        if lead(&b) {
            if chars == index {
                return Some(at + i);
            }
            chars += 1;
        }
    }
    None
}

/// The helper: parses the piece, which must be one block sequence at column `col`, whose
/// marks are moved `offset` characters on.
fn parse_rest(
    name: &Arc<str>,
    text: &Arc<SourceText>,
    opts: &LoadOptions,
    piece: &str,
    (offset, col): (usize, usize),
    reader: Reader<'_>,
    stop: &AtomicBool,
) -> Option<Rest> {
    let mut loader = Loader::new(name, text, opts);
    let mut parser = reader.events(piece);
    let mut started = false;
    let mut deepest = 0;
    let mut rest = None;
    while let Some(next) = parser.next_event() {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        let (event, span) = reader.settle(next)?;
        if rest.is_some() {
            // after the sequence, only the ends of the document and of the stream
            match event {
                LoadEvent::DocumentEnd | LoadEvent::StreamEnd | LoadEvent::Nothing => continue,
                _ => return None,
            }
        }
        match event {
            LoadEvent::StreamStart | LoadEvent::Nothing => continue,
            LoadEvent::DocumentStart(_) if !started => {
                started = true;
                continue;
            }
            LoadEvent::Alias(_)
            | LoadEvent::DocumentStart(_)
            | LoadEvent::DocumentEnd
            | LoadEvent::StreamEnd => {
                return None;
            }
            LoadEvent::Scalar(_, _, anchor, _)
            | LoadEvent::SequenceStart(anchor, _)
            | LoadEvent::MappingStart(anchor, _)
                if anchor != 0 =>
            {
                return None;
            }
            _ => {}
        }
        let mark = shifted(span.start, offset);
        match loader.doc.as_ref().map(|d| d.stack.len()) {
            None => {
                // the piece's first `-`, at the start of its first line
                let root = matches!(event, LoadEvent::SequenceStart(_, None));
                if !root || span.start.col() != col || span.start.index() != col {
                    return None;
                }
                loader.open_rest(mark, piece.len());
                continue;
            }
            Some(1) if matches!(event, LoadEvent::SequenceEnd) => {
                rest = Some(loader.take_rest(deepest)?);
                continue;
            }
            Some(depth) => {
                if matches!(
                    event,
                    LoadEvent::SequenceStart(..) | LoadEvent::MappingStart(..)
                ) {
                    deepest = deepest.max(depth);
                }
            }
        }
        if !loader.event(event, mark).ok()? {
            return None;
        }
    }
    rest
}

impl Loader<'_> {
    /// Starts the piece: a document with no root node, whose sequence's entries are kept
    /// for another arena.
    fn open_rest(&mut self, mark: Marker, bytes: usize) {
        let mut doc = Doc::new(mark.index(), bytes);
        let items = doc.builder.open_array();
        doc.stack.push(Frame::Seq {
            id: NO_PARENT,
            items,
            anchor: 0,
            start: mark,
        });
        self.doc = Some(doc);
    }

    /// Ends the piece: its entries and arena.
    fn take_rest(&mut self, deepest: usize) -> Option<Rest> {
        let mut doc = self.doc.take()?;
        let Some(Frame::Seq { items, .. }) = doc.stack.pop() else {
            return None;
        };
        if !doc.stack.is_empty() {
            return None;
        }
        let roots = doc.builder.take_open_items(items);
        Some(Rest {
            builder: doc.builder,
            roots,
            octal: doc.octal.into_iter().collect(),
            deepest,
        })
    }

    /// Takes the piece's entries into the sequence on top of the stack, after its own;
    /// `false` when the arena cannot number them all.
    fn splice(&mut self, rest: Rest) -> bool {
        let Some(doc) = self.doc.as_mut() else {
            return false;
        };
        let Some(Frame::Seq { id, .. }) = doc.stack.last() else {
            return false;
        };
        let parent = *id;
        let Ok(offset) = NodeId::try_from(doc.builder.nodes.len()) else {
            return false;
        };
        let roots = doc.builder.append(rest.builder, &rest.roots, parent);
        if doc.builder.overflowed() {
            return false;
        }
        for root in roots {
            doc.builder.add_item(root);
        }
        for (id, octal) in rest.octal {
            doc.octal.insert(id.saturating_add(offset), octal);
        }
        true
    }
}

pub(in crate::facts::yaml) mod check;
mod cuts;
mod documents;

#[cfg(test)]
mod tests;
