//! Scalar resolution for YAML: the YAML 1.2 core schema, the YAML 1.1 octal integers that
//! Kubernetes reads, and the tags annexa understands (CloudFormation's short forms).

use saphyr_parser::{ScalarStyle, Tag};

use super::Slot;
use super::build::Builder;

/// CloudFormation's short-form tags and the key of the long (JSON) form each stands for.
const CFN_FUNCTIONS: &[(&str, &str)] = &[
    ("Ref", "Ref"),
    ("Condition", "Condition"),
    ("And", "Fn::And"),
    ("Base64", "Fn::Base64"),
    ("Cidr", "Fn::Cidr"),
    ("Equals", "Fn::Equals"),
    ("FindInMap", "Fn::FindInMap"),
    ("GetAtt", "Fn::GetAtt"),
    ("GetAZs", "Fn::GetAZs"),
    ("GetParam", "Fn::GetParam"),
    ("If", "Fn::If"),
    ("ImportValue", "Fn::ImportValue"),
    ("Join", "Fn::Join"),
    ("Length", "Fn::Length"),
    ("Not", "Fn::Not"),
    ("Or", "Fn::Or"),
    ("Select", "Fn::Select"),
    ("Split", "Fn::Split"),
    ("Sub", "Fn::Sub"),
    ("ToJsonString", "Fn::ToJsonString"),
    ("Transform", "Fn::Transform"),
];

/// The long-form key of a CloudFormation short-form tag (`!Ref` → `Ref`, `!GetAtt` →
/// `Fn::GetAtt`); `None` for any other tag.
pub(crate) fn cfn_function(tag: &Tag) -> Option<&'static str> {
    if tag.handle != "!" {
        return None;
    }
    CFN_FUNCTIONS
        .iter()
        .find(|(short, _)| *short == tag.suffix)
        .map(|(_, long)| *long)
}

/// A tag as it is written in the file: `!Ref`, `!!str`, or the full tag for other handles.
pub(crate) fn tag_text(tag: &Tag) -> String {
    if tag.handle == "!" {
        format!("!{}", tag.suffix)
    } else if tag.is_yaml_core_schema() || tag.handle == "!!" {
        format!("!!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

/// Whether a key scalar is the YAML merge key `<<` (plain, untagged or `!!merge`).
pub(crate) fn is_merge_key(value: &str, style: ScalarStyle, tag: Option<&Tag>) -> bool {
    value == "<<"
        && style == ScalarStyle::Plain
        && tag.is_none_or(|t| (t.is_yaml_core_schema() || t.handle == "!!") && t.suffix == "merge")
}

/// The YAML 1.1 reading of a plain scalar that YAML 1.2 reads as a decimal integer but 1.1 as
/// octal (`0777` → 511); `None` for everything else.
pub(crate) fn yaml11_octal(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('0')?;
    if digits.is_empty() || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    i64::from_str_radix(digits, 8).ok()
}

/// Resolves a scalar with the YAML 1.2 core schema; a string that is a run of `text` (the
/// source text) is kept as that run.
pub(crate) fn resolve(
    builder: &mut Builder,
    text: &str,
    value: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
) -> Slot {
    if style != ScalarStyle::Plain {
        return builder.string_of(text, value);
    }
    if let Some(tag) = tag {
        let core = tag.is_yaml_core_schema() || tag.handle == "!!";
        if !core || tag.suffix == "str" {
            return builder.string_of(text, value);
        }
    }
    resolve_plain(value).unwrap_or_else(|| builder.string_of(text, value))
}

/// The core schema's resolution of a plain scalar (`None`: it is a string).
pub(crate) fn resolve_plain(s: &str) -> Option<Slot> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Slot::Null),
        "true" | "True" | "TRUE" => return Some(Slot::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Slot::Bool(false)),
        ".nan" | ".NaN" | ".NAN" => return Some(Slot::float(f64::NAN)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Some(Slot::float(f64::INFINITY));
        }
        "-.inf" | "-.Inf" | "-.INF" => return Some(Slot::float(f64::NEG_INFINITY)),
        _ => {}
    }
    if let Some(hex) = s.strip_prefix("0x") {
        if let Some(v) = radix(hex, 16) {
            return Some(v);
        }
    } else if let Some(oct) = s.strip_prefix("0o") {
        if let Some(v) = radix(oct, 8) {
            return Some(v);
        }
    } else if is_decimal_int(s) {
        return Some(match s.parse::<i64>() {
            Ok(i) => Slot::int(i),
            Err(_) => Slot::float(s.parse::<f64>().unwrap_or(f64::NAN)),
        });
    } else if is_float(s)
        && let Ok(f) = s.parse::<f64>()
    {
        return Some(Slot::float(f));
    }
    None
}

/// `[-+]?[0-9]+`
fn is_decimal_int(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn is_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (s.get(..i).unwrap_or(""), Some(s.get(i + 1..).unwrap_or(""))),
        None => (s, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (mantissa, None),
    };
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match frac {
        Some(frac) => all_digits(int) && all_digits(frac) && !(int.is_empty() && frac.is_empty()),
        None => !int.is_empty() && all_digits(int),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exponent_ok
}

/// Hex/octal digits to an integer, or a float when past `i64`.
fn radix(digits: &str, base: u32) -> Option<Slot> {
    if digits.is_empty() {
        return None;
    }
    let mut exact: Option<i64> = Some(0);
    let mut approx = 0f64;
    for c in digits.chars() {
        let d = c.to_digit(base)?;
        exact = exact
            .and_then(|v| v.checked_mul(i64::from(base)))
            .and_then(|v| v.checked_add(i64::from(d)));
        approx = approx * f64::from(base) + f64::from(d);
    }
    Some(exact.map_or(Slot::float(approx), Slot::int))
}
