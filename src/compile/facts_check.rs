//! Fact paths checked against the declared fact model (`schema "annexa.ml/v1"`), as Cedar
//! validates a policy against its schema: `d.encrypton` on a `Dataset` is a compile error with
//! the nearest field suggested, instead of a value that is always missing and a rule that
//! silently skips or fails for the wrong reason.
//!
//! The inference is deliberately light: the root has the model's root type, `for` variables,
//! quantifier variables and filter elements (`.`) over a typed collection have its element type,
//! lets (local and top-level, also through `use` aliases) have the type of their value, and
//! projections map field types over elements. Everything else (fn parameters, computed values,
//! maps, builtin results) is unknown and not checked.

use super::{DefRef, Defs, ModuleInfo};
use crate::ast::{self, BinaryOp, Item, Module, Stmt};
use crate::diagnostics::{Diagnostic, close_names, nearest};
use crate::schema::{FactModel, ROOT, Ty, TypeTable};
use crate::source::Span;

/// The `annexa::unknown_field` diagnostic code.
pub const CODE: &str = "annexa::unknown_field";

#[derive(Clone)]
enum LetState {
    Todo,
    Busy,
    Done(Ty),
}

/// Checks every module that declares `model_name`; returns the diagnostics.
pub(super) fn check(
    all: &[Module],
    infos: &[ModuleInfo],
    defs: &Defs,
    model: &FactModel,
    model_name: &str,
) -> Vec<Diagnostic> {
    let lets: Vec<(usize, &ast::Expr)> = all
        .iter()
        .enumerate()
        .flat_map(|(m, module)| {
            module.items.iter().filter_map(move |i| match i {
                Item::Let(b) => Some((m, &b.value)),
                _ => None,
            })
        })
        .collect();
    let mut checker = Checker {
        infos,
        defs,
        types: model.types(),
        model_name,
        let_states: vec![LetState::Todo; lets.len()],
        lets,
    };
    let mut diags = Vec::new();
    for (m, module) in all.iter().enumerate() {
        let declares = module
            .schema
            .as_ref()
            .is_some_and(|s| s.model.value == model_name);
        if !declares {
            continue;
        }
        for item in &module.items {
            let mut cx = Ctx::new(m, true);
            match item {
                Item::Param(b) | Item::Let(b) => {
                    checker.expr(&mut cx, &b.value, &mut diags);
                }
                Item::Fn(f) => {
                    for p in &f.params {
                        cx.locals.push((p.name.clone(), Ty::Any));
                    }
                    checker.expr(&mut cx, &f.body, &mut diags);
                }
                Item::Rule(r) => {
                    for meta in &r.meta {
                        if let ast::MetaValue::Template(t) = &meta.value {
                            checker.template(&mut cx, t, &mut diags);
                        }
                    }
                    checker.block(&mut cx, &r.body, &mut diags);
                }
                Item::Use(_) | Item::Test(_) => {}
            }
        }
    }
    diags
}

/// Where an expression is: its module, the locals in scope, the filter elements.
struct Ctx {
    module: usize,
    locals: Vec<(String, Ty)>,
    elements: Vec<Ty>,
    /// False while inferring a let's type for another module: its own module reports.
    report: bool,
}

impl Ctx {
    fn new(module: usize, report: bool) -> Ctx {
        Ctx {
            module,
            locals: Vec::new(),
            elements: Vec::new(),
            report,
        }
    }
}

struct Checker<'a> {
    infos: &'a [ModuleInfo],
    defs: &'a Defs,
    types: &'a TypeTable,
    model_name: &'a str,
    /// Top-level let values by let id (the declaration order of `compile`).
    lets: Vec<(usize, &'a ast::Expr)>,
    let_states: Vec<LetState>,
}

