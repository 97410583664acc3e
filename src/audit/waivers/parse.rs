//! Reading a waivers file: every key and every value is checked, so a waiver never silently
//! covers more than its author wrote.

use globset::{Glob, GlobMatcher};

use super::Waiver;
use crate::diagnostics::Diagnostic;
use crate::facts::{Document, NodeId, NodeValue};
use crate::findings::WaiverNote;
use crate::source::{SourceFile, Span};

const CODE: &str = "annexa::waivers";

/// The keys of one waiver, with what each holds (for "must be a string (…)" messages).
const KEYS: [(&str, &str); 7] = [
    ("rule", "a rule id or a glob such as `ml.*`"),
    (
        "document",
        "a glob on the fact file, such as `facts/legacy/*.yaml`",
    ),
    (
        "path",
        "a JSON Pointer, or a glob on one such as `/datasets/*/encryption/*`",
    ),
    (
        "subject",
        "the subject's own key, such as `ds-7`, or a glob on it",
    ),
    ("reason", "text saying why the finding is accepted"),
    ("owner", "text naming who accepted it"),
    ("expires", "a date `YYYY-MM-DD`"),
];

/// What a YAML or JSON value is, for messages ("found a list").
fn describe(value: &NodeValue<'_>) -> &'static str {
    match value {
        NodeValue::Null => "nothing (null)",
        NodeValue::Bool(_) => "true/false",
        NodeValue::Int(_) | NodeValue::Float(_) => "a number",
        NodeValue::Str(_) => "a string",
        NodeValue::Array(_) => "a list",
        NodeValue::Object(_) => "an object",
    }
}

/// How to write a key whose value has the wrong type.
fn fix(key: &str, found: &NodeValue<'_>) -> String {
    match (key, found) {
        ("path" | "document" | "subject" | "rule", NodeValue::Array(_)) => format!(
            "write one pattern, e.g. `{key}: {}`; to cover several, use a glob with \
             alternatives (`{{a,b}}`) or write one waiver each",
            match key {
                "path" => "/datasets/0/enc",
                "document" => "facts/a.yaml",
                "subject" => "ds-7",
                _ => "ml.data_protection.*",
            }
        ),
        ("expires", _) => "write the last day the waiver holds, e.g. `expires: 2027-03-31`".into(),
        _ => format!("quote the value: `{key}: \"…\"`"),
    }
}

/// Reads a waivers document (see the module documentation of [`crate::audit::waivers`]). Every
/// mistake is a diagnostic with its line in the file.
pub fn parse_waivers(doc: &Document, text: &SourceFile) -> Result<Vec<Waiver>, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let at = |id: NodeId| -> Span {
        let (line, column) = doc.position(id);
        text.span_at(line, column)
    };
    let root = doc.root();
    let NodeValue::Object(top) = doc.value(root) else {
        return Err(vec![
            Diagnostic::error(CODE, "a waivers file holds a `waivers:` list", text)
                .with_label(at(root), format!("{} here", describe(&doc.value(root))))
                .with_help("write `waivers:` followed by entries with `rule` and `reason`"),
        ]);
    };
    for (key, id) in top.iter() {
        if key != "waivers" {
            errors.push(
                Diagnostic::error(CODE, format!("unknown key `{key}` in a waivers file"), text)
                    .with_label(at(id), "not `waivers`")
                    .with_help("a waivers file holds only the `waivers:` list"),
            );
        }
    }
    let Some(list) = doc.field(root, "waivers") else {
        errors.push(
            Diagnostic::error(CODE, "a waivers file holds a `waivers:` list", text)
                .with_label(at(root), "no `waivers` key here")
                .with_help("write `waivers:` followed by entries with `rule` and `reason`"),
        );
        return Err(errors);
    };
    let value = doc.value(list);
    let NodeValue::Array(items) = value else {
        errors.push(
            Diagnostic::error(
                CODE,
                format!("`waivers` must be a list, found {}", describe(&value)),
                text,
            )
            .with_label(at(list), "not a list")
            .with_help("write `waivers: []` for none, or one `- rule: …` entry per waiver"),
        );
        return Err(errors);
    };
    let mut waivers = Vec::new();
    for &item in items {
        if let Some(w) = parse_one(doc, text, item, &mut errors) {
            waivers.push(w);
        }
    }
    if errors.is_empty() {
        Ok(waivers)
    } else {
        Err(errors)
    }
}

