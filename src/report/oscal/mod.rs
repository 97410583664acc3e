//! OSCAL assessment results (JSON, OSCAL 1.2.1): the run as an auditor's tool reads it.
//!
//! One result holds the reviewed controls (every control the run evaluated or a person
//! attested), one finding per reviewed control (`satisfied` / `not-satisfied`), one observation
//! per violation, evidence gap and attestation, and one risk per waived rule with status
//! `deviation-approved` and the waiver's expiry as its deadline. Control ids are the Annex A ids
//! in lower case (`A.5.15` → `a.5.15`, see [`control_id`]); only ids and the catalog's short
//! titles are written, never the standard's text. UUIDs are version 5, derived from content, so
//! the same run gives the same bytes. `docs/oscal.md` describes the mapping.

mod build;
mod evidence;
mod text;

use crate::audit::soa::Statement;
use crate::findings::Report;

pub use build::assessment_results;
pub use text::{OSCAL_VERSION, PROP_NS, control_id};

/// Renders the statement (and the run's report, whose violations become observations) as an
/// OSCAL assessment-results document, pretty-printed, ending with a newline.
pub fn render_oscal(statement: &Statement, report: Option<&Report>) -> String {
    let doc = assessment_results(statement, report);
    let mut out =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}

/// The OSCAL document of a `check` report evaluated on `date` (`YYYY-MM-DD`): the statement of
/// applicability is built from the report itself (every control applies).
pub fn render_check(report: &Report, date: &str, commit: Option<&str>) -> String {
    let rules: Vec<(String, Vec<String>)> = report
        .results
        .iter()
        .map(|r| (r.rule.clone(), r.controls.clone()))
        .collect();
    let mut statement = crate::audit::soa::statement(&rules, Some(report), &Default::default());
    statement.run.date = date.to_string();
    if statement.run.commit.is_none() {
        statement.run.commit = commit.map(str::to_string);
    }
    render_oscal(&statement, Some(report))
}

#[cfg(test)]
mod tests;
