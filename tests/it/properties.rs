//! Property tests of the DESIGN §3 invariants over random JSON, through the library.

use headroom::ccr::hashes_in;
use headroom::compress::Context;
use headroom::compress::json::{table, value};
use headroom::pipeline;
use headroom::relevance::Query;
use proptest::prelude::*;

use crate::support::{MemSink, tokens};

fn run(
    input: &str,
    sink: &MemSink,
    lossless: bool,
    valid_json: bool,
    query: &str,
) -> pipeline::Outcome {
    let cost = |s: &str| tokens(s);
    let ctx = Context {
        query: Query::parse(query),
        lossless,
        valid_json,
        sink: Some(sink),
        via: Default::default(),
        cost: &cost,
        lossy_min_tokens: 200,
    };
    pipeline::run(input.as_bytes(), None, &ctx)
}

/// Arrays of records like API responses and logs, with errors sprinkled in.
fn records() -> impl Strategy<Value = String> {
    let level = prop_oneof![
        Just("INFO"),
        Just("INFO"),
        Just("DEBUG"),
        Just("WARN"),
        Just("ERROR")
    ];
    let msg = prop_oneof![
        "[a-z]{3,8} [a-z]{2,6} [0-9]{1,4}".prop_map(|s| s),
        Just("request served".to_string()),
        Just("connection timeout talking to db".to_string()),
        "[ -~]{0,40}".prop_map(|s| s),
    ];
    let item = (
        level,
        msg,
        any::<u16>(),
        proptest::option::of(any::<bool>()),
        -1e6f64..1e6,
    );
    proptest::collection::vec(item, 0..160).prop_map(|items| {
        let rows: Vec<String> = items
            .iter()
            .enumerate()
            .map(|(i, (level, msg, n, flag, x))| {
                let mut o = format!(
                    r#"{{"seq":{i},"level":"{level}","msg":{},"n":{n},"x":{x}"#,
                    serde_json::to_string(msg).unwrap()
                );
                if let Some(f) = flag {
                    o.push_str(&format!(r#","flag":{f}"#));
                }
                o.push('}');
                o
            })
            .collect();
        format!("[{}]", rows.join(", "))
    })
}

/// Any JSON value, nested.
fn any_json() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        "\\PC{0,12}".prop_map(|s| serde_json::to_string(&s).unwrap()),
    ];
    leaf.prop_recursive(4, 64, 12, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..12)
                .prop_map(|v| format!("[{}]", v.join(","))),
            proptest::collection::vec(("[a-z]{1,6}", inner), 0..8).prop_map(|v| {
                let pairs: Vec<String> = v.iter().map(|(k, x)| format!("\"{k}\":{x}")).collect();
                format!("{{{}}}", pairs.join(","))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn deterministic_never_larger_and_retrievable(input in records(), q in "[a-z ]{0,12}") {
        let sink = MemSink::default();
        let a = run(&input, &sink, false, false, &q);
        let b = run(&input, &MemSink::default(), false, false, &q);
        prop_assert_eq!(&a.output, &b.output);
        prop_assert!(a.tokens_after <= a.tokens_before);
        if a.output != input.as_bytes() {
            prop_assert!(tokens(std::str::from_utf8(&a.output).unwrap()) < tokens(&input));
        }
        let text = String::from_utf8(a.output.clone()).unwrap();
        for h in hashes_in(&text) {
            let stored = sink.0.lock().unwrap().get(&h).cloned();
            prop_assert_eq!(stored.as_deref(), Some(input.as_bytes()));
        }
        // Every error item survives.
        let parsed: serde_json::Value = serde_json::from_str(&input).unwrap();
        let valid = run(&input, &MemSink::default(), false, true, &q);
        let kept: serde_json::Value = serde_json::from_slice(&valid.output).unwrap();
        for item in parsed.as_array().unwrap() {
            if item["level"] == "ERROR" || item["msg"].as_str().is_some_and(|m| m.contains("timeout")) {
                let seq = item["seq"].as_u64().unwrap();
                prop_assert!(kept.as_array().unwrap().iter().any(|k| k["seq"].as_u64() == Some(seq)), "error item {} dropped", seq);
            }
        }
    }

    #[test]
    fn valid_json_output_keeps_order(input in records()) {
        let out = run(&input, &MemSink::default(), false, true, "");
        let v: serde_json::Value = serde_json::from_slice(&out.output).unwrap();
        let seqs: Vec<u64> = v.as_array().unwrap().iter().filter_map(|i| i["seq"].as_u64()).collect();
        prop_assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn lossless_output_decodes_to_the_input(input in any_json()) {
        let out = run(&input, &MemSink::default(), true, false, "");
        let text = std::str::from_utf8(&out.output).unwrap();
        prop_assert!(hashes_in(text).is_empty());
        let original = value::parse(&input).unwrap();
        let decoded = if out.passthrough.is_some() { value::parse(text).unwrap() } else { table::decode(text).unwrap() };
        prop_assert_eq!(decoded.canonical(), original.canonical());
    }

    #[test]
    fn malformed_json_passes_through_byte_identical(input in any_json(), cut in 1usize..40) {
        let mut end = input.len().saturating_sub(cut).max(1);
        while !input.is_char_boundary(end) {
            end -= 1;
        }
        let broken = &input[..end];
        prop_assume!(value::parse(broken).is_err());
        let out = run(broken, &MemSink::default(), false, false, "");
        prop_assert_eq!(out.output, broken.as_bytes());
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_pass_through(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let cost = |s: &str| tokens(s);
        let sink = MemSink::default();
        let ctx = Context { query: Query::default(), lossless: false, valid_json: false, sink: Some(&sink), via: Default::default(), cost: &cost, lossy_min_tokens: 200 };
        let out = pipeline::run(&bytes, None, &ctx);
        if std::str::from_utf8(&bytes).is_err() {
            prop_assert_eq!(out.output, bytes);
        }
    }
}
