//! The store contract, run against both backends (SQLite file, real
//! redis-server), and the CLI on Redis: `--store`, retrieve's messages,
//! `store migrate` round trips, and `report` summing the same numbers.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use headroom::ccr::redis::RedisStore;
use headroom::ccr::store::{
    GoneReason, Lookup, OriginalStore, SqliteStore, StoreError, StoreOptions,
};
use headroom::ccr::{StoreLocation, hash_of};
use headroom::usage::{self, Record, Source, UpstreamUsage};

use crate::support::Env;
use crate::support::redis::RedisServer;

const TTL: i64 = 3600;

fn wall_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A clock the test moves; it starts at the wall clock because Redis
/// expires keys on its own clock.
#[derive(Clone)]
struct Clock(Arc<AtomicI64>);

impl Clock {
    fn new() -> Clock {
        Clock(Arc::new(AtomicI64::new(wall_now())))
    }
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
    fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
    fn func(&self) -> impl Fn() -> i64 + Send + Sync + 'static {
        let c = Arc::clone(&self.0);
        move || c.load(Ordering::SeqCst)
    }
}

/// One backend under test: a fresh, empty store on each call.
trait Backend {
    fn name(&self) -> &'static str;
    fn open(&self, clock: &Clock) -> Box<dyn OriginalStore>;
    /// Removes `hash` as the backend's size cap would.
    fn evict(&self, store: &dyn OriginalStore, hash: &str);
}

struct Sqlite(tempfile::TempDir);

impl Backend for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }
    fn open(&self, clock: &Clock) -> Box<dyn OriginalStore> {
        let path = self.0.path().join(format!("{}.db", clock.now()));
        let _ = std::fs::remove_file(&path);
        let opts = StoreOptions {
            ttl_secs: TTL,
            max_bytes: 1 << 30,
        };
        Box::new(
            SqliteStore::open(&path, opts)
                .unwrap()
                .with_clock(clock.func()),
        )
    }
    fn evict(&self, store: &dyn OriginalStore, hash: &str) {
        // Shrinking the cap to one small original pushes the rest out.
        let path = std::path::PathBuf::from(store.location());
        let small = SqliteStore::open(
            &path,
            StoreOptions {
                ttl_secs: TTL,
                max_bytes: 1,
            },
        )
        .unwrap();
        small.put(b"pushes the others out", "text").unwrap();
        assert!(!small.contains(hash).unwrap());
    }
}

struct Redis(RedisServer);

impl Backend for Redis {
    fn name(&self) -> &'static str {
        "redis"
    }
    fn open(&self, clock: &Clock) -> Box<dyn OriginalStore> {
        let _: () = redis::cmd("FLUSHDB").query(&mut self.0.conn()).unwrap();
        let opts = StoreOptions {
            ttl_secs: TTL,
            max_bytes: 1 << 30,
        };
        Box::new(
            RedisStore::connect(&self.0.url(), opts)
                .unwrap()
                .with_clock(clock.func()),
        )
    }
    fn evict(&self, _store: &dyn OriginalStore, hash: &str) {
        // What maxmemory-policy does: the key vanishes before its time.
        let n: i64 = redis::cmd("DEL")
            .arg(format!("headroom:o:{hash}"))
            .query(&mut self.0.conn())
            .unwrap();
        assert_eq!(n, 1);
    }
}

/// Both backends, or SQLite alone when redis-server cannot be started.
fn backends() -> Vec<Box<dyn Backend>> {
    let mut out: Vec<Box<dyn Backend>> = vec![Box::new(Sqlite(tempfile::tempdir().unwrap()))];
    if let Some(server) = RedisServer::start() {
        out.push(Box::new(Redis(server)));
    }
    out
}

fn found(lookup: Lookup) -> headroom::ccr::store::Entry {
    match lookup {
        Lookup::Found(e) => e,
        other => panic!("expected Found, got {other:?}"),
    }
}

