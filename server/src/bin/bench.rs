//! The benchmark of the users page at scale: seeds one tenant with N users (plus two neighbour
//! tenants) once, then times every operation of the page through the store (the code path the
//! server functions call) and the bare SQL of the same statements, and prints a Markdown table.
//!
//! `cargo run --release -p omnibots --bin bench -- [--users 1000000] [--runs 200] [--backend sqlite|postgres|both]`
//! PostgreSQL: `BENCH_POSTGRES_URL` (default postgres://postgres@127.0.0.1:5432/omnibots_bench).

use std::time::{Duration, Instant};

use app::server::passwords;
use app::store::{NewTenant, Password, Sql, Store, TenantId};
use app::users::model::{NewUser, Status, UserType};
use app::users::query::{SortKey, UserQuery};
use omnibots::commands::{self, demo_user, seed_range};

/// The benchmark's options: `bench --help` lists them.
#[derive(clap::Parser)]
#[command(
    name = "bench",
    about = "Times the users page at scale: through the store and as bare SQL, as a Markdown table.",
    after_help = "PostgreSQL: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/omnibots_bench)."
)]
struct Args {
    /// Users in the measured tenant; at least 100000 (page 2,000 of 50 rows is measured).
    #[arg(long, default_value_t = 1_000_000, value_parser = at_least_100_000)]
    users: u64,
    /// Timed runs of each operation (after up to 20 warm-up runs).
    #[arg(long, default_value_t = 200)]
    runs: usize,
    /// The databases to measure.
    #[arg(long = "backend", value_name = "BACKEND", value_enum, default_value_t = Backends::Both)]
    backends: Backends,
}

/// Which databases `--backend` names.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Backends {
    Sqlite,
    Postgres,
    Both,
}

impl Backends {
    fn names(self) -> Vec<&'static str> {
        match self {
            Backends::Sqlite => vec!["sqlite"],
            Backends::Postgres => vec!["postgres"],
            Backends::Both => vec!["sqlite", "postgres"],
        }
    }
}

fn at_least_100_000(v: &str) -> Result<u64, String> {
    let users: u64 = v.parse().map_err(|_| "a number".to_string())?;
    // Page 2,000 of 50 rows is one of the measured operations.
    if users < 100_000 {
        return Err("at least 100000 (page 2,000 of 50 rows is measured)".into());
    }
    Ok(users)
}

/// Latency percentiles of one operation, in milliseconds.
struct Stats {
    p50: f64,
    p95: f64,
    p99: f64,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let at = |p: f64| {
        let i = ((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[i].as_secs_f64() * 1000.0
    };
    Stats {
        p50: at(0.50),
        p95: at(0.95),
        p99: at(0.99),
    }
}

async fn time<F, Fut>(runs: usize, mut f: F) -> Stats
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    // Warm the caches first: the figures are for a server that has been running.
    for i in 0..runs.min(20) {
        f(i).await;
    }
    let mut samples = Vec::with_capacity(runs);
    for i in 0..runs {
        let t = Instant::now();
        f(i).await;
        samples.push(t.elapsed());
    }
    stats(samples)
}

/// Runs built statements without mapping the rows: the bare SQL.
async fn bare(store: &Store, statements: Vec<&Sql>) {
    for s in statements {
        store.rows(s).await.expect("bare query");
    }
}

async fn exec(store: &Store, sql: &str) {
    let statement = Sql::new(sql);
    if let Err(e) = store.rows(&statement).await {
        panic!("{sql}: {e}");
    }
}

async fn open(backend: &str, users: u64) -> Result<Store, String> {
    let url = match backend {
        "sqlite" => {
            std::fs::create_dir_all("target/bench").map_err(|e| e.to_string())?;
            format!("sqlite://target/bench/bench-{users}.db")
        }
        _ => {
            let url = std::env::var("BENCH_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/omnibots_bench".into());
            let (base, name) = url
                .rsplit_once('/')
                .ok_or("BENCH_POSTGRES_URL needs a database")?;
            let admin = Store::connect(&format!("{base}/postgres"))
                .await
                .map_err(|e| e.to_string())?;
            if let Store::Postgres(p) = &admin {
                let exists: bool = sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)",
                )
                .bind(name)
                .fetch_one(p)
                .await
                .map_err(|e| e.to_string())?;
                if !exists {
                    exec(&admin, &format!("CREATE DATABASE {name}")).await;
                }
            }
            admin.close().await;
            url
        }
    };
    let store = Store::connect(&url).await.map_err(|e| e.to_string())?;
    store.migrate().await.map_err(|e| e.to_string())?;
    Ok(store)
}

const RARE_SURNAME: &str = "Quaternion-Xylo";

