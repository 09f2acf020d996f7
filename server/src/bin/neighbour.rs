//! Search next to a big neighbour: does a small tenant's search cost depend on another
//! tenant's data? A tenant of 1,000 users (10 of them named "Zorblat") is searched for
//! "zorblat", first alone in its database, then next to a neighbour of 1,000,000 users whose
//! names all contain "zorblat". Prints the p50/p95 of the whole list (count and page, the
//! server function's store call) and their ratio.
//!
//! `cargo run --release -p omnibots --bin neighbour -- [--backend sqlite|postgres|both] [--neighbour N]`
//! PostgreSQL: `BENCH_POSTGRES_URL` base (default postgres://postgres@127.0.0.1:5432), databases
//! `omnibots_alone` and `omnibots_neighbour`. The neighbour is seeded once and kept.

use std::time::{Duration, Instant};

use app::store::{NewTenant, Store, TenantId};
use app::users::model::{NewUser, UserType};
use app::users::query::UserQuery;
use omnibots::commands::{demo_user, seed_range};

const RUNS: usize = 200;
const SMALL: u64 = 1_000;

async fn open(backend: &str, name: &str) -> Store {
    let url = if backend == "sqlite" {
        std::fs::create_dir_all("target/bench").unwrap();
        format!("sqlite://target/bench/{name}.db")
    } else {
        let base = std::env::var("BENCH_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
        let admin = Store::connect(&format!("{base}/postgres")).await.unwrap();
        if let Store::Postgres(p) = &admin {
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                    .bind(name)
                    .fetch_one(p)
                    .await
                    .unwrap();
            if !exists {
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(p)
                    .await
                    .unwrap();
            }
        }
        admin.close().await;
        format!("{base}/{name}")
    };
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    store
}

/// The tenant `slug` with `n` users, made once; `zorblat` says which hold the searched text.
async fn tenant(store: &Store, slug: &str, n: u64, zorblat: fn(u64) -> bool) -> TenantId {
    if let Some(t) = store.tenant_by_slug(slug).await.unwrap() {
        return t.id;
    }
    let admin = NewUser::named(
        "Ada",
        "Admin",
        format!("admin@{slug}.example"),
        UserType::TenantAdmin,
    );
    let (t, _) = store
        .create_tenant(
            &NewTenant {
                slug: slug.into(),
                name: slug.into(),
                default_timezone: "UTC".into(),
            },
            &admin,
            None,
        )
        .await
        .unwrap();
    let started = Instant::now();
    seed_range(store, t, 1, n, |i| {
        let mut u = demo_user(i, &[]);
        u.user.profile.email = format!("{i}.{}", u.user.profile.email);
        if zorblat(i) {
            u.user.profile.last_name = format!("Zorblat{}", u.user.profile.last_name);
        }
        u
    })
    .await
    .unwrap();
    println!(
        "seeded {slug}: {n} users in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    t
}

/// p50 and p95 in ms of the small tenant's search.
async fn search(store: &Store, t: TenantId) -> (f64, f64, i64) {
    let q = UserQuery::from_pairs(|k| (k == "q").then_some("zorblat"));
    let mut ms: Vec<Duration> = Vec::new();
    let mut matched = 0;
    for i in 0..RUNS + 20 {
        let started = Instant::now();
        let page = store.list_users(t, &q).await.unwrap();
        if i >= 20 {
            ms.push(started.elapsed());
        }
        matched = page.matches.count;
    }
    ms.sort();
    let at = |p: f64| ms[((ms.len() as f64 * p).ceil() as usize).max(1) - 1].as_secs_f64() * 1000.0;
    (at(0.5), at(0.95), matched)
}

/// The options: `neighbour --help` lists them.
#[derive(clap::Parser)]
#[command(
    name = "neighbour",
    about = "Times a small tenant's search alone, then next to a big neighbour."
)]
struct Args {
    /// The databases to measure.
    #[arg(long, value_enum, default_value_t = Backend::Both)]
    backend: Backend,
    /// Users in the neighbour tenant, every one of them named "zorblat".
    #[arg(long, default_value_t = 1_000_000)]
    neighbour: u64,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Backend {
    Sqlite,
    Postgres,
    Both,
}

#[tokio::main]
async fn main() {
    let args = <Args as clap::Parser>::parse();
    let backends = match args.backend {
        Backend::Sqlite => vec!["sqlite"],
        Backend::Postgres => vec!["postgres"],
        Backend::Both => vec!["sqlite", "postgres"],
    };
    let neighbour = args.neighbour;
    for backend in backends {
        let alone = open(backend, "omnibots_alone").await;
        let t = tenant(&alone, "small", SMALL, |i| i % 100 == 0).await;
        let (a50, a95, matched) = search(&alone, t).await;
        alone.close().await;
        let near = open(backend, "omnibots_neighbour").await;
        let t = tenant(&near, "small", SMALL, |i| i % 100 == 0).await;
        tenant(&near, "big", neighbour, |_| true).await;
        let (n50, n95, matched_near) = search(&near, t).await;
        near.close().await;
        assert_eq!(matched, matched_near, "the same users match");
        println!(
            "{backend}: search \"zorblat\" in a tenant of {SMALL} ({matched} match): alone p50/p95 {a50:.2}/{a95:.2} ms; next to {neighbour} holders {n50:.2}/{n95:.2} ms; p95 ratio {:.1}",
            n95 / a95
        );
    }
}
