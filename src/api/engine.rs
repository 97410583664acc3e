//! [`Engine`]: policies compiled once, checked against any number of fact inputs.

use std::sync::Arc;

use super::error::{Boxed, Error, ErrorKind, Plain};
use super::facts::Facts;
use super::report::Report;
use super::run::RunOptions;
use super::select::Selection;
use crate::audit::Accepted;
use crate::compile::Program;
use crate::config::Config;
use crate::eval::EvalOptions;
use crate::facts::LoadOptions;
use crate::findings;
use crate::schema::{FactModel, SchemaMode};

/// Policies compiled once, with everything a run needs (params, limits, waivers, the fact
/// model), ready to check fact documents from any number of threads.
///
/// `Engine` is `Send + Sync` and cheap to clone (the compiled program is shared), so one engine
/// can serve a whole service: build it at start-up, clone it into every worker.
///
/// ```
/// use std::sync::Arc;
/// use serde_json::json;
///
/// let engine = annexa::Engine::builder()
///     .policy_source(
///         "policies/data.policy",
///         r#"rule encrypted { controls A.8.24 for d in datasets { require d.encrypted == true else "{d.name} is not encrypted" } }"#,
///     )
///     .build()?;
/// let shared = Arc::new(engine);
/// let worker = {
///     let engine = Arc::clone(&shared);
///     std::thread::spawn(move || {
///         let facts = annexa::Facts::new().value("a.json", json!({"datasets": [{"name": "x", "encrypted": true}]}));
///         engine.check(&facts).map(|r| r.ok())
///     })
/// };
/// assert_eq!(worker.join().unwrap()?, true);
/// # Ok::<(), annexa::Error>(())
/// ```
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

/// What a built engine holds; shared by every clone.
struct Inner {
    program: Program,
    options: EvalOptions,
    load: LoadOptions,
    fail_on: findings::Severity,
    gaps: findings::Gaps,
    accepted: Accepted,
    applicability: crate::audit::soa::Applicability,
    schema_mode: SchemaMode,
    model: Option<FactModel>,
    combine: bool,
    merge: bool,
    clock_fixed: bool,
    selection: Selection,
    config_name: Option<String>,
    sources: Vec<(String, String)>,
    warnings: Vec<Boxed>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("rules", &self.inner.program.rules.len())
            .field("sources", &self.inner.sources.len())
            .finish()
    }
}

/// Resource limits; each `None` keeps the `annexa.toml` value, else the built-in default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of arrays and objects in a fact document (default 128, at most 250).
    pub fact_depth: Option<usize>,
    /// Largest fact file or text, in bytes (default 256 MiB).
    pub fact_file_bytes: Option<u64>,
    /// Most nodes YAML alias expansions of one file may produce (default 100,000).
    pub yaml_aliases: Option<usize>,
    /// Most evaluation steps of one rule on one document (default 50,000,000): the step budget.
    pub rule_steps: Option<u64>,
    /// Most bytes one rule may compute on one document (default 256 MiB): the memory budget.
    pub rule_memory: Option<u64>,
    /// Most characters of a violation message (default 4,096).
    pub message_length: Option<usize>,
}

impl Limits {
    /// No limit changed.
    ///
    /// ```
    /// let limits = annexa::Limits { rule_steps: Some(1_000_000), ..annexa::Limits::new() };
    /// assert_eq!(limits.fact_depth, None);
    /// ```
    pub fn new() -> Limits {
        Limits::default()
    }

    pub(crate) fn over(self, base: crate::config::Limits) -> crate::config::Limits {
        crate::config::Limits {
            fact_depth: self.fact_depth.or(base.fact_depth),
            fact_file_bytes: self.fact_file_bytes.or(base.fact_file_bytes),
            yaml_aliases: self.yaml_aliases.or(base.yaml_aliases),
            rule_steps: self.rule_steps.or(base.rule_steps),
            rule_memory: self.rule_memory.or(base.rule_memory),
            message_length: self.message_length.or(base.message_length),
        }
    }
}

