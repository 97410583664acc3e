//! `annexa check`: the main job.

use std::io::IsTerminal;

use annexa::eval::EvalOptions;
use annexa::facts::Format as FactFormat;
use annexa::findings::{Report, Severity, Status};
use annexa::report::{self, Format};

use super::inputs::{load_facts, load_policies};
use super::{print_diagnostic, OutputFormat, UsageError, EXIT_FAILED, EXIT_OK, EXIT_USAGE};

/// Arguments of `annexa check`.
#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Fact files or folders (JSON, YAML); `-` reads standard input.
    #[arg(value_name = "FACTS", required = true)]
    facts: Vec<String>,
    /// A policy file or folder (`*.policy`, recursively); repeatable.
    #[arg(short = 'p', long = "policy", value_name = "POLICY")]
    policies: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: OutputFormat,
    /// Write the report to this file instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<String>,
    /// Override a param: `NAME=JSON` (e.g. `allowed_regions='["eu-west-1"]'`); repeatable.
    #[arg(long = "param", value_name = "NAME=JSON")]
    params: Vec<String>,
    /// The evaluation clock as `YYYY-MM-DD` (midnight UTC), for reproducible runs.
    #[arg(long, value_name = "DATE")]
    now: Option<String>,
    /// Failing rules at or above this severity fail the run.
    #[arg(long = "fail-on", value_name = "SEVERITY", default_value = "low")]
    fail_on: String,
    /// Format of standard input when FACTS is `-`.
    #[arg(long = "stdin-format", value_enum)]
    stdin_format: Option<StdinFormat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum StdinFormat {
    Json,
    Yaml,
}

/// Runs the command; returns the exit code.
pub fn run(args: &CheckArgs) -> u8 {
    let Some(fail_on) = Severity::parse(&args.fail_on) else {
        print_diagnostic(&UsageError::new(
            format!("`{}` is not a severity", args.fail_on),
            "use one of critical, high, medium, low, info",
        ));
        return EXIT_USAGE;
    };
    let mut options = EvalOptions::default();
    if let Some(now) = &args.now {
        match annexa::syntax::parse_iso_date(now) {
            Some(days) => options.now = days.saturating_mul(86_400),
            None => {
                print_diagnostic(&UsageError::new(
                    format!("`--now {now}` is not a date"),
                    "write the date as YYYY-MM-DD, e.g. --now 2026-01-31",
                ));
                return EXIT_USAGE;
            }
        }
    }
    for param in &args.params {
        let Some((name, json)) = param.split_once('=') else {
            print_diagnostic(&UsageError::new(
                format!("`--param {param}` has no `=`"),
                "write --param NAME=JSON, e.g. --param allowed_regions='[\"eu-west-1\"]'",
            ));
            return EXIT_USAGE;
        };
        match serde_json::from_str::<serde_json::Value>(json) {
            Ok(value) => options.params.push((name.trim().to_string(), value)),
            Err(e) => {
                print_diagnostic(&UsageError::new(
                    format!("the value of `--param {name}` is not JSON: {e}"),
                    "strings need JSON quotes: --param region='\"eu-west-1\"'",
                ));
                return EXIT_USAGE;
            }
        }
    }
    if args.policies.is_empty() {
        print_diagnostic(&UsageError::new(
            "no policy was given",
            "name policy files or folders with -p, e.g. -p policies/",
        ));
        return EXIT_USAGE;
    }
    let Some(modules) = load_policies(&args.policies) else {
        return EXIT_USAGE;
    };
    let compiled = annexa::compile::compile(modules);
    for d in &compiled.diagnostics {
        print_diagnostic(d);
    }
    let Some(program) = compiled.program else {
        return EXIT_USAGE;
    };
    let stdin_format = args.stdin_format.map(|f| match f {
        StdinFormat::Json => FactFormat::Json,
        StdinFormat::Yaml => FactFormat::Yaml,
    });
    let Some(documents) = load_facts(&args.facts, stdin_format) else {
        return EXIT_USAGE;
    };
    let report = match annexa::eval::evaluate(&program, &documents, &options) {
        Ok(r) => r,
        Err(e) => {
            print_diagnostic(&UsageError::new(format!("--param: {}", e.message), e.help));
            return EXIT_USAGE;
        }
    };
    let format = match args.format {
        OutputFormat::Human => Format::Human,
        OutputFormat::Json => Format::Json,
    };
    let colour = args.output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    let text = report::render(&report, format, colour);
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                print_diagnostic(&UsageError::new(
                    format!("cannot write `{path}`: {e}"),
                    "check that the folder exists and is writable",
                ));
                return EXIT_USAGE;
            }
        }
        None => print!("{text}"),
    }
    exit_code(&report, fail_on)
}

/// 1 when a rule at or above `fail_on` failed or any rule is in error, else 0.
fn exit_code(report: &Report, fail_on: Severity) -> u8 {
    let failed = report.results.iter().any(|r| {
        r.status == Status::Error || (r.status == Status::Fail && r.severity.at_least(fail_on))
    });
    if failed { EXIT_FAILED } else { EXIT_OK }
}
