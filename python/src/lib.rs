//! `annexa._native`: the compiled half of the Python package. It stays small on purpose: the
//! Pythonic API (argument checking, dataclasses, pickling) is `annexa/__init__.py`; this module
//! only builds engines and runs checks, with the GIL released for both, and passes reports
//! over as the CLI's JSON so that Python sees exactly the bytes `annexa check --format json`
//! prints.

mod facade;

use std::path::PathBuf;

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;

use facade::{Engine, Error, ErrorKind, FactFormat, Facts, Gaps, Severity};

create_exception!(
    annexa,
    AnnexaError,
    PyException,
    "Base of every error annexa raises; `diagnostic` holds the rendered diagnostic text."
);
create_exception!(
    annexa,
    PolicyError,
    AnnexaError,
    "A policy did not read, parse or compile (the CLI's exit 2 on policies)."
);
create_exception!(
    annexa,
    FactsError,
    AnnexaError,
    "A fact input did not read or parse (the CLI's exit 2 on facts)."
);
create_exception!(
    annexa,
    ConfigError,
    AnnexaError,
    "An annexa.toml, a waivers file or a baseline was wrong."
);
create_exception!(
    annexa,
    UsageError,
    AnnexaError,
    "The engine was asked for something it cannot do (no rule, no fact document, a bad glob)."
);

/// The Python exception for an engine error, with the rendered diagnostic as its message and
/// as its `diagnostic` attribute (so `except PolicyError as e: print(e.diagnostic)` needs no
/// parsing of `args`).
fn to_py(py: Python<'_>, error: &Error) -> PyErr {
    let text = error.render();
    let err = match error.kind() {
        ErrorKind::Policy => PolicyError::new_err(text.clone()),
        ErrorKind::Facts => FactsError::new_err(text.clone()),
        ErrorKind::Config => ConfigError::new_err(text.clone()),
        ErrorKind::Usage => UsageError::new_err(text.clone()),
        // deadlines and cancellation need `check_with`, which this binding does not offer yet;
        // a kind added later still raises an annexa error
        #[allow(unreachable_patterns)]
        _ => AnnexaError::new_err(text.clone()),
    };
    // an exception instance always takes new attributes; if it ever did not, the message
    // still carries the text
    let _ = err.value(py).setattr("diagnostic", text);
    err
}

/// A compiled set of policies with its run options; immutable, shared by any number of
/// threads.
#[pyclass(frozen, module = "annexa._native", name = "Engine")]
struct NativeEngine {
    engine: Engine,
}

/// The outcome of one check: whether it passed and its JSON report.
#[pyclass(frozen, module = "annexa._native", name = "Report")]
struct NativeReport {
    ok: bool,
    json: String,
    notes: Vec<String>,
    warnings: Vec<String>,
}

#[pymethods]
impl NativeEngine {
    /// Reads and compiles the policies; `params_json` is a JSON object of param overrides.
    #[new]
    #[allow(clippy::too_many_arguments)] // one per keyword of annexa.Engine, checked there
    #[pyo3(signature = (policies, sources, params_json, builtin, fail_on, gaps, now))]
    fn new(
        py: Python<'_>,
        policies: Vec<PathBuf>,
        sources: Vec<(String, String)>,
        params_json: &str,
        builtin: Option<bool>,
        fail_on: &str,
        gaps: &str,
        now: Option<i64>,
    ) -> PyResult<NativeEngine> {
        let params = match serde_json::from_str::<serde_json::Value>(params_json) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => return Err(PyValueError::new_err("params must be a JSON object")),
        };
        let fail_on = Severity::parse(fail_on).ok_or_else(|| {
            PyValueError::new_err(format!(
                "fail_on {fail_on:?} is not a severity (critical, high, medium, low, info)"
            ))
        })?;
        let gaps = match gaps {
            "fail" => Gaps::Fail,
            "warn" => Gaps::Warn,
            other => {
                return Err(PyValueError::new_err(format!(
                    "gaps {other:?} is not \"fail\" or \"warn\""
                )));
            }
        };
        let built = py.detach(move || {
            let mut builder = Engine::builder().fail_on(fail_on).gaps(gaps);
            for path in policies {
                builder = builder.policy_path(path);
            }
            for (name, text) in sources {
                builder = builder.policy_source(name, text);
            }
            if let Some(yes) = builtin {
                builder = builder.builtin_packs(yes);
            }
            for (name, value) in params {
                builder = builder.param(name, value);
            }
            if let Some(now) = now {
                builder = builder.now(now);
            }
            builder.build()
        });
        match built {
            Ok(engine) => Ok(NativeEngine { engine }),
            Err(e) => Err(to_py(py, &e)),
        }
    }

    /// Every user policy as (name, text): what a copy of this engine is rebuilt from.
    fn policy_sources(&self) -> Vec<(String, String)> {
        self.engine.policy_sources().to_vec()
    }

    /// The ids of the rules, in report order.
    fn rules(&self) -> Vec<String> {
        self.engine.rules().map(str::to_string).collect()
    }

    /// Checks one document given as JSON text (the Python layer serialised a dict or list).
    fn check_value(&self, py: Python<'_>, name: String, json: String) -> PyResult<NativeReport> {
        let value = py
            .detach(|| serde_json::from_str::<serde_json::Value>(&json))
            .map_err(|e| PyValueError::new_err(format!("the facts are not JSON: {e}")))?;
        self.run(py, Facts::new().value(name, value))
    }

    /// Checks JSON or YAML text (YAML may hold several documents).
    fn check_text(
        &self,
        py: Python<'_>,
        name: String,
        text: String,
        format: &str,
    ) -> PyResult<NativeReport> {
        let format = FactFormat::parse(format).ok_or_else(|| {
            PyValueError::new_err(format!("format {format:?} is not \"yaml\" or \"json\""))
        })?;
        self.run(py, Facts::new().text(name, text, format))
    }

    /// Checks fact files and folders (folders are walked like the CLI walks them).
    fn check_paths(&self, py: Python<'_>, paths: Vec<PathBuf>) -> PyResult<NativeReport> {
        let facts = paths.into_iter().fold(Facts::new(), Facts::path);
        self.run(py, facts)
    }
}

impl NativeEngine {
    fn run(&self, py: Python<'_>, facts: Facts) -> PyResult<NativeReport> {
        let engine = self.engine.clone();
        match py.detach(move || engine.check(&facts)) {
            Ok(report) => Ok(NativeReport {
                ok: report.ok(),
                json: report.to_json(),
                notes: report.notes().to_vec(),
                warnings: report.warnings().to_vec(),
            }),
            Err(e) => Err(to_py(py, &e)),
        }
    }
}

#[pymethods]
impl NativeReport {
    /// True when the CLI would exit 0.
    #[getter]
    fn ok(&self) -> bool {
        self.ok
    }

    /// The report as `annexa check --format json` prints it.
    fn to_json(&self) -> String {
        self.json.clone()
    }

    /// What the CLI would print as notes on standard error.
    fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }

    /// What the CLI would print as warnings on standard error.
    fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }
}

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<NativeEngine>()?;
    m.add_class::<NativeReport>()?;
    m.add("AnnexaError", py.get_type::<AnnexaError>())?;
    m.add("PolicyError", py.get_type::<PolicyError>())?;
    m.add("FactsError", py.get_type::<FactsError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("UsageError", py.get_type::<UsageError>())?;
    Ok(())
}