#[test]
fn contract_put_get_round_trips_any_bytes_under_the_content_hash() {
    for b in backends() {
        let clock = Clock::new();
        let store = b.open(&clock);
        let big: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for (bytes, kind) in [
            (b"hello".to_vec(), "text"),
            (vec![0, 255, 10, 13, 0], "json"),
            (Vec::new(), "log"),
            (big, "code"),
        ] {
            let h = store.put(&bytes, kind).unwrap();
            assert_eq!(h, hash_of(&bytes), "{}", b.name());
            let e = found(store.get(&h).unwrap());
            assert_eq!(e.original, bytes, "{}", b.name());
            assert_eq!(e.kind, kind);
            assert_eq!(e.stored_at, clock.now());
            assert_eq!(e.expires_at, clock.now() + TTL);
            assert!(store.contains(&h).unwrap());
        }
    }
}

#[test]
fn contract_put_is_idempotent_and_extends_expiry() {
    for b in backends() {
        let clock = Clock::new();
        let store = b.open(&clock);
        let t0 = clock.now();
        let h1 = store.put(b"same bytes", "text").unwrap();
        clock.advance(100);
        let h2 = store.put(b"same bytes", "log").unwrap();
        assert_eq!(h1, h2);
        let e = found(store.get(&h1).unwrap());
        assert_eq!(
            e.stored_at,
            t0,
            "{}: a live re-put keeps stored_at",
            b.name()
        );
        assert_eq!(e.expires_at, t0 + 100 + TTL, "{}", b.name());
        assert_eq!(e.kind, "text", "{}: the first kind stays", b.name());
        assert_eq!(store.stats().unwrap().entries, 1, "{}", b.name());
    }
}

#[test]
fn contract_a_miss_says_expired_evicted_or_never_stored() {
    for b in backends() {
        let clock = Clock::new();
        let store = b.open(&clock);
        let old = store.put(b"will expire", "text").unwrap();
        clock.advance(TTL + 1);
        let kept = store.put(b"will be evicted", "text").unwrap();
        assert_eq!(
            store.get(&old).unwrap(),
            Lookup::Gone {
                reason: GoneReason::Expired,
                at: clock.now() - 1
            },
            "{}",
            b.name()
        );
        assert!(!store.contains(&old).unwrap());
        b.evict(&*store, &kept);
        match store.get(&kept).unwrap() {
            Lookup::Gone {
                reason: GoneReason::Evicted,
                ..
            } => {}
            other => panic!("{}: expected evicted, got {other:?}", b.name()),
        }
        assert_eq!(
            store.get("0123456789abcdef").unwrap(),
            Lookup::Missing,
            "{}",
            b.name()
        );
        assert!(matches!(
            store.get("not-a-hash"),
            Err(StoreError::InvalidHash { .. })
        ));
        // Stored again after expiring: a fresh entry.
        let again = store.put(b"will expire", "text").unwrap();
        assert_eq!(found(store.get(&again).unwrap()).stored_at, clock.now());
    }
}

#[test]
fn contract_list_and_stats_see_live_entries_newest_first() {
    for b in backends() {
        let clock = Clock::new();
        let store = b.open(&clock);
        let mut hashes = Vec::new();
        for i in 0..5 {
            hashes.push(store.put(format!("entry {i}").as_bytes(), "text").unwrap());
            clock.advance(10);
        }
        let listed: Vec<String> = store.list(3).unwrap().into_iter().map(|m| m.hash).collect();
        let newest: Vec<String> = hashes.iter().rev().take(3).cloned().collect();
        assert_eq!(listed, newest, "{}", b.name());
        let all = store.list(usize::MAX).unwrap();
        assert_eq!(all.len(), 5);
        assert!(all.iter().all(|m| m.size == 7 && m.kind == "text"));
        assert_eq!(store.stats().unwrap().entries, 5, "{}", b.name());
        clock.advance(TTL - 25);
        // The first three have expired by now.
        assert_eq!(store.list(usize::MAX).unwrap().len(), 2, "{}", b.name());
        assert_eq!(store.stats().unwrap().entries, 2, "{}", b.name());
    }
}

