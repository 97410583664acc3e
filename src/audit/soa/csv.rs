//! The statement as CSV (RFC 4180 quoting) for a spreadsheet.

use super::model::Statement;

/// Two `#` lines (the coverage number, the provenance), a header, then one row per control;
/// lists inside a cell are separated by `;`.
pub fn render_csv(soa: &Statement) -> String {
    let run = &soa.run;
    let mut out = format!("# {}\n", soa.coverage.sentence());
    let mut provenance = vec![
        format!("annexa {}", soa.annexa),
        format!("date {}", run.date),
    ];
    if let Some(commit) = &run.commit {
        provenance.push(format!("commit {commit}"));
    }
    if let Some(report) = &run.report {
        provenance.push(format!("report {report}"));
    }
    if let Some(file) = &run.applicability {
        provenance.push(format!("applicability {file}"));
    }
    out.push_str(&format!("# {}\n", provenance.join("; ")));
    out.push_str("id,theme,title,applicable,reasons,justification,implementation,owner,rules,automation,attestations,status,evidence,waivers\n");
    for e in &soa.controls {
        let rules: Vec<&str> = e.rules.iter().map(|r| r.id.as_str()).collect();
        let attestations: Vec<String> = e
            .attestations
            .iter()
            .map(|a| {
                let until = match (&a.expires, a.expired) {
                    (Some(d), true) => format!(" expired {d}"),
                    (Some(d), false) => format!(" until {d}"),
                    (None, _) => String::new(),
                };
                format!("{} ({} {}{until})", a.reference, a.by, a.date)
            })
            .collect();
        let mut evidence: Vec<String> = e
            .evidence
            .iter()
            .map(|ev| format!("{} {}:{}", ev.outcome, ev.document, ev.line))
            .collect();
        evidence.dedup();
        let waivers: Vec<&str> = e.waivers.iter().map(|w| w.rule.as_str()).collect();
        let fields = [
            e.id.clone(),
            e.theme.clone(),
            e.title.clone(),
            if e.applicable { "yes" } else { "no" }.to_string(),
            e.reasons.join(";"),
            e.justification.clone(),
            e.implementation.clone().unwrap_or_default(),
            e.owner.clone().unwrap_or_default(),
            rules.join(";"),
            e.automation.as_str().to_string(),
            attestations.join(";"),
            e.status_text(),
            evidence.join(";"),
            waivers.join(";"),
        ];
        let quoted: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&quoted.join(","));
        out.push('\n');
    }
    out
}

fn csv_field(f: &str) -> String {
    if f.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn quotes_what_needs_quoting() {
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
