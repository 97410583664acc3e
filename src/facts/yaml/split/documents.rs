//! A large stream of YAML documents parsed on two threads: a helper loads the documents from
//! a `---` line halfway through, the main thread those before it, and the two lists are put
//! one after the other. Documents are independent of each other (anchors belong to their
//! document), except for directives (`%TAG`), and a stream with a directive before the cut
//! is not cut. The cut proves itself: the text before it must load without an error, and the
//! helper's first event must be an explicit document start at the cut; else the stream is
//! loaded again on one thread, which also reports every error.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::facts::yaml::events::Reader;
use crate::facts::yaml::load_event::LoadEvent;

use super::{Loader, shifted};
use crate::facts::lines::SourceText;
use crate::facts::{LoadOptions, Loaded};

/// The start of the first line after the newline at or after `from` that starts a document
/// (`---`, then a space, a tab, a line break or the end of the text).
pub(super) fn document_cut(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let line = at + memchr::memmem::find(bytes.get(at..)?, b"\n---")? + 1;
        if matches!(
            bytes.get(line + 3),
            None | Some(b' ' | b'\t' | b'\n' | b'\r')
        ) {
            return Some(line);
        }
        at = line;
    }
}

/// The stream loaded as the documents before byte `start` and those from it, or `None` when
/// the cut did not hold.
pub(super) fn load_documents(
    name: &Arc<str>,
    text: &Arc<SourceText>,
    opts: &LoadOptions,
    start: usize,
    fast: bool,
) -> Option<Loaded> {
    Reader::or_saphyr(fast, |reader| {
        load_documents_with(name, text, opts, start, reader)
    })
}

fn load_documents_with(
    name: &Arc<str>,
    text: &Arc<SourceText>,
    opts: &LoadOptions,
    start: usize,
    reader: Reader<'_>,
) -> Option<Loaded> {
    let full = text.as_str();
    let (head, rest) = (full.get(..start)?, full.get(start..)?);
    let head_chars = head.chars().count();
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let helper = std::thread::Builder::new()
            .name("annexa-parse".into())
            .spawn_scoped(scope, || {
                load_piece(name, text, opts, (rest, reader), head_chars, &stop)
            })
            .ok()?;
        let first = load_piece(name, text, opts, (head, reader), 0, &stop);
        if first.is_none() {
            stop.store(true, Ordering::Relaxed);
        }
        let second = helper.join().ok().flatten();
        let (mut first, second) = (first?, second?);
        // the limit is the whole file's, not each half's
        if first.expansions.saturating_add(second.expansions) > opts.max_alias_expansions {
            return None;
        }
        let offset = first.doc_index;
        for mut document in second.loaded.documents {
            document.index += offset;
            first.loaded.documents.push(document);
        }
        first
            .skipped
            .extend(second.skipped.iter().map(|index| index + offset));
        Some(first.finish())
    })
}

/// A loader run over `piece`, whose marks are moved `offset` characters on; a piece that is
/// not the text's start must begin with an explicit document start.
fn load_piece<'a>(
    name: &Arc<str>,
    text: &Arc<SourceText>,
    opts: &'a LoadOptions,
    (piece, reader): (&str, Reader<'_>),
    offset: usize,
    stop: &AtomicBool,
) -> Option<Loader<'a>> {
    let mut loader = Loader::new(name, text, opts);
    let mut parser = reader.events(piece);
    let mut opening = offset > 0;
    while let Some(next) = parser.next_event() {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        let Some((event, span)) = reader.settle(next) else {
            stop.store(true, Ordering::Relaxed);
            return None;
        };
        if opening && !matches!(event, LoadEvent::StreamStart) {
            if !matches!(event, LoadEvent::DocumentStart(true)) || span.start.index() != 0 {
                stop.store(true, Ordering::Relaxed);
                return None;
            }
            opening = false;
        }
        match loader.event(event, shifted(span.start, offset)) {
            Ok(true) => {}
            Ok(false) => break,
            Err(_) => {
                stop.store(true, Ordering::Relaxed);
                return None;
            }
        }
    }
    Some(loader)
}
