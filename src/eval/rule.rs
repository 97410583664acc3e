//! Running one rule's statements over one document: subjects, violations, gaps.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::ahead::JoinAhead;
use super::expr::{Ctx, Result, absent_name, is_fact_of};
use super::ops::{self, Tri};
use super::trace::{Branch, FactLoc, Operand, Outcome, SourceLoc, TraceEvent, bound_name, shorten};
use super::value::Val;
use crate::compile::{BinOp, Expr, ExprKind, Rule, RuleId, Stmt, Template, TemplatePart};
use crate::facts::{Document, NodeId};
use crate::findings::{EvidenceGap, Reason, Status, Violation};

/// What one rule concluded on one document.
#[derive(Debug, Clone)]
pub(crate) struct DocOutcome {
    pub status: Status,
    pub violations: Vec<Violation>,
    pub gaps: Vec<EvidenceGap>,
    pub subjects: usize,
    /// Borrowed for the fixed reasons, which most rules give on most documents.
    pub skip_reason: Option<Cow<'static, str>>,
    pub error: Option<String>,
}

impl DocOutcome {
    /// A rule in error on this document before any statement ran (its `scope` failed).
    pub(crate) fn failed(message: String) -> DocOutcome {
        DocOutcome {
            status: Status::Error,
            violations: Vec::new(),
            gaps: Vec::new(),
            subjects: 0,
            skip_reason: None,
            error: Some(message),
        }
    }

    pub(crate) fn skipped(reason: impl Into<Cow<'static, str>>) -> DocOutcome {
        DocOutcome {
            status: Status::Skip,
            violations: Vec::new(),
            gaps: Vec::new(),
            subjects: 0,
            skip_reason: Some(reason.into()),
            error: None,
        }
    }
}

struct Exec<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    rule: &'a Rule,
    rule_id: RuleId,
    /// Statement nesting, for the trace.
    depth: usize,
    violations: Vec<Violation>,
    reached: bool,
    subjects: usize,
    subject: Option<NodeId>,
    /// The elements of the rule's top-level `for` this run takes (see [`Share`]).
    share: Option<Share>,
}

/// One of `of` equal runs of a rule's top-level `for`, in element order: threads share a large
/// loop on one document (see [`shareable_loop`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Share {
    pub index: usize,
    pub of: usize,
}

impl Share {
    /// The positions of `total` elements this run takes.
    fn range(self, total: usize) -> std::ops::Range<usize> {
        let at = |i: usize| total.saturating_mul(i) / self.of.max(1);
        at(self.index)..at(self.index + 1)
    }
}

/// What one run of a rule's statements gave before the outcome is worked out: a whole rule's
/// run, or one share of its top-level loop, which [`finish`] puts together in element order.
pub(crate) struct Part {
    violations: Vec<Violation>,
    gaps: Vec<EvidenceGap>,
    reached: bool,
    subjects: usize,
    error: Option<String>,
    /// The steps and bytes charged: shares must stay within the rule's limits together.
    used: (u64, u64),
}

impl Part {
    /// A share not run because the rule's shares already broke its step limit together (see
    /// [`Part::shares_stand`]): the rule runs again whole, so running it would be wasted.
    pub(crate) fn abandoned() -> Part {
        Part {
            violations: Vec::new(),
            gaps: Vec::new(),
            reached: false,
            subjects: 0,
            error: Some("abandoned: the rule's shares broke its step limit".to_string()),
            used: (0, 0),
        }
    }

    /// The steps it charged, or `None` when it stopped on an error.
    pub(crate) fn steps_used(&self) -> Option<u64> {
        self.error.is_none().then_some(self.used.0)
    }

