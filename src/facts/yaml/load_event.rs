//! The event the YAML loader reads, from either source: the fast scanner gives it, saphyr's
//! events are read as it (see [`super::events`]).

use saphyr_parser::{Event, ScalarStyle, Tag};

/// One event of a YAML text, as the loader reads it: saphyr's `Event` borrowed, small enough
/// to be passed by value (saphyr's event and span were moved with a `memcpy` call at every
/// step of the parse loops, and the fast scanner built a whole saphyr event for each scalar).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(in crate::facts::yaml) enum LoadEvent<'e> {
    Nothing,
    StreamStart,
    StreamEnd,
    /// Whether the document starts with an explicit `---`.
    DocumentStart(bool),
    DocumentEnd,
    /// The anchor's id.
    Alias(usize),
    /// The value, its style, its anchor's id (0: none) and its tag.
    Scalar(&'e str, ScalarStyle, usize, Option<&'e Tag>),
    SequenceStart(usize, Option<&'e Tag>),
    SequenceEnd,
    MappingStart(usize, Option<&'e Tag>),
    MappingEnd,
}

impl<'e> LoadEvent<'e> {
    /// saphyr's event, borrowed.
    pub(in crate::facts::yaml) fn of(event: &'e Event<'_>) -> LoadEvent<'e> {
        match event {
            Event::Nothing => LoadEvent::Nothing,
            Event::StreamStart => LoadEvent::StreamStart,
            Event::StreamEnd => LoadEvent::StreamEnd,
            Event::DocumentStart(explicit) => LoadEvent::DocumentStart(*explicit),
            Event::DocumentEnd => LoadEvent::DocumentEnd,
            Event::Alias(anchor) => LoadEvent::Alias(*anchor),
            Event::Scalar(value, style, anchor, tag) => {
                LoadEvent::Scalar(value, *style, *anchor, tag.as_deref())
            }
            Event::SequenceStart(anchor, tag) => LoadEvent::SequenceStart(*anchor, tag.as_deref()),
            Event::SequenceEnd => LoadEvent::SequenceEnd,
            Event::MappingStart(anchor, tag) => LoadEvent::MappingStart(*anchor, tag.as_deref()),
            Event::MappingEnd => LoadEvent::MappingEnd,
        }
    }
}
