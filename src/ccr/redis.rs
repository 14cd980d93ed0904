//! [`OriginalStore`] on a Redis (or Valkey) server, shared by every replica
//! of a fleet, with the same semantics as the SQLite file.
//!
//! Keys, all under `headroom:`:
//! - `o:HASH`, a hash of the original (`v`), its kind (`k`), when it was
//!   stored (`s`) and when it expires (`e`), expiring natively at `e`
//!   (`EXPIREAT`); a re-put extends it, a read does not (as in SQLite);
//! - `g:HASH`, the tombstone: the expiry time of an original that was ever
//!   stored, kept [`TOMBSTONE_SECS`] longer than the original, so a miss
//!   says "expired" or "evicted" rather than "never stored";
//! - `idx`, a sorted set of hashes by expiry, for `list` and `stats`,
//!   trimmed of expired members on every put.
//!
//! A put is one transaction (atomic, one round trip): `HSETNX` of the bytes
//! and a Lua script for the rest, which refuses different bytes under an
//! existing hash by their SHA-256 (field `d`) and length, so the original
//! itself never passes through Lua (copying 100 KB into the interpreter
//! cost the server more than storing it). An original stored before `d`
//! existed is compared byte for byte by the older script, which takes the
//! bytes. The reply is the server's acknowledgement, and only then does the
//! caller print a marker. The size cap is the server's (`maxmemory` +
//! `maxmemory-policy`), not headroom's.
//!
//! Connections are pooled (one per concurrent caller, kept for reuse) with
//! connect and I/O timeouts. After a connection failure the store fails
//! fast for [`RETRY_AFTER`] instead of letting every caller wait on a dead
//! server; [`OriginalStore::probe`] or the next call after that reconnects.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis::{Client, Connection, RedisError, Script};

use super::location::redact;
use super::store::{
    Entry, EntryMeta, GoneReason, Lookup, OriginalStore, StoreError, StoreOptions, StoreStats,
    check_hash, system_now,
};

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
pub const IO_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the store fails fast after losing the server.
pub const RETRY_AFTER: Duration = Duration::from_secs(1);
/// How long a tombstone outlives its original.
pub const TOMBSTONE_SECS: i64 = 30 * 24 * 3600;
/// Idle connections kept for reuse.
const POOL_MAX_IDLE: usize = 32;
const PREFIX: &str = "headroom:";

/// The end of both put scripts, once the entry's expiry `exp` is settled:
/// the key's TTL, its tombstone's, and the expiry index (pruned of the past).
macro_rules! put_tail {
    () => {
        r"redis.call('EXPIREAT', KEYS[1], exp)
redis.call('SET', KEYS[2], tostring(exp), 'EXAT', exp + tonumber(ARGV[5]))
redis.call('ZADD', KEYS[3], exp, ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
return 1
"
    };
}

/// The put with the bytes (ARGV[1]) compared in Lua: for originals stored
/// before their digest was (no `d`). ARGV[7] is the digest.
const PUT_SCRIPT: &str = concat!(
    r"
local cur = redis.call('HGET', KEYS[1], 'v')
local now = tonumber(ARGV[3])
local exp = tonumber(ARGV[4])
if cur then
  if cur ~= ARGV[1] then return 0 end
  local old = tonumber(redis.call('HGET', KEYS[1], 'e') or '0')
  if old <= now then redis.call('HSET', KEYS[1], 's', ARGV[3]) end
  if old > exp then exp = old end
  redis.call('HSET', KEYS[1], 'e', tostring(exp), 'd', ARGV[7])
else
  redis.call('HSET', KEYS[1], 'v', ARGV[1], 'k', ARGV[2], 's', ARGV[3], 'e', ARGV[4], 'd', ARGV[7])
end
",
    put_tail!()
);

/// The rest of a put, run right after `HSETNX KEYS[1] v BYTES` in the same
/// transaction, given the bytes' digest (ARGV[1]) and length (ARGV[7]):
/// 1 stored, 0 different bytes under the hash, 2 stored before digests
/// (the caller then runs [`PUT_SCRIPT`]).
const META_SCRIPT: &str = concat!(
    r"
local now = tonumber(ARGV[3])
local exp = tonumber(ARGV[4])
local d = redis.call('HGET', KEYS[1], 'd')
if d then
  if d ~= ARGV[1] or redis.call('HSTRLEN', KEYS[1], 'v') ~= tonumber(ARGV[7]) then return 0 end
  local old = tonumber(redis.call('HGET', KEYS[1], 'e') or '0')
  if old <= now then redis.call('HSET', KEYS[1], 's', ARGV[3]) end
  if old > exp then exp = old end
  redis.call('HSET', KEYS[1], 'e', tostring(exp))
elseif redis.call('HEXISTS', KEYS[1], 'k') == 1 then
  return 2
else
  if redis.call('HSTRLEN', KEYS[1], 'v') ~= tonumber(ARGV[7]) then return 0 end
  redis.call('HSET', KEYS[1], 'k', ARGV[2], 's', ARGV[3], 'e', ARGV[4], 'd', ARGV[1])
end
",
    put_tail!()
);

/// The hash of `bytes` ([`super::store::hash_of`]) and their whole SHA-256 in hex, from
/// one pass over them.
fn hash_and_digest(bytes: &[u8]) -> (String, String) {
    use sha2::{Digest, Sha256};
    let hex: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    (hex[..super::store::HASH_LEN].to_string(), hex)
}

/// Whether `url` is a Redis URL this build can connect to (checked
/// without connecting).
pub(crate) fn check_url(url: &str) -> Result<(), String> {
    let parsed = redis::parse_redis_url(url)
        .ok_or_else(|| "not a valid redis:// or rediss:// URL".to_string())?;
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("no host in the URL".into());
    }
    client(url).map(drop).map_err(|e| e.to_string())
}

