//! Results of an evaluation: what each rule concluded, per violation and evidence gap,
//! and the roll-up per Annex A control. These types are the input of every report format.

use serde::{Deserialize, Serialize};

/// Severity is the policy language's word (`severity high`), so it lives in `ast`;
/// re-exported here because every finding carries one.
pub use crate::ast::Severity;
use crate::controls::{catalog, compare_ids};

/// The skip reason of a rule on a document out of its scope (and of a rule with no document in
/// scope), as `CLI.md` spells it; reports tell such skips apart from the others.
pub const NOT_IN_SCOPE: &str = "not in scope";

/// How a rule (or a control) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every `require` reached held.
    Pass,
    /// At least one `require` did not hold.
    Fail,
    /// No `require` failed, but an evidence gap left the rule undecided on some subject: never
    /// reported as a pass.
    Incomplete,
    /// A `when` rule did not pass, or no `require` was reached.
    Skip,
    /// The rule failed but a waiver covers it.
    Waived,
    /// Evaluation itself failed (a run-time type error, for example).
    Error,
}

impl Status {
    /// The lowercase word used in reports and in `expect` lines.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Incomplete => "incomplete",
            Status::Skip => "skip",
            Status::Waived => "waived",
            Status::Error => "error",
        }
    }
}

/// What an `incomplete` rule does to the exit code (`--gaps`, `gaps` in `annexa.toml`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gaps {
    /// An incomplete rule at or above `--fail-on` fails the run, like a failed one (the default).
    #[default]
    Fail,
    /// Incomplete rules are reported but do not fail the run.
    Warn,
}

impl Gaps {
    /// Parses `fail` or `warn`.
    pub fn parse(word: &str) -> Option<Gaps> {
        match word {
            "fail" => Some(Gaps::Fail),
            "warn" => Some(Gaps::Warn),
            _ => None,
        }
    }
}

/// Why a `require` produced a violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reason {
    /// The check evaluated to false.
    Failed,
    /// A fact the check needed was absent (fail-closed).
    Missing,
}

/// One failed `require` for one subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The rendered `else` template, or `requirement failed: SOURCE`.
    pub message: String,
    /// `failed` or `missing`.
    pub reason: Reason,
    /// The fact file as named on the command line (or found in a folder).
    pub document: String,
    /// 0-based position of the document inside a multi-document YAML file.
    pub document_index: usize,
    /// JSON Pointer of the element the enclosing `for` bound (`""` for the root).
    pub subject: String,
    /// JSON Pointer of the fact that decided the check (or that was absent).
    pub path: String,
    /// 1-based line of `path` (or of its nearest present parent).
    pub line: u32,
    /// 1-based column of `path` (or of its nearest present parent).
    pub column: u32,
    /// The subject's own key (its `id`, `name`, …, see [`crate::identity::KEY_FIELDS`]), when
    /// it has one; what a waiver's `subject` matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_key: Option<String>,
    /// The finding's identity (see `identity`), which baselines match and SARIF
    /// reports: empty until [`crate::identity::stamp`] fills it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fingerprint: String,
    /// Stable subject path, stable path below it and the `require`, hashed into `fingerprint`.
    #[serde(skip)]
    pub locator: String,
    /// Position of the `require` in the policy source (byte offset), used only for ordering.
    #[serde(skip)]
    pub require_order: usize,
    /// Input position of the document among `--combine`d ones (0 otherwise), for ordering.
    #[serde(skip)]
    pub document_order: usize,
}

/// A filter or `if` that could not decide because a fact was missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceGap {
    /// What could not be decided and which fact was absent.
    pub message: String,
    /// The fact file.
    pub document: String,
    /// 0-based document position in the file.
    pub document_index: usize,
    /// JSON Pointer of the absent fact.
    pub path: String,
    /// 1-based line of the nearest present parent.
    pub line: u32,
    /// 1-based column of the nearest present parent.
    pub column: u32,
    /// The construct that could not decide (`datasets[.contains_pii]`, `if …`), for grouping.
    #[serde(skip)]
    pub construct: String,
    /// How many elements the filter considered, when a filter recorded the gap.
    #[serde(skip)]
    pub of: Option<usize>,
    /// The stable path of the absent fact (see `identity`), for the SARIF fingerprint.
    #[serde(skip)]
    pub locator: String,
    /// The fact a filter's element lacked, relative to the element and dotted (`source.type`);
    /// empty for gaps no filter recorded.
    #[serde(skip)]
    pub lacks: String,
}

