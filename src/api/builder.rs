//! [`EngineBuilder`]: what an engine is built from, set step by step.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::build::{HostFn, Parts};
use super::engine::{Engine, Limits, SchemaCheck};
use super::error::Error;
use super::report::{Gaps, Severity};

impl Engine {
    /// A builder with nothing set.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }
}

/// Builds an [`Engine`]: the policies, then how runs are judged. Nothing is read until
/// [`EngineBuilder::build`].
#[derive(Default)]
#[must_use]
pub struct EngineBuilder {
    policy_paths: Vec<PathBuf>,
    sources: Vec<(String, String)>,
    builtin: Option<bool>,
    packs: Option<Vec<String>>,
    params: Vec<(String, serde_json::Value)>,
    config: Option<PathBuf>,
    fail_on: Option<Severity>,
    gaps: Option<Gaps>,
    now: Option<i64>,
    limits: Limits,
    waivers: Option<PathBuf>,
    applicability: Option<PathBuf>,
    baseline: Option<PathBuf>,
    schema: Option<SchemaCheck>,
    combine: bool,
    merge: bool,
    rule_globs: Vec<String>,
    control_globs: Vec<String>,
    excluded_rule_globs: Vec<String>,
    functions: Vec<(String, usize, HostFn)>,
    jobs: Option<usize>,
}

impl EngineBuilder {
    /// A policy file, or a folder whose `*.policy` files (recursively, sorted) are loaded.
    pub fn policy_path(mut self, path: impl AsRef<Path>) -> Self {
        self.policy_paths.push(path.as_ref().to_path_buf());
        self
    }

    /// A policy from memory; `name` is the file name its diagnostics and findings carry.
    pub fn policy_source(mut self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.sources.push((name.into(), text.into()));
        self
    }

    /// Whether the built-in packs (`policies/` of the repository) are compiled in too, next
    /// to the policies given. By default they are when no policy is given (by path, source or
    /// `annexa.toml`), as `annexa check` does without `-p`, or when packs are named (here or by
    /// `packs` of `annexa.toml`).
    pub fn builtin_packs(mut self, yes: bool) -> Self {
        self.builtin = Some(yes);
        self
    }

