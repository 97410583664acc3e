//! Observations and risks: what the run saw (violations, evidence gaps, waived findings, or the
//! statement's evidence when no report is at hand), what people attested, and what was waived.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::text::{date_time, href, line_or, one_line, prop, props, uuid_of};
use crate::audit::soa::{Attestation, SoaEntry, Statement};
use crate::findings::Report;

/// The observations of a run, and which of them belong to which rule (for the findings) or
/// control (attestations).
#[derive(Debug, Default)]
pub(super) struct Observed {
    /// In report order: rules by id, each rule's violations, waived findings, then gaps;
    /// attestations last, in control order.
    pub observations: Vec<Value>,
    /// Rule id → the UUIDs of its observations.
    pub by_rule: BTreeMap<String, Vec<String>>,
    /// Control id → the UUIDs of its attestations.
    pub by_control: BTreeMap<String, Vec<String>>,
    /// Rule id → the UUID of its waiver risk.
    pub risk_of_rule: BTreeMap<String, String>,
    /// One risk per waived rule.
    pub risks: Vec<Value>,
    /// Who attested (party UUID, name), for `metadata.parties`.
    pub parties: BTreeMap<String, String>,
    /// Rule id → the UUIDs of its waived findings' observations.
    waived_of_rule: BTreeMap<String, Vec<String>>,
}

/// A waived rule, as its risk states it.
struct Waived<'a> {
    rule: &'a str,
    reason: &'a str,
    expires: Option<&'a str>,
    owner: Option<&'a str>,
    source: &'a str,
}

/// One piece of fact evidence, whichever source it came from.
struct Seen<'a> {
    rule: &'a str,
    outcome: &'a str,
    message: &'a str,
    document: &'a str,
    line: u32,
    path: &'a str,
    fingerprint: &'a str,
}

/// Collects the observations and risks of `statement` and `report`.
pub(super) fn observe(statement: &Statement, report: Option<&Report>, tool: &str) -> Observed {
    let collected = date_time(&statement.run.date, "00:00:00");
    let mut out = Observed::default();
    match report {
        Some(report) => {
            for r in &report.results {
                let seen = r
                    .violations
                    .iter()
                    .map(|v| (v, "violation"))
                    .chain(r.waived.iter().map(|v| (v, "waived")));
                for (v, outcome) in seen {
                    let outcome = match (outcome, v.reason) {
                        ("violation", crate::findings::Reason::Missing) => "missing",
                        (o, _) => o,
                    };
                    let fact = Seen {
                        rule: &r.rule,
                        outcome,
                        message: &v.message,
                        document: &v.document,
                        line: v.line,
                        path: &v.path,
                        fingerprint: &v.fingerprint,
                    };
                    out.add_fact(fact, &collected, tool);
                }
                for g in &r.evidence_gaps {
                    let fact = Seen {
                        rule: &r.rule,
                        outcome: "missing",
                        message: &g.message,
                        document: &g.document,
                        line: g.line,
                        path: &g.path,
                        fingerprint: "",
                    };
                    out.add_fact(fact, &collected, tool);
                }
                if !r.waived.is_empty() || r.waiver.is_some() {
                    // the report keeps a waiver's note only when it waives every finding of
                    // the rule; the statement lists the waivers of partly waived rules too
                    let note = r.waiver.as_ref();
                    let listed = statement
                        .controls
                        .iter()
                        .flat_map(|e| &e.waivers)
                        .find(|w| w.rule == r.rule);
                    let waived = Waived {
                        rule: &r.rule,
                        reason: note
                            .map(|n| n.reason.as_str())
                            .or(listed.map(|w| w.reason.as_str()))
                            .unwrap_or("accepted by a waiver or the baseline"),
                        expires: note
                            .and_then(|n| n.expires.as_deref())
                            .or(listed.and_then(|w| w.expires.as_deref())),
                        owner: note.and_then(|n| n.owner.as_deref()),
                        source: note.map_or("", |n| n.source.as_str()),
                    };
                    out.add_risk(waived, tool);
                }
            }
        }
        None => {
            for e in &statement.controls {
                for x in e.evidence.iter().filter(|x| x.outcome != "pass") {
                    let fact = Seen {
                        rule: &x.rule,
                        outcome: &x.outcome,
                        message: &x.message,
                        document: &x.document,
                        line: x.line,
                        path: &x.path,
                        fingerprint: "",
                    };
                    out.add_fact(fact, &collected, tool);
                }
            }
            for w in statement.controls.iter().flat_map(|e| &e.waivers) {
                if !out.risk_of_rule.contains_key(&w.rule) {
                    let waived = Waived {
                        rule: &w.rule,
                        reason: &w.reason,
                        expires: w.expires.as_deref(),
                        owner: None,
                        source: "",
                    };
                    out.add_risk(waived, tool);
                }
            }
        }
    }
    for e in &statement.controls {
        for a in &e.attestations {
            out.add_attestation(e, a);
        }
    }
    out
}

