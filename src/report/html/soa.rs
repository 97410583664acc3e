//! `annexa soa --format html`: the Statement of Applicability as a page: provenance, the
//! coverage number, the chart of control status by theme, and every control theme by theme
//! with its applicability, rules, attestations, evidence and waivers.

use crate::audit::soa::{SoaEntry, Statement};

use super::chart::{THEMES, status_by_theme};
use super::esc;
use super::page::{badge, cards, filters, page};

/// The statement as one HTML page.
pub fn render_soa(soa: &Statement) -> String {
    let mut body = String::from(
        "<header class=\"top\">\n<div class=\"kicker\">ISO/IEC 27001:2022 Annex A</div>\n<h1>Statement of Applicability</h1>\n",
    );
    body.push_str(&run_info(soa));
    body.push_str("</header>\n");
    let c = &soa.coverage;
    body.push_str("<h2>Coverage</h2>\n");
    body.push_str(&cards(
        c,
        "controls checked by rules",
        &[
            (c.attested, "attested"),
            (c.excluded, "excluded"),
            (c.gaps, "gaps"),
        ],
        "",
    ));
    body.push_str("<h2>Control status by theme</h2>\n");
    body.push_str(&status_by_theme(&soa.controls));
    body.push_str("<h2>Controls</h2>\n");
    let mut statuses: Vec<String> = Vec::new();
    for e in &soa.controls {
        let s = e.status.as_str().to_string();
        if !statuses.contains(&s) {
            statuses.push(s);
        }
    }
    statuses.sort();
    body.push_str(&filters(&[("f-status", "Status", statuses)]));
    for (key, name, clause) in THEMES {
        let entries: Vec<&SoaEntry> = soa.controls.iter().filter(|e| e.theme == key).collect();
        body.push_str(&format!(
            "<section class=\"theme\">\n<h2>{} controls <span class=\"sub\">({}, {} controls)</span></h2>\n",
            esc(name),
            esc(clause),
            entries.len()
        ));
        body.push_str(&table(&entries));
        body.push_str("</section>\n");
    }
    page("Statement of Applicability", &body)
}

fn run_info(soa: &Statement) -> String {
    let run = &soa.run;
    let mut out = String::from("<dl class=\"meta\">");
    let mut item = |label: &str, value: String| {
        out.push_str(&format!("<dt>{}</dt><dd>{value}</dd>", esc(label)));
    };
    item(
        "date",
        if run.date.is_empty() {
            "<span class=\"empty\">not stated</span>".into()
        } else {
            esc(&run.date)
        },
    );
    if let Some(commit) = &run.commit {
        item("commit", format!("<code>{}</code>", esc(commit)));
    }
    item("annexa", esc(&soa.annexa));
    if !run.policies.is_empty() {
        item("policies", code_list(&run.policies));
    }
    if !run.facts.is_empty() {
        item("facts", code_list(&run.facts));
    }
    if let Some(report) = &run.report {
        item("report", format!("<code>{}</code>", esc(report)));
    }
    item(
        "applicability",
        run.applicability.as_deref().map_or_else(
            || "none: every control applies".to_string(),
            |a| format!("<code>{}</code>", esc(a)),
        ),
    );
    out.push_str("</dl>\n");
    out
}

