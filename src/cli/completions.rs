//! `annexa completions`: shell completion scripts, generated from the command-line definition.

use clap::CommandFactory;
use clap_complete::Shell;

use super::{Cli, EXIT_OK};

/// Arguments of `annexa completions`.
#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to write completions for.
    #[arg(value_enum)]
    shell: Shell,
}

/// Writes the completion script to standard output.
pub fn run(args: &CompletionsArgs) -> u8 {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "annexa", &mut script);
    super::out(&String::from_utf8_lossy(&script));
    EXIT_OK
}
