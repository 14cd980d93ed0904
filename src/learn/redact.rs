//! Redaction: rules go into files meant to be committed, so the home
//! directory becomes `~` and anything that looks like a secret or an
//! account id (API keys, tokens, JWTs, passwords, e-mail addresses, long
//! hex or base64 strings, 12-digit account numbers) is replaced.

use std::sync::LazyLock;

use regex::Regex;

const HIDDEN: &str = "<redacted>";

static SECRETS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}",
        r"\b(?:ghp|gho|ghu|ghs|ghr|github_pat|glpat)[_-][A-Za-z0-9_-]{16,}",
        r"\bxox[abprs]-[A-Za-z0-9-]{10,}",
        r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
        r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]+)?",
        r"\b[0-9a-fA-F]{32,}\b",
        r"\b[A-Za-z0-9+_-]{32,}\b",
        r"[\w.+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+",
        r"\b\d{12}\b",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("valid pattern"))
    .collect()
});

/// `name=value`, `name: value`, `--name value`, `Bearer value`.
static NAMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)((?:--)?(?:api[_-]?key|access[_-]?key|token|secret|password|passwd|pwd|bearer|credentials?)(?:\s*[=:]\s*|\s+))["']?([^\s"'`,;]{4,})"#,
    )
    .expect("valid pattern")
});

static URL_CREDENTIALS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"://[^/\s:@]+:[^/\s@]+@").expect("valid pattern"));

/// Other people's home directories.
static HOMES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(/(?:home|Users)/)[^/\s`]+").expect("valid pattern"));

/// `text` with the home directory as `~` and secrets replaced.
pub fn redact(text: &str, home: Option<&str>) -> String {
    let mut s = text.to_string();
    if let Some(home) = home
        .map(|h| h.trim_end_matches('/'))
        .filter(|h| h.len() > 1)
    {
        s = replace_home(&s, home);
    }
    s = HOMES.replace_all(&s, "${1}<user>").into_owned();
    s = URL_CREDENTIALS
        .replace_all(&s, "://<redacted>@")
        .into_owned();
    s = NAMED
        .replace_all(&s, |c: &regex::Captures| {
            // A value with a digit, or a long one, is a secret; `--token
            // file` style words are not.
            let v = &c[2];
            if v.chars().any(|c| c.is_ascii_digit()) || v.len() >= 12 {
                format!("{}{HIDDEN}", &c[1])
            } else {
                c[0].to_string()
            }
        })
        .into_owned();
    for (i, re) in SECRETS.iter().enumerate() {
        s = if i == 6 {
            // Long runs of mixed case and digits are keys; long names are not.
            re.replace_all(&s, |c: &regex::Captures| {
                let m = &c[0];
                let has = |f: fn(&char) -> bool| m.chars().any(|c| f(&c));
                let random = has(char::is_ascii_digit)
                    && has(char::is_ascii_uppercase)
                    && has(char::is_ascii_lowercase);
                if random {
                    HIDDEN.to_string()
                } else {
                    m.to_string()
                }
            })
            .into_owned()
        } else {
            re.replace_all(&s, HIDDEN).into_owned()
        };
    }
    s
}

fn replace_home(s: &str, home: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(home) {
        let after = &rest[i + home.len()..];
        let boundary = after.is_empty() || after.starts_with(['/', ' ', '`', '\'', '"', ')']);
        out.push_str(&rest[..i]);
        out.push_str(if boundary { "~" } else { home });
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_secrets_and_ids() {
        let home = Some("/home/alice");
        assert_eq!(
            redact("Read `/home/alice/src/a.toml`", home),
            "Read `~/src/a.toml`"
        );
        assert_eq!(redact("/home/alicex/y", home), "/home/<user>/y");
        assert_eq!(redact("/Users/bob/x", home), "/Users/<user>/x");
        for secret in [
            "curl -H 'Authorization: Bearer abcdEFGH1234' x",
            "export OPENAI_API_KEY=sk-proj-abcdefghijklmnop1234",
            "gh auth login --with-token ghp_abcdefghijklmnopqrstuvwxyz0123",
            "aws s3 ls --profile 123456789012",
            "psql postgres://admin:hunter22@db/x",
            "mail bob@example.com",
            "token=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "password: hunter22",
        ] {
            let r = redact(secret, home);
            for bad in [
                "abcdEFGH1234",
                "sk-proj",
                "ghp_",
                "123456789012",
                "hunter22",
                "bob@",
                "9f86d08",
            ] {
                assert!(!r.contains(bad), "{secret} -> {r}");
            }
        }
        assert_eq!(
            redact("Use `uv run pytest -x`, not `pytest`", home),
            "Use `uv run pytest -x`, not `pytest`"
        );
        assert_eq!(
            redact("cargo test --features cli", home),
            "cargo test --features cli"
        );
        assert_eq!(redact("gh auth login", home), "gh auth login");
        let long = "tests/integration/test_api_v2_endpoints_and_more.py";
        assert_eq!(redact(long, home), long);
    }
}
