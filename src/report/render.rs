//! A [`Report`] as a terminal table, Markdown, CSV or JSON: the same
//! columns and the same numbers in each (a test checks they agree).

use std::fmt::Write as _;

use comfy_table::presets::{ASCII_MARKDOWN, UTF8_FULL_CONDENSED};
use comfy_table::{CellAlignment, ContentArrangement, Table};

use super::{Report, Row};
use crate::human::thousands;

/// Text formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// comfy-table; fitted to the terminal's width when printing to one.
    Table {
        terminal: bool,
    },
    Markdown,
}

/// A column: its header and how a row's cell reads.
type Column = (&'static str, fn(&Row) -> String);

/// The columns of every row table.
fn columns(report: &Report) -> Vec<Column> {
    let mut cols: Vec<Column> = vec![
        (key_header(report), |r| r.key.clone()),
        ("Calls", |r| n(r.calls)),
        ("Input", |r| n(r.tokens.input)),
        ("Output", |r| n(r.tokens.output)),
        ("Cache write", |r| n(r.tokens.cache_write())),
        ("Cache read", |r| n(r.tokens.cache_read)),
        ("Cost", cost_cell),
        ("Saved", |r| signed(r.saved)),
        ("Saved %", |r| pct(r.saved_pct)),
    ];
    if report.rows.iter().any(|r| r.would_save.is_some()) {
        cols.push(("Would save", |r| match &r.would_save {
            Some(w) => format!(
                "{} ({})",
                signed(w.before as i64 - w.after as i64),
                pct(share(w.before, w.after))
            ),
            None => String::new(),
        }));
    }
    cols
}

fn key_header(report: &Report) -> &'static str {
    match report.group.name() {
        "day" => "Date",
        "week" => "Week of",
        "month" => "Month",
        "session" => "Session",
        "model" => "Model",
        "agent" => "Agent",
        "project" => "Project",
        "kind" => "Kind",
        "tool" => "Tool",
        _ => "Source",
    }
}

pub(crate) fn n(v: u64) -> String {
    thousands(v as usize)
}

pub(crate) fn signed(v: i64) -> String {
    if v < 0 {
        format!("-{}", thousands(v.unsigned_abs() as usize))
    } else {
        thousands(v as usize)
    }
}

fn pct(v: f64) -> String {
    format!("{v:.1}%")
}

pub(crate) fn usd(v: f64) -> String {
    if v < 0.0 {
        format!("-${:.2}", -v)
    } else {
        format!("${v:.2}")
    }
}

pub(crate) fn cost_cell(r: &Row) -> String {
    if r.complete {
        usd(r.cost_usd)
    } else {
        format!("{} + unpriced", usd(r.cost_usd))
    }
}

fn share(before: u64, after: u64) -> f64 {
    if before == 0 {
        0.0
    } else {
        100.0 * (before as f64 - after as f64) / before as f64
    }
}

/// The headline: what was spent and saved, and how it was counted.
pub fn headline(report: &Report) -> Vec<String> {
    let t = &report.totals;
    let mut lines = Vec::new();
    let range = match (&report.since, &report.until) {
        (Some(s), Some(u)) => format!("{s} to {u}"),
        (Some(s), None) => format!("since {s}"),
        (None, Some(u)) => format!("until {u}"),
        (None, None) => "all time".to_string(),
    };
    lines.push(format!(
        "headroom report: {} ({range}, {})",
        report.view, report.timezone
    ));
    lines.push(format!(
        "Spent {}{} on {} tokens in {} calls (tokens as the providers reported them; cost at list prices)",
        usd(t.cost_usd),
        if t.complete { "" } else { " + unpriced" },
        n(t.tokens.total()),
        n(t.calls),
    ));
    if !t.unpriced.is_empty() {
        lines.push(format!(
            "Incomplete: no price for {} (their calls are not in the cost)",
            t.unpriced.join(", ")
        ));
    }
    lines.push(format!(
        "Saved by headroom: {} tokens, {} of all input sent, ~{} ({})",
        signed(t.saved),
        pct(t.saved_pct),
        usd(t.saved_usd),
        if t.estimated {
            "estimated token counts"
        } else {
            "exact token counts"
        },
    ));
    if let Some(w) = &t.would_save {
        lines.push(format!(
            "Would save on these transcripts' conversations: {} of {} tokens ({}, estimated by `headroom simulate`)",
            signed(w.before as i64 - w.after as i64),
            n(w.before),
            pct(share(w.before, w.after)),
        ));
    }
    lines.push(format!(
        "Accounting rules v{}; prices of {}",
        report.rules_version, report.prices_date
    ));
    lines
}

