//! Waivers and baselines: accepted findings that do not fail the run but stay in the report.
//!
//! A waivers file (YAML or JSON) lists accepted risks:
//!
//! ```yaml
//! waivers:
//!   - rule: ml.data_protection.training_data_encrypted   # a rule id, or a glob (`ml.*`)
//!     subject: ds-7                                      # optional glob on the subject's own key
//!     document: facts/legacy/*.yaml                      # optional glob on the fact file
//!     path: /datasets/3/*                                 # optional glob on the violation's pointer
//!     reason: legacy store, migration tracked in SEC-123  # required
//!     owner: alice@example.com                            # optional
//!     expires: 2027-03-31                                 # optional; from the next day it no longer applies
//! ```
//!
//! A baseline (`--baseline REPORT.json`, a JSON report of an earlier run) waives exactly the
//! findings it lists, matched by their identity (see [`crate::identity`]), so only new findings
//! fail.
//!
//! Waived violations move from a result's `violations` to its `waived` list, so they stay in
//! the report for the audit. A failed rule whose every violation is waived becomes `waived`
//! (with the first matching waiver's note); when only some are, it stays `fail` with the rest.

mod parse;

use globset::GlobMatcher;

pub use parse::parse_waivers;

use super::baseline::Baseline;

use crate::findings::{Report, RuleResult, Status, Violation, WaiverNote};

/// One accepted finding pattern from a waivers file.
#[derive(Debug, Clone)]
pub struct Waiver {
    /// The `rule` as written, for the "names no loaded rule" warning.
    rule_pattern: String,
    rule: GlobMatcher,
    document: Option<GlobMatcher>,
    path: Option<GlobMatcher>,
    subject: Option<GlobMatcher>,
    note: WaiverNote,
    /// Seconds since the epoch at which the waiver stops holding.
    until: Option<i64>,
}

impl Waiver {
    fn active(&self, now: i64) -> bool {
        self.until.is_none_or(|until| now < until)
    }

    /// Whether the waiver covers `v`, a violation of a rule its `rule` glob matches.
    fn covers_violation(&self, v: &Violation) -> bool {
        self.document
            .as_ref()
            .is_none_or(|g| g.is_match(&v.document))
            && self.path.as_ref().is_none_or(|g| g.is_match(&v.path))
            && self
                .subject
                .as_ref()
                .is_none_or(|g| v.subject_key.as_deref().is_some_and(|key| g.is_match(key)))
    }

    #[cfg(test)]
    fn covers(&self, rule: &str, v: &Violation) -> bool {
        self.rule.is_match(rule) && self.covers_violation(v)
    }
}

/// Everything a run accepts: the waivers of `--waivers` and the `--baseline`.
#[derive(Debug, Clone, Default)]
pub struct Accepted {
    /// The waivers file's entries, in file order (the first that matches is reported).
    pub waivers: Vec<Waiver>,
    /// The baseline, if one was given.
    pub baseline: Option<Baseline>,
}

/// A report with the waivers applied, and what the run should be told about them.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The report, with statuses, summary and controls recomputed and `notes` set.
    pub report: Report,
    /// Waivers that expired (their findings count again): also in `report.notes`.
    pub notes: Vec<String>,
    /// Waivers whose `rule` matches no rule of the run (they waive nothing): also in
    /// `report.notes`. They do not fail the run.
    pub warnings: Vec<String>,
}

/// Applies the waivers active at `now` and the baseline to a report (see [`Applied`]).
///
/// Each violation is looked up once in the baseline's hash set, then checked against the
/// waivers whose `rule` matches its rule (a waivers file is written by hand, so short).
pub fn apply(report: Report, accepted: &Accepted, now: i64) -> Applied {
    let mut notes: Vec<String> = accepted
        .waivers
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
    let warnings = unknown_rules(&report, &accepted.waivers);
    let active: Vec<&Waiver> = accepted.waivers.iter().filter(|w| w.active(now)).collect();
    let files = report.files.clone();
    let results = report
        .results
        .into_iter()
        .map(|r| waive(r, &active, accepted.baseline.as_ref()))
        .collect();
    let mut report = Report::from_results(results);
    report.files = files;
    report.notes = notes.iter().chain(&warnings).cloned().collect();
    Applied {
        report,
        notes,
        warnings,
    }
}

/// A warning for each waiver whose `rule` matches none of the report's rules.
fn unknown_rules(report: &Report, waivers: &[Waiver]) -> Vec<String> {
    let ids: Vec<&str> = report.results.iter().map(|r| r.rule.as_str()).collect();
    waivers
        .iter()
        .filter(|w| !ids.iter().any(|id| w.rule.is_match(id)))
        .map(|w| {
            let hint = match crate::diagnostics::nearest(&w.rule_pattern, ids.iter().copied()) {
                Some(near) => format!("did you mean `{near}`?"),
                None => "check the rule id against `annexa controls` or the policies".to_string(),
            };
            format!(
                "the waiver at {} names rule `{}`, which no loaded policy defines, so it waives nothing; {hint}",
                w.note.source, w.rule_pattern
            )
        })
        .collect()
}

fn waive(mut r: RuleResult, waivers: &[&Waiver], baseline: Option<&Baseline>) -> RuleResult {
    if r.status != Status::Fail {
        return r;
    }
    let for_rule: Vec<&Waiver> = waivers
        .iter()
        .copied()
        .filter(|w| w.rule.is_match(&r.rule))
        .collect();
    if for_rule.is_empty() && baseline.is_none() {
        return r;
    }
    let mut note = None;
    let rule = r.rule.clone();
    let (waived, kept): (Vec<Violation>, Vec<Violation>) = std::mem::take(&mut r.violations)
        .into_iter()
        .partition(|v| {
            let by = for_rule
                .iter()
                .find(|w| w.covers_violation(v))
                .map(|w| &w.note)
                .or_else(|| baseline.filter(|b| b.covers(&rule, v)).map(|b| &b.note));
            match by {
                Some(n) => {
                    note.get_or_insert_with(|| n.clone());
                    true
                }
                None => false,
            }
        });
    r.violations = kept;
    r.waived = waived;
    if r.violations.is_empty() && !r.waived.is_empty() {
        r.status = Status::Waived;
        r.waiver = note;
    }
    r
}

#[cfg(test)]
mod tests;
