//! A [`Report`] as one self-contained HTML page: inline CSS and SVG charts
//! drawn here, no scripts, no external loads of any kind (the page's
//! Content-Security-Policy forbids them), light and dark colour schemes, and
//! a print style so it saves to PDF.

use std::fmt::Write as _;

use super::render::{cost_cell, headline, n, signed, usd};
use super::{Report, Row};
use crate::human::thousands;

/// Everything the page may load: nothing but its own inline style and
/// `data:` images.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const STYLE: &str = r#"
:root{color-scheme:light dark;--bg:#fff;--fg:#1d2330;--mute:#5b6475;--line:#d9dde5;--card:#f4f6fa;--sent:#7c93c3;--saved:#2e9e6a;--neg:#d0453b;--bar:#4a6fb5}
@media (prefers-color-scheme:dark){:root{--bg:#14171d;--fg:#e6e9ef;--mute:#a0a8b8;--line:#333a46;--card:#1d222b;--sent:#5d77aa;--saved:#3fbf84;--neg:#f06a5f;--bar:#7d9be0}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1100px;padding:24px;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.meta{color:var(--mute);margin:0 0 2px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px;margin:18px 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.card b{display:block;font-size:22px}.card span{color:var(--mute);font-size:12px}
.neg{color:var(--neg)}
svg{display:block;width:100%;height:auto}svg.h{max-width:560px}
svg text{fill:var(--mute);font-size:11px}
.s{fill:var(--sent)}.v{fill:var(--saved)}.n{fill:var(--neg)}.b{fill:var(--bar)}.ax{stroke:var(--line)}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px;border-radius:2px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left;white-space:normal;word-break:break-all}
tr.t td{font-weight:600}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:24px}
@media (max-width:760px){.grid{grid-template-columns:1fr}}
@media print{body{max-width:none;padding:0}.card,section{break-inside:avoid}h2{break-after:avoid}}
"#;

/// The page.
pub fn page(r: &Report) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n<meta name=\"color-scheme\" content=\"light dark\">\n<title>headroom report</title>\n<style>{STYLE}</style></head><body>\n"
    );
    let lines = headline(r);
    let _ = writeln!(h, "<h1>{}</h1>", esc(&lines[0]));
    for l in &lines[1..] {
        let _ = writeln!(h, "<p class=\"meta\">{}</p>", esc(l));
    }
    cards(&mut h, r);
    let _ = writeln!(h, "<section><h2>Tokens sent and saved per day</h2>");
    daily_chart(&mut h, &r.daily);
    let _ = writeln!(
        h,
        "<p class=\"legend\"><span class=\"s\" style=\"background:var(--sent)\"></span>sent<span style=\"background:var(--saved)\"></span>saved by headroom<span style=\"background:var(--neg)\"></span>cost more than it saved</p></section>"
    );
    let _ = writeln!(h, "<div class=\"grid\"><section><h2>Savings by kind</h2>");
    bars(
        &mut h,
        &r.by_kind,
        |row| row.saved as f64,
        |v| signed(v as i64),
    );
    let _ = writeln!(h, "</section><section><h2>Savings by model</h2>");
    bars(
        &mut h,
        &r.by_model,
        |row| row.saved as f64,
        |v| signed(v as i64),
    );
    let _ = writeln!(h, "</section></div>");
    let _ = writeln!(h, "<section><h2>Spend by model</h2>");
    bars(&mut h, &r.by_model, |row| row.cost_usd, usd);
    let _ = writeln!(h, "</section><section><h2>Top sessions</h2>");
    table(&mut h, &r.top_sessions, "Session", None);
    let _ = writeln!(
        h,
        "</section><section><h2>Every figure: by {}</h2>",
        r.group.name()
    );
    table(&mut h, &r.rows, "Key", Some(&r.totals));
    let _ = writeln!(h, "</section></body></html>");
    h
}

fn cards(h: &mut String, r: &Report) {
    let t = &r.totals;
    let cache_share = if t.tokens.input_total() == 0 {
        0.0
    } else {
        100.0 * t.tokens.cache_read as f64 / t.tokens.input_total() as f64
    };
    let spent = cost_cell(t);
    let neg = |v: f64| if v < 0.0 { " class=\"neg\"" } else { "" };
    let _ = writeln!(h, "<div class=\"cards\">");
    let mut card = |value: String, label: &str, class: &str| {
        let _ = writeln!(
            h,
            "<div class=\"card\"><b{class}>{}</b><span>{}</span></div>",
            esc(&value),
            esc(label)
        );
    };
    card(spent, "spent", "");
    card(
        signed(t.saved),
        &format!("tokens saved (~{})", usd(t.saved_usd)),
        neg(t.saved as f64),
    );
    card(
        format!("{:.1}%", t.saved_pct),
        "saved, of all input sent",
        neg(t.saved_pct),
    );
    card(thousands(t.calls as usize), "requests", "");
    card(format!("{cache_share:.1}%"), "of input read from cache", "");
    if let Some(w) = &t.would_save {
        let pct = if w.before == 0 {
            0.0
        } else {
            100.0 * (w.before as f64 - w.after as f64) / w.before as f64
        };
        card(
            format!("{pct:.1}%"),
            "headroom would save on these transcripts (estimate)",
            "",
        );
    }
    let _ = writeln!(h, "</div>");
}

