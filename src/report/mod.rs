//! `report`: what was spent and what headroom saved, honestly counted.
//!
//! Inputs are [`Entry`] values: model calls read from Claude Code and Codex
//! transcripts ([`transcripts`]) and usage records from the store. [`build`]
//! filters them by date, project and agent, prices them with
//! [`crate::pricing`], and groups them into the rows of one view; the
//! renderers ([`render`], [`html`]) print the same [`Report`] as a table,
//! Markdown, JSON, CSV or one self-contained HTML page.
//!
//! The accounting rules (the README's "report" section; [`RULES_VERSION`]):
//! - savings are what headroom removed from what reached it, as a share of
//!   everything sent (the whole request or session input, not only the
//!   parts it compressed);
//! - a negative saving (output larger, a retrieval that cost more than it
//!   saved) stays negative in every sum;
//! - only what reached headroom is credited, never what an agent would have
//!   cut off by itself;
//! - a model without a price makes a cost "incomplete" and is listed, never
//!   counted as $0.

pub mod html;
pub mod render;
pub mod transcripts;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Serialize;

use crate::pricing;

/// Version of the accounting rules above; printed by every report.
pub const RULES_VERSION: &str = "1";

/// Tokens of one or more model calls, as the provider reported them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tokens {
    /// Uncached input.
    pub input: u64,
    pub output: u64,
    /// Input written to the prompt cache with a 5-minute TTL.
    pub cache_write_5m: u64,
    /// Input written to the prompt cache with a 1-hour TTL.
    pub cache_write_1h: u64,
    pub cache_read: u64,
}

impl Tokens {
    pub fn cache_write(&self) -> u64 {
        self.cache_write_5m + self.cache_write_1h
    }

    /// Everything sent as input: uncached, cache writes and cache reads.
    pub fn input_total(&self) -> u64 {
        self.input + self.cache_write() + self.cache_read
    }

    pub fn total(&self) -> u64 {
        self.input_total() + self.output
    }

    fn add(&mut self, o: &Tokens) {
        self.input += o.input;
        self.output += o.output;
        self.cache_write_5m += o.cache_write_5m;
        self.cache_write_1h += o.cache_write_1h;
        self.cache_read += o.cache_read;
    }

    /// USD at `model`'s listed prices, or `None` if it has none.
    pub fn cost(&self, model: &str) -> Option<f64> {
        if self.total() == 0 {
            return Some(0.0);
        }
        if model == SYNTHETIC_MODEL {
            return Some(0.0);
        }
        let (_, p) = pricing::price_for(model)?;
        let usd = |n: u64, per: f64| pricing::usd(n as usize, per);
        Some(
            usd(self.input, p.input)
                + usd(self.cache_write_5m, p.cache_write)
                + usd(self.cache_write_1h, p.cache_write_1h)
                + usd(self.cache_read, p.cached_input)
                + usd(self.output, p.output),
        )
    }
}

/// Output an agent would have cut by itself, without headroom: Claude Code
/// replaces Bash output over 30,000 characters with a preview of about
/// 2,300 (the full text goes to a file the model may never read).
const AGENT_LIMITS: &[(&str, usize, usize)] = &[("claude-code", 30_000, 2_300)];

/// The part of `tokens_before` that may be credited for output of `len`
/// bytes run under `agent`: all of it, unless the agent would have
/// truncated it anyway, then the share the agent would have kept (and
/// `true`: an estimate). Crediting the whole output there overstates
/// savings by orders of magnitude.
pub fn creditable_before(agent: &str, len: usize, tokens_before: u64) -> (u64, bool) {
    match AGENT_LIMITS.iter().find(|(a, _, _)| *a == agent) {
        Some(&(_, limit, kept)) if len > limit => {
            let share = kept as f64 / len as f64;
            ((tokens_before as f64 * share).ceil() as u64, true)
        }
        _ => (tokens_before, false),
    }
}

/// Claude Code's name for messages it wrote itself (errors, interruptions):
/// no model ran, nothing was billed.
pub const SYNTHETIC_MODEL: &str = "<synthetic>";

