//! [`EngineBuilder::build`](super::EngineBuilder::build): reading, parsing and compiling
//! everything an engine needs, the way `annexa check` applies `annexa.toml`.

use std::path::{Path, PathBuf};

use super::engine::{Assembled, Engine, Limits, SchemaCheck};
use super::error::{Boxed, Error, ErrorKind, Plain};
use super::facts::check_depth;
use super::facts::display as shown;
use super::report::{Gaps, Severity};
use super::select::Selection;
use crate::ast::Module;
use crate::audit::Accepted;
use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::eval::EvalOptions;
use crate::facts::LoadOptions;
use crate::findings;
use crate::schema::SchemaMode;
use crate::source::SourceFile;

/// A function the host provides to policies.
pub(crate) type HostFn =
    std::sync::Arc<dyn Fn(&[serde_json::Value]) -> Result<serde_json::Value, String> + Send + Sync>;

/// The parts of a builder the build reads (kept here so the fields stay private).
pub(crate) struct Parts {
    pub policy_paths: Vec<PathBuf>,
    pub sources: Vec<(String, String)>,
    pub builtin: Option<bool>,
    pub packs: Option<Vec<String>>,
    pub params: Vec<(String, serde_json::Value)>,
    pub config: Option<PathBuf>,
    pub fail_on: Option<Severity>,
    pub gaps: Option<Gaps>,
    pub now: Option<i64>,
    pub limits: Limits,
    pub waivers: Option<PathBuf>,
    pub applicability: Option<PathBuf>,
    pub baseline: Option<PathBuf>,
    pub schema: Option<SchemaCheck>,
    pub combine: bool,
    pub merge: bool,
    pub rule_globs: Vec<String>,
    pub control_globs: Vec<String>,
    pub excluded_rule_globs: Vec<String>,
    pub functions: Vec<(String, usize, HostFn)>,
    pub jobs: Option<usize>,
}

fn boxed(diagnostics: Vec<Diagnostic>) -> Vec<Boxed> {
    diagnostics
        .into_iter()
        .map(|d| Box::new(d) as Boxed)
        .collect()
}