/// Table or Markdown: the headline, then the view's rows (the summary view
/// adds top models, kinds and sessions).
pub fn text(report: &Report, style: Style) -> String {
    let mut out = String::new();
    let md = style == Style::Markdown;
    for l in headline(report) {
        if md {
            let _ = writeln!(out, "{l}  ");
        } else {
            let _ = writeln!(out, "{l}");
        }
    }
    let mut section = |title: &str, rows: &[Row], header: &'static str| {
        if rows.is_empty() {
            return;
        }
        let _ = writeln!(out);
        if md {
            let _ = writeln!(out, "## {title}\n");
        } else {
            let _ = writeln!(out, "{title}");
        }
        let _ = writeln!(out, "{}", table(report, rows, header, style));
    };
    if report.view == "summary" {
        section("By day", &report.daily, "Date");
        section("By model", &report.by_model, "Model");
        section("By kind", &report.by_kind, "Kind");
        section("Top sessions", &report.top_sessions, "Session");
    } else {
        section(
            &format!("By {}", report.group.name()),
            &report.rows,
            key_header(report),
        );
    }
    out
}

fn table(report: &Report, rows: &[Row], header: &'static str, style: Style) -> String {
    let cols = columns(report);
    let mut t = Table::new();
    match style {
        Style::Markdown => {
            t.load_style(ASCII_MARKDOWN);
        }
        Style::Table { terminal } => {
            t.load_style(UTF8_FULL_CONDENSED);
            if terminal {
                t.set_content_arrangement(ContentArrangement::Dynamic);
            }
        }
    }
    t.set_header(
        cols.iter()
            .enumerate()
            .map(|(i, (h, _))| if i == 0 { header } else { h }),
    );
    for r in rows.iter().chain(std::iter::once(&total_row(report))) {
        t.add_row(cols.iter().map(|(_, f)| f(r)));
    }
    for i in 1..cols.len() {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    t.to_string()
}

fn total_row(report: &Report) -> Row {
    Row {
        key: "Total".into(),
        ..report.totals.clone()
    }
}

/// CSV: one line per row of the view, then the total; raw numbers.
pub fn csv(report: &Report) -> String {
    let mut out = String::from(
        "key,calls,input,output,cache_write_5m,cache_write_1h,cache_read,cost_usd,complete,unpriced,before,after,retrieved,saved,saved_pct,saved_usd,estimated,would_save_before,would_save_after\n",
    );
    for r in report
        .rows
        .iter()
        .chain(std::iter::once(&total_row(report)))
    {
        let (wb, wa) = r
            .would_save
            .as_ref()
            .map_or((String::new(), String::new()), |w| {
                (w.before.to_string(), w.after.to_string())
            });
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{:.6},{},{},{},{},{},{},{:.4},{:.6},{},{},{}",
            csv_field(&r.key),
            r.calls,
            r.tokens.input,
            r.tokens.output,
            r.tokens.cache_write_5m,
            r.tokens.cache_write_1h,
            r.tokens.cache_read,
            r.cost_usd,
            r.complete,
            csv_field(&r.unpriced.join(";")),
            r.before,
            r.after,
            r.retrieved,
            r.saved,
            r.saved_pct,
            r.saved_usd,
            r.estimated,
            wb,
            wa,
        );
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The report as pretty JSON.
pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default()
}

/// One short line for an agent's status bar: today's spend and savings.
pub fn statusline(spent: f64, complete: bool, saved: i64, saved_pct: f64) -> String {
    format!(
        "today {}{} · headroom saved {} tok ({})",
        usd(spent),
        if complete { "" } else { "+" },
        signed(saved),
        pct(saved_pct)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_the_same_everywhere() {
        assert_eq!(signed(-1234), "-1,234");
        assert_eq!(usd(-0.5), "-$0.50");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(
            statusline(1.234, false, -5, -0.25),
            "today $1.23+ · headroom saved -5 tok (-0.2%)"
        );
    }
}
