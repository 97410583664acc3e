//! A large YAML text parsed on two threads.
//!
//! A stream of many documents is cut between two of them (see [`documents`]). Otherwise:
//! A large fact file is mostly one long block sequence (`datasets:`, `resources:`), one entry
//! per line that starts with `- ` at the sequence's column. Before parsing, the text is cut:
//! from an entry line halfway through to the end of its sequence (the first later line less
//! indented, or as indented and not an entry; blank and comment lines say nothing). A helper
//! parses that piece on its own (a block sequence at the same column, whose entries parse as
//! they would in place: YAML's block structure depends on indentation only), while the main
//! thread parses the rest of the text with the piece left out. When the main parse reaches
//! the place where the piece was, it takes the helper's entries into the sequence (positions
//! shifted, keys interned in the order they were met: the arena a single parse builds) and
//! goes on.
//!
//! The cut is a guess, and each half proves it. The main parse must reach the place with no
//! token running across it and there close only block collections, down to a block sequence
//! whose `-` is at the cut's column: then its state there is the state a single parse has at
//! the cut's first entry. The helper must see one block sequence at that column and nothing
//! after it, no anchor and no alias (an alias may name an anchor of the other half, an anchor
//! may be redefined there), and no error. A text before the cut with directives (`%TAG`) is
//! not cut. Whenever a condition fails, the text is parsed again on one thread, which also
//! finds and reports every error: a wrong guess costs time, never a different document.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use saphyr_parser::{Event, Marker, ScalarStyle};

use super::events::Reader;

use super::{Doc, Frame, Loader};
use crate::facts::build::Builder;
use crate::facts::lines::SourceText;
use crate::facts::{LoadOptions, Loaded, NO_PARENT, NodeId};

/// From this size on a YAML text is parsed on two threads: YAML parses much slower per
/// byte than JSON, so a thread and a copy of half the text pay off much earlier.
pub(super) const MIN_BYTES: usize = 1 << 20;

/// The cuts tried before giving up (each after the end of the last short sequence).
const MAX_GUESSES: usize = 64;

/// A piece of the text: the lines `start..end` (bytes), entries of one block sequence whose
/// `-` is at column `col`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cut {
    start: usize,
    end: usize,
    col: usize,
}

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
pub(super) fn load(
    name: &Arc<str>,
    text: &Arc<SourceText>,
    opts: &LoadOptions,
    fast: bool,
) -> Option<Loaded> {
    let bytes = text.as_bytes();
    let worth = (text.len() / 16).max(1 << 14);
    // a stream of documents is cut between two of them, when one starts after the middle
    if let Some(start) = documents::document_cut(bytes, text.len() / 2)
        .filter(|&start| text.len() - start >= worth && !directives_before(bytes, start))
    {
        return documents::load_documents(name, text, opts, start, fast);
    }
    let cut = find_cut(bytes, text.len() / 2, worth)?;
    // the helper refuses a piece with an anchor or an alias, after the main parse has done
    // its half for nothing: a piece that looks like it has one is not cut
    if may_have_anchors(bytes.get(cut.start..cut.end)?) {
        return None;
    }
    load_cut(name, text, opts, cut, fast)
}

/// Whether `piece` may hold an anchor (`&a`) or an alias (`*a`): a `&` or `*` after a space,
/// a line break or a flow indicator and before a name. Errs towards yes (`"x &y"` in a
/// string), never towards no: an anchor or alias always has that form.
fn may_have_anchors(piece: &[u8]) -> bool {
    memchr::memchr2_iter(b'&', b'*', piece).any(|at| {
        let before = at.checked_sub(1).and_then(|i| piece.get(i));
        let after = piece.get(at + 1);
        matches!(
            before,
            None | Some(b' ' | b'\t' | b'\n' | b'\r' | b'[' | b'{' | b',')
        ) && after.is_some_and(|b| {
            !matches!(
                b,
                b' ' | b'\t' | b'\n' | b'\r' | b',' | b'[' | b']' | b'{' | b'}'
            )
        })
    })
}

/// Whether a line before byte `at` is a directive (`%TAG`, `%YAML`): it names tag handles or
/// a version that a parse starting past it would not know.
fn directives_before(bytes: &[u8], at: usize) -> bool {
    let before = bytes.get(..at).unwrap_or(bytes);
    before.first() == Some(&b'%') || memchr::memmem::find(before, b"\n%").is_some()
}

