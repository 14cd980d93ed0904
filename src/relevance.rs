//! Query relevance: BM25 over items or lines, plus exact anchors.
//!
//! Every compressor keeps what matches the user's question. Prose tokenizers
//! stem and drop symbols; tool output is identifiers, paths and numbers, so
//! terms here are split on punctuation and camelCase with no stemming, and the
//! query's ids, numbers and quoted strings must match exactly.

/// Words that carry no signal in a question about tool output.
const STOPWORDS: &[&str] = &[
    "a", "an", "and", "any", "are", "as", "at", "be", "by", "can", "could", "did", "do", "does",
    "for", "from", "had", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "me",
    "my", "of", "on", "or", "our", "should", "so", "that", "the", "their", "them", "there",
    "these", "they", "this", "those", "to", "us", "was", "we", "were", "what", "when", "where",
    "which", "who", "whom", "why", "will", "with", "would", "you", "your", "about", "all", "get",
    "show", "find", "tell", "list", "give", "than", "then", "also", "not", "no", "yes",
];

/// A parsed `--query`: scoring terms and exact anchors.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    /// Lower-cased terms for BM25, stopwords removed.
    pub terms: Vec<String>,
    /// Exact strings to look for: quoted phrases, ids, numbers, identifiers.
    pub anchors: Vec<Anchor>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Anchor {
    /// Lower-cased text.
    pub text: String,
    /// Numbers must match a whole token (`5` must not match `15`).
    pub whole_token: bool,
}

impl Query {
    pub fn parse(q: &str) -> Query {
        let mut anchors = Vec::new();
        // Quoted phrases are exact anchors.
        for quote in ['"', '\'', '`'] {
            let parts: Vec<&str> = q.split(quote).collect();
            for (i, part) in parts.iter().enumerate() {
                if i % 2 == 1 && i + 1 < parts.len() && part.trim().len() >= 2 {
                    anchors.push(Anchor {
                        text: part.trim().to_lowercase(),
                        whole_token: false,
                    });
                }
            }
        }
        for raw in
            q.split(|c: char| c.is_whitespace() || matches!(c, ',' | '?' | '!' | ';' | '(' | ')'))
        {
            let w = raw.trim_matches(|c: char| matches!(c, '.' | ':' | '"' | '\'' | '`'));
            if w.is_empty() {
                continue;
            }
            let has_digit = w.chars().any(|c| c.is_ascii_digit());
            let all_digits = w.chars().all(|c| c.is_ascii_digit() || c == '.');
            let identifier = w.len() >= 3
                && w.contains(['_', '-', '.', '/', ':', '#', '@'])
                && w.chars().any(char::is_alphanumeric);
            if has_digit || identifier {
                let text = w.to_lowercase();
                if !anchors.iter().any(|a| a.text == text) {
                    anchors.push(Anchor {
                        text,
                        whole_token: all_digits,
                    });
                }
            }
        }
        let mut terms: Vec<String> = Vec::new();
        for t in terms_of(q) {
            if !STOPWORDS.contains(&t.as_str()) && !terms.contains(&t) {
                terms.push(t);
            }
        }
        Query { terms, anchors }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty() && self.anchors.is_empty()
    }

    /// Whether `doc` contains one of the anchors exactly (case-insensitive).
    pub fn anchor_hit(&self, doc: &str) -> bool {
        if self.anchors.is_empty() {
            return false;
        }
        let lower = doc.to_lowercase();
        self.anchors.iter().any(|a| {
            if !a.whole_token {
                return lower.contains(&a.text);
            }
            lower.match_indices(&a.text).any(|(i, m)| {
                let before = lower[..i].chars().next_back();
                let after = lower[i + m.len()..].chars().next();
                !before.is_some_and(|c| c.is_alphanumeric() || c == '.')
                    && !after.is_some_and(|c| c.is_alphanumeric())
            })
        })
    }
}

/// Lower-cased terms of `text`: alphanumeric runs, plus the parts of
/// camelCase and snake_case identifiers.
pub fn terms_of(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in text.split(|c: char| !c.is_alphanumeric() && c != '_') {
        if word.is_empty() {
            continue;
        }
        let lower = word.to_lowercase();
        let parts = split_identifier(word);
        if parts.len() > 1 {
            out.extend(parts.into_iter().map(|p| p.to_lowercase()));
        }
        out.push(lower);
    }
    out
}

fn split_identifier(word: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    for piece in word.split('_').filter(|p| !p.is_empty()) {
        let mut start = 0;
        let mut prev_lower = false;
        for (i, c) in piece.char_indices() {
            if c.is_uppercase() && prev_lower {
                parts.push(&piece[start..i]);
                start = i;
            }
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
        }
        parts.push(&piece[start..]);
    }
    parts
}

/// BM25 score of each document for the query's terms (k1 = 1.2, b = 0.75).
pub fn bm25(docs: &[&str], query: &Query) -> Vec<f64> {
    let stats: Vec<TermCounts> = docs
        .iter()
        .map(|d| query_term_counts(d, &query.terms))
        .collect();
    scores_of(&stats, query.terms.len(), |_| true)
}