fn code_list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("<code>{}</code>", esc(i)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn table(entries: &[&SoaEntry]) -> String {
    let mut out = String::from(
        "<table>\n<colgroup><col style=\"width:21%\"><col style=\"width:18%\"><col style=\"width:31%\"><col><col style=\"width:124px\"></colgroup>\n<thead><tr><th>Control</th><th>Applicability</th><th>Rules and automation</th><th>Evidence</th><th>Status</th></tr></thead>\n<tbody>\n",
    );
    for e in entries {
        out.push_str(&format!(
            "<tr class=\"row\" data-status=\"{}\">",
            esc(e.status.as_str())
        ));
        // the control
        out.push_str(&format!(
            "<td><div class=\"title\">{} {}</div>",
            esc(&e.id),
            esc(&e.title)
        ));
        if let Some(owner) = &e.owner {
            out.push_str(&format!("<div class=\"sub\">owner: {}</div>", esc(owner)));
        }
        if let Some(i) = &e.implementation {
            out.push_str(&format!(
                "<div class=\"sub\">implementation: {}</div>",
                esc(i)
            ));
        }
        out.push_str("</td>");
        // applicability
        out.push_str(&format!(
            "<td><strong>{}</strong>",
            if e.applicable {
                "applicable"
            } else {
                "excluded"
            }
        ));
        if !e.reasons.is_empty() {
            out.push_str(&format!(
                "<div class=\"sub\">grounds: {}</div>",
                esc(&e.reasons.join(", "))
            ));
        }
        if !e.justification.is_empty() {
            out.push_str(&format!("<div>{}</div>", esc(&e.justification)));
        }
        out.push_str("</td>");
        // rules
        out.push_str(&format!(
            "<td><div class=\"sub\">{}</div>",
            esc(e.automation.as_str())
        ));
        out.push_str(&rules(e));
        out.push_str("</td>");
        // evidence: attestations, the run's evidence, waivers
        out.push_str("<td>");
        out.push_str(&evidence(e));
        out.push_str("</td>");
        // a pass of narrow rules is never a bare "pass": the automation is said beside it
        let mut status = badge(e.status.as_str());
        if e.status_text() != e.status.as_str() {
            status.push_str(&format!(
                "<div class=\"sub\">{}</div>",
                esc(e.automation.as_str())
            ));
        }
        out.push_str(&format!("<td>{status}</td></tr>\n"));
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// The rules of a control: those the run decided, each with its status and aspect; those it
/// did not (skipped, or no run) as one compact list, since a control of the built-in packs can
/// have dozens for platforms the facts are not about.
fn rules(e: &SoaEntry) -> String {
    let (decided, idle): (Vec<_>, Vec<_>) = e
        .rules
        .iter()
        .partition(|r| r.aspect.is_some() || r.status.as_deref().is_some_and(|s| s != "skip"));
    let mut out = String::new();
    if !decided.is_empty() {
        out.push_str("<ul class=\"plain\">");
        for r in decided {
            out.push_str(&format!("<li><code>{}</code>", esc(&r.id)));
            if let Some(s) = &r.status {
                out.push_str(&format!(" {}", badge(s)));
            }
            if let Some(a) = &r.aspect {
                out.push_str(&format!("<div class=\"sub\">{}</div>", esc(a)));
            }
            out.push_str("</li>");
        }
        out.push_str("</ul>");
    }
    if !idle.is_empty() {
        let word = if idle.iter().any(|r| r.status.is_some()) {
            "skipped"
        } else {
            "not run"
        };
        let ids: Vec<String> = idle
            .iter()
            .map(|r| format!("<code>{}</code>", esc(&r.id)))
            .collect();
        out.push_str(&format!(
            "<div class=\"idle\"><span class=\"sub\">{} rule{} {word}:</span> {}</div>",
            idle.len(),
            if idle.len() == 1 { "" } else { "s" },
            ids.join(", ")
        ));
    }
    out
}

fn evidence(e: &SoaEntry) -> String {
    let mut out = String::new();
    if !e.attestations.is_empty() {
        out.push_str("<ul class=\"plain\">");
        for a in &e.attestations {
            out.push_str(&format!(
                "<li>attested: {} <span class=\"sub\">by {} on {}</span>",
                esc(&a.reference),
                esc(&a.by),
                esc(&a.date)
            ));
            if let Some(x) = &a.expires {
                if a.expired {
                    out.push_str(&format!(
                        " <span class=\"expired\">expired {}</span>",
                        esc(x)
                    ));
                } else {
                    out.push_str(&format!(" <span class=\"sub\">until {}</span>", esc(x)));
                }
            }
            if let Some(n) = &a.note {
                out.push_str(&format!("<div class=\"sub\">{}</div>", esc(n)));
            }
            if let Some(o) = &a.origin {
                out.push_str(&format!("<div class=\"sub\"><code>{}</code></div>", esc(o)));
            }
            out.push_str("</li>");
        }
        out.push_str("</ul>");
    }
    if !e.evidence.is_empty() {
        out.push_str("<ul class=\"plain\">");
        for ev in &e.evidence {
            let at = if ev.line == 0 {
                esc(&ev.document)
            } else {
                format!("{}:{}", esc(&ev.document), ev.line)
            };
            out.push_str(&format!(
                "<li><span class=\"sub\">{}</span> <code>{}</code> <code>{at}</code>",
                esc(&ev.outcome),
                esc(&ev.rule)
            ));
            if !ev.path.is_empty() {
                out.push_str(&format!(" <code>{}</code>", esc(&ev.path)));
            }
            if !ev.message.is_empty() {
                out.push_str(&format!(
                    "<div>{}</div>",
                    esc(&crate::findings::readable(
                        &ev.message,
                        (ev.outcome == "missing").then_some(ev.path.as_str())
                    ))
                ));
            }
            out.push_str("</li>");
        }
        out.push_str("</ul>");
    }
    if !e.waivers.is_empty() {
        out.push_str("<ul class=\"plain\">");
        for w in &e.waivers {
            out.push_str(&format!(
                "<li>waiver for <code>{}</code>: {} <span class=\"sub\">expires {}</span></li>",
                esc(&w.rule),
                esc(&w.reason),
                w.expires
                    .as_deref()
                    .map_or_else(|| "never".to_string(), esc)
            ));
        }
        out.push_str("</ul>");
    }
    if out.is_empty() {
        out.push_str("<span class=\"empty\">none</span>");
    }
    out
}