pub(crate) fn build(parts: Parts) -> Result<Engine, Error> {
    let config = match &parts.config {
        Some(path) => {
            Some(Config::load(path).map_err(|d| Error::new(ErrorKind::Config, boxed(d)))?)
        }
        None => None,
    };
    let limits = parts
        .limits
        .over(config.as_ref().map(|c| c.limits).unwrap_or_default());
    check_ceilings(&limits)?;
    let load = limits.load_options();

    let user_given = !parts.policy_paths.is_empty() || !parts.sources.is_empty();
    let paths: Vec<PathBuf> = if user_given {
        parts.policy_paths.clone()
    } else {
        config
            .as_ref()
            .map(|c| c.policies.clone())
            .unwrap_or_default()
    };
    let has_policies = user_given || !paths.is_empty();
    let packs = parts
        .packs
        .clone()
        .or_else(|| config.as_ref().and_then(|c| c.packs.clone()));
    let builtin = parts.builtin.unwrap_or(!has_policies || packs.is_some());
    if !has_policies && !builtin {
        return Err(Error::plain(
            ErrorKind::Usage,
            "no policy was given: nothing would be checked",
            "give a policy path or source, or turn the built-in packs on",
        ));
    }
    let mut sources = Vec::new();
    let mut problems = Vec::new();
    for path in &paths {
        read_policies(path, &load, &mut sources, &mut problems);
    }
    if !problems.is_empty() {
        return Err(Error::new(ErrorKind::Policy, problems));
    }
    sources.extend(parts.sources.iter().cloned());

    // policies are parsed on as many threads as evaluation gets
    let jobs = match parts.jobs {
        Some(0) => std::thread::available_parallelism().map_or(1, usize::from),
        Some(n) => n,
        None => 1,
    };
    let mut modules: Vec<Module> = Vec::new();
    if builtin {
        match packs.as_deref() {
            Some(names) if !names.iter().any(|n| n == "all") => {
                modules.extend(crate::pack::modules_of(names).map_err(|why| {
                    Error::plain(
                        ErrorKind::Usage,
                        why,
                        "name packs as `annexa controls` and docs/packs.md do, or `all`",
                    )
                })?)
            }
            _ => modules.extend(
                crate::pack::modules_on(jobs).map_err(|d| Error::one(ErrorKind::Policy, d))?,
            ),
        }
    }
    let mut parse_errors = Vec::new();
    let parsed = crate::threads::map_ordered(jobs, &sources, |(name, text)| {
        crate::syntax::parse(&SourceFile::new(name.as_str(), text.as_str()))
    });
    for result in parsed {
        match result {
            Ok(m) => modules.push(m),
            Err(d) => parse_errors.push(Box::new(d) as Boxed),
        }
    }
    if !parse_errors.is_empty() {
        return Err(Error::new(ErrorKind::Policy, parse_errors));
    }

    let model = crate::config::configured_model(config.as_ref())
        .map_err(|d| Error::one(ErrorKind::Config, d))?;
    let compiled = compile(modules, model.as_ref(), &parts)?;
    let (errors, warnings): (Vec<Diagnostic>, Vec<Diagnostic>) = compiled
        .diagnostics
        .into_iter()
        .partition(Diagnostic::is_error);
    let Some(program) = compiled.program else {
        let mut all = errors;
        all.extend(warnings);
        return Err(Error::new(ErrorKind::Policy, boxed(all)));
    };
    if program.rules.is_empty() {
        // a gate that judges nothing must not pass
        return Err(Error::plain(
            ErrorKind::Usage,
            "the policies hold no rule: nothing would be checked",
            "add a `rule` to the policies named with -p (or `policies` in annexa.toml)",
        ));
    }

    let mut options = EvalOptions::default();
    limits.apply_to(&mut options);
    if let Some(now) = parts.now {
        options.now = now;
    }
    options.jobs = jobs;
    // the file's params first, so that a builder param for the same param wins
    if let Some(config) = &config {
        for param in &config.params {
            if let Err(e) = crate::eval::resolve_param(&program, &param.name) {
                return Err(Error::one(
                    ErrorKind::Config,
                    config.param_error(param, &e.message, &e.help),
                ));
            }
            options
                .params
                .push((param.name.clone(), param.value.clone()));
        }
    }
    for (name, value) in &parts.params {
        if let Err(e) = crate::eval::resolve_param(&program, name) {
            return Err(Error::plain(
                ErrorKind::Usage,
                format!("--param: {}", e.message),
                e.help,
            ));
        }
        check_depth(&format!("--param {name}"), value, load.max_depth)
            .map_err(|e| Error::one(ErrorKind::Usage, e))?;
        options.params.push((name.clone(), value.clone()));
    }

    let fail_on = parts
        .fail_on
        .map(|s| s.internal())
        .or(config.as_ref().and_then(|c| c.fail_on))
        .unwrap_or(findings::Severity::Low);
    let gaps = match parts.gaps {
        Some(Gaps::Warn) => findings::Gaps::Warn,
        Some(Gaps::Fail) => findings::Gaps::Fail,
        None => config.as_ref().and_then(|c| c.gaps).unwrap_or_default(),
    };
    let waivers = parts
        .waivers
        .clone()
        .or_else(|| config.as_ref().and_then(|c| c.waivers.clone()));
    let baseline = parts
        .baseline
        .clone()
        .or_else(|| config.as_ref().and_then(|c| c.baseline.clone()));
    let accepted = accepted(waivers.as_deref(), baseline.as_deref(), &load)?;
    let applicability = match parts
        .applicability
        .clone()
        .or_else(|| config.as_ref().and_then(|c| c.applicability.clone()))
    {
        Some(path) => applicability(&path, &load)?,
        None => crate::audit::soa::Applicability::default(),
    };
    let declared = match program.fact_model {
        Some(_) => SchemaMode::Warn,
        None => SchemaMode::Off,
    };
    let schema_mode = match parts.schema {
        Some(SchemaCheck::Strict) => SchemaMode::Strict,
        Some(SchemaCheck::Warn) => SchemaMode::Warn,
        Some(SchemaCheck::Off) => SchemaMode::Off,
        None => config
            .as_ref()
            .and_then(|c| c.schema.check)
            .unwrap_or(declared),
    };
    let mut excluded = config
        .as_ref()
        .map(|c| c.exclude_rules.clone())
        .unwrap_or_default();
    excluded.extend(parts.excluded_rule_globs.iter().cloned());
    let selection = Selection::new(&parts.rule_globs, &parts.control_globs, &excluded)?;
    Ok(Engine::from_assembled(Assembled {
        program,
        options,
        load,
        fail_on,
        gaps,
        accepted,
        applicability,
        schema_mode,
        model,
        combine: parts.combine,
        merge: parts.merge,
        clock_fixed: parts.now.is_some(),
        selection,
        config,
        sources,
        warnings: boxed(warnings),
    }))
}

