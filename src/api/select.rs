//! `select_rules` / `select_controls`: which results a report keeps.

use globset::{Glob, GlobSet, GlobSetBuilder};

use super::error::{Error, ErrorKind};
use crate::findings::Report;

/// The rule and control globs of an engine, compiled once.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selection {
    rules: Option<GlobSet>,
    controls: Option<GlobSet>,
    excluded: Option<GlobSet>,
    given: Vec<String>,
}

/// Compiles the globs of one option (`--rule`, `--control`, `--exclude`, `--exclude-rule`); an invalid glob is
/// a usage error that says how globs are written.
pub(crate) fn glob_set(option: &str, globs: &[String]) -> Result<Option<GlobSet>, Error> {
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
                return Err(Error::plain(
                    ErrorKind::Usage,
                    format!("`{option} {glob}` is not a valid glob: {}", e.kind()),
                    "globs use `*` for any text, `?` for one character, `[ab]` for a set, `{a,b}` for alternatives",
                ));
            }
        }
    }
    builder.build().map(Some).map_err(|e| {
        Error::plain(
            ErrorKind::Usage,
            format!("the {option} globs cannot be used: {e}"),
            "check the globs given",
        )
    })
}

impl Selection {
    /// The selection of `--rule` and `--control` globs, less the rules an `--exclude-rule`
    /// glob (or `exclude-rules` of annexa.toml) matches.
    pub(crate) fn new(
        rules: &[String],
        controls: &[String],
        excluded: &[String],
    ) -> Result<Selection, Error> {
        let given = rules
            .iter()
            .map(|g| format!("--rule {g}"))
            .chain(controls.iter().map(|g| format!("--control {g}")))
            .chain(excluded.iter().map(|g| format!("--exclude-rule {g}")))
            .collect();
        Ok(Selection {
            rules: glob_set("--rule", rules)?,
            controls: glob_set("--control", controls)?,
            excluded: glob_set("--exclude-rule", excluded)?,
            given,
        })
    }

    /// Keeps the results whose rule id matches a rule glob (when any is given), that map to a
    /// control matching a control glob (when any is given) and whose rule id no excluding glob
    /// matches, then recounts the summary and the control roll-up. Excluded rules are still
    /// evaluated (a `when` on them still sees their outcome); they are only left out of the
    /// report. Selecting nothing is a usage error: nothing would be judged.
    pub(crate) fn apply(&self, report: Report) -> Result<Report, Error> {
        if self.rules.is_none() && self.controls.is_none() && self.excluded.is_none() {
            return Ok(report);
        }
        let total = report.results.len();
        let files = report.files.clone();
        let notes = report.notes.clone();
        let kept: Vec<_> = report
            .results
            .into_iter()
            .filter(|r| self.rules.as_ref().is_none_or(|set| set.is_match(&r.rule)))
            .filter(|r| {
                self.controls
                    .as_ref()
                    .is_none_or(|set| r.controls.iter().any(|c| set.is_match(c)))
            })
            .filter(|r| {
                !self
                    .excluded
                    .as_ref()
                    .is_some_and(|set| set.is_match(&r.rule))
            })
            .collect();
        if kept.is_empty() {
            return Err(Error::plain(
                ErrorKind::Usage,
                if self.excluded.is_some() {
                    format!(
                        "no rule is left after {} (of {total} rules)",
                        self.given.join(" ")
                    )
                } else {
                    format!(
                        "no rule matches {} (of {total} rules)",
                        self.given.join(" ")
                    )
                },
                "rule globs (`--rule`, `--exclude-rule`, `exclude-rules` of annexa.toml) match the full rule id (`ml.*`, `*.training_data_*`); control globs match 2022 ids (`A.5.*`, `A.8.2?`)",
            ));
        }
        let mut filtered = crate::eval::report(kept);
        filtered.files = files;
        filtered.notes = notes;
        Ok(filtered)
    }
}
