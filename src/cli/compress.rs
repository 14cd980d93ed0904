//! `headroom compress`: compress files or stdin for a model to read.

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::ValueEnum;
use clap::builder::TypedValueParser;
use headroom::ccr::RetrieveVia;
use headroom::compress::Context;
use headroom::human::count;
use headroom::pipeline::{self, Kind, Outcome};
use headroom::relevance::Query;
use headroom::tokens::{self, Encoding};
use headroom::usage;

use super::Exit;
use super::store::LazySink;

/// Compress tool output (JSON, logs, search hits, diffs, code, HTML, text).
///
/// Reads each FILE (or stdin when there is none, or for `-`) and prints the
/// compressed text. Anything omitted is stored first; the marker in its place
/// names the hash to retrieve it with. Input that cannot be compressed or
/// would not get smaller is printed unchanged.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Files to compress; `-` or none reads stdin.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Content kind; `auto` detects it from the first few KB.
    #[arg(short = 't', long = "type", value_name = "KIND", default_value = "auto", value_parser = type_parser())]
    pub kind: TypeChoice,

    /// What the reader is looking for; matching items, lines and functions are kept whole.
    #[arg(short, long, value_name = "TEXT")]
    pub query: Option<String>,

    /// Model whose tokenizer counts tokens (gpt-4o, gpt-4.1, gpt-5, o3: exact; others estimated).
    #[arg(short, long, value_name = "NAME", env = "HEADROOM_MODEL")]
    pub model: Option<String>,

    /// Output format: the compressed text, or one JSON object per input.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Print one summary line per input on stderr.
    #[arg(short, long)]
    pub stats: bool,

    /// Never drop anything: lossless encodings only.
    #[arg(long)]
    pub lossless: bool,

    /// Do not write to the store (implies --lossless).
    #[arg(long)]
    pub no_store: bool,

    /// Keep JSON output valid JSON (no tables), for programs that parse it.
    #[arg(long)]
    pub valid_json: bool,

    /// Who acts on the markers: `cli` names `headroom retrieve HASH`; `mcp` and `proxy` name the headroom_retrieve tool.
    #[arg(long = "for", value_enum, default_value_t = Reader::Cli, value_name = "READER")]
    pub reader: Reader,

    /// Conversations only: drop the oldest tool calls and turns until the request fits this many tokens.
    #[arg(long, value_name = "TOKENS")]
    pub fit: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Where the output is read, which decides how markers say to retrieve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Reader {
    Cli,
    Mcp,
    Proxy,
}

/// A `--type` value: a content kind, or `None` for `auto`.
#[derive(Clone, Copy, Debug)]
pub struct TypeChoice(Option<Kind>);

fn type_parser() -> impl TypedValueParser<Value = TypeChoice> {
    let names = std::iter::once("auto").chain(Kind::ALL.iter().map(|k| k.name()));
    clap::builder::PossibleValuesParser::new(names).map(|s| TypeChoice(s.parse::<Kind>().ok()))
}

pub fn run(args: Args) -> Result<Exit> {
    let config = super::config::load(args.model.as_deref());
    let (encoding, exact) = Encoding::for_model(&config.model);
    let cost = move |s: &str| tokens::count(s, encoding);
    let sink = LazySink::new(&config);
    let lossless = args.lossless || args.no_store;
    let ctx = Context {
        query: args.query.as_deref().map(Query::parse).unwrap_or_default(),
        lossless,
        valid_json: args.valid_json,
        sink: if lossless { None } else { Some(&sink) },
        via: match args.reader {
            Reader::Cli => RetrieveVia::Cli,
            Reader::Mcp | Reader::Proxy => RetrieveVia::Tool,
        },
        cost: &cost,
        lossy_min_tokens: config.lossy_min_tokens,
    };

    let inputs: Vec<Option<PathBuf>> = if args.files.is_empty() {
        vec![None]
    } else {
        args.files
            .iter()
            .map(|p| (p.as_os_str() != "-").then(|| p.clone()))
            .collect()
    };
    let many = inputs.len() > 1;
    let mut record = usage::Record::new(usage::now_ms(), usage::Source::Cli);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut status = Exit::Success;
    for (i, input) in inputs.iter().enumerate() {
        let name = input
            .as_ref()
            .map_or("-".to_string(), |p| p.display().to_string());
        let bytes = match read_input(input.as_ref()) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("headroom: error: {}", super::exit::one_line(&e));
                status = Exit::Failure;
                continue;
            }
        };
        let outcome = std::thread::scope(|s| {
            // Input this large is likely to be thinned, and its original
            // stored: the store opens on another core meanwhile.
            if !lossless && bytes.len() > config.lossy_min_tokens * 4 {
                s.spawn(|| sink.warm());
            }
            match args.fit {
                Some(budget) => fit(&bytes, budget, &ctx, &args),
                None => pipeline::run_named(&bytes, args.kind.0, input.as_deref(), &ctx),
            }
        });
        add_to_record(&mut record, &outcome, bytes.len());
        match args.format {
            Format::Text => {
                if many {
                    let sep = if i > 0 { "\n" } else { "" };
                    writeln!(out, "{sep}==> {name} <==")?;
                }
                out.write_all(&outcome.output)?;
                if many && !outcome.output.ends_with(b"\n") {
                    out.write_all(b"\n")?;
                }
            }
            Format::Json => {
                let mut obj = report(&outcome, encoding, exact);
                if many {
                    obj.insert("file".into(), name.clone().into());
                }
                serde_json::to_writer(&mut out, &obj)?;
                out.write_all(b"\n")?;
            }
        }
        out.flush()?;
        if args.stats {
            eprintln!("headroom: {}", stats_line(&name, &outcome, exact));
        }
    }
    if !args.no_store
        && let Some(store) = config.store()
    {
        record.model = Some(config.model.clone());
        // What ran is known only as this command; the program whose output
        // was piped in is not.
        record.tool = Some("compress".into());
        record.estimated |= !exact;
        record.status = if status == Exit::Success {
            "ok"
        } else {
            "error"
        }
        .into();
        // Written on a background thread after the output is flushed; a
        // store that cannot be written loses the record, never the output.
        usage::Writer::start(store).record(record);
    }
    Ok(status)
}

