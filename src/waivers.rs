//! Waivers and baselines: accepted findings that do not fail the run but stay in the report.
//!
//! A waivers file (YAML or JSON) lists accepted risks:
//!
//! ```yaml
//! waivers:
//!   - rule: ml.data_protection.training_data_encrypted   # a rule id, or a glob (`ml.*`)
//!     document: facts/legacy/*.yaml                      # optional glob on the fact file
//!     path: /datasets/3/*                                 # optional glob on the violation's pointer
//!     reason: legacy store, migration tracked in SEC-123  # required
//!     owner: alice@example.com                            # optional
//!     expires: 2027-03-31                                 # optional; from the next day it no longer applies
//! ```
//!
//! A baseline (`--baseline REPORT.json`, a JSON report of an earlier run) waives exactly the
//! violations it lists (same rule, file, pointer and message), so only new findings fail.
//!
//! Waived violations move from a result's `violations` to its `waived` list, so they stay in
//! the report for the audit. A failed rule whose every violation is waived becomes `waived`
//! (with the first matching waiver's note); when only some are, it stays `fail` with the rest.

use globset::{Glob, GlobMatcher};

use crate::diagnostics::Diagnostic;
use crate::facts::{Document, NodeId, NodeValue};
use crate::findings::{Report, RuleResult, Status, Violation, WaiverNote};
use crate::source::{SourceFile, Span};

/// One accepted finding pattern.
#[derive(Debug, Clone)]
pub struct Waiver {
    rule: GlobMatcher,
    document: Option<GlobMatcher>,
    path: Option<GlobMatcher>,
    /// Only the baseline pins the message.
    message: Option<String>,
    note: WaiverNote,
    /// Seconds since the epoch at which the waiver stops holding.
    until: Option<i64>,
}

impl Waiver {
    fn active(&self, now: i64) -> bool {
        self.until.is_none_or(|until| now < until)
    }

    fn covers(&self, rule: &str, v: &Violation) -> bool {
        self.rule.is_match(rule)
            && self
                .document
                .as_ref()
                .is_none_or(|g| g.is_match(&v.document))
            && self.path.as_ref().is_none_or(|g| g.is_match(&v.path))
            && self.message.as_ref().is_none_or(|m| *m == v.message)
    }
}

const CODE: &str = "annexa::waivers";
const KEYS: [&str; 6] = ["rule", "document", "path", "reason", "owner", "expires"];

