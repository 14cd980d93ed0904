//! Running totals of the proxy, served as JSON (`/stats`) and in the
//! Prometheus text format (`/metrics`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::Ordering;

use serde::Serialize;

use super::State;
use crate::usage::Record;

/// Upper bounds of the overhead histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];
/// Overhead samples kept for percentiles (the most recent ones).
const WINDOW: usize = 4096;

#[derive(Default)]
pub struct Stats {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    requests: u64,
    /// Responses with a 4xx/5xx status, upstream drops and failed connects.
    errors: u64,
    /// Compression that failed or overran its budget (original forwarded).
    fail_open: u64,
    bypassed: u64,
    retrievals: u64,
    by_provider: BTreeMap<String, Totals>,
    by_model: BTreeMap<String, Totals>,
    by_kind: BTreeMap<String, u64>,
    by_status: BTreeMap<(String, String), u64>,
    buckets: [u64; BUCKETS.len()],
    overhead_sum: f64,
    overhead_count: u64,
    window: Vec<f64>,
    next: usize,
}

#[derive(Default, Clone, Serialize)]
pub struct Totals {
    pub requests: u64,
    pub tokens_before: u64,
    pub tokens_after: u64,
    pub tokens_saved: i64,
    /// Upstream-reported input tokens (uncached) and cache reads.
    pub upstream_input: u64,
    pub upstream_cache_read: u64,
}

impl Totals {
    fn add(&mut self, r: &Record) {
        self.requests += 1;
        self.tokens_before += r.tokens_before;
        self.tokens_after += r.tokens_after;
        self.tokens_saved += r.tokens_saved();
        self.upstream_input += r.upstream.input.unwrap_or(0);
        self.upstream_cache_read += r.upstream.cache_read.unwrap_or(0);
    }
}

/// What `/stats` answers.
#[derive(Clone, Serialize)]
pub struct Snapshot {
    pub version: &'static str,
    pub uptime_secs: f64,
    pub requests: u64,
    pub errors: u64,
    pub fail_open: u64,
    pub bypassed: u64,
    pub retrievals: u64,
    pub tokens: Totals,
    /// Cache reads as a share of all input the upstream reported.
    pub cache_read_share: Option<f64>,
    pub by_provider: BTreeMap<String, Totals>,
    pub by_model: BTreeMap<String, Totals>,
    /// Requests in which each kind was compressed.
    pub by_kind: BTreeMap<String, u64>,
    pub overhead_ms: Percentiles,
    pub memo: MemoStats,
    pub usage_records: UsageStats,
}

#[derive(Clone, Copy, Serialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    pub samples: usize,
}

#[derive(Clone, Copy, Serialize)]
pub struct MemoStats {
    pub entries: usize,
    pub bytes: usize,
    pub hits: u64,
    pub misses: u64,
}

#[derive(Clone, Copy, Serialize)]
pub struct UsageStats {
    pub written: u64,
    pub dropped: u64,
    pub failed: u64,
}

impl Stats {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn fail_open(&self) {
        self.lock().fail_open += 1;
    }

    pub fn bypassed(&self) {
        self.lock().bypassed += 1;
    }

    /// Counts a finished request.
    pub fn add(&self, r: &Record, error: bool) {
        let mut s = self.lock();
        s.requests += 1;
        s.errors += u64::from(error);
        s.retrievals += u64::from(r.retrievals);
        let provider = r.provider.clone().unwrap_or_else(|| "unknown".into());
        s.by_provider.entry(provider.clone()).or_default().add(r);
        if let Some(m) = &r.model {
            s.by_model.entry(m.clone()).or_default().add(r);
        }
        for k in &r.kinds {
            *s.by_kind.entry(k.clone()).or_default() += 1;
        }
        *s.by_status.entry((provider, r.status.clone())).or_default() += 1;
        let secs = r.overhead_ms / 1e3;
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                s.buckets[i] += 1;
            }
        }
        s.overhead_sum += secs;
        s.overhead_count += 1;
        if s.window.len() < WINDOW {
            s.window.push(r.overhead_ms);
        } else {
            let i = s.next;
            s.window[i] = r.overhead_ms;
        }
        s.next = (s.next + 1) % WINDOW;
    }
}

