//! `--format oscal`: the OSCAL assessment results of a run.

use annexa::unstable::findings;
use annexa::unstable::report::oscal;

/// The OSCAL document of `report`, dated `--now` (or today), with the commit CI names.
pub fn render(report: &annexa::Report, now: Option<&str>) -> String {
    let date = now.map_or_else(annexa::unstable::report::today, str::to_string);
    match inner(report) {
        Some(r) => oscal::render_check(&r, &date, commit().as_deref()),
        None => String::new(),
    }
}

/// The findings report behind the facade's, read back from its JSON (what every format of
/// `check` renders from).
pub fn inner(report: &annexa::Report) -> Option<findings::Report> {
    match serde_json::from_str::<findings::Report>(&report.to_json()) {
        Ok(r) => Some(r),
        Err(e) => {
            errln!("error: the report cannot be read back: {e}");
            None
        }
    }
}

/// The commit CI checked out (`$GITHUB_SHA`, `$CI_COMMIT_SHA`), when it says.
fn commit() -> Option<String> {
    ["GITHUB_SHA", "CI_COMMIT_SHA"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
}

/// The OSCAL document of a statement, dated `--now` (or today) when the statement has no date.
pub fn render_soa(
    soa: &annexa::unstable::audit::soa::Statement,
    report: Option<&findings::Report>,
    now: Option<&str>,
) -> String {
    let mut soa = soa.clone();
    if soa.run.date.is_empty() {
        soa.run.date = now.map_or_else(annexa::unstable::report::today, str::to_string);
    }
    if soa.run.commit.is_none() {
        soa.run.commit = commit();
    }
    oscal::render_oscal(&soa, report)
}