#[test]
fn redis_refuses_different_bytes_under_a_stored_hash() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let store = RedisStore::connect(&server.url(), StoreOptions::default()).unwrap();
    let h = store.put(b"the real original", "text").unwrap();
    let _: () = redis::cmd("HSET")
        .arg(format!("headroom:o:{h}"))
        .arg("v")
        .arg("forged")
        .query(&mut server.conn())
        .unwrap();
    assert!(matches!(
        store.put(b"the real original", "text"),
        Err(StoreError::Collision { .. })
    ));
}

#[test]
fn redis_put_survives_lost_scripts_and_compares_originals_stored_before_digests() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let store = RedisStore::connect(&server.url(), StoreOptions::default()).unwrap();
    let h = store.put(b"first", "text").unwrap();
    assert_eq!(h, hash_of(b"first"));
    // The server forgets its scripts (as after a restart): the next put
    // loads them again and stores in full.
    let _: () = redis::cmd("SCRIPT")
        .arg("FLUSH")
        .query(&mut server.conn())
        .unwrap();
    let h2 = store.put(b"second", "text").unwrap();
    assert!(
        matches!(store.get(&h2).unwrap(), Lookup::Found(e) if e.original == b"second" && e.kind == "text")
    );
    // An original stored before digests (no `d`): compared byte for byte.
    let key = format!("headroom:o:{h}");
    let _: () = redis::cmd("HDEL")
        .arg(&key)
        .arg("d")
        .query(&mut server.conn())
        .unwrap();
    assert_eq!(store.put(b"first", "text").unwrap(), h);
    let _: () = redis::cmd("HDEL")
        .arg(&key)
        .arg("d")
        .query(&mut server.conn())
        .unwrap();
    let _: () = redis::cmd("HSET")
        .arg(&key)
        .arg("v")
        .arg("forgd")
        .query(&mut server.conn())
        .unwrap();
    assert!(matches!(
        store.put(b"first", "text"),
        Err(StoreError::Collision { .. })
    ));
}

#[test]
fn redis_outage_fails_fast_then_recovers_by_itself() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let store = RedisStore::connect(&server.url(), StoreOptions::default()).unwrap();
    let h = store.put(b"before the outage", "text").unwrap();
    server.kill();
    assert!(store.put(b"during", "text").is_err());
    assert!(store.outage().is_some());
    let t = std::time::Instant::now();
    assert!(matches!(store.get(&h), Err(StoreError::Unavailable { .. })));
    assert!(
        t.elapsed() < std::time::Duration::from_millis(50),
        "fails fast"
    );
    server.resume();
    assert!(store.probe());
    assert!(store.outage().is_none());
    // A fresh server without persistence: the old original is gone, and
    // new ones are stored again.
    let h2 = store.put(b"after", "text").unwrap();
    assert_eq!(found(store.get(&h2).unwrap()).original, b"after");
}

fn log_input() -> String {
    crate::support::log_records(400, 200)
}

#[test]
fn cli_compresses_into_redis_and_retrieves_from_it() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let env = Env::new();
    let url = server.url();
    let out = env.ok_str(&["compress", "--store", &url], log_input());
    let hash = headroom::ccr::hashes_in(&out)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no marker in {out}"));
    assert!(
        !env.store_path().exists(),
        "nothing went to the SQLite file"
    );
    // The environment variable works as the flag does.
    let mut c = env.cmd(&["retrieve", &hash]);
    c.env("HEADROOM_STORE", &url);
    let got = crate::support::run_with_stdin(c, b"");
    assert!(got.status.success());
    let original = String::from_utf8(got.stdout).unwrap();
    assert!(original.contains("payment failed: card declined"));
    let listed = env.ok_str(
        &["retrieve", "--list", "--format", "json", "--store", &url],
        "",
    );
    assert!(listed.contains(&hash), "{listed}");
    let miss = env.run(&["retrieve", "0123456789abcdef", "--store", &url], "");
    assert_eq!(miss.status.code(), Some(1));
    let err = String::from_utf8_lossy(&miss.stderr);
    assert!(
        err.contains("never stored") && err.contains("redis://127.0.0.1"),
        "{err}"
    );
}

