//! Messages as people read them. A template renders a missing value as `<missing>` (the
//! contract's text, kept in JSON, SARIF, JUnit and OSCAL, which tools match on); the reports
//! people read say instead what is missing: the pointer of the fact the check could not find.

use std::borrow::Cow;

use crate::findings::{EvidenceGap, Reason, Violation};

/// The contract's rendering of a missing value in a template.
const MISSING: &str = "<missing>";

/// `message` with each `<missing>` replaced by `(missing POINTER)` when `pointer` names the
/// absent fact, else by `(missing)`.
///
/// ```
/// use annexa::unstable::report::readable;
/// assert_eq!(readable("uses cipher <missing>", Some("/d/0/cipher")), "uses cipher (missing /d/0/cipher)");
/// assert_eq!(readable("uses cipher <missing>", None), "uses cipher (missing)");
/// assert_eq!(readable("uses cipher AES", Some("/d/0/cipher")), "uses cipher AES");
/// ```
pub fn readable<'a>(message: &'a str, pointer: Option<&str>) -> Cow<'a, str> {
    if !message.contains(MISSING) {
        return Cow::Borrowed(message);
    }
    let with = match pointer {
        Some(p) if !p.is_empty() => format!("(missing {p})"),
        _ => "(missing)".to_string(),
    };
    Cow::Owned(message.replace(MISSING, &with))
}

/// A violation's message for people: a `missing` violation's path is the absent fact.
pub fn violation_message(v: &Violation) -> Cow<'_, str> {
    let pointer = (v.reason == Reason::Missing).then_some(v.path.as_str());
    readable(&v.message, pointer)
}

/// An evidence gap's message for people: its path is always the absent fact.
pub fn gap_message(g: &EvidenceGap) -> Cow<'_, str> {
    readable(&g.message, Some(g.path.as_str()))
}