/// Seeds the bench tenant once (skipped when it already has `users` users).
async fn seed(store: &Store, users: u64) -> Result<(TenantId, Option<Duration>), String> {
    let db = |e: app::store::StoreError| e.to_string();
    if let Some(t) = store.tenant_by_slug("bench").await.map_err(db)?
        && store.tenant_counts(t.id).await.map_err(db)?.total as u64 >= users
    {
        return Ok((t.id, None));
    }
    let started = Instant::now();
    let admin = NewUser::named(
        "Bench",
        "Admin",
        "admin@bench.example",
        UserType::TenantAdmin,
    );
    let mut tenants = Vec::new();
    for (slug, n) in [
        ("bench", users),
        ("bench-north", users / 10),
        ("bench-south", users / 10),
    ] {
        let t = match store.tenant_by_slug(slug).await.map_err(db)? {
            Some(t) => t.id,
            None => {
                let tenant = NewTenant {
                    slug: slug.into(),
                    name: slug.into(),
                    default_timezone: "UTC".into(),
                };
                let mut admin = admin.clone();
                admin.profile.email = format!("admin@{slug}.example");
                store
                    .create_tenant(&tenant, &admin, None)
                    .await
                    .map_err(db)?
                    .0
            }
        };
        let roles = commands::role_ids(store, t).await.map_err(db)?;
        let have = store.tenant_counts(t).await.map_err(db)?.total as u64;
        seed_range(store, t, have, n, |k| {
            let mut u = demo_user(k, &roles);
            if k % 250_000 == 7 {
                u.user.profile.last_name = RARE_SURNAME.into();
            }
            u
        })
        .await
        .map_err(db)?;
        tenants.push(t);
    }
    exec(store, "ANALYZE").await;
    Ok((tenants[0], Some(started.elapsed())))
}

struct Row {
    op: String,
    ours: Stats,
    bare: Option<Stats>,
}

