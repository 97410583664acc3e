//! Control deltas (`--compare BASE`): which Annex A controls changed status between an earlier
//! run and this one, which findings are new or fixed, which controls became (or stopped being)
//! checked by rules, and the coverage number before and after. A pull request comment leads
//! with it, so reviewers see what the change does to the ISMS.
//!
//! Both sides are first reduced to a [`Side`]: per control, a status word and whether rules
//! check it; and the open findings, each with the controls it counts against. Findings of
//! check reports match by `fingerprint`; those of a statement (which carries no fingerprint)
//! by rule, file, pointer and message.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::audit::soa::{Automation, Statement};
use crate::controls::compare_ids;
use crate::findings::{Report, Status};

/// What changed between a base run and this one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Delta {
    /// The base file, as named on the command line.
    pub base: String,
    /// Controls whose status changed or that have new or fixed findings, in control order.
    pub controls: Vec<ControlChange>,
    /// Controls that rules check now and did not in the base.
    pub newly_automated: Vec<String>,
    /// Controls that rules checked in the base and no longer do.
    pub no_longer_automated: Vec<String>,
    /// Findings of this run the base did not have.
    pub new_findings: Vec<FindingRef>,
    /// Findings of the base this run no longer has.
    pub fixed_findings: Vec<FindingRef>,
    /// Controls checked by rules, before and after.
    pub coverage: Change<usize>,
    /// Controls that got worse plus new findings: what `--fail-on-regression` fails on.
    pub regressions: usize,
}

/// A before and an after.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Change<T> {
    /// In the base.
    pub before: T,
    /// In this run.
    pub after: T,
}

/// One control's change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlChange {
    /// `A.8.24`.
    pub id: String,
    /// Its status in the base (`none` when the base did not list it) and now.
    pub status: Change<String>,
    /// Findings against it that are new.
    pub new_findings: usize,
    /// Findings against it that are fixed.
    pub fixed_findings: usize,
    /// Whether its status got worse or it has new findings.
    pub regression: bool,
}

/// A finding, as the delta names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FindingRef {
    /// The rule.
    pub rule: String,
    /// The fact file and 1-based line.
    pub document: String,
    /// 1-based line.
    pub line: u32,
    /// The finding's message.
    pub message: String,
    /// The controls it counts against.
    pub controls: Vec<String>,
    /// Its identity (the report's `fingerprint`, or rule, file, pointer and message).
    #[serde(skip)]
    key: String,
}

/// One side of a comparison.
#[derive(Debug, Clone, Default)]
pub struct Side {
    /// Control id → (status word, checked by rules).
    controls: BTreeMap<String, (String, bool)>,
    /// Open findings by identity.
    findings: BTreeMap<String, FindingRef>,
    /// Controls checked by rules.
    checked: usize,
}

impl Side {
    /// The side of a `check` report: every control a rule maps to, its roll-up status, and
    /// the violations that are not waived.
    pub fn of_report(report: &Report) -> Side {
        let controls: BTreeMap<String, (String, bool)> = report
            .controls
            .iter()
            .map(|c| {
                let word = match c.status {
                    Status::Error => "fail",
                    s => s.as_str(),
                };
                (c.id.clone(), (word.to_string(), true))
            })
            .collect();
        let mut findings = BTreeMap::new();
        for r in &report.results {
            for v in &r.violations {
                let key = if v.fingerprint.is_empty() {
                    format!(
                        "{}\u{0}{}\u{0}{}\u{0}{}",
                        r.rule, v.document, v.path, v.message
                    )
                } else {
                    v.fingerprint.clone()
                };
                findings.insert(
                    key.clone(),
                    FindingRef {
                        rule: r.rule.clone(),
                        document: v.document.clone(),
                        line: v.line,
                        message: v.message.clone(),
                        controls: r.controls.clone(),
                        key,
                    },
                );
            }
        }
        Side {
            checked: controls.len(),
            controls,
            findings,
        }
    }

    /// The side of a statement: every control with its status and automation, and the
    /// evidence that is a violation or a missing fact.
    pub fn of_statement(statement: &Statement) -> Side {
        let mut findings: BTreeMap<String, FindingRef> = BTreeMap::new();
        let mut controls = BTreeMap::new();
        for e in &statement.controls {
            controls.insert(
                e.id.clone(),
                (
                    e.status.as_str().to_string(),
                    e.automation != Automation::Manual,
                ),
            );
            for x in e
                .evidence
                .iter()
                .filter(|x| matches!(x.outcome.as_str(), "violation" | "missing"))
            {
                let key = format!(
                    "{}\u{0}{}\u{0}{}\u{0}{}",
                    x.rule, x.document, x.path, x.message
                );
                findings
                    .entry(key.clone())
                    .or_insert_with(|| FindingRef {
                        rule: x.rule.clone(),
                        document: x.document.clone(),
                        line: x.line,
                        message: x.message.clone(),
                        controls: Vec::new(),
                        key,
                    })
                    .controls
                    .push(e.id.clone());
            }
        }
        Side {
            checked: statement.coverage.checked,
            controls,
            findings,
        }
    }
}

