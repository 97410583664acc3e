//! `annexa check --format html`: verdict, counts and coverage, the chart of control status by
//! theme, waivers, the filterable table of rules and their findings (with the fact file's
//! lines), and the controls theme by theme.

use crate::audit::soa::{Applicability, SoaEntry, statement};
use crate::findings::{EvidenceGap, NOT_IN_SCOPE, Reason, Report, RuleResult, Status, Violation};
use crate::report::snippet::SourceCache;

use super::chart::{THEMES, status_by_theme};
use super::page::{badge, cards, filters, page};
use super::{esc, excerpt_html};

/// Lines of context shown above and below a finding's line.
const CONTEXT: u32 = 2;

/// The report as one HTML page; fact-file excerpts come from `sources` (a disabled cache
/// gives a page without them).
pub fn render_check(report: &Report, sources: &mut SourceCache) -> String {
    let rules: Vec<(String, Vec<String>)> = report
        .results
        .iter()
        .map(|r| (r.rule.clone(), r.controls.clone()))
        .collect();
    let soa = statement(&rules, Some(report), &Applicability::default());
    let mut body = String::new();
    body.push_str(&header(report));
    body.push_str(&summary(report, &soa));
    body.push_str("<h2>Control status by theme</h2>\n");
    body.push_str(&status_by_theme(&soa.controls));
    body.push_str(&notes(report));
    body.push_str(&waivers(report));

    let (in_scope, out_of_scope): (Vec<&RuleResult>, Vec<&RuleResult>) = report
        .results
        .iter()
        .partition(|r| r.skip_reason.as_deref() != Some(NOT_IN_SCOPE));
    let mut ordered = in_scope;
    // failures first: that is what a reader of a failed run looks for
    ordered.sort_by_key(|r| rank(r.status));
    body.push_str("<h2 id=\"findings\">Rules and findings</h2>\n");
    let mut statuses: Vec<&str> = ordered.iter().map(|r| r.status.as_str()).collect();
    statuses.extend(soa.controls.iter().map(|e| e.status.as_str()));
    body.push_str(&filters(&[
        ("f-status", "Status", present(&statuses)),
        (
            "f-severity",
            "Severity",
            ["critical", "high", "medium", "low", "info"]
                .iter()
                .filter(|s| ordered.iter().any(|r| r.severity.as_str() == **s))
                .map(|s| (*s).to_string())
                .collect(),
        ),
    ]));
    body.push_str(&rule_table(&ordered, sources));
    body.push_str(&not_in_scope(&out_of_scope));
    let idle: Vec<&str> = out_of_scope.iter().map(|r| r.rule.as_str()).collect();
    for (key, name, clause) in THEMES {
        let entries: Vec<&SoaEntry> = soa.controls.iter().filter(|e| e.theme == key).collect();
        body.push_str(&format!(
            "<section class=\"theme\">\n<h2>{} controls <span class=\"sub\">({}, {} controls)</span></h2>\n",
            esc(name),
            esc(clause),
            entries.len()
        ));
        body.push_str(&control_table(&entries, &idle));
        body.push_str("</section>\n");
    }
    page("annexa check report", &body)
}

fn rank(s: Status) -> u8 {
    match s {
        Status::Fail => 0,
        Status::Error => 1,
        Status::Incomplete => 2,
        Status::Waived => 3,
        Status::Pass => 4,
        Status::Skip => 5,
    }
}

/// The distinct statuses among `all`, in first-seen order.
fn present(all: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in all {
        if !out.iter().any(|o| o == s) {
            out.push((*s).to_string());
        }
    }
    out
}

