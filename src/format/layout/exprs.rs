//! Expressions and templates in the canonical layout: precedence-aware parentheses, literals
//! re-escaped, lists and calls broken one element per line when they do not fit.

use super::Layout;
use crate::ast::*;
use crate::format::MAX_WIDTH;
use crate::format::doc::{Doc, cat, group, nest, render, text};
use crate::source::Span;

impl Layout<'_> {
    // ------------------------------------------------------------ expressions

    /// The document of `e` printed where operators binding looser than `ctx` need parentheses;
    /// `open` says whether the expression may end with an unparenthesised quantifier (nothing
    /// of its own expression follows it).
    pub(super) fn expr(&mut self, e: &Expr, ctx: u8, open: bool) -> Doc {
        let p = prec(e);
        let quantifier_ends = matches!(e.kind, ExprKind::Quantifier(..)) && !open;
        if p < ctx || quantifier_ends {
            let inner = self.expr_bare(e, true);
            return cat(vec![text("("), inner, text(")")]);
        }
        self.expr_bare(e, open)
    }

    pub(super) fn expr_bare(&mut self, e: &Expr, open: bool) -> Doc {
        crate::source::grow_stack(|| self.expr_bare_here(e, open))
    }

    fn expr_bare_here(&mut self, e: &Expr, open: bool) -> Doc {
        match &e.kind {
            ExprKind::Null => text("null"),
            ExprKind::Bool(b) => text(b.to_string()),
            ExprKind::Int(i) => text(i.to_string()),
            ExprKind::Float(f) => text(float(*f)),
            ExprKind::Str(s) => text(quote(s)),
            ExprKind::Date(d) => text(date(*d)),
            ExprKind::Name(n) => text(n.clone()),
            ExprKind::Facts => text("facts"),
            ExprKind::Element => text("."),
            ExprKind::List(items) => {
                let mut docs = Vec::new();
                for it in items {
                    let d = self.expr(it, 0, true);
                    docs.push((it.span, d));
                }
                let close = self.end(e.span).saturating_sub(1);
                self.seq(("[", "]"), e.span.start, close, docs, false)
            }
            ExprKind::Object(entries) => {
                let mut docs = Vec::new();
                for (k, v) in entries {
                    let d = self.expr(v, 0, true);
                    let span = Span::new(k.span.start, self.end(v.span));
                    let key = if self.bare_keys && is_name(&k.value) {
                        k.value.clone()
                    } else {
                        quote(&k.value)
                    };
                    docs.push((span, cat(vec![text(format!("{key}: ")), d])));
                }
                let close = self.end(e.span).saturating_sub(1);
                self.seq(("{", "}"), e.span.start, close, docs, false)
            }
            ExprKind::Field(base, f) => {
                if matches!(base.kind, ExprKind::Element) {
                    return text(format!(".{}", f.name));
                }
                let b = self.step_base(base);
                cat(vec![b, text(format!(".{}", f.name))])
            }
            ExprKind::Key(base, k) => {
                let b = self.step_base(base);
                cat(vec![b, text(format!("[{}]", quote(&k.value)))])
            }
            ExprKind::Index(base, i) => {
                let b = self.expr(base, POSTFIX, false);
                cat(vec![b, text(format!("[{i}]"))])
            }
            ExprKind::Filter(base, pred) => {
                let b = self.expr(base, POSTFIX, false);
                // `xs[(0)]` and `xs[("k")]` are filters; without the parentheses they would
                // read as an index and a key
                let literal = matches!(pred.kind, ExprKind::Int(_) | ExprKind::Str(_));
                let pd = self.expr(pred, 0, true);
                let pd = if literal {
                    cat(vec![text("("), pd, text(")")])
                } else {
                    pd
                };
                let inner = group(cat(vec![
                    text("["),
                    nest(cat(vec![Doc::Soft, pd])),
                    Doc::Soft,
                    text("]"),
                ]));
                cat(vec![b, inner])
            }
            ExprKind::Project(base, steps) => {
                let b = self.expr(base, POSTFIX, false);
                let mut s = String::from("[*]");
                for step in steps {
                    match step {
                        Step::Field(f) => {
                            s.push('.');
                            s.push_str(&f.name);
                        }
                        Step::Key(k) => {
                            s.push('[');
                            s.push_str(&quote(&k.value));
                            s.push(']');
                        }
                    }
                }
                cat(vec![b, text(s)])
            }
            ExprKind::Call(callee, args) => {
                let c = self.expr(callee, POSTFIX, false);
                let mut docs = Vec::new();
                for a in args {
                    let d = self.expr(a, 0, true);
                    docs.push((a.span, d));
                }
                let close = self.end(e.span).saturating_sub(1);
                let open_pos = self.next_code(self.end(callee.span));
                let args = self.seq(("(", ")"), open_pos, close, docs, false);
                cat(vec![c, args])
            }
            ExprKind::Unary(UnaryOp::Not, operand) => {
                // `not` takes a quantifier or another `not` without parentheses
                let ctx = if matches!(operand.kind, ExprKind::Quantifier(..)) {
                    0
                } else {
                    NOT
                };
                let d = self.expr(operand, ctx, open);
                cat(vec![text("not "), d])
            }
            ExprKind::Unary(UnaryOp::Neg, operand) => {
                let d = self.expr(operand, POSTFIX, false);
                cat(vec![text("-"), d])
            }
            ExprKind::Binary(op @ (BinaryOp::And | BinaryOp::Or), _, _) => {
                // a chain of the same operator breaks before each operator
                let mut operands = Vec::new();
                let mut cur = e;
                while let ExprKind::Binary(o, l, r) = &cur.kind
                    && o == op
                {
                    operands.push(r.as_ref());
                    cur = l;
                }
                // the chain's leftmost operand (`cur`) prints first
                operands.reverse();
                let p = binary_prec(*op);
                let first = self.expr(cur, p, false);
                let last = operands.len();
                let mut rest = Vec::new();
                for (i, o) in operands.iter().enumerate().map(|(i, o)| (i + 1, o)) {
                    let d = self.expr(o, p + 1, open && i == last);
                    rest.push(Doc::Line);
                    rest.push(text(format!("{} ", op.as_str())));
                    rest.push(d);
                }
                group(cat(vec![first, nest(cat(rest))]))
            }
            ExprKind::Binary(op, l, r) => {
                let p = binary_prec(*op);
                let (lc, rc) = match op {
                    // non-associative levels
                    BinaryOp::Eq
                    | BinaryOp::Ne
                    | BinaryOp::Lt
                    | BinaryOp::Le
                    | BinaryOp::Gt
                    | BinaryOp::Ge
                    | BinaryOp::In
                    | BinaryOp::NotIn
                    | BinaryOp::Matches => (p + 1, p + 1),
                    // right-associative
                    BinaryOp::Default => (p + 1, p),
                    _ => (p, p + 1),
                };
                let ld = self.expr(l, lc, false);
                let rd = self.expr(r, rc, open);
                cat(vec![ld, text(format!(" {} ", op.as_str())), rd])
            }
            ExprKind::Quantifier(q, var, over, pred) => {
                let od = self.expr(over, OR, false);
                let pd = self.expr(pred, 0, open);
                cat(vec![
                    text(format!("{} {} in ", q.as_str(), var.name)),
                    od,
                    text(": "),
                    pd,
                ])
            }
        }
    }

    /// The base of a `.f` or `["k"]` step: a projection is parenthesised, as the step would
    /// otherwise map over its elements.
    pub(super) fn step_base(&mut self, base: &Expr) -> Doc {
        let b = self.expr(base, POSTFIX, false);
        if matches!(base.kind, ExprKind::Project(..)) {
            cat(vec![text("("), b, text(")")])
        } else {
            b
        }
    }

    /// A bracketed, comma-separated sequence, one element per line when broken, with the
    /// comments between its elements kept beside them.
    pub(super) fn seq(
        &mut self,
        (open, close): (&str, &str),
        open_pos: usize,
        close_pos: usize,
        elems: Vec<(Span, Doc)>,
        padded: bool,
    ) -> Doc {
        let edge = if padded { Doc::Line } else { Doc::Soft };
        let Some(last_span) = elems.last().map(|(s, _)| *s) else {
            let inside = self.take(open_pos + 1, close_pos);
            if inside.is_empty() {
                return text(format!("{open}{close}"));
            }
            let mut inner = Vec::new();
            for i in inside {
                inner.push(Doc::Hard);
                inner.push(text(self.comment_text(i)));
            }
            return group(cat(vec![
                text(open),
                nest(cat(inner)),
                Doc::Hard,
                text(close),
            ]));
        };
        let mut head = vec![text(open)];
        let mut inner = Vec::new();
        let mut prev_end = open_pos + 1;
        let last_span = Span::new(last_span.start, self.end(last_span));
        for (i, (span, d)) in elems.into_iter().enumerate() {
            let span = Span::new(span.start, self.end(span));
            if i > 0 {
                inner.push(text(","));
            }
            let mut leading = Vec::new();
            for c in self.take(prev_end, span.start) {
                if self.same_line(prev_end, self.comment_span(c).start) {
                    let t = Doc::Comment(self.comment_text(c));
                    if i == 0 { head.push(t) } else { inner.push(t) }
                } else {
                    leading.push(text(self.comment_text(c)));
                    leading.push(Doc::Hard);
                }
            }
            inner.push(if i == 0 { edge.clone() } else { Doc::Line });
            inner.extend(leading);
            inner.push(d);
            prev_end = span.end;
        }
        inner.push(Doc::IfBreak(","));
        for c in self.take(last_span.end, close_pos) {
            if self.same_line(last_span.end, self.comment_span(c).start) {
                inner.push(Doc::Comment(self.comment_text(c)));
            } else {
                inner.push(Doc::Hard);
                inner.push(text(self.comment_text(c)));
            }
        }
        head.push(nest(cat(inner)));
        head.push(edge);
        head.push(text(close));
        group(cat(head))
    }

    /// A template literal, holes printed on one line.
    pub(super) fn template(&mut self, t: &Template) -> String {
        let mut s = String::from("\"");
        for part in &t.parts {
            match part {
                TemplatePart::Text(x) => {
                    for c in x.chars() {
                        match c {
                            '{' => s.push_str("{{"),
                            '}' => s.push_str("}}"),
                            c => escape_char(c, &mut s),
                        }
                    }
                }
                TemplatePart::Hole(e) => {
                    let d = self.expr(e, 0, true);
                    let flat = d.flat().unwrap_or_else(|| {
                        let mut out = String::new();
                        render(&d, 0, 0, MAX_WIDTH, &mut out);
                        out
                    });
                    // `{{` would read as a literal brace
                    if flat.starts_with('{') {
                        s.push_str("{ ");
                        s.push_str(&flat);
                        s.push_str(" }");
                    } else {
                        s.push('{');
                        s.push_str(&flat);
                        s.push('}');
                    }
                }
            }
        }
        s.push('"');
        s
    }
}

