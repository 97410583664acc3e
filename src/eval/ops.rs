//! Operators on values: structural equality, ordering, membership, arithmetic, rendering.

use std::cmp::Ordering;
use std::rc::Rc;

use super::time;
use super::value::{Val, View};

/// Three-valued truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tri {
    /// true
    True,
    /// false
    False,
    /// could not be decided: a fact was missing
    Missing,
}

impl Tri {
    /// From a boolean.
    pub fn from_bool(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }

    /// `not`
    pub fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Missing => Tri::Missing,
        }
    }
}

/// Structural equality (`1 == 1.0`); `None` when either side is missing.
pub fn equal(a: &Val<'_>, b: &Val<'_>) -> Option<bool> {
    equal_views(a.view(), b.view())
}

/// [`equal`] of two views: `in` compares one value with every element, and looks at it once.
fn equal_views(a: View<'_, '_>, b: View<'_, '_>) -> Option<bool> {
    Some(match (a, b) {
        (View::Missing, _) | (_, View::Missing) => return None,
        (View::Null, View::Null) => true,
        (View::Bool(x), View::Bool(y)) => x == y,
        (View::Int(x), View::Int(y)) => x == y,
        (View::Int(x), View::Float(y)) | (View::Float(y), View::Int(x)) => {
            int_float_cmp(x, y) == Some(Ordering::Equal)
        }
        (View::Float(x), View::Float(y)) => x == y,
        (View::Str(x), View::Str(y)) => x == y,
        (View::Date(x), View::Date(y)) => x == y,
        (View::Date(d), View::Str(s)) | (View::Str(s), View::Date(d)) => time::parse(s) == Some(d),
        // facts may nest as deep as an embedder lets them: each level may need a new segment
        (View::List(x), View::List(y)) => crate::source::grow_stack(|| {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|(p, q)| equal(&p, &q) == Some(true))
        }),
        (View::Object(x), View::Object(y)) => crate::source::grow_stack(|| {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| equal(&v, &w) == Some(true)))
        }),
        _ => false,
    })
}

/// Ordering for `< <= > >=`: numbers with numbers, strings with strings, dates with dates or
/// ISO-8601 strings. `Ok(None)` when a side is missing; `Err` for values that do not compare.
pub fn compare(a: &Val<'_>, b: &Val<'_>) -> Result<Option<Ordering>, String> {
    let mismatch = || format!("cannot compare {} with {}", describe(a), describe(b));
    Ok(Some(match (a.view(), b.view()) {
        (View::Missing, _) | (_, View::Missing) => return Ok(None),
        (View::Int(x), View::Int(y)) => x.cmp(&y),
        (View::Int(x), View::Float(y)) => int_float_cmp(x, y).ok_or_else(mismatch)?,
        (View::Float(x), View::Int(y)) => int_float_cmp(y, x).ok_or_else(mismatch)?.reverse(),
        (View::Float(x), View::Float(y)) => x.partial_cmp(&y).ok_or_else(mismatch)?,
        (View::Str(x), View::Str(y)) => x.cmp(y),
        (View::Date(x), View::Date(y)) => x.cmp(&y),
        (View::Date(x), View::Str(s)) => x.cmp(&time::parse(s).ok_or_else(|| not_a_date(s))?),
        (View::Str(s), View::Date(y)) => time::parse(s).ok_or_else(|| not_a_date(s))?.cmp(&y),
        _ => return Err(mismatch()),
    }))
}

/// Compares an integer with a float exactly: integers are exact 64-bit, so `2^53 + 1` is not
/// equal to the float `2^53`. `None` for NaN.
fn int_float_cmp(i: i64, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    // i64 range as floats: [-2^63, 2^63)
    if f >= 9_223_372_036_854_775_808.0 {
        return Some(Ordering::Less);
    }
    if f < -9_223_372_036_854_775_808.0 {
        return Some(Ordering::Greater);
    }
    let whole = f.trunc();
    let ord = i.cmp(&(whole as i64));
    if ord != Ordering::Equal {
        return Some(ord);
    }
    // same integer part: the fraction decides
    Some(if f > whole {
        Ordering::Less
    } else if f < whole {
        Ordering::Greater
    } else {
        Ordering::Equal
    })
}

