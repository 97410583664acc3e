//! The chart of control status by theme: one stacked bar per Annex A theme, drawn as inline
//! SVG so that it needs no script, prints, and scales.

use crate::audit::soa::{ControlStatus, SoaEntry};

use super::esc;

/// The statuses in the order they are stacked: the decided ones first, then the undecided.
const ORDER: [ControlStatus; 10] = [
    ControlStatus::Pass,
    ControlStatus::Attested,
    ControlStatus::Waived,
    ControlStatus::Incomplete,
    ControlStatus::Fail,
    ControlStatus::Contradiction,
    ControlStatus::EvidenceExpired,
    ControlStatus::NotEvaluated,
    ControlStatus::Gap,
    ControlStatus::NotApplicable,
];

/// The four themes of Annex A 2022, in clause order, with the words shown.
pub(super) const THEMES: [(&str, &str, &str); 4] = [
    ("organizational", "Organizational", "A.5"),
    ("people", "People", "A.6"),
    ("physical", "Physical", "A.7"),
    ("technological", "Technological", "A.8"),
];

/// The colour of a status, the same as its badge's.
fn colour(s: ControlStatus) -> &'static str {
    match s {
        ControlStatus::Pass => "#1a7f37",
        ControlStatus::Fail => "#cf222e",
        ControlStatus::Incomplete => "#9a6700",
        ControlStatus::Waived => "#8250df",
        ControlStatus::Attested => "#1b7c83",
        ControlStatus::EvidenceExpired => "#bc4c00",
        ControlStatus::NotEvaluated => "#6e7781",
        ControlStatus::Gap => "#a0a8b1",
        ControlStatus::NotApplicable => "#d8dee4",
        ControlStatus::Contradiction => "#82071e",
    }
}

/// Text drawn on a segment: dark on the light fills.
fn ink(s: ControlStatus) -> &'static str {
    match s {
        ControlStatus::Gap | ControlStatus::NotApplicable => "#1f2328",
        _ => "#ffffff",
    }
}

/// How many controls of each theme have each status, themes in clause order.
pub(super) fn counts(entries: &[SoaEntry]) -> Vec<(&'static str, &'static str, Vec<usize>)> {
    THEMES
        .iter()
        .map(|(key, name, clause)| {
            let of_theme: Vec<&SoaEntry> = entries.iter().filter(|e| e.theme == *key).collect();
            let by_status = ORDER
                .iter()
                .map(|s| of_theme.iter().filter(|e| e.status == *s).count())
                .collect();
            (*name, *clause, by_status)
        })
        .collect()
}

/// The chart and its legend (the statuses that occur), as HTML.
pub(super) fn status_by_theme(entries: &[SoaEntry]) -> String {
    const LABEL: u32 = 170;
    const BAR: u32 = 560;
    const ROW: u32 = 38;
    const HEIGHT: u32 = 24;
    let rows = counts(entries);
    let widest = rows
        .iter()
        .map(|(_, _, c)| c.iter().sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    let total_height = ROW * u32::try_from(rows.len()).unwrap_or(4) + 8;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"Control status by theme\">\n",
        w = LABEL + BAR + 60,
        h = total_height
    );
    for (row, (name, clause, by_status)) in (0u32..).zip(&rows) {
        let y = row * ROW + 6;
        let total: usize = by_status.iter().sum();
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{}\" font-size=\"13\" font-weight=\"600\" fill=\"#1f2328\">{} <tspan fill=\"#59636e\" font-weight=\"400\">{}</tspan></text>\n",
            y + 16,
            esc(name),
            esc(clause)
        ));
        let mut x = f64::from(LABEL);
        for (status, &n) in ORDER.iter().zip(by_status) {
            if n == 0 {
                continue;
            }
            let width = f64::from(BAR) * count_f64(n) / count_f64(widest);
            svg.push_str(&format!(
                "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{width:.1}\" height=\"{HEIGHT}\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"1\"><title>{}: {n} {}</title></rect>\n",
                colour(*status),
                esc(name),
                esc(status.as_str())
            ));
            if width >= 18.0 {
                svg.push_str(&format!(
                    "<text x=\"{:.1}\" y=\"{}\" font-size=\"12\" font-weight=\"600\" text-anchor=\"middle\" fill=\"{}\">{n}</text>\n",
                    x + width / 2.0,
                    y + 16,
                    ink(*status)
                ));
            }
            x += width;
        }
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"12\" fill=\"#59636e\">{total}</text>\n",
            x + 8.0,
            y + 16
        ));
    }
    svg.push_str("</svg>\n");
    let mut legend = String::from("<ul class=\"legend\">");
    for (i, status) in ORDER.iter().enumerate() {
        let n: usize = rows
            .iter()
            .map(|(_, _, c)| c.get(i).copied().unwrap_or(0))
            .sum();
        if n > 0 {
            legend.push_str(&format!(
                "<li><i style=\"background:{}\"></i>{} ({n})</li>",
                colour(*status),
                esc(status.as_str())
            ));
        }
    }
    legend.push_str("</ul>\n");
    format!("<figure class=\"chart\" style=\"margin:0\">\n{svg}{legend}</figure>\n")
}

/// Counts are small (at most 93): exact as floats.
fn count_f64(n: usize) -> f64 {
    f64::from(u32::try_from(n).unwrap_or(u32::MAX))
}
