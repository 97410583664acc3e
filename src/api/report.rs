//! The result of a check, read through small borrowed views over the report model.

use crate::findings;

/// How a rule or a control ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Status {
    /// Every `require` reached held.
    Pass,
    /// At least one `require` did not hold.
    Fail,
    /// No `require` failed, but a missing fact left the rule undecided: never a pass.
    Incomplete,
    /// No document was in the rule's scope, a `when` did not hold, or no `require` was reached.
    Skip,
    /// The rule failed, and waivers or the baseline cover every violation.
    Waived,
    /// Evaluation itself failed (a run-time type error, a budget exhausted).
    Error,
}

impl Status {
    /// The word the reports use (`pass`, `fail`, `incomplete`, `skip`, `waived`, `error`).
    ///
    /// ```
    /// assert_eq!(annexa::Status::Incomplete.as_str(), "incomplete");
    /// ```
    pub fn as_str(self) -> &'static str {
        self.internal().as_str()
    }

    pub(crate) fn from_internal(status: findings::Status) -> Status {
        match status {
            findings::Status::Pass => Status::Pass,
            findings::Status::Fail => Status::Fail,
            findings::Status::Incomplete => Status::Incomplete,
            findings::Status::Skip => Status::Skip,
            findings::Status::Waived => Status::Waived,
            findings::Status::Error => Status::Error,
        }
    }

    fn internal(self) -> findings::Status {
        match self {
            Status::Pass => findings::Status::Pass,
            Status::Fail => findings::Status::Fail,
            Status::Incomplete => findings::Status::Incomplete,
            Status::Skip => findings::Status::Skip,
            Status::Waived => findings::Status::Waived,
            Status::Error => findings::Status::Error,
        }
    }
}

/// A rule's severity; `fail_on` compares against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// `critical`
    Critical,
    /// `high`
    High,
    /// `medium`
    Medium,
    /// `low`
    Low,
    /// `info`
    Info,
}

impl Severity {
    /// `critical`, `high`, `medium`, `low` or `info`.
    ///
    /// ```
    /// assert_eq!(annexa::Severity::parse("high"), Some(annexa::Severity::High));
    /// assert_eq!(annexa::Severity::High.as_str(), "high");
    /// ```
    pub fn parse(word: &str) -> Option<Severity> {
        findings::Severity::parse(word).map(Severity::from_internal)
    }

    /// The lowercase word.
    pub fn as_str(self) -> &'static str {
        self.internal().as_str()
    }

    pub(crate) fn from_internal(severity: findings::Severity) -> Severity {
        match severity {
            findings::Severity::Critical => Severity::Critical,
            findings::Severity::High => Severity::High,
            findings::Severity::Medium => Severity::Medium,
            findings::Severity::Low => Severity::Low,
            findings::Severity::Info => Severity::Info,
        }
    }

    pub(crate) fn internal(self) -> findings::Severity {
        match self {
            Severity::Critical => findings::Severity::Critical,
            Severity::High => findings::Severity::High,
            Severity::Medium => findings::Severity::Medium,
            Severity::Low => findings::Severity::Low,
            Severity::Info => findings::Severity::Info,
        }
    }
}

/// What an `incomplete` rule does to [`Report::ok`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Gaps {
    /// An incomplete rule at or above `fail_on` makes the report not ok (the default).
    #[default]
    Fail,
    /// Incomplete rules are reported, and do not make the report not ok.
    Warn,
}

/// Counts over the results of a check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// Rules reported.
    pub rules: usize,
    /// Rules that passed.
    pub passed: usize,
    /// Rules that failed.
    pub failed: usize,
    /// Rules left undecided by missing facts.
    pub incomplete: usize,
    /// Rules skipped.
    pub skipped: usize,
    /// Rules waived.
    pub waived: usize,
    /// Rules in error.
    pub errors: usize,
    /// Violations over all rules.
    pub violations: usize,
}

/// Everything a check concluded.
///
/// ```
/// use serde_json::json;
/// let engine = annexa::Engine::builder()
///     .policy_source("p.policy", "rule encrypted { controls A.8.24 for d in datasets { require d.encrypted == true } }")
///     .build()?;
/// let facts = annexa::Facts::new().value("f.json", json!({"datasets": [{"encrypted": false}]}));
/// let report = engine.check(&facts)?;
/// assert!(!report.ok());
/// let rule = report.result("encrypted").unwrap();
/// assert_eq!(rule.status(), annexa::Status::Fail);
/// assert_eq!(rule.violations().next().unwrap().path(), "/datasets/0/encrypted");
/// # Ok::<(), annexa::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Report {
    pub(crate) inner: findings::Report,
    pub(crate) ok: bool,
    pub(crate) notes: Vec<String>,
    pub(crate) warnings: Vec<String>,
}

