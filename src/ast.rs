//! The typed syntax tree of one policy file. Owned data, every node with its byte span.
//!
//! Built by [`crate::syntax::parse`]; no parser types appear here.

use serde::{Deserialize, Serialize};

use crate::source::{SourceFile, Span};

/// One parsed `.policy` file.
#[derive(Debug, Clone)]
pub struct Module {
    /// The file the module was parsed from.
    pub source: SourceFile,
    /// The optional `policy NAME "title"` header.
    pub header: Option<Header>,
    /// The optional `schema "MODEL"` line after the header.
    pub schema: Option<SchemaDecl>,
    /// Top-level items in source order.
    pub items: Vec<Item>,
    /// Comments with their spans, in source order (kept for the formatter).
    pub comments: Vec<Comment>,
}

impl Module {
    /// The namespace declared by the header, or `""` (the root namespace) without one.
    pub fn namespace(&self) -> String {
        self.header
            .as_ref()
            .map(|h| h.name.text())
            .unwrap_or_default()
    }
}

/// A `#` comment.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    /// The text after `#`, without the line break.
    pub text: String,
    /// Where it is.
    pub span: Span,
}

/// `policy NAME "title"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// The namespace.
    pub name: Dotted,
    /// The optional title.
    pub title: Option<StrLit>,
    /// The whole header.
    pub span: Span,
}

/// `schema "annexa.ml/v1"`: the fact model whose paths the file's reads are checked against.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaDecl {
    /// The model's name.
    pub model: StrLit,
    /// The whole line.
    pub span: Span,
}

/// A lowercase name.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it is.
    pub span: Span,
}

/// A dotted name such as `ml.data_protection` or `std.crypto`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dotted {
    /// The segments.
    pub parts: Vec<Ident>,
    /// The whole name.
    pub span: Span,
}

impl Dotted {
    /// The name with dots, as written.
    pub fn text(&self) -> String {
        let names: Vec<&str> = self.parts.iter().map(|p| p.name.as_str()).collect();
        names.join(".")
    }

    /// The last segment.
    pub fn last(&self) -> &str {
        self.parts.last().map_or("", |p| p.name.as_str())
    }
}

/// A plain string literal, escapes resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct StrLit {
    /// The value.
    pub value: String,
    /// The literal, quotes included.
    pub span: Span,
}

/// A top-level item.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `use std.crypto`
    Use(UseItem),
    /// `param NAME = EXPR`
    Param(Binding),
    /// `let NAME = EXPR`
    Let(Binding),
    /// `fn NAME(a, b) = EXPR`
    Fn(FnItem),
    /// `rule NAME { … }`
    Rule(RuleItem),
    /// `test "name" { … }`
    Test(TestItem),
    /// `scope EXPR`: the documents every rule of the file is about.
    Scope(ScopeItem),
}

impl Item {
    /// The whole item's span.
    pub fn span(&self) -> Span {
        match self {
            Item::Use(u) => u.span,
            Item::Param(b) | Item::Let(b) => b.span,
            Item::Fn(f) => f.span,
            Item::Rule(r) => r.span,
            Item::Test(t) => t.span,
            Item::Scope(s) => s.span,
        }
    }
}

/// `use PATH`.
#[derive(Debug, Clone, PartialEq)]
pub struct UseItem {
    /// `std.crypto` or another policy's namespace.
    pub path: Dotted,
    /// The whole item.
    pub span: Span,
}

/// A file-level `scope EXPR`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeItem {
    /// The condition, read against the document root.
    pub expr: Expr,
    /// The whole item.
    pub span: Span,
}

/// `param`/`let` at top level, or a local `let`.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    /// The bound name.
    pub name: Ident,
    /// Its value.
    pub value: Expr,
    /// The whole binding.
    pub span: Span,
}

/// `fn NAME(params) = body`.
#[derive(Debug, Clone, PartialEq)]
pub struct FnItem {
    /// The function's name.
    pub name: Ident,
    /// Parameter names.
    pub params: Vec<Ident>,
    /// The body.
    pub body: Expr,
    /// The whole item.
    pub span: Span,
}