/// One waiver; `None` (with the reasons in `errors`) when it is not well-formed.
fn parse_one(
    doc: &Document,
    text: &SourceFile,
    item: NodeId,
    errors: &mut Vec<Diagnostic>,
) -> Option<Waiver> {
    let at = |id: NodeId| -> Span {
        let (line, column) = doc.position(id);
        text.span_at(line, column)
    };
    let value = doc.value(item);
    let NodeValue::Object(members) = value else {
        errors.push(
            Diagnostic::error(
                CODE,
                format!(
                    "each waiver is an object with `rule` and `reason`, found {}",
                    describe(&value)
                ),
                text,
            )
            .with_label(at(item), "not an object")
            .with_help("write `- rule: RULE` and, indented below it, `reason: WHY`"),
        );
        return None;
    };
    let before = errors.len();
    let names = KEYS.map(|(k, _)| k);
    for (key, id) in members.iter() {
        if !names.contains(&key) {
            let d = Diagnostic::error(CODE, format!("unknown waiver key `{key}`"), text)
                .with_label(at(id), "not a waiver key");
            errors.push(match crate::diagnostics::nearest(key, names) {
                Some(n) => d.with_help(format!("did you mean `{n}`? keys: {}", names.join(", "))),
                None => d.with_help(format!("keys: {}", names.join(", "))),
            });
        }
    }
    // every present key must hold a string: anything else would otherwise be dropped and the
    // waiver would cover more than written
    let mut strings: [Option<(String, NodeId)>; 7] = Default::default();
    for ((key, what), slot) in KEYS.iter().zip(strings.iter_mut()) {
        let Some(id) = doc.field(item, key) else {
            continue;
        };
        let found = doc.value(id);
        match found {
            NodeValue::Str(s) => *slot = Some((s.to_string(), id)),
            _ => errors.push(
                Diagnostic::error(
                    CODE,
                    format!(
                        "`{key}` must be a string ({what}), found {}",
                        describe(&found)
                    ),
                    text,
                )
                .with_label(at(id), format!("{} here", describe(&found)))
                .with_help(fix(key, &found)),
            ),
        }
    }
    let [rule, document, path, subject, reason, owner, expires] = strings;
    let mut glob = |key: &str, given: Option<(String, NodeId)>| -> Option<GlobMatcher> {
        let (pattern, id) = given?;
        if pattern.trim().is_empty() && key != "path" {
            errors.push(
                Diagnostic::error(CODE, format!("`{key}` is empty"), text)
                    .with_label(at(id), "empty")
                    .with_help("leave the key out to match any, or write a pattern"),
            );
            return None;
        }
        match Glob::new(&pattern) {
            Ok(g) => Some(g.compile_matcher()),
            Err(e) => {
                errors.push(
                    Diagnostic::error(CODE, format!("invalid glob in `{key}`: {}", e.kind()), text)
                        .with_label(at(id), "this pattern")
                        .with_help(
                            "globs use `*`, `?`, `[ab]` and `{a,b}`; escape a literal `[` as `[[]`",
                        ),
                );
                None
            }
        }
    };
    let rule_pattern = rule.as_ref().map(|(s, _)| s.clone());
    let rule = glob("rule", rule);
    let document = glob("document", document);
    let path = glob("path", path);
    let subject = glob("subject", subject);
    let reason = reason.map(|(s, _)| s.trim().to_string());
    let until = match &expires {
        None => None,
        Some((raw, id)) => match crate::date::parse_iso_date(raw.trim()) {
            Some(days) => Some((days + 1).saturating_mul(86_400)),
            None => {
                errors.push(
                    Diagnostic::error(CODE, "`expires` must be a date `YYYY-MM-DD`", text)
                        .with_label(at(*id), "not a date")
                        .with_help(
                            "write the last day the waiver holds, e.g. `expires: 2027-03-31`",
                        ),
                );
                None
            }
        },
    };
    let reason = reason.filter(|r| !r.is_empty());
    // absent (or empty), not merely mistyped: a mistyped value has its own diagnostic
    let lacks = |key: &str| doc.field(item, key).is_none();
    let empty_reason = doc
        .field(item, "reason")
        .and_then(|id| doc.str_of(id))
        .is_some_and(|r| r.trim().is_empty());
    let (Some(rule), Some(reason), Some(rule_pattern)) = (rule, reason, rule_pattern) else {
        if lacks("rule") || lacks("reason") || empty_reason {
            errors.push(
                Diagnostic::error(
                    CODE,
                    "a waiver needs a `rule` and a non-empty `reason`",
                    text,
                )
                .with_label(at(item), "this waiver")
                .with_help("say why the finding is accepted: auditors read it"),
            );
        }
        return None;
    };
    if errors.len() > before {
        return None;
    }
    let (line, _) = doc.position(item);
    Some(Waiver {
        rule_pattern,
        rule,
        document,
        path,
        subject,
        until,
        note: WaiverNote {
            reason,
            owner: owner.map(|(s, _)| s),
            expires: expires.map(|(s, _)| s.trim().to_string()),
            source: format!("{}:{line}", text.name()),
        },
    })
}
