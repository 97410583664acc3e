//! pest pairs → typed AST. One `lower_<rule>` per grammar rule; shapes the grammar guarantees
//! are checked anyway and reported as an internal error instead of panicking.

use pest::iterators::{Pair, Pairs};

use super::grammar::Rule;
use crate::ast::*;
use crate::date::parse_iso_date;
use crate::diagnostics::Diagnostic;
use crate::source::{SourceFile, Span};

mod expr;

/// Policies nest at most this many levels (brackets, quantifiers, unary operators).
pub const MAX_DEPTH: usize = 256;

type Result<T> = std::result::Result<T, Diagnostic>;

pub(super) struct Lowerer<'f> {
    file: &'f SourceFile,
    depth: usize,
}

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.end())
}

impl<'f> Lowerer<'f> {
    pub(super) fn new(file: &'f SourceFile) -> Lowerer<'f> {
        Lowerer { file, depth: 0 }
    }

    fn internal(&self, span: Span, what: &str) -> Diagnostic {
        Diagnostic::error(
            "annexa::internal",
            format!("internal error while reading the policy: {what}"),
            self.file,
        )
        .with_label(span, "here")
        .with_help("this is a bug in annexa; please report it with this policy")
    }

    fn next<'i>(&self, pairs: &mut Pairs<'i, Rule>, parent: Span) -> Result<Pair<'i, Rule>> {
        pairs
            .next()
            .ok_or_else(|| self.internal(parent, "a part of the syntax is missing"))
    }

    /// Skips keyword pairs, which carry no information beyond their presence.
    fn next_content<'i>(
        &self,
        pairs: &mut Pairs<'i, Rule>,
        parent: Span,
    ) -> Result<Pair<'i, Rule>> {
        loop {
            let pair = self.next(pairs, parent)?;
            if !is_keyword(pair.as_rule()) {
                return Ok(pair);
            }
        }
    }

    fn enter(&mut self, span: Span) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(too_deep(self.file, span));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    // ------------------------------------------------------------ items

    pub(super) fn lower_file(
        &mut self,
        file_pair: Pair<'_, Rule>,
    ) -> Result<(Option<Header>, Option<SchemaDecl>, Vec<Item>)> {
        let mut header = None;
        let mut schema = None;
        let mut items = Vec::new();
        for pair in file_pair.into_inner() {
            match pair.as_rule() {
                Rule::header => header = Some(self.lower_header(pair)?),
                Rule::schema_item => {
                    let span = span_of(&pair);
                    let mut inner = pair.into_inner();
                    let model = self.lower_string(self.next_content(&mut inner, span)?)?;
                    schema = Some(SchemaDecl { model, span });
                }
                Rule::use_item => items.push(Item::Use(self.lower_use(pair)?)),
                Rule::param_item => items.push(Item::Param(self.lower_binding(pair)?)),
                Rule::let_item => items.push(Item::Let(self.lower_binding(pair)?)),
                Rule::fn_item => items.push(Item::Fn(self.lower_fn(pair)?)),
                Rule::rule_item => items.push(Item::Rule(self.lower_rule(pair)?)),
                Rule::test_item => items.push(Item::Test(self.lower_test(pair)?)),
                Rule::scope_item => {
                    let span = span_of(&pair);
                    let mut inner = pair.into_inner();
                    let _keyword = self.next(&mut inner, span)?;
                    let expr = self.lower_expr(self.next_content(&mut inner, span)?)?;
                    // the pair's span runs on over the whitespace before the next item
                    let span = Span {
                        start: span.start,
                        end: expr.span.end.max(span.start),
                    };
                    items.push(Item::Scope(ScopeItem { expr, span }));
                }
                Rule::EOI => {}
                _ => return Err(self.internal(span_of(&pair), "unexpected item")),
            }
        }
        Ok((header, schema, items))
    }

    fn lower_header(&mut self, pair: Pair<'_, Rule>) -> Result<Header> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let name = self.lower_dotted(self.next_content(&mut inner, span)?)?;
        let title = match inner.next() {
            Some(p) => Some(self.lower_string(p)?),
            None => None,
        };
        Ok(Header { name, title, span })
    }

    fn lower_use(&mut self, pair: Pair<'_, Rule>) -> Result<UseItem> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let path = self.lower_dotted(self.next_content(&mut inner, span)?)?;
        Ok(UseItem { path, span })
    }

    fn lower_binding(&mut self, pair: Pair<'_, Rule>) -> Result<Binding> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let name = self.lower_ident(self.next_content(&mut inner, span)?);
        let value = self.lower_expr(self.next_content(&mut inner, span)?)?;
        Ok(Binding { name, value, span })
    }

    fn lower_fn(&mut self, pair: Pair<'_, Rule>) -> Result<FnItem> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let name = self.lower_ident(self.next_content(&mut inner, span)?);
        let params_pair = self.next(&mut inner, span)?;
        let params = params_pair
            .into_inner()
            .map(|p| self.lower_ident(p))
            .collect();
        let body = self.lower_expr(self.next_content(&mut inner, span)?)?;
        Ok(FnItem {
            name,
            params,
            body,
            span,
        })
    }

    fn lower_rule(&mut self, pair: Pair<'_, Rule>) -> Result<RuleItem> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let name = self.lower_ident(self.next_content(&mut inner, span)?);
        let mut meta = Vec::new();
        let mut body = Vec::new();
        for p in inner {
            match p.as_rule() {
                Rule::meta_title
                | Rule::meta_description
                | Rule::meta_remediation
                | Rule::meta_controls
                | Rule::meta_severity
                | Rule::meta_tags
                | Rule::meta_aspect
                | Rule::meta_when
                | Rule::meta_scope => meta.push(self.lower_meta(p)?),
                _ => body.push(self.lower_stmt(p)?),
            }
        }
        Ok(RuleItem {
            name,
            meta,
            body,
            span,
        })
    }

    fn lower_meta(&mut self, pair: Pair<'_, Rule>) -> Result<Meta> {
        let span = span_of(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        let key_pair = self.next(&mut inner, span)?;
        let key_span = span_of(&key_pair);
        let (key, value) = match rule {
            Rule::meta_title => (
                MetaKey::Title,
                MetaValue::Template(self.lower_template(self.next(&mut inner, span)?)?),
            ),
            Rule::meta_description => (
                MetaKey::Description,
                MetaValue::Template(self.lower_template(self.next(&mut inner, span)?)?),
            ),
            Rule::meta_remediation => (
                MetaKey::Remediation,
                MetaValue::Template(self.lower_template(self.next(&mut inner, span)?)?),
            ),
            Rule::meta_controls => (
                MetaKey::Controls,
                MetaValue::Controls(inner.map(|p| lower_control(&p)).collect()),
            ),
            Rule::meta_severity => (
                MetaKey::Severity,
                MetaValue::Severity(self.lower_ident(self.next(&mut inner, span)?)),
            ),
            Rule::meta_tags => {
                let tags = inner
                    .map(|p| self.lower_string(p))
                    .collect::<Result<Vec<_>>>()?;
                (MetaKey::Tags, MetaValue::Tags(tags))
            }
            Rule::meta_aspect => {
                let value = self.next(&mut inner, span)?;
                let aspect = match value.as_rule() {
                    Rule::kw_whole => None,
                    _ => Some(self.lower_string(value)?),
                };
                (MetaKey::Aspect, MetaValue::Aspect(aspect))
            }
            Rule::meta_when => {
                let names = inner
                    .map(|p| self.lower_dotted(p))
                    .collect::<Result<Vec<_>>>()?;
                (MetaKey::When, MetaValue::When(names))
            }
            Rule::meta_scope => (
                MetaKey::Scope,
                MetaValue::Expr(self.lower_expr(self.next(&mut inner, span)?)?),
            ),
            _ => return Err(self.internal(span, "unknown metadata")),
        };
        Ok(Meta {
            key,
            key_span,
            value,
            span,
        })
    }

    fn lower_test(&mut self, pair: Pair<'_, Rule>) -> Result<TestItem> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let name = self.lower_string(self.next_content(&mut inner, span)?)?;
        let mut test = TestItem {
            name,
            facts: None,
            params: Vec::new(),
            expects: Vec::new(),
            span,
        };
        for p in inner {
            let pspan = span_of(&p);
            match p.as_rule() {
                Rule::test_facts => {
                    let mut parts = p.into_inner();
                    let source = self.next_content(&mut parts, pspan)?;
                    let facts = match source.as_rule() {
                        Rule::facts_file => {
                            let mut f = source.into_inner();
                            TestFacts::File(self.lower_string(self.next_content(&mut f, pspan)?)?)
                        }
                        _ => {
                            let mut f = source.into_inner();
                            TestFacts::Inline(self.lower_primary(self.next(&mut f, pspan)?)?)
                        }
                    };
                    test.facts = Some(facts);
                }
                Rule::test_params => {
                    for entry in p.into_inner().filter(|e| e.as_rule() == Rule::param_entry) {
                        let espan = span_of(&entry);
                        let mut e = entry.into_inner();
                        let name = self.lower_dotted(self.next(&mut e, espan)?)?;
                        let value = self.lower_expr(self.next(&mut e, espan)?)?;
                        test.params.push((name, value));
                    }
                }
                Rule::test_expect => {
                    let mut e = p.into_inner();
                    let what = self.next_content(&mut e, pspan)?;
                    test.expects.push(self.lower_expect(what, pspan)?);
                }
                _ => return Err(self.internal(pspan, "unknown test line")),
            }
        }
        Ok(test)
    }

    fn lower_expect(&mut self, pair: Pair<'_, Rule>, span: Span) -> Result<Expect> {
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        match rule {
            Rule::expect_all => {
                let _all = self.next(&mut inner, span)?;
                let pass = self.next(&mut inner, span)?;
                Ok(Expect {
                    target: ExpectTarget::All,
                    status: Ident {
                        name: "pass".into(),
                        span: span_of(&pass),
                    },
                    count: None,
                    span,
                })
            }
            Rule::expect_control => {
                let control = lower_control(&self.next_content(&mut inner, span)?);
                let status = self.lower_ident(self.next(&mut inner, span)?);
                Ok(Expect {
                    target: ExpectTarget::Control(control),
                    status,
                    count: None,
                    span,
                })
            }
            _ => {
                let rule_name = self.lower_dotted(self.next(&mut inner, span)?)?;
                let status = self.lower_ident(self.next(&mut inner, span)?);
                let count = match inner.next() {
                    Some(c) => Some(c.as_str().parse::<u64>().map_err(|_| {
                        Diagnostic::error(
                            "annexa::parse",
                            "the expected count is too large",
                            self.file,
                        )
                        .with_label(span_of(&c), "not a 64-bit number")
                    })?),
                    None => None,
                };
                Ok(Expect {
                    target: ExpectTarget::Rule(rule_name),
                    status,
                    count,
                    span,
                })
            }
        }
    }

    // ------------------------------------------------------------ statements

    fn lower_block(&mut self, pair: Pair<'_, Rule>) -> Result<Vec<Stmt>> {
        let span = span_of(&pair);
        self.enter(span)?;
        // nested `if`/`for` blocks recurse here, not through `lower_expr`: 250 of them
        // overflowed a 2 MiB thread
        let stmts = crate::source::grow_stack(|| {
            pair.into_inner()
                .map(|p| self.lower_stmt(p))
                .collect::<Result<Vec<_>>>()
        });
        self.leave();
        stmts
    }

    fn lower_stmt(&mut self, pair: Pair<'_, Rule>) -> Result<Stmt> {
        let span = span_of(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        match rule {
            Rule::require_stmt => {
                let cond = self.lower_expr(self.next_content(&mut inner, span)?)?;
                let message = match inner.find(|p| p.as_rule() == Rule::template) {
                    Some(t) => Some(self.lower_template(t)?),
                    None => None,
                };
                Ok(Stmt::Require {
                    cond,
                    message,
                    span,
                })
            }
            Rule::for_stmt => {
                let var = self.lower_ident(self.next_content(&mut inner, span)?);
                let iter = self.lower_expr(self.next_content(&mut inner, span)?)?;
                let body = self.lower_block(self.next(&mut inner, span)?)?;
                Ok(Stmt::For {
                    var,
                    iter,
                    body,
                    span,
                })
            }
            Rule::let_stmt => {
                let name = self.lower_ident(self.next_content(&mut inner, span)?);
                let value = self.lower_expr(self.next_content(&mut inner, span)?)?;
                Ok(Stmt::Let(Binding { name, value, span }))
            }
            Rule::if_stmt => {
                let cond = self.lower_expr(self.next_content(&mut inner, span)?)?;
                let then = self.lower_block(self.next(&mut inner, span)?)?;
                let otherwise = match inner.find(|p| p.as_rule() != Rule::kw_else) {
                    Some(p) if p.as_rule() == Rule::block => Some(self.lower_block(p)?),
                    Some(p) => {
                        let pspan = span_of(&p);
                        self.enter(pspan)?;
                        let nested = self.lower_stmt(p);
                        self.leave();
                        Some(vec![nested?])
                    }
                    None => None,
                };
                Ok(Stmt::If {
                    cond,
                    then,
                    otherwise,
                    span,
                })
            }
            _ => Err(self.internal(span, "unknown statement")),
        }
    }

    fn lower_ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: span_of(&pair),
        }
    }

    fn lower_dotted(&self, pair: Pair<'_, Rule>) -> Result<Dotted> {
        let span = span_of(&pair);
        let parts: Vec<Ident> = pair.into_inner().map(|p| self.lower_ident(p)).collect();
        if parts.is_empty() {
            return Err(self.internal(span, "empty name"));
        }
        Ok(Dotted { parts, span })
    }

    fn lower_string(&self, pair: Pair<'_, Rule>) -> Result<StrLit> {
        let span = span_of(&pair);
        let mut value = String::new();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::escape => value.push(self.unescape(&part)?),
                _ => value.push_str(part.as_str()),
            }
        }
        Ok(StrLit { value, span })
    }

    fn lower_template(&mut self, pair: Pair<'_, Rule>) -> Result<Template> {
        let span = span_of(&pair);
        let mut parts: Vec<TemplatePart> = Vec::new();
        let mut text = String::new();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::escape => text.push(self.unescape(&part)?),
                Rule::tpl_lbrace => text.push('{'),
                Rule::tpl_rbrace => text.push('}'),
                Rule::tpl_hole => {
                    if !text.is_empty() {
                        parts.push(TemplatePart::Text(std::mem::take(&mut text)));
                    }
                    let hspan = span_of(&part);
                    let mut inner = part.into_inner();
                    parts.push(TemplatePart::Hole(
                        self.lower_expr(self.next(&mut inner, hspan)?)?,
                    ));
                }
                _ => text.push_str(part.as_str()),
            }
        }
        if !text.is_empty() {
            parts.push(TemplatePart::Text(text));
        }
        Ok(Template { parts, span })
    }

    fn unescape(&self, pair: &Pair<'_, Rule>) -> Result<char> {
        let s = pair.as_str();
        Ok(match s {
            "\\\"" => '"',
            "\\\\" => '\\',
            "\\n" => '\n',
            "\\t" => '\t',
            "\\r" => '\r',
            _ => {
                let hex = s.trim_start_matches("\\u{").trim_end_matches('}');
                u32::from_str_radix(hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| {
                        Diagnostic::error(
                            "annexa::parse",
                            format!("`{s}` is not a Unicode scalar value"),
                            self.file,
                        )
                        .with_label(span_of(pair), "invalid escape")
                        .with_help("use a code point between 0 and 10FFFF, outside D800–DFFF")
                    })?
            }
        })
    }

    fn lower_date(&self, text: &str, span: Span) -> Result<i64> {
        let digits = text.trim_start_matches('@');
        parse_iso_date(digits).ok_or_else(|| {
            Diagnostic::error(
                "annexa::parse",
                format!("`{text}` is not a calendar date"),
                self.file,
            )
            .with_label(span, "no such day")
            .with_help("dates are `@YYYY-MM-DD` with a real month and day")
        })
    }
}

fn lower_control(pair: &Pair<'_, Rule>) -> ControlRef {
    ControlRef {
        id: pair.as_str().to_string(),
        span: span_of(pair),
    }
}

fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_policy
            | Rule::kw_use
            | Rule::kw_param
            | Rule::kw_let
            | Rule::kw_fn
            | Rule::kw_rule
            | Rule::kw_test
            | Rule::kw_require
            | Rule::kw_else
            | Rule::kw_for
            | Rule::kw_if
            | Rule::kw_in
            | Rule::kw_facts
            | Rule::kw_expect
            | Rule::kw_params
            | Rule::kw_file
            | Rule::kw_control
            | Rule::kw_schema
    )
}

/// The `annexa::too_deep` diagnostic.
pub(super) fn too_deep(file: &SourceFile, span: Span) -> Diagnostic {
    Diagnostic::error(
        "annexa::too_deep",
        format!("the policy nests more than {MAX_DEPTH} levels deep"),
        file,
    )
    .with_label(span, "nesting exceeds the limit here")
    .with_help("split the expression into `let` bindings or `fn`s")
}