impl Observed {
    /// Adds the observation of one piece of fact evidence.
    fn add_fact(&mut self, s: Seen<'_>, collected: &str, tool: &str) {
        let line = s.line.to_string();
        let identity = if s.fingerprint.is_empty() {
            format!("{}:{}:{}", s.document, s.line, s.path)
        } else {
            s.fingerprint.to_string()
        };
        let uuid = uuid_of(&["observation", s.rule, s.outcome, &identity, s.message]);
        let pointer = if s.path.is_empty() { "/" } else { s.path };
        let at = format!("{}:{} at {}", s.document, s.line, pointer);
        let props: Vec<Value> = [
            prop("rule", s.rule),
            prop("outcome", s.outcome),
            prop("document", s.document),
            prop("line", &line),
            prop("pointer", s.path),
            prop("fingerprint", s.fingerprint),
        ]
        .into_iter()
        .flatten()
        .collect();
        let what = match s.outcome {
            "missing" => "Missing fact",
            "waived" => "Waived finding",
            _ => "Violation",
        };
        self.observations.push(json!({
            "uuid": uuid,
            "title": line_or(&format!("{what} of {}", s.rule), "Violation"),
            "description": line_or(s.message, "requirement failed"),
            "props": props,
            "methods": ["TEST"],
            "types": ["finding"],
            "origins": [{"actors": [{"type": "tool", "actor-uuid": tool}]}],
            "relevant-evidence": [{
                "href": href(s.document),
                "description": at,
            }],
            "collected": collected,
        }));
        if s.outcome == "waived" {
            self.waived_of_rule
                .entry(s.rule.to_string())
                .or_default()
                .push(uuid.clone());
        }
        self.by_rule
            .entry(s.rule.to_string())
            .or_default()
            .push(uuid);
    }

    fn add_risk(&mut self, w: Waived<'_>, tool: &str) {
        let Waived {
            rule,
            reason,
            expires,
            owner,
            source,
        } = w;
        let waived = self.waived_of_rule.get(rule).cloned().unwrap_or_default();
        let findings = waived.len();
        let uuid = uuid_of(&["risk", rule]);
        let mut risk = json!({
            "uuid": uuid,
            "title": line_or(&format!("Waiver of {rule}"), "Waiver"),
            "description": line_or(reason, "accepted"),
            "statement": format!(
                "{findings} finding{} of `{rule}` accepted: {}",
                if findings == 1 { "" } else { "s" },
                line_or(reason, "accepted")
            ),
            "props": (props([prop("rule", rule), prop("owner", owner.unwrap_or("")), prop("waiver-source", source)])),
            "status": "deviation-approved",
            "origins": [{"actors": [{"type": "tool", "actor-uuid": tool}]}],
        });
        if let (Some(day), Some(obj)) = (expires, risk.as_object_mut()) {
            // a waiver holds through its `expires` day
            obj.insert("deadline".into(), Value::from(date_time(day, "23:59:59")));
        }
        if let Some(obj) = risk.as_object_mut() {
            let related: Vec<Value> = waived
                .iter()
                .map(|u| json!({"observation-uuid": u}))
                .collect();
            if !related.is_empty() {
                obj.insert("related-observations".into(), Value::from(related));
            }
        }
        self.risk_of_rule.insert(rule.to_string(), uuid);
        self.risks.push(risk);
    }

    fn add_attestation(&mut self, entry: &SoaEntry, a: &Attestation) {
        let by = line_or(&a.by, "unknown");
        let party = uuid_of(&["party", &by]);
        self.parties.insert(party.clone(), by.clone());
        let uuid = uuid_of(&["attestation", &entry.id, &a.reference, &by, &a.date]);
        let props: Vec<Value> = [
            prop("control", &entry.id),
            prop("attested-by", &by),
            prop("attested-on", &a.date),
            prop("expires", a.expires.as_deref().unwrap_or("")),
            prop("expired", if a.expired { "true" } else { "false" }),
            prop("origin", a.origin.as_deref().unwrap_or("")),
        ]
        .into_iter()
        .flatten()
        .collect();
        let mut evidence = json!({"description": line_or(&a.reference, "attested")});
        if let Some(obj) = evidence.as_object_mut() {
            if looks_like_uri(&a.reference) {
                obj.insert("href".into(), Value::from(one_line(&a.reference)));
            }
            if let Some(origin) = a.origin.as_deref() {
                obj.insert(
                    "remarks".into(),
                    Value::from(format!("attested in {origin}")),
                );
            }
        }
        let mut description = format!(
            "{} attested {} on {}",
            by,
            line_or(&a.reference, "evidence"),
            a.date
        );
        if let Some(note) = a.note.as_deref() {
            description.push_str(": ");
            description.push_str(&one_line(note));
        }
        if a.expired {
            description.push_str(" (expired)");
        }
        self.observations.push(json!({
            "uuid": uuid,
            "title": format!("Attestation for {}", entry.id),
            "description": description,
            "props": props,
            "methods": ["EXAMINE"],
            "types": ["control-objective"],
            "origins": [{"actors": [{"type": "party", "actor-uuid": party}]}],
            "relevant-evidence": [evidence],
            "collected": date_time(&a.date, "00:00:00"),
        }));
        self.by_control
            .entry(entry.id.clone())
            .or_default()
            .push(uuid);
    }
}

/// Whether an attestation's reference is a URL (then it is the evidence's `href`).
fn looks_like_uri(reference: &str) -> bool {
    let r = reference.trim();
    (r.starts_with("https://") || r.starts_with("http://")) && !r.contains(char::is_whitespace)
}
