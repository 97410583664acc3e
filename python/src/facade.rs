//! A stand-in for the crate's public facade (`annexa::Engine`), with the same names and
//! signatures, for the part of it the binding uses. It exists only until the facade lands on
//! main; then `lib.rs` imports `annexa::{Engine, Facts, …}` instead and this file goes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use annexa::ast::Module;
use annexa::compile::Program;
use annexa::eval::EvalOptions;
use annexa::facts::{Document, LoadOptions};
use annexa::findings::Status;

pub use annexa::findings::{Gaps, Severity};
use annexa::source::SourceFile;

/// The format of a fact text.
#[derive(Clone, Copy, Debug)]
pub enum FactFormat {
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

impl FactFormat {
    /// `json`, `yaml` or `yml`.
    pub fn parse(word: &str) -> Option<FactFormat> {
        match word.to_ascii_lowercase().as_str() {
            "json" => Some(FactFormat::Json),
            "yaml" | "yml" => Some(FactFormat::Yaml),
            _ => None,
        }
    }

    fn inner(self) -> annexa::facts::Format {
        match self {
            FactFormat::Json => annexa::facts::Format::Json,
            FactFormat::Yaml => annexa::facts::Format::Yaml,
        }
    }
}

/// What went wrong, as the CLI's exit code 2 families tell it apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A policy did not read, parse or compile.
    Policy,
    /// A fact input did not read or parse.
    Facts,
    /// An annexa.toml was wrong (never, here: the stand-in reads none).
    #[allow(dead_code)] // the facade's kind, mapped by lib.rs
    Config,
    /// The engine was asked for something it cannot do.
    Usage,
}

/// An error with its diagnostics rendered as the CLI prints them, without colour.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    rendered: String,
}

impl Error {
    fn new(kind: ErrorKind, diagnostic: &dyn miette::Diagnostic) -> Error {
        Error {
            kind,
            rendered: render(diagnostic),
        }
    }

    fn plain(kind: ErrorKind, message: String) -> Error {
        Error {
            kind,
            rendered: message,
        }
    }

    /// Which family of error it is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The rendered diagnostic(s), no colour.
    pub fn render(&self) -> String {
        self.rendered.clone()
    }
}

fn render(diagnostic: &dyn miette::Diagnostic) -> String {
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, diagnostic).is_err() {
        out = diagnostic.to_string();
    }
    out
}

/// Builds an [`Engine`].
#[derive(Default)]
pub struct EngineBuilder {
    paths: Vec<PathBuf>,
    sources: Vec<(String, String)>,
    builtin: Option<bool>,
    params: Vec<(String, serde_json::Value)>,
    fail_on: Option<Severity>,
    gaps: Option<Gaps>,
    now: Option<i64>,
}

struct Inner {
    program: Program,
    options: EvalOptions,
    fail_on: Severity,
    gaps: Gaps,
    sources: Vec<(String, String)>,
}

/// Compiled policies and run options, shared cheaply.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl Engine {
    /// A builder with no policy.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// Every user policy as (name, text), as read at build.
    pub fn policy_sources(&self) -> &[(String, String)] {
        &self.inner.sources
    }

    /// The ids of the rules, in report order.
    pub fn rules(&self) -> impl ExactSizeIterator<Item = &str> {
        self.inner.program.rules.iter().map(|r| r.id.as_str())
    }

    /// Evaluates the policies against the facts.
    pub fn check(&self, facts: &Facts) -> Result<Report, Error> {
        let documents = facts.load()?;
        let inner = &self.inner;
        let report = annexa::eval::evaluate(&inner.program, &documents, &inner.options)
            .map_err(|e| Error::plain(ErrorKind::Policy, format!("param: {}", e.message)))?;
        let ok = !report.results.iter().any(|r| {
            let judged_bad = match r.status {
                Status::Fail => true,
                Status::Incomplete => inner.gaps == Gaps::Fail,
                _ => false,
            };
            r.status == Status::Error || (judged_bad && r.severity.at_least(inner.fail_on))
        });
        Ok(Report {
            json: annexa::report::render_json(&report),
            ok,
            notes: Vec::new(),
            warnings: Vec::new(),
        })
    }
}

impl EngineBuilder {
    /// A `.policy` file or a folder of them (recursive).
    pub fn policy_path(mut self, path: impl AsRef<Path>) -> Self {
        self.paths.push(path.as_ref().to_path_buf());
        self
    }

    /// A policy given as text, under a virtual file name.
    pub fn policy_source(mut self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.sources.push((name.into(), text.into()));
        self
    }

    /// Whether the built-in packs run too (default: only when no policy is given).
    pub fn builtin_packs(mut self, yes: bool) -> Self {
        self.builtin = Some(yes);
        self
    }