/// A client for `url` whose connections send each command at once
/// (`TCP_NODELAY`; the crate leaves Nagle's algorithm on): otherwise the
/// tail of a large put can wait for the server's delayed ACK, up to 40 ms
/// on Linux, while the caller waits to print its marker.
pub(crate) fn client(url: &str) -> redis::RedisResult<Client> {
    use redis::IntoConnectionInfo;
    let info = url.into_connection_info()?;
    let tcp = info.tcp_settings().clone().set_nodelay(true);
    Client::open(info.set_tcp_settings(tcp))
}

/// Key of the original stored under `hash`.
pub(crate) fn original_key(hash: &str) -> String {
    format!("{PREFIX}o:{hash}")
}

fn tombstone_key(hash: &str) -> String {
    format!("{PREFIX}g:{hash}")
}

fn index_key() -> String {
    format!("{PREFIX}idx")
}

type ClockFn = Box<dyn Fn() -> i64 + Send + Sync>;

/// The originals in one Redis database.
pub struct RedisStore {
    client: Client,
    /// The URL with its password hidden, for messages.
    location: String,
    opts: StoreOptions,
    pool: Mutex<Vec<Connection>>,
    /// Since when, and why, the server is unreachable (`None`: it is not).
    outage: Mutex<Option<(Instant, String)>>,
    /// How many times the server became unreachable.
    outages: AtomicU64,
    put_script: Script,
    meta_script: Script,
    now: ClockFn,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("location", &self.location)
            .field("opts", &self.opts)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to `url` once, so a wrong address, password or database
    /// is reported now rather than at the first put.
    pub fn connect(url: &str, opts: StoreOptions) -> Result<RedisStore, StoreError> {
        let store = RedisStore::new(url, opts)?;
        let conn = store.connection("connect", false)?;
        store.give_back(conn);
        Ok(store)
    }

    /// A store for `url` that connects on first use (and keeps trying).
    pub fn new(url: &str, opts: StoreOptions) -> Result<RedisStore, StoreError> {
        let location = redact(url);
        if opts.ttl_secs <= 0 {
            return Err(StoreError::InvalidOptions {
                path: location.into(),
                problem: format!("ttl_secs must be positive, got {}", opts.ttl_secs),
            });
        }
        let client = client(url).map_err(|source| StoreError::Redis {
            location: location.clone(),
            action: "parse the URL",
            source,
        })?;
        Ok(RedisStore {
            client,
            location,
            opts,
            pool: Mutex::new(Vec::new()),
            outage: Mutex::new(None),
            outages: AtomicU64::new(0),
            put_script: Script::new(PUT_SCRIPT),
            meta_script: Script::new(META_SCRIPT),
            now: Box::new(system_now),
        })
    }

    /// Replaces the clock (unix seconds) used for timestamps and expiry.
    pub fn with_clock(mut self, now: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.now = Box::new(now);
        self
    }