/// The stream parsed as `cut`'s piece on a helper thread and the rest of the text on this
/// one, or `None` when the cut did not hold.
fn load_cut(
    name: &Arc<str>,
    text: &Arc<SourceText>,
    opts: &LoadOptions,
    cut: Cut,
    fast: bool,
) -> Option<Loaded> {
    Reader::or_saphyr(fast, |reader| load_cut_with(name, text, opts, cut, reader))
}

fn load_cut_with(
    name: &Arc<str>,
    text: &Arc<SourceText>,
    opts: &LoadOptions,
    cut: Cut,
    reader: Reader<'_>,
) -> Option<Loaded> {
    let full = text.as_str();
    let (head, piece, tail) = (
        full.get(..cut.start)?,
        full.get(cut.start..cut.end)?,
        full.get(cut.end..)?,
    );
    // saphyr counts characters, and so do a YAML document's places
    let head_chars = head.chars().count();
    let piece_chars = piece.chars().count();
    let stop = AtomicBool::new(false);
    let failed = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let helper = std::thread::Builder::new()
            .name("annexa-parse".into())
            .spawn_scoped(scope, || {
                let rest = parse_rest(
                    name,
                    text,
                    opts,
                    piece,
                    (head_chars, cut.col),
                    reader,
                    &stop,
                );
                failed.store(rest.is_none(), Ordering::Relaxed);
                rest
            })
            .ok()?;
        let mut helper = Some(helper);
        let mut first = String::with_capacity(head.len() + tail.len());
        first.push_str(head);
        first.push_str(tail);
        let seam = Seam {
            at: head_chars,
            gap: piece_chars,
            col: cut.col,
        };
        let loaded = parse_first(name, text, opts, (&first, reader), seam, &failed, || {
            helper.take().and_then(|h| h.join().ok()).flatten()
        });
        // a helper whose piece is not wanted any more stops at its next event
        stop.store(true, Ordering::Relaxed);
        loaded
    })
}

/// Where the piece was in the main parse's text.
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