async fn run_backend(backend: &'static str, a: &Args) -> Result<(), String> {
    eprintln!("== {backend}: opening and seeding ({} users)…", a.users);
    let store = open(backend, a.users).await?;
    let (t, seeded) = seed(&store, a.users).await?;
    if matches!(store, Store::Postgres(_)) {
        // What autovacuum does to a loaded table before long: the visibility map lets index-only
        // scans skip the heap (without it, a 20,000-row prefix range reads 20,000 heap pages).
        eprintln!("== {backend}: VACUUM ANALYZE…");
        exec(&store, "VACUUM ANALYZE").await;
    }
    let counts = store.tenant_counts(t).await.map_err(|e| e.to_string())?;
    let scan = store
        .tenant_counts_by_scan(t)
        .await
        .map_err(|e| e.to_string())?;
    assert_eq!(
        counts, scan,
        "maintained counts equal a fresh count after seeding"
    );
    let mut rows: Vec<Row> = Vec::new();
    let base = UserQuery {
        size: 50,
        ..UserQuery::default()
    };

    // Page 2,000 by keyset: the id of the last row of page 1,999.
    let offset: i64 = 1_999 * 50 - 1;
    let cursor: i64 = store
        .scalar(
            &Sql::new(
                "SELECT id FROM users WHERE tenant_id = $1 ORDER BY name_key, id \
                 LIMIT 1 OFFSET $2",
            )
            .bind(t.0)
            .bind(offset),
        )
        .await
        .map_err(|e| e.to_string())?;
    let roles = commands::role_ids(&store, t)
        .await
        .map_err(|e| e.to_string())?;

    let mut queries: Vec<(String, UserQuery)> = vec![
        ("first page (name)".into(), base.clone()),
        (
            "page 2,000 by keyset".into(),
            UserQuery {
                after: Some(cursor),
                ..base.clone()
            },
        ),
    ];
    for sort in SortKey::ALL {
        queries.push((
            format!("sort by {} (desc)", sort.as_str()),
            UserQuery {
                sort,
                desc: true,
                ..base.clone()
            },
        ));
    }
    queries.extend([
        (
            "selective search (rare surname)".into(),
            UserQuery {
                q: "quaternion".into(),
                ..base.clone()
            },
        ),
        (
            "broad search (\"smith\")".into(),
            UserQuery {
                q: "smith".into(),
                ..base.clone()
            },
        ),
        (
            "1-char search (\"k\")".into(),
            UserQuery {
                q: "k".into(),
                ..base.clone()
            },
        ),
        (
            "2-char search (\"zo\")".into(),
            UserQuery {
                q: "zo".into(),
                ..base.clone()
            },
        ),
        (
            "search + status + type + role".into(),
            UserQuery {
                q: "smith".into(),
                status: Some(Status::Active),
                user_type: Some(UserType::Agent),
                role: Some(roles[0]),
                ..base.clone()
            },
        ),
        (
            "status + type + role, no search".into(),
            UserQuery {
                status: Some(Status::Suspended),
                user_type: Some(UserType::Analyst),
                role: Some(roles[2]),
                ..base.clone()
            },
        ),
    ]);
    for (name, q) in &queries {
        let ours = time(a.runs, |_| async {
            store.list_users(t, q).await.expect("list");
        })
        .await;
        // The same two statements the store runs for this view, without the rest of the call.
        let count = store.count_statement(t, q);
        let broad = store.broad_search(t, q).await.map_err(|e| e.to_string())?;
        let page = store
            .page_statement(t, q, broad)
            .await
            .map_err(|e| e.to_string())?;
        let bare_stats = time(a.runs, |_| bare(&store, vec![&count, &page])).await;
        rows.push(Row {
            op: name.clone(),
            ours,
            bare: Some(bare_stats),
        });
    }
    // The match count alone (the broad search's), and the stat cards.
    let broad = &queries
        .iter()
        .find(|(n, _)| n.starts_with("broad"))
        .unwrap()
        .1;
    let count = store.count_statement(t, broad);
    let count_ours = time(a.runs, |_| async {
        let built = store.count_statement(t, broad);
        bare(&store, vec![&built]).await
    })
    .await;
    let count_bare = time(a.runs, |_| bare(&store, vec![&count])).await;
    rows.push(Row {
        op: "match count (broad search, capped)".into(),
        ours: count_ours,
        bare: Some(count_bare),
    });
    let stat_sql = Sql::new("SELECT total_users, active_users FROM tenants WHERE id = $1").bind(t);
    let stat_ours = time(a.runs, |_| async {
        store.tenant_counts(t).await.expect("counts");
    })
    .await;
    let stat_bare = time(a.runs, |_| bare(&store, vec![&stat_sql])).await;
    rows.push(Row {
        op: "stat cards".into(),
        ours: stat_ours,
        bare: Some(stat_bare),
    });

    // Writes: create (the argon2 hash made once, outside the timing) and suspend.
    let hash = passwords::hash_now("bench password, never used").map_err(|e| e.to_string())?;
    let admin = store
        .user_id_by_email(t, "admin@bench.example")
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no admin")?;
    let stamp = app::store::now_ms();
    let created = std::sync::Mutex::new(Vec::new());
    let first_role = roles[0];
    let create = time(a.runs, |i| {
        let (hash, created) = (&hash, &created);
        let store = &store;
        async move {
            let mut user = NewUser::named(
                "Bench",
                format!("Writer {i}"),
                format!(
                    "writer-{stamp}-{i}-{}@bench.example",
                    created.lock().unwrap().len()
                ),
                UserType::Agent,
            );
            user.role_ids = vec![first_role];
            let password = Password {
                hash: hash.clone(),
                temporary: true,
                expires_at: Some(stamp),
            };
            let id = store
                .create_user(t, Some(admin), &user, Some(&password))
                .await
                .expect("create");
            created.lock().unwrap().push(id);
        }
    })
    .await;
    rows.push(Row {
        op: "create user (without the hash)".into(),
        ours: create,
        bare: None,
    });
    let ids = created.into_inner().unwrap();
    let suspend = time(a.runs, |i| {
        let id = ids[i % ids.len()];
        let store = &store;
        async move {
            store
                .change_status(t, admin, id, Status::Suspended)
                .await
                .expect("suspend");
            store
                .change_status(t, admin, id, Status::Active)
                .await
                .expect("reactivate");
        }
    })
    .await;
    rows.push(Row {
        op: "suspend + reactivate (two transactions)".into(),
        ours: suspend,
        bare: None,
    });
    let after = store.tenant_counts(t).await.map_err(|e| e.to_string())?;
    assert_eq!(
        after,
        store
            .tenant_counts_by_scan(t)
            .await
            .map_err(|e| e.to_string())?,
        "counts still exact"
    );
    // Remove the writers so a rerun measures the same table.
    for id in ids {
        exec(
            &store,
            &format!(
                "DELETE FROM users WHERE tenant_id = {} AND id = {}",
                t.0, id.0
            ),
        )
        .await;
    }

    println!(
        "\n### {backend}: {} users in the tenant (plus {} in two neighbours)\n",
        counts.total,
        a.users / 5
    );
    if let Some(s) = seeded {
        println!("Seeding took {:.1} s.\n", s.as_secs_f64());
    }
    println!("| operation | p50 ms | p95 ms | p99 ms | bare SQL p50 ms | ratio |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for r in rows {
        let (bare_p50, ratio) = match &r.bare {
            Some(b) => (
                format!("{:.2}", b.p50),
                format!("{:.2}", r.ours.p50 / b.p50.max(0.001)),
            ),
            None => ("".into(), "".into()),
        };
        println!(
            "| {} | {:.2} | {:.2} | {:.2} | {} | {} |",
            r.op, r.ours.p50, r.ours.p95, r.ours.p99, bare_p50, ratio
        );
    }
    store.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // As the omnibots binary does: a bad argument is one line on stderr and exit status 2.
    let a = match <Args as clap::Parser>::try_parse() {
        Ok(a) => a,
        Err(e) if e.use_stderr() => {
            let first = e.to_string();
            let first = first.lines().next().unwrap_or("invalid arguments");
            eprintln!("{first} (see bench --help)");
            return std::process::ExitCode::from(2);
        }
        Err(e) => {
            let _ = e.print();
            return std::process::ExitCode::SUCCESS;
        }
    };
    for backend in a.backends.names() {
        if let Err(e) = run_backend(backend, &a).await {
            eprintln!("error: {backend}: {e}");
            return std::process::ExitCode::FAILURE;
        }
    }
    std::process::ExitCode::SUCCESS
}
