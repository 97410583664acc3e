//! Reading policies and facts named on the command line.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

use annexa::unstable::ast::Module;
use annexa::unstable::config::Config;
use annexa::unstable::diagnostics::Diagnostic;
use annexa::unstable::facts::{self, Document, Format, LoadOptions};
use annexa::unstable::source::SourceFile;

use super::{UsageError, print_diagnostic};

/// The fact limits of this run: `[limits]` of the annexa.toml in use, set once by
/// [`load_config`] (commands that read no annexa.toml keep the defaults).
static LOAD_OPTIONS: OnceLock<LoadOptions> = OnceLock::new();

/// The fact limits of this run ([`LOAD_OPTIONS`]).
pub fn load_options() -> LoadOptions {
    LOAD_OPTIONS.get().cloned().unwrap_or_default()
}

/// The bound on every input of this run, in bytes.
pub fn input_limit() -> u64 {
    LOAD_OPTIONS
        .get()
        .map_or(annexa::unstable::source::DEFAULT_MAX_INPUT_BYTES, |o| {
            o.max_file_bytes
        })
}

/// Reads an input named on the command line or in annexa.toml (`-` is standard input) through
/// the size bound; the error is the whole sentence (with the bound and how to raise it).
pub fn read_input(given: &str) -> Result<Vec<u8>, (String, String)> {
    let limit = input_limit();
    let read = if given == "-" {
        annexa::unstable::source::read_bounded(std::io::stdin().lock(), limit)
    } else {
        annexa::unstable::source::read_file_bounded(Path::new(given), limit)
    };
    let shown = if given == "-" {
        "standard input"
    } else {
        given
    };
    read.map_err(|e| match e {
        annexa::unstable::source::ReadError::TooLarge { limit } => (
            format!("`{shown}` is larger than the limit of {limit} bytes"),
            annexa::unstable::source::too_large_help(limit),
        ),
        annexa::unstable::source::ReadError::Io(e) => (
            format!("cannot read `{shown}`: {e}"),
            "check the path and its permissions".to_string(),
        ),
    })
}

/// A path as the user wrote it, with `/` separators, for reports.
fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// The policy files named: folders give their `*.policy` files, recursively and sorted. With
/// `require_some`, a folder without any is an error. Prints each problem; `None` on any.
pub fn policy_files(paths: &[String], require_some: bool) -> Option<Vec<String>> {
    let mut files = Vec::new();
    let mut ok = true;
    for given in paths {
        let path = Path::new(given);
        if !path.is_dir() {
            files.push(given.clone());
            continue;
        }
        match annexa::unstable::walk::files_under(path, |p| {
            p.extension().is_some_and(|e| e == "policy")
        }) {
            Ok(found) if found.is_empty() && require_some => {
                print_diagnostic(&UsageError::new(
                    format!("the folder `{given}` holds no `.policy` file"),
                    "pass a policy file or a folder that contains `.policy` files",
                ));
                ok = false;
            }
            Ok(found) => files.extend(found.into_iter().map(|p| display(&p))),
            Err((p, e)) => {
                print_diagnostic(&UsageError::new(
                    format!("cannot read `{}`: {e}", display(&p)),
                    "check the path and its permissions",
                ));
                ok = false;
            }
        }
    }
    ok.then_some(files)
}

/// The policies named, or the built-in ML pack when none is. Prints each diagnostic.
pub fn load_policies_or_pack(paths: &[String]) -> Option<Vec<Module>> {
    if !paths.is_empty() {
        return load_policies(paths);
    }
    match annexa::unstable::pack::modules() {
        Ok(modules) => Some(modules),
        Err(d) => {
            print_diagnostic(&d);
            None
        }
    }
}

/// The built-in packs `--builtin[=PACKS]` names: `all`, or a comma list of pack names. Prints
/// what is wrong (an unknown pack, with a "did you mean").
pub fn builtin_modules(spec: &str) -> Option<Vec<Module>> {
    let names: Vec<String> = spec
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    if names.is_empty() || names.iter().any(|n| n == "all") {
        return load_policies_or_pack(&[]);
    }
    match annexa::unstable::pack::modules_of(&names) {
        Ok(modules) => Some(modules),
        Err(why) => {
            print_diagnostic(&UsageError::new(
                why,
                "name packs as `annexa controls` and docs/packs.md do, or `all`",
            ));
            None
        }
    }
}