impl Report {
    /// Whether the run passes: what the `annexa check` exit code says (0 = `true`). False
    /// when a rule at or above `fail_on` failed or (unless gaps warn) is incomplete, or any
    /// rule is in error.
    pub fn ok(&self) -> bool {
        self.ok
    }

    /// The counts.
    pub fn summary(&self) -> Summary {
        let s = &self.inner.summary;
        Summary {
            rules: s.rules,
            passed: s.passed,
            failed: s.failed,
            incomplete: s.incomplete,
            skipped: s.skipped,
            waived: s.waived,
            errors: s.errors,
            violations: s.violations,
        }
    }

    /// One result per rule, by rule id.
    pub fn results(&self) -> impl ExactSizeIterator<Item = RuleOutcome<'_>> {
        self.inner.results.iter().map(RuleOutcome)
    }

    /// The result of one rule, by its id (`ns.rule`, or the bare name without a header).
    pub fn result(&self, rule: &str) -> Option<RuleOutcome<'_>> {
        self.inner
            .results
            .iter()
            .find(|r| r.rule == rule)
            .map(RuleOutcome)
    }

    /// One entry per Annex A control the rules map to, in control order.
    pub fn controls(&self) -> impl ExactSizeIterator<Item = ControlOutcome<'_>> {
        self.inner.controls.iter().map(ControlOutcome)
    }

    /// The ids of the controls that failed (or are in error), in control order.
    pub fn failing_controls(&self) -> Vec<&str> {
        self.inner
            .controls
            .iter()
            .filter(|c| c.status == findings::Status::Fail || c.status == findings::Status::Error)
            .map(|c| c.id.as_str())
            .collect()
    }

    /// Notes of the run that are not findings (a skipped Helm template, an expired waiver),
    /// as the CLI prints them on standard error.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Warnings of the run (unknown fact fields when the fact model is checked, a waiver that
    /// waives nothing), as the CLI prints them on standard error.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Files found in folders that could not be read, with why.
    pub fn unreadable(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.inner
            .unreadable
            .iter()
            .map(|u| (u.file.as_str(), u.message.as_str()))
    }

    /// The JSON report: the same bytes as `annexa check --format json` on the same inputs.
    pub fn to_json(&self) -> String {
        crate::report::render_json(&self.inner)
    }

    /// [`Report::to_json`] written to `w` while it is serialised, never held whole in memory.
    /// Wrap a file or a socket in a [`std::io::BufWriter`].
    ///
    /// ```
    /// # let engine = annexa::Engine::builder().policy_source("p.policy", "rule r { controls A.8.24 require 1 == 1 }").build()?;
    /// # let report = engine.check(&annexa::Facts::new().value("f.json", serde_json::json!({})))?;
    /// let mut bytes = Vec::new();
    /// report.write_json(&mut bytes)?;
    /// assert_eq!(bytes, report.to_json().into_bytes());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_json(&self, mut w: impl std::io::Write) -> std::io::Result<()> {
        crate::report::write_json(&self.inner, &mut w)
    }

    /// The report in one of the CLI's formats without colour: `human`, `json`, `sarif`,
    /// `junit`, `markdown`, `github`, `html` (without the fact files' lines, which the CLI
    /// adds), `oscal` (dated today); `None` for another name.
    ///
    /// ```
    /// # let engine = annexa::Engine::builder().policy_source("p.policy", "rule r { controls A.8.24 require 1 == 1 }").build()?;
    /// # let report = engine.check(&annexa::Facts::new().value("f.json", serde_json::json!({})))?;
    /// assert!(report.render("sarif").unwrap().contains("\"version\": \"2.1.0\""));
    /// assert!(report.render("yaml").is_none());
    /// # Ok::<(), annexa::Error>(())
    /// ```
    pub fn render(&self, format: &str) -> Option<String> {
        crate::report::Format::by_name(format).map(|f| crate::report::render(&self.inner, f, false))
    }

    /// The human report as `annexa check` prints it (colour on request; `verbose` as
    /// `--verbose`), with the fact-file lines under each violation read from the files the
    /// violations name.
    pub fn render_human(&self, colour: bool, verbose: bool) -> String {
        self.render_human_with(colour, verbose, true)
    }

    /// [`Report::render_human`]; `snippets: false` leaves the fact-file lines out, as
    /// `annexa check --no-snippets` does (no file is read).
    ///
    /// ```
    /// # let engine = annexa::Engine::builder().policy_source("p.policy", "rule r { controls A.8.24 require facts.n == 1 else \"n is {facts.n}\" }").build()?;
    /// # let report = engine.check(&annexa::Facts::new().value("f.json", serde_json::json!({"n": 2})))?;
    /// let text = report.render_human_with(false, false, false);
    /// assert!(text.contains("n is 2"));
    /// assert!(!text.contains('│'));
    /// # Ok::<(), annexa::Error>(())
    /// ```
    pub fn render_human_with(&self, colour: bool, verbose: bool, snippets: bool) -> String {
        crate::report::render_human_options(
            &self.inner,
            crate::report::HumanOptions {
                colour,
                verbose,
                snippets,
            },
        )
    }
}