impl Checker<'_> {
    fn block(&mut self, cx: &mut Ctx, stmts: &[Stmt], diags: &mut Vec<Diagnostic>) {
        let mark = cx.locals.len();
        for stmt in stmts {
            match stmt {
                Stmt::Require { cond, message, .. } => {
                    self.expr(cx, cond, diags);
                    if let Some(t) = message {
                        self.template(cx, t, diags);
                    }
                }
                Stmt::For {
                    var, iter, body, ..
                } => {
                    let element = self.expr(cx, iter, diags).element();
                    cx.locals.push((var.name.clone(), element));
                    self.block(cx, body, diags);
                    cx.locals.pop();
                }
                Stmt::Let(b) => {
                    let ty = self.expr(cx, &b.value, diags);
                    cx.locals.push((b.name.name.clone(), ty));
                }
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                    ..
                } => {
                    self.expr(cx, cond, diags);
                    self.block(cx, then, diags);
                    if let Some(o) = otherwise {
                        self.block(cx, o, diags);
                    }
                }
            }
        }
        cx.locals.truncate(mark);
    }

    fn template(&mut self, cx: &mut Ctx, t: &ast::Template, diags: &mut Vec<Diagnostic>) {
        for part in &t.parts {
            if let ast::TemplatePart::Hole(e) = part {
                self.expr(cx, e, diags);
            }
        }
    }

    fn expr(&mut self, cx: &mut Ctx, e: &ast::Expr, diags: &mut Vec<Diagnostic>) -> Ty {
        use ast::ExprKind as K;
        match &e.kind {
            K::Null | K::Bool(_) | K::Int(_) | K::Float(_) | K::Str(_) | K::Date(_) => Ty::Scalar,
            K::List(items) => {
                for i in items {
                    self.expr(cx, i, diags);
                }
                Ty::Any
            }
            K::Object(entries) => {
                for (_, v) in entries {
                    self.expr(cx, v, diags);
                }
                Ty::Any
            }
            K::Name(name) => self.name(cx, name, e.span, diags),
            K::Facts => self.types.root(),
            K::Element => cx.elements.last().cloned().unwrap_or(Ty::Any),
            K::Field(base, field) => {
                if let Some(ty) = self.alias_member(cx, base, &field.name) {
                    return ty;
                }
                let base = self.expr(cx, base, diags);
                self.field(cx, &base, &field.name, field.span, diags)
            }
            K::Key(base, key) => {
                let base = self.expr(cx, base, diags);
                self.field(cx, &base, &key.value, key.span, diags)
            }
            K::Index(base, _) => self.expr(cx, base, diags).element(),
            K::Filter(base, pred) => {
                let base = self.expr(cx, base, diags);
                cx.elements.push(base.element());
                self.expr(cx, pred, diags);
                cx.elements.pop();
                match base {
                    Ty::List(_) => base,
                    _ => Ty::Any,
                }
            }
            K::Project(base, steps) => {
                let base = self.expr(cx, base, diags);
                let Ty::List(element) = base else {
                    return Ty::Any;
                };
                let mut ty = *element;
                for step in steps {
                    let (key, span) = match step {
                        ast::Step::Field(i) => (i.name.as_str(), i.span),
                        ast::Step::Key(s) => (s.value.as_str(), s.span),
                    };
                    ty = self.field(cx, &ty, key, span, diags);
                }
                Ty::List(Box::new(ty))
            }
            // the callee is a function name, not a fact
            K::Call(_, args) => {
                for a in args {
                    self.expr(cx, a, diags);
                }
                Ty::Any
            }
            K::Unary(_, inner) => {
                self.expr(cx, inner, diags);
                Ty::Scalar
            }
            K::Binary(BinaryOp::Default, left, right) => {
                let left = self.expr(cx, left, diags);
                let right = self.expr(cx, right, diags);
                if left == Ty::Any { right } else { left }
            }
            K::Binary(_, left, right) => {
                self.expr(cx, left, diags);
                self.expr(cx, right, diags);
                Ty::Any
            }
            K::Quantifier(_, var, over, pred) => {
                let element = self.expr(cx, over, diags).element();
                cx.locals.push((var.name.clone(), element));
                self.expr(cx, pred, diags);
                cx.locals.pop();
                Ty::Scalar
            }
        }
    }

    /// The name lookup order of the language: locals, `use` aliases, the namespace's params,
    /// lets and fns, then the facts root (rules are not values).
    fn name(&mut self, cx: &mut Ctx, name: &str, span: Span, diags: &mut Vec<Diagnostic>) -> Ty {
        if let Some((_, ty)) = cx.locals.iter().rev().find(|(n, _)| n == name) {
            return ty.clone();
        }
        let Some(info) = self.infos.get(cx.module) else {
            return Ty::Any;
        };
        if info.aliases.contains_key(name) {
            return Ty::Any;
        }
        match self.defs.lookup(&info.namespace, name) {
            Some(DefRef::Let(id)) => return self.let_type(id),
            Some(DefRef::Param(_) | DefRef::Fn(_)) => return Ty::Any,
            Some(DefRef::Rule(_)) | None => {}
        }
        // a name close to a local, alias, param or let is already `annexa::unknown_name`
        let mut candidates: Vec<&str> = cx.locals.iter().map(|(n, _)| n.as_str()).collect();
        candidates.extend(info.aliases.keys().map(String::as_str));
        candidates.extend(self.defs.value_names(&info.namespace));
        if !close_names(name, candidates).is_empty() {
            return Ty::Any;
        }
        let root = self.types.root();
        self.field(cx, &root, name, span, diags)
    }

    /// `alias.name` naming a definition of a used module (not a fact).
    fn alias_member(&mut self, cx: &Ctx, base: &ast::Expr, name: &str) -> Option<Ty> {
        let ast::ExprKind::Name(alias) = &base.kind else {
            return None;
        };
        if cx.locals.iter().any(|(n, _)| n == alias) {
            return None;
        }
        let namespace = self.infos.get(cx.module)?.aliases.get(alias)?;
        Some(match self.defs.lookup(namespace, name) {
            Some(DefRef::Let(id)) => self.let_type(id),
            _ => Ty::Any,
        })
    }

    fn let_type(&mut self, id: usize) -> Ty {
        match self.let_states.get(id) {
            Some(LetState::Done(ty)) => return ty.clone(),
            // a cycle is reported by the graph; its type is unknown
            Some(LetState::Busy) | None => return Ty::Any,
            Some(LetState::Todo) => {}
        }
        let Some(&(module, value)) = self.lets.get(id) else {
            return Ty::Any;
        };
        if let Some(s) = self.let_states.get_mut(id) {
            *s = LetState::Busy;
        }
        let mut cx = Ctx::new(module, false);
        let ty = self.expr(&mut cx, value, &mut Vec::new());
        if let Some(s) = self.let_states.get_mut(id) {
            *s = LetState::Done(ty.clone());
        }
        ty
    }

    fn field(
        &mut self,
        cx: &Ctx,
        base: &Ty,
        key: &str,
        span: Span,
        diags: &mut Vec<Diagnostic>,
    ) -> Ty {
        match self.types.field(base, key) {
            Ok(ty) => ty,
            Err(id) => {
                if cx.report {
                    diags.push(self.unknown_field(cx, id, key, span));
                }
                Ty::Any
            }
        }
    }

    fn unknown_field(&self, cx: &Ctx, id: usize, key: &str, span: Span) -> Diagnostic {
        let (name, fields): (&str, Vec<&str>) = self.types.object(id).map_or(("?", vec![]), |o| {
            (
                o.name.as_str(),
                o.fields.keys().map(String::as_str).collect(),
            )
        });
        let what = if id == ROOT {
            format!("`{name}` (the document root)")
        } else {
            format!("`{name}`")
        };
        let file = self
            .infos
            .get(cx.module)
            .map(|i| i.file.clone())
            .unwrap_or_else(|| crate::source::SourceFile::new("", ""));
        let d = Diagnostic::error(CODE, format!("{what} has no field `{key}`"), &file)
            .with_label(span, format!("not in the fact model `{}`", self.model_name));
        match nearest(key, fields.iter().copied()) {
            Some(n) => d.with_help(format!("did you mean `{n}`?")),
            None => d.with_help(format!(
                "`{name}` has the fields {}; to read a field of your own, extend the model (docs/facts.md)",
                fields
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}