/// Parses every policy file named (folders: `*.policy`, recursively, sorted). Prints each
/// diagnostic; returns `None` when anything could not be read or parsed.
pub fn load_policies(paths: &[String]) -> Option<Vec<Module>> {
    let files = policy_files(paths, true)?;
    let mut ok = true;
    let mut modules = Vec::new();
    for name in files {
        let bytes = match read_input(&name) {
            Ok(b) => b,
            Err((message, help)) => {
                print_diagnostic(&UsageError::new(message, help));
                ok = false;
                continue;
            }
        };
        let text = match policy_text(&name, bytes) {
            Ok(t) => t,
            Err(d) => {
                print_diagnostic(&d);
                ok = false;
                continue;
            }
        };
        match annexa::unstable::syntax::parse(&SourceFile::new(name.as_str(), text)) {
            Ok(m) => modules.push(m),
            Err(d) => {
                print_diagnostic(&d);
                ok = false;
            }
        }
    }
    ok.then_some(modules)
}

/// Policies are UTF-8; anything else is answered with where the first bad byte is.
fn policy_text(name: &str, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = String::from_utf8_lossy(e.as_bytes().get(..valid).unwrap_or(&[])).into_owned();
        let file = SourceFile::new(name, prefix.clone());
        Diagnostic::error(
            "annexa::parse",
            format!("the policy is not UTF-8 text (bad byte at offset {valid})"),
            &file,
        )
        .with_label(
            annexa::unstable::source::Span::new(valid, valid),
            "the text stops being UTF-8 here",
        )
        .with_help("policies are UTF-8 text files; is this a binary file?")
    })
}

/// A small YAML or JSON input of annexa's own (a waivers or applicability file): its first
/// document and its text for diagnostics. Prints the problem and gives `None` when it cannot
/// be read or holds no document (`shape` says what to write instead).
pub fn read_small_document(file: &str, shape: &str) -> Option<(Document, SourceFile)> {
    let options = load_options();
    let loaded = facts::read_path(Path::new(file), file, &options).and_then(|(text, format)| {
        let source = SourceFile::new(file, text.as_str());
        facts::load_text(file, text, format, &options).map(|l| (l, source))
    });
    let (loaded, source) = match loaded {
        Ok(l) => l,
        Err(e) => {
            print_diagnostic(&e);
            return None;
        }
    };
    let Some(doc) = loaded.documents.into_iter().next() else {
        print_diagnostic(&UsageError::new(format!("`{file}` is empty"), shape));
        return None;
    };
    Some((doc, source))
}

/// `--param NAME=JSON` options as (name, value); prints the first mistake and gives `None`.
pub fn parse_params(params: &[String]) -> Option<Vec<(String, serde_json::Value)>> {
    let mut parsed = Vec::with_capacity(params.len());
    for param in params {
        let Some((name, json)) = param.split_once('=') else {
            print_diagnostic(&UsageError::new(
                format!("`--param {param}` has no `=`"),
                "write --param NAME=JSON, e.g. --param allowed_regions='[\"eu-west-1\"]'",
            ));
            return None;
        };
        match serde_json::from_str::<serde_json::Value>(json) {
            Ok(value) => parsed.push((name.trim().to_string(), value)),
            Err(e) => {
                print_diagnostic(&UsageError::new(
                    format!("the value of `--param {name}` is not JSON: {e}"),
                    "strings need JSON quotes: --param region='\"eu-west-1\"'",
                ));
                return None;
            }
        }
    }
    Some(parsed)
}

/// Loads every fact document named, with the limits of the annexa.toml in use; prints notes
/// and errors. `None` when anything failed.
pub fn load_facts(paths: &[String], stdin_format: Option<Format>) -> Option<Vec<Document>> {
    load_fact_inputs(paths, &BTreeSet::new(), stdin_format)
}

