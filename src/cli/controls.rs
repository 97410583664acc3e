//! `annexa controls`: the Annex A catalog, and which rules cover each control.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use annexa::unstable::controls::{Control, Theme, catalog, compare_ids};

use super::graph::load_program;
use super::{EXIT_OK, EXIT_USAGE, UsageError, print_diagnostic};

/// Arguments of `annexa controls`.
#[derive(clap::Args, Debug)]
pub struct ControlsArgs {
    /// Policy files or folders for `--coverage` (`*.policy`, recursively); default: the
    /// built-in ML policy pack.
    #[arg(value_name = "PATH")]
    paths: Vec<String>,
    /// For each control, the rules that map to it; then the controls no rule covers.
    #[arg(long)]
    coverage: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: ControlsFormat,
}

/// Output formats of `annexa controls`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ControlsFormat {
    /// A list grouped by theme.
    Human,
    /// One JSON object.
    Json,
    /// `id,theme,title[,rules]`, rules separated by `;`.
    Csv,
}

/// Runs the command; returns the exit code.
pub fn run(args: &ControlsArgs) -> u8 {
    if !args.coverage && !args.paths.is_empty() {
        print_diagnostic(&UsageError::new(
            "policy paths are only read with `--coverage`",
            format!("run `annexa controls --coverage {}`", args.paths.join(" ")),
        ));
        return EXIT_USAGE;
    }
    let mut controls: Vec<&Control> = catalog().controls().iter().collect();
    controls.sort_by(|a, b| compare_ids(&a.id, &b.id));
    let coverage = if args.coverage {
        let Some(program) = load_program(&args.paths) else {
            return EXIT_USAGE;
        };
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for rule in &program.rules {
            for id in &rule.controls {
                map.entry(id.clone()).or_default().push(rule.id.clone());
            }
        }
        for rules in map.values_mut() {
            rules.sort();
            rules.dedup();
        }
        Some((map, program.rules.len()))
    } else {
        None
    };
    let text = match args.format {
        ControlsFormat::Human => human(&controls, coverage.as_ref()),
        ControlsFormat::Json => json(&controls, coverage.as_ref()),
        ControlsFormat::Csv => match csv(&controls, coverage.as_ref()) {
            Ok(t) => t,
            Err(e) => {
                print_diagnostic(&UsageError::new(
                    format!("cannot write CSV: {e}"),
                    "try --format json",
                ));
                return EXIT_USAGE;
            }
        },
    };
    out!("{text}");
    EXIT_OK
}

type Coverage = (BTreeMap<String, Vec<String>>, usize);

fn rules_of<'a>(coverage: Option<&'a Coverage>, id: &str) -> &'a [String] {
    coverage
        .and_then(|(map, _)| map.get(id))
        .map_or(&[], Vec::as_slice)
}

fn heading(theme: Theme) -> &'static str {
    match theme {
        Theme::Organizational => "Organizational controls (A.5)",
        Theme::People => "People controls (A.6)",
        Theme::Physical => "Physical controls (A.7)",
        Theme::Technological => "Technological controls (A.8)",
    }
}

fn human(controls: &[&Control], coverage: Option<&Coverage>) -> String {
    let mut out = String::new();
    for theme in Theme::ALL {
        let of_theme: Vec<&&Control> = controls.iter().filter(|c| c.theme == theme).collect();
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "{} — {} controls", heading(theme), of_theme.len());
        for c in of_theme {
            let _ = writeln!(out, "  {:<7} {}", c.id, c.title);
            if coverage.is_some() {
                for r in rules_of(coverage, &c.id) {
                    let _ = writeln!(out, "          ← {r}");
                }
            }
        }
    }
    if let Some((map, rule_count)) = coverage {
        let uncovered: Vec<&&Control> = controls
            .iter()
            .filter(|c| !map.contains_key(&c.id))
            .collect();
        let _ = writeln!(
            out,
            "\n{} of {} controls covered by {rule_count} rules; {} not covered:",
            controls.len() - uncovered.len(),
            controls.len(),
            uncovered.len()
        );
        for c in uncovered {
            let _ = writeln!(out, "  {:<7} {}", c.id, c.title);
        }
    } else {
        let _ = writeln!(out, "\n{} controls", controls.len());
    }
    out
}

fn json(controls: &[&Control], coverage: Option<&Coverage>) -> String {
    let list: Vec<serde_json::Value> = controls
        .iter()
        .map(|c| {
            let mut v = serde_json::json!({
                "id": c.id,
                "theme": c.theme.as_str(),
                "title": c.title,
            });
            if coverage.is_some()
                && let Some(obj) = v.as_object_mut()
            {
                obj.insert(
                    "rules".to_string(),
                    serde_json::json!(rules_of(coverage, &c.id)),
                );
            }
            v
        })
        .collect();
    let mut doc = serde_json::json!({ "controls": list });
    if let Some((map, rule_count)) = coverage
        && let Some(obj) = doc.as_object_mut()
    {
        let uncovered: Vec<&str> = controls
            .iter()
            .filter(|c| !map.contains_key(&c.id))
            .map(|c| c.id.as_str())
            .collect();
        obj.insert(
            "coverage".to_string(),
            serde_json::json!({
                "controls": controls.len(),
                "covered": controls.len() - uncovered.len(),
                "rules": rule_count,
                "uncovered": uncovered,
            }),
        );
    }
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

fn csv(controls: &[&Control], coverage: Option<&Coverage>) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    if coverage.is_some() {
        w.write_record(["id", "theme", "title", "rules"])?;
    } else {
        w.write_record(["id", "theme", "title"])?;
    }
    for c in controls {
        if coverage.is_some() {
            let rules = rules_of(coverage, &c.id).join(";");
            w.write_record([c.id.as_str(), c.theme.as_str(), c.title.as_str(), &rules])?;
        } else {
            w.write_record([c.id.as_str(), c.theme.as_str(), c.title.as_str()])?;
        }
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