    fn lock_outage(&self) -> std::sync::MutexGuard<'_, Option<(Instant, String)>> {
        self.outage.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A pooled connection, or a new one; fails fast during an outage
    /// unless `now` (a probe).
    fn connection(&self, action: &'static str, now: bool) -> Result<Connection, StoreError> {
        if let Some((since, why)) = &*self.lock_outage()
            && since.elapsed() < RETRY_AFTER
            && !now
        {
            return Err(StoreError::Unavailable {
                location: self.location.clone(),
                reason: why.clone(),
            });
        }
        let pooled = self.pool.lock().unwrap_or_else(|e| e.into_inner()).pop();
        if let Some(c) = pooled {
            return Ok(c);
        }
        let conn = self
            .client
            .get_connection_with_timeout(CONNECT_TIMEOUT)
            .and_then(|c| {
                c.set_read_timeout(Some(IO_TIMEOUT))?;
                c.set_write_timeout(Some(IO_TIMEOUT))?;
                Ok(c)
            });
        conn.map_err(|e| self.failed(action, e, true))
    }

    fn give_back(&self, conn: Connection) {
        *self.lock_outage() = None;
        let mut pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < POOL_MAX_IDLE {
            pool.push(conn);
        }
    }

    /// Records a failure. A connection that cannot be made, or one the
    /// server dropped, starts an outage; a command that merely timed out
    /// (a busy server, a starved machine) costs only its connection, so one
    /// slow reply does not fail every caller for [`RETRY_AFTER`].
    fn failed(&self, action: &'static str, source: RedisError, connecting: bool) -> StoreError {
        if is_connection_error(&source) && (connecting || !source.is_timeout()) {
            let mut outage = self.lock_outage();
            if outage.is_none() {
                self.outages.fetch_add(1, Ordering::Relaxed);
            }
            *outage = Some((Instant::now(), source.to_string()));
            drop(outage);
            // Pooled connections to a server that went away are dead too.
            self.pool.lock().unwrap_or_else(|e| e.into_inner()).clear();
        }
        StoreError::Redis {
            location: self.location.clone(),
            action,
            source,
        }
    }

    /// Runs `f` on a connection, returning it to the pool unless it broke.
    fn with<T>(
        &self,
        action: &'static str,
        f: impl FnOnce(&mut Connection) -> redis::RedisResult<T>,
    ) -> Result<T, StoreError> {
        self.with_now(action, false, f)
    }

    fn with_now<T>(
        &self,
        action: &'static str,
        now: bool,
        f: impl FnOnce(&mut Connection) -> redis::RedisResult<T>,
    ) -> Result<T, StoreError> {
        let mut conn = self.connection(action, now)?;
        match f(&mut conn) {
            Ok(v) => {
                self.give_back(conn);
                Ok(v)
            }
            Err(e) => {
                // A broken connection (or one whose reply never came and
                // may still arrive) is dropped, never reused.
                let broken = is_connection_error(&e);
                let err = self.failed(action, e, false);
                if !broken {
                    self.give_back(conn);
                }
                Err(err)
            }
        }
    }
}

/// Whether the connection (rather than one command) failed.
fn is_connection_error(e: &RedisError) -> bool {
    e.is_io_error()
        || e.is_timeout()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_unrecoverable_error()
}

impl OriginalStore for RedisStore {
    fn put(&self, original: &[u8], kind: &str) -> Result<String, StoreError> {
        let (hash, digest) = hash_and_digest(original);
        let now = (self.now)();
        let expires_at = now.saturating_add(self.opts.ttl_secs);
        let (okey, tkey) = (original_key(&hash), tombstone_key(&hash));
        let stored: i64 = self.with("store original", |c| {
            let meta = |pipe: &mut redis::Pipeline| {
                pipe.cmd("EVALSHA")
                    .arg(self.meta_script.get_hash())
                    .arg(3)
                    .arg(&okey)
                    .arg(&tkey)
                    .arg(index_key())
                    .arg(&digest)
                    .arg(kind)
                    .arg(now)
                    .arg(expires_at)
                    .arg(TOMBSTONE_SECS)
                    .arg(&hash)
                    .arg(original.len());
            };
            let mut pipe = redis::pipe();
            pipe.atomic()
                .cmd("HSETNX")
                .arg(&okey)
                .arg("v")
                .arg(original)
                .ignore();
            meta(&mut pipe);
            let reply: redis::RedisResult<(i64,)> = pipe.query(c);
            let stored = match reply {
                Ok((stored,)) => stored,
                // The server lost its scripts (a restart, SCRIPT FLUSH):
                // load it and run the transaction again; the bytes written
                // by the failed one are ours, and the script now finds
                // them.
                Err(e) if e.code() == Some("NOSCRIPT") => {
                    self.meta_script.load(c)?;
                    let mut pipe = redis::pipe();
                    pipe.atomic();
                    meta(&mut pipe);
                    let (stored,): (i64,) = pipe.query(c)?;
                    stored
                }
                Err(e) => return Err(e),
            };
            if stored != 2 {
                return Ok(stored);
            }
            self.put_script
                .key(&okey)
                .key(&tkey)
                .key(index_key())
                .arg(original)
                .arg(kind)
                .arg(now)
                .arg(expires_at)
                .arg(TOMBSTONE_SECS)
                .arg(&hash)
                .arg(&digest)
                .invoke(c)
        })?;
        if stored == 1 {
            Ok(hash)
        } else {
            Err(StoreError::Collision {
                path: self.location.clone().into(),
                hash,
            })
        }
    }