/// Loads every fact document named; prints notes and errors. A file named explicitly that
/// cannot be read or parsed is an error (`None`, exit 2); a file found in a folder, or listed
/// in `walked` (folders already expanded by `--exclude`), is reported as unreadable on
/// standard error and in the report, and the run goes on without it. The limits are those of
/// the annexa.toml in use ([`load_options`]).
pub fn load_fact_inputs(
    paths: &[String],
    walked: &BTreeSet<String>,
    stdin_format: Option<Format>,
) -> Option<Vec<Document>> {
    let options = &load_options();
    let mut documents = Vec::new();
    let mut ok = true;
    let mut take = |loaded: Result<facts::Loaded, facts::FactsError>, lenient: bool, name: &str| {
        match loaded {
            Ok(file) => {
                for note in &file.notes {
                    errln!("note: {note}");
                }
                documents.extend(file.documents);
                true
            }
            Err(e) if lenient => {
                print_diagnostic(&e);
                errln!("note: `{name}` could not be read as JSON or YAML and was skipped");
                true
            }
            Err(e) => {
                print_diagnostic(&e);
                false
            }
        }
    };
    for given in paths {
        if given == "-" {
            let bytes = match read_input("-") {
                Ok(bytes) => bytes,
                Err((message, help)) => {
                    print_diagnostic(&UsageError::new(message, help));
                    ok = false;
                    continue;
                }
            };
            let format = stdin_format.unwrap_or(Format::Yaml);
            ok &= take(
                facts::load_bytes("<stdin>", &bytes, format, options),
                false,
                given,
            );
            continue;
        }
        let path = Path::new(given);
        if !path.is_dir() {
            let lenient = walked.contains(given);
            ok &= take(facts::load_path(path, given, options), lenient, given);
            continue;
        }
        match facts::discover_fact_files(path) {
            Ok(found) => {
                for note in &found.notes {
                    errln!("note: {note}");
                }
                for file in &found.files {
                    let name = display(file);
                    ok &= take(facts::load_path(file, &name, options), true, &name);
                }
            }
            Err(e) => ok &= take(Err(e), false, given),
        }
    }
    if ok && documents.is_empty() {
        print_diagnostic(&UsageError::new(
            "no fact document was found",
            "name JSON or YAML fact files, or folders holding `.json`, `.yaml` or `.yml` files",
        ));
        return None;
    }
    ok.then_some(documents)
}

/// The `annexa.toml` to use: the one named by `--config`, none with `--no-config`, else the
/// nearest one found walking up from the working directory. Prints its diagnostics; `Err(())`
/// when the file is wrong (exit 2).
pub fn load_config(explicit: Option<&str>, disabled: bool) -> Result<Option<Config>, ()> {
    if disabled {
        return Ok(None);
    }
    let path = match explicit {
        Some(given) => std::path::PathBuf::from(given),
        None => {
            let Ok(cwd) = std::env::current_dir() else {
                return Ok(None);
            };
            match annexa::unstable::config::find(&cwd) {
                Some(found) => relative_to(&found, &cwd),
                None => return Ok(None),
            }
        }
    };
    match Config::load(&path) {
        Ok(config) => {
            // the first annexa.toml read in a run sets its limits
            let _ = LOAD_OPTIONS.set(config.limits.load_options());
            Ok(Some(config))
        }
        Err(diagnostics) => {
            for d in &diagnostics {
                print_diagnostic(d);
            }
            Err(())
        }
    }
}

/// `path` (absolute, under an ancestor of `cwd`) as seen from `cwd`: `annexa.toml`,
/// `../annexa.toml`, …, so that reports name files the way a person in `cwd` would.
fn relative_to(path: &Path, cwd: &Path) -> std::path::PathBuf {
    let Some(dir) = path.parent() else {
        return path.to_path_buf();
    };
    match cwd.strip_prefix(dir) {
        Ok(below) => {
            let mut out = std::path::PathBuf::new();
            for _ in below.components() {
                out.push("..");
            }
            out.join(path.file_name().unwrap_or_default())
        }
        Err(_) => path.to_path_buf(),
    }
}

/// Paths from annexa.toml as strings the way the loaders take them (`/` separators).
pub fn path_strings(paths: &[std::path::PathBuf]) -> Vec<String> {
    paths.iter().map(|p| display(p)).collect()
}

/// Compiles `modules` with the fact model of the discovered annexa.toml (its `[schema] extend`),
/// so commands without `--config` (explain, graph, soa, controls) accept the fields a team added
/// to the model, as `check`, `test` and `lint` do. `None` (exit 2) when annexa.toml or its
/// extension is wrong; the diagnostics are printed.
pub fn compile_configured(modules: Vec<Module>) -> Option<annexa::unstable::compile::Compiled> {
    let config = load_config(None, false).ok()?;
    let model = match annexa::unstable::config::configured_model(config.as_ref()) {
        Ok(model) => model,
        Err(d) => {
            print_diagnostic(&d);
            return None;
        }
    };
    Some(annexa::unstable::compile::compile_with_model(
        modules,
        model.as_ref(),
    ))
}

/// Evaluation options with the `[limits]` and `[params]` of `config` applied (the command
/// line's `--param`s are appended after, so they win).
pub fn configured_options(config: Option<&Config>) -> annexa::unstable::eval::EvalOptions {
    let mut options = annexa::unstable::eval::EvalOptions::default();
    if let Some(config) = config {
        config.limits.apply_to(&mut options);
        for param in &config.params {
            options
                .params
                .push((param.name.clone(), param.value.clone()));
        }
    }
    options
}