/// `rule NAME { META* STMT* }`.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleItem {
    /// The rule's name.
    pub name: Ident,
    /// Metadata in source order.
    pub meta: Vec<Meta>,
    /// The body.
    pub body: Vec<Stmt>,
    /// The whole rule.
    pub span: Span,
}

/// One metadata line of a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// The key.
    pub key: MetaKey,
    /// The key word's span.
    pub key_span: Span,
    /// The value.
    pub value: MetaValue,
    /// The whole line.
    pub span: Span,
}

/// Metadata keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaKey {
    /// `title`
    Title,
    /// `description`
    Description,
    /// `remediation`
    Remediation,
    /// `controls`
    Controls,
    /// `severity`
    Severity,
    /// `tags`
    Tags,
    /// `aspect`
    Aspect,
    /// `when`
    When,
    /// `scope`
    Scope,
}

impl MetaKey {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            MetaKey::Title => "title",
            MetaKey::Description => "description",
            MetaKey::Remediation => "remediation",
            MetaKey::Controls => "controls",
            MetaKey::Severity => "severity",
            MetaKey::Tags => "tags",
            MetaKey::Aspect => "aspect",
            MetaKey::When => "when",
            MetaKey::Scope => "scope",
        }
    }
}

/// Metadata values.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaValue {
    /// `title`, `description`, `remediation`.
    Template(Template),
    /// `controls A.5.15, A.8.24`.
    Controls(Vec<ControlRef>),
    /// `severity high`.
    Severity(Ident),
    /// `tags "a", "b"`.
    Tags(Vec<StrLit>),
    /// `aspect "key rotation"` (the part of its controls the rule evidences), or
    /// `aspect whole` (`None`: the rule evidences the whole of each control it lists).
    Aspect(Option<StrLit>),
    /// `when rule_a, ns.rule_b`.
    When(Vec<Dotted>),
    /// `scope EXPR`.
    Expr(Expr),
}

/// How much a failing rule matters (`severity high`): a word of the language, carried by
/// every finding. Ordered from most to least severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// `critical`
    Critical,
    /// `high`
    High,
    /// `medium` (the default)
    Medium,
    /// `low`
    Low,
    /// `info`
    Info,
}

impl Severity {
    /// The lowercase word used in policies and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }

    /// Parses `critical`, `high`, `medium`, `low` or `info`.
    pub fn parse(word: &str) -> Option<Severity> {
        Some(match word {
            "critical" => Severity::Critical,
            "high" => Severity::High,
            "medium" => Severity::Medium,
            "low" => Severity::Low,
            "info" => Severity::Info,
            _ => return None,
        })
    }

    /// True when `self` is at least as severe as `threshold`.
    pub fn at_least(self, threshold: Severity) -> bool {
        self <= threshold
    }
}

/// A control id as written (`A.8.24` or a 2013 `A.10.1.1`).
#[derive(Debug, Clone, PartialEq)]
pub struct ControlRef {
    /// The id text.
    pub id: String,
    /// Where it is.
    pub span: Span,
}

/// A statement of a rule body.
#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    /// `require EXPR [else "template"]`
    Require {
        /// The check.
        cond: Expr,
        /// The message template.
        message: Option<Template>,
        /// The whole statement.
        span: Span,
    },
    /// `for x in EXPR { … }`
    For {
        /// The loop variable.
        var: Ident,
        /// What is iterated.
        iter: Expr,
        /// The block.
        body: Vec<Stmt>,
        /// The whole statement.
        span: Span,
    },
    /// `let x = EXPR`
    Let(Binding),
    /// `if EXPR { … } [else …]`; `else if` nests as a single `If` in `otherwise`.
    If {
        /// The condition.
        cond: Expr,
        /// The block taken when true.
        then: Vec<Stmt>,
        /// The block taken when false.
        otherwise: Option<Vec<Stmt>>,
        /// The whole statement.
        span: Span,
    },
}