/// Where an entry came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A model call read from an agent's transcript.
    Transcript,
    Cli,
    Proxy,
    Mcp,
    Wrap,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Transcript => "transcript",
            Source::Cli => "cli",
            Source::Proxy => "proxy",
            Source::Mcp => "mcp",
            Source::Wrap => "wrap",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        Some(match s {
            "transcript" => Source::Transcript,
            "cli" => Source::Cli,
            "proxy" => Source::Proxy,
            "mcp" => Source::Mcp,
            "wrap" => Source::Wrap,
            _ => return None,
        })
    }
}

/// One accounted event: a model call, a compression or a proxied request.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub at: Timestamp,
    pub source: Source,
    /// `claude-code`, `codex`, … (empty when unknown).
    pub agent: String,
    /// The working directory (or a transcript's project folder).
    pub project: String,
    pub session: String,
    pub model: String,
    /// Content kinds compressed (`json`, `log`, …), comma-separated.
    pub kind: String,
    pub tool: String,
    /// How many calls or records this entry sums (1 for one call).
    pub calls: u64,
    /// Provider-reported usage, when known.
    pub usage: Option<Tokens>,
    /// Tokens of what reached headroom, and of what it passed on.
    pub before: u64,
    pub after: u64,
    /// Tokens that retrieve calls brought back (they cost what they return).
    pub retrieved: u64,
    /// `before`/`after` were counted with an estimate, not the model's own
    /// tokenizer.
    pub estimated: bool,
}

impl Entry {
    /// What headroom saved on this entry; negative when it cost more.
    pub fn saved(&self) -> i64 {
        self.before as i64 - self.after as i64 - self.retrieved as i64
    }

    /// What was really sent as input.
    fn sent_input(&self) -> u64 {
        match self.usage {
            Some(u) => u.input_total(),
            None => self.after,
        }
    }
}

impl Entry {
    /// Records of one local day summed by the store ([`crate::usage::day_totals`]),
    /// as one entry at noon of that day in `tz`.
    pub fn from_day_totals(t: &crate::usage::DayTotals, tz: &TimeZone) -> Entry {
        let up = &t.upstream;
        let usage = t.has_upstream.then(|| {
            let written = up.cache_write.unwrap_or(0);
            let hour = up.cache_write_1h.unwrap_or(0).min(written);
            Tokens {
                input: up.input.unwrap_or(0),
                output: up.output.unwrap_or(0),
                cache_write_5m: written - hour,
                cache_write_1h: hour,
                cache_read: up.cache_read.unwrap_or(0),
            }
        });
        let noon = Date::new(1970, 1, 1)
            .ok()
            .and_then(|epoch| epoch.checked_add(t.day.days()).ok())
            .and_then(|d| d.at(12, 0, 0, 0).to_zoned(tz.clone()).ok())
            .map_or(Timestamp::UNIX_EPOCH, |z| z.timestamp());
        Entry {
            at: noon,
            source: Source::parse(&t.source).unwrap_or(Source::Cli),
            agent: t.agent.clone().unwrap_or_default(),
            project: t.project.clone().unwrap_or_default(),
            session: t.session.clone().unwrap_or_default(),
            model: t.model.clone().unwrap_or_default(),
            kind: t.kinds.clone(),
            tool: t.tool.clone().unwrap_or_default(),
            calls: t.records,
            usage,
            before: t.tokens_before,
            after: t.tokens_after,
            retrieved: 0,
            estimated: t.estimated,
        }
    }
}

/// A model call from a transcript with what headroom would have saved on
/// its session (from the simulate engine), per session.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WouldSave {
    /// Tokens of the conversation (counted once each) before and after
    /// compression, estimated with the o200k tokenizer.
    pub before: u64,
    pub after: u64,
}

impl WouldSave {
    fn add(&mut self, o: &WouldSave) {
        self.before += o.before;
        self.after += o.after;
    }
}