    fn get(&self, hash: &str) -> Result<Lookup, StoreError> {
        check_hash(hash)?;
        let now = (self.now)();
        type Row = (Option<Vec<u8>>, Option<String>, Option<i64>, Option<i64>);
        let (row, tomb): (Row, Option<i64>) = self.with("read original", |c| {
            redis::pipe()
                .cmd("HMGET")
                .arg(original_key(hash))
                .arg(&["v", "k", "s", "e"])
                .cmd("GET")
                .arg(tombstone_key(hash))
                .query(c)
        })?;
        if let (Some(original), Some(kind), Some(stored_at), Some(expires_at)) = row {
            // The server expires the key itself; this covers a client
            // clock that runs ahead of the server's.
            if expires_at <= now {
                return Ok(Lookup::Gone {
                    reason: GoneReason::Expired,
                    at: expires_at,
                });
            }
            return Ok(Lookup::Found(Entry {
                hash: hash.to_string(),
                kind,
                original,
                stored_at,
                expires_at,
            }));
        }
        Ok(match tomb {
            Some(at) if at <= now => Lookup::Gone {
                reason: GoneReason::Expired,
                at,
            },
            // Stored, not yet expired, yet gone: the server's
            // maxmemory-policy evicted it (or someone deleted it).
            Some(_) => Lookup::Gone {
                reason: GoneReason::Evicted,
                at: now,
            },
            None => Lookup::Missing,
        })
    }

    fn contains(&self, hash: &str) -> Result<bool, StoreError> {
        check_hash(hash)?;
        let now = (self.now)();
        let expires: Option<i64> = self.with("look up original", |c| {
            redis::cmd("HGET").arg(original_key(hash)).arg("e").query(c)
        })?;
        Ok(expires.is_some_and(|e| e > now))
    }

    fn list(&self, limit: usize) -> Result<Vec<EntryMeta>, StoreError> {
        let now = (self.now)();
        let limit = isize::try_from(limit).unwrap_or(isize::MAX);
        let mut out = self.with("list originals", |c| {
            let hashes: Vec<String> = redis::cmd("ZRANGE")
                .arg(index_key())
                .arg("+inf")
                .arg(format!("({now}"))
                .arg("BYSCORE")
                .arg("REV")
                .arg("LIMIT")
                .arg(0)
                .arg(limit)
                .query(c)?;
            let mut pipe = redis::pipe();
            for h in &hashes {
                pipe.cmd("HMGET").arg(original_key(h)).arg(&["k", "s", "e"]);
                pipe.cmd("HSTRLEN").arg(original_key(h)).arg("v");
            }
            type Meta = ((Option<String>, Option<i64>, Option<i64>), u64);
            let metas: Vec<Meta> = pipe.query(c)?;
            Ok(hashes
                .into_iter()
                .zip(metas)
                .filter_map(|(hash, ((kind, stored, expires), size))| {
                    let (kind, stored_at, expires_at) = (kind?, stored?, expires?);
                    Some(EntryMeta {
                        hash,
                        kind,
                        size,
                        stored_at,
                        expires_at,
                        last_access: stored_at,
                    })
                })
                .filter(|m| m.expires_at > now)
                .collect::<Vec<_>>())
        })?;
        out.sort_by_key(|m| std::cmp::Reverse(m.stored_at));
        Ok(out)
    }

    fn stats(&self) -> Result<StoreStats, StoreError> {
        let now = (self.now)();
        let entries: u64 = self.with("count originals", |c| {
            redis::cmd("ZCOUNT")
                .arg(index_key())
                .arg(format!("({now}"))
                .arg("+inf")
                .query(c)
        })?;
        Ok(StoreStats {
            entries,
            bytes: None,
        })
    }

    fn location(&self) -> String {
        self.location.clone()
    }

    fn outage(&self) -> Option<String> {
        self.lock_outage().as_ref().map(|(_, why)| why.clone())
    }

    fn outages(&self) -> u64 {
        self.outages.load(Ordering::Relaxed)
    }

    fn probe(&self) -> bool {
        // A probe ignores the fail-fast window: it is how the store comes back.
        self.with_now("ping", true, |c| redis::cmd("PING").query::<String>(c))
            .is_ok()
    }
}
