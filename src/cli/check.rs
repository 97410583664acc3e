//! `annexa check`: the main job.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::Path;

use globset::{Glob, GlobSet, GlobSetBuilder};

use annexa::eval::EvalOptions;
use annexa::facts::Format as FactFormat;
use annexa::findings::{Gaps, Report, Severity, Status};
use annexa::report::{self, Format};
use annexa::schema::{FactModel, SchemaMode};

use super::inputs::{load_config, load_fact_inputs, path_strings};
use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, print_diagnostic};

/// Arguments of `annexa check`.
#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Fact files or folders (JSON, YAML, MLmodel, dvc.lock, *.dvc); folders are walked as
    /// repositories (.gitignore respected). `-` reads standard input. Default: `facts` of annexa.toml.
    #[arg(value_name = "FACTS")]
    facts: Vec<String>,
    /// A policy file or folder (`*.policy`, recursively); repeatable. Without it, the `policies` of
    /// annexa.toml or, failing that, the built-in ML policy pack runs.
    #[arg(short = 'p', long = "policy", value_name = "POLICY")]
    policies: Vec<String>,
    /// Output format [default: `format` of annexa.toml, else human].
    #[arg(long, value_parser = format_parser())]
    format: Option<Format>,
    /// Write the report to this file instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<String>,
    /// Override a param: `NAME=JSON` (e.g. `allowed_regions='["eu-west-1"]'`); repeatable.
    #[arg(long = "param", value_name = "NAME=JSON")]
    params: Vec<String>,
    /// The evaluation clock as `YYYY-MM-DD` (midnight UTC), for reproducible runs.
    #[arg(long, value_name = "DATE")]
    now: Option<String>,
    /// Failing rules at or above this severity fail the run [default: `fail-on` of annexa.toml, else low].
    #[arg(long = "fail-on", value_name = "SEVERITY")]
    fail_on: Option<String>,
    /// Whether an incomplete rule (no require failed, but a missing fact left it undecided)
    /// fails the run like a failed one (`fail`) or is only reported (`warn`) [default: `gaps` of
    /// annexa.toml, else fail].
    #[arg(long = "gaps", value_enum, value_name = "fail|warn")]
    gaps: Option<GapsArg>,
    /// Evaluate all fact documents as one list (`facts` is the list of documents, in input
    /// order) instead of each on its own; findings still name their own file and line.
    #[arg(long)]
    combine: bool,
    /// Check fact documents against the ML pipeline fact model: `--schema` (or `=strict`): any
    /// departure stops the run with exit 2; `=warn`: unknown fields are warnings; `=off`.
    /// [default: `[schema] check` of annexa.toml, else warn when the policies declare
    /// `schema "annexa.ml/v1"`, else off]
    #[arg(long, value_name = "MODE", num_args = 0..=1, require_equals = true,
          default_missing_value = "strict", value_parser = ["strict", "warn", "off"])]
    schema: Option<String>,
    /// Format of standard input when FACTS is `-`.
    #[arg(long = "stdin-format", value_enum)]
    stdin_format: Option<StdinFormat>,
    /// Report only rules whose id matches this glob (e.g. `ml.data_protection.*`); repeatable.
    #[arg(long = "rule", value_name = "GLOB")]
    rules: Vec<String>,
    /// Report only rules mapped to an Annex A control matching this glob (e.g. `A.5.*`); repeatable.
    #[arg(long = "control", value_name = "GLOB")]
    controls: Vec<String>,
    /// Skip fact files found in folders whose path matches this glob (e.g. `**/fixtures/**`); repeatable.
    #[arg(long = "exclude", value_name = "GLOB")]
    excludes: Vec<String>,
    /// Accepted findings (YAML or JSON, see docs/waivers.md): a rule whose every violation is
    /// waived is `waived` and does not fail the run [default: `waivers` of annexa.toml].
    #[arg(long = "waivers", value_name = "FILE")]
    waivers: Option<String>,
    /// A JSON report of an earlier run: the violations it lists are waived, so only new ones fail.
    #[arg(long = "baseline", value_name = "REPORT.json")]
    baseline: Option<String>,
    /// Read this annexa.toml instead of the nearest one above the working directory.
    #[arg(long = "config", value_name = "FILE", conflicts_with = "no_config")]
    config: Option<String>,
    /// Ignore annexa.toml.
    #[arg(long = "no-config")]
    no_config: bool,
    /// Also list, in the human report, the rules no fact document was in scope of.
    #[arg(short = 'v', long = "verbose")]
    verbose: bool,
}

