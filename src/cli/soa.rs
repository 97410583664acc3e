//! `annexa soa`: the Statement of Applicability.

use annexa::unstable::audit::soa::{
    Applicability, Inputs, RunInfo, SoaRule, build, render_csv, render_markdown,
};
use annexa::unstable::findings::Report;

use super::inputs::load_policies_or_pack;
use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, print_diagnostic};

/// Arguments of `annexa soa`.
#[derive(clap::Args, Debug)]
pub struct SoaArgs {
    /// Fact files or folders to evaluate for the status column (omit them, or give `--report`,
    /// for a statement of coverage only).
    #[arg(value_name = "FACTS")]
    facts: Vec<String>,
    /// A policy file or folder; repeatable. Default: the built-in ML policy pack.
    #[arg(short = 'p', long = "policy", value_name = "POLICY")]
    policies: Vec<String>,
    /// Take the status from a JSON report of `annexa check` instead of evaluating.
    #[arg(long, value_name = "REPORT.json", conflicts_with = "facts")]
    report: Option<String>,
    /// The applicability file: exclusions with their reason, inclusion reasons, owners,
    /// attestations (YAML/JSON, see docs/soa.md).
    #[arg(long, value_name = "FILE")]
    applicability: Option<String>,
    /// The commit the statement is about (default: `$GITHUB_SHA`, `$CI_COMMIT_SHA`, else the
    /// HEAD of the git checkout in the current folder, when there is one).
    #[arg(long, value_name = "SHA")]
    commit: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "markdown")]
    format: SoaFormat,
    /// Write the statement to this file instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<String>,
    /// The evaluation clock as `YYYY-MM-DD`, for reproducible runs.
    #[arg(long, value_name = "DATE")]
    now: Option<String>,
    /// A statement of an earlier run (`soa --format json`): the output starts with which
    /// controls changed status and which findings are new or fixed.
    #[arg(long = "compare", value_name = "BASE.json")]
    compare: Option<String>,
    /// With --compare: exit 1 when the statement regressed against BASE (a control got worse
    /// or a finding is new).
    #[arg(long = "fail-on-regression", requires = "compare")]
    fail_on_regression: bool,
}

/// Output formats of `annexa soa`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SoaFormat {
    /// A Markdown document with one table row per control.
    Markdown,
    /// CSV for a spreadsheet.
    Csv,
    /// The statement as a JSON object (docs/soa.md).
    Json,
    /// One self-contained HTML page (docs/html.md).
    Html,
    /// OSCAL assessment results (JSON).
    Oscal,
}

/// Runs the command; returns the exit code (0, or 2 on a usage error: the statement is a
/// document, not a gate).
pub fn run(args: &SoaArgs) -> u8 {
    let base = match args.compare.as_deref().map(super::compare::base_statement) {
        Some(None) => return EXIT_USAGE,
        Some(Some(side)) => Some(side),
        None => None,
    };
    // `--applicability`, else `applicability` of the discovered annexa.toml
    let file = match &args.applicability {
        Some(file) => Some(file.clone()),
        None => match super::inputs::load_config(None, false) {
            Ok(config) => config
                .and_then(|c| c.applicability)
                .map(|p| p.display().to_string()),
            Err(()) => return EXIT_USAGE,
        },
    };
    let applicability = match &file {
        None => Applicability::default(),
        Some(file) => match read_applicability(file) {
            Some(a) => a,
            None => return EXIT_USAGE,
        },
    };
    let Some(modules) = load_policies_or_pack(&args.policies) else {
        return EXIT_USAGE;
    };
    let Some(compiled) = super::inputs::compile_configured(modules) else {
        return EXIT_USAGE;
    };
    for d in compiled.diagnostics.iter().filter(|d| d.is_error()) {
        print_diagnostic(d);
    }
    let Some(program) = compiled.program else {
        return EXIT_USAGE;
    };
    let today = match &args.now {
        Some(now) => match annexa::unstable::date::parse_iso_date(now) {
            Some(day) => day,
            None => {
                // the same diagnostic as every command's `--now`
                let _ = super::parse_now(now);
                return EXIT_USAGE;
            }
        },
        None => annexa::unstable::date::today(),
    };
    let mut policies: Vec<String> = Vec::new();
    for r in &program.rules {
        let name = r.file.name().to_string();
        if !policies.contains(&name) {
            policies.push(name);
        }
    }
    let aspects: std::collections::BTreeMap<&str, _> = program
        .rules
        .iter()
        .map(|r| (r.id.as_str(), r.aspect.clone()))
        .collect();
    let rules: Vec<SoaRule> = program
        .rules
        .iter()
        .map(|r| SoaRule {
            id: r.id.clone(),
            controls: r.controls.clone(),
            aspect: r.aspect.clone(),
        })
        .collect();
    let report: Option<Report> = if let Some(file) = &args.report {
        let parsed = super::inputs::read_input(file)
            .map_err(|(message, help)| format!("{message} ({help})"))
            .and_then(|b| serde_json::from_slice::<Report>(&b).map_err(|e| e.to_string()));
        match parsed {
            Ok(r) => Some(r),
            Err(e) => {
                print_diagnostic(&UsageError::new(
                    format!("cannot read the report `{file}`: {e}"),
                    "pass a report written by `annexa check --format json`",
                ));
                return EXIT_USAGE;
            }
        }
    } else if !args.facts.is_empty() {
        // the SoA of facts is the SoA of the report `annexa check` would write for them: the
        // same engine, so annexa.toml (params, limits, waivers) applies the same way
        let Some(report) = check_report(args) else {
            return EXIT_USAGE;
        };
        Some(report)
    } else {
        None
    };
    // with a report, the rules are the report's (they were what ran); their aspects are the
    // loaded policies' (a report does not carry metadata)
    let rules = match &report {
        Some(r) => r
            .results
            .iter()
            .map(|x| SoaRule {
                id: x.rule.clone(),
                controls: x.controls.clone(),
                aspect: aspects.get(x.rule.as_str()).cloned().flatten(),
            })
            .collect(),
        None => rules,
    };
    let run = RunInfo {
        date: annexa::unstable::date::format_iso_date(today).unwrap_or_default(),
        commit: commit(args.commit.as_deref()),
        policies,
        facts: fact_files(&args.facts),
        report: args.report.clone(),
        applicability: file.clone(),
    };
    let inputs = Inputs {
        rules: &rules,
        report: report.as_ref(),
        applicability: &applicability,
        today,
    };
    let soa = build(inputs, run);
    let text = match args.format {
        SoaFormat::Markdown => render_markdown(&soa),
        SoaFormat::Csv => render_csv(&soa),
        SoaFormat::Json => serde_json::to_string_pretty(&soa).unwrap_or_default() + "\n",
        SoaFormat::Html => annexa::unstable::report::html::render_soa(&soa),
        SoaFormat::Oscal => super::oscal::render_soa(&soa, report.as_ref(), args.now.as_deref()),
    };
    let delta = base.map(|b| super::compare::of_statement(&b, &soa, args.compare.as_deref()));
    let text = match &delta {
        Some(d) => {
            use super::compare::SoaText;
            let room = match args.format {
                SoaFormat::Markdown => SoaText::Markdown,
                SoaFormat::Json => SoaText::Json,
                SoaFormat::Csv => SoaText::Csv,
                _ => SoaText::Other,
            };
            super::compare::soa_with_delta(room, text, d)
        }
        None => text,
    };
    if !super::write_output(args.output.as_deref(), &text) {
        return EXIT_USAGE;
    }
    match delta {
        Some(d) if args.fail_on_regression && d.has_regressions() => EXIT_FAILED,
        _ => EXIT_OK,
    }
}