    /// Whether the shares' result is the one-run result: no share stopped on an error (a
    /// limit, or an error whose gaps depend on how far the run came), and all of them within
    /// the rule's limits together. Each share does its elements' work again, so together they
    /// charge at least what one run does, but for a top-level `let`: its steps go to the rule
    /// that computes it first on a thread, which with threads depends on where rules ran (as
    /// it already did for whole rules shared among threads).
    pub(crate) fn shares_stand(parts: &[Part], limits: (u64, u64)) -> bool {
        let steps = parts
            .iter()
            .map(|p| p.used.0)
            .fold(0u64, u64::saturating_add);
        let bytes = parts
            .iter()
            .map(|p| p.used.1)
            .fold(0u64, u64::saturating_add);
        parts.iter().all(|p| p.error.is_none()) && steps <= limits.0 && bytes <= limits.1
    }
}

/// The number of elements of `rule`'s loop when threads may share it: its body is one `for`
/// over a fact path (`for t in transfers`), whose elements every share finds again for the
/// price of a few lookups. A loop over a filter or a computed list is not shared (each share
/// would compute it again).
pub(crate) fn shareable_loop(rule: &Rule, doc: &Document) -> Option<usize> {
    let [Stmt::For { iter, .. }] = rule.body.as_slice() else {
        return None;
    };
    let node = fact_path(iter, doc)?;
    match doc.value(node) {
        crate::facts::NodeValue::Array(items) => Some(items.len()),
        crate::facts::NodeValue::Object(members) => Some(members.len()),
        _ => None,
    }
}

/// The node a plain fact path (`a.b.c` from the root) leads to.
pub(crate) fn fact_path(e: &Expr, doc: &Document) -> Option<NodeId> {
    match &e.kind {
        ExprKind::Root => Some(doc.root()),
        ExprKind::RootField(key) => doc.field(doc.root(), key),
        ExprKind::Field(base, key) => doc.field(fact_path(base, doc)?, key),
        _ => None,
    }
}

/// Evaluates `rule` on the document of `ctx`.
pub(crate) fn run_rule<'a>(ctx: &mut Ctx<'a>, rule_id: RuleId, rule: &'a Rule) -> DocOutcome {
    let part = run_part(ctx, rule_id, rule, None, None);
    finish(rule, vec![part])
}

/// Runs `rule`'s statements on the document of `ctx`, its top-level loop only over `share`.
pub(crate) fn run_part<'a>(
    ctx: &mut Ctx<'a>,
    rule_id: RuleId,
    rule: &'a Rule,
    share: Option<Share>,
    step_cap: Option<u64>,
) -> Part {
    ctx.enter_rule(rule.slots, &rule.file);
    if let Some(cap) = step_cap {
        ctx.budget.cap_rule_steps(cap);
    }
    ctx.gaps.clear();
    let mut exec = Exec {
        ctx,
        rule,
        rule_id,
        depth: 0,
        violations: Vec::new(),
        reached: false,
        subjects: 0,
        subject: None,
        share,
    };
    let result = exec.block(&rule.body, true);
    let (reached, subjects, violations) = (exec.reached, exec.subjects, exec.violations);
    let mut gaps = std::mem::take(&mut ctx.gaps);
    for id in &rule.lets_read {
        gaps.extend(ctx.let_gaps(*id).iter().cloned());
    }
    Part {
        violations,
        gaps,
        reached,
        subjects,
        error: result.err().map(|e| e.message),
        used: ctx.budget.used(),
    }
}