    /// A param override.
    pub fn param(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {
        self.params.push((name.into(), value));
        self
    }

    /// The severity at which a failing rule makes the report not ok.
    pub fn fail_on(mut self, s: Severity) -> Self {
        self.fail_on = Some(s);
        self
    }

    /// Whether incomplete rules make the report not ok.
    pub fn gaps(mut self, g: Gaps) -> Self {
        self.gaps = Some(g);
        self
    }

    /// The evaluation clock.
    pub fn now(mut self, unix_seconds: i64) -> Self {
        self.now = Some(unix_seconds);
        self
    }

    /// Reads, parses and compiles the policies.
    pub fn build(self) -> Result<Engine, Error> {
        let mut sources = Vec::new();
        for path in &self.paths {
            read_policies(path, &mut sources)?;
        }
        sources.extend(self.sources);
        let builtin = self.builtin.unwrap_or(sources.is_empty());
        let mut modules: Vec<Module> = Vec::new();
        if builtin {
            let pack = annexa::pack::modules().map_err(|d| Error::new(ErrorKind::Policy, &d))?;
            modules.extend(pack);
        }
        for (name, text) in &sources {
            let module = annexa::syntax::parse(&SourceFile::new(name.as_str(), text.as_str()))
                .map_err(|d| Error::new(ErrorKind::Policy, &d))?;
            modules.push(module);
        }
        let compiled = annexa::compile::compile(modules);
        let errors: Vec<String> = compiled.diagnostics.iter().map(|d| render(d)).collect();
        let Some(program) = compiled.program else {
            return Err(Error::plain(ErrorKind::Policy, errors.concat()));
        };
        if program.rules.is_empty() {
            return Err(Error::plain(
                ErrorKind::Usage,
                "the policies hold no rule: nothing would be checked".to_string(),
            ));
        }
        for (name, _) in &self.params {
            annexa::eval::resolve_param(&program, name)
                .map_err(|e| Error::plain(ErrorKind::Policy, format!("param: {}", e.message)))?;
        }
        let mut options = EvalOptions {
            params: self.params,
            ..EvalOptions::default()
        };
        if let Some(now) = self.now {
            options.now = now;
        }
        Ok(Engine {
            inner: Arc::new(Inner {
                program,
                options,
                fail_on: self.fail_on.unwrap_or(Severity::Low),
                gaps: self.gaps.unwrap_or_default(),
                sources,
            }),
        })
    }
}

fn read_policies(path: &Path, out: &mut Vec<(String, String)>) -> Result<(), Error> {
    let shown = |p: &Path| p.to_string_lossy().replace('\\', "/");
    let files = if path.is_dir() {
        annexa::walk::files_under(path, |p| p.extension().is_some_and(|e| e == "policy")).map_err(
            |(p, e)| {
                Error::plain(
                    ErrorKind::Policy,
                    format!("cannot read `{}`: {e}", shown(&p)),
                )
            },
        )?
    } else {
        vec![path.to_path_buf()]
    };
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| {
            Error::plain(
                ErrorKind::Policy,
                format!("cannot read `{}`: {e}", shown(&file)),
            )
        })?;
        out.push((shown(&file), text));
    }
    Ok(())
}

enum Input {
    Value(String, serde_json::Value),
    Text(String, String, FactFormat),
    Path(PathBuf),
}

/// Fact inputs, loaded at check time.
#[derive(Default)]
pub struct Facts {
    inputs: Vec<Input>,
}

impl Facts {
    /// No input yet.
    pub fn new() -> Self {
        Facts::default()
    }

    /// One document given as a value.
    pub fn value(mut self, name: impl Into<String>, v: serde_json::Value) -> Self {
        self.inputs.push(Input::Value(name.into(), v));
        self
    }

    /// JSON or YAML text.
    pub fn text(mut self, name: impl Into<String>, text: impl Into<String>, f: FactFormat) -> Self {
        self.inputs.push(Input::Text(name.into(), text.into(), f));
        self
    }

    /// A file or a folder.
    pub fn path(mut self, p: impl AsRef<Path>) -> Self {
        self.inputs.push(Input::Path(p.as_ref().to_path_buf()));
        self
    }

    fn load(&self) -> Result<Vec<Document>, Error> {
        let options = LoadOptions::default();
        let facts_error = |e: annexa::facts::FactsError| Error::new(ErrorKind::Facts, &e);
        let mut documents = Vec::new();
        for input in &self.inputs {
            match input {
                Input::Value(name, v) => documents.push(Document::from_json(name, v)),
                Input::Text(name, text, f) => documents.extend(
                    annexa::facts::load_text(name, text.clone(), f.inner(), &options)
                        .map_err(facts_error)?
                        .documents,
                ),
                Input::Path(p) if p.is_dir() => {
                    let found = annexa::facts::discover_fact_files(p).map_err(facts_error)?;
                    for file in &found.files {
                        let name = file.to_string_lossy().replace('\\', "/");
                        if let Ok(loaded) = annexa::facts::load_path(file, &name, &options) {
                            documents.extend(loaded.documents);
                        }
                    }
                }
                Input::Path(p) => {
                    let name = p.to_string_lossy().replace('\\', "/");
                    documents.extend(
                        annexa::facts::load_path(p, &name, &options)
                            .map_err(facts_error)?
                            .documents,
                    );
                }
            }
        }
        Ok(documents)
    }
}

/// The outcome of a check.
pub struct Report {
    json: String,
    ok: bool,
    notes: Vec<String>,
    warnings: Vec<String>,
}

impl Report {
    /// What the CLI's exit code would say (0 = true).
    pub fn ok(&self) -> bool {
        self.ok
    }

    /// Notes of the run that are not findings.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Warnings of the run.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The same bytes as `annexa check --format json`.
    pub fn to_json(&self) -> String {
        self.json.clone()
    }
}
