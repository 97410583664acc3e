//! Constant policy expressions (test facts, test params) as JSON values.

use serde_json::{Map, Number, Value};

use crate::ast::{Expr, ExprKind, UnaryOp};
use crate::facts::push_escaped;
use crate::source::Span;

/// Why an expression is not a constant: what was found and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotConstant {
    /// The offending sub-expression.
    pub span: Span,
    /// What is wrong, e.g. `a name is not a constant`.
    pub reason: String,
}

/// A constant converted to JSON, with the policy span of every value by JSON Pointer (the root
/// is `""`), so that findings on inline facts can point back into the policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Constant {
    /// The value.
    pub value: Value,
    /// `(pointer, span)` for every value, in source order.
    pub spans: Vec<(String, Span)>,
}

impl Constant {
    /// The span of the value at `pointer`, or of its nearest parent that has one.
    pub fn span_of(&self, pointer: &str) -> Option<Span> {
        let mut p = pointer;
        loop {
            if let Some((_, span)) = self.spans.iter().find(|(q, _)| q == p) {
                return Some(*span);
            }
            if p.is_empty() {
                return None;
            }
            p = p.rfind('/').map_or("", |i| p.get(..i).unwrap_or(""));
        }
    }
}

/// Converts a constant expression to JSON: `null`, booleans, numbers (a leading `-` allowed),
/// strings, dates (as `YYYY-MM-DD` strings), lists and objects of constants.
///
/// ```
/// use annexa::unstable::source::SourceFile;
/// let file = SourceFile::new("t.policy", "param p = {a: [1, -2.5, \"x\", @2026-01-31, null]}");
/// let module = annexa::unstable::syntax::parse(&file).unwrap();
/// let annexa::unstable::ast::Item::Param(p) = &module.items[0] else { unreachable!() };
/// let c = annexa::unstable::testing::constant_json(&p.value).unwrap();
/// assert_eq!(c.value, serde_json::json!({"a": [1, -2.5, "x", "2026-01-31", null]}));
/// ```
pub fn constant_json(expr: &Expr) -> Result<Constant, NotConstant> {
    let mut spans = Vec::new();
    let mut pointer = String::new();
    let value = convert(expr, &mut pointer, &mut spans)?;
    Ok(Constant { value, spans })
}

fn convert(
    expr: &Expr,
    pointer: &mut String,
    spans: &mut Vec<(String, Span)>,
) -> Result<Value, NotConstant> {
    spans.push((pointer.clone(), expr.span));
    let not = |reason: &str| NotConstant {
        span: expr.span,
        reason: reason.to_string(),
    };
    Ok(match &expr.kind {
        ExprKind::Null => Value::Null,
        ExprKind::Bool(b) => Value::Bool(*b),
        ExprKind::Int(i) => Value::from(*i),
        ExprKind::Float(f) => Number::from_f64(*f)
            .map(Value::Number)
            .ok_or_else(|| not("this number is not finite"))?,
        ExprKind::Str(s) => Value::String(s.clone()),
        ExprKind::Date(days) => {
            Value::String(format_days(*days).ok_or_else(|| not("this date is out of range"))?)
        }
        ExprKind::Unary(UnaryOp::Neg, inner) => match &inner.kind {
            ExprKind::Int(i) => Value::from(
                i.checked_neg()
                    .ok_or_else(|| not("this number is out of range"))?,
            ),
            ExprKind::Float(f) => Number::from_f64(-*f)
                .map(Value::Number)
                .ok_or_else(|| not("this number is not finite"))?,
            _ => return Err(not("only a number literal may follow `-` here")),
        },
        ExprKind::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                let v = convert(item, pointer, spans);
                pointer.truncate(len);
                out.push(v?);
            }
            Value::Array(out)
        }
        ExprKind::Object(members) => {
            let mut out = Map::new();
            for (key, item) in members {
                if out.contains_key(&key.value) {
                    return Err(NotConstant {
                        span: key.span,
                        reason: format!("the key `{}` appears twice", key.value),
                    });
                }
                let len = pointer.len();
                pointer.push('/');
                push_escaped(pointer, &key.value);
                let v = convert(item, pointer, spans);
                pointer.truncate(len);
                out.insert(key.value.clone(), v?);
            }
            Value::Object(out)
        }
        ExprKind::Name(n) => return Err(not(&format!("the name `{n}` is not a constant"))),
        ExprKind::Facts => return Err(not("`facts` is not a constant")),
        ExprKind::Call(..) => return Err(not("a call is not a constant")),
        _ => return Err(not("this expression is not a constant")),
    })
}