/// One row of a report: the sums over a group of entries.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Row {
    pub key: String,
    /// Model calls or records.
    pub calls: u64,
    pub tokens: Tokens,
    /// USD of the priced calls; `complete` is false when some were not.
    pub cost_usd: f64,
    pub complete: bool,
    /// Models without a price, whose calls `cost_usd` leaves out.
    pub unpriced: Vec<String>,
    pub models: Vec<String>,
    /// Tokens of what reached headroom and what it passed on.
    pub before: u64,
    pub after: u64,
    pub retrieved: u64,
    /// Input tokens really sent (provider-reported, else what headroom passed on).
    pub sent: u64,
    /// `before - after - retrieved`: negative when headroom cost tokens.
    pub saved: i64,
    /// Saved as a percentage of everything that would have been sent.
    pub saved_pct: f64,
    /// Saved tokens at the models' uncached input price (an estimate).
    pub saved_usd: f64,
    /// Whether any savings figure was counted with an estimated tokenizer.
    pub estimated: bool,
    /// Transcripts: what headroom would save on these sessions (estimate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub would_save: Option<WouldSave>,
    #[serde(skip)]
    baseline: u64,
    #[serde(skip)]
    unpriced_set: BTreeSet<String>,
    #[serde(skip)]
    models_set: BTreeSet<String>,
}

impl Row {
    fn new(key: String) -> Row {
        Row {
            key,
            complete: true,
            ..Row::default()
        }
    }

    fn add(&mut self, e: &Entry) {
        self.calls += e.calls;
        if let Some(u) = &e.usage {
            self.tokens.add(u);
            match u.cost(&e.model) {
                Some(c) => self.cost_usd += c,
                None => {
                    self.complete = false;
                    self.unpriced_set.insert(display_model(&e.model));
                }
            }
        }
        if !e.model.is_empty() && e.model != SYNTHETIC_MODEL {
            self.models_set.insert(e.model.clone());
        }
        self.before += e.before;
        self.after += e.after;
        self.retrieved += e.retrieved;
        let saved = e.saved();
        self.saved += saved;
        self.sent += e.sent_input();
        self.baseline += (e.sent_input() as i64 + saved).max(0) as u64;
        self.estimated |= e.estimated && e.before > 0;
        if saved != 0
            && let Some((_, p)) = pricing::price_for(&e.model)
        {
            self.saved_usd += saved as f64 * p.input / 1e6;
        }
    }

    fn finish(&mut self) {
        self.unpriced = self.unpriced_set.iter().cloned().collect();
        self.models = self.models_set.iter().cloned().collect();
        self.saved_pct = if self.baseline == 0 {
            0.0
        } else {
            100.0 * self.saved as f64 / self.baseline as f64
        };
    }
}

fn display_model(model: &str) -> String {
    if model.is_empty() {
        "(unknown model)".to_string()
    } else {
        model.to_string()
    }
}

/// How rows are grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    Day,
    Week,
    Month,
    Session,
    Model,
    Agent,
    Project,
    Kind,
    Tool,
    Source,
}

impl Group {
    pub fn name(self) -> &'static str {
        match self {
            Group::Day => "day",
            Group::Week => "week",
            Group::Month => "month",
            Group::Session => "session",
            Group::Model => "model",
            Group::Agent => "agent",
            Group::Project => "project",
            Group::Kind => "kind",
            Group::Tool => "tool",
            Group::Source => "source",
        }
    }

    fn key(self, e: &Entry, tz: &TimeZone) -> String {
        let or_none = |s: &str| {
            if s.is_empty() {
                "(none)".to_string()
            } else {
                s.to_string()
            }
        };
        match self {
            Group::Day => day_of(e.at, tz).to_string(),
            Group::Week => week_of(day_of(e.at, tz)).to_string(),
            Group::Month => day_of(e.at, tz).strftime("%Y-%m").to_string(),
            Group::Session => or_none(&e.session),
            Group::Model => display_model(&e.model),
            Group::Agent => or_none(&e.agent),
            Group::Project => or_none(&e.project),
            Group::Kind => or_none(&e.kind),
            Group::Tool => or_none(&e.tool),
            Group::Source => e.source.name().to_string(),
        }
    }

    /// Time groups sort by time; the others by cost, largest first.
    fn is_time(self) -> bool {
        matches!(self, Group::Day | Group::Week | Group::Month)
    }
}

fn day_of(at: Timestamp, tz: &TimeZone) -> Date {
    at.to_zoned(tz.clone()).date()
}

/// The Monday starting the ISO week of `d`.
fn week_of(d: Date) -> Date {
    let back = d.weekday().to_monday_zero_offset();
    d.checked_sub(i64::from(back).days()).unwrap_or(d)
}

/// Which entries a report covers.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// First and last day, inclusive, in the report's time zone.
    pub since: Option<Date>,
    pub until: Option<Date>,
    pub project: Option<String>,
    pub agent: Option<String>,
}

