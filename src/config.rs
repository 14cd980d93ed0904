//! Resolved settings: flags > environment > `$HEADROOM_HOME/config.toml` > defaults.
//!
//! The CLI builds one [`Config`] and library code reads only that, so no
//! module looks at the environment on its own. Loading never fails: a
//! configuration problem must not cost the user their output, so each bad
//! value becomes a [`ConfigWarning`] and its default stands in.

use std::path::{Path, PathBuf};

use crate::ccr::location::{LocationError, StoreLocation};
use crate::env;

pub const DEFAULT_TTL_SECS: i64 = 7 * 24 * 3600;
pub const DEFAULT_MAX_STORE_MB: u64 = 512;
pub const DEFAULT_MODEL: &str = "gpt-4o";
pub const DEFAULT_LOSSY_MIN_TOKENS: usize = 500;

/// Every key `config.toml` may hold, each named like its variable without
/// the `HEADROOM_` prefix, in lower case.
pub const FILE_KEYS: &[(&str, &str)] = &[
    ("ttl", env::TTL),
    ("max_store_mb", env::MAX_STORE_MB),
    ("model", env::MODEL),
    ("lossy_min_tokens", env::LOSSY_MIN_TOKENS),
    ("openai_base_url", env::OPENAI_BASE_URL),
    ("anthropic_base_url", env::ANTHROPIC_BASE_URL),
    ("store", env::STORE),
    ("retrieve_tool", env::RETRIEVE_TOOL),
];

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where the store and `config.toml` live; `None` when there is no home
    /// directory and no `HEADROOM_HOME` (output then stays lossless).
    pub home: Option<PathBuf>,
    pub ttl_secs: i64,
    pub max_store_bytes: u64,
    pub model: String,
    pub lossy_min_tokens: usize,
    /// `headroom proxy` upstreams, when set by env or file.
    pub openai_base_url: Option<String>,
    pub anthropic_base_url: Option<String>,
    /// `--store`, `HEADROOM_STORE` or the file's `store`, as given: a Redis
    /// URL or a SQLite file; `None` means `headroom.db` in the home.
    pub store: Option<String>,
    /// When the proxy offers the model its retrieve tool, when set.
    pub retrieve_tool: Option<crate::proxy::Offer>,
}

/// A setting headroom could not use; the default was used instead.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum ConfigWarning {
    #[error("invalid {name} '{value}' ({reason}); using the default, {default}")]
    Invalid {
        name: String,
        value: String,
        reason: &'static str,
        default: String,
    },
    #[error("{} '{}' is not a directory; using {}", env::HOME, .given.display(), .used.display())]
    HomeNotDir { given: PathBuf, used: PathBuf },
    #[error(
        "cannot find a home directory; set {} (output stays lossless until then)",
        env::HOME
    )]
    NoHome,
    #[error("cannot read {}: {reason}; using the defaults", .path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error("{}, line {line}: {problem}", .path.display())]
    BadLine {
        path: PathBuf,
        line: usize,
        problem: String,
    },
    #[error("{}, line {line}: unknown key '{key}'{}; ignored", .path.display(), .closest.map(|k| format!(" (did you mean '{k}'?)")).unwrap_or_default())]
    UnknownKey {
        path: PathBuf,
        line: usize,
        key: String,
        closest: Option<&'static str>,
    },
}

impl Config {
    /// Settings from the process environment and the config file, with
    /// what could not be used.
    pub fn load() -> (Config, Vec<ConfigWarning>) {
        Config::from_lookup(|k| std::env::var(k).ok())
    }