/// The outcome of one rule over the whole run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleResult {
    /// Fully qualified rule id (`ns.rule`, or the bare name without a header).
    pub rule: String,
    /// The rendered title (the rule name when none is given).
    pub title: String,
    /// The status across all documents.
    pub status: Status,
    /// The rule's severity.
    pub severity: Severity,
    /// Annex A 2022 control ids, in the order the rule lists them.
    pub controls: Vec<String>,
    /// Number of subjects the rule's outermost `for` bound (1 for a rule without `for`), summed over documents.
    pub subjects: usize,
    /// Every violation, in report order.
    pub violations: Vec<Violation>,
    /// Every evidence gap, in report order.
    pub evidence_gaps: Vec<EvidenceGap>,
    /// Why the rule was skipped.
    pub skip_reason: Option<String>,
    /// The run-time error message, present only when `status` is `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why the rule is waived, present only when `status` is `waived`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<WaiverNote>,
    /// Violations a waiver or the baseline covers, moved out of `violations` (left out of the
    /// report when there are none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waived: Vec<Violation>,
    /// Where the rule is defined: policy file and 1-based line (not in the JSON report).
    #[serde(skip)]
    pub source: RuleSource,
}

/// The waiver that covers a rule's violations, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverNote {
    /// Why the finding is accepted.
    pub reason: String,
    /// Who accepted it, when the waiver says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The last day the waiver holds (`YYYY-MM-DD`), when it expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// The waivers file and line, or the baseline report.
    pub source: String,
}

/// Where a rule is defined, for reports that link back to the policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleSource {
    /// The policy file name as loaded.
    pub file: String,
    /// 1-based line of the `rule` keyword.
    pub line: u32,
    /// The `description` text, if any.
    pub description: Option<String>,
    /// The rendered `remediation` text, if any.
    pub remediation: Option<String>,
    /// The rule's `tags`.
    pub tags: Vec<String>,
}

/// Counts over the results of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Number of rules.
    pub rules: usize,
    /// Rules that passed.
    pub passed: usize,
    /// Rules that failed.
    pub failed: usize,
    /// Rules that no `require` failed but an evidence gap left undecided.
    #[serde(default)]
    pub incomplete: usize,
    /// Rules that were skipped.
    pub skipped: usize,
    /// Rules that were waived.
    pub waived: usize,
    /// Rules in error.
    pub errors: usize,
    /// Total violations.
    pub violations: usize,
}

/// One Annex A control and the rules that evidence it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlResult {
    /// The 2022 id, e.g. `A.8.24`.
    pub id: String,
    /// The control's short title from the catalog.
    pub title: String,
    /// `fail` if any rule failed or errored, `incomplete` if any was incomplete, `waived` if some were waived, `pass` if all that ran passed, `skip` if none ran.
    pub status: Status,
    /// Ids of the rules mapped to this control, sorted.
    pub rules: Vec<String>,
}

/// How the 93 Annex A controls divide: every control is in exactly one of `checked`,
/// `attested`, `excluded` and `gaps` (the Statement of Applicability's coverage number, also
/// in every `check` report).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// The controls in the catalog (93).
    pub controls: usize,
    /// Applicable controls with at least one rule that was evaluated (or could be).
    pub checked: usize,
    /// Applicable controls without rules but with attested evidence (valid or expired).
    pub attested: usize,
    /// Controls excluded by the applicability file.
    pub excluded: usize,
    /// Applicable controls with neither rules nor attestations.
    pub gaps: usize,
}

impl Coverage {
    /// The coverage number as one line, the same words in every format.
    ///
    /// ```
    /// let c = annexa::unstable::audit::soa::Coverage { controls: 93, checked: 37, attested: 5, excluded: 3, gaps: 48 };
    /// assert_eq!(c.sentence(), "37 of 93 controls checked by rules, 5 attested, 3 excluded, 48 gaps");
    /// ```
    pub fn sentence(&self) -> String {
        format!(
            "{} of {} controls checked by rules, {} attested, {} excluded, {} gaps",
            self.checked, self.controls, self.attested, self.excluded, self.gaps
        )
    }
}

/// Everything a run concluded; serialises to the JSON report of `CLI.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The annexa version that produced the report.
    pub annexa: String,
    /// Counts.
    pub summary: Summary,
    /// One result per rule, ordered by rule id.
    pub results: Vec<RuleResult>,
    /// One entry per control any rule maps to, ordered by control id (numerically).
    pub controls: Vec<ControlResult>,
    /// Which fact files the rules with a `scope` recognised; absent when no rule has a scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<FileCounts>,
    /// Notes about the run's inputs (a waiver that expired, a waiver naming no loaded rule),
    /// left out when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Files found in a folder walk that could not be read as JSON or YAML (a Helm template,
    /// a broken file), in walk order; left out of the JSON report when there is none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<Unreadable>,
    /// The `annexa.toml` the run used, as its path was found or given (`null`: none).
    #[serde(default)]
    pub config: Option<String>,
    /// The coverage number of the run's rules against the applicability file (every control
    /// applicable without one); set by the engine, absent from reports built otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
}

