//! `--baseline REPORT.json`: the findings of an earlier JSON report, matched by identity.
//!
//! Matching is one hash-set lookup per violation, so a baseline of N findings against a run of
//! M costs O(N + M), whatever their sizes.

use std::collections::HashSet;

use serde_json::Value;

use crate::findings::{Violation, WaiverNote};

/// The findings of an earlier report.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// `fingerprint`s of the report's violations (reports since identity v2).
    fingerprints: HashSet<String>,
    /// For violations of older reports, which carry no fingerprint: rule, file, document
    /// index, pointer and message, NUL-separated. Positional, as such reports always were.
    legacy: HashSet<String>,
    pub(super) note: WaiverNote,
}

impl Baseline {
    /// Reads the violations of a JSON report of `annexa check --format json`; `name` is the
    /// file it came from, used as the waiver note's `source`.
    pub fn from_report(report: &Value, name: &str) -> Result<Baseline, String> {
        let results = report
            .get("results")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("`{name}` is not an annexa JSON report (no `results` list)"))?;
        let mut fingerprints = HashSet::new();
        let mut legacy = HashSet::new();
        for result in results {
            let Some(rule) = result.get("rule").and_then(Value::as_str) else {
                continue;
            };
            let violations = result.get("violations").and_then(Value::as_array);
            for v in violations.into_iter().flatten() {
                match v.get("fingerprint").and_then(Value::as_str) {
                    Some(f) if !f.is_empty() => {
                        fingerprints.insert(f.to_string());
                    }
                    _ => {
                        let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("");
                        let index = v.get("document_index").and_then(Value::as_u64).unwrap_or(0);
                        legacy.insert(legacy_key(
                            rule,
                            text("document"),
                            index,
                            text("path"),
                            text("message"),
                        ));
                    }
                }
            }
        }
        Ok(Baseline {
            fingerprints,
            legacy,
            note: WaiverNote {
                reason: "present in the baseline".to_string(),
                owner: None,
                expires: None,
                source: name.to_string(),
            },
        })
    }

    /// Number of findings the baseline lists (distinct identities).
    pub fn len(&self) -> usize {
        self.fingerprints.len() + self.legacy.len()
    }

    /// True when the baseline lists no finding.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the baseline lists violation `v` of `rule` (whose `fingerprint` is stamped).
    pub fn covers(&self, rule: &str, v: &Violation) -> bool {
        (!v.fingerprint.is_empty() && self.fingerprints.contains(&v.fingerprint))
            || (!self.legacy.is_empty()
                && self.legacy.contains(&legacy_key(
                    rule,
                    &v.document,
                    u64::try_from(v.document_index).unwrap_or(u64::MAX),
                    &v.path,
                    &v.message,
                )))
    }
}

fn legacy_key(rule: &str, document: &str, index: u64, path: &str, message: &str) -> String {
    format!("{rule}\0{document}\0{index}\0{path}\0{message}")
}