/// The outcome of a rule from its parts, in element order (one part unless threads shared its
/// loop; every share counts all of the loop's subjects).
pub(crate) fn finish(rule: &Rule, parts: Vec<Part>) -> DocOutcome {
    let has_top_for = has_outer_for(&rule.body);
    let subjects = match parts.first() {
        Some(first) if has_top_for => first.subjects,
        _ => 1,
    };
    let reached = parts.iter().any(|p| p.reached);
    // sized once: the shares of a long loop hold tens of thousands of violations
    let mut violations = Vec::with_capacity(parts.iter().map(|p| p.violations.len()).sum());
    let mut gaps = Vec::new();
    let mut error = None;
    for part in parts {
        gaps.extend(part.gaps);
        if part.error.is_some() {
            error = part.error;
            break;
        }
        violations.extend(part.violations);
    }
    let mut seen = std::collections::HashSet::new();
    gaps.retain(|g| seen.insert((g.path.clone(), g.message.clone())));
    gaps.sort_by(|a, b| compare_pointers(&a.path, &b.path).then_with(|| a.message.cmp(&b.message)));
    if let Some(message) = error {
        return DocOutcome {
            status: Status::Error,
            violations: Vec::new(),
            gaps,
            subjects,
            skip_reason: None,
            error: Some(message),
        };
    }
    violations.sort_by(|a, b| {
        (a.document_order, a.document_index)
            .cmp(&(b.document_order, b.document_index))
            .then_with(|| compare_pointers(&a.path, &b.path))
            .then_with(|| a.require_order.cmp(&b.require_order))
    });
    // a gap means some subject was not judged: the rule is never a pass, nor "not applicable"
    let (status, skip_reason) = if !violations.is_empty() {
        (Status::Fail, None)
    } else if !gaps.is_empty() {
        (Status::Incomplete, None)
    } else if reached {
        (Status::Pass, None)
    } else {
        (
            Status::Skip,
            Some(Cow::Borrowed("not applicable: no require was reached")),
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
        // nested `if`/`for` blocks recurse here, not through `Ctx::eval`
        crate::source::grow_stack(|| {
            for stmt in stmts {
                self.stmt(stmt, top)?;
            }
            Ok(())
        })
    }

    fn stmt(&mut self, stmt: &'a Stmt, top: bool) -> Result<()> {
        match stmt {
            Stmt::Require {
                cond,
                message,
                text,
                identity,
                order,
            } => {
                self.reached = true;
                if let Some(set) = self.ctx.reached.as_mut() {
                    set.insert((self.rule_id, *order));
                }
                let c = self.ctx.cond(cond)?;
                let reason = match c.truth {
                    Tri::True => {
                        if self.ctx.trace.is_some() {
                            let origin = self.traced_origin(cond, c.origin.as_ref());
                            self.trace_require(cond, text, *order, c.truth, origin.as_ref(), None);
                        }
                        return Ok(());
                    }
                    Tri::False => Reason::Failed,
                    Tri::Missing => Reason::Missing,
                };
                let message = match message {
                    Some(t) => render_template(self.ctx, t)?,
                    None => format!("requirement failed: {text}"),
                };
                if self.ctx.trace.is_some() {
                    let origin = self.traced_origin(cond, c.origin.as_ref());
                    let message = Some(message.clone());
                    self.trace_require(cond, text, *order, c.truth, origin.as_ref(), message);
                }
                let doc = self.ctx.doc;
                let subject_id = self.subject.unwrap_or(doc.root());
                // only a fact of this document locates a violation (not a `--param` value)
                let origin = c.origin.filter(|v| is_fact_of(v, doc));
                // a check on a function of one fact (`days_since(g.last_review) <= 90`,
                // `len(d.name) > 3`) points at that fact, not at the subject
                let origin = match origin {
                    Some(o) => Some(o),
                    None => self.computed_fact(cond),
                };
                // no single fact decided (`count(xs[…]) == 0`): point at the first element of
                // the first filter the check reads, which is what a reader looks for
                let origin = match origin {
                    Some(o) => Some(o),
                    None => self.first_filtered_fact(cond)?,
                };
                // (`origin` is a fact of `doc`, or of a document parsed out of one of its
                // strings, which `at` then is)
                let at = origin
                    .as_ref()
                    .map_or(doc, |v| super::embedded::located(v, doc));
                let (node, path) = match &origin {
                    Some(Val::Node(_, id)) => (*id, at.pointer(*id)),
                    Some(Val::Missing(Some(a))) => (a.at, a.pointer()),
                    _ => (subject_id, doc.pointer(subject_id)),
                };
                let (line, column) = at.position(node);
                let (file, document_index) = at.source_of(node);
                // the subject is usually above the deciding fact: its pointer is a prefix
                let subject = match &origin {
                    Some(Val::Node(_, _)) if std::ptr::eq(at, doc) => doc
                        .ancestor_pointer(node, &path, subject_id)
                        .map_or_else(|| doc.pointer(subject_id), str::to_string),
                    None => path.clone(),
                    _ => doc.pointer(subject_id),
                };
                // identity stays in `doc`: a value parsed out of a string is known by that string
                let id_node = super::embedded::identity_node(at, doc, node);
                let located = identity_of(
                    doc,
                    subject_id,
                    &subject,
                    origin.as_ref(),
                    id_node,
                    &path,
                    identity,
                );
                self.violations.push(Violation {
                    message,
                    reason,
                    document: file.to_string(),
                    document_index,
                    subject,
                    path,
                    line,
                    column,
                    subject_key: located.subject_key,
                    fingerprint: String::new(),
                    locator: located.locator,
                    require_order: *order,
                    document_order: at.part_of(node),
                });
            }
            Stmt::For {
                slot,
                iter,
                body,
                text,
            } => {
                let xs = self.ctx.eval(iter)?;
                let binding = match self.ctx.trace {
                    Some(_) => {
                        let binding = bound_name(self.rule.file.text(), iter.span.start, "for ");
                        let elements = xs.elements().map(|e| e.total());
                        let fact = elements
                            .is_none()
                            .then(|| fact_loc(&xs, self.ctx.doc))
                            .flatten();
                        let event = TraceEvent::For {
                            depth: self.depth,
                            binding: binding.clone(),
                            over: text.to_string(),
                            at: self.loc(iter.span.start),
                            elements,
                            fact,
                        };
                        self.record(event);
                        binding
                    }
                    None => String::new(),
                };
                if xs.is_missing() {
                    let what = absent_name(Some(&xs));
                    self.ctx.gap(
                        format!("`for … in {text}` has nothing to iterate: {what} is missing"),
                        Some(&xs),
                        format!("`for … in {text}`"),
                        None,
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
                self.depth += 2;
                let total = items.total();
                let range = match self.share.take() {
                    Some(share) if top => share.range(total),
                    _ => 0..total,
                };
                let mut ahead = JoinAhead::of(body, *slot, total)
                    .and_then(|ahead| Some((ahead, xs.elements()?)));
                let taken = items.into_iter().enumerate().skip(range.start);
                for (index, item) in taken.take(range.len()) {
                    if let Val::Node(d, id) = &item
                        && std::ptr::eq(*d, self.ctx.doc)
                    {
                        self.subject = Some(*id);
                    }
                    if self.ctx.trace.is_some() {
                        let fact = fact_loc(&item, self.ctx.doc);
                        let value = fact.is_none().then(|| value_text(&item));
                        let event = TraceEvent::Subject {
                            depth: self.depth - 1,
                            binding: binding.clone(),
                            index,
                            fact,
                            value,
                        };
                        self.record(event);
                    }
                    self.ctx.set_local(*slot, item);
                    if let Some((ahead, elements)) = &mut ahead {
                        ahead.prefetch(self.ctx, elements, index);
                    }
                    let result = self.block(body, false);
                    self.subject = outer;
                    if result.is_err() {
                        self.depth -= 2;
                        return result;
                    }
                }
                self.depth -= 2;
            }
            Stmt::Let { slot, value } => {
                let v = self.ctx.eval(value)?;
                if self.ctx.trace.is_some() {
                    let name = bound_name(self.rule.file.text(), value.span.start, "let ");
                    let event = TraceEvent::Let {
                        depth: self.depth,
                        operand: Operand {
                            text: name,
                            value: value_text(&v),
                            fact: fact_loc(&v, self.ctx.doc),
                        },
                    };
                    self.record(event);
                }
                self.ctx.set_local(*slot, v);
            }
            Stmt::If {
                cond,
                then,
                otherwise,
                text,
            } => {
                let c = self.ctx.cond(cond)?;
                if self.ctx.trace.is_some() {
                    let branch = match c.truth {
                        Tri::True => Branch::Then,
                        Tri::False => Branch::Else,
                        Tri::Missing => Branch::MissingElse,
                    };
                    let event = TraceEvent::If {
                        depth: self.depth,
                        text: text.to_string(),
                        at: self.loc(cond.span.start),
                        outcome: outcome(c.truth),
                        branch,
                        decided_by: c.origin.as_ref().and_then(|v| self.decided_by(v)),
                    };
                    self.record(event);
                }
                self.depth += 1;
                let result = match c.truth {
                    Tri::True => self.block(then, top),
                    Tri::False => self.block(otherwise, top),
                    Tri::Missing => {
                        let what = absent_name(c.origin.as_ref());
                        self.ctx.gap(
                            format!("`if {text}` could not be decided: {what} is missing"),
                            c.origin.as_ref(),
                            format!("`if {text}`"),
                            None,
                        );
                        self.block(otherwise, top)
                    }
                };
                self.depth -= 1;
                result?;
            }
        }
        Ok(())
    }
}

// ------------------------------------------------------------ tracing (explain only)

impl<'a> Exec<'_, 'a> {
    fn record(&mut self, event: TraceEvent) {
        if let Some(trace) = self.ctx.trace.as_mut() {
            trace.push(event);
        }
    }

    /// `file:line:col` of a byte offset in the rule's file.
    fn loc(&self, offset: usize) -> SourceLoc {
        let (line, column) = self.rule.file.line_col(offset);
        SourceLoc {
            file: self.rule.file.name().to_string(),
            line,
            column,
        }
    }

    /// The source text of an expression of the rule body, on one line.
    fn source(&self, e: &Expr) -> String {
        let text = self.rule.file.text().get(e.span.start..e.span.end);
        text.unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn decided_by(&self, v: &Val<'a>) -> Option<Operand> {
        let fact = fact_loc(v, self.ctx.doc)?;
        Some(Operand {
            text: fact.pointer.clone(),
            value: value_text(v),
            fact: Some(fact),
        })
    }

    /// The fact shown as having decided a traced `require`: its origin, or the one fact a
    /// computed operand was computed from, as for the violation's location.
    fn traced_origin(&mut self, cond: &'a Expr, origin: Option<&Val<'a>>) -> Option<Val<'a>> {
        let doc = self.ctx.doc;
        match origin.filter(|v| is_fact_of(v, doc)) {
            Some(v) => Some(v.clone()),
            None => self.computed_fact(cond),
        }
    }

    fn trace_require(
        &mut self,
        cond: &'a Expr,
        text: &str,
        order: usize,
        truth: Tri,
        origin: Option<&Val<'a>>,
        message: Option<String>,
    ) {
        // operands are pure: evaluate them again for display, leaving no gap behind
        let gaps = self.ctx.gaps.len();
        let mut operands = Vec::new();
        self.operands(cond, &mut operands);
        self.ctx.gaps.truncate(gaps);
        let event = TraceEvent::Require {
            depth: self.depth,
            text: text.to_string(),
            at: self.loc(order),
            operands,
            outcome: outcome(truth),
            decided_by: origin.and_then(|v| self.decided_by(v)),
            message,
        };
        self.record(event);
    }

    /// The operands worth showing: both sides of comparisons, `in` and `matches`, through
    /// `and`/`or`/`not`; the collection of a quantifier; any other expression itself.
    fn operands(&mut self, e: &'a Expr, out: &mut Vec<Operand>) {
        match &e.kind {
            ExprKind::Binary(BinOp::And | BinOp::Or, a, b) => {
                self.operands(a, out);
                self.operands(b, out);
            }
            ExprKind::Not(x) => self.operands(x, out),
            ExprKind::Binary(op, a, b) if op.is_comparison() => {
                self.operand(a, out);
                self.operand(b, out);
            }
            ExprKind::Matches(a, _) => self.operand(a, out),
            ExprKind::Quantifier { over, .. } => self.operand(over, out),
            _ => self.operand(e, out),
        }
    }

    fn operand(&mut self, e: &'a Expr, out: &mut Vec<Operand>) {
        if matches!(e.kind, ExprKind::Const(_)) {
            return;
        }
        let text = self.source(e);
        if out.iter().any(|o| o.text == text) {
            return;
        }
        // a re-evaluation that fails (it did not when the check ran) just shows nothing
        if let Ok(v) = self.ctx.eval(e) {
            out.push(Operand {
                text,
                value: value_text(&v),
                fact: fact_loc(&v, self.ctx.doc),
            });
        }
    }
}

fn outcome(t: Tri) -> Outcome {
    match t {
        Tri::True => Outcome::True,
        Tri::False => Outcome::False,
        Tri::Missing => Outcome::Missing,
    }
}

/// A value for a trace: compact JSON, `missing` when absent, at most 80 characters.
fn value_text(v: &Val<'_>) -> String {
    match ops::json_text(v) {
        None => "missing".to_string(),
        Some(j) => shorten(j, 80),
    }
}

/// Where a value is in `doc`, when it is one of its facts (present or absent).
fn fact_loc(v: &Val<'_>, doc: &Document) -> Option<FactLoc> {
    if !is_fact_of(v, doc) {
        return None;
    }
    let doc = super::embedded::located(v, doc);
    let (node, pointer, missing) = match v {
        Val::Node(_, id) => (*id, doc.pointer(*id), false),
        Val::Missing(Some(a)) => (a.at, a.pointer(), true),
        _ => return None,
    };
    let (line, column) = doc.position(node);
    let (file, document_index) = doc.source_of(node);
    Some(FactLoc {
        pointer,
        document: file.to_string(),
        document_index,
        line,
        column,
        missing,
    })
}

/// True when the block has a `for` outside any other `for` (also inside `if` branches, which
/// `Exec::stmt` runs as top level and so counts as subjects).
fn has_outer_for(stmts: &[Stmt]) -> bool {
    crate::source::grow_stack(|| has_outer_for_here(stmts))
}

fn has_outer_for_here(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|s| match s {
        Stmt::For { .. } => true,
        Stmt::If {
            then, otherwise, ..
        } => has_outer_for(then) || has_outer_for(otherwise),
        _ => false,
    })
}

impl<'a> Exec<'_, 'a> {
    /// The first element, in this document, of the first filter or projection in `e` (source
    /// order), evaluated again. Used only to locate a violation no single fact decided; the
    /// evidence gaps of this second evaluation are dropped (the first one recorded them).
    fn first_filtered_fact(&mut self, e: &'a Expr) -> Result<Option<Val<'a>>> {
        let Some(list) = first_collection(e) else {
            return Ok(None);
        };
        let gaps = self.ctx.gaps.len();
        let value = self.ctx.eval(list);
        self.ctx.gaps.truncate(gaps);
        let doc = self.ctx.doc;
        Ok(value?
            .elements()
            .and_then(|mut items| items.next())
            .filter(|v| is_fact_of(v, doc)))
    }
}

impl<'a> Exec<'_, 'a> {
    /// The one fact a computed operand of `cond` was computed from, when there is exactly one:
    /// `days_since(g.last_review) <= 90` → `g.last_review`. Looks through `not`, both sides of
    /// comparisons, `in` and `matches`, and a call used as the check itself.
    fn computed_fact(&mut self, cond: &'a Expr) -> Option<Val<'a>> {
        match &cond.kind {
            ExprKind::Not(x) => self.computed_fact(x),
            ExprKind::Binary(op, a, b) if op.is_comparison() => {
                self.fact_of_call(a).or_else(|| self.fact_of_call(b))
            }
            ExprKind::Matches(a, _) => self.fact_of_call(a),
            _ => self.fact_of_call(cond),
        }
    }

    /// For a builtin, host or fn call (possibly nested, `days_since(parse_date(x))`), the single fact
    /// of this document among its arguments, evaluated again (they are pure; the gaps of this
    /// second evaluation are dropped). `None` for anything else, or when several facts are read.
    fn fact_of_call(&mut self, e: &'a Expr) -> Option<Val<'a>> {
        let args = match &e.kind {
            ExprKind::CallBuiltin(_, args)
            | ExprKind::CallFn(_, args)
            | ExprKind::CallHost(_, args) => args,
            _ => return None,
        };
        let doc = self.ctx.doc;
        let gaps = self.ctx.gaps.len();
        let mut found: Option<Val<'a>> = None;
        let mut several = false;
        for arg in args {
            let fact = match self.ctx.eval(arg) {
                Ok(v) if is_fact_of(&v, doc) => Some(v),
                Ok(_) => self.fact_of_call(arg),
                Err(_) => None,
            };
            if let Some(v) = fact {
                several |= found.is_some();
                found.get_or_insert(v);
            }
        }
        self.ctx.gaps.truncate(gaps);
        if several { None } else { found }
    }
}

/// The first filter or projection of an expression, in source order.
fn first_collection(e: &Expr) -> Option<&Expr> {
    match &e.kind {
        ExprKind::Filter { .. } | ExprKind::Project(..) => Some(e),
        ExprKind::Field(b, _)
        | ExprKind::Index(b, _)
        | ExprKind::Not(b)
        | ExprKind::Neg(b)
        | ExprKind::Matches(b, _) => first_collection(b),
        ExprKind::Binary(_, a, b) => first_collection(a).or_else(|| first_collection(b)),
        ExprKind::CallBuiltin(_, args)
        | ExprKind::CallFn(_, args)
        | ExprKind::CallHost(_, args)
        | ExprKind::List(args) => args.iter().find_map(first_collection),
        ExprKind::Quantifier { over, .. } => first_collection(over),
        _ => None,
    }
}

/// Renders a template with the current frame's values.
pub(crate) fn render_template<'a>(ctx: &mut Ctx<'a>, template: &'a Template) -> Result<String> {
    let mut out = String::new();
    for part in &template.parts {
        match part {
            TemplatePart::Text(t) => out.push_str(t),
            TemplatePart::Hole(e) => out.push_str(&ops::render(&ctx.eval(e)?)),
        }
        if out.len() > ctx.message_limit.saturating_mul(4) {
            break; // far past the limit already: a hole rendered a huge value
        }
    }
    Ok(truncate(out, ctx.message_limit))
}

/// Cuts a message to `limit` characters, ending it with `…` when cut.
fn truncate(message: String, limit: usize) -> String {
    match message.char_indices().nth(limit) {
        None => message,
        Some((cut, _)) => {
            let mut short = message.get(..cut).unwrap_or("").to_string();
            short.push('…');
            short
        }
    }
}

/// Orders JSON Pointers segment by segment, array indexes as numbers.
pub fn compare_pointers(a: &str, b: &str) -> Ordering {
    crate::controls::compare_segments(a, b, '/')
}

/// A violation's identity parts (see [`crate::identity`]); `node` is the deciding fact or its
/// nearest present parent, whose pointer is `path` itself unless the fact is absent.
fn identity_of(
    doc: &Document,
    subject_id: NodeId,
    subject: &str,
    origin: Option<&Val<'_>>,
    node: NodeId,
    path: &str,
    require_identity: &str,
) -> crate::identity::Located {
    let node_pointer = match origin {
        Some(Val::Missing(Some(_))) => doc.pointer(node),
        _ => path.to_string(),
    };
    let mut located = crate::identity::locate(doc, subject_id, subject, node, &node_pointer, path);
    located.locator.push('\0');
    located.locator.push_str(require_identity);
    located
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_are_cut_on_a_character_boundary() {
        assert_eq!(truncate("héllo".into(), 2), "hé…");
        assert_eq!(truncate("héllo".into(), 5), "héllo");
        assert_eq!(truncate(String::new(), 0), "");
    }

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