impl Report {
    /// Builds the report of `results`: summary counts and the per-control roll-up. Waivers and
    /// the `--rule`/`--control` filters rebuild it from the results they keep or change, so it
    /// belongs to the findings, not to the evaluator.
    pub fn from_results(results: Vec<RuleResult>) -> Report {
        let count = |s: Status| results.iter().filter(|r| r.status == s).count();
        let summary = Summary {
            rules: results.len(),
            passed: count(Status::Pass),
            failed: count(Status::Fail),
            incomplete: count(Status::Incomplete),
            skipped: count(Status::Skip),
            waived: count(Status::Waived),
            errors: count(Status::Error),
            violations: results.iter().map(|r| r.violations.len()).sum(),
        };
        let mut ids: Vec<&str> = results
            .iter()
            .flat_map(|r| r.controls.iter().map(String::as_str))
            .collect();
        ids.sort_by(|a, b| compare_ids(a, b));
        ids.dedup();
        let controls = ids
            .into_iter()
            .map(|id| {
                let mut rules: Vec<&RuleResult> = results
                    .iter()
                    .filter(|r| r.controls.iter().any(|c| c == id))
                    .collect();
                rules.sort_by(|a, b| a.rule.cmp(&b.rule));
                let has = |s: Status| rules.iter().any(|r| r.status == s);
                let status = if has(Status::Fail) || has(Status::Error) {
                    Status::Fail
                } else if has(Status::Incomplete) {
                    Status::Incomplete
                } else if has(Status::Waived) {
                    Status::Waived
                } else if has(Status::Pass) {
                    Status::Pass
                } else {
                    Status::Skip
                };
                ControlResult {
                    id: id.to_string(),
                    title: catalog()
                        .get(id)
                        .map(|c| c.title.clone())
                        .unwrap_or_default(),
                    status,
                    rules: rules.iter().map(|r| r.rule.clone()).collect(),
                }
            })
            .collect();
        Report {
            annexa: env!("CARGO_PKG_VERSION").to_string(),
            summary,
            results,
            controls,
            files: None,
            notes: Vec::new(),
            unreadable: Vec::new(),
            config: None,
            coverage: None,
        }
    }
}

/// A file of a folder walk that was skipped because it could not be read or parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unreadable {
    /// The file, as found in the folder.
    pub file: String,
    /// Why, in one line (the diagnostic's message, with line and column where known).
    pub message: String,
}

/// How many fact files were in some scoped rule's scope, per pack.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCounts {
    /// Fact files read.
    pub total: usize,
    /// Files with at least one document in the scope of a scoped rule.
    pub recognised: usize,
    /// Recognised files per pack (the first segment of the rules' namespace); a file several
    /// packs recognise counts for each.
    pub by_pack: std::collections::BTreeMap<String, usize>,
    /// The files no scoped rule was about, in input order.
    pub unrecognised: Vec<String>,
}

/// Messages as people read them: a template renders a missing value as `<missing>` (the
/// contract's text, kept in JSON, SARIF, JUnit and OSCAL); the reports people read say what is
/// missing instead.
/// The contract's rendering of a missing value in a template.
const MISSING_TEXT: &str = "<missing>";

/// `message` with each `<missing>` replaced by `(missing POINTER)` when `pointer` names the
/// absent fact, else by `(missing)`.
///
/// ```
/// use annexa::unstable::findings::readable;
/// assert_eq!(readable("uses cipher <missing>", Some("/d/0/cipher")), "uses cipher (missing /d/0/cipher)");
/// assert_eq!(readable("uses cipher <missing>", None), "uses cipher (missing)");
/// assert_eq!(readable("uses cipher AES", Some("/d/0/cipher")), "uses cipher AES");
/// ```
pub fn readable<'a>(message: &'a str, pointer: Option<&str>) -> std::borrow::Cow<'a, str> {
    if !message.contains(MISSING_TEXT) {
        return std::borrow::Cow::Borrowed(message);
    }
    let with = match pointer {
        Some(p) if !p.is_empty() => format!("(missing {p})"),
        _ => "(missing)".to_string(),
    };
    std::borrow::Cow::Owned(message.replace(MISSING_TEXT, &with))
}
