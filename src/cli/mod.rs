//! Command-line parsing, exit codes and diagnostics on standard error.

/// `print!` that never panics: see [`out`].
macro_rules! out {
    ($($arg:tt)*) => {
        {
            let _ = $crate::cli::out(&format!($($arg)*));
        }
    };
}

/// `println!` that never panics: see [`out`].
macro_rules! outln {
    () => {{
        let _ = $crate::cli::out("\n");
    }};
    ($($arg:tt)*) => {
        {
            let _ = $crate::cli::out(&format!("{}\n", format_args!($($arg)*)));
        }
    };
}

/// `eprintln!` that never panics (a closed standard error drops the line).
macro_rules! errln {
    ($($arg:tt)*) => {
        {
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr().lock(), $($arg)*);
        }
    };
}

mod check;
mod compare;
mod completions;
mod controls;
mod explain;
mod fmt;
mod graph;
mod init;
mod inputs;
mod lint;
mod oscal;
mod soa;
mod test;

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Parser, Subcommand};

/// Exit code: every rule at or above `--fail-on` passed, skipped or was waived.
pub const EXIT_OK: u8 = 0;
/// Exit code: a rule failed or is in error.
pub const EXIT_FAILED: u8 = 1;
/// Exit code: nothing was judged (usage error, policy or facts that cannot be read).
pub const EXIT_USAGE: u8 = 2;

/// Policy-as-code for ML pipelines, mapped to ISO/IEC 27001:2022 Annex A.
#[derive(Parser, Debug)]
#[command(name = "annexa", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
// parsed once per process: boxing `check`'s many options would save nothing worth the noise
#[allow(clippy::large_enum_variant)]
enum Command {
    /// Evaluate policies against fact files.
    #[command(
        after_help = "Examples:\n  annexa check examples/facts/pipeline.yaml -p examples/policies\n  annexa check facts/ -p policies/ --format json -o report.json\n  cat facts.json | annexa check - --stdin-format json -p policies/"
    )]
    Check(check::CheckArgs),
    /// Run the `test` blocks of policies.
    #[command(
        after_help = "Examples:\n  annexa test policies/\n  annexa test policies/ --filter encrypted --now 2026-01-31"
    )]
    Test(test::TestArgs),
    /// Rewrite policies in the canonical layout (`--check`: only report, with a diff).
    #[command(
        after_help = "Examples:\n  annexa fmt policies/\n  annexa fmt --check .\n  annexa fmt stdlib/crypto.policy"
    )]
    Fmt(fmt::FmtArgs),
    /// Compile only, and report every diagnostic and lint finding.
    #[command(
        after_help = "Examples:\n  annexa lint policies/\n  annexa lint examples/policies --allow missing_remediation\n  annexa lint policies/ --deny unused_let\n  annexa lint --list\n\nAllow a lint for one item with a comment on the line before it:\n  # annexa: allow(missing_remediation, shadowed_name)\n\nExit codes: 0 no findings, 1 findings, 2 the policies do not compile."
    )]
    Lint(lint::LintArgs),
    /// Print the rule graph (Graphviz DOT or Mermaid).
    #[command(
        after_help = "Examples:\n  annexa graph | dot -Tsvg > graph.svg\n  annexa graph examples/policies --format mermaid\n  annexa graph policies/ --rule 'ml.data_protection.*'"
    )]
    Graph(graph::GraphArgs),
    /// List the ISO/IEC 27001:2022 Annex A controls, and which rules cover each.
    #[command(
        after_help = "Examples:\n  annexa controls\n  annexa controls --coverage\n  annexa controls --coverage examples/policies --format json\n  annexa controls --format csv > annex-a.csv"
    )]
    Controls(controls::ControlsArgs),
    /// Statement of Applicability: all 93 Annex A controls, applicability, covering rules, status.
    #[command(
        after_help = "Examples:\n  annexa soa facts/ --applicability applicability.yaml > soa.md\n  annexa check facts/ --format json -o report.json && annexa soa --report report.json --format csv\n  annexa soa                      # coverage of the built-in pack only"
    )]
    Soa(soa::SoaArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  annexa completions bash > /etc/bash_completion.d/annexa\n  annexa completions zsh > \"${fpath[1]}/_annexa\"\n  annexa completions fish > ~/.config/fish/completions/annexa.fish\n  annexa completions powershell >> $PROFILE"
    )]
    Completions(completions::CompletionsArgs),
    /// Show how one rule was evaluated on the facts: each subject, each `require` with its operands' values, each branch, and why the rule ended as it did.
    #[command(
        after_help = "Examples:\n  annexa explain training_data_encrypted examples/facts/pipeline.yaml -p examples/policies\n  annexa explain ml.data_protection.admins_use_mfa facts/ -p policies/ --now 2026-01-31\n  annexa explain pii_stays_in_region facts.yaml -p policies/ --format json\n\nExit codes: 0 the rule passed or was skipped, 1 it failed or is in error, 2 usage error (unknown rule, unreadable input)."
    )]
    Explain(explain::ExplainArgs),
    /// Write a starter project into an empty folder: annexa.toml running the built-in ml pack next to your own policy, facts, a baseline and a CI workflow.
    #[command(
        after_help = "Examples:\n  annexa init\n  annexa init my-policies && cd my-policies && annexa check && annexa test\n  annexa init . --force\n\nWrites annexa.toml, policies/starter.policy, facts/pipeline.yaml, baseline.json and .github/workflows/annexa.yml."
    )]
    Init(init::InitArgs),
}