/// How fact documents are held to the ML fact model (`docs/facts.md`) before evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaCheck {
    /// Any departure is a [`ErrorKind::Facts`] error: nothing is judged.
    Strict,
    /// Unknown fields of ML fact documents are warnings ([`Report::warnings`]).
    Warn,
    /// No check.
    Off,
}

impl Engine {
    /// Checks `facts` with the engine's settings.
    pub fn check(&self, facts: &Facts) -> Result<Report, Error> {
        self.check_with(facts, &RunOptions::default())
    }

    /// Checks `facts` under a deadline or a cancellation token ([`RunOptions`]).
    pub fn check_with(&self, facts: &Facts, run: &RunOptions) -> Result<Report, Error> {
        run.checkpoint()?;
        let loaded = facts.load(&self.inner.load)?;
        let mut warnings = Vec::new();
        self.schema_check(&loaded.documents, &mut warnings)?;
        let documents = if self.inner.combine {
            let combined = crate::facts::combine(&loaded.documents).map_err(|t| {
                Error::one(
                    ErrorKind::Facts,
                    Plain::coded(
                        "annexa::facts::combine",
                        format!("cannot combine the fact files: {t}"),
                        "check fewer files at once, or without --combine",
                    ),
                )
            })?;
            vec![combined]
        } else if self.inner.merge {
            merge_pipeline(loaded.documents)?
        } else {
            loaded.documents
        };
        let mut options = self.inner.options.clone();
        if !self.inner.clock_fixed {
            // a long-lived engine judges dates (expiries, key ages) by today, not its build day
            options.now = EvalOptions::default().now;
        }
        run.apply(&mut options);
        let report = crate::eval::evaluate(&self.inner.program, &documents, &options)
            .map_err(|e| run.error_of(e))?;
        let applied = crate::audit::apply(report, &self.inner.accepted, options.now);
        let mut notes = loaded.notes;
        notes.extend(applied.notes.iter().cloned());
        warnings.extend(applied.warnings.iter().map(|w| format!("warning: {w}")));
        let mut inner = self.inner.selection.apply(applied.report)?;
        inner.unreadable = loaded.unreadable;
        inner.config = self.inner.config_name.clone();
        inner.coverage = Some(crate::audit::soa::coverage(
            &inner.results,
            &self.inner.applicability,
        ));
        let ok = passes(&inner, self.inner.fail_on, self.inner.gaps);
        Ok(Report {
            inner,
            ok,
            notes,
            warnings,
        })
    }

    /// Every policy the engine was built from, as `(file name, text)` in load order (the
    /// built-in packs are not listed): enough to rebuild the same engine elsewhere.
    pub fn policy_sources(&self) -> &[(String, String)] {
        &self.inner.sources
    }

    /// The ids of the rules, in report order.
    pub fn rules(&self) -> impl ExactSizeIterator<Item = &str> {
        self.inner.program.rules.iter().map(|r| r.id.as_str())
    }

    /// Compiler warnings of the policies (unused names, a waiver naming no rule, …).
    pub fn warnings(&self) -> impl Iterator<Item = &(dyn miette::Diagnostic + Send + Sync)> {
        self.inner.warnings.iter().map(|w| w.as_ref())
    }

