//! Expressions, templates and literals: precedence levels of the grammar to a binary tree,
//! postfix chains, projections, escapes and dates.

use pest::iterators::Pair;

use super::{Lowerer, MAX_DEPTH, Result, span_of, too_deep};
use crate::ast::*;
use crate::diagnostics::Diagnostic;
use crate::source::Span;
use crate::syntax::grammar::Rule;

impl Lowerer<'_> {
    // ------------------------------------------------------------ expressions

    pub(super) fn lower_expr(&mut self, pair: Pair<'_, Rule>) -> Result<Expr> {
        crate::source::grow_stack(|| self.lower_expr_here(pair))
    }

    fn lower_expr_here(&mut self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let span = span_of(&pair);
        match pair.as_rule() {
            Rule::expr
            | Rule::disjunction
            | Rule::conjunction
            | Rule::comparison
            | Rule::membership
            | Rule::sum
            | Rule::product => self.lower_chain(pair),
            Rule::quantifier => self.lower_quantifier(pair),
            Rule::negation => {
                let mut inner = pair.into_inner();
                let first = self.next(&mut inner, span)?;
                if first.as_rule() == Rule::kw_not {
                    self.enter(span)?;
                    let operand = self.lower_expr(self.next(&mut inner, span)?);
                    self.leave();
                    Ok(Expr {
                        kind: ExprKind::Unary(UnaryOp::Not, Box::new(operand?)),
                        span,
                    })
                } else {
                    self.lower_expr(first)
                }
            }
            Rule::coalesce => {
                let mut inner = pair.into_inner();
                let left = self.lower_expr(self.next(&mut inner, span)?)?;
                match inner.next() {
                    None => Ok(left),
                    Some(_op) => {
                        self.enter(span)?;
                        let right = self.lower_expr(self.next(&mut inner, span)?);
                        self.leave();
                        Ok(Expr {
                            kind: ExprKind::Binary(
                                BinaryOp::Default,
                                Box::new(left),
                                Box::new(right?),
                            ),
                            span,
                        })
                    }
                }
            }
            Rule::unary => self.lower_unary(pair),
            Rule::postfix => self.lower_postfix(pair),
            _ => self.lower_primary(pair),
        }
    }

    /// Left-associative chains (and the single optional operator of the non-associative levels).
    pub(super) fn lower_chain(&mut self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let mut left = self.lower_expr(self.next(&mut inner, span)?)?;
        let mut chain = 0;
        while let Some(op_pair) = inner.next() {
            // a long chain builds a deep tree, which evaluation walks recursively
            chain += 1;
            if self.depth + chain > MAX_DEPTH {
                return Err(too_deep(self.file, span_of(&op_pair)));
            }
            let op = binary_op(op_pair.as_rule())
                .ok_or_else(|| self.internal(span_of(&op_pair), "unknown operator"))?;
            let right = self.lower_expr(self.next(&mut inner, span)?)?;
            let joined = left.span.join(right.span);
            left = Expr {
                kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                span: joined,
            };
        }
        Ok(left)
    }

    pub(super) fn lower_quantifier(&mut self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let span = span_of(&pair);
        self.enter(span)?;
        let mut inner = pair.into_inner();
        let kind = match self.next(&mut inner, span)?.as_rule() {
            Rule::kw_all => Quantifier::All,
            Rule::kw_any => Quantifier::Any,
            _ => Quantifier::None,
        };
        let var = self.lower_ident(self.next(&mut inner, span)?);
        let over = self.lower_expr(self.next_content(&mut inner, span)?)?;
        let pred = self.lower_expr(self.next(&mut inner, span)?)?;
        self.leave();
        Ok(Expr {
            kind: ExprKind::Quantifier(kind, var, Box::new(over), Box::new(pred)),
            span,
        })
    }

    pub(super) fn lower_unary(&mut self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let span = span_of(&pair);
        let mut negations = Vec::new();
        let mut operand = None;
        for p in pair.into_inner() {
            if p.as_rule() == Rule::op_neg {
                self.enter(span)?;
                negations.push(span_of(&p).start);
            } else {
                operand = Some(self.lower_expr(p));
            }
        }
        for _ in &negations {
            self.leave();
        }
        let mut expr = operand.ok_or_else(|| self.internal(span, "missing operand"))??;
        for start in negations.into_iter().rev() {
            let s = Span::new(start, expr.span.end);
            expr = match expr.kind {
                // `-1.5` is a literal, not an operation
                ExprKind::Int(i) if i >= 0 => Expr {
                    kind: ExprKind::Int(-i),
                    span: s,
                },
                ExprKind::Float(f) => Expr {
                    kind: ExprKind::Float(-f),
                    span: s,
                },
                kind => Expr {
                    kind: ExprKind::Unary(
                        UnaryOp::Neg,
                        Box::new(Expr {
                            kind,
                            span: expr.span,
                        }),
                    ),
                    span: s,
                },
            };
        }
        Ok(expr)
    }

    pub(super) fn lower_postfix(&mut self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner().peekable();
        let first = inner
            .next()
            .ok_or_else(|| self.internal(span, "missing operand"))?;
        let mut expr = self.lower_primary(first)?;
        let mut chain = 0;
        while let Some(op) = inner.next() {
            let op_span = span_of(&op);
            // as for operator chains: each step nests the tree one level, and the tree is
            // walked (and dropped) recursively, so a 20,000-step chain would overflow a small
            // thread's stack
            chain += 1;
            if self.depth + chain > MAX_DEPTH {
                return Err(too_deep(self.file, op_span));
            }
            let whole = Span::new(expr.span.start, op_span.end);
            let kind = match op.as_rule() {
                Rule::field => ExprKind::Field(Box::new(expr), self.lower_field(op)?),
                Rule::index => {
                    let text = op
                        .into_inner()
                        .next()
                        .map(|p| p.as_str().to_string())
                        .unwrap_or_default();
                    let i: i64 = text.parse().map_err(|_| {
                        Diagnostic::error("annexa::parse", "index out of range", self.file)
                            .with_label(op_span, "not a 64-bit integer")
                    })?;
                    ExprKind::Index(Box::new(expr), i)
                }
                Rule::key_access => {
                    let mut k = op.into_inner();
                    ExprKind::Key(
                        Box::new(expr),
                        self.lower_string(self.next(&mut k, op_span)?)?,
                    )
                }
                Rule::filter => {
                    self.enter(op_span)?;
                    let mut k = op.into_inner();
                    let pred = self.lower_expr(self.next(&mut k, op_span)?);
                    self.leave();
                    ExprKind::Filter(Box::new(expr), Box::new(pred?))
                }
                Rule::call_args => {
                    self.enter(op_span)?;
                    let args = op
                        .into_inner()
                        .map(|a| self.lower_expr(a))
                        .collect::<Result<Vec<_>>>();
                    self.leave();
                    ExprKind::Call(Box::new(expr), args?)
                }
                Rule::projection => {
                    let mut steps = Vec::new();
                    let mut end = op_span.end;
                    while let Some(next) = inner.peek() {
                        match next.as_rule() {
                            Rule::field | Rule::key_access => {}
                            _ => break,
                        }
                        let Some(step) = inner.next() else { break };
                        end = span_of(&step).end;
                        if step.as_rule() == Rule::field {
                            steps.push(Step::Field(self.lower_field(step)?));
                        } else {
                            let sspan = span_of(&step);
                            let mut k = step.into_inner();
                            steps.push(Step::Key(self.lower_string(self.next(&mut k, sspan)?)?));
                        }
                    }
                    let whole = Span::new(expr.span.start, end);
                    expr = Expr {
                        kind: ExprKind::Project(Box::new(expr), steps),
                        span: whole,
                    };
                    continue;
                }
                _ => return Err(self.internal(op_span, "unknown postfix operator")),
            };
            expr = Expr { kind, span: whole };
        }
        Ok(expr)
    }

    pub(super) fn lower_field(&mut self, pair: Pair<'_, Rule>) -> Result<Ident> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let name = self.next(&mut inner, span)?;
        Ok(Ident {
            name: name.as_str().to_string(),
            span: span_of(&name),
        })
    }

    pub(super) fn lower_primary(&mut self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let span = span_of(&pair);
        let kind = match pair.as_rule() {
            Rule::number => lower_number(pair.as_str()),
            Rule::string => ExprKind::Str(self.lower_string(pair)?.value),
            Rule::date => ExprKind::Date(self.lower_date(pair.as_str(), span)?),
            Rule::kw_true => ExprKind::Bool(true),
            Rule::kw_false => ExprKind::Bool(false),
            Rule::kw_null => ExprKind::Null,
            Rule::kw_facts => ExprKind::Facts,
            Rule::ident => ExprKind::Name(pair.as_str().to_string()),
            Rule::dot => ExprKind::Element,
            Rule::dot_field => {
                let field = self.lower_field(pair)?;
                let dot = Expr {
                    kind: ExprKind::Element,
                    span: Span::new(span.start, span.start + 1),
                };
                ExprKind::Field(Box::new(dot), field)
            }
            Rule::paren => {
                self.enter(span)?;
                let mut inner = pair.into_inner();
                let e = self.lower_expr(self.next(&mut inner, span)?);
                self.leave();
                // keep the parenthesised span so source text of `require` reads naturally
                return e.map(|e| Expr { kind: e.kind, span });
            }
            Rule::list => {
                self.enter(span)?;
                let items = pair
                    .into_inner()
                    .map(|p| self.lower_expr(p))
                    .collect::<Result<Vec<_>>>();
                self.leave();
                ExprKind::List(items?)
            }
            Rule::object => {
                self.enter(span)?;
                let entries = self.lower_object(pair);
                self.leave();
                ExprKind::Object(entries?)
            }
            _ => return self.lower_expr(pair),
        };
        Ok(Expr { kind, span })
    }

    pub(super) fn lower_object(&mut self, pair: Pair<'_, Rule>) -> Result<Vec<(StrLit, Expr)>> {
        let mut entries = Vec::new();
        for entry in pair.into_inner() {
            let espan = span_of(&entry);
            let mut inner = entry.into_inner();
            let key_pair = self.next(&mut inner, espan)?;
            let key = if key_pair.as_rule() == Rule::string {
                self.lower_string(key_pair)?
            } else {
                StrLit {
                    value: key_pair.as_str().to_string(),
                    span: span_of(&key_pair),
                }
            };
            let value = self.lower_expr(self.next(&mut inner, espan)?)?;
            entries.push((key, value));
        }
        Ok(entries)
    }
}

