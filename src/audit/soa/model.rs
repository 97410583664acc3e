//! The Statement of Applicability as data: what every renderer (Markdown, CSV, JSON, HTML,
//! OSCAL) and `--compare` read. `annexa soa --format json` is this, serialised.

use serde::{Deserialize, Serialize};

/// The whole statement: when and on what it was produced, the coverage number, and one
/// entry per Annex A control in catalog order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// The annexa version that produced it.
    pub annexa: String,
    /// When and on which inputs it was produced.
    pub run: RunInfo,
    /// "N of 93 controls checked by rules, M attested, K excluded, G gaps".
    pub coverage: Coverage,
    /// One entry per control, ordered by id (numerically).
    pub controls: Vec<SoaEntry>,
}

/// The provenance of a statement: an auditor asks when, on which commit and from which files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    /// The evaluation date (`--now`, or today) as `YYYY-MM-DD`.
    pub date: String,
    /// The commit the inputs were read at, when known (`--commit`, `$GITHUB_SHA`,
    /// `$CI_COMMIT_SHA`, or the git checkout's HEAD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The policy files the rules came from (`builtin:…` for the built-in packs).
    #[serde(default)]
    pub policies: Vec<String>,
    /// The fact files evaluated, in walk order.
    #[serde(default)]
    pub facts: Vec<String>,
    /// The JSON report the status was read from (`soa --report`), when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
    /// The applicability file, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicability: Option<String>,
}

/// The coverage number lives with the findings: `check` reports carry it too.
pub use crate::findings::Coverage;

/// One control in the statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoaEntry {
    /// `A.5.1` … `A.8.34`.
    pub id: String,
    /// `organizational`, `people`, `physical` or `technological`.
    pub theme: String,
    /// The control's short title.
    pub title: String,
    /// Whether the control applies.
    pub applicable: bool,
    /// Why it is excluded, or why it is included (risk treatment, legal, contractual).
    pub justification: String,
    /// The grounds of inclusion from the applicability file (`risk-treatment`, `legal`,
    /// `regulatory`, `contractual`, `business`), empty when not stated.
    #[serde(default)]
    pub reasons: Vec<String>,
    /// The implementation status the ISMS states (`implemented`, `partially-implemented`,
    /// `planned`, `not-implemented`), when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implementation: Option<String>,
    /// Who owns the control, when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// How much of the control the rules evidence.
    pub automation: Automation,
    /// The rules that evidence it, sorted by id.
    pub rules: Vec<CoveringRule>,
    /// Evidence the rules cannot check, attested by a person.
    #[serde(default)]
    pub attestations: Vec<Attestation>,
    /// What this run concluded for the control.
    pub status: ControlStatus,
    /// Where the run's evidence is: the fact documents behind each rule's outcome.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// Waivers applied to the control's rules, with their expiry.
    #[serde(default)]
    pub waivers: Vec<WaiverRef>,
}

impl SoaEntry {
    /// The status as Markdown and CSV print it: a pass of partially automated rules reads
    /// "pass (partially automated)", never a bare "pass" (JSON keeps `status` and `automation`
    /// apart).
    pub fn status_text(&self) -> String {
        if self.status == ControlStatus::Pass && self.automation == Automation::Partial {
            format!("{} ({})", self.status.as_str(), self.automation.as_str())
        } else {
            self.status.as_str().to_string()
        }
    }
}

/// How much of a control automated rules evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Automation {
    /// The rules state that together they evidence the whole control.
    Automated,
    /// Rules evidence some aspects of the control, not all: never a bare "pass".
    Partial,
    /// No rule: evidence is attested or missing.
    Manual,
}

impl Automation {
    /// The words used in every format.
    pub fn as_str(self) -> &'static str {
        match self {
            Automation::Automated => "automated",
            Automation::Partial => "partially automated",
            Automation::Manual => "manual",
        }
    }
}

/// A rule mapped to a control, with the aspect of the control it evidences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoveringRule {
    /// The rule id.
    pub id: String,
    /// The aspect of the control the rule evidences, as its policy states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect: Option<String>,
    /// The rule's status in the run (`pass`, `fail`, …), absent without a run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// Evidence attested by a person for what rules cannot check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attestation {
    /// What the evidence is: a document, a ticket, a URL.
    pub reference: String,
    /// Who attested it.
    pub by: String,
    /// When it was attested, `YYYY-MM-DD`.
    pub date: String,
    /// When it stops counting, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Whether `expires` is before the run's date.
    pub expired: bool,
    /// A free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where the attestation is written (applicability file and line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

/// A control's status in the statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControlStatus {
    /// Every rule that ran passed.
    Pass,
    /// A rule failed or errored.
    Fail,
    /// Missing facts left a rule undecided.
    Incomplete,
    /// The failures are all waived.
    Waived,
    /// No rule, and a valid attestation.
    Attested,
    /// No rule, and every attestation has expired.
    EvidenceExpired,
    /// Rules exist but nothing was evaluated (no facts, no report, or every rule skipped).
    NotEvaluated,
    /// Applicable, with neither rules nor attestations.
    Gap,
    /// Excluded, and nothing contradicts it.
    NotApplicable,
    /// Excluded, yet a rule mapped to it failed: the exclusion or the finding is wrong.
    Contradiction,
}

impl ControlStatus {
    /// The words used in every format.
    pub fn as_str(self) -> &'static str {
        match self {
            ControlStatus::Pass => "pass",
            ControlStatus::Fail => "fail",
            ControlStatus::Incomplete => "incomplete",
            ControlStatus::Waived => "waived",
            ControlStatus::Attested => "attested",
            ControlStatus::EvidenceExpired => "evidence expired",
            ControlStatus::NotEvaluated => "not evaluated",
            ControlStatus::Gap => "gap",
            ControlStatus::NotApplicable => "not applicable",
            ControlStatus::Contradiction => "contradiction",
        }
    }
}

/// One piece of a run's evidence for a control: a rule's outcome on a fact document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The rule.
    pub rule: String,
    /// `violation`, `missing` (a gap in the facts), `waived` or `pass`.
    pub outcome: String,
    /// The fact file.
    pub document: String,
    /// 1-based line in it (0 when the whole document is meant).
    pub line: u32,
    /// JSON Pointer of the fact.
    #[serde(default)]
    pub path: String,
    /// The finding's message (empty for a pass).
    #[serde(default)]
    pub message: String,
}

/// A waiver applied to one of the control's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverRef {
    /// The rule it waives.
    pub rule: String,
    /// Its justification.
    pub reason: String,
    /// Its expiry, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}
