//! Model prices, in one place: USD per million tokens, standard tier, text.
//!
//! Source: the providers' pricing pages as mirrored by LiteLLM's price table
//! (see shared/reference/provider-caching.md). Prices change; every cost
//! headroom prints from these is marked as an estimate.

/// The date the table was read from its source; reports print it.
pub const PRICES_DATE: &str = "2026-11-01";

/// Prices of one model family, USD per 1M tokens.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Price {
    /// Uncached input.
    pub input: f64,
    /// Input written to the prompt cache (Anthropic 5-minute writes cost
    /// 1.25× input; OpenAI and Gemini charge no write surcharge).
    pub cache_write: f64,
    /// Input written to the prompt cache with a one-hour TTL (Anthropic:
    /// 2× input; others: the same as a 5-minute write).
    pub cache_write_1h: f64,
    /// Input read from the prompt cache.
    pub cached_input: f64,
    pub output: f64,
}

/// A price without a write surcharge for either TTL.
const fn p(input: f64, cache_write: f64, cached_input: f64, output: f64) -> Price {
    Price {
        input,
        cache_write,
        cache_write_1h: cache_write,
        cached_input,
        output,
    }
}

/// Anthropic's: 5-minute writes at 1.25× input, one-hour writes at 2×,
/// reads at 0.1×.
const fn anthropic(input: f64, output: f64) -> Price {
    Price {
        input,
        cache_write: input * 1.25,
        cache_write_1h: input * 2.0,
        cached_input: input * 0.1,
        output,
    }
}

/// Model-name prefixes and their prices; the longest matching prefix wins.
pub const TABLE: &[(&str, Price)] = &[
    ("gpt-4o", p(2.50, 2.50, 1.25, 10.00)),
    ("gpt-4o-mini", p(0.15, 0.15, 0.075, 0.60)),
    ("gpt-4.1", p(2.00, 2.00, 0.50, 8.00)),
    ("gpt-4.1-mini", p(0.40, 0.40, 0.10, 1.60)),
    ("gpt-4.1-nano", p(0.10, 0.10, 0.025, 0.40)),
    ("gpt-5", p(1.25, 1.25, 0.125, 10.00)),
    ("gpt-5.1", p(1.25, 1.25, 0.125, 10.00)),
    ("gpt-5-mini", p(0.25, 0.25, 0.025, 2.00)),
    ("gpt-5-nano", p(0.05, 0.05, 0.005, 0.40)),
    ("gpt-5.2", p(1.75, 1.75, 0.175, 14.00)),
    ("gpt-5.4", p(2.50, 2.50, 0.25, 15.00)),
    ("gpt-5.5", p(5.00, 5.00, 0.50, 30.00)),
    ("o1", p(15.00, 15.00, 7.50, 60.00)),
    ("o3", p(2.00, 2.00, 0.50, 8.00)),
    ("o3-mini", p(1.10, 1.10, 0.55, 4.40)),
    ("o4-mini", p(1.10, 1.10, 0.275, 4.40)),
    ("claude-opus-4", anthropic(15.00, 75.00)),
    ("claude-opus-4-5", anthropic(5.00, 25.00)),
    ("claude-opus-4-6", anthropic(5.00, 25.00)),
    ("claude-opus-4-7", anthropic(5.00, 25.00)),
    ("claude-opus-4-8", anthropic(5.00, 25.00)),
    ("claude-sonnet-4", anthropic(3.00, 15.00)),
    ("claude-haiku-4", anthropic(1.00, 5.00)),
    ("gemini-2.5-pro", p(1.25, 1.25, 0.125, 10.00)),
    ("gemini-2.5-flash", p(0.30, 0.30, 0.03, 2.50)),
    ("gemini-2.5-flash-lite", p(0.10, 0.10, 0.01, 0.40)),
];

/// The price entry for `model` (case-insensitive, longest prefix; a
/// provider prefix such as `anthropic/` is ignored), with the prefix matched.
pub fn price_for(model: &str) -> Option<(&'static str, Price)> {
    let m = model.to_ascii_lowercase();
    let m = m.rsplit('/').next().unwrap_or(&m);
    TABLE
        .iter()
        .filter(|(prefix, _)| {
            m.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['-', '.', '@', ':']))
        })
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|&(prefix, price)| (prefix, price))
}

/// USD for `tokens` at `per_million` dollars per million.
pub fn usd(tokens: usize, per_million: f64) -> f64 {
    tokens as f64 * per_million / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_wins() {
        assert_eq!(
            price_for("gpt-4o-mini-2024-07-18").unwrap().0,
            "gpt-4o-mini"
        );
        assert_eq!(price_for("gpt-4o").unwrap().0, "gpt-4o");
        assert_eq!(
            price_for("claude-sonnet-4-5-20250929").unwrap().0,
            "claude-sonnet-4"
        );
        assert_eq!(price_for("claude-opus-4-6").unwrap().0, "claude-opus-4-6");
        assert_eq!(price_for("claude-opus-4-1").unwrap().1.input, 15.0);
        assert_eq!(
            price_for("anthropic/claude-haiku-4-5").unwrap().0,
            "claude-haiku-4"
        );
        assert_eq!(price_for("gpt-5.1-codex-max").unwrap().0, "gpt-5.1");
        assert_eq!(price_for("gpt-50"), None);
        assert_eq!(price_for("llama-3"), None);
        let opus = price_for("claude-opus-4-6").unwrap().1;
        assert_eq!(
            (opus.cache_write, opus.cache_write_1h, opus.cached_input),
            (6.25, 10.0, 0.5)
        );
    }
}
