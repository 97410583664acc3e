//! HTML reports: `annexa check --format html` and `annexa soa --format html`, each one
//! self-contained page for auditors, readable offline, without script, and on paper (A4, a page
//! per Annex A theme).
//!
//! Every string from facts, policies, waivers and file names goes through [`esc`], which
//! escapes control characters (as the terminal formats do) and then HTML; the page's
//! Content-Security-Policy forbids every request, so even a missed escape could not reach out.

mod chart;
mod check;
mod page;
mod soa;

use crate::report::snippet::Excerpt;

pub use check::render_check;
pub use soa::render_soa;

/// `text` safe inside HTML text and double-quoted attributes, with control characters and
/// bidi overrides shown escaped.
///
/// ```
/// use annexa::unstable::report::html::esc;
/// assert_eq!(esc("<script>\"x\" & 'y'\u{1b}"), "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;\\u{1b}");
/// ```
pub fn esc(text: &str) -> String {
    let text = crate::report::escape_controls(text);
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Lines of a fact file, numbered, with the finding's line highlighted and the text from its
/// column to the end of the line marked (the key or value the finding is about).
fn excerpt_html(e: &Excerpt) -> String {
    let mut out = String::from("<pre class=\"src\">");
    for (n, text) in (e.first_line..).zip(&e.lines) {
        if n == e.line {
            let at = usize::try_from(e.column.saturating_sub(1)).unwrap_or(0);
            let split = text.char_indices().nth(at).map_or(text.len(), |(i, _)| i);
            let (before, rest) = text.split_at(split);
            let trimmed = rest.trim_end();
            let after = rest.get(trimmed.len()..).unwrap_or("");
            out.push_str(&format!(
                "<span class=\"ln hit\" data-n=\"{n}\">{}<mark>{}</mark>{}</span>",
                esc(before),
                esc(trimmed),
                esc(after)
            ));
        } else {
            out.push_str(&format!(
                "<span class=\"ln\" data-n=\"{n}\">{}</span>",
                esc(text)
            ));
        }
    }
    out.push_str("</pre>");
    out
}

#[cfg(test)]
mod tests;