fn header(report: &Report) -> String {
    let failed = report.summary.failed + report.summary.errors > 0;
    let (class, word) = if failed {
        ("bad", "FAILED")
    } else if report.summary.incomplete > 0 {
        ("warn", "INCOMPLETE")
    } else {
        ("ok", "PASSED")
    };
    let mut out = String::from(
        "<header class=\"top\">\n<div class=\"kicker\">ISO/IEC 27001:2022 Annex A · policy check</div>\n",
    );
    out.push_str(&format!(
        "<h1>annexa check report <span class=\"verdict {class}\">{word}</span></h1>\n<dl class=\"meta\">"
    ));
    out.push_str(&format!("<dt>annexa</dt><dd>{}</dd>", esc(&report.annexa)));
    let mut files: Vec<&str> = report
        .results
        .iter()
        .flat_map(|r| {
            r.violations
                .iter()
                .chain(&r.waived)
                .map(|v| v.document.as_str())
                .chain(r.evidence_gaps.iter().map(|g| g.document.as_str()))
        })
        .collect();
    files.sort_unstable();
    files.dedup();
    if let Some(counts) = &report.files {
        out.push_str(&format!(
            "<dt>fact files</dt><dd>{} read, {} recognised by a pack</dd>",
            counts.total, counts.recognised
        ));
    }
    if !files.is_empty() {
        let list: Vec<String> = files
            .iter()
            .map(|f| format!("<code>{}</code>", esc(f)))
            .collect();
        out.push_str(&format!(
            "<dt>with findings</dt><dd>{}</dd>",
            list.join(", ")
        ));
    }
    out.push_str(&format!(
        "<dt>configuration</dt><dd>{}</dd>",
        report.config.as_deref().map_or_else(
            || "none".to_string(),
            |c| format!("<code>{}</code>", esc(c))
        )
    ));
    out.push_str("</dl>\n</header>\n");
    out
}

fn summary(report: &Report, soa: &crate::audit::soa::Statement) -> String {
    let s = &report.summary;
    let mut out = String::from("<h2>Summary</h2>\n");
    out.push_str(&cards(
        &soa.coverage,
        "Annex A controls checked by rules",
        &[
            (s.rules, "rules"),
            (s.passed, "passed"),
            (s.failed, "failed"),
            (s.incomplete, "incomplete"),
            (s.waived, "waived"),
            (s.skipped, "skipped"),
            (s.errors, "errors"),
            (s.violations, "violations"),
        ],
        "Coverage: ",
    ));
    out
}

fn notes(report: &Report) -> String {
    if report.notes.is_empty() && report.unreadable.is_empty() {
        return String::new();
    }
    let mut out = String::from("<h2>Notes</h2>\n<ul class=\"notes\">\n");
    for n in &report.notes {
        out.push_str(&format!("<li>{}</li>\n", esc(n)));
    }
    for u in &report.unreadable {
        out.push_str(&format!(
            "<li>unreadable fact file <code>{}</code>: {}</li>\n",
            esc(&u.file),
            esc(&u.message)
        ));
    }
    out.push_str("</ul>\n");
    out
}

