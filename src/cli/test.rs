//! `annexa test`: runs the `test` blocks of policies, reported like `cargo test`.

use annexa::unstable::testing::{
    Coverage, TestOptions, TestOutcome, check_tests, run_tests, run_tests_with_coverage,
};

use super::inputs::load_policies;
use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE, print_diagnostic};

/// Arguments of `annexa test`.
#[derive(clap::Args, Debug)]
pub struct TestArgs {
    /// Policy files or folders (`*.policy`, recursively); default: the current folder.
    #[arg(value_name = "PATH")]
    paths: Vec<String>,
    /// Run only the tests whose name contains this text.
    #[arg(long, value_name = "SUBSTR")]
    filter: Option<String>,
    /// The evaluation clock as `YYYY-MM-DD` (midnight UTC), for reproducible runs.
    #[arg(long, value_name = "DATE")]
    now: Option<String>,
    /// After the tests, list the rules and the `require`s no test reached, and the share reached.
    #[arg(long)]
    coverage: bool,
    /// Read this annexa.toml instead of the nearest one above the working directory.
    #[arg(long = "config", value_name = "FILE", conflicts_with = "no_config")]
    config: Option<String>,
    /// Ignore annexa.toml.
    #[arg(long = "no-config")]
    no_config: bool,
}

/// Runs the command; returns the exit code.
pub fn run(args: &TestArgs) -> u8 {
    let mut options = TestOptions {
        filter: args.filter.clone(),
        now: annexa::unstable::eval::EvalOptions::default().now,
    };
    if let Some(now) = &args.now {
        match super::parse_now(now) {
            Some(seconds) => options.now = seconds,
            None => return EXIT_USAGE,
        }
    }
    let Ok(config) = super::inputs::load_config(args.config.as_deref(), args.no_config) else {
        return EXIT_USAGE;
    };
    // the policies of annexa.toml when no path is given; its params stay out of test blocks,
    // which say their own
    let configured = config
        .as_ref()
        .map(|c| super::inputs::path_strings(&c.policies))
        .unwrap_or_default();
    let paths = if !args.paths.is_empty() {
        args.paths.clone()
    } else if !configured.is_empty() {
        configured
    } else {
        vec![".".to_string()]
    };
    let Some(modules) = load_policies(&paths) else {
        return EXIT_USAGE;
    };
    let Ok(model) = annexa::unstable::config::configured_model(config.as_ref())
        .map_err(|d| print_diagnostic(&d))
    else {
        return EXIT_USAGE;
    };
    let compiled = annexa::unstable::compile::compile_with_model(modules, model.as_ref());
    for d in &compiled.diagnostics {
        print_diagnostic(d);
    }
    let Some(program) = compiled.program else {
        return EXIT_USAGE;
    };
    let problems = check_tests(&program);
    for d in &problems {
        print_diagnostic(d);
    }
    if problems.iter().any(|d| d.is_error()) {
        return EXIT_USAGE;
    }
    let outcomes = if args.coverage {
        let (outcomes, coverage) = run_tests_with_coverage(&program, &options);
        out!("{}", render(&outcomes));
        out!("{}", render_coverage(&coverage));
        outcomes
    } else {
        let outcomes = run_tests(&program, &options);
        out!("{}", render(&outcomes));
        outcomes
    };
    if outcomes.iter().any(|o| !o.passed) {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

fn id(o: &TestOutcome) -> String {
    format!("{}::\"{}\"", o.file, o.name)
}

/// The report: one line per test, then the failures, then `N passed, M failed`.
fn render(outcomes: &[TestOutcome]) -> String {
    let mut out = String::new();
    let n = outcomes.len();
    out.push_str(&format!(
        "running {n} test{}\n",
        if n == 1 { "" } else { "s" }
    ));
    for o in outcomes {
        let verdict = if o.passed { "ok" } else { "FAILED" };
        out.push_str(&format!("test {} ... {verdict}\n", id(o)));
    }
    let failed: Vec<&TestOutcome> = outcomes.iter().filter(|o| !o.passed).collect();
    if !failed.is_empty() {
        out.push_str("\nfailures:\n");
        for o in &failed {
            out.push_str(&format!("\n---- {} (line {}) ----\n", id(o), o.line));
            for f in &o.failures {
                out.push_str(f);
                out.push('\n');
            }
        }
        out.push_str("\nfailures:\n");
        for o in &failed {
            out.push_str(&format!("    {}\n", id(o)));
        }
    }
    out.push_str(&format!(
        "\n{} passed, {} failed\n",
        n - failed.len(),
        failed.len()
    ));
    out
}

/// The coverage view: rules no test exercised, `require`s no test reached, then the share.
fn render_coverage(coverage: &Coverage) -> String {
    let mut out = String::from("\n");
    let rules: Vec<_> = coverage.unexercised_rules().collect();
    if !rules.is_empty() {
        out.push_str(&format!("rules no test exercised ({}):\n", rules.len()));
        for r in &rules {
            out.push_str(&format!("    {} ({}:{})\n", r.rule, r.file, r.line));
        }
    }
    let requires: Vec<_> = coverage.unreached_requires().collect();
    if !requires.is_empty() {
        out.push_str(&format!("requires no test reached ({}):\n", requires.len()));
        for (rule, r) in &requires {
            out.push_str(&format!(
                "    {}:{}: require {} (rule {})\n",
                rule.file, r.line, r.text, rule.rule
            ));
        }
    }
    out.push_str(&format!(
        "coverage: {} of {} requires reached ({:.1}%)\n",
        coverage.reached(),
        coverage.total(),
        coverage.percent()
    ));
    out
}
