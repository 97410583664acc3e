//! Running one rule's statements over one document: subjects, violations, gaps.

use std::cmp::Ordering;

use super::expr::{Ctx, Result, absent_name, is_fact_of};
use super::ops::{self, Tri};
use super::value::Val;
use crate::compile::{Rule, Stmt, Template, TemplatePart};
use crate::facts::NodeId;
use crate::findings::{EvidenceGap, Reason, Status, Violation};

/// What one rule concluded on one document.
#[derive(Debug, Clone)]
pub(crate) struct DocOutcome {
    pub status: Status,
    pub violations: Vec<Violation>,
    pub gaps: Vec<EvidenceGap>,
    pub subjects: usize,
    pub skip_reason: Option<String>,
    pub error: Option<String>,
}

impl DocOutcome {
    pub(crate) fn skipped(reason: String) -> DocOutcome {
        DocOutcome {
            status: Status::Skip,
            violations: Vec::new(),
            gaps: Vec::new(),
            subjects: 0,
            skip_reason: Some(reason),
            error: None,
        }
    }
}

struct Exec<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    violations: Vec<Violation>,
    reached: bool,
    subjects: usize,
    subject: Option<NodeId>,
}

/// Evaluates `rule` on the document of `ctx`.
pub(crate) fn run_rule<'a>(ctx: &mut Ctx<'a>, rule: &'a Rule) -> DocOutcome {
    ctx.enter_rule(rule.slots, &rule.file);
    ctx.gaps.clear();
    let mut exec = Exec {
        ctx,
        violations: Vec::new(),
        reached: false,
        subjects: 0,
        subject: None,
    };
    let result = exec.block(&rule.body, true);
    let has_top_for = has_outer_for(&rule.body);
    let subjects = if has_top_for { exec.subjects } else { 1 };
    let (reached, mut violations) = (exec.reached, exec.violations);
    let mut gaps = std::mem::take(&mut ctx.gaps);
    for id in &rule.lets_read {
        gaps.extend(ctx.let_gaps(*id).iter().cloned());
    }
    let mut seen = std::collections::HashSet::new();
    gaps.retain(|g| seen.insert((g.path.clone(), g.message.clone())));
    gaps.sort_by(|a, b| compare_pointers(&a.path, &b.path).then_with(|| a.message.cmp(&b.message)));
    if let Err(e) = result {
        return DocOutcome {
            status: Status::Error,
            violations: Vec::new(),
            gaps,
            subjects,
            skip_reason: None,
            error: Some(e.message),
        };
    }
    violations.sort_by(|a, b| {
        (a.document_order, a.document_index)
            .cmp(&(b.document_order, b.document_index))
            .then_with(|| compare_pointers(&a.path, &b.path))
            .then_with(|| a.require_order.cmp(&b.require_order))
    });
    let (status, skip_reason) = if !violations.is_empty() {
        (Status::Fail, None)
    } else if reached {
        (Status::Pass, None)
    } else {
        (
            Status::Skip,
            Some("not applicable: no require was reached".to_string()),
        )
    };
    DocOutcome {
        status,
        violations,
        gaps,
        subjects,
        skip_reason,
        error: None,
    }
}