/// Stacked bars per day: sent below, saved on top; a negative saving hangs
/// below the axis in red.
fn daily_chart(h: &mut String, days: &[Row]) {
    if days.is_empty() {
        let _ = writeln!(h, "<p class=\"meta\">No days in range.</p>");
        return;
    }
    let (w, top, plot, bottom, left) = (1000.0, 10.0, 220.0, 40.0, 70.0);
    let sent = |r: &Row| r.sent as f64;
    let up = days
        .iter()
        .map(|r| sent(r) + r.saved.max(0) as f64)
        .fold(1.0, f64::max);
    let down = days
        .iter()
        .map(|r| (-r.saved).max(0) as f64)
        .fold(0.0, f64::max);
    let total = up + down;
    let scale = plot / total;
    let zero = top + up * scale;
    let height = top + plot + bottom;
    let step = (w - left - 10.0) / days.len() as f64;
    let bar = (step * 0.8).max(0.5);
    let _ = writeln!(
        h,
        "<svg viewBox=\"0 0 {w} {height}\" role=\"img\" aria-label=\"tokens sent and saved per day\">"
    );
    let _ = writeln!(
        h,
        "<line class=\"ax\" x1=\"{left}\" x2=\"{w}\" y1=\"{zero:.1}\" y2=\"{zero:.1}\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text><text x=\"{}\" y=\"{zero:.1}\" text-anchor=\"end\">0</text>",
        left - 6.0,
        top + 10.0,
        compact(up),
        left - 6.0
    );
    let label_every = (days.len() / 12).max(1);
    for (i, r) in days.iter().enumerate() {
        let x = left + i as f64 * step + (step - bar) / 2.0;
        let s = sent(r) * scale;
        let _ = write!(
            h,
            "<rect class=\"s\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{s:.1}\"><title>{}: {} sent</title></rect>",
            zero - s,
            r.key,
            thousands(r.sent as usize)
        );
        if r.saved > 0 {
            let v = r.saved as f64 * scale;
            let _ = write!(
                h,
                "<rect class=\"v\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{v:.1}\"><title>{}: {} saved</title></rect>",
                zero - s - v,
                r.key,
                signed(r.saved)
            );
        } else if r.saved < 0 {
            let v = (-r.saved) as f64 * scale;
            let _ = write!(
                h,
                "<rect class=\"n\" x=\"{x:.1}\" y=\"{zero:.1}\" width=\"{bar:.1}\" height=\"{:.1}\"><title>{}: {} saved</title></rect>",
                v.max(1.0),
                r.key,
                signed(r.saved)
            );
        }
        if i % label_every == 0 {
            let _ = write!(
                h,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x + bar / 2.0,
                top + plot + 16.0,
                esc(&r.key)
            );
        }
        h.push('\n');
    }
    let _ = writeln!(h, "</svg>");
}

/// Horizontal bars of `value` per row, negative ones to the left in red.
fn bars(h: &mut String, rows: &[Row], value: fn(&Row) -> f64, label: fn(f64) -> String) {
    let rows: Vec<&Row> = rows.iter().filter(|r| value(r) != 0.0).take(10).collect();
    if rows.is_empty() {
        let _ = writeln!(h, "<p class=\"meta\">Nothing to show.</p>");
        return;
    }
    let max = rows.iter().map(|r| value(r).max(0.0)).fold(0.0, f64::max);
    let min = rows
        .iter()
        .map(|r| (-value(r)).max(0.0))
        .fold(0.0, f64::max);
    let (w, name_w, val_w, row_h) = (560.0, 200.0, 90.0, 22.0);
    let span = (w - name_w - val_w) / (max + min).max(f64::MIN_POSITIVE);
    let zero = name_w + min * span;
    let height = rows.len() as f64 * row_h + 4.0;
    let _ = writeln!(
        h,
        "<svg class=\"h\" viewBox=\"0 0 {w} {height}\" role=\"img\"><line class=\"ax\" x1=\"{zero:.1}\" x2=\"{zero:.1}\" y1=\"0\" y2=\"{height}\"/>"
    );
    for (i, r) in rows.iter().enumerate() {
        let y = i as f64 * row_h + 4.0;
        let v = value(r);
        let len = (v.abs() * span).max(1.0);
        let (x, class) = if v < 0.0 {
            (zero - len, "n")
        } else {
            (zero, "b")
        };
        let name: String = r.key.chars().take(32).collect();
        let _ = writeln!(
            h,
            "<text x=\"0\" y=\"{:.1}\">{}</text><rect class=\"{class}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{len:.1}\" height=\"{:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            y + 13.0,
            esc(&name),
            row_h - 6.0,
            w - val_w + 6.0,
            y + 13.0,
            esc(&label(v))
        );
    }
    let _ = writeln!(h, "</svg>");
}

fn table(h: &mut String, rows: &[Row], first: &str, total: Option<&Row>) {
    let _ = writeln!(
        h,
        "<table><thead><tr><th>{first}</th><th>Calls</th><th>Input</th><th>Output</th><th>Cache write</th><th>Cache read</th><th>Cost</th><th>Saved</th><th>Saved %</th></tr></thead><tbody>"
    );
    let row = |h: &mut String, r: &Row, class: &str| {
        let cost = cost_cell(r);
        let _ = writeln!(
            h,
            "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}%</td></tr>",
            esc(&r.key),
            n(r.calls),
            n(r.tokens.input),
            n(r.tokens.output),
            n(r.tokens.cache_write()),
            n(r.tokens.cache_read),
            esc(&cost),
            signed(r.saved),
            r.saved_pct
        );
    };
    for r in rows {
        row(h, r, "");
    }
    if let Some(t) = total {
        let t = Row {
            key: "Total".into(),
            ..t.clone()
        };
        row(h, &t, " class=\"t\"");
    }
    let _ = writeln!(h, "</tbody></table>");
}

/// `18003360` as `18M`, for axis labels.
fn compact(v: f64) -> String {
    if v >= 1e9 {
        format!("{:.1}B", v / 1e9)
    } else if v >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
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
