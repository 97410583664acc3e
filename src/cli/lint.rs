//! `annexa lint`: compile only, then report every diagnostic and every lint finding.

use annexa::unstable::lint::{LintConfig, lint};

use super::inputs::{load_config, load_policies, path_strings};
use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE, print_diagnostic};

/// Arguments of `annexa lint`.
#[derive(clap::Args, Debug)]
pub struct LintArgs {
    /// Policy files or folders (`*.policy`, recursively); default: the `policies` of
    /// annexa.toml, else the current folder.
    #[arg(value_name = "PATH")]
    paths: Vec<String>,
    /// Do not report this lint (e.g. `missing_remediation`); repeatable.
    #[arg(long = "allow", value_name = "LINT")]
    allow: Vec<String>,
    /// Report this lint as an error (e.g. `unused_let`); repeatable.
    #[arg(long = "deny", value_name = "LINT")]
    deny: Vec<String>,
    /// List the lints with their codes and exit.
    #[arg(long)]
    list: bool,
    /// Read this annexa.toml instead of the nearest one above the working directory.
    #[arg(long = "config", value_name = "FILE", conflicts_with = "no_config")]
    config: Option<String>,
    /// Ignore annexa.toml.
    #[arg(long = "no-config")]
    no_config: bool,
}

/// Runs the command; returns the exit code (0 clean, 1 findings, 2 does not compile).
pub fn run(args: &LintArgs) -> u8 {
    if args.list {
        for l in annexa::unstable::lint::LINTS {
            outln!("{:<22} {:<30} {}", l.name, l.code, l.summary);
        }
        return EXIT_OK;
    }
    let Ok(file) = load_config(args.config.as_deref(), args.no_config) else {
        return EXIT_USAGE;
    };
    // the `[lint]` levels of annexa.toml, then the command line on top
    let mut config = file
        .as_ref()
        .map(|c| c.lint.clone())
        .unwrap_or_else(LintConfig::default);
    for (names, allow) in [(&args.allow, true), (&args.deny, false)] {
        for name in names {
            let Some(info) = annexa::unstable::lint::lookup(name) else {
                let known: Vec<&str> = annexa::unstable::lint::LINTS
                    .iter()
                    .map(|l| l.name)
                    .collect();
                print_diagnostic(&super::UsageError::new(
                    format!("no lint is called `{name}`"),
                    format!("the lints are {}", known.join(", ")),
                ));
                return EXIT_USAGE;
            };
            if allow {
                config.allowed.insert(info.name.to_string());
            } else {
                config.allowed.remove(info.name);
                config
                    .levels
                    .insert(info.name.to_string(), annexa::unstable::lint::Level::Deny);
            }
        }
    }
    let from_file = file
        .as_ref()
        .map(|c| path_strings(&c.policies))
        .unwrap_or_default();
    let paths = if !args.paths.is_empty() {
        args.paths.clone()
    } else if !from_file.is_empty() {
        from_file
    } else {
        vec![".".to_string()]
    };
    let Some(modules) = load_policies(&paths) else {
        return EXIT_USAGE;
    };
    let files = modules.len();
    let model = match annexa::unstable::config::configured_model(file.as_ref()) {
        Ok(m) => m,
        Err(d) => {
            print_diagnostic(&d);
            return EXIT_USAGE;
        }
    };
    let compiled = annexa::unstable::compile::compile_with_model(modules, model.as_ref());
    for d in &compiled.diagnostics {
        print_diagnostic(d);
    }
    let Some(program) = compiled.program else {
        let errors = compiled.diagnostics.iter().filter(|d| d.is_error()).count();
        errln!("lint: {errors} error(s): the policies do not compile");
        return EXIT_USAGE;
    };
    // `test` blocks are compiled by `annexa test` only; a wrong `expect` must not wait for it
    let test_diagnostics = annexa::unstable::testing::check_tests(&program);
    for d in &test_diagnostics {
        print_diagnostic(d);
    }
    let test_errors = test_diagnostics.iter().filter(|d| d.is_error()).count();
    if test_errors > 0 {
        errln!("lint: {test_errors} error(s) in `test` blocks: the tests do not compile");
        return EXIT_USAGE;
    }
    let findings = lint(&program.modules, &config);
    for d in &findings {
        print_diagnostic(d);
    }
    let total = compiled.diagnostics.len() + test_diagnostics.len() + findings.len();
    let plural = if files == 1 { "" } else { "s" };
    if total == 0 {
        errln!("lint: {files} file{plural}, no findings");
        EXIT_OK
    } else {
        let errors = findings.iter().filter(|d| d.is_error()).count();
        errln!(
            "lint: {files} file{plural}, {} warning(s), {errors} error(s)",
            total - errors
        );
        EXIT_FAILED
    }
}