impl Filter {
    fn keeps(&self, e: &Entry, tz: &TimeZone) -> bool {
        if self.since.is_some() || self.until.is_some() {
            let d = day_of(e.at, tz);
            if self.since.is_some_and(|s| d < s) || self.until.is_some_and(|u| d > u) {
                return false;
            }
        }
        if let Some(p) = &self.project
            && !e.project.contains(p.as_str())
        {
            return false;
        }
        if let Some(a) = &self.agent
            && e.agent != *a
        {
            return false;
        }
        true
    }
}

/// A date bound: `YYYY-MM-DD`, or `Nd` for the last N days up to `today`
/// (`7d` starts six days before today).
pub fn parse_day(s: &str, today: Date) -> Result<Date, String> {
    if let Some(n) = s.strip_suffix('d')
        && let Ok(n) = n.parse::<i64>()
    {
        if n < 1 {
            return Err(format!("'{s}': the number of days must be at least 1"));
        }
        return today
            .checked_sub((n - 1).days())
            .map_err(|e| format!("'{s}': {e}"));
    }
    s.parse::<Date>()
        .map_err(|_| format!("'{s}' is not a date (YYYY-MM-DD) or a number of days (7d)"))
}

/// A session's transcript simulation, to be shown beside its spend.
pub type Simulated = HashMap<String, WouldSave>;

/// Everything a renderer needs, in one value (what `--format json` prints).
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub rules_version: &'static str,
    pub prices_date: &'static str,
    /// `summary`, `daily`, `weekly`, `monthly`, `sessions` or `by`.
    pub view: String,
    pub group: Group,
    pub timezone: String,
    pub since: Option<String>,
    pub until: Option<String>,
    /// Where the entries came from, and how many.
    pub sources: BTreeMap<String, u64>,
    pub totals: Row,
    pub rows: Vec<Row>,
    /// By day, model, kind and tool, and the top sessions: the summary
    /// view's tables and the HTML page's charts.
    pub daily: Vec<Row>,
    pub by_model: Vec<Row>,
    pub by_kind: Vec<Row>,
    pub top_sessions: Vec<Row>,
}

impl Report {
    /// Whether every cost is priced.
    pub fn complete(&self) -> bool {
        self.totals.complete
    }
}

/// The report of `entries` grouped by `group`, after `filter`.
pub fn build(
    entries: &[Entry],
    view: &str,
    group: Group,
    filter: &Filter,
    tz: &TimeZone,
    simulated: &Simulated,
) -> Report {
    let kept: Vec<&Entry> = entries.iter().filter(|e| filter.keeps(e, tz)).collect();
    let mut sources = BTreeMap::new();
    for e in &kept {
        *sources.entry(e.source.name().to_string()).or_insert(0) += 1;
    }
    let mut totals = Row::new("total".into());
    for e in &kept {
        totals.add(e);
    }
    let mut sessions = rows_by(&kept, Group::Session, tz);
    for r in &mut sessions {
        if let Some(w) = simulated.get(&r.key) {
            r.would_save = Some(w.clone());
        }
    }
    if sessions.iter().any(|r| r.would_save.is_some()) {
        let mut w = WouldSave::default();
        for r in &sessions {
            if let Some(s) = &r.would_save {
                w.add(s);
            }
        }
        totals.would_save = Some(w);
    }
    totals.finish();
    let rows = if group == Group::Session {
        sessions.clone()
    } else {
        rows_by(&kept, group, tz)
    };
    let top = |rows: Vec<Row>| rows.into_iter().take(10).collect::<Vec<_>>();
    Report {
        rules_version: RULES_VERSION,
        prices_date: pricing::PRICES_DATE,
        view: view.to_string(),
        group,
        timezone: tz.iana_name().unwrap_or("local").to_string(),
        since: filter.since.map(|d| d.to_string()),
        until: filter.until.map(|d| d.to_string()),
        sources,
        totals,
        rows,
        daily: rows_by(&kept, Group::Day, tz),
        by_model: rows_by(&kept, Group::Model, tz),
        by_kind: top(rows_by(&kept, Group::Kind, tz)),
        top_sessions: top(sessions),
    }
}

