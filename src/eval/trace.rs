//! Tracing one rule's evaluation (`annexa explain`) and recording which `require`s were reached
//! (`annexa test --coverage`).
//!
//! Both are off in a normal run: the evaluator holds an `Option` for each and records nothing,
//! allocates nothing, when it is `None`. Events are recorded only at statement level (`for`,
//! subjects, `let`, `if`, `require`), never per expression.

use std::collections::HashSet;

use serde::Serialize;

use crate::compile::{Program, RuleId};
use crate::findings::{EvidenceGap, Status, Violation};

/// Where something is written in a policy file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceLoc {
    /// The policy file.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// A fact of the document being evaluated: where it is, or where it would have been.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FactLoc {
    /// JSON Pointer of the fact (for an absent fact: the pointer that was asked for).
    pub pointer: String,
    /// The fact file.
    pub document: String,
    /// Index of the document in a multi-document file (0 for the first).
    pub document_index: usize,
    /// 1-based line of the fact (for an absent fact: of its nearest present parent).
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// True when the fact is absent.
    pub missing: bool,
}

/// A value shown in a trace: the expression as written and what it evaluated to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Operand {
    /// The expression's source text.
    pub text: String,
    /// The value as compact JSON (strings quoted), `missing` when absent, shortened when long.
    pub value: String,
    /// The fact it is, when it is one of the document's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fact: Option<FactLoc>,
}

/// The three-valued result of a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It held.
    True,
    /// It did not.
    False,
    /// A fact it needed is absent.
    Missing,
}

impl Outcome {
    /// `true`, `false` or `missing`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::True => "true",
            Outcome::False => "false",
            Outcome::Missing => "missing",
        }
    }
}

/// Which way an `if` went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Branch {
    /// The condition held: the first block.
    Then,
    /// The condition was false: the `else` block (possibly empty).
    Else,
    /// The condition could not be decided: the `else` block, and an evidence gap.
    MissingElse,
}

/// One step of a traced rule, in evaluation order. `depth` is the nesting (a subject is one
/// deeper than its `for`, the statements of its body one deeper again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TraceEvent {
    /// A `for` about to iterate.
    For {
        /// Nesting.
        depth: usize,
        /// The name bound to each element.
        binding: String,
        /// The iterated expression as written.
        over: String,
        /// Where the `for` is.
        at: SourceLoc,
        /// How many elements it binds; `None` when the iterated value is missing (an evidence
        /// gap, nothing bound).
        elements: Option<usize>,
        /// The missing fact, when `elements` is `None`.
        #[serde(skip_serializing_if = "Option::is_none")]
        fact: Option<FactLoc>,
    },
    /// One element bound by a `for`: a subject.
    Subject {
        /// Nesting.
        depth: usize,
        /// The name bound.
        binding: String,
        /// 0-based position among the `for`'s elements.
        index: usize,
        /// The element, when it is a fact of the document.
        #[serde(skip_serializing_if = "Option::is_none")]
        fact: Option<FactLoc>,
        /// The element's value, shortened, when it is not a fact (a computed list's element).
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<String>,
    },
    /// A local `let`.
    Let {
        /// Nesting.
        depth: usize,
        /// The name and value.
        operand: Operand,
    },
    /// An `if`.
    If {
        /// Nesting.
        depth: usize,
        /// The condition as written.
        text: String,
        /// Where the condition is.
        at: SourceLoc,
        /// What it evaluated to.
        outcome: Outcome,
        /// The branch taken.
        branch: Branch,
        /// The fact that decided it, when one did.
        #[serde(skip_serializing_if = "Option::is_none")]
        decided_by: Option<Operand>,
    },
    /// A `require`.
    Require {
        /// Nesting.
        depth: usize,
        /// The check as written.
        text: String,
        /// Where the `require` is.
        at: SourceLoc,
        /// The values of its operands (constants left out).
        operands: Vec<Operand>,
        /// What it evaluated to.
        outcome: Outcome,
        /// The fact that decided it (the violation's location), when one did.
        #[serde(skip_serializing_if = "Option::is_none")]
        decided_by: Option<Operand>,
        /// The violation message, when it did not hold.
        #[serde(skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
}

/// A `when` dependency of the traced rule and how it ended on the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WhenDep {
    /// The dependency's rule id.
    pub rule: String,
    /// Its status on this document.
    pub status: Status,
}

