//! The small pieces every part of the document uses: ids, UUIDs, props, OSCAL strings.

use serde_json::{Value, json};
use uuid::Uuid;

/// The OSCAL version written in `metadata.oscal-version` (the schema under `tests/schemas/oscal`).
pub const OSCAL_VERSION: &str = "1.2.1";

/// The namespace of annexa's own props (`ns` of every `prop` this module writes).
pub const PROP_NS: &str = "urn:annexa:oscal";

/// The OSCAL control id of an Annex A control: the id in lower case (`A.8.24` → `a.8.24`), a
/// valid OSCAL token, the form NIST catalogs use (`ac-2`).
///
/// ```
/// assert_eq!(annexa::unstable::report::oscal::control_id("A.8.24"), "a.8.24");
/// ```
pub fn control_id(annex_a: &str) -> String {
    annex_a.to_ascii_lowercase()
}

/// A version 5 UUID of `parts`, in annexa's namespace: the same parts, the same UUID.
pub(crate) fn uuid_of(parts: &[&str]) -> String {
    let namespace = Uuid::new_v5(&Uuid::NAMESPACE_URL, PROP_NS.as_bytes());
    Uuid::new_v5(&namespace, parts.join("\u{0}").as_bytes()).to_string()
}

/// A `prop` in annexa's namespace; `None` when the value is blank (OSCAL strings are never
/// empty nor padded).
pub(crate) fn prop(name: &str, value: &str) -> Option<Value> {
    let value = one_line(value);
    (!value.is_empty()).then(|| json!({"name": name, "ns": PROP_NS, "value": value}))
}

/// Text for an OSCAL string or markup line: one line, trimmed, runs of whitespace as one space.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` as one line, or `fallback` when it is blank (OSCAL titles and descriptions are
/// required and non-empty).
pub(crate) fn line_or(text: &str, fallback: &str) -> String {
    let line = one_line(text);
    if line.is_empty() {
        fallback.to_string()
    } else {
        line
    }
}

/// The OSCAL date-time of a `YYYY-MM-DD` date at `time` UTC (`00:00:00`), or of the epoch when
/// the date is not one (a statement built without a run).
pub(crate) fn date_time(date: &str, time: &str) -> String {
    let day = if crate::date::parse_iso_date(date).is_some() {
        date
    } else {
        "1970-01-01"
    };
    format!("{day}T{time}Z")
}

/// A file name as a URI reference: characters outside RFC 3986's unreserved set and `/` are
/// percent-encoded, so a path with spaces is still a valid `href`.
pub(crate) fn href(path: &str) -> String {
    let mut out = String::new();
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The props that have a value.
pub(crate) fn props<const N: usize>(items: [Option<Value>; N]) -> Vec<Value> {
    items.into_iter().flatten().collect()
}
