//! Builds the [`Statement`] from the rules, a run's report and the applicability file.

use std::collections::BTreeMap;

use super::applicability::{Applicability, ControlEntry};
use super::model::{
    Attestation, Automation, ControlStatus, Coverage, CoveringRule, Evidence, RunInfo, SoaEntry,
    Statement, WaiverRef,
};
use crate::compile::Aspect;
use crate::controls::{catalog, compare_ids};
use crate::findings::{Reason, Report, RuleResult, Status};

/// A rule as the statement sees it: the controls it maps to and the aspect of them it
/// evidences (`aspect` metadata).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoaRule {
    /// The rule id.
    pub id: String,
    /// The 2022 control ids it maps to.
    pub controls: Vec<String>,
    /// Its `aspect`, when it states one.
    pub aspect: Option<Aspect>,
}

/// Everything a statement is built from.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The rules (of the policies loaded, or of the report).
    pub rules: &'a [SoaRule],
    /// The run's report, when there was a run.
    pub report: Option<&'a Report>,
    /// The applicability file (default: every control applies).
    pub applicability: &'a Applicability,
    /// The evaluation date, days since 1970-01-01: attestations that expire before it count
    /// as expired.
    pub today: i64,
}

/// Builds the statement: every catalog control, the rules mapped to it, the status from the
/// report when there is one, the attestations and the evidence. `run` is copied in as given
/// (the applicability file's name is filled from `inputs` when `run` has none).
pub fn build(inputs: Inputs<'_>, mut run: RunInfo) -> Statement {
    let mut by_control: BTreeMap<&str, Vec<&SoaRule>> = BTreeMap::new();
    for rule in inputs.rules {
        for c in &rule.controls {
            by_control.entry(c.as_str()).or_default().push(rule);
        }
    }
    let results: BTreeMap<&str, &RuleResult> = inputs
        .report
        .map(|r| r.results.iter().map(|x| (x.rule.as_str(), x)).collect())
        .unwrap_or_default();
    let mut controls: Vec<_> = catalog().controls().iter().collect();
    controls.sort_by(|a, b| compare_ids(&a.id, &b.id));
    let default_entry = ControlEntry::default();
    let entries: Vec<SoaEntry> = controls
        .into_iter()
        .map(|c| {
            let mut covering = by_control.get(c.id.as_str()).cloned().unwrap_or_default();
            covering.sort_by(|a, b| a.id.cmp(&b.id));
            covering.dedup_by(|a, b| a.id == b.id);
            let stated = inputs
                .applicability
                .control(&c.id)
                .unwrap_or(&default_entry);
            let attestations: Vec<Attestation> = stated
                .attestations
                .iter()
                .map(|a| Attestation {
                    reference: a.reference.clone(),
                    by: a.by.clone(),
                    date: a.date.clone(),
                    expired: a
                        .expires
                        .as_deref()
                        .and_then(crate::date::parse_iso_date)
                        .is_some_and(|until| until < inputs.today),
                    expires: a.expires.clone(),
                    note: a.note.clone(),
                    origin: Some(a.origin.clone()),
                })
                .collect();
            let rolled_up = inputs
                .report
                .and_then(|r| r.controls.iter().find(|rc| rc.id == c.id))
                .map(|rc| rc.status);
            let automation = automation(&covering);
            let status = status(
                stated.applicable,
                !covering.is_empty(),
                rolled_up,
                &attestations,
                automation,
            );
            let ran: Vec<&RuleResult> = covering
                .iter()
                .filter_map(|r| results.get(r.id.as_str()).copied())
                .collect();
            SoaEntry {
                id: c.id.clone(),
                theme: c.theme.as_str().to_string(),
                title: c.title.clone(),
                applicable: stated.applicable,
                justification: stated.justification.clone(),
                reasons: stated.reasons.clone(),
                implementation: stated.implementation.clone(),
                owner: stated.owner.clone(),
                automation,
                rules: covering
                    .iter()
                    .map(|r| CoveringRule {
                        id: r.id.clone(),
                        aspect: match &r.aspect {
                            Some(Aspect::Part(text)) => Some(text.clone()),
                            Some(Aspect::Whole) => Some("the whole control".to_string()),
                            None => None,
                        },
                        status: results
                            .get(r.id.as_str())
                            .map(|x| x.status.as_str().to_string()),
                    })
                    .collect(),
                attestations,
                status,
                evidence: ran.iter().flat_map(|r| evidence(r)).collect(),
                waivers: ran
                    .iter()
                    .filter_map(|r| {
                        r.waiver.as_ref().map(|w| WaiverRef {
                            rule: r.rule.clone(),
                            reason: w.reason.clone(),
                            expires: w.expires.clone(),
                        })
                    })
                    .collect(),
            }
        })
        .collect();
    if run.applicability.is_none() {
        run.applicability = inputs.applicability.file().map(str::to_string);
    }
    Statement {
        annexa: env!("CARGO_PKG_VERSION").to_string(),
        run,
        coverage: coverage_of(&entries),
        controls: entries,
    }
}