/// What one rule concluded.
#[derive(Debug, Clone, Copy)]
pub struct RuleOutcome<'a>(&'a findings::RuleResult);

impl<'a> RuleOutcome<'a> {
    /// The rule id.
    pub fn rule(&self) -> &'a str {
        &self.0.rule
    }
    /// The rendered title.
    pub fn title(&self) -> &'a str {
        &self.0.title
    }
    /// How it ended.
    pub fn status(&self) -> Status {
        Status::from_internal(self.0.status)
    }
    /// Its severity.
    pub fn severity(&self) -> Severity {
        Severity::from_internal(self.0.severity)
    }
    /// The Annex A 2022 control ids it evidences.
    pub fn controls(&self) -> &'a [String] {
        &self.0.controls
    }
    /// How many subjects it judged.
    pub fn subjects(&self) -> usize {
        self.0.subjects
    }
    /// Its violations (waived ones are in [`RuleOutcome::waived`]).
    pub fn violations(&self) -> impl ExactSizeIterator<Item = Violation<'a>> + 'a {
        self.0.violations.iter().map(Violation)
    }
    /// Violations waivers or the baseline cover.
    pub fn waived(&self) -> impl ExactSizeIterator<Item = Violation<'a>> + 'a {
        self.0.waived.iter().map(Violation)
    }
    /// The missing facts that left it undecided.
    pub fn gaps(&self) -> impl ExactSizeIterator<Item = Gap<'a>> + 'a {
        self.0.evidence_gaps.iter().map(Gap)
    }
    /// The run-time error, when the status is `error`.
    pub fn error(&self) -> Option<&'a str> {
        self.0.error.as_deref()
    }
    /// Why it was skipped, when it was.
    pub fn skip_reason(&self) -> Option<&'a str> {
        self.0.skip_reason.as_deref()
    }
}

/// One failed `require` on one subject, at the fact that decided it.
#[derive(Debug, Clone, Copy)]
pub struct Violation<'a>(&'a findings::Violation);

impl<'a> Violation<'a> {
    /// The rendered `else` message.
    pub fn message(&self) -> &'a str {
        &self.0.message
    }
    /// The fact file (document name) it is in.
    pub fn document(&self) -> &'a str {
        &self.0.document
    }
    /// The 0-based index of the document in its file.
    pub fn document_index(&self) -> usize {
        self.0.document_index
    }
    /// JSON Pointer of the subject the rule judged.
    pub fn subject(&self) -> &'a str {
        &self.0.subject
    }
    /// JSON Pointer of the fact that decided it.
    pub fn path(&self) -> &'a str {
        &self.0.path
    }
    /// 1-based line of that fact.
    pub fn line(&self) -> u32 {
        self.0.line
    }
    /// 1-based column of that fact.
    pub fn column(&self) -> u32 {
        self.0.column
    }
    /// Whether a needed fact was missing (rather than the check being false).
    pub fn missing(&self) -> bool {
        self.0.reason == findings::Reason::Missing
    }
    /// The stable identity baselines and waivers match (SARIF `annexaFinding/v2`).
    pub fn fingerprint(&self) -> &'a str {
        &self.0.fingerprint
    }
}

/// A missing fact that left a rule undecided.
#[derive(Debug, Clone, Copy)]
pub struct Gap<'a>(&'a findings::EvidenceGap);

impl<'a> Gap<'a> {
    /// What is missing, in a sentence.
    pub fn message(&self) -> &'a str {
        &self.0.message
    }
    /// The fact file.
    pub fn document(&self) -> &'a str {
        &self.0.document
    }
    /// JSON Pointer of the missing fact.
    pub fn path(&self) -> &'a str {
        &self.0.path
    }
    /// 1-based line of the nearest fact present.
    pub fn line(&self) -> u32 {
        self.0.line
    }
    /// 1-based column of the nearest fact present.
    pub fn column(&self) -> u32 {
        self.0.column
    }
    /// The field that is missing (`source.type`).
    pub fn lacks(&self) -> &'a str {
        &self.0.lacks
    }
}

/// One Annex A control and how the rules mapped to it ended.
#[derive(Debug, Clone, Copy)]
pub struct ControlOutcome<'a>(&'a findings::ControlResult);

impl<'a> ControlOutcome<'a> {
    /// The 2022 id, e.g. `A.8.24`.
    pub fn id(&self) -> &'a str {
        &self.0.id
    }
    /// The control's title.
    pub fn title(&self) -> &'a str {
        &self.0.title
    }
    /// The worst status of its rules.
    pub fn status(&self) -> Status {
        Status::from_internal(self.0.status)
    }
    /// The rules mapped to it.
    pub fn rules(&self) -> &'a [String] {
        &self.0.rules
    }
}
