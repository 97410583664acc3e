//! Where a YAML text's events come from: the fast scanner for the block-style subset, else
//! `saphyr-parser`. The two give the same events with the same spans (see [`super::fast`]).

use std::sync::atomic::{AtomicBool, Ordering};

use saphyr_parser::{Event, Parser, ScanError, Span, StrInput};

use super::fast::{Scanner, Unsupported};
use super::load_event::LoadEvent;

/// Why the events stopped before the stream's end.
pub(in crate::facts::yaml) enum Stop {
    /// saphyr found an error in the text.
    Scan(ScanError),
    /// The fast scanner met something outside its subset: parse the text with saphyr.
    Unsupported,
}

/// A text's events, pulled one at a time.
pub(in crate::facts::yaml) enum Events<'a> {
    Fast(Scanner<'a>),
    /// saphyr's parser and the last event it gave, which the loader borrows.
    Saphyr(Box<(Parser<'a, StrInput<'a>>, Event<'a>)>),
}

impl<'a> Events<'a> {
    /// The fast scanner's events when `fast` (the whole text was found
    /// [`super::fast::eligible`]), else saphyr's.
    pub(in crate::facts::yaml) fn new(text: &'a str, fast: bool) -> Self {
        if fast {
            Events::Fast(Scanner::new(text))
        } else {
            Events::Saphyr(Box::new((Parser::new_from_str(text), Event::Nothing)))
        }
    }

    /// The next event and its span; `None` after the stream's end.
    #[inline]
    pub(in crate::facts::yaml) fn next_event(
        &mut self,
    ) -> Option<Result<(LoadEvent<'_>, Span), Stop>> {
        match self {
            Events::Fast(scanner) => Some(
                scanner
                    .next_event()?
                    .map_err(|Unsupported| Stop::Unsupported),
            ),
            Events::Saphyr(saphyr) => {
                let (parser, last) = &mut **saphyr;
                match parser.next_event()? {
                    Ok((event, span)) => {
                        *last = event;
                        Some(Ok((LoadEvent::of(last), span)))
                    }
                    Err(error) => Some(Err(Stop::Scan(error))),
                }
            }
        }
    }
}

/// How the pieces of a text parsed on two threads are read: by the fast scanner when
/// `fast`; a scanner that meets something outside its subset says so in `bailed`, and the
/// text is read again by saphyr.
#[derive(Clone, Copy)]
pub(in crate::facts::yaml) struct Reader<'b> {
    pub(in crate::facts::yaml) fast: bool,
    pub(in crate::facts::yaml) bailed: &'b AtomicBool,
}

impl Reader<'_> {
    /// The events of `piece`.
    pub(in crate::facts::yaml) fn events<'a>(self, piece: &'a str) -> Events<'a> {
        Events::new(piece, self.fast)
    }

    /// The event of `next`, or `None` when the piece cannot be read on (an error, or the
    /// scanner's limit, which is noted).
    pub(in crate::facts::yaml) fn settle<'e>(
        self,
        next: Result<(LoadEvent<'e>, Span), Stop>,
    ) -> Option<(LoadEvent<'e>, Span)> {
        match next {
            Ok(event) => Some(event),
            Err(Stop::Unsupported) => {
                self.bailed.store(true, Ordering::Relaxed);
                None
            }
            Err(Stop::Scan(_)) => None,
        }
    }

    /// `parse` read by this reader, and again by saphyr when the scanner bailed: a text
    /// outside the subset splits as it did before the scanner.
    pub(in crate::facts::yaml) fn or_saphyr<T>(
        fast: bool,
        parse: impl Fn(Reader<'_>) -> Option<T>,
    ) -> Option<T> {
        let bailed = AtomicBool::new(false);
        let first = parse(Reader {
            fast,
            bailed: &bailed,
        });
        if first.is_none() && bailed.load(Ordering::Relaxed) {
            return parse(Reader {
                fast: false,
                bailed: &bailed,
            });
        }
        first
    }
}
