//! The real server, on free ports of 127.0.0.1, for a test's database.

use std::time::Duration;

use app::server::{AppState, Settings};
use app::store::Store;
use leptos::prelude::LeptosOptions;

use super::TestDb;

/// Settings for tests: the default rules, hashing limited to the test's two threads.
pub fn test_settings(url: &str) -> Settings {
    Settings {
        database_url: url.to_string(),
        hash_concurrency: 2,
        ..Settings::default()
    }
}

/// The real server, listening on a free port of 127.0.0.1, with its metrics on another.
pub struct TestServer {
    pub base: String,
    metrics_base: String,
    handle: tokio::task::JoinHandle<()>,
}

/// One read of a server's `/metrics`.
pub struct Scrape(String);

impl Scrape {
    /// The value of the sample `name{labels}` (`labels` as written between the braces, empty
    /// for none); 0 when the sample is absent.
    pub fn value(&self, name: &str, labels: &str) -> f64 {
        let key = if labels.is_empty() {
            name.to_string()
        } else {
            format!("{name}{{{labels}}}")
        };
        self.0
            .lines()
            .find_map(|l| l.strip_prefix(&key)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or(0.0)
    }
}

impl TestServer {
    pub async fn start(store: Store, settings: Settings) -> TestServer {
        TestServer::start_state(AppState::new(store, settings)).await
    }

    /// Starts on a state the test built (other throttling rules, a second store).
    pub async fn start_state(state: AppState) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let metrics = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let metrics_base = format!("http://{}", metrics.local_addr().unwrap());
        let options = LeptosOptions::builder()
            .output_name("omnibots")
            .site_root("target/site")
            .site_addr(addr)
            .build();
        let handle = tokio::spawn(async move {
            let _ = omnibots::serve_on(listener, Some(metrics), state, options).await;
        });
        TestServer {
            base: format!("http://{addr}"),
            metrics_base,
            handle,
        }
    }

    /// The server's metrics, read now.
    pub async fn metrics(&self) -> Scrape {
        let res = reqwest::get(format!("{}/metrics", self.metrics_base))
            .await
            .expect("the metrics listener answers");
        assert_eq!(res.status(), reqwest::StatusCode::OK);
        Scrape(res.text().await.unwrap())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// The real server on `db`, with the test settings.
pub async fn start(db: &TestDb) -> TestServer {
    TestServer::start(db.store.clone(), test_settings(&db.url)).await
}

/// A short pause for the timeout tests.
pub async fn sleep_ms(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}