/// Reads a waivers document (see the module documentation). Every mistake is a diagnostic with
/// its line in the file.
pub fn parse_waivers(doc: &Document, text: &SourceFile) -> Result<Vec<Waiver>, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let at = |id: NodeId| -> Span {
        let (line, column) = doc.position(id);
        span_at(text.text(), line, column)
    };
    let root = doc.root();
    let Some(list) = doc.field(root, "waivers") else {
        return Err(vec![
            Diagnostic::error(CODE, "a waivers file holds a `waivers:` list", text)
                .with_label(at(root), "no `waivers` key here")
                .with_help("write `waivers:` followed by entries with `rule` and `reason`"),
        ]);
    };
    let NodeValue::Array(items) = doc.value(list) else {
        return Err(vec![
            Diagnostic::error(CODE, "`waivers` must be a list", text)
                .with_label(at(list), "not a list"),
        ]);
    };
    let mut waivers = Vec::new();
    for &item in items {
        let NodeValue::Object(members) = doc.value(item) else {
            errors.push(
                Diagnostic::error(
                    CODE,
                    "each waiver is an object with `rule` and `reason`",
                    text,
                )
                .with_label(at(item), "not an object"),
            );
            continue;
        };
        for (key, id) in members.iter() {
            if !KEYS.contains(&key) {
                let mut d = Diagnostic::error(CODE, format!("unknown waiver key `{key}`"), text)
                    .with_label(at(id), "not a waiver key");
                d = match crate::diagnostics::nearest(key, KEYS) {
                    Some(n) => {
                        d.with_help(format!("did you mean `{n}`? keys: {}", KEYS.join(", ")))
                    }
                    None => d.with_help(format!("keys: {}", KEYS.join(", "))),
                };
                errors.push(d);
            }
        }
        let string = |key: &str| -> Option<(String, NodeId)> {
            let id = doc.field(item, key)?;
            match doc.to_json(id) {
                serde_json::Value::String(s) => Some((s, id)),
                _ => None,
            }
        };
        let glob = |key: &str, errors: &mut Vec<Diagnostic>| -> Option<GlobMatcher> {
            let (pattern, id) = string(key)?;
            match Glob::new(&pattern) {
                Ok(g) => Some(g.compile_matcher()),
                Err(e) => {
                    errors.push(
                        Diagnostic::error(CODE, format!("invalid glob in `{key}`: {e}"), text)
                            .with_label(at(id), "this pattern"),
                    );
                    None
                }
            }
        };
        let rule = glob("rule", &mut errors);
        let document = glob("document", &mut errors);
        let path = glob("path", &mut errors);
        let reason = string("reason").map(|(s, _)| s.trim().to_string());
        let (Some(rule), Some(reason)) = (rule, reason.filter(|r| !r.is_empty())) else {
            errors.push(
                Diagnostic::error(
                    CODE,
                    "a waiver needs a `rule` and a non-empty `reason`",
                    text,
                )
                .with_label(at(item), "this waiver")
                .with_help("say why the finding is accepted: auditors read it"),
            );
            continue;
        };
        let expires = match doc.field(item, "expires") {
            None => None,
            Some(id) => {
                // YAML reads `2027-03-31` as a string; a JSON file writes it as one
                let raw = match doc.to_json(id) {
                    serde_json::Value::String(s) => s,
                    _ => String::new(),
                };
                match crate::syntax::parse_iso_date(raw.trim()) {
                    Some(days) => Some((raw.trim().to_string(), days)),
                    None => {
                        errors.push(
                            Diagnostic::error(CODE, "`expires` must be a date `YYYY-MM-DD`", text)
                                .with_label(at(id), "not a date"),
                        );
                        continue;
                    }
                }
            }
        };
        let (line, _) = doc.position(item);
        waivers.push(Waiver {
            rule,
            document,
            path,
            message: None,
            until: expires
                .as_ref()
                .map(|(_, days)| (days + 1).saturating_mul(86_400)),
            note: WaiverNote {
                reason,
                owner: string("owner").map(|(s, _)| s),
                expires: expires.map(|(text, _)| text),
                source: format!("{}:{line}", text.name()),
            },
        });
    }
    if errors.is_empty() {
        Ok(waivers)
    } else {
        Err(errors)
    }
}

/// Waivers for exactly the violations of an earlier JSON report.
pub fn baseline_waivers(report: &serde_json::Value, name: &str) -> Result<Vec<Waiver>, String> {
    let results = report
        .get("results")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| format!("`{name}` is not an annexa JSON report (no `results` list)"))?;
    let mut waivers = Vec::new();
    for result in results {
        let Some(rule) = result.get("rule").and_then(serde_json::Value::as_str) else {
            continue;
        };
        let violations = result
            .get("violations")
            .and_then(serde_json::Value::as_array);
        for v in violations.into_iter().flatten() {
            let field = |k: &str| v.get(k).and_then(serde_json::Value::as_str).unwrap_or("");
            let exact = |s: &str| {
                Glob::new(&globset::escape(s))
                    .ok()
                    .map(|g| g.compile_matcher())
            };
            let (Some(rule), Some(document), Some(path)) =
                (exact(rule), exact(field("document")), exact(field("path")))
            else {
                continue;
            };
            waivers.push(Waiver {
                rule,
                document: Some(document),
                path: Some(path),
                message: Some(field("message").to_string()),
                until: None,
                note: WaiverNote {
                    reason: "present in the baseline".to_string(),
                    owner: None,
                    expires: None,
                    source: name.to_string(),
                },
            });
        }
    }
    Ok(waivers)
}

/// Applies the waivers active at `now` to a report; returns it with statuses, summary and
/// controls recomputed, and notes about waivers that expired.
pub fn apply(report: Report, waivers: &[Waiver], now: i64) -> (Report, Vec<String>) {
    let mut notes: Vec<String> = waivers
        .iter()
        .filter(|w| !w.active(now))
        .map(|w| {
            format!(
                "the waiver at {} expired on {}; its findings count again",
                w.note.source,
                w.note.expires.as_deref().unwrap_or("?")
            )
        })
        .collect();
    notes.dedup();
    let active: Vec<&Waiver> = waivers.iter().filter(|w| w.active(now)).collect();
    let files = report.files.clone();
    let results = report
        .results
        .into_iter()
        .map(|r| waive(r, &active))
        .collect();
    let mut waived = crate::eval::report(results);
    waived.files = files;
    (waived, notes)
}

