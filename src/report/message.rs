//! Messages as people read them. A template renders a missing value as `<missing>` (the
//! contract's text, kept in JSON, SARIF, JUnit and OSCAL, which tools match on); the reports
//! people read say instead what is missing: the pointer of the fact the check could not find.

use std::borrow::Cow;

pub use crate::findings::readable;
use crate::findings::{EvidenceGap, Reason, Violation};

/// A violation's message for people: a `missing` violation's path is the absent fact.
pub fn violation_message(v: &Violation) -> Cow<'_, str> {
    let pointer = (v.reason == Reason::Missing).then_some(v.path.as_str());
    readable(&v.message, pointer)
}

/// An evidence gap's message for people: its path is always the absent fact.
pub fn gap_message(g: &EvidenceGap) -> Cow<'_, str> {
    readable(&g.message, Some(g.path.as_str()))
}