fn rows_by(entries: &[&Entry], group: Group, tz: &TimeZone) -> Vec<Row> {
    let mut map: HashMap<String, Row> = HashMap::new();
    for e in entries {
        let key = group.key(e, tz);
        map.entry(key)
            .or_insert_with_key(|k| Row::new(k.clone()))
            .add(e);
    }
    let mut rows: Vec<Row> = map.into_values().collect();
    for r in &mut rows {
        r.finish();
    }
    if group.is_time() {
        rows.sort_by(|a, b| a.key.cmp(&b.key));
    } else {
        rows.sort_by(|a, b| {
            b.cost_usd
                .total_cmp(&a.cost_usd)
                .then(b.saved.cmp(&a.saved))
                .then(a.key.cmp(&b.key))
        });
    }
    rows
}

/// Today in `tz`.
pub fn today(tz: &TimeZone) -> Date {
    day_of(Timestamp::now(), tz)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn entry(at: &str, model: &str, usage: Option<Tokens>) -> Entry {
        Entry {
            at: at.parse().unwrap(),
            source: Source::Transcript,
            agent: "claude-code".into(),
            project: "p".into(),
            session: "s".into(),
            model: model.into(),
            kind: String::new(),
            tool: String::new(),
            calls: 1,
            usage,
            before: 0,
            after: 0,
            retrieved: 0,
            estimated: false,
        }
    }

    fn tokens(input: u64, output: u64, w5: u64, w1: u64, read: u64) -> Tokens {
        Tokens {
            input,
            output,
            cache_write_5m: w5,
            cache_write_1h: w1,
            cache_read: read,
        }
    }

    #[test]
    fn output_an_agent_would_truncate_is_not_credited() {
        assert_eq!(
            creditable_before("claude-code", 30_000, 7_000),
            (7_000, false)
        );
        assert_eq!(
            creditable_before("", 10_000_000, 2_000_000),
            (2_000_000, false)
        );
        // 1 MB that Claude Code would have shown as a 2.3 KB preview.
        let (credit, estimated) = creditable_before("claude-code", 1_000_000, 250_000);
        assert!(estimated);
        assert_eq!(credit, 575);
    }

    #[test]
    fn cache_writes_cost_their_ttl_price() {
        let five = tokens(0, 0, 1_000_000, 0, 0)
            .cost("claude-opus-4-6")
            .unwrap();
        let hour = tokens(0, 0, 0, 1_000_000, 0)
            .cost("claude-opus-4-6")
            .unwrap();
        assert_eq!((five, hour), (6.25, 10.0));
        let read = tokens(0, 0, 0, 0, 1_000_000)
            .cost("claude-haiku-4-5")
            .unwrap();
        assert!((read - 0.1).abs() < 1e-12);
    }

    #[test]
    fn unknown_models_make_the_total_incomplete_not_zero() {
        let es = [
            entry(
                "2026-01-01T10:00:00Z",
                "claude-haiku-4-5",
                Some(tokens(1_000_000, 0, 0, 0, 0)),
            ),
            entry(
                "2026-01-01T11:00:00Z",
                "llama-9",
                Some(tokens(5, 5, 0, 0, 0)),
            ),
            entry(
                "2026-01-01T12:00:00Z",
                "<synthetic>",
                Some(Tokens::default()),
            ),
        ];
        let r = build(
            &es,
            "daily",
            Group::Day,
            &Filter::default(),
            &TimeZone::UTC,
            &Simulated::new(),
        );
        assert!(!r.complete());
        assert_eq!(r.totals.unpriced, vec!["llama-9".to_string()]);
        assert_eq!(r.totals.cost_usd, 1.0);
        assert_eq!(r.by_model.len(), 3);
        let llama = r.by_model.iter().find(|m| m.key == "llama-9").unwrap();
        assert!(!llama.complete);
    }

    #[test]
    fn negative_savings_stay_negative_and_share_is_of_everything_sent() {
        let mut a = entry(
            "2026-01-01T10:00:00Z",
            "gpt-4o",
            Some(tokens(9_000, 10, 0, 0, 1_000)),
        );
        (a.before, a.after) = (3_000, 1_000); // saved 2,000 of 12,000 that would have gone
        let mut b = entry("2026-01-01T11:00:00Z", "gpt-4o", None);
        (b.before, b.after, b.retrieved) = (100, 90, 60); // a retrieval cost more
        let r = build(
            &[a, b],
            "daily",
            Group::Day,
            &Filter::default(),
            &TimeZone::UTC,
            &Simulated::new(),
        );
        assert_eq!(r.rows.len(), 1);
        assert_eq!(r.totals.saved, 2_000 - 50);
        // would have sent: 12,000 (a) + 40 (b: 90 sent, -50 saved)
        assert!((r.totals.saved_pct - 100.0 * 1_950.0 / 12_040.0).abs() < 1e-9);
        let by_b = build(
            &[r_entry_b()],
            "d",
            Group::Day,
            &Filter::default(),
            &TimeZone::UTC,
            &Simulated::new(),
        );
        assert_eq!(by_b.totals.saved, -50);
        assert!(by_b.totals.saved_pct < 0.0);
        assert!(by_b.totals.saved_usd < 0.0);
    }

    fn r_entry_b() -> Entry {
        let mut b = entry("2026-01-01T11:00:00Z", "gpt-4o", None);
        (b.before, b.after, b.retrieved) = (100, 90, 60);
        b
    }

    #[test]
    fn days_follow_the_time_zone_and_bounds_are_inclusive() {
        let es = [
            entry(
                "2026-03-01T23:30:00Z",
                "gpt-4o",
                Some(tokens(1, 0, 0, 0, 0)),
            ),
            entry(
                "2026-03-02T00:30:00Z",
                "gpt-4o",
                Some(tokens(2, 0, 0, 0, 0)),
            ),
        ];
        let utc = build(
            &es,
            "daily",
            Group::Day,
            &Filter::default(),
            &TimeZone::UTC,
            &Simulated::new(),
        );
        assert_eq!(
            utc.rows.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
            ["2026-03-01", "2026-03-02"]
        );
        let tokyo = TimeZone::get("Asia/Tokyo").unwrap();
        let t = build(
            &es,
            "daily",
            Group::Day,
            &Filter::default(),
            &tokyo,
            &Simulated::new(),
        );
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0].key, "2026-03-02");
        assert_eq!(t.rows[0].tokens.input, 3);
        let f = Filter {
            since: Some("2026-03-02".parse().unwrap()),
            until: Some("2026-03-02".parse().unwrap()),
            ..Filter::default()
        };
        let only = build(
            &es,
            "daily",
            Group::Day,
            &f,
            &TimeZone::UTC,
            &Simulated::new(),
        );
        assert_eq!(only.totals.tokens.input, 2);
        let la = TimeZone::get("America/Los_Angeles").unwrap();
        let l = build(&es, "daily", Group::Day, &f, &la, &Simulated::new());
        assert_eq!(l.totals.calls, 0, "both are on 2026-03-01 in Los Angeles");
    }

    #[test]
    fn weeks_start_on_monday_and_months_group() {
        let es = [
            entry("2026-03-01T12:00:00Z", "gpt-4o", None), // Sunday
            entry("2026-03-02T12:00:00Z", "gpt-4o", None), // Monday
            entry("2026-03-08T12:00:00Z", "gpt-4o", None), // Sunday
        ];
        let w = build(
            &es,
            "weekly",
            Group::Week,
            &Filter::default(),
            &TimeZone::UTC,
            &Simulated::new(),
        );
        let keys: Vec<_> = w.rows.iter().map(|r| (r.key.as_str(), r.calls)).collect();
        assert_eq!(keys, [("2026-02-23", 1), ("2026-03-02", 2)]);
        let m = build(
            &es,
            "monthly",
            Group::Month,
            &Filter::default(),
            &TimeZone::UTC,
            &Simulated::new(),
        );
        assert_eq!(m.rows[0].key, "2026-03");
        assert_eq!(m.rows[0].calls, 3);
    }

    #[test]
    fn relative_and_absolute_days() {
        let today: Date = "2026-11-30".parse().unwrap();
        assert_eq!(parse_day("7d", today).unwrap().to_string(), "2026-11-24");
        assert_eq!(parse_day("1d", today).unwrap(), today);
        assert_eq!(
            parse_day("2026-11-01", today).unwrap().to_string(),
            "2026-11-01"
        );
        assert!(parse_day("0d", today).is_err());
        assert!(parse_day("yesterday", today).is_err());
        assert!(parse_day("2026-13-01", today).is_err());
    }
}