fn waive(mut r: RuleResult, waivers: &[&Waiver]) -> RuleResult {
    if r.status != Status::Fail {
        return r;
    }
    let mut note = None;
    let (waived, kept): (Vec<Violation>, Vec<Violation>) = std::mem::take(&mut r.violations)
        .into_iter()
        .partition(|v| match waivers.iter().find(|w| w.covers(&r.rule, v)) {
            Some(w) => {
                note.get_or_insert_with(|| w.note.clone());
                true
            }
            None => false,
        });
    r.violations = kept;
    r.waived = waived;
    if r.violations.is_empty() && !r.waived.is_empty() {
        r.status = Status::Waived;
        r.waiver = note;
    }
    r
}

/// The one-character span at a 1-based (line, column) in `text`.
fn span_at(text: &str, line: u32, column: u32) -> Span {
    let offset = crate::source::offset_of(text, line, column);
    Span::new(offset, offset + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn violation(document: &str, path: &str) -> Violation {
        Violation {
            message: "m".into(),
            reason: crate::findings::Reason::Failed,
            document: document.into(),
            document_index: 0,
            subject: String::new(),
            path: path.into(),
            line: 1,
            column: 1,
            require_order: 0,
            document_order: 0,
        }
    }

    fn waivers(yaml: &str) -> Result<Vec<Waiver>, Vec<Diagnostic>> {
        let loaded = crate::facts::load_bytes(
            "w.yaml",
            yaml.as_bytes(),
            crate::facts::Format::Yaml,
            &Default::default(),
        )
        .unwrap_or_default();
        let doc = loaded
            .documents
            .into_iter()
            .next()
            .unwrap_or_else(|| Document::from_json("w", &serde_json::json!({})));
        parse_waivers(&doc, &SourceFile::new("w.yaml", yaml))
    }

    #[test]
    fn a_waiver_matches_rule_document_and_path_globs() {
        let w =
            waivers("waivers:\n  - rule: ml.*\n    path: /datasets/1/*\n    reason: accepted\n")
                .unwrap_or_default();
        let w = w.first().cloned();
        let w = w.as_ref();
        assert!(w.is_some_and(|w| w.covers("ml.x", &violation("f.yaml", "/datasets/1/enabled"))));
        assert!(w.is_some_and(|w| !w.covers("ml.x", &violation("f.yaml", "/datasets/2/enabled"))));
        assert!(w.is_some_and(|w| !w.covers("other.x", &violation("f.yaml", "/datasets/1/x"))));
    }

    #[test]
    fn mistakes_are_diagnostics_with_lines() {
        let e = waivers("waivers:\n  - rule: r\n    reasn: x\n")
            .err()
            .unwrap_or_default();
        assert!(
            e.iter()
                .any(|d| d.message().contains("unknown waiver key `reasn`"))
        );
        assert!(
            e.iter().any(|d| d.location() == "w.yaml:3:5"),
            "{:?}",
            e.iter().map(Diagnostic::location).collect::<Vec<_>>()
        );
        assert!(e.iter().any(|d| {
            d.message()
                .contains("needs a `rule` and a non-empty `reason`")
        }));
        let e = waivers("waivers:\n  - {rule: r, reason: x, expires: soon}\n")
            .err()
            .unwrap_or_default();
        assert!(
            e.iter()
                .any(|d| d.message().contains("`expires` must be a date"))
        );
    }

    #[test]
    fn a_waiver_holds_through_its_expiry_day() {
        let w = waivers("waivers:\n  - {rule: r, reason: x, expires: 2026-01-31}\n")
            .unwrap_or_default();
        let day = |d: &str| crate::eval::parse_time(d).unwrap_or(0);
        assert!(w.iter().all(|w| w.active(day("2026-01-31T23:59:59Z"))));
        assert!(w.iter().all(|w| !w.active(day("2026-02-01"))));
    }
}
