//! The normalised event stream of one session: tool calls (what ran, where,
//! how it ended, how much it printed) and the human's and assistant's
//! words, the same for every agent.

use std::path::PathBuf;

/// Which agent wrote a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Agent {
    ClaudeCode,
    Codex,
}

impl Agent {
    pub fn name(self) -> &'static str {
        match self {
            Agent::ClaudeCode => "claude-code",
            Agent::Codex => "codex",
        }
    }
}

/// One conversation: a main session or a sub-agent's sidechain.
#[derive(Clone, Debug, Default)]
pub struct Session {
    pub id: String,
    pub agent: Option<Agent>,
    pub file: PathBuf,
    /// Where the session started: the project its rules belong to.
    pub project: Option<String>,
    pub events: Vec<Event>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// 1-based line of the record in its file.
    pub line: usize,
    /// Seconds since the Unix epoch, when the record has a timestamp.
    pub time: Option<i64>,
    /// Working directory the event happened in (absolute).
    pub cwd: Option<String>,
    pub what: What,
}

#[derive(Clone, Debug, PartialEq)]
pub enum What {
    Call(Call),
    /// Words the human typed (not tool results, not injected context).
    User(String),
    /// The assistant's visible text.
    Assistant(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub tool: Tool,
    pub status: Status,
    /// The start of the output (up to [`HEAD_BYTES`]), for error messages.
    pub head: String,
    pub output_bytes: usize,
    /// Hash of the whole output, to spot the same output fetched again.
    pub output_hash: u64,
}

/// How much of each output the detectors may look at.
pub const HEAD_BYTES: usize = 2048;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tool {
    /// A shell command (Claude Code `Bash`, Codex `shell`/`exec_command`).
    Shell {
        command: String,
    },
    /// A file read by a file tool (Claude Code `Read`).
    Read {
        path: String,
        window: Option<String>,
    },
    /// A file changed by a tool (`Edit`, `Write`, `apply_patch`).
    Edit {
        path: Option<String>,
    },
    Other {
        name: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    Failed,
    /// Cancelled because a parallel sibling call failed.
    Cancelled,
    /// Stopped by the user.
    Interrupted,
    /// Refused by the user, with what they said instead, if anything.
    Rejected {
        feedback: Option<String>,
    },
    /// No result, or one that says neither (a process still running).
    Unknown,
}

impl Call {
    /// An estimate of the tokens the output cost (4 bytes a token).
    pub fn tokens(&self) -> usize {
        self.output_bytes.div_ceil(4)
    }
}

impl Event {
    pub fn call(&self) -> Option<&Call> {
        match &self.what {
            What::Call(c) => Some(c),
            _ => None,
        }
    }
}

/// Seconds since the epoch of an ISO-8601 UTC timestamp
/// (`2025-11-30T11:09:33.123Z`); `None` if it is not one.
pub fn parse_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// `YYYY-MM-DD` of a time in seconds since the epoch.
pub fn date(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

// Howard Hinnant's calendar algorithms (public domain).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_through_dates() {
        let t = parse_time("2025-11-30T11:09:33.123Z").unwrap();
        assert_eq!(t, 1_764_500_973);
        assert_eq!(date(t), "2025-11-30");
        assert_eq!(
            date(parse_time("2024-02-29T00:00:00Z").unwrap()),
            "2024-02-29"
        );
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("2025-13-01T00:00:00Z"), None);
    }
}