const OR: u8 = 1;
const NOT: u8 = 3;
const POSTFIX: u8 = 10;

fn binary_prec(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Or => 1,
        BinaryOp::And => 2,
        BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            4
        }
        BinaryOp::In | BinaryOp::NotIn | BinaryOp::Matches => 5,
        BinaryOp::Default => 6,
        BinaryOp::Add | BinaryOp::Sub => 7,
        BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => 8,
    }
}

/// How tightly the printed expression binds (higher binds tighter).
pub(super) fn prec(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Quantifier(..) => 0,
        ExprKind::Binary(op, _, _) => binary_prec(*op),
        ExprKind::Unary(UnaryOp::Not, _) => NOT,
        ExprKind::Unary(UnaryOp::Neg, _) => 9,
        // a negative literal prints with its minus sign, a unary operator
        ExprKind::Int(i) if *i < 0 => 9,
        ExprKind::Float(f) if f.is_sign_negative() => 9,
        _ => POSTFIX,
    }
}

fn escape_char(c: char, s: &mut String) {
    match c {
        '"' => s.push_str("\\\""),
        '\\' => s.push_str("\\\\"),
        '\n' => s.push_str("\\n"),
        '\t' => s.push_str("\\t"),
        '\r' => s.push_str("\\r"),
        c if c.is_control() => s.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
        c => s.push(c),
    }
}

/// Whether an object key can be written without quotes.
fn is_name(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A plain string literal.
pub(super) fn quote(value: &str) -> String {
    let mut s = String::from("\"");
    for c in value.chars() {
        escape_char(c, &mut s);
    }
    s.push('"');
    s
}

/// A float literal that reads back as the same value (and as a float).
fn float(f: f64) -> String {
    if f.is_infinite() {
        return if f > 0.0 { "1e999" } else { "-1e999" }.to_string();
    }
    // `Debug` writes the shortest text that reads back exactly, always with `.` or `e`
    format!("{f:?}")
}

/// `@YYYY-MM-DD` from days since 1970-01-01.
fn date(days: i64) -> String {
    let epoch = 2_440_588; // the Julian day of 1970-01-01
    let julian = i32::try_from(days + epoch).ok();
    match julian.and_then(|j| time::Date::from_julian_day(j).ok()) {
        Some(d) => format!("@{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()),
        None => format!("@{days}"),
    }
}
