//! The panic hook: every panic, on any thread or task, is logged with its message and location
//! and counted. Its own test binary (its own process), because it panics on purpose and the
//! integration tests require the process's panic count to stay still while they load pages.

use std::io::Write;
use std::sync::{Arc, Mutex};

/// Log lines, captured.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panics_in_threads_and_spawned_tasks_are_logged_and_counted() {
    let log = Captured::default();
    let writer = log.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();
    app::server::metrics::install_panic_hook();
    app::server::metrics::install_panic_hook(); // a second call changes nothing
    let before = app::server::metrics::panics();

    let thread = std::thread::spawn(|| panic!("a thread's panic (expected in this test)"));
    assert!(thread.join().is_err());
    let task = tokio::spawn(async {
        let id = 42;
        panic!("a task's panic about {id} (expected in this test)")
    });
    assert!(task.await.unwrap_err().is_panic());

    assert_eq!(app::server::metrics::panics() - before, 2);
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("panic")).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].contains("ERROR"), "{text}");
    assert!(
        lines[0].contains("a thread's panic (expected in this test)"),
        "{text}"
    );
    assert!(lines[1].contains("a task's panic about 42"), "{text}");
    assert!(
        lines.iter().all(|l| l.contains("server/tests/panics.rs:")),
        "each line names where it panicked: {text}"
    );
    let metrics = app::server::Metrics::default().render();
    assert!(
        metrics.contains(&format!("omnibots_panics_total {}\n", before + 2)),
        "{metrics}"
    );
}
