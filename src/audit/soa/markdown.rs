//! The statement as a Markdown document for the ISMS.

use super::model::{SoaEntry, Statement};

/// How many pieces of evidence a control's section lists before pointing at the JSON.
const EVIDENCE_SHOWN: usize = 10;

/// The coverage number, the provenance, one table row per control, then a section per
/// control with rules or attestations: how it is implemented and where the evidence is.
pub fn render_markdown(soa: &Statement) -> String {
    let mut out = String::from("# Statement of Applicability (ISO/IEC 27001:2022 Annex A)\n\n");
    out.push_str(&format!("**Coverage:** {}.\n\n", soa.coverage.sentence()));
    out.push_str(&provenance(soa));
    out.push_str(
        "| Control | Title | Theme | Applicable | Justification | Owner | Implementation | Rules | Automation | Status |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
    for e in &soa.controls {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            e.id,
            cell(&e.title),
            e.theme,
            if e.applicable { "yes" } else { "no" },
            cell(&justification(e)),
            cell(e.owner.as_deref().unwrap_or("")),
            e.implementation.as_deref().unwrap_or(""),
            rules_cell(e),
            e.automation.as_str(),
            status_cell(e),
        ));
    }
    let detailed: Vec<&SoaEntry> = soa
        .controls
        .iter()
        .filter(|e| !e.rules.is_empty() || !e.attestations.is_empty())
        .collect();
    if !detailed.is_empty() {
        out.push_str("\n## Implementation and evidence\n");
        for e in detailed {
            section(&mut out, e);
        }
    }
    out
}

fn provenance(soa: &Statement) -> String {
    let run = &soa.run;
    let mut lines = vec![format!(
        "- Produced by annexa {} on {}",
        soa.annexa, run.date
    )];
    if let Some(commit) = &run.commit {
        lines.push(format!("- Commit: `{commit}`"));
    }
    let list = |files: &[String]| {
        files
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !run.policies.is_empty() {
        lines.push(format!("- Policies: {}", list(&run.policies)));
    }
    if !run.facts.is_empty() {
        lines.push(format!("- Facts: {}", list(&run.facts)));
    }
    if let Some(report) = &run.report {
        lines.push(format!("- Report: `{report}`"));
    }
    if let Some(file) = &run.applicability {
        lines.push(format!("- Applicability: `{file}`"));
    }
    lines.join("\n") + "\n\n"
}

/// The justification, led by the grounds of inclusion when the file states them.
pub(super) fn justification(e: &SoaEntry) -> String {
    match (e.reasons.is_empty(), e.justification.is_empty()) {
        (true, _) => e.justification.clone(),
        (false, true) => e.reasons.join(", "),
        (false, false) => format!("{}: {}", e.reasons.join(", "), e.justification),
    }
}

/// The rules that ran, then how many were skipped (a pack's rules outside the run's facts):
/// the table stays readable, the section below lists them all.
fn rules_cell(e: &SoaEntry) -> String {
    let (skipped, shown): (Vec<_>, Vec<_>) = e.rules.iter().partition(|r| skipped(r));
    let mut cell: Vec<String> = shown.iter().map(|r| format!("`{}`", r.id)).collect();
    if !skipped.is_empty() {
        cell.push(format!("{} skipped", skipped.len()));
    }
    cell.join("<br>")
}

fn skipped(r: &super::CoveringRule) -> bool {
    r.status.as_deref() == Some("skip")
}

fn status_cell(e: &SoaEntry) -> String {
    let text = e.status_text();
    if e.status == super::ControlStatus::Contradiction {
        format!("**{text}**")
    } else {
        text
    }
}

fn section(out: &mut String, e: &SoaEntry) {
    out.push_str(&format!(
        "\n### {} {}: {}\n\n",
        e.id,
        e.title,
        e.status_text()
    ));
    if e.status == super::ControlStatus::Contradiction {
        out.push_str(
            "- **Contradiction:** the control is excluded, yet a rule mapped to it fails: the exclusion or the finding is wrong.\n",
        );
    }
    let (skipped, ran): (Vec<_>, Vec<_>) = e.rules.iter().partition(|r| skipped(r));
    for r in ran {
        let aspect = r
            .aspect
            .as_ref()
            .map(|a| format!(" evidences {}", inline(a)))
            .unwrap_or_else(|| " (aspect not stated)".to_string());
        let status = r
            .status
            .as_ref()
            .map(|s| format!(": {s}"))
            .unwrap_or_default();
        out.push_str(&format!("- Rule `{}`{aspect}{status}\n", r.id));
    }
    if !skipped.is_empty() {
        out.push_str(&format!(
            "- {} more rules skipped in this run (`annexa soa --format json` lists them)\n",
            skipped.len()
        ));
    }
    for a in &e.attestations {
        let expiry = match (&a.expires, a.expired) {
            (Some(d), true) => format!(", **expired {d}**"),
            (Some(d), false) => format!(", expires {d}"),
            (None, _) => String::new(),
        };
        let note = a
            .note
            .as_ref()
            .map(|n| format!(" ({})", inline(n)))
            .unwrap_or_default();
        let origin = a
            .origin
            .as_ref()
            .map(|o| format!(" [{o}]"))
            .unwrap_or_default();
        out.push_str(&format!(
            "- Attested: {} by {} on {}{expiry}{note}{origin}\n",
            inline(&a.reference),
            inline(&a.by),
            a.date
        ));
    }
    for w in &e.waivers {
        let expiry = w
            .expires
            .as_ref()
            .map(|d| format!(", expires {d}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "- Waiver on `{}`: {}{expiry}\n",
            w.rule,
            inline(&w.reason)
        ));
    }
    for ev in e.evidence.iter().take(EVIDENCE_SHOWN) {
        let path = if ev.path.is_empty() {
            String::new()
        } else {
            format!(" `{}`", ev.path)
        };
        out.push_str(&format!(
            "- {} of `{}` at `{}:{}`{path}: {}\n",
            ev.outcome,
            ev.rule,
            ev.document,
            ev.line,
            inline(&crate::findings::readable(
                &ev.message,
                (ev.outcome == "missing").then_some(ev.path.as_str())
            ))
        ));
    }
    if e.evidence.len() > EVIDENCE_SHOWN {
        out.push_str(&format!(
            "- … and {} more (`annexa soa --format json` lists them all)\n",
            e.evidence.len() - EVIDENCE_SHOWN
        ));
    }
}

fn inline(text: &str) -> String {
    text.replace('\n', " ")
}

fn cell(text: &str) -> String {
    inline(&text.replace('|', "\\|"))
}
