//! The compiled form of policies: names resolved to indices, regexes compiled, templates split.
//! The evaluator reads only these types.

use std::sync::Arc;

use crate::ast::Severity;
use crate::source::{SourceFile, Span};

/// Index of a param in [`Program::params`](crate::compile::Program::params).
pub type ParamId = usize;
/// Index of a let in [`Program::lets`](crate::compile::Program::lets).
pub type LetId = usize;
/// Index of a fn in [`Program::fns`](crate::compile::Program::fns).
pub type FnId = usize;
/// Index of a rule in [`Program::rules`](crate::compile::Program::rules).
pub type RuleId = usize;
/// Index of a host function in [`Program::hosts`](crate::compile::Program::hosts).
pub type HostId = usize;
/// A local variable slot in the current frame.
pub type Slot = usize;

/// A file-level `scope`: which documents the rules of one file are about.
#[derive(Debug, Clone)]
pub struct FileScope {
    /// The condition, over the document root.
    pub expr: Expr,
    /// Slots it needs (quantifier variables).
    pub slots: usize,
    /// The policy file.
    pub file: SourceFile,
}

/// A constant value from the policy text.
#[derive(Debug, Clone, PartialEq)]
pub enum Const {
    /// `null`
    Null,
    /// `true`/`false`
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(Arc<str>),
    /// A date literal, as seconds since the Unix epoch.
    Date(i64),
    /// A list of constants.
    List(Vec<Const>),
    /// An object of constants, keys in order.
    Object(Vec<(Arc<str>, Const)>),
}

/// A compiled expression with its source span (for run-time errors).
#[derive(Debug, Clone)]
pub struct Expr {
    /// What it computes.
    pub kind: ExprKind,
    /// Where it was written.
    pub span: Span,
}

impl Expr {
    /// Calls `f` on each expression directly inside this one, in source order: the one walk
    /// that analyses of compiled code (which slots an expression reads, which joins a rule
    /// will index) build on, so that a new form cannot be forgotten by one of them.
    pub(crate) fn for_each_child<'e>(&'e self, f: &mut impl FnMut(&'e Expr)) {
        match &self.kind {
            ExprKind::Const(_)
            | ExprKind::Local(_)
            | ExprKind::Param(_)
            | ExprKind::Let(_)
            | ExprKind::Root
            | ExprKind::RootField(_) => {}
            ExprKind::List(items)
            | ExprKind::CallFn(_, items)
            | ExprKind::CallBuiltin(_, items)
            | ExprKind::CallHost(_, items) => items.iter().for_each(f),
            ExprKind::Object(members) => members.iter().for_each(|(_, v)| f(v)),
            ExprKind::Field(b, _)
            | ExprKind::Index(b, _)
            | ExprKind::Project(b, _)
            | ExprKind::Not(b)
            | ExprKind::Neg(b)
            | ExprKind::Matches(b, _) => f(b),
            ExprKind::Filter { base, pred, .. } => {
                f(base);
                f(pred);
            }
            ExprKind::Binary(_, a, b) => {
                f(a);
                f(b);
            }
            ExprKind::Quantifier { over, pred, .. } => {
                f(over);
                f(pred);
            }
        }
    }
}

/// Compiled expression forms.
#[derive(Debug, Clone)]
pub enum ExprKind {
    /// A constant (literals, and lists/objects of literals, folded).
    Const(Const),
    /// A list built at run time.
    List(Vec<Expr>),
    /// An object built at run time.
    Object(Vec<(Arc<str>, Expr)>),
    /// A local variable (for, let, quantifier, fn parameter, filter element).
    Local(Slot),
    /// A param.
    Param(ParamId),
    /// A top-level let.
    Let(LetId),
    /// `facts`
    Root,
    /// A bare name that reads a key of the facts root.
    RootField(Arc<str>),
    /// `e.f` or `e["k"]`
    Field(Box<Expr>, Arc<str>),
    /// `e[i]`
    Index(Box<Expr>, i64),
    /// `e[PRED]`, the element bound to `slot` while PRED runs.
    Filter {
        /// The list.
        base: Box<Expr>,
        /// The predicate.
        pred: Box<Expr>,
        /// Where `.` lives.
        slot: Slot,
        /// The filter's source text, for evidence gap messages.
        text: Arc<str>,
    },
    /// `e[*].a.b`
    Project(Box<Expr>, Vec<Arc<str>>),
    /// A user or stdlib function.
    CallFn(FnId, Vec<Expr>),
    /// A builtin.
    CallBuiltin(Builtin, Vec<Expr>),
    /// A host function (index into [`Program::hosts`](crate::compile::Program::hosts)).
    CallHost(HostId, Vec<Expr>),
    /// `not e`
    Not(Box<Expr>),
    /// `-e`
    Neg(Box<Expr>),
    /// An infix operator other than `matches`.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `e matches "re"` (index into [`Program::regexes`](crate::compile::Program::regexes)).
    Matches(Box<Expr>, usize),
    /// `all/any/none x in XS: P`.
    Quantifier {
        /// Which.
        kind: Quant,
        /// Where `x` lives.
        slot: Slot,
        /// The collection.
        over: Box<Expr>,
        /// The predicate.
        pred: Box<Expr>,
    },
}