/// One rule traced on one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleTrace {
    /// The rule id.
    pub rule: String,
    /// Where the rule is written.
    pub at: SourceLoc,
    /// The fact file.
    pub document: String,
    /// Index of the document in a multi-document file.
    pub document_index: usize,
    /// The rule's `when` dependencies, with their status on this document.
    pub when: Vec<WhenDep>,
    /// How the rule ended on this document.
    pub status: Status,
    /// Why it was skipped, or what the error was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Subjects (elements bound by an outermost `for`; 1 without one).
    pub subjects: usize,
    /// What happened, in order (empty when a `when` dependency did not pass).
    pub events: Vec<TraceEvent>,
    /// The violations, as `annexa check` reports them.
    pub violations: Vec<Violation>,
    /// The evidence gaps, as `annexa check` reports them.
    pub evidence_gaps: Vec<EvidenceGap>,
}

/// The `require`s reached during evaluations, as `(rule, byte offset of the require)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReachedRequires {
    pub(crate) set: HashSet<(RuleId, usize)>,
}

impl ReachedRequires {
    /// An empty record.
    pub fn new() -> ReachedRequires {
        ReachedRequires::default()
    }

    /// True when the `require` at byte offset `order` of rule `rule` was reached.
    pub fn contains(&self, rule: RuleId, order: usize) -> bool {
        self.set.contains(&(rule, order))
    }

    /// How many distinct `require`s were reached.
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// True when none was.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// Adds everything `other` reached.
    pub fn merge(&mut self, other: &ReachedRequires) {
        self.set.extend(other.set.iter().copied());
    }
}

/// A rule name that names no rule, or several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleLookupError {
    /// What is wrong, in a sentence.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

/// Finds the rule `name` means: its full id, or a unique dotted suffix (`training_data_encrypted`,
/// `data_protection.training_data_encrypted`).
pub fn resolve_rule(program: &Program, name: &str) -> Result<RuleId, RuleLookupError> {
    if let Some(i) = program.rules.iter().position(|r| r.id == name) {
        return Ok(i);
    }
    let suffix = format!(".{name}");
    let matches: Vec<RuleId> = (program.rules.iter().enumerate())
        .filter(|(_, r)| r.id.ends_with(&suffix))
        .map(|(i, _)| i)
        .collect();
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => {
            let short = name.rsplit('.').next().unwrap_or(name);
            let close =
                crate::diagnostics::nearest(name, program.rules.iter().map(|r| r.id.as_str()))
                    .or_else(|| {
                        crate::diagnostics::nearest(
                            short,
                            program.rules.iter().map(|r| r.name.as_str()),
                        )
                        .and_then(|n| program.rules.iter().find(|r| r.name == n))
                        .map(|r| r.id.as_str())
                    });
            let help = match close {
                Some(id) => format!("did you mean `{id}`?"),
                None if program.rules.is_empty() => "the loaded policies declare no rule".into(),
                None => {
                    "`annexa graph` lists the loaded rules; give a rule id or its last segments"
                        .into()
                }
            };
            Err(RuleLookupError {
                message: format!("no rule named `{name}`"),
                help,
            })
        }
        many => {
            let ids: Vec<&str> = many
                .iter()
                .filter_map(|i| program.rules.get(*i).map(|r| r.id.as_str()))
                .collect();
            Err(RuleLookupError {
                message: format!("`{name}` is ambiguous"),
                help: format!("give more of the id: {}", ids.join(" or ")),
            })
        }
    }
}

/// Shortens a rendering to `max` characters, with `…`.
pub(crate) fn shorten(s: String, max: usize) -> String {
    if s.chars().count() > max {
        s.chars().take(max).collect::<String>() + "…"
    } else {
        s
    }
}

/// The name a statement binds: the word after the last `keyword` before `before` on its line
/// (`for d in xs` → `d`). The IR keeps slots, not names; the source text still has them.
pub(crate) fn bound_name(text: &str, before: usize, keyword: &str) -> String {
    let head = text.get(..before).unwrap_or("");
    let line = head.rsplit('\n').next().unwrap_or(head);
    let Some(at) = line.rfind(keyword) else {
        return "…".to_string();
    };
    let rest = line.get(at + keyword.len()..).unwrap_or("");
    let name: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if name.is_empty() {
        "…".to_string()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_names_are_read_back_from_the_source() {
        let text = "  for d in pii_training {\n    let src = datasets\n";
        let over = text.find("pii_training").unwrap_or(0);
        assert_eq!(bound_name(text, over, "for "), "d");
        let value = text.find("datasets").unwrap_or(0);
        assert_eq!(bound_name(text, value, "let "), "src");
        assert_eq!(bound_name(text, 0, "for "), "…");
    }

    #[test]
    fn long_values_are_shortened() {
        assert_eq!(shorten("abcdef".into(), 3), "abc…");
        assert_eq!(shorten("abc".into(), 3), "abc");
    }
}