fn waivers(report: &Report) -> String {
    let waived: Vec<&RuleResult> = report
        .results
        .iter()
        .filter(|r| r.waiver.is_some() || !r.waived.is_empty())
        .collect();
    let mut out = String::from("<h2>Waivers</h2>\n");
    if waived.is_empty() {
        out.push_str("<p class=\"empty\">No finding is waived.</p>\n");
        return out;
    }
    out.push_str("<table>\n<colgroup><col style=\"width:26%\"><col><col style=\"width:110px\"><col style=\"width:100px\"><col style=\"width:18%\"><col style=\"width:80px\"></colgroup>\n<thead><tr><th>Rule</th><th>Reason</th><th>Owner</th><th>Expires</th><th>Source</th><th>Findings covered</th></tr></thead>\n<tbody>\n");
    for r in waived {
        let (reason, owner, expires, source) = match &r.waiver {
            Some(w) => (
                esc(&w.reason),
                w.owner.as_deref().map_or_else(String::new, esc),
                w.expires
                    .as_deref()
                    .map_or_else(|| "never".to_string(), esc),
                format!("<code>{}</code>", esc(&w.source)),
            ),
            None => (
                "<span class=\"sub\">individual findings (waivers file or baseline)</span>".into(),
                String::new(),
                String::new(),
                String::new(),
            ),
        };
        out.push_str(&format!(
            "<tr><td class=\"id\"><code>{}</code></td><td>{reason}</td><td>{owner}</td><td>{expires}</td><td>{source}</td><td>{}</td></tr>\n",
            esc(&r.rule),
            r.waived.len()
        ));
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

fn rule_table(rules: &[&RuleResult], sources: &mut SourceCache) -> String {
    let mut out = String::from(
        "<table id=\"rules\">\n<colgroup><col style=\"width:74px\"><col style=\"width:82px\"><col style=\"width:27%\"><col style=\"width:86px\"><col></colgroup>\n<thead><tr><th>Status</th><th>Severity</th><th>Rule</th><th>Controls</th><th>Findings</th></tr></thead>\n<tbody>\n",
    );
    if rules.is_empty() {
        out.push_str(
            "<tr><td colspan=\"5\" class=\"empty\">No rule had a document in scope.</td></tr>\n",
        );
    }
    for r in rules {
        out.push_str(&format!(
            "<tr class=\"row\" data-status=\"{}\" data-severity=\"{}\">",
            esc(r.status.as_str()),
            esc(r.severity.as_str())
        ));
        out.push_str(&format!("<td>{}</td>", badge(r.status.as_str())));
        out.push_str(&format!(
            "<td><span class=\"sev sev-{0}\">{0}</span></td>",
            esc(r.severity.as_str())
        ));
        out.push_str(&format!(
            "<td><div class=\"title\">{}</div><div class=\"sub\"><code>{}</code>",
            esc(&r.title),
            esc(&r.rule)
        ));
        if !r.source.file.is_empty() {
            out.push_str(&format!(
                " · <code>{}:{}</code>",
                esc(&r.source.file),
                r.source.line
            ));
        }
        out.push_str("</div>");
        if let Some(d) = &r.source.description {
            out.push_str(&format!("<div class=\"sub\">{}</div>", esc(d)));
        }
        out.push_str("</td>");
        let controls: Vec<String> = r
            .controls
            .iter()
            .map(|c| format!("<code>{}</code>", esc(c)))
            .collect();
        out.push_str(&format!("<td>{}</td>", controls.join(" ")));
        out.push_str("<td>");
        out.push_str(&findings(r, sources));
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

fn findings(r: &RuleResult, sources: &mut SourceCache) -> String {
    let mut out = String::new();
    for v in &r.violations {
        out.push_str(&violation(v, false, sources));
    }
    for g in &r.evidence_gaps {
        out.push_str(&gap(g, sources));
    }
    for v in &r.waived {
        out.push_str(&violation(v, true, sources));
    }
    if let Some(e) = &r.error {
        out.push_str(&format!(
            "<div class=\"finding\"><div class=\"msg\"><strong>error:</strong> {}</div></div>",
            esc(e)
        ));
    }
    if let Some(reason) = &r.skip_reason {
        out.push_str(&format!(
            "<div class=\"sub\">skipped: {}</div>",
            esc(reason)
        ));
    }
    if out.is_empty() {
        out.push_str(&format!(
            "<span class=\"sub\">{} subject{} checked</span>",
            r.subjects,
            if r.subjects == 1 { "" } else { "s" }
        ));
    } else if let Some(fix) = r
        .source
        .remediation
        .as_ref()
        .filter(|_| !r.violations.is_empty() || !r.evidence_gaps.is_empty())
    {
        out.push_str(&format!(
            "<div class=\"sub\"><strong>Remediation:</strong> {}</div>",
            esc(fix)
        ));
    }
    out
}

/// `file:line:column`, with the document's position in a multi-document file.
fn location(document: &str, index: usize, line: u32, column: u32) -> String {
    let mut out = format!("{}:{line}:{column}", esc(document));
    if index > 0 {
        out.push_str(&format!(" (document {})", index + 1));
    }
    out
}

fn violation(v: &Violation, waived: bool, sources: &mut SourceCache) -> String {
    let (class, word) = match (waived, v.reason) {
        (true, _) => ("finding waived", "waived"),
        (false, Reason::Missing) => ("finding missing", "missing fact"),
        (false, Reason::Failed) => ("finding", "violation"),
    };
    let mut out = format!(
        "<div class=\"{class}\"><div class=\"loc\">{} <span class=\"sub\">· {word}",
        location(&v.document, v.document_index, v.line, v.column)
    );
    if !v.path.is_empty() {
        out.push_str(&format!(" · <code>{}</code>", esc(&v.path)));
    }
    out.push_str(&format!(
        "</span></div><div class=\"msg\">{}</div>",
        esc(&crate::report::violation_message(v))
    ));
    if let Some(e) = sources.excerpt(&v.document, v.line, v.column, CONTEXT) {
        out.push_str(&excerpt_html(&e));
    }
    out.push_str("</div>");
    out
}

fn gap(g: &EvidenceGap, sources: &mut SourceCache) -> String {
    let mut out = format!(
        "<div class=\"finding missing\"><div class=\"loc\">{} <span class=\"sub\">· evidence gap",
        location(&g.document, g.document_index, g.line, g.column)
    );
    if !g.path.is_empty() {
        out.push_str(&format!(" · <code>{}</code>", esc(&g.path)));
    }
    out.push_str(&format!(
        "</span></div><div class=\"msg\">{}</div>",
        esc(&crate::report::gap_message(g))
    ));
    if let Some(e) = sources.excerpt(&g.document, g.line, g.column, CONTEXT) {
        out.push_str(&excerpt_html(&e));
    }
    out.push_str("</div>");
    out
}

fn not_in_scope(rules: &[&RuleResult]) -> String {
    if rules.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<details class=\"scope\"><summary>{} rule{} had no fact document in scope</summary>\n<ul class=\"plain\">\n",
        rules.len(),
        if rules.len() == 1 { "" } else { "s" }
    );
    for r in rules {
        out.push_str(&format!(
            "<li><code>{}</code> <span class=\"sub\">{}</span></li>\n",
            esc(&r.rule),
            esc(&r.title)
        ));
    }
    out.push_str("</ul>\n</details>\n");
    out
}

/// The controls of a theme; rules no document was in scope of are counted, not listed (a
/// control of the built-in packs has dozens, for other platforms).
fn control_table(entries: &[&SoaEntry], idle: &[&str]) -> String {
    let mut out = String::from(
        "<table>\n<colgroup><col style=\"width:80px\"><col style=\"width:32%\"><col style=\"width:130px\"><col></colgroup>\n<thead><tr><th>Control</th><th>Title</th><th>Status</th><th>Rules</th></tr></thead>\n<tbody>\n",
    );
    for e in entries {
        out.push_str(&format!(
            "<tr class=\"row\" data-status=\"{}\"><td class=\"id\">{}</td><td>{}</td><td>{}</td><td>",
            esc(e.status.as_str()),
            esc(&e.id),
            esc(&e.title),
            badge(e.status.as_str())
        ));
        let (ran, not_run): (Vec<_>, Vec<_>) =
            e.rules.iter().partition(|r| !idle.contains(&r.id.as_str()));
        if e.rules.is_empty() {
            out.push_str("<span class=\"sub\">no rule</span>");
        } else {
            out.push_str("<ul class=\"plain\">");
            for r in ran {
                out.push_str(&format!(
                    "<li><code>{}</code> {}</li>",
                    esc(&r.id),
                    r.status.as_deref().map_or_else(String::new, badge)
                ));
            }
            if !not_run.is_empty() {
                out.push_str(&format!(
                    "<li class=\"sub\">{} rule{} with no document in scope</li>",
                    not_run.len(),
                    if not_run.len() == 1 { "" } else { "s" }
                ));
            }
            out.push_str("</ul>");
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}