pub(super) fn not_a_date(s: &str) -> String {
    format!("`{s}` is not a date (expected YYYY-MM-DD or an ISO-8601 date-time)")
}

/// `x in coll`: list elements, object values, or a substring of a string.
pub fn contains(coll: &Val<'_>, x: &Val<'_>) -> Result<Tri, String> {
    if x.is_missing() || coll.is_missing() {
        return Ok(Tri::Missing);
    }
    let needle = x.view();
    match coll.view() {
        View::List(list) => Ok(Tri::from_bool(
            list.iter()
                .any(|e| equal_views(e.view(), needle) == Some(true)),
        )),
        View::Object(obj) => Ok(Tri::from_bool(
            obj.iter()
                .any(|(_, v)| equal_views(v.view(), needle) == Some(true)),
        )),
        View::Str(s) => match needle {
            View::Str(part) => Ok(Tri::from_bool(s.contains(part))),
            _ => Err(format!("cannot look for {} in a string", describe(x))),
        },
        _ => Err(format!(
            "`in` needs a list, an object or a string on its right, got {}",
            describe(coll)
        )),
    }
}

/// `+ - * / %` on numbers; `+` also joins strings and lists.
pub fn arithmetic<'a>(op: char, a: &Val<'a>, b: &Val<'a>) -> Result<Val<'a>, String> {
    if a.is_missing() {
        return Ok(a.clone());
    }
    if b.is_missing() {
        return Ok(b.clone());
    }
    let overflow = || format!("integer overflow in `{}` {op} `{}`", render(a), render(b));
    match (a.view(), b.view()) {
        (View::Int(x), View::Int(y)) => match op {
            '+' => x.checked_add(y).map(Val::Int).ok_or_else(overflow),
            '-' => x.checked_sub(y).map(Val::Int).ok_or_else(overflow),
            '*' => x.checked_mul(y).map(Val::Int).ok_or_else(overflow),
            '/' => {
                if y == 0 {
                    Err("division by zero".into())
                } else if x.checked_rem(y) == Some(0) {
                    x.checked_div(y).map(Val::Int).ok_or_else(overflow)
                } else {
                    Ok(Val::Float(x as f64 / y as f64))
                }
            }
            _ => {
                if y == 0 {
                    Err("remainder by zero".into())
                } else {
                    x.checked_rem(y).map(Val::Int).ok_or_else(overflow)
                }
            }
        },
        (View::Int(_) | View::Float(_), View::Int(_) | View::Float(_)) => {
            let (x, y) = (as_f64(a).unwrap_or(0.0), as_f64(b).unwrap_or(0.0));
            match op {
                '+' => Ok(Val::Float(x + y)),
                '-' => Ok(Val::Float(x - y)),
                '*' => Ok(Val::Float(x * y)),
                '/' if y == 0.0 => Err("division by zero".into()),
                '/' => Ok(Val::Float(x / y)),
                _ if y == 0.0 => Err("remainder by zero".into()),
                _ => Ok(Val::Float(x % y)),
            }
        }
        (View::Str(x), View::Str(y)) if op == '+' => Ok(Val::Str(Rc::from(format!("{x}{y}")))),
        (View::List(x), View::List(y)) if op == '+' => {
            Ok(Val::List(Rc::new(x.iter().chain(y.iter()).collect())))
        }
        _ => Err(format!(
            "cannot apply `{op}` to {} and {}",
            describe(a),
            describe(b)
        )),
    }
}

/// A number as f64.
pub fn as_f64(v: &Val<'_>) -> Option<f64> {
    match v.view() {
        View::Int(i) => Some(i as f64),
        View::Float(f) => Some(f),
        _ => None,
    }
}

