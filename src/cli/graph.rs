//! `annexa graph`: the rule graph as Graphviz DOT or Mermaid.

use globset::Glob;

use annexa::unstable::compile::{DefRef, Program};

use super::{EXIT_OK, EXIT_USAGE, UsageError, print_diagnostic};

/// Arguments of `annexa graph`.
#[derive(clap::Args, Debug)]
pub struct GraphArgs {
    /// Policy files or folders (`*.policy`, recursively); default: the built-in ML policy pack.
    #[arg(value_name = "PATH")]
    paths: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "dot")]
    format: GraphFormat,
    /// Only the rules whose id matches this glob and what they depend on; repeatable.
    #[arg(long = "rule", value_name = "GLOB")]
    rules: Vec<String>,
}

/// Graph output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
    /// A Mermaid flowchart (renders in GitHub Markdown).
    Mermaid,
}

/// Loads the policies named, or the built-in pack, and compiles them; prints diagnostics.
pub fn load_program(paths: &[String]) -> Option<Program> {
    let modules = super::inputs::load_policies_or_pack(paths)?;
    let compiled = super::inputs::compile_configured(modules)?;
    for d in &compiled.diagnostics {
        print_diagnostic(d);
    }
    compiled.program
}

/// Runs the command; returns the exit code.
pub fn run(args: &GraphArgs) -> u8 {
    let mut globs = Vec::new();
    for g in &args.rules {
        match Glob::new(g) {
            Ok(glob) => globs.push(glob.compile_matcher()),
            Err(e) => {
                print_diagnostic(&UsageError::new(
                    format!("`--rule {g}` is not a valid glob: {e}"),
                    "write a rule id or a glob such as `ml.data_protection.*`",
                ));
                return EXIT_USAGE;
            }
        }
    }
    let Some(program) = load_program(&args.paths) else {
        return EXIT_USAGE;
    };
    let roots: Vec<DefRef> = if globs.is_empty() {
        // every user definition, and the stdlib definitions they use
        let user =
            |file: &annexa::unstable::source::SourceFile| !file.name().starts_with("<stdlib>/");
        (program.params.iter().enumerate())
            .filter(|(_, p)| user(&p.file))
            .map(|(i, _)| DefRef::Param(i))
            .chain(
                (program.lets.iter().enumerate())
                    .filter(|(_, l)| user(&l.file))
                    .map(|(i, _)| DefRef::Let(i)),
            )
            .chain(
                (program.fns.iter().enumerate())
                    .filter(|(_, f)| user(&f.file))
                    .map(|(i, _)| DefRef::Fn(i)),
            )
            .chain((0..program.rules.len()).map(DefRef::Rule))
            .collect()
    } else {
        let chosen: Vec<DefRef> = (program.rules.iter().enumerate())
            .filter(|(_, r)| globs.iter().any(|g| g.is_match(&r.id)))
            .map(|(i, _)| DefRef::Rule(i))
            .collect();
        if chosen.is_empty() {
            let mut ids: Vec<&str> = program.rules.iter().map(|r| r.id.as_str()).collect();
            ids.sort_unstable();
            let help = match args
                .rules
                .first()
                .and_then(|g| annexa::unstable::diagnostics::nearest(g, ids.iter().copied()))
            {
                Some(n) => format!("did you mean `{n}`?"),
                None => "the rule ids are listed by `annexa controls --coverage`".to_string(),
            };
            print_diagnostic(&UsageError::new(
                format!("no rule matches `--rule {}`", args.rules.join(" --rule ")),
                help,
            ));
            return EXIT_USAGE;
        }
        chosen
    };
    let graph = program.graph.restricted_to(&roots);
    let text = match args.format {
        GraphFormat::Dot => graph.to_dot(&program),
        GraphFormat::Mermaid => graph.to_mermaid(&program),
    };
    out!("{text}");
    EXIT_OK
}
