//! Built-in functions. Each takes evaluated arguments; a missing argument gives missing, except
//! for `exists`, which is the way to ask about absence.

use std::cmp::Ordering;
use std::rc::Rc;

use super::ops::{self, describe};
use super::time;
use super::value::{Val, View};
use crate::compile::Builtin;

type Out<'a> = Result<Val<'a>, String>;

/// The work a builtin does on these arguments, in evaluation steps: the elements it scans
/// (`unique` compares every pair).
pub(crate) fn cost(builtin: Builtin, args: &[Val<'_>]) -> u64 {
    match builtin {
        Builtin::Unique => {
            let n = total_size(args);
            n.saturating_mul(n) / 2
        }
        Builtin::Count | Builtin::Exists => 1,
        _ => cost_of_args(args),
    }
}

/// The cost of a call that reads its arguments once (at least one step): a builtin's, and a
/// host function's, whose arguments are converted to JSON.
pub(crate) fn cost_of_args(args: &[Val<'_>]) -> u64 {
    total_size(args).max(1)
}

fn total_size(args: &[Val<'_>]) -> u64 {
    args.iter().map(Val::size).fold(0, u64::saturating_add)
}

/// Calls a builtin on its (already checked) number of arguments.
pub(crate) fn call<'a>(builtin: Builtin, args: &[Val<'a>], now: i64) -> Out<'a> {
    let Some(first) = args.first() else {
        return Ok(Val::Missing(None));
    };
    if builtin == Builtin::Exists {
        return Ok(Val::Bool(!first.is_missing()));
    }
    if let Some(m) = args.iter().find(|a| a.is_missing()) {
        return Ok(m.clone());
    }
    let second = args.get(1).cloned().unwrap_or(Val::Missing(None));
    match builtin {
        Builtin::Exists => Ok(Val::Bool(true)),
        Builtin::Count => match first.view() {
            View::List(l) => Ok(int(l.len())),
            View::Object(o) => Ok(int(o.len())),
            _ => Err(format!(
                "`count` needs a list or an object, got {}",
                describe(first)
            )),
        },
        Builtin::Len => match first.view() {
            View::Str(s) => Ok(int(s.chars().count())),
            View::List(l) => Ok(int(l.len())),
            View::Object(o) => Ok(int(o.len())),
            _ => Err(format!(
                "`len` needs a string, a list or an object, got {}",
                describe(first)
            )),
        },
        Builtin::Lower => string_map(first, "lower", str::to_lowercase),
        Builtin::Upper => string_map(first, "upper", str::to_uppercase),
        Builtin::StartsWith => match (first.view(), second.view()) {
            (View::Str(s), View::Str(p)) => Ok(Val::Bool(s.starts_with(p))),
            _ => Err(two_strings("starts_with", first, &second)),
        },
        Builtin::EndsWith => match (first.view(), second.view()) {
            (View::Str(s), View::Str(p)) => Ok(Val::Bool(s.ends_with(p))),
            _ => Err(two_strings("ends_with", first, &second)),
        },
        Builtin::Contains => match first.view() {
            View::List(l) => Ok(Val::Bool(
                l.iter().any(|e| ops::equal(&e, &second) == Some(true)),
            )),
            View::Str(s) => match second.view() {
                View::Str(needle) => Ok(Val::Bool(s.contains(needle))),
                _ => Err(two_strings("contains", first, &second)),
            },
            View::Object(o) => match second.view() {
                View::Str(key) => Ok(Val::Bool(o.get(key).is_some())),
                _ => Err(format!(
                    "`contains` on an object needs a key string, got {}",
                    describe(&second)
                )),
            },
            _ => Err(format!(
                "`contains` needs a list, a string or an object, got {}",
                describe(first)
            )),
        },
        Builtin::TypeName => Ok(Val::Str(Rc::from(first.type_name()))),
        Builtin::KeyOf => Ok(key_of(first)),
        Builtin::Keys => match first.view() {
            View::Object(o) => Ok(Val::List(Rc::new(
                o.iter().map(|(k, _)| Val::Str(Rc::from(k))).collect(),
            ))),
            _ => Err(format!("`keys` needs an object, got {}", describe(first))),
        },
        Builtin::Values => match first.view() {
            View::Object(o) => Ok(Val::List(Rc::new(o.iter().map(|(_, v)| v).collect()))),
            _ => Err(format!("`values` needs an object, got {}", describe(first))),
        },
        Builtin::Unique => match first.view() {
            View::List(l) => {
                let mut out: Vec<Val<'a>> = Vec::new();
                for e in l.iter() {
                    if !out.iter().any(|o| ops::equal(o, &e) == Some(true)) {
                        out.push(e);
                    }
                }
                Ok(Val::List(Rc::new(out)))
            }
            _ => Err(format!("`unique` needs a list, got {}", describe(first))),
        },
        Builtin::Sum => match first.view() {
            View::List(l) => {
                let mut total = Val::Int(0);
                for e in l.iter() {
                    if ops::as_f64(&e).is_none() {
                        return Err(format!("`sum` needs numbers, found {}", describe(&e)));
                    }
                    total = ops::arithmetic('+', &total, &e)?;
                }
                Ok(total)
            }
            _ => Err(format!("`sum` needs a list, got {}", describe(first))),
        },
        Builtin::Min | Builtin::Max => match first.view() {
            View::List(l) => {
                let want = if builtin == Builtin::Min {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
                let mut best: Option<Val<'a>> = None;
                for e in l.iter() {
                    best = Some(match best {
                        None => e,
                        Some(b) => {
                            if ops::compare(&e, &b)? == Some(want) {
                                e
                            } else {
                                b
                            }
                        }
                    });
                }
                // the extreme of nothing is absent, never a silent default
                Ok(best.unwrap_or(Val::Missing(None)))
            }
            _ => Err(format!(
                "`{}` needs a list, got {}",
                if builtin == Builtin::Min {
                    "min"
                } else {
                    "max"
                },
                describe(first)
            )),
        },
        Builtin::DaysSince => {
            let then = as_date(first)?;
            Ok(Val::Int(time::days_between(then, now)))
        }
        Builtin::ParseDate => Ok(Val::Date(as_date(first)?)),
        // they need the evaluation's document arena: `eval::embedded`
        Builtin::Tag | Builtin::ParseJson | Builtin::ParseYaml | Builtin::Base64Decode => {
            super::embedded::call(&mut Default::default(), builtin, first)
        }
    }
}

fn int<'a>(n: usize) -> Val<'a> {
    Val::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

fn string_map<'a>(v: &Val<'a>, name: &str, f: impl Fn(&str) -> String) -> Out<'a> {
    match v.view() {
        View::Str(s) => Ok(Val::Str(Rc::from(f(s)))),
        _ => Err(format!("`{name}` needs a string, got {}", describe(v))),
    }
}

