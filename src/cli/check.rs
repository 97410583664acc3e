//! `annexa check`: the main job.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::Path;

use globset::{Glob, GlobSet, GlobSetBuilder};

use annexa::unstable::report::Format;
use annexa::{Engine, FactFormat, Facts, Gaps, SchemaCheck, Severity};

use super::inputs::{load_config, path_strings};
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
    /// Also run the built-in packs next to the policies: `--builtin` all of them,
    /// `--builtin=ml,kubernetes` those named (as `annexa controls` names them) [default:
    /// `packs` of annexa.toml].
    #[arg(long = "builtin", value_name = "PACKS", num_args = 0..=1, require_equals = true,
          default_missing_value = "all")]
    builtin: Option<String>,
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
    /// Read every ML fact document of the run as ONE pipeline document: top-level collections
    /// concatenated, objects merged, a value given twice differently an error (exit 2); other
    /// documents are judged on their own. Findings name the file and line a value came from
    /// (docs/facts.md, "One pipeline in several files").
    #[arg(long, conflicts_with = "combine")]
    merge: bool,
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
    /// Leave the rules whose id matches this glob out of the report (a plain id is a glob too,
    /// e.g. `ml.operations.*`); repeatable, added to `exclude-rules` of annexa.toml.
    #[arg(long = "exclude-rule", value_name = "GLOB")]
    exclude_rules: Vec<String>,
    /// Skip fact files found in folders whose path matches this glob (e.g. `**/fixtures/**`); repeatable.
    #[arg(long = "exclude", value_name = "GLOB")]
    excludes: Vec<String>,
    /// Accepted findings (YAML or JSON, see docs/waivers.md): a rule whose every violation is
    /// waived is `waived` and does not fail the run [default: `waivers` of annexa.toml].
    #[arg(long = "waivers", value_name = "FILE")]
    waivers: Option<String>,
    /// The applicability file (docs/soa.md) of the report's coverage number: excluded and
    /// attested controls [default: `applicability` of annexa.toml].
    #[arg(long = "applicability", value_name = "FILE")]
    applicability: Option<String>,
    /// A JSON report of an earlier run: the violations it lists are waived, so only new ones fail.
    #[arg(long = "baseline", value_name = "REPORT.json")]
    baseline: Option<String>,
    /// A JSON report of an earlier run (`check --format json`, e.g. of the base branch): the
    /// report starts with which controls changed status and which findings are new or fixed.
    #[arg(long = "compare", value_name = "BASE.json")]
    compare: Option<String>,
    /// With --compare: exit 1 only when the run regressed against BASE (a control got worse or
    /// a finding is new), 0 otherwise even if older findings remain.
    #[arg(long = "fail-on-regression", requires = "compare")]
    fail_on_regression: bool,
    /// Read this annexa.toml instead of the nearest one above the working directory.
    #[arg(long = "config", value_name = "FILE", conflicts_with = "no_config")]
    config: Option<String>,
    /// Ignore annexa.toml.
    #[arg(long = "no-config")]
    no_config: bool,
    /// Also list, in the human report, the rules no fact document was in scope of.
    #[arg(short = 'v', long = "verbose")]
    verbose: bool,
    /// Leave out, in the human report, the fact-file lines shown under each violation.
    #[arg(long = "no-snippets")]
    no_snippets: bool,
    /// Threads evaluating fact documents at once (default: `ANNEXA_JOBS`, else every core; 1:
    /// one thread). The report is the same for any count.
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    jobs: Option<usize>,
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
    // globs first: a typo in one is cheaper to report than a whole run
    for (option, globs) in [
        ("--rule", &args.rules),
        ("--control", &args.controls),
        ("--exclude", &args.excludes),
        ("--exclude-rule", &args.exclude_rules),
    ] {
        if let Err(e) = glob_set(option, globs) {
            print_diagnostic(&e);
            return EXIT_USAGE;
        }
    }
    let base = match args.compare.as_deref().map(super::compare::base_report) {
        Some(None) => return EXIT_USAGE,
        Some(Some(side)) => Some(side),
        None => None,
    };
    let Ok(config) = load_config(args.config.as_deref(), args.no_config) else {
        return EXIT_USAGE;
    };
    let config = config.as_ref();
    let Some(engine) = build_engine(args, config) else {
        return EXIT_USAGE;
    };
    for warning in engine.warnings() {
        print_diagnostic(warning);
    }
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
    let Some(inputs) = fact_inputs(&facts, &excludes, args.stdin_format) else {
        return EXIT_USAGE;
    };
    let report = match engine.check(&inputs) {
        Ok(report) => report,
        Err(e) => {
            for d in e.diagnostics() {
                print_diagnostic(d);
            }
            return EXIT_USAGE;
        }
    };
    for note in report.notes() {
        errln!("note: {note}");
    }
    for warning in report.warnings() {
        errln!("{warning}");
    }
    let format = args
        .format
        .or(config.and_then(|c| c.format))
        .unwrap_or(Format::Human);
    let colour = args.output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    let delta = match (&base, &args.compare) {
        (Some(side), Some(file)) => super::compare::of_report(side, &report, file),
        _ => None,
    };
    let written = if format == Format::Json && delta.is_none() {
        // streamed: the report of a large fact file is tens of megabytes the process need not hold
        super::write_output_with(args.output.as_deref(), |w| report.write_json(w))
    } else {
        let text = match format {
            Format::Human => report.render_human_with(colour, args.verbose, !args.no_snippets),
            Format::Html => annexa::unstable::report::html::render_check(
                annexa::unstable::findings_of(&report),
                &mut annexa::unstable::report::snippet::SourceCache::new(),
            ),
            Format::Oscal => super::oscal::render(&report, args.now.as_deref()),
            _ => report.render(format.name()).unwrap_or_default(),
        };
        let text = match &delta {
            Some(d) => super::compare::with_delta(format, text, d),
            None => text,
        };
        super::write_output(args.output.as_deref(), &text)
    };
    if !written {
        return EXIT_USAGE;
    }
    let ok = match &delta {
        Some(d) if args.fail_on_regression => !d.has_regressions(),
        _ => report.ok(),
    };
    let code = if ok { EXIT_OK } else { EXIT_FAILED };
    // the process ends next: freeing millions of fact nodes one by one would only cost time
    std::mem::forget(report);
    code
}

