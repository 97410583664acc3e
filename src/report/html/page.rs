//! The shell every HTML report shares: one self-contained page (styles and script inline, a
//! Content-Security-Policy that forbids any request), a print layout for A4, and the filter.

use super::esc;

/// No request may leave the page: it is read offline, from a file, by auditors.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; \
                   img-src data:; base-uri 'none'; form-action 'none'";

const STYLE: &str = r#"
:root{--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa;--accent:#0b4f8a;
--pass:#1a7f37;--fail:#cf222e;--incomplete:#9a6700;--waived:#8250df;--attested:#1b7c83;
--expired:#bc4c00;--skip:#6e7781;--gap:#a0a8b1;--na:#d8dee4;--contradiction:#82071e;--error:#a40e26}
*{box-sizing:border-box}
html{font-size:15px}
body{margin:0;color:var(--ink);background:#fff;
font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Helvetica Neue",Arial,sans-serif;line-height:1.45}
main{max-width:1180px;margin:0 auto;padding:28px 32px 64px}
header.top{border-bottom:3px solid var(--accent);padding-bottom:14px;margin-bottom:22px}
header.top .kicker{text-transform:uppercase;letter-spacing:.08em;font-size:.78rem;color:var(--muted);font-weight:600}
h1{font-size:1.75rem;margin:.15em 0 .2em;font-weight:700}
h2{font-size:1.25rem;margin:1.8em 0 .6em;padding-bottom:.25em;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:1.2em 0 .4em}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.86em}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0 0;font-size:.9rem}
dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;word-break:break-all}
.verdict{display:inline-block;padding:3px 12px;border-radius:4px;font-weight:700;color:#fff;font-size:.9rem;vertical-align:middle;margin-left:8px}
.verdict.ok{background:var(--pass)}.verdict.bad{background:var(--fail)}.verdict.warn{background:var(--incomplete)}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 12px;min-width:90px;background:var(--soft)}
.card .n{font-size:1.6rem;font-weight:700;line-height:1.1}.card .l{font-size:.8rem;color:var(--muted)}
.card.hero{background:#fff;border-color:var(--accent);min-width:220px}
.card.hero .n{color:var(--accent);font-size:2.2rem}
.coverage{font-size:1.05rem;font-weight:600;margin:6px 0}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.78rem;font-weight:600;white-space:nowrap;color:#fff;background:var(--skip)}
.s-pass{background:var(--pass)}.s-fail{background:var(--fail)}.s-incomplete{background:var(--incomplete)}
.s-waived{background:var(--waived)}.s-attested{background:var(--attested)}.s-evidence-expired{background:var(--expired)}
.s-skip,.s-not-evaluated{background:var(--skip)}.s-gap{background:var(--gap);color:#1f2328}
.s-not-applicable{background:var(--na);color:#1f2328}.s-contradiction{background:var(--contradiction)}.s-error{background:var(--error)}
.sev{font-size:.78rem;font-weight:600;text-transform:uppercase;letter-spacing:.03em}
.sev-critical{color:var(--contradiction)}.sev-high{color:var(--fail)}.sev-medium{color:var(--incomplete)}.sev-low{color:var(--muted)}.sev-info{color:var(--skip)}
table{border-collapse:collapse;width:100%;font-size:.9rem;table-layout:fixed}
td{overflow-wrap:anywhere}
th{text-align:left;font-size:.78rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);border-bottom:2px solid var(--line);padding:6px 8px;vertical-align:bottom}
td{border-bottom:1px solid var(--line);padding:7px 8px;vertical-align:top}
tr.row:nth-child(even) td{background:#fbfcfd}
td.id{white-space:nowrap;font-weight:600}
.title{font-weight:600}.sub{color:var(--muted);font-size:.84rem}
ul.plain{list-style:none;margin:0;padding:0}ul.plain li{margin:2px 0}
.finding{border-left:3px solid var(--fail);background:#fff;padding:6px 10px;margin:8px 0;border-radius:0 4px 4px 0;box-shadow:0 0 0 1px var(--line) inset}
.finding.missing{border-left-color:var(--incomplete)}.finding.waived{border-left-color:var(--waived)}
.finding .loc{font-family:ui-monospace,SFMono-Regular,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.82rem;color:var(--accent);word-break:break-all}
.finding .msg{margin:2px 0}
pre.src{margin:6px 0 2px;padding:6px 0;background:var(--soft);border:1px solid var(--line);border-radius:4px;overflow-x:auto;line-height:1.35}
pre.src span.ln{display:block;padding:0 10px 0 0;white-space:pre}
pre.src span.ln::before{content:attr(data-n);display:inline-block;width:4.2em;padding-right:10px;margin-right:10px;text-align:right;color:var(--muted);border-right:1px solid var(--line)}
pre.src span.hit{background:#fff1e5}
pre.src mark{background:#ffd8b5;color:inherit;border-bottom:2px solid var(--expired);padding:0 1px}
.filters{display:flex;flex-wrap:wrap;gap:10px;align-items:center;padding:10px 12px;background:var(--soft);border:1px solid var(--line);border-radius:6px;margin:10px 0 14px;position:sticky;top:0;z-index:2}
.filters[hidden]{display:none}
.filters input,.filters select{font:inherit;padding:5px 8px;border:1px solid var(--line);border-radius:4px;background:#fff}
.filters input{flex:1;min-width:220px}
.filters .count{color:var(--muted);font-size:.85rem}
.chart svg{max-width:100%;height:auto}
.chart text{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans",Arial,sans-serif}
.legend{display:flex;flex-wrap:wrap;gap:6px 14px;font-size:.82rem;margin:6px 0 0;padding:0;list-style:none}
.legend i{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.notes li{margin:3px 0}
.idle{margin-top:3px;line-height:1.3}.idle code{font-size:.72rem;color:var(--muted)}
.expired{color:var(--expired);font-weight:600}
details summary{cursor:pointer;color:var(--accent)}
.empty{color:var(--muted);font-style:italic}
footer{margin-top:40px;color:var(--muted);font-size:.8rem;border-top:1px solid var(--line);padding-top:8px}
@media print{
@page{size:A4;margin:14mm 12mm}
html{font-size:10.5pt}
main{max-width:none;padding:0}
.filters{display:none!important}
section.theme{break-before:page}
tr,.finding,pre.src{break-inside:avoid}
thead{display:table-header-group}
tr.row:nth-child(even) td{background:none}
a{color:inherit;text-decoration:none}
.badge,.verdict,.legend i,pre.src mark,pre.src span.hit{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"#;

/// Shows the filter (hidden without script, so the page reads in full), and hides the rows
/// that do not match the text and the selected status and severity.
const SCRIPT: &str = r#"
(function(){
var bar=document.getElementById('filters');if(!bar)return;
bar.hidden=false;
var q=document.getElementById('f-text'),st=document.getElementById('f-status'),sv=document.getElementById('f-severity'),
count=document.getElementById('f-count'),rows=[].slice.call(document.querySelectorAll('tr.row'));
function apply(){
var t=q.value.trim().toLowerCase(),s=st?st.value:'',v=sv?sv.value:'',shown=0;
rows.forEach(function(r){
var ok=(!t||r.textContent.toLowerCase().indexOf(t)>=0)&&(!s||r.getAttribute('data-status')===s)&&(!v||r.getAttribute('data-severity')===v);
r.hidden=!ok;if(ok)shown++;});
count.textContent=shown+' of '+rows.length+' rows shown';}
[q,st,sv].forEach(function(e){if(e){e.addEventListener('input',apply);e.addEventListener('change',apply);}});
apply();
})();
"#;

/// The whole page around `body`.
pub(super) fn page(title: &str, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + STYLE.len() + 2048);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
    ));
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    out.push_str(&format!("<title>{}</title>\n", esc(title)));
    out.push_str("<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<main>\n");
    out.push_str(body);
    out.push_str(&format!(
        "<footer>Written by annexa {}. This page is self-contained: it loads nothing and sends nothing.</footer>\n",
        esc(env!("CARGO_PKG_VERSION"))
    ));
    out.push_str("</main>\n<script>");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}

/// The filter bar: a text box and a select per `(id, label, options)`; `hidden` until the
/// script shows it, so that a page read without script has no dead controls.
pub(super) fn filters(selects: &[(&str, &str, Vec<String>)]) -> String {
    let mut out = String::from(
        "<div class=\"filters\" id=\"filters\" hidden>\n\
         <input id=\"f-text\" type=\"search\" placeholder=\"Filter by control, rule, file, message…\" aria-label=\"Filter\">\n",
    );
    for (id, label, options) in selects {
        out.push_str(&format!(
            "<select id=\"{}\" aria-label=\"{}\"><option value=\"\">{}: all</option>",
            esc(id),
            esc(label),
            esc(label)
        ));
        for o in options {
            out.push_str(&format!("<option value=\"{0}\">{0}</option>", esc(o)));
        }
        out.push_str("</select>\n");
    }
    out.push_str("<span class=\"count\" id=\"f-count\"></span>\n</div>\n");
    out
}

/// A status badge; the class is the status with spaces as dashes (`evidence-expired`).
/// The summary cards: the coverage card first (`checked / controls`, `hero_label` under it),
/// then one card per count, then the coverage sentence.
pub(super) fn cards(
    coverage: &crate::findings::Coverage,
    hero_label: &str,
    counts: &[(usize, &str)],
    sentence_prefix: &str,
) -> String {
    let mut out = String::from("<div class=\"cards\">\n");
    out.push_str(&format!(
        "<div class=\"card hero\"><div class=\"n\">{} / {}</div><div class=\"l\">{}</div></div>\n",
        coverage.checked,
        coverage.controls,
        esc(hero_label)
    ));
    for (n, label) in counts {
        out.push_str(&format!(
            "<div class=\"card\"><div class=\"n\">{n}</div><div class=\"l\">{}</div></div>\n",
            esc(label)
        ));
    }
    out.push_str("</div>\n");
    out.push_str(&format!(
        "<p class=\"coverage\">{sentence_prefix}{}.</p>\n",
        esc(&coverage.sentence())
    ));
    out
}

pub(super) fn badge(status: &str) -> String {
    format!(
        "<span class=\"badge s-{}\">{}</span>",
        esc(&status.replace(' ', "-")),
        esc(status)
    )
}