/// A document's length in terms and how often each query term occurs in it.
type TermCounts = (usize, Vec<usize>);

/// BM25 scores from each document's [`TermCounts`], counting only the terms
/// whose document frequency `counts` accepts. Only query terms are counted,
/// so no term list is built per document.
fn scores_of(stats: &[TermCounts], terms: usize, counts: impl Fn(usize) -> bool) -> Vec<f64> {
    if terms == 0 || stats.is_empty() {
        return vec![0.0; stats.len()];
    }
    let n = stats.len() as f64;
    let avg_len = stats.iter().map(|s| s.0).sum::<usize>() as f64 / n;
    let df: Vec<usize> = (0..terms)
        .map(|q| stats.iter().filter(|s| s.1[q] > 0).count())
        .collect();
    let (k1, b) = (1.2, 0.75);
    stats
        .iter()
        .map(|(len, tfs)| {
            tfs.iter()
                .zip(&df)
                .filter(|(tf, d)| **tf > 0 && counts(**d))
                .map(|(&tf, &d)| {
                    let (tf, d) = (tf as f64, d as f64);
                    let idf = (1.0 + (n - d + 0.5) / (d + 0.5)).ln();
                    idf * tf * (k1 + 1.0)
                        / (tf + k1 * (1.0 - b + b * *len as f64 / avg_len.max(1.0)))
                })
                .sum()
        })
        .collect()
}

/// The number of terms in `doc` (as [`terms_of`] counts them) and how often
/// each of `terms` (lower-case) occurs among them.
fn query_term_counts(doc: &str, terms: &[String]) -> TermCounts {
    let mut counts = vec![0; terms.len()];
    let mut len = 0;
    if doc.is_ascii() {
        // The same words, found byte by byte: no character is decoded, and
        // a word of one part (no `_`, no capital after a lower-case letter
        // or digit) is compared only when some term has its length.
        let bit = |n: usize| 1u64 << n.min(63);
        let lengths = terms.iter().fold(0, |m, t| m | bit(t.len()));
        let b = doc.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let start = i;
            let mut one_part = true;
            let mut after_lower = false;
            while i < b.len() {
                let class = WORD_BYTES[usize::from(b[i])];
                if class == 0 {
                    break;
                }
                one_part &= class != UNDERSCORE && !(after_lower && class == UPPER);
                after_lower = class == LOWER_OR_DIGIT;
                i += 1;
            }
            let word = &doc[start..i];
            if !one_part {
                count_word(word, terms, &mut counts, &mut len);
            } else if !word.is_empty() {
                len += 1;
                if lengths & bit(word.len()) != 0 {
                    count_term(word, terms, &mut counts);
                }
            }
            i += 1;
        }
    } else {
        doc.split(|c: char| !c.is_alphanumeric() && c != '_')
            .for_each(|w| count_word(w, terms, &mut counts, &mut len));
    }
    (len, counts)
}

/// The classes of ASCII bytes in words ([`WORD_BYTES`]); 0 is not in a word.
const UPPER: u8 = 1;
const LOWER_OR_DIGIT: u8 = 2;
const UNDERSCORE: u8 = 3;

/// Each byte's class: what the word scan of an ASCII document asks of it.
static WORD_BYTES: [u8; 256] = {
    let mut t = [0; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c.is_ascii_uppercase() {
            UPPER
        } else if c.is_ascii_lowercase() || c.is_ascii_digit() {
            LOWER_OR_DIGIT
        } else if c == b'_' {
            UNDERSCORE
        } else {
            0
        };
        b += 1;
    }
    t
};

/// Counts `word` and, when it is an identifier of several parts, each part.
fn count_word(word: &str, terms: &[String], counts: &mut [usize], len: &mut usize) {
    if word.is_empty() {
        return;
    }
    // Most words are one part: lower case, digits, no underscore.
    let may_split = !word.is_ascii() || word.bytes().any(|b| b == b'_' || b.is_ascii_uppercase());
    if may_split {
        let parts = split_identifier(word);
        if parts.len() > 1 {
            *len += parts.len();
            parts.into_iter().for_each(|p| count_term(p, terms, counts));
        }
    }
    *len += 1;
    count_term(word, terms, counts);
}

/// Adds one to the count of each of `terms` (lower-case) that `t` is.
fn count_term(t: &str, terms: &[String], counts: &mut [usize]) {
    let lower = (!t.is_ascii()).then(|| t.to_lowercase());
    for (q, c) in terms.iter().zip(counts.iter_mut()) {
        if q.len() == t.len() && q.eq_ignore_ascii_case(t) || lower.as_ref() == Some(q) {
            *c += 1;
        }
    }
}

/// Indices of the documents that answer the query: exact anchor hits, and
/// the best BM25 matches (within half of the top score, at most `max_ranked`).
pub fn matches(docs: &[&str], query: &Query, max_ranked: usize) -> Vec<usize> {
    if query.is_empty() {
        return Vec::new();
    }
    let hits: Vec<usize> = (0..docs.len())
        .filter(|&i| query.anchor_hit(docs[i]))
        .collect();
    with_best(hits, &bm25(docs, query), max_ranked)
}

