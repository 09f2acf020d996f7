//! A fresh, migrated database per test, on SQLite or PostgreSQL.

use std::future::Future;
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

/// A fresh, migrated database for one test.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    sqlite_dir: Option<PathBuf>,
    pg_name: Option<String>,
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
                let url = format!("sqlite://{}/test.db", dir.display());
                let store = Store::connect(&url).await.expect("sqlite connects");
                store.migrate().await.expect("sqlite migrates");
                TestDb {
                    store,
                    url,
                    sqlite_dir: Some(dir),
                    pg_name: None,
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
                let url = admin.clone().database(&name).to_url_lossy().to_string();
                let store = Store::connect(&url).await.expect("postgres connects");
                store.migrate().await.expect("postgres migrates");
                TestDb {
                    store,
                    url,
                    sqlite_dir: None,
                    pg_name: Some(name),
                }
            }
        }
    }

    /// Closes the pool and removes the database.
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some(dir) = &self.sqlite_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(name) = &self.pg_name {
            let admin = PgConnectOptions::from_str(&admin_url()).unwrap();
            if let Ok(mut conn) = admin.connect().await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await;
            }
        }
    }
}

/// Runs `body` against a fresh database of `backend`, then removes the database.
pub async fn run<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = TestDb>,
{
    let db = TestDb::new(backend).await;
    let db = body(db).await;
    db.cleanup().await;
}