#[test]
fn bad_or_unreachable_stores_get_one_clear_line() {
    let env = Env::new();
    let bad = env.run(
        &[
            "retrieve",
            "0123456789abcdef",
            "--store",
            "http://cache:6379",
        ],
        "",
    );
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&bad.stderr),
        "headroom: error: invalid store 'http://cache:6379': unsupported scheme 'http://'; expected redis://, rediss:// or a file path\n"
    );
    let bad = env.run(
        &["compress", "--store", "redis://u:hunter2@host:99999/0"],
        "x",
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&bad.stderr).contains("hunter2"));
    // Nothing listens on port 1: retrieve fails, compress stays lossless.
    let down = "redis://127.0.0.1:1/0";
    let miss = env.run(&["retrieve", "0123456789abcdef", "--store", down], "");
    assert_eq!(miss.status.code(), Some(1));
    let err = String::from_utf8_lossy(&miss.stderr);
    assert!(
        err.starts_with("headroom: error: redis://127.0.0.1:1/0: cannot connect"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let input = log_input();
    let out = env.run(&["compress", "--store", down], &input);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        headroom::ccr::hashes_in(&text).is_empty(),
        "lossless: {text}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("keeping output lossless"));
}

fn record(time_ms: i64, i: u64) -> Record {
    let mut r = Record::new(
        time_ms,
        if i.is_multiple_of(3) {
            Source::Cli
        } else {
            Source::Proxy
        },
    );
    r.agent = Some(format!("agent-{}", i % 2));
    r.project = Some("projects/p".into());
    r.provider = Some("openai".into());
    r.model = Some("gpt-4o".into());
    r.kinds = vec!["json".into(), "log".into()];
    r.tokens_before = 10_000 + i;
    r.tokens_after = 2_000 + i / 2;
    r.upstream = UpstreamUsage {
        input: i.is_multiple_of(2).then_some(2_100 + i),
        output: Some(50),
        cache_write: None,
        cache_write_1h: None,
        cache_read: i.is_multiple_of(4).then_some(1_000),
    };
    r.retrievals = (i % 3) as u32;
    r.overhead_ms = 1.5;
    r.status = "200".into();
    r
}

#[test]
fn migrate_round_trips_and_report_sums_the_same_on_both_backends() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let env = Env::new();
    let url = server.url();
    let db = env.dir.path().join("a.db");
    let back = env.dir.path().join("b.db");
    let sqlite = SqliteStore::open(&db, StoreOptions::default()).unwrap();
    let mut hashes = Vec::new();
    for i in 0..50 {
        hashes.push(
            sqlite
                .put(format!("original {i}\n").repeat(i + 1).as_bytes(), "log")
                .unwrap(),
        );
    }
    drop(sqlite);
    let day = 86_400_000;
    let now = usage::now_ms();
    let records: Vec<Record> = (0..300)
        .map(|i| record(now - (i as i64 % 20) * day / 2 - i as i64, i))
        .collect();
    usage::append(&StoreLocation::Sqlite(db.clone()), &records).unwrap();

    let migrate = |from: &str, to: &str| {
        let out = env.run(&["store", "migrate", "--from", from, "--to", to], "");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).unwrap()
    };
    let db_s = db.to_str().unwrap();
    let said = migrate(db_s, &url);
    assert!(
        said.contains("50 originals copied (0 already there"),
        "{said}"
    );
    assert!(
        said.contains("300 usage records copied (0 already there)"),
        "{said}"
    );
    let said = migrate(db_s, &url);
    assert!(
        said.contains("0 originals copied (50 already there"),
        "{said}"
    );
    assert!(
        said.contains("0 usage records copied (300 already there)"),
        "{said}"
    );
    // Every original retrievable from Redis, byte for byte.
    let redis = RedisStore::connect(&url, StoreOptions::default()).unwrap();
    for (i, h) in hashes.iter().enumerate() {
        assert_eq!(
            found(redis.get(h).unwrap()).original,
            format!("original {i}\n").repeat(i + 1).into_bytes()
        );
    }
    // The same records read back from both.
    let from_sqlite = usage::read(&db, i64::MIN, i64::MAX).unwrap();
    let mut from_redis =
        usage::read(StoreLocation::parse(&url).unwrap(), i64::MIN, i64::MAX).unwrap();
    let mut a = from_sqlite.clone();
    a.sort_by(|x, y| {
        x.time_ms
            .cmp(&y.time_ms)
            .then(x.tokens_before.cmp(&y.tokens_before))
    });
    from_redis.sort_by(|x, y| {
        x.time_ms
            .cmp(&y.time_ms)
            .then(x.tokens_before.cmp(&y.tokens_before))
    });
    assert_eq!(a, from_redis);
    // And back to a new file.
    let said = migrate(&url, back.to_str().unwrap());
    assert!(said.contains("50 originals copied"), "{said}");
    assert!(said.contains("300 usage records copied"), "{said}");
    // report gives the same numbers whichever store it reads.
    for args in [
        &["report", "--format", "json"][..],
        &["report", "--format", "json", "--since", "2000-01-01"][..],
        &[
            "report",
            "daily",
            "--format",
            "csv",
            "--since",
            "2000-01-01",
        ][..],
        &[
            "report",
            "--format",
            "json",
            "--by",
            "agent",
            "--since",
            "2000-01-01",
        ][..],
    ] {
        let on = |store: &str| {
            let mut a = args.to_vec();
            a.extend(["--store", store]);
            env.ok_str(&a, "")
        };
        let s = on(db_s);
        assert_eq!(s, on(&url), "{args:?}");
        assert_eq!(s, on(back.to_str().unwrap()), "{args:?}");
        if args.contains(&"2000-01-01") && args.contains(&"json") {
            // Every record counted: 300 × 10 000 + (0 + … + 299) tokens in.
            assert!(s.contains("3044850"), "{s}");
        }
    }
}

