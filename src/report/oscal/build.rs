//! The assessment-results document: metadata, the assessment plan reference, and one result
//! with the reviewed controls, findings, observations and risks.

use serde_json::{Value, json};

use super::evidence::{Observed, observe};
use super::text::{OSCAL_VERSION, control_id, date_time, href, line_or, prop, props, uuid_of};
use crate::audit::soa::{ControlStatus, SoaEntry, Statement};
use crate::findings::Report;

/// The OSCAL `assessment-results` document of a statement (and of the report it was built
/// from, when given).
pub fn assessment_results(statement: &Statement, report: Option<&Report>) -> Value {
    let run = &statement.run;
    let day = date_time(&run.date, "00:00:00");
    let tool = uuid_of(&["tool", "annexa"]);
    let observed = observe(statement, report, &tool);
    let reviewed: Vec<&SoaEntry> = statement
        .controls
        .iter()
        .filter(|e| state(e.status).is_some())
        .collect();
    let findings: Vec<Value> = reviewed.iter().map(|e| finding(e, &observed)).collect();
    let plan = uuid_of(&["assessment-plan", &run.policies.join("\u{0}")]);
    let identity = [
        "assessment-results",
        run.date.as_str(),
        run.commit.as_deref().unwrap_or(""),
        &run.facts.join("\u{0}"),
        &run.policies.join("\u{0}"),
    ];
    let mut metadata = json!({
        "title": "annexa assessment results (ISO/IEC 27001:2022 Annex A)",
        "last-modified": day,
        "version": line_or(run.commit.as_deref().unwrap_or(""), &line_or(&run.date, "unversioned")),
        "oscal-version": OSCAL_VERSION,
        "props": (props([prop("annexa-version", &statement.annexa), prop("catalog", "ISO/IEC 27001:2022 Annex A")])),
    });
    let parties: Vec<Value> = observed
        .parties
        .iter()
        .map(|(uuid, name)| json!({"uuid": uuid, "type": "person", "name": name}))
        .collect();
    insert_nonempty(&mut metadata, "parties", parties);

    let mut selection = json!({
        "description": "The Annex A controls annexa evaluated with rules or found attested; ids are the Annex A ids in lower case.",
    });
    let include: Vec<Value> = reviewed
        .iter()
        .map(|e| json!({"control-id": control_id(&e.id)}))
        .collect();
    if include.is_empty() {
        // a selection names at least one control: "all but every one" is how OSCAL says none
        let all: Vec<Value> = statement
            .controls
            .iter()
            .map(|e| json!({"control-id": control_id(&e.id)}))
            .collect();
        if let Some(obj) = selection.as_object_mut() {
            obj.insert("include-all".into(), json!({}));
        }
        insert_nonempty(&mut selection, "exclude-controls", all);
    } else {
        insert_nonempty(&mut selection, "include-controls", include);
    }

    let mut result = json!({
        "uuid": uuid_of(&["result", &identity.join("\u{0}")]),
        "title": "annexa run",
        "description": format!("{}.", statement.coverage.sentence()),
        "start": day,
        "end": day,
        "props": result_props(statement),
        "reviewed-controls": {"control-selections": [selection]},
    });
    insert_nonempty(&mut result, "observations", observed.observations.clone());
    insert_nonempty(&mut result, "risks", observed.risks.clone());
    insert_nonempty(&mut result, "findings", findings);
    let unreviewed: Vec<String> = statement
        .controls
        .iter()
        .filter(|e| state(e.status).is_none())
        .map(|e| format!("{} ({})", e.id, e.status.as_str()))
        .collect();
    if !unreviewed.is_empty()
        && let Some(obj) = result.as_object_mut()
    {
        obj.insert(
            "remarks".into(),
            Value::from(format!("Not reviewed: {}.", unreviewed.join(", "))),
        );
    }

    let mut resource = json!({
        "uuid": plan,
        "title": "The annexa policies evaluated (the assessment plan)",
        "description": "annexa writes no OSCAL assessment plan: the policies listed here are what was assessed.",
    });
    let rlinks: Vec<Value> = run
        .policies
        .iter()
        .map(|p| json!({"href": href(p)}))
        .collect();
    insert_nonempty(&mut resource, "rlinks", rlinks);
    json!({"assessment-results": {
        "uuid": uuid_of(&identity),
        "metadata": metadata,
        "import-ap": {"href": format!("#{plan}")},
        "results": [result],
        "back-matter": {"resources": [resource]},
    }})
}

/// A reviewed control's OSCAL objective state; `None` for controls the run did not review
/// (not evaluated, gaps, excluded).
fn state(status: ControlStatus) -> Option<&'static str> {
    match status {
        ControlStatus::Pass | ControlStatus::Waived | ControlStatus::Attested => Some("satisfied"),
        ControlStatus::Fail
        | ControlStatus::Incomplete
        | ControlStatus::EvidenceExpired
        | ControlStatus::Contradiction => Some("not-satisfied"),
        ControlStatus::NotEvaluated | ControlStatus::Gap | ControlStatus::NotApplicable => None,
    }
}

fn finding(e: &SoaEntry, observed: &Observed) -> Value {
    let id = control_id(&e.id);
    let rules: Vec<&str> = e.rules.iter().map(|r| r.id.as_str()).collect();
    let observations: Vec<Value> = rules
        .iter()
        .flat_map(|r| observed.by_rule.get(*r).into_iter().flatten())
        .chain(observed.by_control.get(&e.id).into_iter().flatten())
        .map(|u| json!({"observation-uuid": u}))
        .collect();
    let risks: Vec<Value> = rules
        .iter()
        .filter_map(|r| observed.risk_of_rule.get(*r))
        .map(|u| json!({"risk-uuid": u}))
        .collect();
    let description = if rules.is_empty() {
        format!("{}: {} by attestation.", e.id, e.status.as_str())
    } else {
        format!(
            "{}: {} ({}, rules: {}).",
            e.id,
            e.status.as_str(),
            e.automation.as_str(),
            rules.join(", ")
        )
    };
    let mut f = json!({
        "uuid": uuid_of(&["finding", &e.id]),
        "title": line_or(&format!("{} {}", e.id, e.title), &e.id),
        "description": description,
        "props": (props([prop("annexa-status", e.status.as_str()), prop("automation", e.automation.as_str())])),
        "target": {
            "type": "statement-id",
            "target-id": format!("{id}_smt"),
            "status": {"state": state(e.status).unwrap_or("not-satisfied")},
        },
    });
    insert_nonempty(&mut f, "related-observations", observations);
    insert_nonempty(&mut f, "related-risks", risks);
    f
}

fn result_props(statement: &Statement) -> Vec<Value> {
    let run = &statement.run;
    let mut props: Vec<Value> = [
        prop("commit", run.commit.as_deref().unwrap_or("")),
        prop("coverage", &statement.coverage.sentence()),
        prop("report", run.report.as_deref().unwrap_or("")),
        prop("applicability", run.applicability.as_deref().unwrap_or("")),
    ]
    .into_iter()
    .flatten()
    .collect();
    props.extend(run.facts.iter().filter_map(|f| prop("fact-file", f)));
    props.extend(run.policies.iter().filter_map(|p| prop("policy", p)));
    props
}

/// OSCAL arrays have at least one item: an empty one is left out.
fn insert_nonempty(target: &mut Value, key: &str, items: Vec<Value>) {
    if let (false, Some(obj)) = (items.is_empty(), target.as_object_mut()) {
        obj.insert(key.into(), Value::from(items));
    }
}