/// How bad a status is, for "got worse": passing and accepted states first, then what is not
/// known, then what needs work, then failures.
fn rank(status: &str) -> u8 {
    match status {
        "pass" | "not applicable" => 0,
        "waived" | "attested" => 1,
        "none" | "skip" | "not evaluated" | "gap" => 2,
        "incomplete" | "evidence expired" => 3,
        _ => 4,
    }
}

/// What changed from `base` to `head`; `base_name` is the base file as given.
pub fn compare(base: &Side, head: &Side, base_name: &str) -> Delta {
    let new_findings: Vec<FindingRef> = head
        .findings
        .iter()
        .filter(|(k, _)| !base.findings.contains_key(*k))
        .map(|(_, f)| f.clone())
        .collect();
    let fixed_findings: Vec<FindingRef> = base
        .findings
        .iter()
        .filter(|(k, _)| !head.findings.contains_key(*k))
        .map(|(_, f)| f.clone())
        .collect();
    let count = |list: &[FindingRef], id: &str| {
        list.iter()
            .filter(|f| f.controls.iter().any(|c| c == id))
            .count()
    };
    let mut ids: Vec<&String> = base
        .controls
        .keys()
        .chain(head.controls.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    ids.sort_by(|a, b| compare_ids(a, b));
    let none = ("none".to_string(), false);
    let mut delta = Delta {
        base: base_name.to_string(),
        coverage: Change {
            before: base.checked,
            after: head.checked,
        },
        ..Delta::default()
    };
    for id in ids {
        let (before, was_checked) = base.controls.get(id).unwrap_or(&none);
        let (after, is_checked) = head.controls.get(id).unwrap_or(&none);
        match (was_checked, is_checked) {
            (false, true) => delta.newly_automated.push(id.clone()),
            (true, false) => delta.no_longer_automated.push(id.clone()),
            _ => {}
        }
        let new = count(&new_findings, id);
        let fixed = count(&fixed_findings, id);
        if before == after && new == 0 && fixed == 0 {
            continue;
        }
        let regression = rank(after) > rank(before) || new > 0;
        delta.controls.push(ControlChange {
            id: id.clone(),
            status: Change {
                before: before.clone(),
                after: after.clone(),
            },
            new_findings: new,
            fixed_findings: fixed,
            regression,
        });
    }
    delta.regressions = delta.controls.iter().filter(|c| c.regression).count()
        + new_findings
            .iter()
            .filter(|f| f.controls.is_empty())
            .count();
    let by_place = |a: &FindingRef, b: &FindingRef| {
        (&a.document, a.line, &a.rule, &a.message).cmp(&(&b.document, b.line, &b.rule, &b.message))
    };
    let (mut new_findings, mut fixed_findings) = (new_findings, fixed_findings);
    new_findings.sort_by(by_place);
    fixed_findings.sort_by(by_place);
    delta.new_findings = new_findings;
    delta.fixed_findings = fixed_findings;
    delta
}

impl Delta {
    /// Whether anything got worse: what `--fail-on-regression` fails the run on.
    pub fn has_regressions(&self) -> bool {
        self.regressions > 0 || !self.new_findings.is_empty()
    }

    /// One line per changed control, the way every format words it:
    /// `A.8.24 pass → fail: 2 new findings`, `A.5.14 newly automated`.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for c in &self.controls {
            let automated = self.newly_automated.contains(&c.id);
            let mut line = if automated {
                format!("{} newly automated ({})", c.id, c.status.after)
            } else if c.status.before == c.status.after {
                format!("{} {}", c.id, c.status.after)
            } else {
                format!("{} {} → {}", c.id, c.status.before, c.status.after)
            };
            let mut counts = Vec::new();
            if c.new_findings > 0 {
                counts.push(plural(c.new_findings, "new finding"));
            }
            if c.fixed_findings > 0 {
                counts.push(plural(c.fixed_findings, "fixed finding"));
            }
            if !counts.is_empty() {
                line.push_str(": ");
                line.push_str(&counts.join(", "));
            }
            out.push(line);
        }
        for id in &self.newly_automated {
            if !self.controls.iter().any(|c| &c.id == id) {
                out.push(format!("{id} newly automated"));
            }
        }
        for id in &self.no_longer_automated {
            out.push(format!("{id} no longer automated"));
        }
        out
    }

    /// The totals line: `2 new findings, 1 fixed; 7 → 8 controls checked by rules`.
    pub fn totals(&self) -> String {
        format!(
            "{}, {} fixed; {} → {} controls checked by rules",
            plural(self.new_findings.len(), "new finding"),
            self.fixed_findings.len(),
            self.coverage.before,
            self.coverage.after
        )
    }
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests;