/// Compiles the modules with the fact model and the host functions.
fn compile(
    modules: Vec<Module>,
    model: Option<&crate::schema::FactModel>,
    parts: &Parts,
) -> Result<crate::compile::Compiled, Error> {
    let mut host = crate::compile::HostFunctions::new();
    for (name, arity, call) in &parts.functions {
        if !is_identifier(name) {
            return Err(Error::plain(
                ErrorKind::Usage,
                format!(
                    "`{name}` cannot be a host function's name: it is a keyword of the policy language"
                ),
                "name host functions like policy functions: lowercase letters, digits and `_`, not a keyword",
            ));
        }
        let function = crate::compile::HostFunction {
            name: name.clone(),
            arity: *arity,
            call: std::sync::Arc::clone(call),
        };
        host.add(function).map_err(|why| {
            Error::plain(
                ErrorKind::Usage,
                why,
                "name host functions like policy functions: lowercase letters, digits and `_`",
            )
        })?;
    }
    Ok(crate::compile::compile_with_host(modules, model, &host))
}

/// Whether `name` reads as a name in a policy (not a keyword): `let NAME = 0` parses to a let
/// of that name.
fn is_identifier(name: &str) -> bool {
    let file = SourceFile::new("<host>", format!("let {name} = 0\n"));
    matches!(
        crate::syntax::parse(&file).map(|m| m.items),
        Ok(items) if matches!(items.as_slice(), [crate::ast::Item::Let(b)] if b.name.name == name)
    )
}

/// A limit past its ceiling is refused, as in `annexa.toml`.
fn check_ceilings(limits: &crate::config::Limits) -> Result<(), Error> {
    let given = [
        ("fact-depth", limits.fact_depth.map(|v| v as u64)),
        ("fact-file-bytes", limits.fact_file_bytes),
        ("yaml-aliases", limits.yaml_aliases.map(|v| v as u64)),
        ("rule-steps", limits.rule_steps),
        ("message-length", limits.message_length.map(|v| v as u64)),
        ("rule-memory", limits.rule_memory),
    ];
    for (key, value) in given {
        let Some(value) = value else { continue };
        let ceiling = crate::config::CEILINGS
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(u64::MAX, |(_, c)| *c);
        if value == 0 || value > ceiling {
            return Err(Error::plain(
                ErrorKind::Usage,
                format!("the limit `{key}` must be between 1 and {ceiling}, not {value}"),
                "limits protect the host: pick a value in range",
            ));
        }
    }
    Ok(())
}

/// Reads the policy files of `path` (a folder: its `*.policy` files, recursively, sorted)
/// into `sources`; every problem goes to `problems`.
fn read_policies(
    path: &Path,
    load: &LoadOptions,
    sources: &mut Vec<(String, String)>,
    problems: &mut Vec<Boxed>,
) {
    let files = if path.is_dir() {
        match crate::walk::files_under(path, |p| p.extension().is_some_and(|e| e == "policy")) {
            Ok(found) if found.is_empty() => {
                problems.push(Box::new(Plain::new(
                    ErrorKind::Usage,
                    format!("the folder `{}` holds no `.policy` file", shown(path)),
                    "pass a policy file or a folder that contains `.policy` files",
                )));
                return;
            }
            Ok(found) => found,
            Err((p, e)) => {
                problems.push(Box::new(Plain::new(
                    ErrorKind::Usage,
                    format!("cannot read `{}`: {e}", shown(&p)),
                    "check the path and its permissions",
                )));
                return;
            }
        }
    } else {
        vec![path.to_path_buf()]
    };
    for file in files {
        let name = shown(&file);
        match crate::source::read_file_bounded(&file, load.max_file_bytes) {
            Ok(bytes) => match policy_text(&name, bytes) {
                Ok(text) => sources.push((name, text)),
                Err(d) => problems.push(Box::new(d)),
            },
            Err(crate::source::ReadError::TooLarge { limit }) => {
                problems.push(Box::new(Plain::new(
                    ErrorKind::Usage,
                    format!("`{name}` is larger than the limit of {limit} bytes"),
                    crate::source::too_large_help(limit),
                )))
            }
            Err(crate::source::ReadError::Io(e)) => problems.push(Box::new(Plain::new(
                ErrorKind::Usage,
                format!("cannot read `{name}`: {e}"),
                "check the path and its permissions",
            ))),
        }
    }
}

