//! The applicability file: which controls apply, why, how they are implemented, who owns them,
//! and the evidence a person attests for what rules cannot check. Schema: docs/soa.md and
//! schemas/applicability.schema.json.
//!
//! ```yaml
//! excluded:                       # v1 form, still read
//!   A.7.4: no premises of our own
//! controls:
//!   A.5.1:
//!     reasons: [risk-treatment, legal]
//!     justification: the board approves the ISMS policy set
//!     implementation: implemented
//!     owner: CISO
//!     attestations:
//!       - {reference: DOC-12, by: J. Doe, date: 2026-01-10, expires: 2027-01-10}
//! ```

use std::collections::BTreeMap;

use crate::controls::{Lookup, catalog};
use crate::diagnostics::{Diagnostic, nearest};
use crate::facts::{Document, NodeId, NodeValue};
use crate::source::SourceFile;

const CODE: &str = "annexa::applicability";

/// The grounds of inclusion an applicability file may give (`reasons:`).
pub const REASONS: [&str; 5] = [
    "risk-treatment",
    "legal",
    "regulatory",
    "contractual",
    "business",
];

/// The implementation statuses an applicability file may state (`implementation:`).
pub const IMPLEMENTATION: [&str; 4] = [
    "implemented",
    "partially-implemented",
    "planned",
    "not-implemented",
];

const TOP_KEYS: [&str; 2] = ["excluded", "controls"];
const CONTROL_KEYS: [&str; 6] = [
    "applicable",
    "reasons",
    "justification",
    "implementation",
    "owner",
    "attestations",
];
const ATTESTATION_KEYS: [&str; 5] = ["reference", "by", "date", "expires", "note"];

/// What the applicability file says about every control: each applies unless excluded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applicability {
    /// The file's name as given, for the statement's provenance.
    pub(super) file: Option<String>,
    /// Per 2022 control id.
    pub(super) controls: BTreeMap<String, ControlEntry>,
}

/// One control's entry in the applicability file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlEntry {
    /// `applicable:` (default true; `excluded:` sets false).
    pub applicable: bool,
    /// `justification:`, or the reason of an `excluded:` entry.
    pub justification: String,
    /// `reasons:`.
    pub reasons: Vec<String>,
    /// `implementation:`.
    pub implementation: Option<String>,
    /// `owner:`.
    pub owner: Option<String>,
    /// `attestations:`.
    pub attestations: Vec<AttestationEntry>,
}

impl Default for ControlEntry {
    fn default() -> ControlEntry {
        ControlEntry {
            applicable: true,
            justification: String::new(),
            reasons: Vec::new(),
            implementation: None,
            owner: None,
            attestations: Vec::new(),
        }
    }
}

/// One attestation as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestationEntry {
    /// `reference:` (a document, a ticket, a URL).
    pub reference: String,
    /// `by:`.
    pub by: String,
    /// `date:`, `YYYY-MM-DD`.
    pub date: String,
    /// `expires:`, `YYYY-MM-DD`.
    pub expires: Option<String>,
    /// `note:`.
    pub note: Option<String>,
    /// `FILE:LINE` of the entry.
    pub origin: String,
}

impl Applicability {
    /// Reads an applicability document. Unknown keys (with the nearest one suggested), values
    /// of the wrong type, impossible dates, unknown and 2013 control ids and exclusions without
    /// a justification are diagnostics with their line.
    pub fn parse(doc: &Document, file: &SourceFile) -> Result<Applicability, Vec<Diagnostic>> {
        let mut p = Parser {
            doc,
            file,
            errors: Vec::new(),
            controls: BTreeMap::new(),
            seen: BTreeMap::new(),
        };
        p.top();
        if p.errors.is_empty() {
            Ok(Applicability {
                file: Some(file.name().to_string()),
                controls: p.controls,
            })
        } else {
            Err(p.errors)
        }
    }

