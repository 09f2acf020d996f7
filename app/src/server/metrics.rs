//! What operators count, in the Prometheus text format (version 0.0.4): panics anywhere in the
//! process, requests and their latency by route, and how often each page was built.
//!
//! Served by `omnibots` on its own listen address (`OMNIBOTS_METRICS_ADDR`), never on the
//! portal's. The panic count is the process's (the hook sees every thread); the rest belongs to
//! one [`Metrics`], one per running portal.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Panics since the process started, on any thread (request handlers, spawned tasks, the
/// blocking pool).
static PANICS: AtomicU64 = AtomicU64::new(0);

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Installs the process's panic hook (once; later calls do nothing): every panic is counted and
/// logged as one error line with its message and where it happened, inside the span of the
/// request that panicked; then the hook that was there before runs too (the test harness's
/// report of a failed assertion; `omnibots` itself replaces the default one, whose stderr
/// message would repeat the log line).
pub fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::Relaxed);
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("(a panic without a message)");
            let location = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
                .unwrap_or_default();
            let thread = std::thread::current();
            tracing::error!(
                panic = message,
                location,
                thread = thread.name().unwrap_or("unnamed"),
                "panic"
            );
            previous(info);
        }));
    });
}

/// Panics since the process started.
pub fn panics() -> u64 {
    PANICS.load(Ordering::Relaxed)
}

/// The requests of one route.
#[derive(Debug, Default)]
struct RouteStats {
    /// Replies by status code.
    statuses: BTreeMap<u16, u64>,
    /// Counts per bucket of [`BUCKETS`] (not cumulative), and the last one for the rest.
    buckets: [u64; BUCKETS.len() + 1],
    seconds: f64,
}

/// The counters of one running portal.
#[derive(Debug, Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<String, RouteStats>>,
    builds: Mutex<BTreeMap<&'static str, u64>>,
}

impl Metrics {
    /// One reply of `route` (the router's pattern, never the raw path: the labels stay few).
    pub fn request(&self, route: &str, status: u16, took: Duration) {
        let secs = took.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BUCKETS.len());
        let mut routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        let r = match routes.get_mut(route) {
            Some(r) => r,
            None => routes.entry(route.to_string()).or_default(),
        };
        *r.statuses.entry(status).or_default() += 1;
        r.buckets[bucket] += 1;
        r.seconds += secs;
    }

    /// A page's component was built (once per request that renders it, when all is well).
    pub fn page_built(&self, page: &'static str) {
        *self
            .builds
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(page)
            .or_default() += 1;
    }

    /// Everything, in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP omnibots_panics_total Panics in the server process; each is logged with its message and location.\n\
             # TYPE omnibots_panics_total counter\n",
        );
        let _ = writeln!(out, "omnibots_panics_total {}", panics());

        let routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        out.push_str(
            "# HELP omnibots_requests_total Replies by route and status.\n\
             # TYPE omnibots_requests_total counter\n",
        );
        for (route, r) in routes.iter() {
            for (status, n) in &r.statuses {
                let _ = writeln!(
                    out,
                    "omnibots_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        out.push_str(
            "# HELP omnibots_request_duration_seconds Time from a request's arrival to its reply's head, by route.\n\
             # TYPE omnibots_request_duration_seconds histogram\n",
        );
        for (route, r) in routes.iter() {
            let route = escape(route);
            let mut cumulative = 0;
            for (i, bound) in BUCKETS.iter().enumerate() {
                cumulative += r.buckets[i];
                let _ = writeln!(
                    out,
                    "omnibots_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let count = cumulative + r.buckets[BUCKETS.len()];
            let _ = writeln!(
                out,
                "omnibots_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(
                out,
                "omnibots_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                r.seconds
            );
            let _ = writeln!(
                out,
                "omnibots_request_duration_seconds_count{{route=\"{route}\"}} {count}"
            );
        }
        drop(routes);

        out.push_str(
            "# HELP omnibots_page_builds_total Pages built by the server render; one per request that renders the page.\n\
             # TYPE omnibots_page_builds_total counter\n",
        );
        for (page, n) in self.builds.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let _ = writeln!(out, "omnibots_page_builds_total{{page=\"{page}\"}} {n}");
        }
        out
    }
}

/// A label value as the text format wants it: backslash, quote and line feed escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_route_and_status_with_a_cumulative_histogram() {
        let m = Metrics::default();
        m.request("/", 200, Duration::from_millis(3));
        m.request("/", 200, Duration::from_millis(40));
        m.request("/", 302, Duration::from_secs(30));
        m.request("/api/{fn}", 200, Duration::from_micros(10));
        m.page_built("users");
        let text = m.render();
        assert!(text.contains("omnibots_requests_total{route=\"/\",status=\"200\"} 2\n"));
        assert!(text.contains("omnibots_requests_total{route=\"/\",status=\"302\"} 1\n"));
        assert!(
            text.contains("omnibots_request_duration_seconds_bucket{route=\"/\",le=\"0.001\"} 0\n")
        );
        assert!(
            text.contains("omnibots_request_duration_seconds_bucket{route=\"/\",le=\"0.005\"} 1\n")
        );
        assert!(
            text.contains("omnibots_request_duration_seconds_bucket{route=\"/\",le=\"0.05\"} 2\n")
        );
        assert!(
            text.contains("omnibots_request_duration_seconds_bucket{route=\"/\",le=\"10\"} 2\n")
        );
        assert!(
            text.contains("omnibots_request_duration_seconds_bucket{route=\"/\",le=\"+Inf\"} 3\n")
        );
        assert!(text.contains("omnibots_request_duration_seconds_count{route=\"/\"} 3\n"));
        assert!(text.contains("omnibots_page_builds_total{page=\"users\"} 1\n"));
        assert!(text.contains("# TYPE omnibots_panics_total counter\nomnibots_panics_total "));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