/// Infix operators (`matches` has its own node).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
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

impl BinOp {
    /// The operators that compare two operands into a truth value: `==`, `!=`, `<`, `<=`,
    /// `>`, `>=`, `in` and `not in`.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq
                | BinOp::Ne
                | BinOp::Lt
                | BinOp::Le
                | BinOp::Gt
                | BinOp::Ge
                | BinOp::In
                | BinOp::NotIn
        )
    }
}

/// Quantifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quant {
    /// `all`
    All,
    /// `any`
    Any,
    /// `none`
    None,
}

/// Built-in functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    /// `count(xs)`
    Count,
    /// `len(s)`
    Len,
    /// `exists(path)`
    Exists,
    /// `lower(s)`
    Lower,
    /// `upper(s)`
    Upper,
    /// `starts_with(s, prefix)`
    StartsWith,
    /// `ends_with(s, suffix)`
    EndsWith,
    /// `contains(s_or_list, x)`
    Contains,
    /// `keys(obj)`
    Keys,
    /// `values(obj)`
    Values,
    /// `unique(xs)`
    Unique,
    /// `sum(xs)`
    Sum,
    /// `min(xs)`
    Min,
    /// `max(xs)`
    Max,
    /// `days_since(date)`
    DaysSince,
    /// `parse_date(s)`
    ParseDate,
    /// `type_name(x)`: `"null"`, `"boolean"`, `"number"`, `"string"`, `"date"`, `"list"` or
    /// `"object"`.
    TypeName,
    /// `tag(x)`: the YAML tag `x` was written with (`"!Ref"`), `null` when untagged
    Tag,
    /// `parse_json(s)`: the JSON document in a string
    ParseJson,
    /// `parse_yaml(s)`: the (first) YAML document in a string
    ParseYaml,
    /// `base64_decode(s)`: the text a base64 string encodes
    Base64Decode,
    /// `key_of(x)`: the key under which a fact sits in its parent object (a CloudFormation
    /// logical id for `Resources.X`); missing for list elements, the root and computed values.
    KeyOf,
}

impl Builtin {
    /// Every builtin with its name and arity.
    pub const ALL: [(&'static str, Builtin, usize); 22] = [
        ("count", Builtin::Count, 1),
        ("len", Builtin::Len, 1),
        ("exists", Builtin::Exists, 1),
        ("lower", Builtin::Lower, 1),
        ("upper", Builtin::Upper, 1),
        ("starts_with", Builtin::StartsWith, 2),
        ("ends_with", Builtin::EndsWith, 2),
        ("contains", Builtin::Contains, 2),
        ("keys", Builtin::Keys, 1),
        ("values", Builtin::Values, 1),
        ("unique", Builtin::Unique, 1),
        ("sum", Builtin::Sum, 1),
        ("min", Builtin::Min, 1),
        ("max", Builtin::Max, 1),
        ("days_since", Builtin::DaysSince, 1),
        ("parse_date", Builtin::ParseDate, 1),
        ("type_name", Builtin::TypeName, 1),
        ("tag", Builtin::Tag, 1),
        ("parse_json", Builtin::ParseJson, 1),
        ("parse_yaml", Builtin::ParseYaml, 1),
        ("base64_decode", Builtin::Base64Decode, 1),
        ("key_of", Builtin::KeyOf, 1),
    ];

    /// Looks a builtin up by name: its id and arity.
    pub fn by_name(name: &str) -> Option<(Builtin, usize)> {
        Builtin::ALL
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, b, a)| (*b, *a))
    }
}

/// A compiled template.
#[derive(Debug, Clone, Default)]
pub struct Template {
    /// The pieces.
    pub parts: Vec<TemplatePart>,
}

/// A piece of a template.
#[derive(Debug, Clone)]
pub enum TemplatePart {
    /// Literal text.
    Text(Arc<str>),
    /// A hole.
    Hole(Expr),
}