/// The thread count: `--jobs`, else `ANNEXA_JOBS`, else 0 (every core). Prints what is wrong.
fn jobs(args: &CheckArgs) -> Option<usize> {
    if let Some(n) = args.jobs {
        return Some(n);
    }
    let Some(given) = std::env::var_os("ANNEXA_JOBS") else {
        return Some(0);
    };
    match given.to_str().map(str::trim).and_then(|s| s.parse().ok()) {
        Some(n) => Some(n),
        None => {
            print_diagnostic(&UsageError::new(
                format!(
                    "ANNEXA_JOBS is `{}`, not a thread count",
                    given.to_string_lossy()
                ),
                "set it to a whole number (0: every core, 1: one thread), or unset it",
            ));
            None
        }
    }
}

/// The engine of this run: the command line over annexa.toml. Prints what is wrong.
fn build_engine(
    args: &CheckArgs,
    config: Option<&annexa::unstable::config::Config>,
) -> Option<Engine> {
    let mut builder = Engine::builder();
    builder = builder.jobs(jobs(args)?);
    if let Some(config) = config {
        builder = builder.config_file(config.file.name());
    }
    if let Some(given) = &args.fail_on {
        let Some(severity) = Severity::parse(given) else {
            print_diagnostic(&UsageError::new(
                format!("`{given}` is not a severity"),
                "use one of critical, high, medium, low, info",
            ));
            return None;
        };
        builder = builder.fail_on(severity);
    }
    if let Some(gaps) = args.gaps {
        builder = builder.gaps(gaps.into());
    }
    if let Some(waivers) = &args.waivers {
        builder = builder.waivers_file(waivers);
    }
    if let Some(file) = &args.applicability {
        builder = builder.applicability_file(file);
    }
    if let Some(baseline) = &args.baseline {
        builder = builder.baseline_file(baseline);
    }
    if let Some(now) = &args.now {
        builder = builder.now(super::parse_now(now)?);
    }
    for (name, value) in super::inputs::parse_params(&args.params)? {
        builder = builder.param(name, value);
    }
    for policy in &args.policies {
        builder = builder.policy_path(policy);
    }
    if let Some(packs) = &args.builtin {
        builder = builder.packs(packs.split(',').map(str::trim).filter(|p| !p.is_empty()));
    }
    if let Some(mode) = args.schema.as_deref() {
        builder = builder.schema_check(match mode {
            "strict" => SchemaCheck::Strict,
            "warn" => SchemaCheck::Warn,
            _ => SchemaCheck::Off,
        });
    }
    builder = builder
        .combine(args.combine)
        .merge_pipeline(args.merge)
        .select_rules(args.rules.iter().cloned())
        .select_controls(args.controls.iter().cloned())
        .exclude_rules(args.exclude_rules.iter().cloned());
    match builder.build() {
        Ok(engine) => Some(engine),
        Err(e) => {
            for d in e.diagnostics() {
                print_diagnostic(d);
            }
            None
        }
    }
}

/// The fact inputs named: files as given, `-` as standard input, folders walked (or, with
/// `--exclude`, expanded here into the files no glob matches, read leniently as a walk's are).
fn fact_inputs(
    facts: &[String],
    excludes: &[String],
    stdin_format: Option<StdinFormat>,
) -> Option<Facts> {
    let (facts, walked) = expand_excluded(facts, excludes)?;
    let mut inputs = Facts::new();
    for given in &facts {
        if given == "-" {
            let bytes = match super::inputs::read_input("-") {
                Ok(bytes) => bytes,
                Err((message, help)) => {
                    print_diagnostic(&UsageError::new(message, help));
                    return None;
                }
            };
            let format = match stdin_format {
                Some(StdinFormat::Json) => FactFormat::Json,
                _ => FactFormat::Yaml,
            };
            inputs = inputs.bytes("<stdin>", bytes, format);
        } else if walked.contains(given) {
            inputs = inputs.walked_file(given);
        } else {
            inputs = inputs.path(given);
        }
    }
    Some(inputs)
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
        let files = match annexa::unstable::facts::discover_fact_files(dir) {
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

/// `--format` takes the names of [`Format::ALL`], listed in `--help` and in errors.
fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Format::ALL.map(|(name, _)| name))
        .map(|name: String| Format::by_name(&name).unwrap_or(Format::Human))
}
