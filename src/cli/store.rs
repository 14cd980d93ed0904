//! Opening the store from the CLI: lazily, and never fatal to compression.

use std::sync::OnceLock;

use headroom::ccr::Sink;
use headroom::ccr::store::{OriginalStore, SqliteStore, StoreOptions};
use headroom::config::Config;

pub fn options(config: &Config) -> StoreOptions {
    StoreOptions::from(config)
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
                match SqliteStore::open(&self.config.store_path(), options(self.config)) {
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

impl Sink for LazySink<'_> {
    fn store(&self, original: &[u8], kind: &str) -> Option<String> {
        match self.open()?.put(original, kind) {
            Ok(h) => Some(h),
            Err(e) => {
                eprintln!("headroom: warning: {e}; keeping this output lossless");
                None
            }
        }
    }
}
