//! A fresh, migrated database per test, on SQLite or PostgreSQL.

use std::path::PathBuf;
use std::str::FromStr;

use app::store::Store;
use rand::Rng;
use sqlx::ConnectOptions;
use sqlx::postgres::PgConnectOptions;

/// Runs the same test body once per backend: `both!(name, body_fn);` makes `name::sqlite` and
/// `name::postgres`.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::support::run($crate::support::Backend::Sqlite, super::$body).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::support::run($crate::support::Backend::Postgres, super::$body).await
            }
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, migrated database for one test. The database (the PostgreSQL database, or the
/// SQLite file's folder) goes when the `TestDb` does: [`run`] closes the pool and removes it
/// once the test body has returned, and dropping a `TestDb` removes it too, so a test that
/// panics or returns early leaves nothing behind.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    removal: Removal,
}

fn admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn random_suffix() -> String {
    let mut rng = rand::thread_rng();
    (0..12)
        .map(|_| (b'a' + rng.gen_range(0..26)) as char)
        .collect()
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("omnibots-test-{}", random_suffix()));
                std::fs::create_dir_all(&dir).unwrap();
                // From here on the folder goes, whatever happens.
                let removal = Removal {
                    sqlite_dir: Some(dir.clone()),
                    pg_name: None,
                };
                let url = format!("sqlite://{}/test.db", dir.display());
                let store = Store::connect(&url).await.expect("sqlite connects");
                store.migrate().await.expect("sqlite migrates");
                TestDb {
                    store,
                    url,
                    removal,
                }
            }
            Backend::Postgres => {
                let name = format!("omnibots_t_{}", random_suffix());
                let admin = PgConnectOptions::from_str(&admin_url()).unwrap();
                let mut conn = admin.connect().await.expect(
                    "PostgreSQL must run at 127.0.0.1:5432 (user postgres, trust) for the tests",
                );
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                // From here on the database goes, whatever happens.
                let removal = Removal {
                    sqlite_dir: None,
                    pg_name: Some(name.clone()),
                };
                let url = admin.clone().database(&name).to_url_lossy().to_string();
                let store = Store::connect(&url).await.expect("postgres connects");
                store.migrate().await.expect("postgres migrates");
                TestDb {
                    store,
                    url,
                    removal,
                }
            }
        }
    }

    /// Closes the pool, then removes the database (what dropping it does, minus the wait for
    /// a thread of its own, and with the pool's connections ended cleanly first).
    pub async fn cleanup(mut self) {
        self.store.close().await;
        self.removal.now().await;
    }
}

/// What a test database leaves on disk or on the server, removed when this is dropped unless
/// [`Removal::now`] has removed it already.
struct Removal {
    sqlite_dir: Option<PathBuf>,
    pg_name: Option<String>,
}

impl Removal {
    async fn now(&mut self) {
        if let Some(dir) = self.sqlite_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(name) = self.pg_name.take() {
            drop_postgres(&name).await;
        }
    }
}

impl Drop for Removal {
    fn drop(&mut self) {
        if let Some(dir) = self.sqlite_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(name) = self.pg_name.take() {
            // Usually dropped inside the test's runtime (while a panic unwinds, say), where
            // blocking on a future is not allowed: a thread with a small runtime of its own
            // drops the database, and the test waits for it.
            let dropped = std::thread::spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt.block_on(drop_postgres(&name)),
                    Err(e) => eprintln!("test database {name} left behind: no runtime: {e}"),
                }
            })
            .join();
            if dropped.is_err() {
                eprintln!("a test database was left behind: its removal panicked");
            }
        }
    }
}

/// Drops the PostgreSQL database `name`, ending any connection still open to it; says so on
/// stderr when it cannot.
async fn drop_postgres(name: &str) {
    let dropped = async {
        let admin = PgConnectOptions::from_str(&admin_url())?;
        let mut conn = admin.connect().await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await
            .map(|_| ())
    };
    if let Err(e) = dropped.await {
        eprintln!("test database {name} left behind: {e}");
    }
}

/// Runs `body` against a fresh database of `backend`, then removes the database (which goes
/// even when `body` panics: see [`TestDb`]).
pub async fn run<F>(backend: Backend, body: F)
where
    F: AsyncFnOnce(&TestDb),
{
    let db = TestDb::new(backend).await;
    body(&db).await;
    db.cleanup().await;
}
