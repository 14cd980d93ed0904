//! `headroom store` (migrate between backends), and opening the store
//! from the CLI: lazily, and never fatal to compression.

use std::sync::{Arc, Mutex, MutexGuard};

use headroom::ccr::store::{MovedAside, OriginalStore, SqliteStore, StoreError, StoreOptions};
use headroom::ccr::{Sink, StoreLocation};
use headroom::config::Config;

use super::Exit;

/// Manage the store of originals and usage records.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: StoreCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum StoreCommand {
    Migrate(MigrateArgs),
}

/// Copy every live original and usage record from one store to another.
///
/// Idempotent: what the destination already holds is counted, not copied
/// again, so an interrupted migration can simply be run again. Originals
/// get the destination's TTL afresh.
#[derive(clap::Args, Debug)]
pub struct MigrateArgs {
    /// The store to copy from: a SQLite file or redis:// URL.
    #[arg(long, value_name = "PATH|URL")]
    pub from: String,
    /// The store to copy to: a SQLite file or redis:// URL.
    #[arg(long, value_name = "PATH|URL")]
    pub to: String,
}

pub fn run(args: Args) -> anyhow::Result<Exit> {
    let StoreCommand::Migrate(args) = args.command;
    let config = super::config::load(None);
    let (from, to) = match (
        StoreLocation::parse(&args.from),
        StoreLocation::parse(&args.to),
    ) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("headroom: error: {e}");
            return Ok(Exit::Usage);
        }
    };
    if from == to {
        eprintln!("headroom: error: --from and --to are the same store ({from})");
        return Ok(Exit::Usage);
    }
    if let Some(p) = from.sqlite_path().filter(|p| !p.exists()) {
        eprintln!("headroom: error: no store at {}", p.display());
        return Ok(Exit::Failure);
    }
    let source = open(&from, &config)?;
    let dest = open(&to, &config)?;
    let m = headroom::migrate::migrate(&*source, &*dest, &from, &to)?;
    eprintln!(
        "headroom: migrated {from} → {to}: {} originals copied ({} already there, {} expired meanwhile), {} usage records copied ({} already there)",
        m.originals, m.originals_present, m.originals_gone, m.records, m.records_present
    );
    Ok(Exit::Success)
}

pub fn options(config: &Config) -> StoreOptions {
    StoreOptions::from(config)
}

/// A sink that opens the store on first use (or when warmed for a large
/// input), so small inputs that lose nothing never touch the disk. If the
/// store cannot be opened, it says so once and compression falls back to
/// lossless output; a store found damaged is moved aside and replaced.
pub struct LazySink<'a> {
    config: &'a Config,
    store: Mutex<Slot>,
}

enum Slot {
    Unopened,
    Open(Arc<dyn OriginalStore>),
    Unavailable,
}

impl<'a> LazySink<'a> {
    pub fn new(config: &'a Config) -> Self {
        LazySink {
            config,
            store: Mutex::new(Slot::Unopened),
        }
    }
}

impl LazySink<'_> {
    /// Opens the store now, for a caller that will likely need it and has a
    /// core to spare: run beside a compression, the open (about a
    /// millisecond) is off its path.
    pub fn warm(&self) {
        self.open(&mut self.slot());
    }

    fn slot(&self) -> MutexGuard<'_, Slot> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn open(&self, slot: &mut Slot) {
        if !matches!(slot, Slot::Unopened) {
            return;
        }
        // No home: the configuration warning has said so already.
        let Some(loc) = self.config.store() else {
            *slot = Slot::Unavailable;
            return;
        };
        *slot = match open(&loc, self.config) {
            Ok(s) => Slot::Open(s),
            Err(e) => {
                eprintln!("headroom: warning: {e}; keeping output lossless");
                Slot::Unavailable
            }
        };
    }

    /// After a write found the store damaged (which opening does not check
    /// page by page): moves it aside, starts a fresh one and stores there.
    fn store_afresh(
        &self,
        slot: &mut Slot,
        problem: StoreError,
        original: &[u8],
        kind: &str,
    ) -> Option<String> {
        // Dropped first: the old connection must be closed before its file moves.
        *slot = Slot::Unavailable;
        let path = self.config.store_path()?;
        match SqliteStore::replace_damaged(&path, options(self.config), problem) {
            Ok((fresh, moved)) => {
                if let Some(m) = moved {
                    say_moved(&m);
                }
                let stored = put(&fresh, original, kind);
                *slot = Slot::Open(Arc::new(fresh));
                stored
            }
            Err(e) => {
                eprintln!("headroom: warning: {e}; keeping output lossless");
                None
            }
        }
    }
}

/// Opens the store, moving a damaged file aside (and saying so) so that a
/// fresh store starts instead of every later run staying lossless.
pub fn open(loc: &StoreLocation, config: &Config) -> Result<Arc<dyn OriginalStore>, StoreError> {
    let (store, moved) = headroom::ccr::open(loc, options(config))?;
    if let Some(m) = moved {
        say_moved(&m);
    }
    Ok(store)
}

fn say_moved(m: &MovedAside) {
    eprintln!(
        "headroom: warning: the store was damaged ({}); moved it aside to {} and started a fresh one",
        m.problem,
        m.to.display()
    );
}

fn put(store: &dyn OriginalStore, original: &[u8], kind: &str) -> Option<String> {
    store
        .put(original, kind)
        .inspect_err(|e| eprintln!("headroom: warning: {e}; keeping this output lossless"))
        .ok()
}

impl Sink for LazySink<'_> {
    fn store_hashed(&self, original: &[u8], kind: &str, hash: &str) -> Option<String> {
        let mut slot = self.slot();
        self.open(&mut slot);
        let Slot::Open(store) = &*slot else {
            return None;
        };
        match store.put_hashed(original, kind, hash) {
            Ok(h) => Some(h),
            Err(e) if e.is_damaged() => self.store_afresh(&mut slot, e, original, kind),
            Err(e) => {
                eprintln!("headroom: warning: {e}; keeping this output lossless");
                None
            }
        }
    }
}