impl<'a> Exec<'_, 'a> {
    fn block(&mut self, stmts: &'a [Stmt], top: bool) -> Result<()> {
        for stmt in stmts {
            self.stmt(stmt, top)?;
        }
        Ok(())
    }

    fn stmt(&mut self, stmt: &'a Stmt, top: bool) -> Result<()> {
        match stmt {
            Stmt::Require {
                cond,
                message,
                text,
                order,
            } => {
                self.reached = true;
                let c = self.ctx.cond(cond)?;
                let reason = match c.truth {
                    Tri::True => return Ok(()),
                    Tri::False => Reason::Failed,
                    Tri::Missing => Reason::Missing,
                };
                let message = match message {
                    Some(t) => render_template(self.ctx, t)?,
                    None => format!("requirement failed: {text}"),
                };
                let doc = self.ctx.doc;
                let subject_id = self.subject.unwrap_or(doc.root());
                // only a fact of this document locates a violation (not a `--param` value)
                let origin = c.origin.as_ref().filter(|v| is_fact_of(v, doc));
                // (`origin` is a fact of `doc`, so every location below is in `doc`)
                let (node, path) = match origin {
                    Some(Val::Node(_, id)) => (*id, doc.pointer(*id)),
                    Some(Val::Missing(Some(a))) => (a.at, a.pointer.clone()),
                    _ => (subject_id, doc.pointer(subject_id)),
                };
                let (line, column) = doc.position(node);
                let (file, document_index) = doc.source_of(node);
                self.violations.push(Violation {
                    message,
                    reason,
                    document: file.to_string(),
                    document_index,
                    subject: doc.pointer(subject_id),
                    path,
                    line,
                    column,
                    require_order: *order,
                    document_order: doc.part_of(node),
                });
            }
            Stmt::For {
                slot,
                iter,
                body,
                text,
            } => {
                let xs = self.ctx.eval(iter)?;
                if xs.is_missing() {
                    let what = absent_name(Some(&xs));
                    self.ctx.gap(
                        format!("`for … in {text}` has nothing to iterate: {what} is missing"),
                        Some(&xs),
                    );
                    return Ok(());
                }
                let Some(items) = xs.elements() else {
                    return Err(self.ctx.error(
                        iter.span,
                        format!(
                            "`for` needs a list or an object, got {}",
                            ops::describe(&xs)
                        ),
                    ));
                };
                if top {
                    self.subjects += items.total();
                }
                let outer = self.subject;
                for item in items {
                    if let Val::Node(d, id) = &item
                        && std::ptr::eq(*d, self.ctx.doc)
                    {
                        self.subject = Some(*id);
                    }
                    self.ctx.set_local(*slot, item);
                    self.block(body, false)?;
                    self.subject = outer;
                }
            }
            Stmt::Let { slot, value } => {
                let v = self.ctx.eval(value)?;
                self.ctx.set_local(*slot, v);
            }
            Stmt::If {
                cond,
                then,
                otherwise,
                text,
            } => {
                let c = self.ctx.cond(cond)?;
                match c.truth {
                    Tri::True => self.block(then, top)?,
                    Tri::False => self.block(otherwise, top)?,
                    Tri::Missing => {
                        let what = absent_name(c.origin.as_ref());
                        self.ctx.gap(
                            format!("`if {text}` could not be decided: {what} is missing"),
                            c.origin.as_ref(),
                        );
                        self.block(otherwise, top)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// True when the block has a `for` outside any other `for` (also inside `if` branches, which
/// `Exec::stmt` runs as top level and so counts as subjects).
fn has_outer_for(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|s| match s {
        Stmt::For { .. } => true,
        Stmt::If {
            then, otherwise, ..
        } => has_outer_for(then) || has_outer_for(otherwise),
        _ => false,
    })
}

/// Renders a template with the current frame's values.
pub(crate) fn render_template<'a>(ctx: &mut Ctx<'a>, template: &'a Template) -> Result<String> {
    let mut out = String::new();
    for part in &template.parts {
        match part {
            TemplatePart::Text(t) => out.push_str(t),
            TemplatePart::Hole(e) => out.push_str(&ops::render(&ctx.eval(e)?)),
        }
    }
    Ok(out)
}

/// Orders JSON Pointers segment by segment, array indexes as numbers.
pub fn compare_pointers(a: &str, b: &str) -> Ordering {
    crate::controls::compare_segments(a, b, '/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_order_array_indexes_numerically() {
        assert_eq!(
            compare_pointers("/datasets/10/a", "/datasets/9/a"),
            Ordering::Greater
        );
        assert_eq!(
            compare_pointers("/datasets/2", "/datasets/2/x"),
            Ordering::Less
        );
        assert_eq!(compare_pointers("/a/b", "/a/c"), Ordering::Less);
    }
}
