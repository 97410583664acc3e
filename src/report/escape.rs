//! Control characters from facts, policies and file names never reach a terminal raw.
//!
//! A fact value holding `"\n PASS x"` would otherwise forge a report line, and
//! `"\u{1b}]52;c;…"` would write to the clipboard of whoever reads the report in a terminal
//! (OSC 52). Every text format (human, Markdown, GitHub) renders a [`terminal_safe`] copy of
//! the report, whose strings went through the one function [`escape_controls`].

use std::borrow::Cow;

use crate::findings::{EvidenceGap, Report, RuleResult, Violation};

/// Whether `c` is shown escaped: C0 controls (TAB, LF and CR included), DEL, C1 controls, and
/// the bidirectional overrides and isolates that reorder what a reader sees ("Trojan Source").
fn is_hostile(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every control character written as a visible Rust-style escape, `\u{1b}` for
/// ESC, `\u{a}` for LF; other text unchanged (borrowed when nothing needed escaping).
///
/// ```
/// use annexa::unstable::report::escape_controls;
/// assert_eq!(escape_controls("a\n PASS x"), "a\\u{a} PASS x");
/// assert_eq!(escape_controls("\u{1b}]52;c;aGk=\u{7}"), "\\u{1b}]52;c;aGk=\\u{7}");
/// assert_eq!(escape_controls("plain é"), "plain é");
/// ```
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hostile) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hostile(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn fix(text: &mut String) {
    if let Cow::Owned(escaped) = escape_controls(text) {
        *text = escaped;
    }
}

fn fix_all(texts: &mut [String]) {
    texts.iter_mut().for_each(fix);
}

fn fix_violation(v: &mut Violation) {
    fix(&mut v.message);
    fix(&mut v.document);
    fix(&mut v.subject);
    fix(&mut v.path);
}

fn fix_gap(g: &mut EvidenceGap) {
    fix(&mut g.message);
    fix(&mut g.document);
    fix(&mut g.path);
    fix(&mut g.construct);
}

fn fix_result(r: &mut RuleResult) {
    fix(&mut r.rule);
    fix(&mut r.title);
    fix_all(&mut r.controls);
    r.violations.iter_mut().for_each(fix_violation);
    r.waived.iter_mut().for_each(fix_violation);
    r.evidence_gaps.iter_mut().for_each(fix_gap);
    r.skip_reason.iter_mut().for_each(fix);
    r.error.iter_mut().for_each(fix);
    if let Some(w) = &mut r.waiver {
        fix(&mut w.reason);
        fix(&mut w.source);
        w.owner.iter_mut().for_each(fix);
        w.expires.iter_mut().for_each(fix);
    }
    fix(&mut r.source.file);
    r.source.description.iter_mut().for_each(fix);
    r.source.remediation.iter_mut().for_each(fix);
    fix_all(&mut r.source.tags);
}

/// A copy of `report` with every string through [`escape_controls`], for the text formats.
pub fn terminal_safe(report: &Report) -> Report {
    let mut safe = report.clone();
    safe.config.iter_mut().for_each(fix);
    safe.results.iter_mut().for_each(fix_result);
    for c in &mut safe.controls {
        fix(&mut c.title);
        fix_all(&mut c.rules);
    }
    safe
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_is_escaped_and_the_rest_kept() {
        assert_eq!(
            escape_controls("a\tb\rc\u{7f}d\u{85}e"),
            "a\\u{9}b\\u{d}c\\u{7f}d\\u{85}e"
        );
        assert_eq!(escape_controls("x\u{202e}y"), "x\\u{202e}y");
        assert!(matches!(escape_controls("ok: ü ✓"), Cow::Borrowed(_)));
    }
}
