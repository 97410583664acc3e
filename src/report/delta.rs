//! The control delta of `--compare` in each format. It comes first: in a pull request comment
//! the reviewer reads what the change does to the ISMS before the full report.

use std::fmt::Write;

use crate::audit::delta::Delta;

use super::escape_controls;
use super::github::{escape_data, escape_property};
use super::markdown::text;

/// Findings listed in the human and Markdown delta; the rest are counted.
const FINDINGS_SHOWN: usize = 20;

/// The delta as text for a terminal, ending with a blank line.
pub fn render_delta_human(delta: &Delta) -> String {
    let mut out = format!(
        "Changes to the ISMS (against {}):\n",
        escape_controls(&delta.base)
    );
    let lines = delta.lines();
    if lines.is_empty() {
        out.push_str("  no control changed status\n");
    }
    for line in &lines {
        let _ = writeln!(out, "  {}", escape_controls(line));
    }
    let _ = writeln!(out, "  {}", delta.totals());
    for f in delta.new_findings.iter().take(FINDINGS_SHOWN) {
        let _ = writeln!(
            out,
            "  new: {} {}:{}: {}",
            escape_controls(&f.rule),
            escape_controls(&f.document),
            f.line,
            escape_controls(&super::readable(&f.message, None))
        );
    }
    if delta.new_findings.len() > FINDINGS_SHOWN {
        let _ = writeln!(
            out,
            "  … and {} more new findings",
            delta.new_findings.len() - FINDINGS_SHOWN
        );
    }
    let _ = writeln!(out, "  {}\n", verdict(delta));
    out
}

/// The delta as the first section of the Markdown summary ("Changes to the ISMS").
pub fn render_delta_markdown(delta: &Delta) -> String {
    let mut out = String::from("## Changes to the ISMS\n\n");
    let base = delta.base.replace(['`', '\n', '\r'], "'");
    if delta.has_regressions() {
        let _ = writeln!(out, "⚠️ **{}** against `{base}`.\n", verdict(delta));
    } else {
        let _ = writeln!(out, "✅ No regressions against `{base}`.\n");
    }
    let lines = delta.lines();
    if lines.is_empty() {
        out.push_str("No control changed status.\n");
    }
    for (line, regression) in lines.iter().zip(regression_marks(delta)) {
        let _ = writeln!(
            out,
            "- {}{}",
            if regression { "**regression** " } else { "" },
            text(line)
        );
    }
    let _ = writeln!(out, "\n{}.", delta.totals());
    for (title, list) in [
        ("New findings", &delta.new_findings),
        ("Fixed findings", &delta.fixed_findings),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n<details><summary>{title} ({})</summary>\n",
            list.len()
        );
        for f in list.iter().take(FINDINGS_SHOWN) {
            let _ = writeln!(
                out,
                "- `{}` {}:{}: {} ({})",
                f.rule.replace('`', "'"),
                text(&f.document),
                f.line,
                text(&super::readable(&f.message, None)),
                f.controls.join(", ")
            );
        }
        if list.len() > FINDINGS_SHOWN {
            let _ = writeln!(out, "- … and {} more", list.len() - FINDINGS_SHOWN);
        }
        out.push_str("\n</details>\n");
    }
    out.push('\n');
    out
}

/// The delta as GitHub workflow commands: a warning per regression, a notice per other change.
pub fn render_delta_github(delta: &Delta) -> String {
    let mut out = String::new();
    for (line, regression) in delta.lines().iter().zip(regression_marks(delta)) {
        let _ = writeln!(
            out,
            "::{} title={}::{}",
            if regression { "warning" } else { "notice" },
            escape_property("annexa: ISMS change"),
            escape_data(line)
        );
    }
    let _ = writeln!(
        out,
        "::notice title={}::{}",
        escape_property("annexa: ISMS changes"),
        escape_data(&format!("{} ({})", delta.totals(), verdict(delta)))
    );
    out
}

/// The words for whether the run regressed.
fn verdict(delta: &Delta) -> String {
    if delta.has_regressions() {
        format!(
            "{} regression{}",
            delta.regressions.max(1),
            if delta.regressions.max(1) == 1 {
                ""
            } else {
                "s"
            }
        )
    } else {
        "no regressions".to_string()
    }
}

/// For each of [`Delta::lines`], whether it is a regression (the changed controls come first,
/// in the same order; automation lines are not).
fn regression_marks(delta: &Delta) -> impl Iterator<Item = bool> + '_ {
    delta
        .controls
        .iter()
        .map(|c| c.regression)
        .chain(std::iter::repeat(false))
}

/// The JSON text of a report or statement with `"delta"` added as its last key.
pub fn with_delta_json(json: &str, delta: &Delta) -> String {
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(json) else {
        return json.to_string();
    };
    if let (Some(obj), Ok(d)) = (value.as_object_mut(), serde_json::to_value(delta)) {
        obj.insert("delta".into(), d);
    }
    let mut out = serde_json::to_string_pretty(&value).unwrap_or_else(|_| json.to_string());
    out.push('\n');
    out
}