#[test]
fn rediss_urls_speak_tls() {
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("skipping: openssl is not installed");
        return;
    }
    // Started only to learn that redis-server is here; the TLS one below
    // is configured by hand.
    if RedisServer::start().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = (dir.path().join("key.pem"), dir.path().join("cert.pem"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=127.0.0.1", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(made.status.success());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut tls = Command::new("redis-server")
        .args(["--port", "0", "--bind", "127.0.0.1", "--save", ""])
        .args(["--tls-port", &port.to_string(), "--tls-auth-clients", "no"])
        .arg("--tls-cert-file")
        .arg(&cert)
        .arg("--tls-key-file")
        .arg(&key)
        .arg("--tls-ca-cert-file")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if std::time::Instant::now() > deadline {
            let _ = tls.kill();
            let _ = tls.wait();
            eprintln!("skipping: this redis-server has no TLS");
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let env = Env::new();
    // A self-signed certificate is refused unless the URL says #insecure.
    let url = format!("rediss://127.0.0.1:{port}/0");
    let refused = env.run(&["retrieve", "--list", "--store", &url], "");
    assert_eq!(refused.status.code(), Some(1));
    let insecure = format!("{url}#insecure");
    let out = env.ok_str(&["compress", "--store", &insecure], log_input());
    let hash = headroom::ccr::hashes_in(&out).remove(0);
    let original = env.ok_str(&["retrieve", &hash, "--store", &insecure], "");
    assert!(original.contains("payment failed: card declined"));
    let _ = tls.kill();
    let _ = tls.wait();
}
