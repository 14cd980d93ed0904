//! The pipeline every front end shares: detect → compress → measure → gate.
//!
//! It owns the invariants that no compressor should have to remember: input
//! that is not UTF-8 text passes through byte for byte, a result that is not
//! smaller in tokens is discarded, and the outcome reports what happened.

pub mod detect;
mod numbered;

use std::time::Instant;

pub use self::detect::{Kind, detect};
use crate::compress::code::Lang;
use crate::compress::{self, Context};

/// The result of running the pipeline on one input.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The bytes to hand on: the compressed text, or the input unchanged.
    pub output: Vec<u8>,
    /// The detected (or forced) kind; `None` for binary or non-UTF-8 input.
    pub kind: Option<Kind>,
    pub tokens_before: usize,
    pub tokens_after: usize,
    pub hashes: Vec<String>,
    pub transforms: Vec<String>,
    /// Why the input was passed through unchanged, if it was.
    pub passthrough: Option<&'static str>,
    pub millis: f64,
}

impl Outcome {
    pub fn saved_pct(&self) -> f64 {
        if self.tokens_before == 0 {
            0.0
        } else {
            100.0 * (self.tokens_before - self.tokens_after) as f64 / self.tokens_before as f64
        }
    }
}

/// Inputs larger than this pass through untouched: compressing them would
/// cost seconds and gigabytes, and nothing an agent reads whole is this big.
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;

/// Compresses `input`. `forced` overrides detection (`--type`).
pub fn run(input: &[u8], forced: Option<Kind>, ctx: &Context) -> Outcome {
    run_named(input, forced, None, ctx)
}

/// Compresses `input` read from the file `path`: a source file's extension
/// names its language (and kind), so `lib.rs` is outlined as Rust without
/// guessing, unless `forced` says another kind.
pub fn run_named(
    input: &[u8],
    forced: Option<Kind>,
    path: Option<&std::path::Path>,
    ctx: &Context,
) -> Outcome {
    let lang = path
        .and_then(Lang::from_path)
        .filter(|_| forced.is_none_or(|k| k == Kind::Code));
    let forced = forced.or(lang.map(|_| Kind::Code));
    let start = Instant::now();
    let mut outcome = Outcome {
        output: Vec::new(),
        kind: None,
        tokens_before: 0,
        tokens_after: 0,
        hashes: Vec::new(),
        transforms: Vec::new(),
        passthrough: None,
        millis: 0.0,
    };
    if input.len() > MAX_INPUT_BYTES {
        outcome.output = input.to_vec();
        outcome.passthrough = Some("larger than 64 MiB");
        outcome.millis = start.elapsed().as_secs_f64() * 1e3;
        return outcome;
    }
    let text = match std::str::from_utf8(input) {
        Ok(t) if !t.as_bytes()[..t.len().min(8192)].contains(&0) => t,
        _ => {
            outcome.output = input.to_vec();
            outcome.passthrough = Some("binary or not UTF-8");
            outcome.millis = start.elapsed().as_secs_f64() * 1e3;
            return outcome;
        }
    };
    // A request body or agent transcript is compressed as a conversation:
    // only its tool results change. `--type` skips this.
    if forced.is_none()
        && let Some(outcome) = guarded(|| crate::convo::compress::outcome(text, ctx, None))
    {
        return outcome;
    }
    let kind = forced.unwrap_or_else(|| detect(text));
    outcome.kind = Some(kind);
    // Count the input on a second core while the compressor works: on large
    // inputs the count costs as much as the compression.
    let cost = ctx.cost;
    let (before, compressed) = std::thread::scope(|s| {
        let counter = s.spawn(move || cost(text));
        let compressed = guarded(|| compress_kind(kind, lang, text, ctx));
        (counter.join().unwrap_or(usize::MAX), compressed)
    });
    outcome.tokens_before = before;
    match compressed.map(|c| keep_final_newline(c, text)) {
        Some(c) if c.text.as_bytes() != input => {
            let after = (ctx.cost)(&c.text);
            if after < before {
                outcome.tokens_after = after;
                outcome.output = c.text.into_bytes();
                outcome.hashes = c.hashes;
                outcome.transforms = c.transforms;
            } else {
                outcome.passthrough = Some("not smaller");
            }
        }
        Some(_) => outcome.passthrough = Some("already compact"),
        None => outcome.passthrough = Some("not compressible"),
    }
    if outcome.passthrough.is_some() {
        outcome.output = input.to_vec();
        outcome.tokens_after = before;
    }
    outcome.millis = start.elapsed().as_secs_f64() * 1e3;
    outcome
}

/// Output ends as its input did: text that ended in a newline still does
/// (a compressor that re-serialises, such as JSON's, would drop it, and the
/// next thing printed would run into the last line).
fn keep_final_newline(mut c: compress::Compressed, input: &str) -> compress::Compressed {
    if input.ends_with('\n') && !c.text.ends_with('\n') {
        c.text.push('\n');
    }
    c
}

/// Runs a compressor; a panic inside it (a bug) becomes "no result", so the
/// input passes through instead of the user's command failing and losing
/// its output. The panic message still reaches stderr.
fn guarded<T>(f: impl FnOnce() -> Option<T>) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .ok()
        .flatten()
}

fn compress_kind(
    kind: Kind,
    lang: Option<Lang>,
    text: &str,
    ctx: &Context,
) -> Option<compress::Compressed> {
    if matches!(kind, Kind::Text | Kind::Code | Kind::Log)
        && let Some(view) = numbered::parse(text)
    {
        return Some(compress_view(&view, lang, ctx));
    }
    match kind {
        Kind::Json => compress::json::compress(text, ctx),
        Kind::Log => compress::log::compress(text, ctx),
        Kind::Search => compress::search::compress(text, ctx),
        Kind::Diff => compress::diff::compress(text, ctx),
        Kind::Code => compress::code::compress(text, lang, ctx),
        Kind::Html => compress::html::compress(text, ctx),
        Kind::Text => compress::text::compress(text, ctx),
    }
}

/// A numbered file view: its text compressed as what it is, with the
/// numbers put back; at least the numbers' padding goes.
fn compress_view(
    view: &numbered::Numbered,
    lang: Option<Lang>,
    ctx: &Context,
) -> compress::Compressed {
    let content = view.content();
    let kind = if lang.is_some() {
        Kind::Code
    } else {
        detect(&content)
    };
    match compress_kind(kind, lang, &content, ctx) {
        Some(c) => view.renumber(c),
        None => compress::Compressed {
            text: view.unpadded(),
            transforms: vec!["numbered-lines".into()],
            hashes: Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::guarded;

    #[test]
    fn a_panicking_compressor_means_passthrough() {
        assert_eq!(guarded(|| -> Option<u8> { panic!("bug") }), None);
        assert_eq!(guarded(|| Some(3)), Some(3));
    }
}