/// The main parse: the text without the piece, taking the piece's entries in at the seam.
fn parse_first(
    name: &Arc<str>,
    text: &Arc<SourceText>,
    opts: &LoadOptions,
    (first, reader): (&str, Reader<'_>),
    seam: Seam,
    helper_failed: &AtomicBool,
    mut rest: impl FnMut() -> Option<Rest>,
) -> Option<Loaded> {
    let mut loader = Loader::new(name, text, opts);
    let mut parser = reader.events(first);
    // the stack index of the sequence the piece belongs to, found at the seam
    let mut target = None;
    let mut spliced = false;
    while let Some(next) = parser.next_event() {
        // a piece the helper refused leaves the text to one parse: no need to finish this one
        if !spliced && helper_failed.load(Ordering::Relaxed) {
            return None;
        }
        let (event, span) = reader.settle(next)?;
        let (start, end) = (span.start.index(), span.end.index());
        // saphyr's indentation rules already reject the texts these two checks guard against
        // (a string or a flow collection running over a less indented line); they keep a
        // more lenient parser from ever splicing there
        if !spliced && start < seam.at && end > seam.at {
            // a token runs across the seam: the cut was inside it
            return None;
        }
        if !spliced && start >= seam.at {
            let doc = loader.doc.as_ref()?;
            let at = match target {
                Some(at) => at,
                None => *target.insert(sequence_at_column(&doc.stack, seam.col, first)?),
            };
            let depth = doc.stack.len();
            // the end of the target sequence itself, a block sequence (its start is a `-`):
            // written at its key's column, it ends at the next key, whose span it takes
            let target_end = depth == at + 1 && matches!(event, Event::SequenceEnd);
            let block_end = target_end
                || (matches!(event, Event::SequenceEnd | Event::MappingEnd) && start == end);
            // a mapping's last key without a value: its null is placed at the key
            let pending_null = matches!(
                (&event, doc.stack.last()),
                (Event::Scalar(v, ScalarStyle::Plain, 0, None), Some(Frame::Map { key: Some(_), .. }))
                    if v.is_empty()
            );
            if depth <= at || !(block_end || pending_null) {
                return None;
            }
            if depth == at + 1 && block_end {
                let rest = rest()?;
                if !target_end
                    || rest.deepest.saturating_add(at) >= opts.max_depth
                    || !loader.splice(rest)
                {
                    return None;
                }
                spliced = true;
            }
        }
        let mark = if start < seam.at {
            span.start
        } else {
            shifted(span.start, seam.gap)
        };
        if !loader.event(event, mark).ok()? {
            break;
        }
    }
    spliced.then(|| loader.finish())
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
                Event::DocumentEnd | Event::StreamEnd | Event::Nothing => continue,
                _ => return None,
            }
        }
        match &event {
            Event::StreamStart | Event::Nothing => continue,
            Event::DocumentStart(_) if !started => {
                started = true;
                continue;
            }
            Event::Alias(_) | Event::DocumentStart(_) | Event::DocumentEnd | Event::StreamEnd => {
                return None;
            }
            Event::Scalar(_, _, anchor, _)
            | Event::SequenceStart(anchor, _)
            | Event::MappingStart(anchor, _)
                if *anchor != 0 =>
            {
                return None;
            }
            _ => {}
        }
        let mark = shifted(span.start, offset);
        match loader.doc.as_ref().map(|d| d.stack.len()) {
            None => {
                // the piece's first `-`, at the start of its first line
                let root = matches!(event, Event::SequenceStart(_, None));
                if !root || span.start.col() != col || span.start.index() != col {
                    return None;
                }
                loader.open_rest(mark, piece.len());
                continue;
            }
            Some(1) if matches!(event, Event::SequenceEnd) => {
                rest = Some(loader.take_rest(deepest)?);
                continue;
            }
            Some(depth) => {
                if matches!(event, Event::SequenceStart(..) | Event::MappingStart(..)) {
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

/// A cut at or after `from` whose piece is at least `worth` bytes long: a shorter one was a
/// nested sequence (an entry's `access:` list), and the next guess comes after it.
fn find_cut(bytes: &[u8], from: usize, worth: usize) -> Option<Cut> {
    let mut search = from;
    for _ in 0..MAX_GUESSES {
        let (start, col) = entry_line(bytes, search)?;
        let end = sequence_end(bytes, start, col);
        if end - start >= worth {
            return (!directives_before(bytes, start)).then_some(Cut { start, end, col });
        }
        // the newline before the line that ended the sequence: the next guess may be that line
        search = end - 1;
    }
    None
}

/// The first line after the newline at or after `from` that starts with spaces and a block
/// sequence entry (`- `): where the line starts, and the column of its `-`.
fn entry_line(bytes: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut at = from;
    loop {
        let line = at + memchr::memchr(b'\n', bytes.get(at..)?)? + 1;
        let col = indent(bytes, line, usize::MAX);
        if is_entry(bytes, line + col) && follows_an_entry(bytes, line, col) {
            return Some((line, col));
        }
        at = line;
    }
}

/// Whether the line before the one at `line` (an entry at column `col`) is part of an
/// earlier entry of the same sequence: deeper, or itself an entry at `col`. A first entry
/// starts its sequence, which the main parse would then never see open at the seam.
fn follows_an_entry(bytes: &[u8], line: usize, col: usize) -> bool {
    let Some(before) = line.checked_sub(1).and_then(|end| bytes.get(..end)) else {
        return false;
    };
    let previous = memchr::memrchr(b'\n', before).map_or(0, |nl| nl + 1);
    let spaces = indent(bytes, previous, col + 1);
    match bytes.get(previous + spaces) {
        None | Some(b'\n' | b'\r' | b'#') => false,
        Some(_) => spaces > col || (spaces == col && is_entry(bytes, previous + spaces)),
    }
}

/// Where the block sequence at column `col` whose entry starts the line at `start` ends:
/// the first later line less indented, or as indented and not an entry (blank and comment
/// lines do not count), or the end of the text.
fn sequence_end(bytes: &[u8], start: usize, col: usize) -> usize {
    let mut line = start;
    loop {
        let Some(next) = bytes
            .get(line..)
            .and_then(|rest| memchr::memchr(b'\n', rest))
        else {
            return bytes.len();
        };
        line += next + 1;
        // counting stops past `col`: a deeper line needs no more than that
        let spaces = indent(bytes, line, col + 1);
        if spaces > col {
            continue;
        }
        match bytes.get(line + spaces) {
            None => return bytes.len(),
            Some(b'\n' | b'\r' | b'#') => continue,
            Some(_) if spaces == col && is_entry(bytes, line + spaces) => continue,
            Some(_) => return line,
        }
    }
}

/// The spaces at the start of the line at `line`, counted up to `most`.
fn indent(bytes: &[u8], line: usize, most: usize) -> usize {
    bytes
        .get(line..)
        .unwrap_or(&[])
        .iter()
        .take(most)
        .take_while(|&&b| b == b' ')
        .count()
}

/// Whether a block sequence entry (`-` then a space, a tab or the end of the line) is at `at`.
fn is_entry(bytes: &[u8], at: usize) -> bool {
    bytes.get(at) == Some(&b'-') && matches!(bytes.get(at + 1), Some(b' ' | b'\t' | b'\n' | b'\r'))
}

mod documents;

#[cfg(test)]
mod tests;
