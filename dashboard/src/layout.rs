//! The page shell: one embedded stylesheet, the navigation, no external request of any kind.

use maud::{html, Markup, PreEscaped, DOCTYPE};

/// Which navigation entry is the current page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Overview,
    Leads,
    Rules,
}

const STYLE: &str = r#"
:root { --ink:#1d2430; --muted:#5b6575; --line:#d9dee6; --bg:#f6f7f9; --accent:#2457c5;
        --bad:#b42318; --warn:#b54708; --good:#067647; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color:var(--ink); background:var(--bg); }
header.top { display:flex; align-items:center; gap:1.5rem; padding:.6rem 1.5rem;
             background:#fff; border-bottom:1px solid var(--line); }
header.top .brand { font-weight:700; }
header.top nav a { margin-right:1rem; color:var(--muted); text-decoration:none; }
header.top nav a.current { color:var(--ink); font-weight:600; border-bottom:2px solid var(--accent); }
header.top form { margin-left:auto; }
main { padding:1rem 1.5rem 3rem; max-width:1300px; }
h1 { font-size:1.4rem; margin:.5rem 0 1rem; }
h2 { font-size:1.1rem; margin:1.8rem 0 .5rem; display:flex; gap:1rem; align-items:baseline; }
h2 a.csv { font-size:.8rem; font-weight:400; }
section.panel { background:#fff; border:1px solid var(--line); border-radius:6px; padding:.8rem 1rem; margin-bottom:1rem; }
table { border-collapse:collapse; width:100%; background:#fff; }
th, td { padding:.3rem .6rem; border-bottom:1px solid var(--line); text-align:left; vertical-align:top; }
th { font-weight:600; color:var(--muted); font-size:.85rem; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
tr.sum td { font-weight:700; border-top:2px solid var(--ink); }
tr.breached td:first-child { border-left:3px solid var(--bad); }
.bad { color:var(--bad); } .warn { color:var(--warn); } .good { color:var(--good); }
.muted { color:var(--muted); }
.error { color:var(--bad); font-weight:600; }
.strip { display:flex; flex-wrap:wrap; gap:.8rem; }
.figure { background:#fff; border:1px solid var(--line); border-radius:6px; padding:.6rem .9rem; min-width:11rem; }
.figure .value { font-size:1.5rem; font-weight:700; }
.figure .label { color:var(--muted); font-size:.8rem; }
.figure .previous { color:var(--muted); font-size:.8rem; }
form.filters { display:flex; flex-wrap:wrap; gap:.6rem; align-items:end; background:#fff;
               border:1px solid var(--line); border-radius:6px; padding:.6rem .9rem; }
form.filters label { display:flex; flex-direction:column; font-size:.8rem; color:var(--muted); }
input, select, button { font:inherit; padding:.25rem .4rem; }
button { cursor:pointer; }
form.signin { max-width:22rem; margin:4rem auto; background:#fff; border:1px solid var(--line);
              border-radius:6px; padding:1.5rem; display:flex; flex-direction:column; gap:.8rem; }
dl.attrs { display:grid; grid-template-columns:max-content 1fr; gap:.2rem 1rem; margin:0; }
dl.attrs dt { color:var(--muted); }
svg.chart { background:#fff; max-width:100%; height:auto; }
svg.chart text { font-size:11px; fill:var(--muted); }
.grid2 { display:grid; grid-template-columns:repeat(auto-fit, minmax(420px, 1fr)); gap:1rem; }
ol.timeline { padding-left:1.2rem; } ol.timeline li { margin:.2rem 0; }
"#;

/// A whole page. `nav` is `None` for pages shown without a session (sign-in, errors before it).
pub fn page(title: &str, nav: Option<Nav>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · leadflow" }
                // An empty icon: no request for /favicon.ico.
                link rel="icon" href="data:,";
                style { (PreEscaped(STYLE)) }
            }
            body {
                header.top {
                    span.brand { "leadflow" }
                    @if let Some(current) = nav {
                        nav {
                            a href="/" class=[(current == Nav::Overview).then_some("current")] { "Overview" }
                            a href="/leads" class=[(current == Nav::Leads).then_some("current")] { "Leads" }
                            a href="/rules" class=[(current == Nav::Rules).then_some("current")] { "Rules" }
                        }
                        form method="post" action="/signout" { button type="submit" { "Sign out" } }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// A lead id as a link to its page.
pub fn lead_link(id: &str) -> Markup {
    html! { a href={ "/leads/" (encode(id)) } { (id) } }
}

/// What a path segment or query value keeps as is: RFC 3986's unreserved characters, so
/// that ids such as `ld_…` read the same in the address bar.
const ESCAPED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A path segment or query value, percent-encoded.
pub fn encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, ESCAPED).to_string()
}

/// A time as the pages show it.
pub fn time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A number without a needless fraction: `25`, `12.5`, `-3.25`.
pub fn points(n: f64) -> String {
    let rounded = (n * 100.0).round() / 100.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded}")
    }
}
