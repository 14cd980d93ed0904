//! `headroom compress` on HTML pages: detection, article extraction,
//! retrieval of the whole page, lossless passthrough, bad input.

use crate::support::{Env, hashes, tokens};

const ARTICLE: &str = include_str!("../fixtures/html/article.html");

#[test]
fn article_page_is_detected_extracted_and_retrievable() {
    let env = Env::new();
    let out = env.ok_str(&["compress", "--type", "auto"], ARTICLE);
    assert!(
        out.starts_with("# Migrating the billing service to Postgres 16\n"),
        "{out}"
    );
    assert!(
        out.contains("| Nightly ledger rollup | 52 min | 31 min |"),
        "{out}"
    );
    assert!(
        !out.contains("<script") && !out.contains("We use cookies"),
        "{out}"
    );
    assert!(
        tokens(&out) * 2 < tokens(ARTICLE),
        "{} vs {}",
        tokens(&out),
        tokens(ARTICLE)
    );
    let found = hashes(&out);
    assert_eq!(found.len(), 1, "{out}");
    let original = env.ok(&["retrieve", &found[0]], "");
    assert_eq!(original, ARTICLE.as_bytes());
}

#[test]
fn same_page_gives_same_bytes() {
    let env = Env::new();
    let a = env.ok(&["compress"], ARTICLE);
    let b = env.ok(&["compress"], ARTICLE);
    assert_eq!(a, b);
}

#[test]
fn lossless_passes_the_page_through() {
    let env = Env::new();
    assert_eq!(
        env.ok(&["compress", "--lossless"], ARTICLE),
        ARTICLE.as_bytes()
    );
    assert_eq!(
        env.ok(&["compress", "--no-store"], ARTICLE),
        ARTICLE.as_bytes()
    );
}

#[test]
fn html_inside_a_json_string_stays_json() {
    let env = Env::new();
    let doc =
        serde_json::json!({ "url": "https://example.com/post", "status": 200, "body": ARTICLE });
    let input = serde_json::to_string_pretty(&doc).unwrap();
    let out = env.ok_str(&["compress"], &input);
    let parsed: serde_json::Value = serde_json::from_str(&out).expect("output is still JSON");
    assert_eq!(parsed["status"], 200);
}

#[test]
fn bad_input_never_fails() {
    let env = Env::new();
    let truncated = &ARTICLE[..ARTICLE.len() / 2];
    let out = env.ok_str(&["compress"], truncated);
    assert!(out.contains("Migrating the billing service"), "{out}");
    // Not UTF-8: passed through byte for byte by the pipeline.
    let mut latin1 = b"<html><body><p>caf".to_vec();
    latin1.extend_from_slice(&[0xe9; 3]);
    latin1.extend_from_slice(b"</p></body></html>");
    assert_eq!(env.ok(&["compress", "--type", "html"], &latin1), latin1);
    for junk in [
        "",
        "<",
        "<html>",
        "<html><body></body></html>",
        "</div></div>",
    ] {
        env.ok(&["compress", "--type", "html"], junk);
    }
}

#[test]
fn huge_page_is_rendered_without_readability() {
    let env = Env::new();
    let rows: String = (0..40_000)
        .map(|i| format!("<div><span>sku-{i:05}</span> <b>{}</b> EUR</div>\n", i * 3))
        .collect();
    let page = format!(
        "<!doctype html><html><head><title>Price list</title><script>var x = 1;</script></head><body>{rows}</body></html>"
    );
    let out = env.ok_str(&["compress", "--type", "auto"], &page);
    assert!(
        out.starts_with("# Price list\n"),
        "{}",
        &out[..200.min(out.len())]
    );
    assert!(out.contains("sku-39999 **119997** EUR"));
    assert!(out.trim_end().ends_with(&format!("{}]", hashes(&out)[0])));
}