/// The documents a compressor keeps for the query, of `n` that `doc` writes
/// one at a time into a buffer: [`matches`], except that a term most of the
/// documents carry ranks none of them. Such a term tells them apart no more
/// than chance (its Robertson–Spärck Jones weight is below zero), and ranking
/// by it alone would keep whichever documents are shortest.
pub fn select(
    n: usize,
    query: &Query,
    max_ranked: usize,
    mut doc: impl FnMut(usize, &mut String),
) -> Vec<usize> {
    if query.is_empty() {
        return Vec::new();
    }
    let mut hits = Vec::new();
    let mut stats = Vec::with_capacity(n);
    let mut buf = String::new();
    for i in 0..n {
        buf.clear();
        doc(i, &mut buf);
        if query.anchor_hit(&buf) {
            hits.push(i);
        }
        stats.push(query_term_counts(&buf, &query.terms));
    }
    let scores = scores_of(&stats, query.terms.len(), |df| df * 2 <= n);
    with_best(hits, &scores, max_ranked)
}

/// `hits` and the documents scoring within half of the top score (at most
/// `max_ranked` of them), sorted and unique.
fn with_best(mut hits: Vec<usize>, scores: &[f64], max_ranked: usize) -> Vec<usize> {
    let top = scores.iter().cloned().fold(0.0, f64::max);
    if top > 0.0 {
        let mut ranked: Vec<usize> = (0..scores.len())
            .filter(|&i| scores[i] >= top * 0.5)
            .collect();
        ranked.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        ranked.truncate(max_ranked);
        hits.extend(ranked);
    }
    hits.sort_unstable();
    hits.dedup();
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_documents_are_read_as_any_other() {
        let terms: Vec<String> = ["checkout", "fail", "page", "svc"]
            .map(String::from)
            .to_vec();
        let doc = r#"{"ts":"12:01","msg":"CheckoutFailed in svc_checkout: page=3 (fail, FAIL)"}"#;
        let (len, counts) = query_term_counts(doc, &terms);
        // One word more that is not ASCII reads the document the other way.
        let (len2, counts2) = query_term_counts(&format!("{doc} café"), &terms);
        assert_eq!((len + 1, &counts), (len2, &counts2));
        assert_eq!(counts, [2, 2, 1, 1]);
    }

    #[test]
    fn query_parsing_finds_terms_and_anchors() {
        let q = Query::parse("why did checkout fail for order \"A-17\" at 10:32 in svc_payment?");
        assert!(q.terms.contains(&"checkout".to_string()));
        assert!(!q.terms.contains(&"why".to_string()));
        let anchors: Vec<&str> = q.anchors.iter().map(|a| a.text.as_str()).collect();
        assert!(anchors.contains(&"a-17"));
        assert!(anchors.contains(&"svc_payment"));
        assert!(anchors.contains(&"10:32"));
    }

    #[test]
    fn numbers_match_whole_tokens_only() {
        let q = Query::parse("issue number 5");
        assert!(q.anchor_hit("Test issue 5"));
        assert!(!q.anchor_hit("issue 15 and 51"));
        assert!(!q.anchor_hit("version 2.5"));
    }

    #[test]
    fn bm25_prefers_rarer_terms() {
        let docs = ["payment failed", "login ok", "login ok", "payment ok"];
        let q = Query::parse("failed payment");
        let s = bm25(&docs, &q);
        assert!(s[0] > s[3] && s[3] > s[1]);
        assert_eq!(matches(&docs, &q, 10), vec![0]);
    }

    #[test]
    fn term_counts_agree_with_terms_of() {
        let terms: Vec<String> = ["save", "session", "émile", "x_1"]
            .iter()
            .map(|t| t.to_string())
            .collect();
        for doc in [
            "saveSession(SESSION) save",
            "Émile saw x_1 and X_1",
            "",
            "ünïcode_Thing 12 SaveSession",
            "GET /api/save_Session ERROR x_1 _save save_ a1Session ab__cd __ _",
        ] {
            let all = terms_of(doc);
            let expected: Vec<usize> = terms
                .iter()
                .map(|q| all.iter().filter(|t| *t == q).count())
                .collect();
            assert_eq!(
                query_term_counts(doc, &terms),
                (all.len(), expected),
                "{doc}"
            );
        }
    }

    #[test]
    fn a_term_most_documents_carry_selects_none() {
        let docs = [
            "checkout ok",
            "checkout ok again",
            "checkout failed",
            "login ok",
        ];
        let select_of =
            |q: &str| select(docs.len(), &Query::parse(q), 10, |i, s| s.push_str(docs[i]));
        assert_eq!(select_of("checkout failed"), [2]);
        assert_eq!(select_of("checkout"), Vec::<usize>::new());
        // Retrieval still finds every document that has the word.
        assert_eq!(matches(&docs, &Query::parse("checkout"), 10), [0, 1, 2]);
    }

    #[test]
    fn identifiers_split_into_parts() {
        assert_eq!(terms_of("saveSession"), ["save", "session", "savesession"]);
        assert_eq!(
            terms_of("max_retry_count"),
            ["max", "retry", "count", "max_retry_count"]
        );
    }
}
