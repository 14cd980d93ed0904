//! Resolved settings: flags > environment > `$HEADROOM_HOME/config.toml` > defaults.
//!
//! The CLI builds one [`Config`] and library code reads only that, so no
//! module looks at the environment on its own.

use std::path::{Path, PathBuf};

use crate::env;

pub const DEFAULT_TTL_SECS: i64 = 7 * 24 * 3600;
pub const DEFAULT_MAX_STORE_MB: u64 = 512;
pub const DEFAULT_MODEL: &str = "gpt-4o";
pub const DEFAULT_LOSSY_MIN_TOKENS: usize = 500;

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub home: PathBuf,
    pub ttl_secs: i64,
    pub max_store_bytes: u64,
    pub model: String,
    pub lossy_min_tokens: usize,
    /// `headroom proxy` upstreams, when set by env or file.
    pub openai_base_url: Option<String>,
    pub anthropic_base_url: Option<String>,
}

#[derive(thiserror::Error, Debug)]
pub enum ConfigError {
    #[error("invalid {name} value '{value}': {reason}")]
    Invalid {
        name: String,
        value: String,
        reason: &'static str,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {reason}")]
    File { path: PathBuf, reason: String },
    #[error("cannot find a home directory; set {}", env::HOME)]
    NoHome,
}

impl Config {
    /// Settings from the process environment and the config file.
    pub fn load() -> Result<Config, ConfigError> {
        Config::from_lookup(|k| std::env::var(k).ok())
    }

    /// Settings from `var` (an environment lookup) and the config file it points at.
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let home = match var(env::HOME).filter(|s| !s.is_empty()) {
            Some(h) => PathBuf::from(h),
            None => std::env::home_dir()
                .ok_or(ConfigError::NoHome)?
                .join(".headroom"),
        };
        let file = read_file(&home.join("config.toml"))?;
        let get = |name: &str, key: &str| {
            var(name)
                .filter(|s| !s.is_empty())
                .or_else(|| file_value(&file, key))
        };
        let ttl_secs = match get(env::TTL, "ttl") {
            Some(v) => parse_duration(&v).ok_or(ConfigError::Invalid {
                name: env::TTL.into(),
                value: v,
                reason: "expected a duration such as 7d, 12h, 30m or seconds",
            })?,
            None => DEFAULT_TTL_SECS,
        };
        let max_store_mb = match get(env::MAX_STORE_MB, "max_store_mb") {
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or(ConfigError::Invalid {
                    name: env::MAX_STORE_MB.into(),
                    value: v,
                    reason: "expected a positive number of MiB",
                })?,
            None => DEFAULT_MAX_STORE_MB,
        };
        let lossy_min_tokens = match get(env::LOSSY_MIN_TOKENS, "lossy_min_tokens") {
            Some(v) => v.parse::<usize>().map_err(|_| ConfigError::Invalid {
                name: env::LOSSY_MIN_TOKENS.into(),
                value: v,
                reason: "expected a whole number of tokens",
            })?,
            None => DEFAULT_LOSSY_MIN_TOKENS,
        };
        Ok(Config {
            home,
            ttl_secs,
            max_store_bytes: max_store_mb * 1024 * 1024,
            model: get(env::MODEL, "model").unwrap_or_else(|| DEFAULT_MODEL.into()),
            lossy_min_tokens,
            openai_base_url: get(env::OPENAI_BASE_URL, "openai_base_url"),
            anthropic_base_url: get(env::ANTHROPIC_BASE_URL, "anthropic_base_url"),
        })
    }

    /// Settings as [`Config::load`], with `--model` (when given) over all else.
    pub fn load_with_model(model: Option<&str>) -> Result<Config, ConfigError> {
        let mut config = Config::load()?;
        if let Some(m) = model {
            config.model = m.to_string();
        }
        Ok(config)
    }

    pub fn store_path(&self) -> PathBuf {
        self.home.join("headroom.db")
    }
}

fn read_file(path: &Path) -> Result<Vec<(String, String)>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.into(),
                source,
            });
        }
    };
    // A flat `key = value` file: the few settings above need nothing more.
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            return Err(ConfigError::File {
                path: path.into(),
                reason: format!("line {}: expected key = value", i + 1),
            });
        };
        let v = v.trim().trim_matches('"');
        out.push((k.trim().to_string(), v.to_string()));
    }
    Ok(out)
}

fn file_value(file: &[(String, String)], key: &str) -> Option<String> {
    file.iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
}

/// Parses `7d`, `12h`, `30m`, `45s` or a plain number of seconds.
pub fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    let (num, unit) = match s.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => (&s[..i], c),
        _ => (s, 's'),
    };
    let n: i64 = num.trim().parse().ok().filter(|&n| n > 0)?;
    let mult = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86400,
        'w' => 7 * 86400,
        _ => return None,
    };
    n.checked_mul(mult)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("7d"), Some(604800));
        assert_eq!(parse_duration("90"), Some(90));
        assert_eq!(parse_duration("12h"), Some(43200));
        assert_eq!(parse_duration("x"), None);
        assert_eq!(parse_duration("-5m"), None);
    }

    #[test]
    fn env_overrides_file_and_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "ttl = \"2h\"\nmodel = \"gpt-4\"\n",
        )
        .unwrap();
        let home = dir.path().to_str().unwrap().to_string();
        let c = Config::from_lookup(|k| match k {
            "HEADROOM_HOME" => Some(home.clone()),
            "HEADROOM_MODEL" => Some("gpt-5".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.ttl_secs, 7200);
        assert_eq!(c.model, "gpt-5");
        assert_eq!(c.lossy_min_tokens, DEFAULT_LOSSY_MIN_TOKENS);
        let bad = Config::from_lookup(|k| (k == "HEADROOM_TTL").then(|| "soon".to_string()));
        assert!(bad.unwrap_err().to_string().contains("HEADROOM_TTL"));
    }
}