/// The values of `--gaps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GapsArg {
    /// Incomplete rules fail the run.
    Fail,
    /// Incomplete rules are reported without failing the run.
    Warn,
}

impl From<GapsArg> for Gaps {
    fn from(arg: GapsArg) -> Gaps {
        match arg {
            GapsArg::Fail => Gaps::Fail,
            GapsArg::Warn => Gaps::Warn,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum StdinFormat {
    Json,
    Yaml,
}

/// Runs the command; returns the exit code.
pub fn run(args: &CheckArgs) -> u8 {
    for (option, globs) in [
        ("--rule", &args.rules),
        ("--control", &args.controls),
        ("--exclude", &args.excludes),
    ] {
        if let Err(d) = glob_set(option, globs) {
            print_diagnostic(&d);
            return EXIT_USAGE;
        }
    }
    let Ok(config) = load_config(args.config.as_deref(), args.no_config) else {
        return EXIT_USAGE;
    };
    let config = config.as_ref();
    let fail_on = match (&args.fail_on, config.and_then(|c| c.fail_on)) {
        (Some(given), _) => {
            let Some(severity) = Severity::parse(given) else {
                print_diagnostic(&UsageError::new(
                    format!("`{given}` is not a severity"),
                    "use one of critical, high, medium, low, info",
                ));
                return EXIT_USAGE;
            };
            severity
        }
        (None, Some(from_file)) => from_file,
        (None, None) => Severity::Low,
    };
    let gaps = args
        .gaps
        .map(Gaps::from)
        .or_else(|| config.and_then(|c| c.gaps))
        .unwrap_or_default();
    let waivers_file = args.waivers.clone().or_else(|| {
        config
            .and_then(|c| c.waivers.as_ref())
            .map(|w| w.to_string_lossy().replace('\\', "/"))
    });
    let Some(waivers) = load_waivers(waivers_file.as_deref(), args.baseline.as_deref()) else {
        return EXIT_USAGE;
    };
    let mut options = EvalOptions::default();
    if let Some(steps) = config.and_then(|c| c.limits.rule_steps) {
        options.step_limit = steps;
    }
    if let Some(bytes) = config.and_then(|c| c.limits.rule_memory) {
        options.memory_limit = bytes;
    }
    if let Some(length) = config.and_then(|c| c.limits.message_length) {
        options.message_limit = length;
    }
    if let Some(now) = &args.now {
        match super::parse_now(now) {
            Some(seconds) => options.now = seconds,
            None => return EXIT_USAGE,
        }
    }
    let Some(params) = super::inputs::parse_params(&args.params) else {
        return EXIT_USAGE;
    };
    options.params.extend(params);
    // with no -p, the policies of annexa.toml, else the built-in ML policy pack
    let config_policies = config
        .map(|c| path_strings(&c.policies))
        .unwrap_or_default();
    let policies = if args.policies.is_empty() {
        &config_policies
    } else {
        &args.policies
    };
    let Some(modules) = super::inputs::load_policies_or_pack(policies) else {
        return EXIT_USAGE;
    };
    let model = match annexa::schema::configured_model(config) {
        Ok(m) => m,
        Err(d) => {
            print_diagnostic(&d);
            return EXIT_USAGE;
        }
    };
    let compiled = annexa::compile::compile_with_model(modules, model.as_ref());
    for d in &compiled.diagnostics {
        print_diagnostic(d);
    }
    let Some(program) = compiled.program else {
        return EXIT_USAGE;
    };
    if program.rules.is_empty() {
        // a gate that judges nothing must not pass
        print_diagnostic(&UsageError::new(
            "the policies hold no rule: nothing would be checked",
            "add a `rule` to the policies named with -p (or `policies` in annexa.toml)",
        ));
        return EXIT_USAGE;
    }
    if let Some(config) = config {
        // the file's params first, so that a --param for the same param wins
        let mut from_file = Vec::new();
        for param in &config.params {
            if let Err(e) = annexa::eval::resolve_param(&program, &param.name) {
                print_diagnostic(&config.param_error(param, &e.message, &e.help));
                return EXIT_USAGE;
            }
            from_file.push((param.name.clone(), param.value.clone()));
        }
        from_file.append(&mut options.params);
        options.params = from_file;
    }
    let stdin_format = args.stdin_format.map(|f| match f {
        StdinFormat::Json => FactFormat::Json,
        StdinFormat::Yaml => FactFormat::Yaml,
    });
    let facts = if args.facts.is_empty() {
        config.map(|c| path_strings(&c.facts)).unwrap_or_default()
    } else {
        args.facts.clone()
    };
    if facts.is_empty() {
        print_diagnostic(&UsageError::new(
            "no fact file was named",
            "name fact files or folders (`annexa check facts/`), or set `facts` in annexa.toml",
        ));
        return EXIT_USAGE;
    }
    let mut excludes = config.map(|c| c.exclude.clone()).unwrap_or_default();
    excludes.extend(args.excludes.iter().cloned());
    let Some((facts, walked)) = expand_excluded(&facts, &excludes) else {
        return EXIT_USAGE;
    };
    let Some(inputs) = load_fact_inputs(&facts, &walked, stdin_format) else {
        return EXIT_USAGE;
    };
    let documents = inputs.documents;
    let declared = match program.fact_model {
        Some(_) => SchemaMode::Warn,
        None => SchemaMode::Off,
    };
    let mode = (args.schema.as_deref().and_then(SchemaMode::parse))
        .or(config.and_then(|c| c.schema.check))
        .unwrap_or(declared);
    let model = model.as_ref().unwrap_or_else(|| FactModel::ml());
    if !schema_ok(&documents, mode, model) {
        return EXIT_USAGE;
    }
    let documents = if args.combine {
        vec![annexa::facts::combine(&documents)]
    } else {
        documents
    };
    let report = match annexa::eval::evaluate(&program, &documents, &options) {
        Ok(r) => r,
        Err(e) => {
            print_diagnostic(&UsageError::new(
                format!("--param: {}", e.message()),
                e.help(),
            ));
            return EXIT_USAGE;
        }
    };
    let applied = annexa::waivers::apply(report, &waivers, options.now);
    for note in &applied.notes {
        errln!("note: {note}");
    }
    for warning in &applied.warnings {
        errln!("warning: {warning}");
    }
    let notes = applied.report.notes.clone();
    let Some(mut report) = select(applied.report, &args.rules, &args.controls) else {
        return EXIT_USAGE;
    };
    report.notes = notes;
    report.unreadable = inputs.unreadable;
    report.config = config.map(|c| c.file.name().to_string());
    let format = args
        .format
        .or(config.and_then(|c| c.format))
        .unwrap_or(Format::Human);
    let colour = args.output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    let text = match format {
        Format::Human => report::render_human_with(&report, colour, args.verbose),
        _ => report::render(&report, format, colour),
    };
    if !super::write_output(args.output.as_deref(), &text) {
        return EXIT_USAGE;
    }
    // the process ends next: freeing millions of fact nodes one by one would only cost time
    std::mem::forget(documents);
    exit_code(&report, fail_on, gaps)
}

/// 1 when a rule at or above `fail_on` failed (or, unless `gaps` is `warn`, is incomplete) or
/// any rule is in error, else 0.
fn exit_code(report: &Report, fail_on: Severity, gaps: Gaps) -> u8 {
    let failed = report.results.iter().any(|r| {
        let judged_bad = match r.status {
            Status::Fail => true,
            Status::Incomplete => gaps == Gaps::Fail,
            _ => false,
        };
        r.status == Status::Error || (judged_bad && r.severity.at_least(fail_on))
    });
    if failed { EXIT_FAILED } else { EXIT_OK }
}

/// Compiles the globs of one option; an invalid glob is a usage error.
fn glob_set(option: &str, globs: &[String]) -> Result<Option<GlobSet>, UsageError> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        match Glob::new(glob) {
            Ok(g) => {
                builder.add(g);
            }
            Err(e) => {
                return Err(UsageError::new(
                    format!("`{option} {glob}` is not a valid glob: {}", e.kind()),
                    "globs use `*` for any text, `?` for one character, `[ab]` for a set, `{a,b}` for alternatives",
                ));
            }
        }
    }
    builder.build().map(Some).map_err(|e| {
        UsageError::new(
            format!("the {option} globs cannot be used: {e}"),
            "check the globs given",
        )
    })
}

/// Keeps the results whose rule id matches a `--rule` glob (when any is given) and that map to a
/// control matching a `--control` glob (when any is given), then recounts the summary and the
/// control roll-up. Selecting nothing is a usage error: nothing would be judged.
fn select(report: Report, rules: &[String], controls: &[String]) -> Option<Report> {
    if rules.is_empty() && controls.is_empty() {
        return Some(report);
    }
    let (Ok(rule_set), Ok(control_set)) =
        (glob_set("--rule", rules), glob_set("--control", controls))
    else {
        return None;
    };
    let total = report.results.len();
    let files = report.files.clone();
    let kept: Vec<_> = report
        .results
        .into_iter()
        .filter(|r| rule_set.as_ref().is_none_or(|set| set.is_match(&r.rule)))
        .filter(|r| {
            control_set
                .as_ref()
                .is_none_or(|set| r.controls.iter().any(|c| set.is_match(c)))
        })
        .collect();
    if kept.is_empty() {
        let given: Vec<String> = rules
            .iter()
            .map(|g| format!("--rule {g}"))
            .chain(controls.iter().map(|g| format!("--control {g}")))
            .collect();
        print_diagnostic(&UsageError::new(
            format!("no rule matches {} (of {total} rules)", given.join(" ")),
            "rule globs match the full rule id (`ml.*`, `*.training_data_*`); control globs match 2022 ids (`A.5.*`, `A.8.2?`)",
        ));
        return None;
    }
    let mut filtered = annexa::eval::report(kept);
    filtered.files = files;
    Some(filtered)
}

/// Replaces each folder among the facts by the fact files under it that no `--exclude` glob
/// matches (files named explicitly and `-` are kept as given). A glob is matched against the
/// path relative to the folder, each of its parent folders (so `vendor` skips `vendor/a.yaml`),
/// and the path as it is reported (folder joined with it). Without `--exclude`, folders are
/// passed on unchanged. Also gives the files that came from folders (read leniently).
fn expand_excluded(
    facts: &[String],
    excludes: &[String],
) -> Option<(Vec<String>, BTreeSet<String>)> {
    let mut walked = BTreeSet::new();
    let set = match glob_set("--exclude", excludes) {
        Ok(Some(set)) => set,
        Ok(None) => return Some((facts.to_vec(), walked)),
        Err(d) => {
            print_diagnostic(&d);
            return None;
        }
    };
    let mut out = Vec::new();
    for given in facts {
        let dir = Path::new(given);
        if given == "-" || !dir.is_dir() {
            out.push(given.clone());
            continue;
        }
        let files = match annexa::facts::discover_fact_files(dir) {
            Ok(found) => {
                for note in &found.notes {
                    errln!("note: {note}");
                }
                found.files
            }
            Err(e) => {
                print_diagnostic(&e);
                return None;
            }
        };
        let before = out.len();
        for file in files {
            let shown = file.to_string_lossy().replace('\\', "/");
            let relative = file.strip_prefix(dir).unwrap_or(&file);
            let excluded = set.is_match(&shown)
                || relative
                    .ancestors()
                    .filter(|a| !a.as_os_str().is_empty())
                    .any(|a| set.is_match(a));
            if !excluded {
                walked.insert(shown.clone());
                out.push(shown);
            }
        }
        if out.len() == before {
            errln!("note: every fact file under `{given}` is excluded by --exclude");
        }
    }
    Some((out, walked))
}

/// Prints the departures from the fact model (strict: all, as errors; warn: unknown fields, as
/// warnings); false when strict found any.
fn schema_ok(documents: &[annexa::facts::Document], mode: SchemaMode, model: &FactModel) -> bool {
    if mode == SchemaMode::Off {
        return true;
    }
    let mut count = 0;
    for doc in documents {
        // warnings fall on the documents the ML pack judges; a Kubernetes manifest is no
        // misspelt pipeline (strict, asked for by name, still checks every document)
        if mode == SchemaMode::Warn && !annexa::schema::is_ml_fact_document(doc) {
            continue;
        }
        for f in model.check(doc) {
            if mode == SchemaMode::Warn {
                if f.unknown_field {
                    errln!(
                        "warning[annexa::facts::schema]: {}:{}:{}  {}  {}",
                        f.document,
                        f.line,
                        f.column,
                        f.pointer,
                        f.message
                    );
                }
                continue;
            }
            count += 1;
            errln!(
                "error[annexa::facts::schema]: {}:{}:{}  {}  {}",
                f.document,
                f.line,
                f.column,
                f.pointer,
                f.message
            );
        }
    }
    if count > 0 {
        errln!(
            "{count} schema error{} (the fact model is docs/facts.md); nothing was judged",
            if count == 1 { "" } else { "s" }
        );
    }
    count == 0
}

/// `--format` takes the names of [`Format::ALL`], listed in `--help` and in errors.
fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Format::ALL.map(|(name, _)| name))
        .map(|name: String| Format::by_name(&name).unwrap_or(Format::Human))
}

