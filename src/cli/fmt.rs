//! `annexa fmt`: rewrites policies in the canonical layout, or checks that they are in it.

use annexa::unstable::source::SourceFile;

use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, print_diagnostic};

/// Arguments of `annexa fmt`.
#[derive(clap::Args, Debug)]
pub struct FmtArgs {
    /// Policy files or folders (`*.policy`, recursively); default: the current folder.
    #[arg(value_name = "PATH")]
    paths: Vec<String>,
    /// Write nothing; print a diff for each file not formatted and exit 1 if there is one.
    #[arg(long)]
    check: bool,
}

/// Runs the command; returns the exit code.
pub fn run(args: &FmtArgs) -> u8 {
    let paths = if args.paths.is_empty() {
        vec![".".to_string()]
    } else {
        args.paths.clone()
    };
    let Some(files) = super::inputs::policy_files(&paths, false) else {
        return EXIT_USAGE;
    };
    let mut broken = false;
    let mut unformatted = 0usize;
    for name in &files {
        let read = super::inputs::read_input(name).map_err(|(message, _)| message);
        let text = match read.and_then(|b| String::from_utf8(b).map_err(|e| e.to_string())) {
            Ok(t) => t,
            Err(e) => {
                print_diagnostic(&UsageError::new(
                    format!("cannot read the policy `{name}`: {e}"),
                    "check the path; policies are UTF-8 text files",
                ));
                broken = true;
                continue;
            }
        };
        let formatted = match annexa::unstable::format::format_source(&SourceFile::new(
            name.as_str(),
            text.as_str(),
        )) {
            Ok(f) => f,
            Err(d) => {
                print_diagnostic(&d);
                broken = true;
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        unformatted += 1;
        if args.check {
            let diff = similar::TextDiff::from_lines(&text, &formatted);
            out!(
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(name, &format!("{name} (formatted)"))
            );
        } else if let Err(e) = std::fs::write(name, &formatted) {
            print_diagnostic(&UsageError::new(
                format!("cannot write the policy `{name}`: {e}"),
                "check the file's permissions",
            ));
            broken = true;
        } else {
            outln!("formatted {name}");
        }
    }
    if broken {
        EXIT_USAGE
    } else if args.check && unformatted > 0 {
        errln!(
            "{unformatted} of {} file{} would be reformatted; run `annexa fmt` to fix",
            files.len(),
            if files.len() == 1 { "" } else { "s" }
        );
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}
