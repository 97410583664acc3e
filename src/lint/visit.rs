//! A walk over the syntax tree that keeps track of local names, shared by the lints.

use crate::ast::{
    BinaryOp, Expr, ExprKind, Ident, Item, MetaValue, Stmt, Template, TemplatePart, TestFacts,
    UnaryOp,
};

/// What the walk reports.
pub(crate) enum Event<'a> {
    /// A bare name that no local binds (a param, let, fn, `use` alias or fact).
    Ref(&'a str),
    /// `base.member` where `base` is a bare name no local binds.
    Member(&'a str, &'a Ident),
    /// A local name comes into scope (`for`, local `let`, quantifier variable, fn parameter).
    Bind(&'a Ident),
    /// A `for` statement: its iterated expression.
    For(&'a Expr),
    /// A `require` statement: its condition.
    Require(&'a Expr),
}

/// Walks one top-level item, calling `f` for each event.
pub(crate) fn walk_item<'a>(item: &'a Item, f: &mut dyn FnMut(Event<'a>)) {
    let mut w = Walker {
        locals: Vec::new(),
        f,
    };
    match item {
        Item::Use(_) => {}
        Item::Param(b) | Item::Let(b) => w.expr(&b.value),
        Item::Scope(sc) => w.expr(&sc.expr),
        Item::Fn(func) => {
            for p in &func.params {
                w.bind(p);
            }
            w.expr(&func.body);
        }
        Item::Rule(r) => {
            for m in &r.meta {
                match &m.value {
                    MetaValue::Template(t) => w.template(t),
                    MetaValue::Expr(e) => w.expr(e),
                    _ => {}
                }
            }
            w.block(&r.body);
        }
        Item::Test(t) => {
            if let Some(TestFacts::Inline(e)) = &t.facts {
                w.expr(e);
            }
            for (_, e) in &t.params {
                w.expr(e);
            }
        }
    }
}

struct Walker<'a, 'f> {
    locals: Vec<&'a str>,
    f: &'f mut dyn FnMut(Event<'a>),
}

impl<'a> Walker<'a, '_> {
    fn is_local(&self, name: &str) -> bool {
        self.locals.contains(&name)
    }

    fn bind(&mut self, ident: &'a Ident) {
        (self.f)(Event::Bind(ident));
        self.locals.push(&ident.name);
    }

    fn block(&mut self, stmts: &'a [Stmt]) {
        let mark = self.locals.len();
        // nested `if`/`for` blocks recurse here, not through `expr`
        crate::source::grow_stack(|| {
            for s in stmts {
                self.stmt(s);
            }
        });
        self.locals.truncate(mark);
    }

    fn stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Require { cond, message, .. } => {
                (self.f)(Event::Require(cond));
                self.expr(cond);
                if let Some(t) = message {
                    self.template(t);
                }
            }
            Stmt::For {
                var, iter, body, ..
            } => {
                self.expr(iter);
                (self.f)(Event::For(iter));
                let mark = self.locals.len();
                self.bind(var);
                self.block(body);
                self.locals.truncate(mark);
            }
            Stmt::Let(b) => {
                self.expr(&b.value);
                self.bind(&b.name);
            }
            Stmt::If {
                cond,
                then,
                otherwise,
                ..
            } => {
                self.expr(cond);
                self.block(then);
                if let Some(o) = otherwise {
                    self.block(o);
                }
            }
        }
    }

    fn template(&mut self, t: &'a Template) {
        for part in &t.parts {
            if let TemplatePart::Hole(e) = part {
                self.expr(e);
            }
        }
    }

    fn expr(&mut self, e: &'a Expr) {
        crate::source::grow_stack(|| self.expr_here(e));
    }

    fn expr_here(&mut self, e: &'a Expr) {
        match &e.kind {
            ExprKind::Null
            | ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Str(_)
            | ExprKind::Date(_)
            | ExprKind::Facts
            | ExprKind::Element => {}
            ExprKind::List(xs) => xs.iter().for_each(|x| self.expr(x)),
            ExprKind::Object(kvs) => kvs.iter().for_each(|(_, v)| self.expr(v)),
            ExprKind::Name(n) => {
                if !self.is_local(n) {
                    (self.f)(Event::Ref(n));
                }
            }
            ExprKind::Field(base, field) => {
                if let ExprKind::Name(n) = &base.kind
                    && !self.is_local(n)
                {
                    (self.f)(Event::Member(n, field));
                }
                self.expr(base);
            }
            ExprKind::Key(base, _) | ExprKind::Index(base, _) | ExprKind::Project(base, _) => {
                self.expr(base);
            }
            ExprKind::Filter(base, pred) => {
                self.expr(base);
                self.expr(pred);
            }
            ExprKind::Call(callee, args) => {
                self.expr(callee);
                args.iter().for_each(|a| self.expr(a));
            }
            ExprKind::Unary(_, x) => self.expr(x),
            ExprKind::Binary(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Quantifier(_, var, over, pred) => {
                self.expr(over);
                let mark = self.locals.len();
                self.bind(var);
                self.expr(pred);
                self.locals.truncate(mark);
            }
        }
    }
}

/// A literal scalar, for constant folding.
#[derive(PartialEq)]
enum Lit<'a> {
    Null,
    Bool(bool),
    Num(f64),
    Str(&'a str),
}

fn literal(e: &Expr) -> Option<Lit<'_>> {
    match &e.kind {
        ExprKind::Null => Some(Lit::Null),
        ExprKind::Bool(b) => Some(Lit::Bool(*b)),
        #[allow(clippy::cast_precision_loss, reason = "only compared for equality")]
        ExprKind::Int(i) => Some(Lit::Num(*i as f64)),
        ExprKind::Float(f) => Some(Lit::Num(*f)),
        ExprKind::Str(s) => Some(Lit::Str(s)),
        _ => None,
    }
}

/// The value of a boolean expression when it does not depend on facts, params or locals:
/// `true`, `not false`, `true or x`, `1 == 1`, `"a" in ["a", "b"]`.
pub(crate) fn const_bool(e: &Expr) -> Option<bool> {
    match &e.kind {
        ExprKind::Bool(b) => Some(*b),
        ExprKind::Unary(UnaryOp::Not, x) => const_bool(x).map(|b| !b),
        ExprKind::Binary(BinaryOp::And, a, b) => match (const_bool(a), const_bool(b)) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        ExprKind::Binary(BinaryOp::Or, a, b) => match (const_bool(a), const_bool(b)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        ExprKind::Binary(op @ (BinaryOp::Eq | BinaryOp::Ne), a, b) => {
            let equal = literal(a)? == literal(b)?;
            Some(if *op == BinaryOp::Eq { equal } else { !equal })
        }
        ExprKind::Binary(op @ (BinaryOp::In | BinaryOp::NotIn), a, b) => {
            let x = literal(a)?;
            let ExprKind::List(items) = &b.kind else {
                return None;
            };
            let lits: Option<Vec<Lit<'_>>> = items.iter().map(literal).collect();
            let found = lits?.contains(&x);
            Some(if *op == BinaryOp::In { found } else { !found })
        }
        _ => None,
    }
}