/// `automated` when a covering rule states `aspect whole`, `partial` otherwise, `manual`
/// without rules: rules that do not claim the whole control never make a bare "pass".
fn automation(covering: &[&SoaRule]) -> Automation {
    if covering.is_empty() {
        Automation::Manual
    } else if covering.iter().any(|r| r.aspect == Some(Aspect::Whole)) {
        Automation::Automated
    } else {
        Automation::Partial
    }
}

/// The control's status; see docs/soa.md for the table this implements.
fn status(
    applicable: bool,
    has_rules: bool,
    rolled_up: Option<Status>,
    attestations: &[Attestation],
    automation: Automation,
) -> ControlStatus {
    let failing = matches!(rolled_up, Some(Status::Fail | Status::Error));
    let attested = if attestations.is_empty() {
        None
    } else if attestations.iter().any(|a| !a.expired) {
        Some(ControlStatus::Attested)
    } else {
        Some(ControlStatus::EvidenceExpired)
    };
    if !applicable {
        return if failing {
            ControlStatus::Contradiction
        } else {
            ControlStatus::NotApplicable
        };
    }
    if !has_rules {
        return attested.unwrap_or(ControlStatus::Gap);
    }
    match rolled_up {
        Some(Status::Pass) => {
            // the rules pass, but the manual half of a partially automated control is stale
            if automation == Automation::Partial && attested == Some(ControlStatus::EvidenceExpired)
            {
                ControlStatus::EvidenceExpired
            } else {
                ControlStatus::Pass
            }
        }
        Some(Status::Fail | Status::Error) => ControlStatus::Fail,
        Some(Status::Incomplete) => ControlStatus::Incomplete,
        Some(Status::Waived) => ControlStatus::Waived,
        Some(Status::Skip) | None => attested.unwrap_or(ControlStatus::NotEvaluated),
    }
}

/// Where a rule's outcome is in the facts: its violations, evidence gaps and waived findings.
fn evidence(r: &RuleResult) -> Vec<Evidence> {
    let found = r.violations.iter().map(|v| {
        (
            v,
            match v.reason {
                Reason::Failed => "violation",
                Reason::Missing => "missing",
            },
        )
    });
    let waived = r.waived.iter().map(|v| (v, "waived"));
    let mut out: Vec<Evidence> = found
        .chain(waived)
        .map(|(v, outcome)| Evidence {
            rule: r.rule.clone(),
            outcome: outcome.to_string(),
            document: v.document.clone(),
            line: v.line,
            path: v.path.clone(),
            message: v.message.clone(),
        })
        .collect();
    out.extend(r.evidence_gaps.iter().map(|g| Evidence {
        rule: r.rule.clone(),
        outcome: "missing".to_string(),
        document: g.document.clone(),
        line: g.line,
        path: g.path.clone(),
        message: g.message.clone(),
    }));
    out
}

/// The coverage number of a run: the controls its rules map to, against the applicability
/// file; the same count as [`build`]'s statement of the same report.
pub fn coverage(results: &[RuleResult], applicability: &Applicability) -> Coverage {
    let mapped: std::collections::BTreeSet<&str> = results
        .iter()
        .flat_map(|r| r.controls.iter().map(String::as_str))
        .collect();
    let mut c = Coverage {
        controls: catalog().controls().len(),
        ..Coverage::default()
    };
    for control in catalog().controls() {
        let stated = applicability.control(&control.id);
        if stated.is_some_and(|s| !s.applicable) {
            c.excluded += 1;
        } else if mapped.contains(control.id.as_str()) {
            c.checked += 1;
        } else if stated.is_some_and(|s| !s.attestations.is_empty()) {
            c.attested += 1;
        } else {
            c.gaps += 1;
        }
    }
    c
}

/// Divides the controls into checked, attested, excluded and gaps.
pub fn coverage_of(entries: &[SoaEntry]) -> Coverage {
    let mut c = Coverage {
        controls: entries.len(),
        ..Coverage::default()
    };
    for e in entries {
        if !e.applicable {
            c.excluded += 1;
        } else if !e.rules.is_empty() {
            c.checked += 1;
        } else if !e.attestations.is_empty() {
            c.attested += 1;
        } else {
            c.gaps += 1;
        }
    }
    c
}