/// Runs the command line and returns the exit code.
pub fn main() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    EXIT_OK
                }
                _ => EXIT_USAGE,
            };
        }
    };
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Lint(args) => lint::run(&args),
        Command::Graph(args) => graph::run(&args),
        Command::Controls(args) => controls::run(&args),
        Command::Soa(args) => soa::run(&args),
        Command::Completions(args) => completions::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Init(args) => init::run(&args),
    }
}

/// Whether standard error is a terminal that wants colour.
pub fn stderr_colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Prints a diagnostic to standard error the way miette renders it.
pub fn print_diagnostic(diagnostic: &dyn miette::Diagnostic) {
    let theme = if stderr_colour() {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, diagnostic).is_err() {
        out = diagnostic.to_string();
    }
    // A closed standard error must not turn a diagnostic into a panic either.
    let _ = std::io::stderr().lock().write_all(out.as_bytes());
}

/// Set once standard output failed: later writes are dropped.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `text` to standard output. When the reader has gone (`annexa check | head -1`, a
/// broken pipe) the rest of the output is dropped quietly and the run ends with its own exit
/// code; `print!` would panic there. Any other write error is said once on standard error.
/// False when the text was not written for a reason other than a closed pipe.
pub fn out(text: &str) -> bool {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return true;
    }
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => true,
        Err(e) => stdout_failed(&e),
    }
}

/// Remembers that standard output failed and says why, unless the reader has gone.
fn stdout_failed(e: &std::io::Error) -> bool {
    STDOUT_CLOSED.store(true, Ordering::Relaxed);
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return true;
    }
    print_diagnostic(&UsageError::new(
        format!("cannot write standard output: {e}"),
        "check where standard output goes (a full disk?)",
    ));
    false
}

/// Parses `--now YYYY-MM-DD` (midnight UTC) into seconds since the epoch; prints the
/// diagnostic and returns `None` when it is not a date.
pub fn parse_now(now: &str) -> Option<i64> {
    match annexa::unstable::date::parse_iso_date(now) {
        Some(days) => Some(days.saturating_mul(86_400)),
        None => {
            print_diagnostic(&UsageError::new(
                format!("`--now {now}` is not a date"),
                "write the date as YYYY-MM-DD, e.g. --now 2026-01-31",
            ));
            None
        }
    }
}

/// Writes a report to `-o FILE`, or to standard output; false (after saying why) when the
/// file cannot be written.
pub fn write_output(path: Option<&str>, text: &str) -> bool {
    match path {
        Some(_) => write_output_with(path, |w| w.write_all(text.as_bytes())),
        None => out(text),
    }
}

/// [`write_output`] for output produced while it is written (`write` gets a buffered file or
/// standard output), so that a large report is never held whole in memory.
pub fn write_output_with(
    path: Option<&str>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> bool {
    match path {
        Some(path) => {
            let written = std::fs::File::create(path).and_then(|file| {
                let mut w = std::io::BufWriter::with_capacity(1 << 16, file);
                write(&mut w)?;
                w.flush()
            });
            match written {
                Ok(()) => true,
                Err(e) => {
                    print_diagnostic(&UsageError::new(
                        format!("cannot write `{path}`: {e}"),
                        "check that the folder exists and is writable",
                    ));
                    false
                }
            }
        }
        None => {
            if STDOUT_CLOSED.load(Ordering::Relaxed) {
                return true;
            }
            let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            match write(&mut stdout).and_then(|()| stdout.flush()) {
                Ok(()) => true,
                Err(e) => stdout_failed(&e),
            }
        }
    }
}

/// A mistake in how annexa was called (no source file to point into).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(code(annexa::usage))]
pub struct UsageError {
    message: String,
    #[help]
    help: Option<String>,
}

impl UsageError {
    /// A usage error with a help line.
    pub fn new(message: impl Into<String>, help: impl Into<String>) -> UsageError {
        UsageError {
            message: message.into(),
            help: Some(help.into()),
        }
    }
}
