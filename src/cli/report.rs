//! `headroom report`: what you spent, what headroom saved, honestly counted.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::ValueEnum;
use headroom::config::Config;
use headroom::report::render::{self, Style};
use headroom::report::transcripts::{self, Dirs};
use headroom::report::{self, Entry, Filter, Group, Simulated};
use headroom::simulate::Settings;
use headroom::tokens::{self, Encoding};
use headroom::usage;
use jiff::tz::TimeZone;

use super::Exit;

/// Show what you spent on models and what headroom saved.
///
/// Reads the usage records headroom writes (every `compress` run, proxied
/// request, MCP call and `wrap` session) and, with --transcripts, Claude Code
/// and Codex logs (like ccusage, no proxy needed). The default view covers
/// the last 7 days. Costs come from the price table (its date is printed);
/// a model without a price makes the total "incomplete" and is listed,
/// never counted as $0. Savings are counted against everything sent and
/// stay negative when headroom cost tokens.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// What to show: a summary, rows per day, week or month, or per session.
    #[arg(value_enum, default_value_t = View::Summary)]
    pub view: View,

    /// Rows per model, agent, project, content kind, tool or source instead.
    #[arg(long, value_enum, value_name = "DIM")]
    pub by: Option<By>,

    /// First day, inclusive: YYYY-MM-DD, or 7d / 30d for the last N days.
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,

    /// Last day, inclusive: YYYY-MM-DD, or Nd.
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,

    /// Time zone of days, weeks and months (IANA name such as Europe/Paris, or UTC). Default: local.
    #[arg(long, value_name = "TZ")]
    pub timezone: Option<String>,

    /// Only entries whose project (working directory) contains TEXT.
    #[arg(long, value_name = "TEXT")]
    pub project: Option<String>,

    /// Only entries of this agent (claude-code, codex, …).
    #[arg(long, value_name = "NAME")]
    pub agent: Option<String>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Also write one self-contained HTML page (charts, no scripts, opens offline) to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,

    /// Print one short line (today's spend and savings from usage records) for an agent's status line.
    #[arg(long, conflicts_with_all = ["html", "transcripts", "by", "since", "until"])]
    pub statusline: bool,

    /// Also read Claude Code and Codex transcripts (CLAUDE_CONFIG_DIR, CODEX_HOME or their default folders).
    #[arg(long)]
    pub transcripts: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum View {
    Summary,
    Daily,
    Weekly,
    Monthly,
    Sessions,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum By {
    Model,
    Agent,
    Project,
    Kind,
    Tool,
    Source,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    #[value(alias = "markdown")]
    Md,
    Json,
    Csv,
}

pub fn run(args: Args) -> Result<Exit> {
    let tz = match &args.timezone {
        None => TimeZone::system(),
        Some(name) if name.eq_ignore_ascii_case("utc") => TimeZone::UTC,
        Some(name) => match TimeZone::get(name) {
            Ok(tz) => tz,
            Err(_) => {
                return usage(&format!(
                    "unknown time zone '{name}' (use an IANA name such as Europe/Paris, or UTC)"
                ));
            }
        },
    };
    let today = report::today(&tz);
    if args.statusline {
        return statusline(&tz, today);
    }
    let day = |s: &Option<String>, flag: &str| -> Result<Option<jiff::civil::Date>, String> {
        s.as_deref()
            .map(|s| report::parse_day(s, today).map_err(|e| format!("--{flag} {e}")))
            .transpose()
    };
    let (mut since, until) = match (day(&args.since, "since"), day(&args.until, "until")) {
        (Ok(s), Ok(u)) => (s, u),
        (Err(e), _) | (_, Err(e)) => return usage(&e),
    };
    if args.view == View::Summary && args.by.is_none() && since.is_none() && until.is_none() {
        since = report::parse_day("7d", today).ok();
    }
    if let (Some(s), Some(u)) = (since, until)
        && s > u
    {
        return usage(&format!("--since {s} is after --until {u}"));
    }
    let filter = Filter {
        since,
        until,
        project: args.project.clone(),
        agent: args.agent.clone(),
    };

    let config = super::config::load(None);
    let mut entries: Vec<Entry> = match records(&config, &filter, &tz) {
        Ok(entries) => entries,
        Err(e) => {
            eprintln!("headroom: warning: {e}; usage records left out");
            Vec::new()
        }
    };
    let mut simulated = Simulated::new();
    if args.transcripts || args.view == View::Sessions {
        let dirs = Dirs::from_env(|k| std::env::var(k).ok(), std::env::home_dir().as_deref());
        let calls = transcripts::read(&dirs);
        if args.view == View::Sessions || args.html.is_some() {
            simulated = simulate_sessions(&calls.files, &config, &filter, &calls.entries, &tz);
        }
        entries.extend(calls.entries);
    }

    let (view, group) = match (args.by, args.view) {
        (Some(by), _) => ("by", by_group(by)),
        (None, View::Summary) => ("summary", Group::Day),
        (None, View::Daily) => ("daily", Group::Day),
        (None, View::Weekly) => ("weekly", Group::Week),
        (None, View::Monthly) => ("monthly", Group::Month),
        (None, View::Sessions) => ("sessions", Group::Session),
    };
    let view = if view == "by" {
        format!("by {}", group.name())
    } else {
        view.to_string()
    };
    let rep = report::build(&entries, &view, group, &filter, &tz, &simulated);
    if rep.totals.calls == 0 {
        eprintln!("headroom: {}", empty_message(&args, entries.is_empty()));
        return Ok(Exit::Success);
    }

    if let Some(path) = &args.html {
        headroom::atomic::write_atomic(path, report::html::page(&rep).as_bytes())
            .with_context(|| format!("cannot write '{}'", path.display()))?;
    }
    let stdout = std::io::stdout();
    let text = match args.format {
        Format::Json => render::json(&rep) + "\n",
        Format::Csv => render::csv(&rep),
        Format::Md => render::text(&rep, Style::Markdown),
        Format::Table => render::text(
            &rep,
            Style::Table {
                terminal: stdout.is_terminal(),
            },
        ),
    };
    let mut out = stdout.lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(Exit::Success)
}

/// `--statusline`: today's records only, so it stays within a few
/// milliseconds however large the store grows.
fn statusline(tz: &TimeZone, today: jiff::civil::Date) -> Result<Exit> {
    let config = super::config::load(None);
    let filter = Filter {
        since: Some(today),
        until: Some(today),
        ..Filter::default()
    };
    let entries = records(&config, &filter, tz).unwrap_or_default();
    let r = report::build(
        &entries,
        "today",
        Group::Day,
        &filter,
        tz,
        &Simulated::new(),
    );
    let t = &r.totals;
    println!(
        "{}",
        render::statusline(t.cost_usd, t.complete, t.saved, t.saved_pct)
    );
    Ok(Exit::Success)
}

/// The usage records in the filter's days, summed per day by the store.
fn records(
    config: &Config,
    filter: &Filter,
    tz: &TimeZone,
) -> Result<Vec<Entry>, usage::UsageError> {
    let Some(loc) = config.store() else {
        return Ok(Vec::new());
    };
    let Some((first, last)) = usage::time_range(&loc)? else {
        return Ok(Vec::new());
    };
    let (from, to) = range_ms(filter, tz);
    let (from, to) = (from.max(first), to.min(last.saturating_add(1)));
    if from >= to {
        return Ok(Vec::new());
    }
    // One span per stretch of constant UTC offset, so days are local days.
    let offset = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms)
            .map_or(0, |t| i64::from(tz.to_offset(t).seconds()) * 1000)
    };
    let mut spans = Vec::new();
    let mut start = from;
    if let Ok(t) = jiff::Timestamp::from_millisecond(from) {
        for tr in tz.following(t) {
            let at = tr.timestamp().as_millisecond();
            if at >= to {
                break;
            }
            spans.push((start, at, offset(start)));
            start = at;
        }
    }
    spans.push((start, to, offset(start)));
    let totals = usage::day_totals(&loc, &spans)?;
    Ok(totals
        .iter()
        .map(|t| Entry::from_day_totals(t, tz))
        .collect())
}