    /// Holds the documents to the fact model; strict departures are an error.
    fn schema_check(
        &self,
        documents: &[crate::facts::Document],
        warnings: &mut Vec<String>,
    ) -> Result<(), Error> {
        let mode = self.inner.schema_mode;
        if mode == SchemaMode::Off {
            return Ok(());
        }
        let model = self.inner.model.as_ref().unwrap_or_else(|| FactModel::ml());
        let mut errors = Vec::new();
        for doc in documents {
            // warnings fall on the documents the ML pack judges; a Kubernetes manifest is no
            // misspelt pipeline (strict, asked for by name, still checks every document)
            if mode == SchemaMode::Warn && !crate::schema::is_ml_fact_document(doc) {
                continue;
            }
            for f in model.check(doc) {
                let line = format!(
                    "{}:{}:{}  {}  {}",
                    f.document, f.line, f.column, f.pointer, f.message
                );
                match mode {
                    SchemaMode::Warn if f.unknown_field => {
                        warnings.push(format!("warning[annexa::facts::schema]: {line}"));
                    }
                    SchemaMode::Warn | SchemaMode::Off => {}
                    SchemaMode::Strict => errors.push(line),
                }
            }
        }
        if errors.is_empty() {
            return Ok(());
        }
        let count = errors.len();
        let mut text: String = errors
            .iter()
            .map(|l| format!("error[annexa::facts::schema]: {l}\n"))
            .collect();
        text.push_str(&format!(
            "{count} schema error{} (the fact model is docs/facts.md); nothing was judged",
            if count == 1 { "" } else { "s" }
        ));
        Err(Error::one(
            ErrorKind::Facts,
            Plain::coded(
                "annexa::facts::schema",
                text,
                "fix the fields named, or check with a looser schema mode",
            ),
        ))
    }
}

/// The ML fact documents merged into one pipeline document (in input order, where the first of
/// them was), the others as they are.
fn merge_pipeline(
    documents: Vec<crate::facts::Document>,
) -> Result<Vec<crate::facts::Document>, Error> {
    let (ml, other): (Vec<_>, Vec<_>) = documents
        .into_iter()
        .partition(crate::schema::is_ml_fact_document);
    if ml.len() < 2 {
        return Ok(ml.into_iter().chain(other).collect());
    }
    let merged = crate::facts::merge(&ml).map_err(|c| {
        let help = match c {
            crate::facts::MergeError::Conflict(_) => {
                "give the value in one file only, or the same value in both"
            }
            crate::facts::MergeError::TooLarge(_) => {
                "check fewer files at once, or without --merge"
            }
        };
        Error::one(
            ErrorKind::Facts,
            Plain::coded(
                "annexa::facts::merge",
                format!("cannot merge the pipeline's files: {c}"),
                help,
            ),
        )
    })?;
    Ok(std::iter::once(merged).chain(other).collect())
}

/// Whether a report passes: no rule at or above `fail_on` failed (or, unless `gaps` is `warn`,
/// is incomplete), and no rule is in error.
fn passes(report: &findings::Report, fail_on: findings::Severity, gaps: findings::Gaps) -> bool {
    !report.results.iter().any(|r| {
        let judged_bad = match r.status {
            findings::Status::Fail => true,
            findings::Status::Incomplete => gaps == findings::Gaps::Fail,
            _ => false,
        };
        r.status == findings::Status::Error || (judged_bad && r.severity.at_least(fail_on))
    })
}

/// Everything a build assembled.
pub(crate) struct Assembled {
    pub program: Program,
    pub options: EvalOptions,
    pub load: LoadOptions,
    pub fail_on: findings::Severity,
    pub gaps: findings::Gaps,
    pub accepted: Accepted,
    pub applicability: crate::audit::soa::Applicability,
    pub schema_mode: SchemaMode,
    pub model: Option<FactModel>,
    pub combine: bool,
    pub merge: bool,
    pub clock_fixed: bool,
    pub selection: Selection,
    pub config: Option<Config>,
    pub sources: Vec<(String, String)>,
    pub warnings: Vec<Boxed>,
}

impl Engine {
    pub(crate) fn from_assembled(a: Assembled) -> Engine {
        Engine {
            inner: Arc::new(Inner {
                program: a.program,
                options: a.options,
                load: a.load,
                fail_on: a.fail_on,
                gaps: a.gaps,
                accepted: a.accepted,
                applicability: a.applicability,
                schema_mode: a.schema_mode,
                model: a.model,
                combine: a.combine,
                merge: a.merge,
                clock_fixed: a.clock_fixed,
                selection: a.selection,
                config_name: a.config.map(|c| c.file.name().to_string()),
                sources: a.sources,
                warnings: a.warnings,
            }),
        }
    }
}