/// `--commit`, else the CI's variable, else the checkout's HEAD; `None` outside git.
fn commit(given: Option<&str>) -> Option<String> {
    if let Some(sha) = given {
        return Some(sha.to_string());
    }
    for var in ["GITHUB_SHA", "CI_COMMIT_SHA"] {
        if let Ok(sha) = std::env::var(var)
            && !sha.trim().is_empty()
        {
            return Some(sha.trim().to_string());
        }
    }
    let out = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let sha = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !sha.trim().is_empty()).then(|| sha.trim().to_string())
}

/// The fact files named, folders expanded in walk order (as `check` reads them).
fn fact_files(given: &[String]) -> Vec<String> {
    let mut files = Vec::new();
    for name in given {
        let path = std::path::Path::new(name);
        if path.is_dir() {
            let found = annexa::unstable::facts::collect_fact_files(path).unwrap_or_default();
            files.extend(found.iter().map(|p| p.display().to_string()));
        } else {
            files.push(name.clone());
        }
    }
    files
}

fn read_applicability(file: &str) -> Option<Applicability> {
    let (doc, source) = super::inputs::read_small_document(
        file,
        "write `controls:` with one entry per control, or `excluded:` with `A.x.y: justification` lines (docs/soa.md)",
    )?;
    match Applicability::parse(&doc, &source) {
        Ok(a) => Some(a),
        Err(errors) => {
            for e in &errors {
                print_diagnostic(e);
            }
            None
        }
    }
}

/// Checks the facts as `annexa check` would (the discovered annexa.toml, the policies named or
/// the built-in packs) and reads back its JSON report; prints what is wrong.
fn check_report(args: &SoaArgs) -> Option<Report> {
    let config = super::inputs::load_config(None, false).ok()?;
    let mut builder = annexa::Engine::builder();
    if let Some(config) = &config {
        builder = builder.config_file(config.file.name());
    }
    for policy in &args.policies {
        builder = builder.policy_path(policy);
    }
    if let Some(now) = &args.now {
        builder = builder.now(super::parse_now(now)?);
    }
    let facts = args
        .facts
        .iter()
        .fold(annexa::Facts::new(), |facts, given| facts.path(given));
    let checked = builder.build().and_then(|engine| engine.check(&facts));
    match checked {
        Ok(report) => {
            for note in report.notes() {
                errln!("note: {note}");
            }
            match serde_json::from_str::<Report>(&report.to_json()) {
                Ok(r) => Some(r),
                Err(e) => {
                    errln!("error: the report of the check cannot be read back: {e}");
                    None
                }
            }
        }
        Err(e) => {
            for d in e.diagnostics() {
                print_diagnostic(d);
            }
            None
        }
    }
}