/// The unix-millisecond range of the filter's days in `tz`.
fn range_ms(filter: &Filter, tz: &TimeZone) -> (i64, i64) {
    let start = |d: jiff::civil::Date| {
        d.to_zoned(tz.clone())
            .map(|z| z.timestamp().as_millisecond())
            .ok()
    };
    let from = filter.since.and_then(start).unwrap_or(i64::MIN);
    let to = filter
        .until
        .and_then(|u| u.tomorrow().ok())
        .and_then(start)
        .unwrap_or(i64::MAX);
    (from, to)
}

fn by_group(by: By) -> Group {
    match by {
        By::Model => Group::Model,
        By::Agent => Group::Agent,
        By::Project => Group::Project,
        By::Kind => Group::Kind,
        By::Tool => Group::Tool,
        By::Source => Group::Source,
    }
}

fn usage(msg: &str) -> Result<Exit> {
    eprintln!("headroom: error: {msg}");
    Ok(Exit::Usage)
}

fn empty_message(args: &Args, nothing_at_all: bool) -> String {
    if nothing_at_all && !args.transcripts {
        "no usage recorded yet: run `headroom compress`, the proxy or `headroom wrap`, or add --transcripts to read Claude Code and Codex logs".into()
    } else if nothing_at_all {
        "no usage recorded yet, and no Claude Code or Codex transcripts found (set CLAUDE_CONFIG_DIR or CODEX_HOME if they live elsewhere)".into()
    } else {
        "no usage in the chosen dates, project or agent (widen --since/--until, or drop --project/--agent)".into()
    }
}

/// What headroom would save on each session that has calls in the report.
fn simulate_sessions(
    files: &[transcripts::SessionFile],
    config: &Config,
    filter: &Filter,
    entries: &[Entry],
    tz: &TimeZone,
) -> Simulated {
    let shown = report::build(
        entries,
        "sessions",
        Group::Session,
        filter,
        tz,
        &Simulated::new(),
    );
    let keep: std::collections::HashSet<&str> = shown.rows.iter().map(|r| r.key.as_str()).collect();
    let files: Vec<_> = files
        .iter()
        .filter(|f| keep.contains(f.session.as_str()))
        .cloned()
        .collect();
    let (encoding, _) = Encoding::for_model(&config.model);
    let cost = move |s: &str| tokens::count(s, encoding);
    let settings = Settings {
        cost: &cost,
        lossy_min_tokens: config.lossy_min_tokens,
        model: None,
        model_from_file: false,
        top: 0,
        check_prefix: false,
    };
    transcripts::would_save(&files, &settings)
}