/// A value for an error message: its type and a short rendering.
pub fn describe(v: &Val<'_>) -> String {
    match v.view() {
        View::Missing => "a missing value".into(),
        View::Null => "null".into(),
        View::List(_) | View::Object(_) => format!("{} {}", article(v.type_name()), v.type_name()),
        _ => {
            let mut shown = render(v);
            if shown.chars().count() > 40 {
                shown = shown.chars().take(40).collect::<String>() + "…";
            }
            if matches!(v.view(), View::Str(_)) {
                format!("the string \"{shown}\"")
            } else {
                format!("{} {} `{shown}`", article(v.type_name()), v.type_name())
            }
        }
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// Renders a value into a template: strings as themselves, whole numbers without a fraction,
/// lists and objects as compact JSON in document order, missing as `<missing>` (the contract's
/// text, kept in every machine-readable report; the human, Markdown, GitHub and HTML reports
/// show the missing pointer in its place: `report::readable_message`).
pub fn render(v: &Val<'_>) -> String {
    match v.view() {
        View::Missing => MISSING.into(),
        View::Str(s) => s.to_string(),
        View::Date(d) => time::format(d),
        // JSON has no spelling for these; say what they are
        View::Float(f) if f.is_nan() => "NaN".into(),
        View::Float(f) if f.is_infinite() => if f > 0.0 { "inf" } else { "-inf" }.into(),
        View::List(_) | View::Object(_) => json_text(v).unwrap_or_else(|| MISSING.into()),
        _ => to_json(v).map_or_else(|| MISSING.into(), |j| render_json(&j)),
    }
}

/// A missing value as a template renders it (LANGUAGE.md, "Templates").
pub const MISSING: &str = "<missing>";

/// `v` as compact JSON, the text `serde_json` gives for [`to_json`]'s value, written straight
/// from the value: serialising (and dropping) a `serde_json::Value` recurses once per level
/// with no way to grow the stack, and facts may nest as deep as an embedder allows.
pub fn json_text(v: &Val<'_>) -> Option<String> {
    if v.is_missing() {
        return None;
    }
    let mut out = String::new();
    write_json(v, &mut out);
    Some(out)
}

fn write_json(v: &Val<'_>, out: &mut String) {
    match v.view() {
        View::List(list) => crate::source::grow_stack(|| {
            out.push('[');
            let mut first = true;
            for e in list.iter().filter(|e| !e.is_missing()) {
                if !std::mem::take(&mut first) {
                    out.push(',');
                }
                write_json(&e, out);
            }
            out.push(']');
        }),
        View::Object(obj) => crate::source::grow_stack(|| {
            out.push('{');
            let mut first = true;
            for (k, e) in obj.iter().filter(|(_, e)| !e.is_missing()) {
                if !std::mem::take(&mut first) {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::from(k).to_string());
                out.push(':');
                write_json(&e, out);
            }
            out.push('}');
        }),
        // a scalar's JSON is shallow
        _ => {
            if let Some(j) = to_json(v) {
                out.push_str(&j.to_string());
            }
        }
    }
}

fn render_json(j: &serde_json::Value) -> String {
    match j {
        serde_json::Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// A value as JSON (`None` for missing; dates as `YYYY-MM-DD…` strings; non-finite floats as null).
pub fn to_json(v: &Val<'_>) -> Option<serde_json::Value> {
    crate::source::grow_stack(|| to_json_here(v))
}

fn to_json_here(v: &Val<'_>) -> Option<serde_json::Value> {
    Some(match v.view() {
        View::Missing => return None,
        View::Null => serde_json::Value::Null,
        View::Bool(b) => serde_json::Value::Bool(b),
        View::Int(i) => serde_json::Value::from(i),
        View::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                serde_json::Value::from(f as i64)
            } else {
                serde_json::Number::from_f64(f)
                    .map_or(serde_json::Value::Null, serde_json::Value::Number)
            }
        }
        View::Date(d) => serde_json::Value::String(time::format(d)),
        View::Str(s) => serde_json::Value::String(s.to_string()),
        View::List(list) => {
            serde_json::Value::Array(list.iter().filter_map(|e| to_json(&e)).collect())
        }
        View::Object(obj) => serde_json::Value::Object(
            obj.iter()
                .filter_map(|(k, v)| to_json(&v).map(|j| (k.to_string(), j)))
                .collect(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::Const;

    #[test]
    fn json_text_is_what_serde_json_prints_for_to_json() {
        let json = serde_json::json!({
            "a": [1, 2.5, "x\"y\n", null, true, {"é": [], "b": {}}],
            "big": 1e300,
            "whole": 3.0,
        });
        let doc = crate::facts::Document::from_json("t.json", &json);
        let v = Val::Node(&doc, doc.root());
        assert_eq!(json_text(&v), to_json(&v).map(|j| j.to_string()));
        let computed = Val::List(Rc::new(vec![
            Val::Missing(None),
            Val::Date(0),
            Val::Float(f64::NAN),
        ]));
        assert_eq!(
            json_text(&computed).as_deref(),
            Some(r#"["1970-01-01",null]"#)
        );
        assert_eq!(
            json_text(&computed),
            to_json(&computed).map(|j| j.to_string())
        );
        assert_eq!(json_text(&Val::Missing(None)), None);
    }

    #[test]
    fn equality_is_structural_and_numeric() {
        let one = Val::Int(1);
        let one_f = Val::Float(1.0);
        assert_eq!(equal(&one, &one_f), Some(true));
        let big = Val::Int(9_007_199_254_740_993);
        assert_eq!(
            equal(&big, &Val::Float(9_007_199_254_740_992.0)),
            Some(false),
            "integers are exact"
        );
        assert_eq!(
            compare(&Val::Int(2), &Val::Float(1.5)),
            Ok(Some(Ordering::Greater))
        );
        assert_eq!(
            compare(&Val::Float(-0.5), &Val::Int(0)),
            Ok(Some(Ordering::Less))
        );
        assert_eq!(
            compare(&Val::Int(-1), &Val::Float(-0.5)),
            Ok(Some(Ordering::Less))
        );
        let list = Const::List(vec![Const::Int(1), Const::Str("a".into())]);
        let computed = Val::List(Rc::new(vec![Val::Float(1.0), Val::Str("a".into())]));
        assert_eq!(equal(&Val::Const(&list), &computed), Some(true));
        assert_eq!(equal(&Val::Missing(None), &one), None);
        assert_eq!(
            equal(&Val::Const(&Const::Null), &Val::Bool(false)),
            Some(false)
        );
    }

    #[test]
    fn comparing_different_types_is_an_error() {
        let e = compare(&Val::Str("a".into()), &Val::Int(3));
        assert_eq!(
            e,
            Err("cannot compare the string \"a\" with a number `3`".into())
        );
        assert_eq!(
            compare(&Val::Int(2), &Val::Float(2.5)),
            Ok(Some(Ordering::Less))
        );
        let day = Val::Date(86_400);
        assert_eq!(
            compare(&day, &Val::Str("1970-01-01".into())),
            Ok(Some(Ordering::Greater))
        );
        assert!(compare(&day, &Val::Str("soon".into())).is_err());
    }

    #[test]
    fn division_gives_an_integer_only_when_exact() {
        assert!(matches!(
            arithmetic('/', &Val::Int(6), &Val::Int(3)),
            Ok(Val::Int(2))
        ));
        assert!(
            matches!(arithmetic('/', &Val::Int(7), &Val::Int(2)), Ok(Val::Float(f)) if f == 3.5)
        );
        assert!(arithmetic('/', &Val::Int(1), &Val::Int(0)).is_err());
        assert!(arithmetic('%', &Val::Int(1), &Val::Int(0)).is_err());
        assert!(arithmetic('+', &Val::Int(i64::MAX), &Val::Int(1)).is_err());
    }

    #[test]
    fn rendering_follows_the_template_rules() {
        assert_eq!(render(&Val::Float(312.0)), "312");
        assert_eq!(render(&Val::Float(1.5)), "1.5");
        assert_eq!(render(&Val::Str("x".into())), "x");
        assert_eq!(render(&Val::Missing(None)), "<missing>");
        assert_eq!(render(&Val::Float(f64::NAN)), "NaN");
        assert_eq!(render(&Val::Float(f64::NEG_INFINITY)), "-inf");
        let obj = Const::Object(vec![
            ("b".into(), Const::Int(1)),
            ("a".into(), Const::List(vec![Const::Null])),
        ]);
        assert_eq!(render(&Val::Const(&obj)), r#"{"b":1,"a":[null]}"#);
    }
}