    /// Compiles in only these built-in packs (`"ml"`, `"kubernetes"`, as `annexa controls` and
    /// `docs/packs.md` name them; `"all"` for every pack), next to the policies given, as
    /// `annexa check --builtin=ml,kubernetes` does; over `packs` of `annexa.toml`. An unknown
    /// name is a usage error with a "did you mean".
    ///
    /// ```
    /// let engine = annexa::Engine::builder()
    ///     .packs(["kubernetes"])
    ///     .policy_source("own.policy", r#"rule r { controls A.5.9 require true }"#)
    ///     .build()?;
    /// let facts = annexa::Facts::new().value("f.json", serde_json::json!({}));
    /// let report = engine.check(&facts)?;
    /// assert!(report.results().any(|r| r.rule() == "r"));
    /// assert!(report.results().any(|r| r.rule().starts_with("kubernetes.")));
    /// assert!(!report.results().any(|r| r.rule().starts_with("ml.")));
    /// # Ok::<(), annexa::Error>(())
    /// ```
    pub fn packs<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.packs
            .get_or_insert_with(Vec::new)
            .extend(names.into_iter().map(Into::into));
        self
    }

    /// Binds a param (its qualified name, its short name when unique, or a dotted suffix),
    /// over the policy's default and `annexa.toml`.
    pub fn param(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {
        self.params.push((name.into(), value));
        self
    }

    /// Applies an `annexa.toml` as `annexa check --config FILE` does: its policies (when none
    /// is given here), params, limits, `fail-on`, `gaps`, waivers, `[schema]`. What is set on
    /// the builder wins over the file, as the command line does.
    pub fn config_file(mut self, path: impl AsRef<Path>) -> Self {
        self.config = Some(path.as_ref().to_path_buf());
        self
    }

    /// The lowest severity whose failures make [`Report::ok`](crate::Report::ok) false (default `low`).
    pub fn fail_on(mut self, severity: Severity) -> Self {
        self.fail_on = Some(severity);
        self
    }

    /// Whether incomplete rules make [`Report::ok`](crate::Report::ok) false (default: they do).
    pub fn gaps(mut self, gaps: Gaps) -> Self {
        self.gaps = Some(gaps);
        self
    }

    /// The evaluation clock, in seconds since the Unix epoch, for reproducible runs (default:
    /// the system clock when each check starts).
    pub fn now(mut self, unix_seconds: i64) -> Self {
        self.now = Some(unix_seconds);
        self
    }

    /// Resource limits, over those of `annexa.toml`.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The applicability file (docs/soa.md) the report's coverage number counts excluded and
    /// attested controls from, over `applicability` of `annexa.toml`.
    pub fn applicability_file(mut self, path: impl AsRef<Path>) -> Self {
        self.applicability = Some(path.as_ref().to_path_buf());
        self
    }

    /// A waivers file (docs/waivers.md), over `waivers` of `annexa.toml`.
    pub fn waivers_file(mut self, path: impl AsRef<Path>) -> Self {
        self.waivers = Some(path.as_ref().to_path_buf());
        self
    }

    /// A JSON report of an earlier run: the violations it lists are waived.
    pub fn baseline_file(mut self, path: impl AsRef<Path>) -> Self {
        self.baseline = Some(path.as_ref().to_path_buf());
        self
    }

    /// How fact documents are held to the fact model (default: `[schema] check` of
    /// `annexa.toml`, else warn when a policy declares `schema "annexa.ml/v1"`, else off).
    pub fn schema_check(mut self, mode: SchemaCheck) -> Self {
        self.schema = Some(mode);
        self
    }

    /// Evaluates all documents of a check as one list (`--combine`).
    pub fn combine(mut self, yes: bool) -> Self {
        self.combine = yes;
        self
    }

    /// Reads every ML fact document of a check as one pipeline document (`--merge`, see
    /// docs/facts.md): collections concatenated, objects merged, a conflicting value an error.
    pub fn merge_pipeline(mut self, yes: bool) -> Self {
        self.merge = yes;
        self
    }

    /// Reports only rules whose id matches one of these globs (`ml.data_protection.*`).
    pub fn select_rules<S: Into<String>>(mut self, globs: impl IntoIterator<Item = S>) -> Self {
        self.rule_globs.extend(globs.into_iter().map(Into::into));
        self
    }

    /// Reports only rules mapped to a control matching one of these globs (`A.5.*`).
    pub fn select_controls<S: Into<String>>(mut self, globs: impl IntoIterator<Item = S>) -> Self {
        self.control_globs.extend(globs.into_iter().map(Into::into));
        self
    }

    /// Leaves out of the report the rules whose id matches one of these globs (a plain id is a
    /// glob too: `ml.data_protection.backups_exist`), as `--exclude-rule`; added to
    /// `exclude-rules` of `annexa.toml`. Excluded rules still run, so a `when` on one still
    /// sees its outcome.
    pub fn exclude_rules<S: Into<String>>(mut self, globs: impl IntoIterator<Item = S>) -> Self {
        self.excluded_rule_globs
            .extend(globs.into_iter().map(Into::into));
        self
    }

    /// A host function policies may call by `name` with `arity` arguments, checked at compile
    /// time like a builtin. It gets the arguments as JSON and returns a value, or `Err` with a
    /// message (the rule ends in `error`). When an argument is a missing fact the function is
    /// not called: the result is missing too, so the rule cannot pass on it.
    ///
    /// ```
    /// use serde_json::{json, Value};
    /// let engine = annexa::Engine::builder()
    ///     .function("owner_of", 1, |args| {
    ///         Ok(match args.first().and_then(Value::as_str) {
    ///             Some("s3://team-a") => json!("alice"),
    ///             _ => Value::Null,
    ///         })
    ///     })
    ///     .policy_source("p.policy", r#"rule owned { controls A.5.9 for d in datasets { require owner_of(d.uri) != null } }"#)
    ///     .build()?;
    /// let facts = annexa::Facts::new().value("f.json", json!({"datasets": [{"uri": "s3://team-b"}]}));
    /// assert!(!engine.check(&facts)?.ok());
    /// # Ok::<(), annexa::Error>(())
    /// ```
    pub fn function(
        mut self,
        name: &str,
        arity: usize,
        call: impl Fn(&[serde_json::Value]) -> Result<serde_json::Value, String> + Send + Sync + 'static,
    ) -> Self {
        self.functions
            .push((name.to_string(), arity, Arc::new(call)));
        self
    }

    /// Evaluates the documents of one check on up to `threads` threads (default 1: the calling
    /// thread; 0 means as many as the machine has cores). The report is the same bytes for any
    /// count: documents are merged back in input order.
    ///
    /// ```
    /// use serde_json::json;
    /// let engine = annexa::Engine::builder()
    ///     .policy_source("p.policy", r#"rule r { controls A.5.9 for d in datasets { require d.ok == true } }"#)
    ///     .jobs(4)
    ///     .build()?;
    /// let mut facts = annexa::Facts::new();
    /// for i in 0..20 {
    ///     facts = facts.value(format!("f{i}.json"), json!({"datasets": [{"ok": i % 2 == 0}]}));
    /// }
    /// assert!(!engine.check(&facts)?.ok());
    /// # Ok::<(), annexa::Error>(())
    /// ```
    pub fn jobs(mut self, threads: usize) -> Self {
        self.jobs = Some(threads);
        self
    }

    /// Reads, parses and compiles everything; every problem found is in the error.
    pub fn build(self) -> Result<Engine, Error> {
        super::build::build(self.into_parts())
    }
}

impl EngineBuilder {
    pub(crate) fn into_parts(self) -> Parts {
        Parts {
            policy_paths: self.policy_paths,
            sources: self.sources,
            builtin: self.builtin,
            packs: self.packs,
            params: self.params,
            config: self.config,
            fail_on: self.fail_on,
            gaps: self.gaps,
            now: self.now,
            limits: self.limits,
            waivers: self.waivers,
            applicability: self.applicability,
            baseline: self.baseline,
            schema: self.schema,
            combine: self.combine,
            merge: self.merge,
            rule_globs: self.rule_globs,
            control_globs: self.control_globs,
            excluded_rule_globs: self.excluded_rule_globs,
            functions: self.functions,
            jobs: self.jobs,
        }
    }
}
