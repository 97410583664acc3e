//! `scope`: whether a document is a rule's business at all. A document out of a rule's scope is
//! not evaluated by it and leaves no violation and no evidence gap behind.

use std::collections::{BTreeMap, BTreeSet};

use super::expr::Ctx;
use super::ops::Tri;
use crate::compile::{Program, Rule};
use crate::findings::FileCounts;

pub use crate::findings::NOT_IN_SCOPE;

/// File scopes are shared by every rule of their file: each is decided once per document.
pub(crate) struct ScopeMemo {
    file: Vec<Option<Result<bool, String>>>,
}

impl ScopeMemo {
    pub(crate) fn new(program: &Program) -> ScopeMemo {
        ScopeMemo {
            file: program.scopes.iter().map(|_| None).collect(),
        }
    }

    /// Whether the document of `ctx` is in `rule`'s scope; `Err` carries the message of a
    /// run-time error in the scope itself, which puts the rule in error (a scope that cannot be
    /// decided must not quietly drop the document).
    pub(crate) fn in_scope<'a>(
        &mut self,
        ctx: &mut Ctx<'a>,
        rule: &'a Rule,
    ) -> Result<bool, String> {
        if let Some(id) = rule.file_scope {
            let known = self.file.get(id).cloned().flatten();
            let decided = match known {
                Some(d) => d,
                None => {
                    let d = match ctx.program.scopes.get(id) {
                        Some(fs) => {
                            ctx.enter_rule(fs.slots, &fs.file);
                            holds(ctx, &fs.expr)
                        }
                        None => Ok(true),
                    };
                    if let Some(slot) = self.file.get_mut(id) {
                        *slot = Some(d.clone());
                    }
                    d
                }
            };
            if !decided? {
                return Ok(false);
            }
        }
        match &rule.scope {
            Some(expr) => {
                ctx.enter_rule(rule.slots, &rule.file);
                holds(ctx, expr)
            }
            None => Ok(true),
        }
    }
}

/// True only when the condition is true: false and missing both mean "not this rule's business",
/// and what the scope could not decide is no evidence gap of the rule.
fn holds<'a>(ctx: &mut Ctx<'a>, expr: &'a crate::compile::Expr) -> Result<bool, String> {
    let gaps = ctx.gaps.len();
    ctx.scoping = true;
    let result = ctx.cond(expr).map(|c| c.truth == Tri::True);
    ctx.scoping = false;
    ctx.gaps.truncate(gaps);
    result.map_err(|e| e.message)
}

/// Per fact file, the packs whose scoped rules had one of its documents in scope. Labels are
/// worked out once per program; a document marks label indexes, so deciding scopes allocates
/// nothing per rule.
pub(crate) struct Recognition {
    /// The pack labels, sorted: the first segment of a scoped rule's namespace (`kubernetes` for
    /// `kubernetes.containers.no_privileged`).
    labels: Vec<String>,
    /// Per rule, the index of its label, or `None` for a rule without a scope (it judges every
    /// document and recognises none).
    rule_label: Vec<Option<usize>>,
    /// Per file in input order, which labels recognised one of its documents.
    files: Vec<(String, Vec<bool>)>,
}

impl Recognition {
    pub(crate) fn new(program: &Program) -> Recognition {
        fn label_of(rule: &Rule) -> Option<&str> {
            (rule.file_scope.is_some() || rule.scope.is_some()).then(|| {
                match rule.namespace.split('.').next() {
                    Some(first) if !first.is_empty() => first,
                    _ => "root",
                }
            })
        }
        let labels: Vec<String> = program
            .rules
            .iter()
            .filter_map(label_of)
            .collect::<BTreeSet<&str>>()
            .into_iter()
            .map(str::to_string)
            .collect();
        let rule_label = program
            .rules
            .iter()
            .map(|r| label_of(r).and_then(|l| labels.iter().position(|x| x == l)))
            .collect();
        Recognition {
            labels,
            rule_label,
            files: Vec::new(),
        }
    }

    /// Whether any rule has a scope (only then do reports count recognised files).
    pub(crate) fn any_scoped(&self) -> bool {
        !self.labels.is_empty()
    }

    /// A fresh set of marks for one document.
    pub(crate) fn marks(&self) -> Vec<bool> {
        vec![false; self.labels.len()]
    }

    /// Marks `rule`'s pack as recognising the current document (nothing for unscoped rules).
    pub(crate) fn mark(&self, marks: &mut [bool], rule: usize) {
        if let Some(Some(i)) = self.rule_label.get(rule)
            && let Some(m) = marks.get_mut(*i)
        {
            *m = true;
        }
    }

    /// Records the marks of a document of `file`; documents of one file (multi-document YAML,
    /// adjacent in the input) share its entry.
    pub(crate) fn document(&mut self, file: &str, marks: &[bool]) {
        match self.files.last_mut() {
            Some((name, seen)) if name == file => {
                for (s, m) in seen.iter_mut().zip(marks) {
                    *s |= *m;
                }
            }
            _ => self.files.push((file.to_string(), marks.to_vec())),
        }
    }

    pub(crate) fn counts(&self) -> FileCounts {
        let mut by_pack: BTreeMap<String, usize> = BTreeMap::new();
        let mut recognised = 0;
        let mut unrecognised = Vec::new();
        for (name, seen) in &self.files {
            if !seen.iter().any(|s| *s) {
                unrecognised.push(name.clone());
                continue;
            }
            recognised += 1;
            for (label, _) in self.labels.iter().zip(seen).filter(|(_, s)| **s) {
                *by_pack.entry(label.clone()).or_default() += 1;
            }
        }
        FileCounts {
            total: self.files.len(),
            recognised,
            by_pack,
            unrecognised,
        }
    }
}
