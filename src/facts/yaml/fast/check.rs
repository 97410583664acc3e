//! The scanner held to saphyr, for the unit tests and the `yaml_scanner` fuzz target.

use std::borrow::Cow;

use saphyr_parser::{Event, Parser, Span};

use super::{Scanner, Unsupported, eligible};
use crate::facts::yaml::load_event::LoadEvent;

/// A whole event stream, owning its strings.
pub(in crate::facts::yaml) type Stream = Vec<(Event<'static>, Span)>;

fn owned(event: Event<'_>) -> Event<'static> {
    match event {
        Event::Scalar(value, style, anchor, tag) => Event::Scalar(
            Cow::Owned(value.into_owned()),
            style,
            anchor,
            tag.map(|t| Cow::Owned(t.into_owned())),
        ),
        Event::SequenceStart(anchor, tag) => {
            Event::SequenceStart(anchor, tag.map(|t| Cow::Owned(t.into_owned())))
        }
        Event::MappingStart(anchor, tag) => {
            Event::MappingStart(anchor, tag.map(|t| Cow::Owned(t.into_owned())))
        }
        Event::Nothing => Event::Nothing,
        Event::StreamStart => Event::StreamStart,
        Event::StreamEnd => Event::StreamEnd,
        Event::DocumentStart(explicit) => Event::DocumentStart(explicit),
        Event::DocumentEnd => Event::DocumentEnd,
        Event::Alias(anchor) => Event::Alias(anchor),
        Event::SequenceEnd => Event::SequenceEnd,
        Event::MappingEnd => Event::MappingEnd,
    }
}

/// saphyr's event for one of the scanner's.
fn saphyr_event(event: LoadEvent<'_>) -> Event<'static> {
    let tag = |t: Option<&saphyr_parser::Tag>| t.map(|t| Cow::Owned(t.clone()));
    match event {
        LoadEvent::Nothing => Event::Nothing,
        LoadEvent::StreamStart => Event::StreamStart,
        LoadEvent::StreamEnd => Event::StreamEnd,
        LoadEvent::DocumentStart(explicit) => Event::DocumentStart(explicit),
        LoadEvent::DocumentEnd => Event::DocumentEnd,
        LoadEvent::Alias(anchor) => Event::Alias(anchor),
        LoadEvent::Scalar(value, style, anchor, t) => {
            Event::Scalar(Cow::Owned(value.to_string()), style, anchor, tag(t))
        }
        LoadEvent::SequenceStart(anchor, t) => Event::SequenceStart(anchor, tag(t)),
        LoadEvent::SequenceEnd => Event::SequenceEnd,
        LoadEvent::MappingStart(anchor, t) => Event::MappingStart(anchor, tag(t)),
        LoadEvent::MappingEnd => Event::MappingEnd,
    }
}

/// saphyr's events, or its error's message.
pub(in crate::facts::yaml) fn saphyr(text: &str) -> Result<Stream, String> {
    let mut parser = Parser::new_from_str(text);
    let mut events = Vec::new();
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| e.to_string())?;
        events.push((owned(event), span));
    }
    Ok(events)
}

/// The scanner's events, or `Unsupported`.
pub(in crate::facts::yaml) fn fast(text: &str) -> Result<Stream, Unsupported> {
    if !eligible(text.as_bytes()) {
        return Err(Unsupported);
    }
    events_of(Scanner::new(text))
}

/// The scanner's events of `text` without `gaps` (see [`Scanner::with_gaps`]).
#[cfg(test)]
pub(in crate::facts::yaml) fn fast_with_gaps(
    text: &str,
    gaps: &[(usize, usize)],
) -> Result<Stream, Unsupported> {
    events_of(Scanner::with_gaps(text, gaps.to_vec()))
}

/// Every event of `scanner`, as saphyr's.
fn events_of(mut scanner: Scanner<'_>) -> Result<Stream, Unsupported> {
    let mut events = Vec::new();
    while let Some(next) = scanner.next_event() {
        let (event, span) = next?;
        events.push((saphyr_event(event), span));
    }
    Ok(events)
}

/// Whether the scanner takes `text` (`Ok(false)`: it leaves it to saphyr), or how its events
/// differ from saphyr's on a text it takes.
pub(crate) fn agrees_with_saphyr(text: &str) -> Result<bool, String> {
    let Ok(ours) = fast(text) else {
        return Ok(false);
    };
    let theirs = saphyr(text)
        .map_err(|error| format!("the scanner took {text:?}, which saphyr refuses: {error}"))?;
    if ours == theirs {
        return Ok(true);
    }
    let at = ours
        .iter()
        .zip(&theirs)
        .position(|(a, b)| a != b)
        .unwrap_or(ours.len().min(theirs.len()));
    Err(format!(
        "events differ on {text:?} at event {at}:\n fast:   {:?}\n saphyr: {:?}",
        ours.get(at),
        theirs.get(at)
    ))
}