fn two_strings(name: &str, a: &Val<'_>, b: &Val<'_>) -> String {
    format!(
        "`{name}` needs two strings, got {} and {}",
        describe(a),
        describe(b)
    )
}

fn as_date(v: &Val<'_>) -> Result<i64, String> {
    match v.view() {
        View::Date(d) => Ok(d),
        View::Str(s) => time::parse(s).ok_or_else(|| ops::not_a_date(s)),
        _ => Err(format!("expected a date, got {}", describe(v))),
    }
}

/// The key a fact sits under in its parent object. Only facts have a place in the tree, so a
/// computed value, the root and a list element have no key (missing).
fn key_of<'a>(x: &Val<'a>) -> Val<'a> {
    match x {
        Val::Node(doc, id) => match doc.segment(*id) {
            Some(crate::facts::Segment::Key(k)) => Val::Str(Rc::from(k)),
            _ => Val::Missing(None),
        },
        _ => Val::Missing(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Val<'static> {
        Val::Str(Rc::from(text))
    }

    #[test]
    fn key_of_names_the_member_a_fact_sits_under() {
        let json =
            serde_json::json!({"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}, "l": [1]});
        let doc = crate::facts::Document::from_json("t.json", &json);
        let root = Val::Node(&doc, doc.root());
        let bucket = root.field("Resources").field("Bucket");
        assert!(matches!(call(Builtin::KeyOf, &[bucket], 0), Ok(Val::Str(k)) if &*k == "Bucket"));
        // the root, a list element and a computed value sit under no key
        for x in [root.clone(), root.field("l").index(0), s("Bucket")] {
            assert!(matches!(call(Builtin::KeyOf, &[x], 0), Ok(Val::Missing(_))));
        }
    }

    #[test]
    fn missing_arguments_propagate_except_for_exists() {
        assert!(matches!(
            call(Builtin::Exists, &[Val::Missing(None)], 0),
            Ok(Val::Bool(false))
        ));
        assert!(matches!(
            call(
                Builtin::Exists,
                &[Val::Const(&crate::compile::Const::Null)],
                0
            ),
            Ok(Val::Bool(true))
        ));
        assert!(matches!(
            call(Builtin::Lower, &[Val::Missing(None)], 0),
            Ok(Val::Missing(None))
        ));
    }

    #[test]
    fn every_builtin_but_exists_gives_missing_for_a_missing_argument_in_any_position() {
        let present = [s("x"), Val::List(Rc::new(vec![Val::Int(1)]))];
        for (name, builtin, arity) in Builtin::ALL {
            for hole in 0..arity {
                for filler in &present {
                    let args: Vec<Val<'_>> = (0..arity)
                        .map(|i| {
                            if i == hole {
                                Val::Missing(None)
                            } else {
                                filler.clone()
                            }
                        })
                        .collect();
                    let out = call(builtin, &args, 0);
                    if builtin == Builtin::Exists {
                        assert!(matches!(out, Ok(Val::Bool(false))), "{name}");
                    } else {
                        assert!(
                            matches!(out, Ok(Val::Missing(_))),
                            "{name} with hole {hole}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn strings_and_lists() {
        assert!(matches!(
            call(Builtin::Len, &[s("héllo")], 0),
            Ok(Val::Int(5))
        ));
        assert!(matches!(
            call(Builtin::StartsWith, &[s("ml-train"), s("ml-")], 0),
            Ok(Val::Bool(true))
        ));
        let list = Val::List(Rc::new(vec![Val::Int(3), Val::Float(1.5), Val::Int(3)]));
        assert!(matches!(
            call(Builtin::Count, std::slice::from_ref(&list), 0),
            Ok(Val::Int(3))
        ));
        assert!(matches!(
            call(Builtin::Max, std::slice::from_ref(&list), 0),
            Ok(Val::Int(3))
        ));
        assert!(
            matches!(call(Builtin::Min, std::slice::from_ref(&list), 0), Ok(Val::Float(f)) if f == 1.5)
        );
        assert!(
            matches!(call(Builtin::Sum, std::slice::from_ref(&list), 0), Ok(Val::Float(f)) if f == 7.5)
        );
        assert!(matches!(call(Builtin::Unique, &[list], 0), Ok(Val::List(l)) if l.len() == 2));
        assert!(call(Builtin::Lower, &[Val::Int(1)], 0).is_err());
    }

    #[test]
    fn days_since_uses_the_clock_given() {
        let now = time::parse("2026-01-31").unwrap_or(0);
        assert!(matches!(
            call(Builtin::DaysSince, &[s("2026-01-01")], now),
            Ok(Val::Int(30))
        ));
        assert!(call(Builtin::DaysSince, &[s("yesterday")], now).is_err());
    }
}
