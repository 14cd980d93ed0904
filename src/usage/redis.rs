//! Usage records on Redis: one stream per UTC day (`headroom:u:DAY`, DAY
//! counted from 1970-01-01), each entry one record as JSON, so every
//! replica appends to the same place and `report` adds them all up.
//!
//! Memory is bounded by the retention: each day's stream expires (native
//! `EXPIREAT`) a retention after the day ends, and the sorted set of days
//! (`headroom:u:days`) is trimmed as records are appended.

use redis::{Connection, RedisError};

use super::store::UsageError;
use super::{DayTotals, Record};
use crate::ccr::location::redact;
use crate::ccr::redis::{CONNECT_TIMEOUT, IO_TIMEOUT};

const DAY_MS: i64 = 86_400_000;
const DAYS_KEY: &str = "headroom:u:days";
/// Stream entries read per round trip.
const PAGE: usize = 1000;

fn day_key(day: i64) -> String {
    format!("headroom:u:{day}")
}

fn err(url: &str, action: &'static str) -> impl FnOnce(RedisError) -> UsageError {
    let location = redact(url);
    move |source| UsageError::Redis {
        location,
        action,
        source,
    }
}

/// A connection with headroom's timeouts.
pub(super) fn connect(url: &str) -> Result<Connection, UsageError> {
    crate::ccr::redis::client(url)
        .and_then(|c| c.get_connection_with_timeout(CONNECT_TIMEOUT))
        .and_then(|c| {
            c.set_read_timeout(Some(IO_TIMEOUT))?;
            c.set_write_timeout(Some(IO_TIMEOUT))?;
            Ok(c)
        })
        .map_err(err(url, "connect"))
}

/// Appends `batch` in one round trip, setting each day's expiry.
pub(super) fn append(
    url: &str,
    conn: &mut Connection,
    batch: &[Record],
    retention_ms: i64,
    now_ms: i64,
) -> Result<(), UsageError> {
    let mut pipe = redis::pipe();
    let mut days: Vec<i64> = Vec::new();
    for r in batch {
        let day = r.time_ms.div_euclid(DAY_MS);
        let json = serde_json::to_string(r).unwrap_or_default();
        pipe.cmd("XADD")
            .arg(day_key(day))
            .arg("*")
            .arg("r")
            .arg(json)
            .ignore();
        if !days.contains(&day) {
            days.push(day);
        }
    }
    for day in days {
        let expire_ms = (day + 1)
            .saturating_mul(DAY_MS)
            .saturating_add(retention_ms);
        pipe.cmd("PEXPIREAT")
            .arg(day_key(day))
            .arg(expire_ms)
            .ignore();
        pipe.cmd("ZADD").arg(DAYS_KEY).arg(day).arg(day).ignore();
    }
    let oldest_day = now_ms.saturating_sub(retention_ms).div_euclid(DAY_MS) - 1;
    pipe.cmd("ZREMRANGEBYSCORE")
        .arg(DAYS_KEY)
        .arg("-inf")
        .arg(format!("({oldest_day}"))
        .ignore();
    pipe.query::<()>(conn)
        .map_err(err(url, "append usage records"))
}

/// The days that hold records, oldest first, within `from_day..=to_day`.
fn days(
    url: &str,
    conn: &mut Connection,
    from_day: i64,
    to_day: i64,
) -> Result<Vec<i64>, UsageError> {
    redis::cmd("ZRANGE")
        .arg(DAYS_KEY)
        .arg(from_day)
        .arg(to_day)
        .arg("BYSCORE")
        .query(conn)
        .map_err(err(url, "read usage days"))
}

/// Every record of `day`, in the order appended.
fn day_records(url: &str, conn: &mut Connection, day: i64) -> Result<Vec<Record>, UsageError> {
    type Entries = Vec<(String, Vec<(String, String)>)>;
    let key = day_key(day);
    let mut out = Vec::new();
    let mut start = "-".to_string();
    loop {
        let page: Entries = redis::cmd("XRANGE")
            .arg(&key)
            .arg(&start)
            .arg("+")
            .arg("COUNT")
            .arg(PAGE)
            .query(conn)
            .map_err(err(url, "read usage records"))?;
        let Some((last_id, _)) = page.last() else {
            break;
        };
        start = format!("({last_id}");
        let full = page.len() == PAGE;
        // A record a newer headroom wrote in a shape this one cannot read
        // is skipped rather than failing the whole report.
        out.extend(
            page.into_iter()
                .filter_map(|(_, fields)| fields.into_iter().find(|(f, _)| f == "r"))
                .filter_map(|(_, json)| serde_json::from_str::<Record>(&json).ok()),
        );
        if !full {
            break;
        }
    }
    Ok(out)
}

/// The records with `from_ms <= time_ms < to_ms`, oldest first.
pub(super) fn read(url: &str, from_ms: i64, to_ms: i64) -> Result<Vec<Record>, UsageError> {
    if from_ms >= to_ms {
        return Ok(Vec::new());
    }
    let mut conn = connect(url)?;
    let mut out = Vec::new();
    let days = days(
        url,
        &mut conn,
        from_ms.div_euclid(DAY_MS),
        (to_ms - 1).div_euclid(DAY_MS),
    )?;
    for day in days {
        out.extend(
            day_records(url, &mut conn, day)?
                .into_iter()
                .filter(|r| r.time_ms >= from_ms && r.time_ms < to_ms),
        );
    }
    out.sort_by_key(|r| r.time_ms);
    Ok(out)
}

/// The first and last record's time, or `None` without records.
pub(super) fn time_range(url: &str) -> Result<Option<(i64, i64)>, UsageError> {
    let mut conn = connect(url)?;
    let all = days(url, &mut conn, i64::MIN, i64::MAX)?;
    // Expired streams leave their day in the set until the next trim.
    let mut first = None;
    for &day in &all {
        if let Some(t) = day_records(url, &mut conn, day)?
            .iter()
            .map(|r| r.time_ms)
            .min()
        {
            first = Some(t);
            break;
        }
    }
    let mut last = None;
    for &day in all.iter().rev() {
        if let Some(t) = day_records(url, &mut conn, day)?
            .iter()
            .map(|r| r.time_ms)
            .max()
        {
            last = Some(t);
            break;
        }
    }
    Ok(first.zip(last))
}

/// [`DayTotals`] of the records in each span, as the SQLite backend sums them.
pub(super) fn day_totals(
    url: &str,
    spans: &[(i64, i64, i64)],
) -> Result<Vec<DayTotals>, UsageError> {
    let (Some(from), Some(to)) = (
        spans.iter().map(|s| s.0).min(),
        spans.iter().map(|s| s.1).max(),
    ) else {
        return Ok(Vec::new());
    };
    let records = read(url, from, to)?;
    Ok(super::sum_days(&records, spans))
}