/// A compiled rule statement.
#[derive(Debug, Clone)]
pub enum Stmt {
    /// `require`.
    Require {
        /// The check.
        cond: Expr,
        /// The `else` template, or `None` for `requirement failed: SOURCE`.
        message: Option<Template>,
        /// The check's source text.
        text: Arc<str>,
        /// That text without whitespace: the require's part of every violation's identity
        /// ([`crate::identity::require_text`]), worked out once, not per violation.
        identity: Arc<str>,
        /// Byte offset of the `require`, for ordering violations.
        order: usize,
    },
    /// `for`.
    For {
        /// Where the element lives.
        slot: Slot,
        /// What is iterated.
        iter: Expr,
        /// The block.
        body: Vec<Stmt>,
        /// The iterated expression's source text.
        text: Arc<str>,
    },
    /// A local `let`.
    Let {
        /// Where the value lives.
        slot: Slot,
        /// The value.
        value: Expr,
    },
    /// `if`.
    If {
        /// The condition.
        cond: Expr,
        /// Taken when true.
        then: Vec<Stmt>,
        /// Taken when false (also when missing, which records a gap).
        otherwise: Vec<Stmt>,
        /// The condition's source text.
        text: Arc<str>,
    },
}

impl Stmt {
    /// Calls `f` on each expression of this statement and of the statements inside it (not
    /// on the expressions inside those expressions: see [`Expr::for_each_child`]).
    pub(crate) fn for_each_expr<'e>(&'e self, f: &mut impl FnMut(&'e Expr)) {
        match self {
            Stmt::Require { cond, message, .. } => {
                f(cond);
                let holes = message.iter().flat_map(|m| &m.parts);
                for part in holes {
                    if let TemplatePart::Hole(e) = part {
                        f(e);
                    }
                }
            }
            Stmt::For { iter, body, .. } => {
                f(iter);
                body.iter().for_each(|s| s.for_each_expr(f));
            }
            Stmt::Let { value, .. } => f(value),
            Stmt::If {
                cond,
                then,
                otherwise,
                ..
            } => {
                f(cond);
                then.iter()
                    .chain(otherwise)
                    .for_each(|s| s.for_each_expr(f));
            }
        }
    }
}

/// A compiled param.
#[derive(Debug, Clone)]
pub struct Param {
    /// The policy file it was written in.
    pub file: SourceFile,
    /// `ns.name` (or `name` in the root namespace).
    pub qualified: String,
    /// The short name.
    pub name: String,
    /// The default value.
    pub default: Expr,
    /// Slots its default needs.
    pub slots: usize,
}

/// A compiled top-level let.
#[derive(Debug, Clone)]
pub struct Let {
    /// The policy file it was written in.
    pub file: SourceFile,
    /// `ns.name`.
    pub qualified: String,
    /// The value.
    pub value: Expr,
    /// Slots it needs.
    pub slots: usize,
}

/// A compiled function.
#[derive(Debug, Clone)]
pub struct Function {
    /// The policy file it was written in.
    pub file: SourceFile,
    /// `ns.name`.
    pub qualified: String,
    /// Number of parameters (slots `0..arity`).
    pub arity: usize,
    /// The body.
    pub body: Expr,
    /// Slots it needs, parameters included.
    pub slots: usize,
}

/// The part of its controls a rule evidences (`aspect` metadata).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Aspect {
    /// `aspect whole`: the rule evidences each control it lists entirely.
    Whole,
    /// `aspect "…"`: the rule evidences this aspect only.
    Part(String),
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The rule id: `ns.name` or the bare name without a header.
    pub id: String,
    /// The short name.
    pub name: String,
    /// The namespace (`""` for the root).
    pub namespace: String,
    /// `title`, or `None` for the rule name.
    pub title: Option<Template>,
    /// `description`.
    pub description: Option<Template>,
    /// `remediation`.
    pub remediation: Option<Template>,
    /// 2022 control ids (2013 ids already mapped), deduplicated, in the order written.
    pub controls: Vec<String>,
    /// `severity`.
    pub severity: Severity,
    /// `tags`.
    pub tags: Vec<String>,
    /// `aspect`: which part of its controls the rule evidences (the Statement of
    /// Applicability reads it); `None` when the rule does not say.
    pub aspect: Option<Aspect>,
    /// Rules that must pass first.
    pub when: Vec<RuleId>,
    /// The body.
    pub body: Vec<Stmt>,
    /// Slots the body needs.
    pub slots: usize,
    /// Lets the rule reads, directly or through lets and fns, in id order.
    pub lets_read: Vec<LetId>,
    /// The file's `scope`, an index into [`Program::scopes`](super::Program::scopes).
    pub file_scope: Option<usize>,
    /// The rule's own `scope`, evaluated in the rule's frame after the file's.
    pub scope: Option<Expr>,
    /// The policy file.
    pub file: SourceFile,
    /// Where the `rule` keyword is.
    pub span: Span,
}

/// A require's condition text without any whitespace: its part of every violation's identity,
/// so that reformatting a policy keeps its findings' fingerprints.
///
/// ```
/// use annexa::unstable::compile::require_identity;
/// assert_eq!(require_identity("d.a  ==\n  1"), "d.a==1");
/// ```
pub fn require_identity(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}
