//! Opening the store from the CLI: lazily, and never fatal to compression.

use std::path::Path;
use std::sync::OnceLock;

use headroom::ccr::Sink;
use headroom::ccr::store::{OriginalStore, SqliteStore, StoreError, StoreOptions};
use headroom::config::Config;

pub fn options(config: &Config) -> StoreOptions {
    StoreOptions {
        ttl_secs: config.ttl_secs,
        max_bytes: config.max_store_bytes,
    }
}

/// A sink that opens the store on first use (or when warmed for a large
/// input), so small inputs that lose nothing never touch the disk. If the
/// store cannot be opened, it says so once and compression falls back to
/// lossless output.
pub struct LazySink<'a> {
    config: &'a Config,
    store: OnceLock<Option<SqliteStore>>,
}

impl<'a> LazySink<'a> {
    pub fn new(config: &'a Config) -> Self {
        LazySink {
            config,
            store: OnceLock::new(),
        }
    }
}

impl LazySink<'_> {
    /// Opens the store now, for a caller that will likely need it and has a
    /// core to spare: run beside a compression, the open (about a
    /// millisecond) is off its path.
    pub fn warm(&self) {
        self.open();
    }

    fn open(&self) -> Option<&SqliteStore> {
        self.store
            .get_or_init(|| {
                // No home: the configuration warning has said so already.
                let path = self.config.store_path()?;
                match open(&path, self.config) {
                    Ok(s) => Some(s),
                    Err(e) => {
                        eprintln!("headroom: warning: {e}; keeping output lossless");
                        None
                    }
                }
            })
            .as_ref()
    }
}

/// Opens the store, moving a damaged file aside (and saying so) so that a
/// fresh store starts instead of every later run staying lossless.
pub fn open(path: &Path, config: &Config) -> Result<SqliteStore, StoreError> {
    let (store, moved) = SqliteStore::open_or_recover(path, options(config))?;
    if let Some(m) = moved {
        eprintln!(
            "headroom: warning: the store was damaged ({}); moved it aside to {} and started a fresh one",
            m.problem,
            m.to.display()
        );
    }
    Ok(store)
}

impl Sink for LazySink<'_> {
    fn store(&self, original: &[u8], kind: &str) -> Option<String> {
        match self.open()?.put(original, kind) {
            Ok(h) => Some(h),
            Err(e) if e.is_damaged() => {
                let path = self.config.store_path().unwrap_or_default();
                eprintln!(
                    "headroom: warning: {e}; keeping this output lossless (the store is damaged: move it aside, e.g. mv {0} {0}.damaged, and the next run starts a fresh one)",
                    path.display()
                );
                None
            }
            Err(e) => {
                eprintln!("headroom: warning: {e}; keeping this output lossless");
                None
            }
        }
    }
}
