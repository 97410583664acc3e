//! The Statement of Applicability: all 93 Annex A controls, whether each applies (with the
//! justification an auditor asks for when it does not), the rules that evidence it, and what
//! the last run concluded.
//!
//! Applicability comes from a small YAML or JSON file; every control applies unless listed:
//!
//! ```yaml
//! excluded:
//!   A.7.4: no premises of our own; the cloud provider's physical monitoring is covered by A.5.23
//!   A.8.23: no web browsing from the ML environment
//! ```

use std::collections::BTreeMap;

mod model;

use crate::controls::{Lookup, catalog, compare_ids};
use crate::diagnostics::Diagnostic;
use crate::facts::Document;
use crate::findings::{Report, Status};
use crate::source::SourceFile;
pub use model::{
    Attestation, Automation, ControlStatus, Coverage, CoveringRule, Evidence, RunInfo, SoaEntry,
    Statement, WaiverRef,
};

/// Which controls are excluded, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applicability {
    excluded: BTreeMap<String, String>,
}

impl Applicability {
    /// Reads an applicability document (`excluded: {ID: justification}`). Unknown ids, 2013
    /// ids and empty justifications are diagnostics with their line.
    pub fn parse(doc: &Document, file: &SourceFile) -> Result<Applicability, Vec<Diagnostic>> {
        const CODE: &str = "annexa::applicability";
        let mut errors = Vec::new();
        let at = |id: crate::facts::NodeId| {
            let (line, column) = doc.position(id);
            file.span_at(line, column)
        };
        let mut excluded = BTreeMap::new();
        let root = doc.root();
        let Some(list) = doc.field(root, "excluded") else {
            return Err(vec![Diagnostic::error(
                CODE,
                "an applicability file holds an `excluded:` map of control ids to justifications",
                file,
            )
            .with_label(at(root), "no `excluded` key here")]);
        };
        for (key, id) in doc.to_json(list).as_object().into_iter().flatten() {
            let node = doc.field(list, key).unwrap_or(list);
            match catalog().lookup(key) {
                Lookup::Current(c) => {
                    let justification = id.as_str().map(str::trim).unwrap_or("");
                    if justification.is_empty() {
                        errors.push(
                            Diagnostic::error(
                                CODE,
                                format!("`{key}` is excluded without a justification"),
                                file,
                            )
                            .with_label(at(node), "say why the control does not apply")
                            .with_help("auditors ask for the reason of every exclusion"),
                        );
                    } else {
                        excluded.insert(c.id.clone(), justification.to_string());
                    }
                }
                Lookup::Legacy(l) => errors.push(
                    Diagnostic::error(CODE, format!("`{key}` is a 2013 id"), file)
                        .with_label(at(node), "not a 2022 control")
                        .with_help(format!("write {}", l.targets.join(" or "))),
                ),
                Lookup::Unknown { suggestions } => {
                    let mut d = Diagnostic::error(
                        CODE,
                        format!("`{key}` is not an Annex A 2022 control"),
                        file,
                    )
                    .with_label(at(node), "no such control");
                    if !suggestions.is_empty() {
                        d = d.with_help(format!("did you mean {}?", suggestions.join(" or ")));
                    }
                    errors.push(d);
                }
            }
        }
        if errors.is_empty() {
            Ok(Applicability { excluded })
        } else {
            Err(errors)
        }
    }
}

/// Builds the statement: every catalog control, the rules mapped to it (from `rules`:
/// rule id → controls), and the status from `report` when a run's report is given.
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
    let mut by_control: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (rule, controls) in rules {
        for c in controls {
            by_control.entry(c.as_str()).or_default().push(rule.clone());
        }
    }
    let rule_status = |id: &str| {
        report.and_then(|r| {
            r.results
                .iter()
                .find(|x| x.rule == id)
                .map(|x| x.status.as_str().to_string())
        })
    };
    let mut controls: Vec<_> = catalog().controls().iter().collect();
    controls.sort_by(|a, b| compare_ids(&a.id, &b.id));
    let entries: Vec<SoaEntry> = controls
        .into_iter()
        .map(|c| {
            let mut covering = by_control.get(c.id.as_str()).cloned().unwrap_or_default();
            covering.sort();
            covering.dedup();
            let justification = applicability.excluded.get(&c.id).cloned();
            let reported = report.and_then(|r| r.controls.iter().find(|rc| rc.id == c.id));
            let status = match (&justification, reported, covering.is_empty()) {
                (Some(_), Some(rc), _) if matches!(rc.status, Status::Fail | Status::Error) => {
                    ControlStatus::Contradiction
                }
                (Some(_), _, _) => ControlStatus::NotApplicable,
                (None, _, true) => ControlStatus::Gap,
                (None, Some(rc), false) => control_status(rc.status),
                (None, None, false) => ControlStatus::NotEvaluated,
            };
            SoaEntry {
                id: c.id.clone(),
                theme: c.theme.as_str().to_string(),
                title: c.title.clone(),
                applicable: justification.is_none(),
                justification: justification.unwrap_or_default(),
                reasons: Vec::new(),
                implementation: None,
                owner: None,
                automation: if covering.is_empty() {
                    Automation::Manual
                } else {
                    Automation::Partial
                },
                rules: covering
                    .into_iter()
                    .map(|id| CoveringRule {
                        status: rule_status(&id),
                        id,
                        aspect: None,
                    })
                    .collect(),
                attestations: Vec::new(),
                status,
                evidence: Vec::new(),
                waivers: Vec::new(),
            }
        })
        .collect();
    let coverage = coverage_of(&entries);
    Statement {
        annexa: env!("CARGO_PKG_VERSION").to_string(),
        run: RunInfo::default(),
        coverage,
        controls: entries,
    }
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