/// A template string: text and `{expr}` holes.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// The pieces in order.
    pub parts: Vec<TemplatePart>,
    /// The literal, quotes included.
    pub span: Span,
}

/// A piece of a template.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplatePart {
    /// Literal text (escapes and `{{`/`}}` resolved).
    Text(String),
    /// A hole.
    Hole(Expr),
}

/// A `test "name" { … }` block.
#[derive(Debug, Clone, PartialEq)]
pub struct TestItem {
    /// The test's name.
    pub name: StrLit,
    /// Its facts, if given.
    pub facts: Option<TestFacts>,
    /// Param overrides.
    pub params: Vec<(Dotted, Expr)>,
    /// Expectations in order.
    pub expects: Vec<Expect>,
    /// The whole block.
    pub span: Span,
}

/// Where a test's facts come from.
#[derive(Debug, Clone, PartialEq)]
pub enum TestFacts {
    /// `facts { … }`: a constant object literal.
    Inline(Expr),
    /// `facts file "path"`, relative to the policy file.
    File(StrLit),
}

/// One `expect` line.
#[derive(Debug, Clone, PartialEq)]
pub struct Expect {
    /// What is expected of.
    pub target: ExpectTarget,
    /// The expected status word (`pass` for `expect all pass`).
    pub status: Ident,
    /// The expected violation count.
    pub count: Option<u64>,
    /// The whole line.
    pub span: Span,
}

/// The subject of an `expect`.
#[derive(Debug, Clone, PartialEq)]
pub enum ExpectTarget {
    /// `expect all pass`
    All,
    /// `expect RULE STATUS`
    Rule(Dotted),
    /// `expect control A.8.24 STATUS`
    Control(ControlRef),
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

/// Expression forms.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A non-integer literal.
    Float(f64),
    /// A string literal.
    Str(String),
    /// `@YYYY-MM-DD`, as days since 1970-01-01.
    Date(i64),
    /// `[a, b]`
    List(Vec<Expr>),
    /// `{"k": v}` (keys in order, with their spans).
    Object(Vec<(StrLit, Expr)>),
    /// A bare name.
    Name(String),
    /// `facts`: the document root.
    Facts,
    /// `.`: the innermost filter's element.
    Element,
    /// `e.f`
    Field(Box<Expr>, Ident),
    /// `e["k"]`
    Key(Box<Expr>, StrLit),
    /// `e[-?N]`
    Index(Box<Expr>, i64),
    /// `e[PRED]`
    Filter(Box<Expr>, Box<Expr>),
    /// `e[*]` followed by field/key steps that map over the elements.
    Project(Box<Expr>, Vec<Step>),
    /// `callee(args)`
    Call(Box<Expr>, Vec<Expr>),
    /// Prefix operators.
    Unary(UnaryOp, Box<Expr>),
    /// Infix operators.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `all/any/none x in XS: P`
    Quantifier(Quantifier, Ident, Box<Expr>, Box<Expr>),
}

/// A step after a projection.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// `.f`
    Field(Ident),
    /// `["k"]`
    Key(StrLit),
}

impl Step {
    /// The key the step reads.
    pub fn key(&self) -> &str {
        match self {
            Step::Field(i) => &i.name,
            Step::Key(s) => &s.value,
        }
    }
}

/// Prefix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `not`
    Not,
    /// `-`
    Neg,
}

/// Infix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `or`
    Or,
    /// `and`
    And,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`
    In,
    /// `not in`
    NotIn,
    /// `matches`
    Matches,
    /// `??`
    Default,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
}

impl BinaryOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::NotIn => "not in",
            BinaryOp::Matches => "matches",
            BinaryOp::Default => "??",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }
}

/// The three quantifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    /// `all`
    All,
    /// `any`
    Any,
    /// `none`
    None,
}

impl Quantifier {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Quantifier::All => "all",
            Quantifier::Any => "any",
            Quantifier::None => "none",
        }
    }
}