    /// Settings from `var` (an environment lookup) and the config file it
    /// points at, with what could not be used.
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> (Config, Vec<ConfigWarning>) {
        let mut warnings = Vec::new();
        let default_home = || std::env::home_dir().map(|h| h.join(".headroom"));
        let home = match var(env::HOME).filter(|s| !s.is_empty()).map(PathBuf::from) {
            Some(given) if given.exists() && !given.is_dir() => {
                let used = default_home();
                warnings.push(match &used {
                    Some(used) => ConfigWarning::HomeNotDir {
                        given,
                        used: used.clone(),
                    },
                    None => ConfigWarning::NoHome,
                });
                used
            }
            Some(given) => Some(given),
            None => {
                let home = default_home();
                if home.is_none() {
                    warnings.push(ConfigWarning::NoHome);
                }
                home
            }
        };
        let file = match &home {
            Some(h) => read_file(&h.join("config.toml"), &mut warnings),
            None => Vec::new(),
        };
        // The environment wins over the file; a value is reported under the
        // name the user wrote it as (variable, or key and file).
        let raw = |name: &str, key: &str| match var(name).filter(|s| !s.is_empty()) {
            Some(v) => Some((name.to_string(), v)),
            None => file_value(&file, key),
        };
        let ttl_secs = setting(
            raw(env::TTL, "ttl"),
            "7d",
            "expected a duration such as 7d, 12h, 30m or seconds",
            parse_duration,
            &mut warnings,
        )
        .unwrap_or(DEFAULT_TTL_SECS);
        let max_store_bytes = setting(
            raw(env::MAX_STORE_MB, "max_store_mb"),
            "512",
            "expected a positive number of MiB",
            |v| {
                let mb = v.trim().parse::<u64>().ok().filter(|&n| n > 0)?;
                mb.checked_mul(1024 * 1024)
            },
            &mut warnings,
        )
        .unwrap_or(DEFAULT_MAX_STORE_MB * 1024 * 1024);
        let lossy_min_tokens = setting(
            raw(env::LOSSY_MIN_TOKENS, "lossy_min_tokens"),
            "500",
            "expected a whole number of tokens",
            |v| v.trim().parse::<usize>().ok(),
            &mut warnings,
        )
        .unwrap_or(DEFAULT_LOSSY_MIN_TOKENS);
        let retrieve_tool = setting(
            raw(env::RETRIEVE_TOOL, "retrieve_tool"),
            "always",
            "expected always, on-marker or never",
            |v| crate::proxy::Offer::parse(v.trim()),
            &mut warnings,
        );
        let model = raw(env::MODEL, "model").map_or_else(|| DEFAULT_MODEL.into(), |(_, v)| v);
        let config = Config {
            home,
            ttl_secs,
            max_store_bytes,
            model,
            lossy_min_tokens,
            openai_base_url: raw(env::OPENAI_BASE_URL, "openai_base_url").map(|(_, v)| v),
            anthropic_base_url: raw(env::ANTHROPIC_BASE_URL, "anthropic_base_url").map(|(_, v)| v),
            store: raw(env::STORE, "store").map(|(_, v)| v),
            retrieve_tool,
        };
        (config, warnings)
    }

    /// Settings as [`Config::load`], with `--model` (when given) over all else.
    pub fn load_with_model(model: Option<&str>) -> (Config, Vec<ConfigWarning>) {
        let (mut config, warnings) = Config::load();
        if let Some(m) = model {
            config.model = m.to_string();
        }
        (config, warnings)
    }

    /// Where the store is: the configured location, else `headroom.db` in
    /// the home; `Ok(None)` when neither exists, `Err` when the configured
    /// one is not valid (the CLI refuses to start then).
    pub fn store_location(&self) -> Result<Option<StoreLocation>, LocationError> {
        match &self.store {
            Some(given) => StoreLocation::parse(given).map(Some),
            None => Ok(self
                .home
                .as_ref()
                .map(|h| StoreLocation::Sqlite(h.join("headroom.db")))),
        }
    }

    /// [`Config::store_location`], with an invalid one as no store (for
    /// callers after the CLI has validated it).
    pub fn store(&self) -> Option<StoreLocation> {
        self.store_location().ok().flatten()
    }

    /// The store's file, when the store is a SQLite file.
    pub fn store_path(&self) -> Option<PathBuf> {
        match self.store()? {
            StoreLocation::Sqlite(p) => Some(p),
            StoreLocation::Redis(_) => None,
        }
    }
}

/// The value of one setting, parsed, or `None` (with a warning when it was
/// given but is not valid) for its default to stand in.
fn setting<T>(
    raw: Option<(String, String)>,
    default: &str,
    reason: &'static str,
    parse: impl Fn(&str) -> Option<T>,
    warnings: &mut Vec<ConfigWarning>,
) -> Option<T> {
    let (name, value) = raw?;
    let parsed = parse(&value);
    if parsed.is_none() {
        warnings.push(ConfigWarning::Invalid {
            name,
            value,
            reason,
            default: default.to_string(),
        });
    }
    parsed
}

/// One `key = value` setting of the file, with where it came from.
struct FileSetting {
    key: String,
    value: String,
    origin: String,
}