fn percentiles(samples: &[f64]) -> Percentiles {
    let mut v = samples.to_vec();
    v.sort_by(f64::total_cmp);
    let at = |q: f64| {
        if v.is_empty() {
            0.0
        } else {
            v[((v.len() - 1) as f64 * q).round() as usize]
        }
    };
    Percentiles {
        p50: at(0.5),
        p90: at(0.9),
        p99: at(0.99),
        max: v.last().copied().unwrap_or(0.0),
        samples: v.len(),
    }
}

pub fn snapshot(state: &State) -> Snapshot {
    let s = state.stats.lock();
    let mut tokens = Totals::default();
    for t in s.by_provider.values() {
        tokens.requests += t.requests;
        tokens.tokens_before += t.tokens_before;
        tokens.tokens_after += t.tokens_after;
        tokens.tokens_saved += t.tokens_saved;
        tokens.upstream_input += t.upstream_input;
        tokens.upstream_cache_read += t.upstream_cache_read;
    }
    let input = tokens.upstream_input + tokens.upstream_cache_read;
    let (entries, bytes) = state.memo.size();
    let usage = state.usage.as_ref().map(|w| w.stats()).unwrap_or_default();
    Snapshot {
        version: env!("CARGO_PKG_VERSION"),
        uptime_secs: state.started.elapsed().as_secs_f64(),
        requests: s.requests,
        errors: s.errors,
        fail_open: s.fail_open,
        bypassed: s.bypassed,
        retrievals: s.retrievals,
        cache_read_share: (input > 0).then(|| tokens.upstream_cache_read as f64 / input as f64),
        tokens,
        by_provider: s.by_provider.clone(),
        by_model: s.by_model.clone(),
        by_kind: s.by_kind.clone(),
        overhead_ms: percentiles(&s.window),
        memo: MemoStats {
            entries,
            bytes,
            hits: state.memo.hits.load(Ordering::Relaxed),
            misses: state.memo.misses.load(Ordering::Relaxed),
        },
        usage_records: UsageStats {
            written: usage.written,
            dropped: usage.dropped,
            failed: usage.failed,
        },
    }
}

/// The Prometheus text exposition of the totals.
pub fn metrics(state: &State) -> String {
    let s = state.stats.lock();
    let mut out = String::new();
    let mut counter = |name: &str, help: &str, rows: Vec<(String, f64)>| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
        for (labels, v) in rows {
            let _ = writeln!(out, "{name}{labels} {v}");
        }
    };
    let label = |p: &str| format!("{{provider=\"{}\"}}", escape(p));
    counter(
        "headroom_requests_total",
        "Proxied requests by provider and status.",
        s.by_status
            .iter()
            .map(|((p, st), n)| {
                (
                    format!("{{provider=\"{}\",status=\"{}\"}}", escape(p), escape(st)),
                    *n as f64,
                )
            })
            .collect(),
    );
    counter(
        "headroom_tokens_before_total",
        "Tokens of compressed tool results before compression.",
        s.by_provider
            .iter()
            .map(|(p, t)| (label(p), t.tokens_before as f64))
            .collect(),
    );
    counter(
        "headroom_tokens_after_total",
        "Tokens of compressed tool results after compression.",
        s.by_provider
            .iter()
            .map(|(p, t)| (label(p), t.tokens_after as f64))
            .collect(),
    );
    counter(
        "headroom_upstream_cache_read_tokens_total",
        "Prompt-cache reads reported by the upstream.",
        s.by_provider
            .iter()
            .map(|(p, t)| (label(p), t.upstream_cache_read as f64))
            .collect(),
    );
    counter(
        "headroom_fail_open_total",
        "Requests forwarded unchanged because compression failed or ran over budget.",
        vec![(String::new(), s.fail_open as f64)],
    );
    counter(
        "headroom_retrievals_total",
        "headroom_retrieve calls answered.",
        vec![(String::new(), s.retrievals as f64)],
    );
    let name = "headroom_overhead_seconds";
    let _ = writeln!(
        out,
        "# HELP {name} Time headroom added to a request, excluding upstream time.\n# TYPE {name} histogram"
    );
    for (b, n) in BUCKETS.iter().zip(s.buckets) {
        let _ = writeln!(out, "{name}_bucket{{le=\"{b}\"}} {n}");
    }
    let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {}", s.overhead_count);
    let _ = writeln!(out, "{name}_sum {}", s.overhead_sum);
    let _ = writeln!(out, "{name}_count {}", s.overhead_count);
    out
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