fn lower_number(text: &str) -> ExprKind {
    if !text.contains(['.', 'e', 'E'])
        && let Ok(i) = text.parse::<i64>()
    {
        return ExprKind::Int(i);
    }
    ExprKind::Float(text.parse::<f64>().unwrap_or(f64::INFINITY))
}

fn binary_op(rule: Rule) -> Option<BinaryOp> {
    Some(match rule {
        Rule::kw_or => BinaryOp::Or,
        Rule::kw_and => BinaryOp::And,
        Rule::op_eq => BinaryOp::Eq,
        Rule::op_ne => BinaryOp::Ne,
        Rule::op_lt => BinaryOp::Lt,
        Rule::op_le => BinaryOp::Le,
        Rule::op_gt => BinaryOp::Gt,
        Rule::op_ge => BinaryOp::Ge,
        Rule::kw_in => BinaryOp::In,
        Rule::kw_not_in => BinaryOp::NotIn,
        Rule::kw_matches => BinaryOp::Matches,
        Rule::op_add => BinaryOp::Add,
        Rule::op_sub => BinaryOp::Sub,
        Rule::op_mul => BinaryOp::Mul,
        Rule::op_div => BinaryOp::Div,
        Rule::op_mod => BinaryOp::Rem,
        _ => return None,
    })
}