/// The waivers of `--waivers` (or annexa.toml) and the `--baseline`; prints every mistake.
fn load_waivers(file: Option<&str>, baseline: Option<&str>) -> Option<annexa::waivers::Accepted> {
    let mut accepted = annexa::waivers::Accepted::default();
    if let Some(file) = file {
        let (doc, source) = super::inputs::read_small_document(
            file,
            "write `waivers:` followed by entries with `rule` and `reason` (docs/waivers.md)",
        )?;
        match annexa::waivers::parse_waivers(&doc, &source) {
            Ok(w) => accepted.waivers = w,
            Err(errors) => {
                for e in &errors {
                    print_diagnostic(e);
                }
                return None;
            }
        }
    }
    if let Some(baseline) = baseline {
        let parsed = super::inputs::read_input(baseline)
            .map_err(|(message, help)| format!("{message} ({help})"))
            .and_then(|bytes| {
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .map_err(|e| format!("`{baseline}` is not JSON: {e}"))
            })
            .and_then(|report| annexa::waivers::Baseline::from_report(&report, baseline));
        match parsed {
            Ok(b) => accepted.baseline = Some(b),
            Err(message) => {
                print_diagnostic(&UsageError::new(
                    message,
                    "pass a report written by `annexa check --format json`",
                ));
                return None;
            }
        }
    }
    Some(accepted)
}