/// Days since 1970-01-01 as `YYYY-MM-DD`.
fn format_days(days: i64) -> Option<String> {
    let epoch = time::Date::from_ordinal_date(1970, 1).ok()?;
    let julian = i64::from(epoch.to_julian_day()).checked_add(days)?;
    let date = time::Date::from_julian_day(i32::try_from(julian).ok()?).ok()?;
    Some(format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::ast::Item;
    use crate::source::SourceFile;

    fn value_of(text: &str) -> (SourceFile, Expr) {
        let file = SourceFile::new("t.policy", format!("param p = {text}"));
        let module = crate::syntax::parse(&file).expect("parses");
        let Some(Item::Param(p)) = module.items.first() else {
            panic!("a param")
        };
        (file, p.value.clone())
    }

    fn json(text: &str) -> Result<Value, String> {
        let (file, expr) = value_of(text);
        constant_json(&expr).map(|c| c.value).map_err(|e| {
            let snippet = file
                .text()
                .get(e.span.start..e.span.end)
                .unwrap_or("")
                .to_string();
            format!("{}: {snippet}", e.reason)
        })
    }

    #[test]
    fn literals_convert() {
        assert_eq!(json("null"), Ok(Value::Null));
        assert_eq!(json("true"), Ok(Value::Bool(true)));
        assert_eq!(json("42"), Ok(serde_json::json!(42)));
        assert_eq!(json("-42"), Ok(serde_json::json!(-42)));
        assert_eq!(json("-0.5"), Ok(serde_json::json!(-0.5)));
        assert_eq!(json("1e3"), Ok(serde_json::json!(1000.0)));
        assert_eq!(json("\"a\\n\""), Ok(serde_json::json!("a\n")));
        assert_eq!(json("@2024-02-29"), Ok(serde_json::json!("2024-02-29")));
        assert_eq!(json("@1969-12-31"), Ok(serde_json::json!("1969-12-31")));
    }

    #[test]
    fn collections_keep_order_and_accept_bare_keys() {
        let v = json("{zeta: 1, \"alpha beta\": [1, [], {}], all: -3,}").unwrap();
        assert_eq!(
            v.to_string(),
            r#"{"zeta":1,"alpha beta":[1,[],{}],"all":-3}"#
        );
    }

    #[test]
    fn non_constants_are_refused_with_their_span() {
        assert_eq!(
            json("{a: [1, x]}"),
            Err("the name `x` is not a constant: x".to_string())
        );
        assert_eq!(
            json("[1 + 2]"),
            Err("this expression is not a constant: 1 + 2".to_string())
        );
        assert_eq!(
            json("{a: len([])}"),
            Err("a call is not a constant: len([])".to_string())
        );
        assert!(json("-(1)").is_ok());
        assert_eq!(
            json("not true"),
            Err("this expression is not a constant: not true".to_string())
        );
        assert_eq!(
            json("{a: facts.x}"),
            Err("this expression is not a constant: facts.x".to_string())
        );
        assert_eq!(
            json("{a: 1, a: 2}"),
            Err("the key `a` appears twice: a".to_string())
        );
    }

    #[test]
    fn spans_are_kept_by_pointer() {
        let (file, expr) = value_of("{a: [1, {\"b/c\": true}]}");
        let c = constant_json(&expr).unwrap();
        let text = |p: &str| {
            let s = c.span_of(p).unwrap();
            file.text().get(s.start..s.end).unwrap().to_string()
        };
        assert_eq!(text("/a/1/b~1c"), "true");
        assert_eq!(text("/a/0"), "1");
        assert_eq!(text("/a/1/missing/deeper"), "{\"b/c\": true}");
        assert_eq!(text("/nothing"), "{a: [1, {\"b/c\": true}]}");
    }
}
