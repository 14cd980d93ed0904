//! The line printed on stderr when the wrapped agent exits: requests, the
//! input tokens the agent sent before → after compression (whole requests,
//! as the proxy counts them), the share saved, an estimate in dollars for
//! the models used, and retrieval calls. The figures are the proxy's `/stats`
//! for the session.

use serde_json::Value;

use crate::pricing;

/// What one wrapped session sent through the proxy.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Session {
    pub requests: u64,
    /// Input tokens of the requests the agent sent, and of what went upstream.
    pub tokens_before: u64,
    pub tokens_after: u64,
    pub retrievals: u64,
    /// Tokens saved per model the session used.
    pub saved_by_model: Vec<(String, i64)>,
}

impl Session {
    /// Dollars saved at each model's input price, and whether every model
    /// had a price (an unknown price is never counted as $0).
    pub fn dollars_saved(&self) -> (f64, bool) {
        let mut usd = 0.0;
        let mut all_priced = true;
        for (model, saved) in &self.saved_by_model {
            match pricing::price_for(model) {
                Some((_, price)) => usd += *saved as f64 * price.input / 1e6,
                None => all_priced &= *saved == 0,
            }
        }
        (usd, all_priced)
    }

    /// The session's share of a proxy's `/stats`: `after` less `before`
    /// (`None` for a proxy started for the session).
    pub fn between(before: Option<&Value>, after: &Value) -> Session {
        let num = |v: Option<&Value>, path: &[&str]| {
            let mut v = v;
            for key in path {
                v = v.and_then(|v| v.get(key));
            }
            v.and_then(Value::as_i64).unwrap_or(0)
        };
        let delta = |path: &[&str]| (num(Some(after), path) - num(before, path)).max(0) as u64;
        let mut saved_by_model = Vec::new();
        if let Some(models) = after.get("by_model").and_then(Value::as_object) {
            for model in models.keys() {
                let path = ["by_model", model.as_str(), "tokens_saved"];
                let saved = num(Some(after), &path) - num(before, &path);
                if saved != 0 {
                    saved_by_model.push((model.clone(), saved));
                }
            }
        }
        // The stats' key order is the proxy's; the summary's is by name.
        saved_by_model.sort();
        Session {
            requests: delta(&["requests"]),
            tokens_before: delta(&["tokens", "tokens_before"]),
            tokens_after: delta(&["tokens", "tokens_after"]),
            retrievals: delta(&["retrievals"]),
            saved_by_model,
        }
    }

    /// The one line, without a trailing newline.
    pub fn line(&self) -> String {
        if self.requests == 0 {
            return "headroom: no model requests went through headroom".into();
        }
        let mut out = format!(
            "headroom: {} {}, {} → {} input tokens ({})",
            self.requests,
            plural(self.requests, "request", "requests"),
            compact(self.tokens_before),
            compact(self.tokens_after),
            change(self.tokens_before, self.tokens_after),
        );
        let (usd, all_priced) = self.dollars_saved();
        let priced = self
            .saved_by_model
            .iter()
            .any(|(m, _)| pricing::price_for(m).is_some());
        if priced {
            let verb = if usd < 0.0 { "spent" } else { "saved" };
            out += &format!(", ≈ ${:.2} {verb}", usd.abs());
            if !all_priced {
                out += " (models without a known price not counted)";
            }
        }
        out += &format!(
            ", {} {}; details: headroom report",
            self.retrievals,
            plural(self.retrievals, "retrieval", "retrievals")
        );
        out
    }
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// The change from `before` to `after` in percent, with a real minus sign
/// for savings and a plus for growth.
fn change(before: u64, after: u64) -> String {
    if before == 0 {
        return "±0%".into();
    }
    let pct = (after as f64 - before as f64) * 100.0 / before as f64;
    let rounded = pct.round() as i64;
    match rounded {
        0 => "±0%".into(),
        n if n < 0 => format!("−{}%", -n),
        n => format!("+{n}%"),
    }
}

/// `950`, `12.3k`, `1.9M`: short enough for one line.
pub fn compact(n: u64) -> String {
    let f = n as f64;
    if n < 1_000 {
        n.to_string()
    } else if n < 1_000_000 {
        format!("{:.1}k", f / 1e3)
    } else {
        format!("{:.1}M", f / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_reads_like_the_issue_says() {
        let s = Session {
            requests: 37,
            tokens_before: 1_900_000,
            tokens_after: 1_120_000,
            retrievals: 3,
            saved_by_model: vec![("claude-sonnet-4-5".into(), 780_000)],
        };
        assert_eq!(
            s.line(),
            "headroom: 37 requests, 1.9M → 1.1M input tokens (−41%), ≈ $2.34 saved, 3 retrievals; details: headroom report"
        );
    }

    #[test]
    fn unknown_prices_are_not_dollars_and_growth_is_shown() {
        let s = Session {
            requests: 1,
            tokens_before: 100,
            tokens_after: 105,
            retrievals: 1,
            saved_by_model: vec![("my-local-model".into(), -5)],
        };
        assert_eq!(
            s.line(),
            "headroom: 1 request, 100 → 105 input tokens (+5%), 1 retrieval; details: headroom report"
        );
        let mixed = Session {
            saved_by_model: vec![("gpt-4.1".into(), 1_000_000), ("local".into(), 10)],
            ..s
        };
        assert!(
            mixed
                .line()
                .contains("≈ $2.00 saved (models without a known price not counted)")
        );
    }

    #[test]
    fn an_idle_session_says_so() {
        assert_eq!(
            Session::default().line(),
            "headroom: no model requests went through headroom"
        );
    }

    #[test]
    fn a_reused_proxys_session_is_the_difference_of_its_stats() {
        let before = serde_json::json!({"requests": 5, "retrievals": 1,
            "tokens": {"tokens_before": 1000, "tokens_after": 400},
            "by_model": {"gpt-4.1": {"tokens_saved": 600}}});
        let after = serde_json::json!({"requests": 7, "retrievals": 2,
            "tokens": {"tokens_before": 3000, "tokens_after": 900},
            "by_model": {"gpt-4.1": {"tokens_saved": 1100}, "claude-sonnet-4": {"tokens_saved": 1000}}});
        let s = Session::between(Some(&before), &after);
        assert_eq!(
            s,
            Session {
                requests: 2,
                tokens_before: 2000,
                tokens_after: 500,
                retrievals: 1,
                saved_by_model: vec![("claude-sonnet-4".into(), 1000), ("gpt-4.1".into(), 500)],
            }
        );
        assert_eq!(Session::between(None, &after).requests, 7);
    }

    #[test]
    fn compact_numbers() {
        assert_eq!(compact(950), "950");
        assert_eq!(compact(12_345), "12.3k");
        assert_eq!(compact(1_940_000), "1.9M");
    }
}
