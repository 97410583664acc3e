//! The SARIF 2.1.0 report, for code scanning (GitHub, GitLab, Azure DevOps, IDE viewers).
//!
//! Layout of the log:
//! - one run; `tool.driver` is `annexa` with the report's version and one `reportingDescriptor`
//!   per rule result, in report order (by rule id);
//! - a descriptor carries the title as `shortDescription`, the `description` (or the title) as
//!   `fullDescription`, the `remediation` as `help`, the severity as `defaultConfiguration.level`
//!   and `properties.security-severity`, and in `properties.tags` the Annex A ids, the rule's own
//!   tags and `security`. The rule's own place in the policy is
//!   `properties.policyLocation = {"uri", "uriBaseId": "%SRCROOT%", "startLine"}`;
//! - one `result` per violation, located in the fact file (URI relative to the working directory,
//!   under `%SRCROOT%`, forward slashes, percent-encoded), with `region.startLine`/`startColumn`;
//! - `partialFingerprints["annexaFinding/v2"]` is the finding's identity hash (the JSON report's
//!   `fingerprint`, see [`crate::identity`]: rule, document, the subject named by its own key,
//!   the fact below it and the `require`; never the line, the message or a keyed element's list
//!   position), followed by `:N`, the occurrence of that hash in the run. Inserting or
//!   reordering list elements, or reformatting the file, keeps every fingerprint;
//! - rules in error are `toolExecutionNotifications` of the invocation, which is then not
//!   `executionSuccessful`; waived violations carry an external suppression.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Value, json};

use crate::findings::{Report, RuleResult, Severity, Status, Violation};
use crate::source::relative_path;

/// The `uriBaseId` every artifact location is relative to: the working directory of the run.
pub const SRCROOT: &str = "%SRCROOT%";

/// The key of the fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = crate::identity::VERSION;

/// The SARIF `level` of a severity: critical/high → error, medium → warning, low/info → note.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The `security-severity` score code hosts sort by (a CVSS-like number, as a string).
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// Renders the SARIF log, pretty-printed, ending with a newline.
pub fn render_sarif(report: &Report) -> String {
    let cwd = std::env::current_dir().ok();
    let rules: Vec<Value> = report
        .results
        .iter()
        .map(|r| descriptor(r, cwd.as_deref()))
        .collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut results = Vec::new();
    for (index, r) in report.results.iter().enumerate() {
        // waived violations stay visible to code scanning, as suppressed results
        let waived = r.violations.iter().map(|v| (v, false));
        for (v, suppressed) in waived.chain(r.waived.iter().map(|v| (v, true))) {
            let hash = if v.fingerprint.is_empty() {
                crate::identity::fingerprint(&r.rule, v, cwd.as_deref())
            } else {
                v.fingerprint.clone()
            };
            let n = seen.entry(hash.clone()).or_insert(0);
            *n += 1;
            let mut out = result(r, index, v, format!("{hash}:{n}"), cwd.as_deref());
            if suppressed && let Some(fields) = out.as_object_mut() {
                let justification = r.waiver.as_ref().map_or("waived", |w| w.reason.as_str());
                fields.insert(
                    "suppressions".into(),
                    json!([{"kind": "external", "justification": justification}]),
                );
            }
            results.push(out);
        }
        // an evidence gap is not a failure but needs a reviewer's eye: kind `review`
        for g in &r.evidence_gaps {
            let hash = crate::identity::gap_fingerprint(&r.rule, g, cwd.as_deref());
            let n = seen.entry(hash.clone()).or_insert(0);
            *n += 1;
            results.push(json!({
                "ruleId": r.rule,
                "ruleIndex": index,
                "kind": "review",
                "level": "none",
                "message": {"text": format!("evidence gap: {}", g.message)},
                "locations": [location(&g.document, g.line, g.column, cwd.as_deref())],
                "partialFingerprints": {FINGERPRINT_KEY: format!("{hash}:{n}")},
                "properties": {"path": g.path, "documentIndex": g.document_index},
            }));
        }
    }
    let notifications: Vec<Value> = report
        .results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.status == Status::Error)
        .map(|(index, r)| {
            json!({
                "level": "error",
                "message": {"text": format!(
                    "rule {} could not be evaluated: {}",
                    r.rule,
                    r.error.as_deref().unwrap_or("unknown error")
                )},
                "associatedRule": {"id": r.rule, "index": index},
            })
        })
        .collect();
    let failed = !notifications.is_empty();
    // a file of a folder walk that could not be read: a warning, the run itself went on
    let notifications: Vec<Value> = notifications
        .into_iter()
        .chain(report.unreadable.iter().map(|u| {
            json!({
                "level": "warning",
                "message": {"text": format!("{} was skipped: {}", u.file, u.message)},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": u.file, "uriBaseId": SRCROOT}
                }}],
            })
        }))
        .collect();
    let mut invocation = json!({"executionSuccessful": !failed});
    if !notifications.is_empty()
        && let Some(fields) = invocation.as_object_mut()
    {
        fields.insert(
            "toolExecutionNotifications".into(),
            Value::Array(notifications),
        );
    }
    let mut log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "annexa",
                    "version": report.annexa,
                    "semanticVersion": report.annexa,
                    "rules": rules,
                }
            },
            "invocations": [invocation],
            "originalUriBaseIds": {
                SRCROOT: {"description": {"text": "The working directory annexa was run in."}}
            },
            "results": results,
        }]
    });
    if let (Some(config), Some(run)) = (&report.config, log.pointer_mut("/runs/0"))
        && let Some(fields) = run.as_object_mut()
    {
        fields.insert("properties".into(), json!({"config": config}));
    }
    let mut out =
        super::pretty::to_string(&log).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}

