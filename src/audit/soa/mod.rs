//! The Statement of Applicability: all 93 Annex A controls, whether each applies (with the
//! justification an auditor asks for either way), how it is implemented (the rules that
//! evidence it and the aspect each covers, the evidence people attest), and what the last run
//! concluded, with where its evidence is and when and on what it was produced.
//!
//! [`Applicability`] reads the applicability file, [`build`] makes the [`Statement`] (the
//! data every format renders), [`render_markdown`] and [`render_csv`] print it.

mod applicability;
mod csv;
mod markdown;
mod model;
mod statement;

pub use applicability::{Applicability, AttestationEntry, ControlEntry, IMPLEMENTATION, REASONS};
pub use csv::render_csv;
pub use markdown::render_markdown;
pub use model::{
    Attestation, Automation, ControlStatus, Coverage, CoveringRule, Evidence, RunInfo, SoaEntry,
    Statement, WaiverRef,
};
pub use statement::{Inputs, SoaRule, build, coverage, coverage_of};

use crate::findings::Report;

/// Builds the statement from `rules` (rule id → controls, no aspects), the status from
/// `report` when a run's report is given, and no run information (no attestation counts as
/// expired); [`build`] takes everything.
///
/// ```
/// let soa = annexa::unstable::audit::soa::statement(&[("r".into(), vec!["A.8.24".into()])], None, &Default::default());
/// assert_eq!(soa.controls.len(), 93);
/// let crypto = soa.controls.iter().find(|e| e.id == "A.8.24").unwrap();
/// assert_eq!(crypto.status.as_str(), "not evaluated");
/// ```
pub fn statement(
    rules: &[(String, Vec<String>)],
    report: Option<&Report>,
    applicability: &Applicability,
) -> Statement {
    let rules: Vec<SoaRule> = rules
        .iter()
        .map(|(id, controls)| SoaRule {
            id: id.clone(),
            controls: controls.clone(),
            aspect: None,
        })
        .collect();
    build(
        Inputs {
            rules: &rules,
            report,
            applicability,
            today: 0,
        },
        RunInfo::default(),
    )
}

#[cfg(test)]
mod tests;
