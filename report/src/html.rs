//! The page itself: the template with its stylesheet and scripts inlined and the data
//! embedded as JSON, so the file works alone from `file://`, with no network.

use crate::page::PageData;

const TEMPLATE: &str = include_str!("../assets/page.html");
const CSS: &str = include_str!("../assets/timeline.css");
const ERRORS_JS: &str = include_str!("../assets/errors.js");
/// The page's script, in load order: shared state, lanes, plots, steps, then main.
const SCRIPTS: [&str; 5] = [
    include_str!("../assets/core.js"),
    include_str!("../assets/lanes.js"),
    include_str!("../assets/plots.js"),
    include_str!("../assets/steps.js"),
    include_str!("../assets/main.js"),
];

/// `s` with the characters HTML gives meaning to escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// The data as JSON safe inside a `<script>` element: `<` only ever occurs inside
/// JSON strings, where `\u003c` means the same, so no `</script>` can end it early.
pub fn script_json(page: &PageData) -> String {
    serde_json::to_string(page)
        .expect("page data serializes")
        .replace('<', "\\u003c")
}

/// The whole page.
pub fn render(page: &PageData) -> String {
    let facts: String = page
        .facts
        .iter()
        .map(|(k, v)| format!("<dt>{}</dt><dd>{}</dd>", escape(k), escape(v)))
        .collect();
    let data = script_json(page);
    let title = escape(&page.title);
    let mut out = String::with_capacity(TEMPLATE.len() + CSS.len() + data.len() + 64 * 1024);
    let mut rest = TEMPLATE;
    while let Some((before, after)) = rest.split_once("{{") {
        out.push_str(before);
        let (name, tail) = after.split_once("}}").expect("template markers close");
        match name {
            "TITLE" => out.push_str(&title),
            "CSS" => out.push_str(CSS),
            "ERRORS_JS" => out.push_str(ERRORS_JS),
            "FACTS" => out.push_str(&facts),
            "DATA" => out.push_str(&data),
            "JS" => {
                for s in SCRIPTS {
                    out.push_str(s);
                    out.push('\n');
                }
            }
            other => panic!("unknown template marker {other}"),
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}