fn descriptor(r: &RuleResult, cwd: Option<&Path>) -> Value {
    let mut tags: Vec<String> = Vec::new();
    for tag in r.controls.iter().chain(r.source.tags.iter()) {
        if !tags.contains(tag) {
            tags.push(tag.clone());
        }
    }
    if !tags.iter().any(|t| t == "security") {
        tags.push("security".to_string());
    }
    let name = r.rule.rsplit('.').next().unwrap_or(&r.rule);
    let full = r.source.description.as_deref().unwrap_or(&r.title);
    let help = match &r.source.remediation {
        Some(text) => text.clone(),
        None => format!(
            "No remediation is given; see the rule in {}:{}.",
            r.source.file, r.source.line
        ),
    };
    let mut properties = json!({
        "tags": tags,
        "security-severity": security_severity(r.severity),
        "severity": r.severity.as_str(),
        "controls": r.controls,
    });
    if !r.source.file.is_empty() {
        let location = json!({
            "uri": artifact_uri(&r.source.file, cwd),
            "uriBaseId": SRCROOT,
            "startLine": r.source.line.max(1),
        });
        if let Some(fields) = properties.as_object_mut() {
            fields.insert("policyLocation".into(), location);
        }
    }
    json!({
        "id": r.rule,
        "name": name,
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": full},
        "help": {"text": help},
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": properties,
    })
}

fn result(
    r: &RuleResult,
    index: usize,
    v: &Violation,
    fingerprint: String,
    cwd: Option<&Path>,
) -> Value {
    let mut out = json!({
        "ruleId": r.rule,
        "ruleIndex": index,
        "level": level(r.severity),
        "message": {"text": v.message},
        "locations": [location(&v.document, v.line, v.column, cwd)],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "properties": {
            "path": v.path,
            "subject": v.subject,
            "documentIndex": v.document_index,
            "reason": match v.reason {
                crate::findings::Reason::Failed => "failed",
                crate::findings::Reason::Missing => "missing",
            },
        },
    });
    if let Some(key) = &v.subject_key
        && let Some(properties) = out.get_mut("properties").and_then(Value::as_object_mut)
    {
        properties.insert("subjectKey".into(), json!(key));
    }
    out
}

/// A SARIF location: the fact file (relative to the working directory) and the region.
fn location(document: &str, line: u32, column: u32, cwd: Option<&Path>) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": {
                "uri": artifact_uri(document, cwd),
                "uriBaseId": SRCROOT,
            },
            "region": {
                "startLine": line.max(1),
                "startColumn": column.max(1),
            }
        }
    })
}

/// A relative URI reference for a document: [`relative_path`], percent-encoded.
pub fn artifact_uri(name: &str, cwd: Option<&Path>) -> String {
    let path = relative_path(name, cwd);
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&byte);
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_relative_forward_slash_uris() {
        let cwd = Path::new("/work/repo");
        assert_eq!(artifact_uri("facts/a.yaml", Some(cwd)), "facts/a.yaml");
        assert_eq!(artifact_uri("./facts//a.yaml", Some(cwd)), "facts/a.yaml");
        assert_eq!(
            artifact_uri("facts\\win\\a.yaml", Some(cwd)),
            "facts/win/a.yaml"
        );
        assert_eq!(
            artifact_uri("/work/repo/facts/a.yaml", Some(cwd)),
            "facts/a.yaml"
        );
        assert_eq!(
            artifact_uri("/work/other/a.yaml", Some(cwd)),
            "../other/a.yaml"
        );
        assert_eq!(
            artifact_uri("//server/a b.yaml", Some(cwd)),
            "../../server/a%20b.yaml"
        );
        assert_eq!(artifact_uri("<stdin>", Some(cwd)), "%3Cstdin%3E");
        assert_eq!(artifact_uri("c:x.yaml", None), "c%3Ax.yaml");
    }

    #[test]
    fn levels_follow_severity() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::High), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Low), "note");
        assert_eq!(level(Severity::Info), "note");
    }
}
