//! Where the store lives, and opening it: a SQLite file (the default, one
//! machine) or a Redis server (a fleet of proxies sharing one store).
//!
//! A location is given as `--store URL|PATH`, `HEADROOM_STORE` or the
//! `store` key of `config.toml`: `redis://[user:password@]host[:port][/db]`,
//! `rediss://…` for TLS, or a path to a SQLite file. Every front end opens
//! the store through [`open`] and sees only the [`OriginalStore`] trait.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::redis::RedisStore;
use super::store::{MovedAside, OriginalStore, SqliteStore, StoreError, StoreOptions};

/// A parsed, validated store location.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreLocation {
    Sqlite(PathBuf),
    /// The URL as given (credentials included: never print it, print the
    /// location's `Display`, which hides the password).
    Redis(String),
}

/// A `--store` value headroom cannot use.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error("invalid store '{given}': {problem}")]
pub struct LocationError {
    /// The value with any password hidden.
    pub given: String,
    pub problem: String,
}

impl StoreLocation {
    /// Parses `--store`: a `redis://` or `rediss://` URL, or a file path.
    /// Any other `scheme://` is refused rather than taken as a path.
    pub fn parse(given: &str) -> Result<StoreLocation, LocationError> {
        let given = given.trim();
        let bad = |problem: String| LocationError {
            given: redact(given),
            problem,
        };
        if given.is_empty() {
            return Err(bad(
                "empty; expected redis://HOST[:PORT][/DB] or a file path".into(),
            ));
        }
        let Some((scheme, _)) = given.split_once("://") else {
            return Ok(StoreLocation::Sqlite(PathBuf::from(given)));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "redis" | "rediss" => {
                super::redis::check_url(given).map_err(bad)?;
                Ok(StoreLocation::Redis(given.to_string()))
            }
            "sqlite" | "file" => {
                let path = &given[scheme.len() + 3..];
                if path.is_empty() {
                    return Err(bad("no file path after the scheme".into()));
                }
                Ok(StoreLocation::Sqlite(PathBuf::from(path)))
            }
            other => Err(bad(format!(
                "unsupported scheme '{other}://'; expected redis://, rediss:// or a file path"
            ))),
        }
    }

    /// The SQLite file, when the store is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            StoreLocation::Sqlite(p) => Some(p),
            StoreLocation::Redis(_) => None,
        }
    }

    pub fn is_redis(&self) -> bool {
        matches!(self, StoreLocation::Redis(_))
    }
}

impl From<PathBuf> for StoreLocation {
    fn from(path: PathBuf) -> Self {
        StoreLocation::Sqlite(path)
    }
}

impl From<&Path> for StoreLocation {
    fn from(path: &Path) -> Self {
        StoreLocation::Sqlite(path.to_path_buf())
    }
}

impl From<&PathBuf> for StoreLocation {
    fn from(path: &PathBuf) -> Self {
        StoreLocation::Sqlite(path.clone())
    }
}

impl From<&StoreLocation> for StoreLocation {
    fn from(loc: &StoreLocation) -> Self {
        loc.clone()
    }
}

/// Paths as they are; URLs with the password replaced by `***`.
impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreLocation::Sqlite(p) => write!(f, "{}", p.display()),
            StoreLocation::Redis(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreLocation({self})")
    }
}

/// `url` with the password (if any) replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_string();
    };
    let user = match userinfo.split_once(':') {
        Some((user, _)) => format!("{user}:***"),
        // `redis://secret@host` is Redis' password-only form.
        None => "***".to_string(),
    };
    format!("{scheme}://{user}@{host}{tail}")
}

/// Opens the store at `loc` for reading and writing. A damaged SQLite file
/// is moved aside and a fresh one started (reported in the second value); a
/// Redis server is connected to once, so an unreachable one is an error here.
pub fn open(
    loc: &StoreLocation,
    opts: StoreOptions,
) -> Result<(Arc<dyn OriginalStore>, Option<MovedAside>), StoreError> {
    match loc {
        StoreLocation::Sqlite(path) => {
            let (store, moved) = SqliteStore::open_or_recover(path, opts)?;
            Ok((Arc::new(store), moved))
        }
        StoreLocation::Redis(url) => Ok((Arc::new(RedisStore::connect(url, opts)?), None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_urls_parse() {
        assert_eq!(
            StoreLocation::parse("/tmp/h.db").unwrap(),
            StoreLocation::Sqlite("/tmp/h.db".into())
        );
        assert_eq!(
            StoreLocation::parse("sqlite:///tmp/h.db").unwrap(),
            StoreLocation::Sqlite("/tmp/h.db".into())
        );
        for url in [
            "redis://127.0.0.1:6379/0",
            "redis://cache.internal",
            "rediss://user:pw@cache.internal:6380/2",
            "redis://:pw@localhost",
        ] {
            assert!(StoreLocation::parse(url).unwrap().is_redis(), "{url}");
        }
    }

    #[test]
    fn bad_locations_are_refused_with_the_password_hidden() {
        let e = StoreLocation::parse("http://cache:6379").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid store 'http://cache:6379': unsupported scheme 'http://'; expected redis://, rediss:// or a file path"
        );
        let e = StoreLocation::parse("redis://u:secret@host:notaport/0").unwrap_err();
        assert!(!e.to_string().contains("secret"), "{e}");
        assert!(e.to_string().contains("u:***@host"), "{e}");
        assert!(StoreLocation::parse("redis://host/notadb").is_err());
        assert!(StoreLocation::parse("").is_err());
    }

    #[test]
    fn display_hides_passwords() {
        let loc = StoreLocation::parse("rediss://alice:s3cret@h:6380/1").unwrap();
        assert_eq!(loc.to_string(), "rediss://alice:***@h:6380/1");
        assert_eq!(
            format!("{loc:?}"),
            "StoreLocation(rediss://alice:***@h:6380/1)"
        );
        assert_eq!(redact("redis://s3cret@h"), "redis://***@h");
        assert_eq!(redact("redis://h:6379/0"), "redis://h:6379/0");
    }
}