/// Policies are UTF-8; anything else is answered with where the first bad byte is.
fn policy_text(name: &str, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = String::from_utf8_lossy(e.as_bytes().get(..valid).unwrap_or(&[])).into_owned();
        let file = SourceFile::new(name, prefix);
        Diagnostic::error(
            "annexa::parse",
            format!("the policy is not UTF-8 text (bad byte at offset {valid})"),
            &file,
        )
        .with_label(
            crate::source::Span::new(valid, valid),
            "the text stops being UTF-8 here",
        )
        .with_help("policies are UTF-8 text files; is this a binary file?")
    })
}

/// The applicability file (docs/soa.md): its mistakes are configuration errors.
fn applicability(
    path: &Path,
    load: &LoadOptions,
) -> Result<crate::audit::soa::Applicability, Error> {
    let (doc, source) = first_document(
        path,
        load,
        "write `controls:` or `excluded:` entries (docs/soa.md)",
    )?;
    crate::audit::soa::Applicability::parse(&doc, &source)
        .map_err(|d| Error::new(ErrorKind::Config, boxed(d)))
}

/// The first document of a small configuration file (applicability, waivers) with its source
/// for diagnostics; an empty file is an error saying what to write (`empty_help`).
fn first_document(
    path: &Path,
    load: &LoadOptions,
    empty_help: &str,
) -> Result<(crate::facts::Document, SourceFile), Error> {
    let name = shown(path);
    let read = crate::facts::read_path(path, &name, load).and_then(|(text, format)| {
        let source = SourceFile::new(name.as_str(), text.as_str());
        crate::facts::load_text(&name, text, format, load).map(|l| (l, source))
    });
    let (loaded, source) = read.map_err(|e| Error::one(ErrorKind::Config, e))?;
    match loaded.documents.into_iter().next() {
        Some(doc) => Ok((doc, source)),
        None => Err(Error::plain(
            ErrorKind::Config,
            format!("`{name}` is empty"),
            empty_help,
        )),
    }
}

/// The waivers file and the baseline.
fn accepted(
    waivers: Option<&Path>,
    baseline: Option<&Path>,
    load: &LoadOptions,
) -> Result<Accepted, Error> {
    let mut accepted = Accepted::default();
    if let Some(path) = waivers {
        let (doc, source) = first_document(
            path,
            load,
            "write `waivers:` followed by entries with `rule` and `reason` (docs/waivers.md)",
        )?;
        accepted.waivers = crate::audit::parse_waivers(&doc, &source)
            .map_err(|d| Error::new(ErrorKind::Config, boxed(d)))?;
    }
    if let Some(path) = baseline {
        let name = shown(path);
        let parsed = crate::source::read_file_bounded(path, load.max_file_bytes)
            .map_err(|e| match e {
                crate::source::ReadError::TooLarge { limit } => {
                    format!("`{name}` is larger than the limit of {limit} bytes")
                }
                crate::source::ReadError::Io(e) => format!("cannot read `{name}`: {e}"),
            })
            .and_then(|bytes| {
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .map_err(|e| format!("`{name}` is not JSON: {e}"))
            })
            .and_then(|report| crate::audit::Baseline::from_report(&report, &name));
        accepted.baseline = Some(parsed.map_err(|message| {
            Error::plain(
                ErrorKind::Config,
                message,
                "pass a report written by `annexa check --format json`",
            )
        })?);
    }
    Ok(accepted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_and_roots_are_not_host_function_names() {
        for word in ["rule", "facts", "not", "for", "require"] {
            assert!(!is_identifier(word), "{word}");
        }
        for name in ["owner_of", "_x2", "lookup"] {
            assert!(is_identifier(name), "{name}");
        }
    }
}