/// A control's status from the run's roll-up.
fn control_status(s: Status) -> ControlStatus {
    match s {
        Status::Pass => ControlStatus::Pass,
        Status::Fail | Status::Error => ControlStatus::Fail,
        Status::Incomplete => ControlStatus::Incomplete,
        Status::Waived => ControlStatus::Waived,
        Status::Skip => ControlStatus::NotEvaluated,
    }
}

/// The statement as a Markdown document for the ISMS: the coverage number, then one table row
/// per control.
pub fn render_markdown(soa: &Statement) -> String {
    let mut out = String::from("# Statement of Applicability (ISO/IEC 27001:2022 Annex A)\n\n");
    out.push_str(&soa.coverage.sentence());
    out.push_str(".\n\n");
    out.push_str(
        "| Control | Title | Theme | Applicable | Justification | Rules | Automation | Status |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|---|\n");
    for e in &soa.controls {
        let rules: Vec<String> = e.rules.iter().map(|r| format!("`{}`", r.id)).collect();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
            e.id,
            cell(&e.title),
            e.theme,
            if e.applicable { "yes" } else { "no" },
            cell(&e.justification),
            rules.join("<br>"),
            e.automation.as_str(),
            e.status.as_str()
        ));
    }
    out
}

/// The statement as CSV (RFC 4180 quoting), rules separated by `;`.
pub fn render_csv(soa: &Statement) -> String {
    let mut out = String::from("id,theme,title,applicable,justification,rules,automation,status\n");
    for e in &soa.controls {
        let rules: Vec<&str> = e.rules.iter().map(|r| r.id.as_str()).collect();
        let fields = [
            e.id.clone(),
            e.theme.clone(),
            e.title.clone(),
            if e.applicable { "yes" } else { "no" }.to_string(),
            e.justification.clone(),
            rules.join(";"),
            e.automation.as_str().to_string(),
            e.status.as_str().to_string(),
        ];
        let quoted: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&quoted.join(","));
        out.push('\n');
    }
    out
}

fn csv_field(f: &str) -> String {
    if f.contains([',', '"', '\n']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f.to_string()
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applicability(yaml: &str) -> Result<Applicability, Vec<Diagnostic>> {
        let doc = crate::facts::first_yaml_document("a.yaml", yaml);
        Applicability::parse(&doc, &SourceFile::new("a.yaml", yaml))
    }

    #[test]
    fn every_control_is_listed_and_exclusions_need_a_reason() {
        let a = applicability("excluded:\n  A.7.4: cloud only\n").unwrap_or_default();
        let soa = statement(&[("r".into(), vec!["A.8.24".into()])], None, &a);
        assert_eq!(soa.controls.len(), 93);
        let physical = soa.controls.iter().find(|e| e.id == "A.7.4");
        assert!(
            physical.is_some_and(|e| !e.applicable && e.status == ControlStatus::NotApplicable)
        );
        assert!(
            soa.controls
                .iter()
                .any(|e| e.id == "A.5.1" && e.status == ControlStatus::Gap)
        );
        assert_eq!(
            soa.coverage.sentence(),
            "1 of 93 controls checked by rules, 0 attested, 1 excluded, 91 gaps"
        );
        let errors = applicability("excluded:\n  A.7.4: ''\n  A.7.99: x\n  A.11.1.1: y\n")
            .err()
            .unwrap_or_default();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors
                .iter()
                .any(|d| d.message().contains("without a justification"))
        );
        assert!(
            errors
                .iter()
                .any(|d| d.help_text().is_some_and(|h| h.contains("A.7.9")))
        );
        assert!(errors.iter().any(|d| d.message().contains("2013 id")));
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