    /// The entry of a 2022 control id, when the file names it.
    pub fn control(&self, id: &str) -> Option<&ControlEntry> {
        self.controls.get(id)
    }

    /// The file it was read from, when it was.
    pub fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }
}

struct Parser<'a> {
    doc: &'a Document,
    file: &'a SourceFile,
    errors: Vec<Diagnostic>,
    controls: BTreeMap<String, ControlEntry>,
    /// Where each control was first named, so a second entry for it is reported.
    seen: BTreeMap<String, (u32, u32)>,
}

/// The nearest known word, by edit distance, else the one sharing the longest prefix of at
/// least four characters (`implemented` → `implementation`, `risk` → `risk-treatment`).
fn suggest<'a>(typed: &str, known: &[&'a str]) -> Option<&'a str> {
    nearest(typed, known.iter().copied()).or_else(|| {
        known
            .iter()
            .map(|k| {
                let shared = k
                    .chars()
                    .zip(typed.chars())
                    .take_while(|(a, b)| a == b)
                    .count();
                (shared, *k)
            })
            .filter(|(shared, _)| *shared >= 4)
            .max_by_key(|(shared, _)| *shared)
            .map(|(_, k)| k)
    })
}

fn kind(v: NodeValue<'_>) -> &'static str {
    match v {
        NodeValue::Null => "null",
        NodeValue::Bool(_) => "a boolean",
        NodeValue::Int(_) | NodeValue::Float(_) => "a number",
        NodeValue::Str(_) => "a string",
        NodeValue::Array(_) => "a list",
        NodeValue::Object(_) => "a map",
    }
}

impl Parser<'_> {
    fn error(&mut self, node: NodeId, message: String, label: &str, help: Option<String>) {
        let (line, column) = self.doc.position(node);
        let mut d = Diagnostic::error(CODE, message, self.file)
            .with_label(self.file.span_at(line, column), label);
        if let Some(help) = help {
            d = d.with_help(help);
        }
        self.errors.push(d);
    }

    /// The members of a map node, or a diagnostic saying what `what` should have been.
    fn members(&mut self, node: NodeId, what: &str) -> Vec<(String, NodeId)> {
        match self.doc.value(node) {
            NodeValue::Object(o) => o.iter().map(|(k, v)| (k.to_string(), v)).collect(),
            other => {
                self.error(
                    node,
                    format!("{what} is a map, not {}", kind(other)),
                    "expected a map",
                    None,
                );
                Vec::new()
            }
        }
    }

    fn unknown_key(&mut self, node: NodeId, key: &str, what: &str, known: &[&str]) {
        let help = match suggest(key, known) {
            Some(n) => format!("did you mean `{n}`? {what} keys are {}", known.join(", ")),
            None => format!("{what} keys are {}", known.join(", ")),
        };
        self.error(
            node,
            format!("unknown key `{key}` in {what}"),
            "not a key of the applicability file",
            Some(help),
        );
    }

    fn top(&mut self) {
        let root = self.doc.root();
        if !matches!(self.doc.value(root), NodeValue::Object(_)) {
            let found = kind(self.doc.value(root));
            self.error(
                root,
                format!("an applicability file is a map with `excluded:` and/or `controls:`, not {found}"),
                "expected a map",
                Some("see docs/soa.md".to_string()),
            );
            return;
        }
        let members = self.members(root, "the applicability file");
        if members.is_empty() {
            self.error(
                root,
                "an applicability file holds `excluded:` and/or `controls:`".to_string(),
                "nothing here",
                Some("see docs/soa.md".to_string()),
            );
        }
        for (key, node) in members {
            match key.as_str() {
                "excluded" => self.excluded(node),
                "controls" => self.controls(node),
                _ => self.unknown_key(node, &key, "the applicability file", &TOP_KEYS),
            }
        }
    }

    /// A control id written as a key: its 2022 id, or a diagnostic.
    fn control_id(&mut self, key: &str, node: NodeId) -> Option<String> {
        let id = match catalog().lookup(key) {
            Lookup::Current(c) => c.id.clone(),
            Lookup::Legacy(l) => {
                let help = format!("write {}", l.targets.join(" or "));
                self.error(
                    node,
                    format!("`{key}` is a 2013 id"),
                    "not a 2022 control",
                    Some(help),
                );
                return None;
            }
            Lookup::Unknown { suggestions } => {
                let help = (!suggestions.is_empty())
                    .then(|| format!("did you mean {}?", suggestions.join(" or ")));
                self.error(
                    node,
                    format!("`{key}` is not an Annex A 2022 control"),
                    "no such control",
                    help,
                );
                return None;
            }
        };
        let here = self.doc.position(node);
        if let Some((line, _)) = self.seen.get(&id).copied() {
            self.error(
                node,
                format!("`{id}` is listed twice"),
                "second entry",
                Some(format!(
                    "the first is on line {line}; one entry per control (an `excluded:` entry is `applicable: false` in `controls:`)"
                )),
            );
            return None;
        }
        self.seen.insert(id.clone(), here);
        Some(id)
    }

    fn excluded(&mut self, node: NodeId) {
        for (key, value) in self.members(node, "`excluded`") {
            let Some(id) = self.control_id(&key, value) else {
                continue;
            };
            let justification = match self.doc.value(value) {
                NodeValue::Str(s) => s.trim().to_string(),
                NodeValue::Null => String::new(),
                other => {
                    let found = kind(other);
                    self.error(
                        value,
                        format!("the justification of `{key}` is a string, not {found}"),
                        "expected a string",
                        None,
                    );
                    continue;
                }
            };
            if justification.is_empty() {
                self.no_justification(&key, value);
                continue;
            }
            self.controls.insert(
                id,
                ControlEntry {
                    applicable: false,
                    justification,
                    ..ControlEntry::default()
                },
            );
        }
    }

    fn no_justification(&mut self, key: &str, node: NodeId) {
        self.error(
            node,
            format!("`{key}` is excluded without a justification"),
            "say why the control does not apply",
            Some("auditors ask for the reason of every exclusion".to_string()),
        );
    }

    fn controls(&mut self, node: NodeId) {
        for (key, value) in self.members(node, "`controls`") {
            let Some(id) = self.control_id(&key, value) else {
                continue;
            };
            let mut entry = ControlEntry::default();
            let mut justification_given = false;
            for (field, v) in self.members(value, &format!("the entry of `{key}`")) {
                match field.as_str() {
                    "applicable" => match self.doc.value(v) {
                        NodeValue::Bool(b) => entry.applicable = b,
                        other => self.wrong_type(v, &field, "true or false", other),
                    },
                    "justification" => {
                        if let Some(s) = self.string(v, &field) {
                            justification_given = !s.is_empty();
                            entry.justification = s;
                        }
                    }
                    "owner" => entry.owner = self.string(v, &field).filter(|s| !s.is_empty()),
                    "implementation" => {
                        entry.implementation = self.word(v, &field, &IMPLEMENTATION);
                    }
                    "reasons" => {
                        for item in self.list(v, &field) {
                            if let Some(r) = self.word(item, "a reason", &REASONS) {
                                entry.reasons.push(r);
                            }
                        }
                    }
                    "attestations" => {
                        for item in self.list(v, &field) {
                            if let Some(a) = self.attestation(item) {
                                entry.attestations.push(a);
                            }
                        }
                    }
                    _ => self.unknown_key(v, &field, "a control's entry", &CONTROL_KEYS),
                }
            }
            if !entry.applicable && !justification_given {
                self.no_justification(&key, value);
            }
            self.controls.insert(id, entry);
        }
    }

    fn wrong_type(&mut self, node: NodeId, field: &str, expected: &str, found: NodeValue<'_>) {
        self.error(
            node,
            format!("`{field}` is {expected}, not {}", kind(found)),
            &format!("expected {expected}"),
            None,
        );
    }

    fn string(&mut self, node: NodeId, field: &str) -> Option<String> {
        match self.doc.value(node) {
            NodeValue::Str(s) => Some(s.trim().to_string()),
            other => {
                self.wrong_type(node, field, "a string", other);
                None
            }
        }
    }

    fn list(&mut self, node: NodeId, field: &str) -> Vec<NodeId> {
        match self.doc.value(node) {
            NodeValue::Array(items) => items.to_vec(),
            other => {
                self.wrong_type(node, field, "a list", other);
                Vec::new()
            }
        }
    }

    /// A string that must be one of `words`.
    fn word(&mut self, node: NodeId, field: &str, words: &[&str]) -> Option<String> {
        let text = self.string(node, field)?;
        if words.contains(&text.as_str()) {
            return Some(text);
        }
        let help = match suggest(&text, words) {
            Some(n) => format!("did you mean `{n}`? write one of {}", words.join(", ")),
            None => format!("write one of {}", words.join(", ")),
        };
        self.error(
            node,
            format!("`{text}` is not a valid {}", field.trim_start_matches("a ")),
            "unknown word",
            Some(help),
        );
        None
    }

    fn date(&mut self, node: NodeId, field: &str) -> Option<(String, i64)> {
        let text = self.string(node, field)?;
        match crate::date::parse_iso_date(&text) {
            Some(day) => Some((text, day)),
            None => {
                self.error(
                    node,
                    format!("`{field}: {text}` is not a date"),
                    "expected YYYY-MM-DD",
                    Some("write a real calendar date as YYYY-MM-DD".to_string()),
                );
                None
            }
        }
    }

    fn attestation(&mut self, node: NodeId) -> Option<AttestationEntry> {
        let (line, _) = self.doc.position(node);
        let mut reference = None;
        let mut by = None;
        let mut date = None;
        let mut expires = None;
        let mut note = None;
        let mut ok = true;
        let members = self.members(node, "an attestation");
        if !matches!(self.doc.value(node), NodeValue::Object(_)) {
            return None;
        }
        for (field, v) in members {
            match field.as_str() {
                "reference" => reference = self.string(v, &field),
                "by" => by = self.string(v, &field),
                "note" => note = self.string(v, &field),
                "date" => {
                    date = self.date(v, &field);
                    ok &= date.is_some();
                }
                "expires" => {
                    expires = self.date(v, &field).map(|d| (d, v));
                    ok &= expires.is_some();
                }
                _ => {
                    ok = false;
                    self.unknown_key(v, &field, "an attestation", &ATTESTATION_KEYS);
                }
            }
        }
        for (name, value) in [("reference", &reference), ("by", &by)] {
            if value.as_deref().is_none_or(str::is_empty) {
                ok = false;
                self.error(
                    node,
                    format!("an attestation needs `{name}`"),
                    "this attestation",
                    Some("an attestation says what the evidence is (`reference`), who attested it (`by`) and when (`date`)".to_string()),
                );
            }
        }
        if date.is_none() && ok {
            ok = false;
            self.error(
                node,
                "an attestation needs `date`".to_string(),
                "this attestation",
                Some("write when it was attested as YYYY-MM-DD".to_string()),
            );
        }
        if let (Some((_, from)), Some(((text, until), at))) = (&date, &expires)
            && until < from
        {
            ok = false;
            self.error(
                *at,
                format!("the attestation expires ({text}) before it was attested"),
                "before `date`",
                None,
            );
        }
        if !ok {
            return None;
        }
        Some(AttestationEntry {
            reference: reference.unwrap_or_default(),
            by: by.unwrap_or_default(),
            date: date.map(|(d, _)| d).unwrap_or_default(),
            expires: expires.map(|((d, _), _)| d),
            note: note.filter(|n| !n.is_empty()),
            origin: format!("{}:{line}", self.file.name()),
        })
    }
}