/// One usage record per run: what every input weighed before and after,
/// credited only up to what the agent would have passed on by itself.
fn add_to_record(record: &mut usage::Record, o: &Outcome, len: usize) {
    if record.project.is_none() {
        record.project = std::env::current_dir()
            .ok()
            .map(|d| d.display().to_string());
        // Claude Code marks the shells it runs; other agents are unknown.
        record.agent = std::env::var_os("CLAUDECODE").map(|_| "claude-code".to_string());
    }
    let agent = record.agent.as_deref().unwrap_or_default();
    let (before, capped) = headroom::report::creditable_before(agent, len, o.tokens_before as u64);
    record.tokens_before += before;
    record.tokens_after += o.tokens_after as u64;
    record.estimated |= capped;
    record.overhead_ms += o.millis;
    if let Some(kind) = o.kind
        && !record.kinds.iter().any(|k| k == kind.name())
    {
        record.kinds.push(kind.name().to_string());
        record.kinds.sort();
    }
}

/// `--fit`: compress a conversation and fit it into `budget` tokens; other
/// input is compressed as usual, with a warning.
fn fit(bytes: &[u8], budget: usize, ctx: &Context, args: &Args) -> Outcome {
    let conversation = std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| headroom::convo::compress::outcome_and_fit(text, ctx, Some(budget)));
    match conversation {
        Some((o, report)) => {
            if o.tokens_after > budget {
                // The fitter knows why it stopped short; the budget is
                // rarely the reason.
                let why = report
                    .and_then(|r| r.note)
                    .unwrap_or("nothing more can be dropped");
                eprintln!(
                    "headroom: warning: {} tokens still exceed --fit {budget}: {why}",
                    o.tokens_after
                );
            }
            o
        }
        None => {
            eprintln!(
                "headroom: warning: --fit applies only to conversations; compressing as usual"
            );
            pipeline::run(bytes, args.kind.0, ctx)
        }
    }
}

fn read_input(path: Option<&PathBuf>) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    match path {
        None => {
            std::io::stdin()
                .lock()
                .read_to_end(&mut buf)
                .context("cannot read stdin")?;
        }
        Some(p) => {
            buf = std::fs::read(p).with_context(|| format!("cannot read '{}'", p.display()))?;
        }
    }
    Ok(buf)
}

fn report(o: &Outcome, enc: Encoding, exact: bool) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::json;
    let mut m = serde_json::Map::new();
    m.insert(
        "output".into(),
        String::from_utf8_lossy(&o.output).into_owned().into(),
    );
    m.insert(
        "kind".into(),
        o.kind.map_or(serde_json::Value::Null, |k| k.name().into()),
    );
    // null, not 0, for input that was not counted.
    let tokens = |n: usize| counted(o).then_some(n);
    m.insert("tokens_before".into(), json!(tokens(o.tokens_before)));
    m.insert("tokens_after".into(), json!(tokens(o.tokens_after)));
    m.insert(
        "saved_pct".into(),
        json!((o.saved_pct() * 10.0).round() / 10.0),
    );
    m.insert("hashes".into(), json!(o.hashes));
    m.insert("transforms".into(), json!(o.transforms));
    m.insert("ms".into(), json!((o.millis * 100.0).round() / 100.0));
    m.insert("encoding".into(), enc.name().into());
    m.insert("estimated".into(), (!exact).into());
    m.insert(
        "passthrough".into(),
        o.passthrough.map_or(serde_json::Value::Null, Into::into),
    );
    m
}

/// Whether the input's tokens were counted: input passed through for its
/// size or as binary is not, and must not read as "0 tokens".
fn counted(o: &Outcome) -> bool {
    o.tokens_before > 0 || o.output.is_empty()
}

fn stats_line(name: &str, o: &Outcome, exact: bool) -> String {
    if !counted(o) {
        return format!(
            "{name}: {} passed through unchanged ({}), not counted",
            count(o.output.len(), "byte", "bytes"),
            o.passthrough.unwrap_or("not compressed")
        );
    }
    let kind = o.kind.map_or("-", |k| k.name());
    let est = if exact { "" } else { " (estimated)" };
    let mut s = format!(
        "{name}: {kind}, {} -> {} tokens{est}, {:.1}% saved, {:.1} ms",
        o.tokens_before,
        o.tokens_after,
        o.saved_pct(),
        o.millis
    );
    if let Some(why) = o.passthrough {
        s.push_str(&format!(", unchanged ({why})"));
    }
    if !o.hashes.is_empty() {
        s.push_str(&format!(", stored {}", o.hashes.join(" ")));
    }
    s
}