/// The top-level `key = value` lines of a config file. It is TOML, but the
/// few settings above need nothing more than flat keys with string or
/// number values; anything else is reported and skipped, never fatal.
fn read_file(path: &Path, warnings: &mut Vec<ConfigWarning>) -> Vec<FileSetting> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            warnings.push(ConfigWarning::Unreadable {
                path: path.into(),
                reason: e.to_string(),
            });
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    // Keys after a `[table]` header belong to that table, which headroom
    // does not read: one warning for the header, its keys skipped.
    let mut in_table = false;
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let bad = |problem: String| ConfigWarning::BadLine {
            path: path.into(),
            line: line_no,
            problem,
        };
        let line = strip_comment(line).trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with('[') {
            in_table = true;
            warnings.push(bad(format!(
                "table {line} is not read, nor its keys; settings go at the top of the file"
            )));
            continue;
        }
        if in_table {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            warnings.push(bad("expected key = value; line ignored".into()));
            continue;
        };
        let key = k.trim().trim_matches('"').to_string();
        if !FILE_KEYS.iter().any(|(known, _)| *known == key) {
            let closest = FILE_KEYS
                .iter()
                .map(|(known, _)| (strsim::damerau_levenshtein(known, &key), *known))
                .min()
                .filter(|(distance, _)| *distance <= 3)
                .map(|(_, known)| known);
            warnings.push(ConfigWarning::UnknownKey {
                path: path.into(),
                line: line_no,
                key,
                closest,
            });
            continue;
        }
        let v = v.trim();
        let value = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(v);
        out.push(FileSetting {
            origin: format!("{key} in {}", path.display()),
            key,
            value: value.to_string(),
        });
    }
    out
}

/// `line` up to a `#` that is not inside a quoted string.
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '#') => return &line[..i],
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
    }
    line
}

/// The last value the file gives `key`, as (where it came from, value).
fn file_value(file: &[FileSetting], key: &str) -> Option<(String, String)> {
    file.iter()
        .rev()
        .find(|s| s.key == key)
        .map(|s| (s.origin.clone(), s.value.clone()))
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
        assert_eq!(parse_duration("0"), None);
    }

    fn load(files: &str, vars: &[(&str, &str)]) -> (Config, Vec<String>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), files).unwrap();
        let home = dir.path().to_str().unwrap().to_string();
        let (config, warnings) = Config::from_lookup(|k| {
            if k == env::HOME {
                return Some(home.clone());
            }
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        });
        let warnings = warnings.iter().map(ToString::to_string).collect();
        (config, warnings, dir)
    }

    #[test]
    fn env_overrides_file_and_defaults() {
        let (c, warnings, _dir) = load(
            "ttl = \"2h\"  # two hours\nmodel = \"gpt-4\"\n",
            &[("HEADROOM_MODEL", "gpt-5")],
        );
        assert_eq!(c.ttl_secs, 7200);
        assert_eq!(c.model, "gpt-5");
        assert_eq!(c.lossy_min_tokens, DEFAULT_LOSSY_MIN_TOKENS);
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn bad_values_warn_once_and_fall_back_to_defaults() {
        let (c, warnings, _dir) = load(
            "max_store_mb = 0\n",
            &[("HEADROOM_TTL", "0"), ("HEADROOM_LOSSY_MIN_TOKENS", "many")],
        );
        assert_eq!(c.ttl_secs, DEFAULT_TTL_SECS);
        assert_eq!(c.max_store_bytes, DEFAULT_MAX_STORE_MB * 1024 * 1024);
        assert_eq!(c.lossy_min_tokens, DEFAULT_LOSSY_MIN_TOKENS);
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings[0].starts_with("invalid HEADROOM_TTL '0' (expected a duration"));
        assert!(warnings[0].ends_with("; using the default, 7d"));
        assert!(warnings[1].starts_with("invalid max_store_mb in "));
        assert!(warnings[2].starts_with("invalid HEADROOM_LOSSY_MIN_TOKENS 'many'"));
    }

    #[test]
    fn tables_and_unknown_keys_are_reported_not_fatal() {
        let (c, warnings, _dir) = load(
            "model = \"o3#1\" # comment\ntll = \"2h\"\n[store]\nttl = \"1h\"\n",
            &[],
        );
        assert_eq!(c.model, "o3#1");
        assert_eq!(c.ttl_secs, DEFAULT_TTL_SECS);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].ends_with("line 2: unknown key 'tll' (did you mean 'ttl'?); ignored"));
        assert!(warnings[1].contains("line 3: table [store] is not read"));
        let (_, warnings, _dir) = load("just words\n", &[]);
        assert!(warnings[0].ends_with("line 1: expected key = value; line ignored"));
    }

    #[test]
    fn a_home_that_is_a_file_falls_back_to_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, "").unwrap();
        let given = file.to_str().unwrap().to_string();
        let (c, warnings) = Config::from_lookup(|k| (k == env::HOME).then(|| given.clone()));
        assert_ne!(c.home.as_deref(), Some(file.as_path()));
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].to_string().contains("is not a directory"));
    }
}
