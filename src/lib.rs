//! annexa: policy-as-code for ML pipelines, with every finding mapped to ISO/IEC 27001:2022
//! Annex A.
//!
//! Build an [`Engine`] once from policies (files, in-memory sources, the built-in packs, an
//! `annexa.toml`), then check [`Facts`] — JSON values, JSON or YAML texts, files and folders —
//! from as many threads as you like. Each check gives a [`Report`]: a status per rule, the
//! violations at the line of the fact that decided them, the evidence gaps, the controls.
//!
//! ```
//! use serde_json::json;
//!
//! let engine = annexa::Engine::builder()
//!     .policy_source(
//!         "policies/data.policy",
//!         r#"
//! rule training_data_encrypted {
//!   severity high
//!   controls A.8.24
//!   for d in datasets {
//!     require d.encrypted == true else "dataset {d.name} is not encrypted"
//!   }
//! }
//! "#,
//!     )
//!     .build()?;
//! let facts = annexa::Facts::new().text(
//!     "pipeline.yaml",
//!     "datasets:\n  - name: clicks\n    encrypted: false\n",
//!     annexa::FactFormat::Yaml,
//! );
//! let report = engine.check(&facts)?;
//! assert!(!report.ok());
//! let v = report.result("training_data_encrypted").unwrap().violations().next().unwrap();
//! assert_eq!((v.message(), v.line()), ("dataset clicks is not encrypted", 3));
//! assert_eq!(report.failing_controls(), ["A.8.24"]);
//! # Ok::<(), annexa::Error>(())
//! ```
//!
//! The API is the items at this root. [`unstable`] holds the internals the `annexa` binary's
//! other commands use: no stability promise.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod api;
mod ast;
mod audit;
mod compile;
mod config;
mod controls;
mod date;
mod diagnostics;
mod eval;
mod facts;
mod findings;
mod format;
mod identity;
mod lint;
mod pack;
mod report;
mod schema;
mod source;
mod stdlib;
mod syntax;
mod testing;
mod threads;
mod walk;

pub use api::{
    Cancel, ControlOutcome, Engine, EngineBuilder, Error, ErrorKind, FactFormat, Facts, Gap, Gaps,
    Limits, Report, RuleOutcome, RunOptions, SchemaCheck, Severity, Status, Summary, Violation,
};

/// The `annexa.toml` that applies to `dir`: the nearest one in `dir` or a folder above it,
/// stopping at the repository root (a folder holding `.git`).
///
/// ```
/// let found = annexa::find_config(std::path::Path::new("examples/repo"));
/// assert!(found.is_none_or(|p| p.ends_with("annexa.toml")));
/// ```
pub fn find_config(dir: &std::path::Path) -> Option<std::path::PathBuf> {
    config::find(dir)
}

/// Internals of annexa, public only for the `annexa` binary's commands (test, fmt, lint,
/// explain, graph, soa, controls). **No stability promise**: anything here may change in any
/// release. Embed annexa through the items at the crate root.
#[doc(hidden)]
pub mod unstable {
    macro_rules! reexport {
        ($($name:ident),*) => {
            $(
                #[allow(missing_docs)]
                pub mod $name {
                    pub use crate::$name::*;
                }
            )*
        };
    }
    reexport!(
        ast,
        audit,
        compile,
        config,
        controls,
        date,
        diagnostics,
        eval,
        facts,
        findings,
        format,
        identity,
        lint,
        pack,
        report,
        schema,
        source,
        stdlib,
        syntax,
        testing,
        threads,
        walk
    );

    /// The findings behind a facade [`Report`](crate::Report), for the binary's renderers that
    /// show more than the facade does (the HTML page reads the fact files for excerpts).
    pub fn findings_of(report: &crate::Report) -> &crate::findings::Report {
        &report.inner
    }
}
