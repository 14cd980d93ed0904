//! `headroom retrieve`: the exact original behind a marker, or the part of it that matches.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Result;
use clap::ValueEnum;
use comfy_table::{Table, presets::UTF8_BORDERS_ONLY};
use headroom::ccr::is_hash;
use headroom::ccr::store::{GoneReason, Lookup};
use headroom::config::Config;
use headroom::human::count;

use super::Exit;
use super::store::options;

/// Print the original that a marker omitted.
///
/// With no other flag, writes the exact original bytes to stdout. With
/// --query, only what matches, in original order, with a count on stderr:
/// whole functions by name (source code), items (JSON) or lines (text).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The hash a marker names (16 hex digits; `hash=` prefix accepted).
    #[arg(value_name = "HASH", required_unless_present = "list")]
    pub hash: Option<String>,

    /// Only the functions named TEXT, or the items or lines containing it as written (any case); a question of several words found nowhere as written matches by BM25 and exact ids.
    #[arg(short, long, value_name = "TEXT")]
    pub query: Option<String>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// List recent entries: hash, kind, size, age, expiry.
    #[arg(short, long, conflicts_with_all = ["hash", "query"])]
    pub list: bool,

    /// How many entries --list shows; 0 shows them all.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(args: Args) -> Result<Exit> {
    let config = super::config::load(None);
    if args.list {
        return list(&config, &args);
    }
    let raw = args.hash.as_deref().unwrap_or_default();
    let hash = raw.trim().trim_start_matches("hash=").to_ascii_lowercase();
    if !is_hash(&hash) {
        eprintln!(
            "headroom: error: invalid hash '{raw}': expected the 16 hex digits a marker prints"
        );
        return Ok(Exit::Usage);
    }
    let Some(loc) = config
        .store()
        .filter(|l| l.sqlite_path().is_none_or(|p| p.exists()))
    else {
        eprintln!(
            "headroom: error: no original stored under {hash}: there is no store at {} (set HEADROOM_HOME or --store if it lives elsewhere); re-run the command that produced the marker",
            config
                .store()
                .map_or_else(|| "~/.headroom".to_string(), |l| l.to_string())
        );
        return Ok(Exit::Failure);
    };
    let (store, moved) = headroom::ccr::open(&loc, options(&config))?;
    if let Some(m) = moved {
        eprintln!(
            "headroom: error: the original for {hash} cannot be read: the store was damaged ({}); it has been moved aside to {} and a fresh one started; re-run the command that produced the marker",
            m.problem,
            m.to.display()
        );
        return Ok(Exit::Failure);
    }
    let lookup = match store.get(&hash) {
        Err(e) if e.is_damaged() => {
            eprintln!(
                "headroom: error: {e}; the store is damaged: move it aside (mv {0} {0}.damaged) to start a fresh one, and re-run the command that produced the marker",
                loc
            );
            return Ok(Exit::Failure);
        }
        lookup => lookup?,
    };
    let entry = match lookup {
        Lookup::Found(e) => e,
        Lookup::Gone { reason, at } => {
            let (why, setting) = match reason {
                GoneReason::Expired => ("expired", "HEADROOM_TTL sets how long originals are kept"),
                GoneReason::Evicted => (
                    "was evicted to keep the store under its size cap",
                    "HEADROOM_MAX_STORE_MB sets the cap",
                ),
            };
            eprintln!(
                "headroom: error: the original for {hash} {why} {} ago; re-run the command that produced it ({setting})",
                age(now() - at)
            );
            return Ok(Exit::Failure);
        }
        Lookup::Missing => {
            eprintln!(
                "headroom: error: no original stored under {hash} in {}; it was never stored here — re-run the command that produced the marker",
                loc
            );
            return Ok(Exit::Failure);
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let Some(q) = args.query.as_deref() else {
        match args.format {
            Format::Text => out.write_all(&entry.original)?,
            Format::Json => {
                let obj = serde_json::json!({
                    "hash": entry.hash,
                    "kind": entry.kind,
                    "size": entry.original.len(),
                    "stored_at": entry.stored_at,
                    "expires_at": entry.expires_at,
                    "original": String::from_utf8_lossy(&entry.original),
                });
                writeln!(out, "{obj}")?;
            }
        }
        return Ok(Exit::Success);
    };
    let text = String::from_utf8_lossy(&entry.original);
    let headroom::retrieve::Matches { unit, total, hits } =
        headroom::retrieve::matching(&entry.kind, &text, q);
    match args.format {
        Format::Text => {
            if unit == "functions" {
                // Whole functions, blank-line separated, as they read in the source.
                for (i, f) in hits.iter().enumerate() {
                    let sep = if i > 0 { "\n" } else { "" };
                    writeln!(out, "{sep}{}", f.trim_end())?;
                }
                eprintln!(
                    "headroom: {} '{q}'",
                    count(total, "function matches", "functions match")
                );
            } else {
                for h in &hits {
                    writeln!(out, "{h}")?;
                }
                if hits.is_empty() {
                    eprintln!("headroom: no {unit} match '{q}' (searched {total})");
                } else {
                    eprintln!("headroom: {} of {total} {unit} match '{q}'", hits.len());
                }
            }
        }
        Format::Json => {
            let obj = serde_json::json!({"hash": hash, "kind": entry.kind, "unit": unit, "total": total, "matches": hits});
            writeln!(out, "{obj}")?;
        }
    }
    Ok(if hits.is_empty() {
        Exit::Failure
    } else {
        Exit::Success
    })
}

fn list(config: &Config, args: &Args) -> Result<Exit> {
    let loc = config
        .store()
        .filter(|l| l.sqlite_path().is_none_or(|p| p.exists()));
    let limit = if args.limit == 0 {
        usize::MAX
    } else {
        args.limit
    };
    let entries = match &loc {
        Some(l) => super::store::open(l, config)?.list(limit)?,
        None => Vec::new(),
    };
    let now = now();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Json => {
            let rows: Vec<_> = entries
                .iter()
                .map(|e| serde_json::json!({"hash": e.hash, "kind": e.kind, "size": e.size, "stored_at": e.stored_at, "expires_at": e.expires_at}))
                .collect();
            writeln!(out, "{}", serde_json::Value::Array(rows))?;
        }
        Format::Text => {
            if entries.is_empty() {
                let place = loc.map_or_else(
                    || "there is no store yet".to_string(),
                    |l| format!("the store at {l} is empty"),
                );
                eprintln!("headroom: {place}");
                return Ok(Exit::Success);
            }
            let mut table = Table::new();
            table.load_style(UTF8_BORDERS_ONLY).set_header([
                "hash",
                "kind",
                "size",
                "age",
                "expires in",
            ]);
            for e in &entries {
                table.add_row([
                    e.hash.clone(),
                    e.kind.clone(),
                    size(e.size),
                    age(now - e.stored_at),
                    age(e.expires_at - now),
                ]);
            }
            writeln!(out, "{table}")?;
        }
    }
    Ok(Exit::Success)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn age(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86400),
    }
}

fn size(n: u64) -> String {
    match n {
        0..1024 => format!("{n} B"),
        1024..1048576 => format!("{:.1} KB", n as f64 / 1024.0),
        _ => format!("{:.1} MB", n as f64 / 1048576.0),
    }
}
