//! `scope`: whether a document is a rule's business at all. A document out of a rule's scope is
//! not evaluated by it and leaves no violation and no evidence gap behind.

use std::collections::{BTreeMap, BTreeSet};

use super::expr::Ctx;
use super::ops::Tri;
use crate::compile::{Program, Rule};
use crate::findings::FileCounts;

/// The skip reason of a rule on a document out of its scope (and of a rule with no document in
/// scope), as `CLI.md` spells it.
pub const NOT_IN_SCOPE: &str = "not in scope";

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
    let result = ctx.cond(expr).map(|c| c.truth == Tri::True);
    ctx.gaps.truncate(gaps);
    result.map_err(|e| e.message)
}

/// Whether any rule of `program` has a scope (only then do reports count recognised files).
pub(crate) fn any_scoped(program: &Program) -> bool {
    program
        .rules
        .iter()
        .any(|r| r.file_scope.is_some() || r.scope.is_some())
}

/// What a scoped rule recognising a document says about it: the first segment of its
/// namespace (`kubernetes` for `kubernetes.workloads.privileged`), the pack it comes from.
pub(crate) fn pack_label(rule: &Rule) -> &str {
    match rule.namespace.split('.').next() {
        Some(first) if !first.is_empty() => first,
        _ => "root",
    }
}

/// Per fact file, the packs whose scoped rules had one of its documents in scope.
#[derive(Default)]
pub(crate) struct Recognition {
    files: BTreeMap<String, BTreeSet<String>>,
    order: Vec<String>,
}

impl Recognition {
    pub(crate) fn saw(&mut self, file: &str) {
        if !self.files.contains_key(file) {
            self.files.insert(file.to_string(), BTreeSet::new());
            self.order.push(file.to_string());
        }
    }

    /// Called for every scoped rule on every document in its scope: allocates only the first
    /// time a pack recognises a file.
    pub(crate) fn recognised(&mut self, file: &str, pack: &str) {
        self.saw(file);
        if let Some(packs) = self.files.get_mut(file)
            && !packs.contains(pack)
        {
            packs.insert(pack.to_string());
        }
    }

    pub(crate) fn counts(&self) -> FileCounts {
        let mut by_pack: BTreeMap<String, usize> = BTreeMap::new();
        let mut recognised = 0;
        let mut unrecognised = Vec::new();
        for name in &self.order {
            match self.files.get(name) {
                Some(packs) if !packs.is_empty() => {
                    recognised += 1;
                    for p in packs {
                        *by_pack.entry(p.clone()).or_default() += 1;
                    }
                }
                _ => unrecognised.push(name.clone()),
            }
        }
        FileCounts {
            total: self.order.len(),
            recognised,
            by_pack,
            unrecognised,
        }
    }
}
