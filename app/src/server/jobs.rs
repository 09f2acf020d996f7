//! The bulk-job worker every server runs: takes open jobs whose lease has run out and works
//! them batch by batch (`store/jobs.rs`), while the pages go on being served.

use std::time::Duration;

use crate::store::{JOB_BATCH, LEASE_MS, Step, Store};

/// How often an idle worker looks for a job.
const POLL: Duration = Duration::from_millis(500);

/// A name for this server's worker, unique among the servers sharing a database.
pub fn worker_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "server".into());
    format!(
        "{host}-{}-{}",
        std::process::id(),
        crate::server::session::new_token().get(..8).unwrap_or("0")
    )
}

/// Works jobs for ever (the server aborts the task when it stops). A batch that fails (the
/// database went away) is retried after a pause, by this server or, once the lease runs out,
/// by another.
pub async fn work(store: Store, owner: String) {
    loop {
        match store.claim_job(&owner, LEASE_MS).await {
            Ok(Some(id)) => {
                tracing::info!(job = id, "working a bulk job");
                work_one(&store, id, &owner).await;
            }
            Ok(None) => tokio::time::sleep(POLL).await,
            Err(e) => {
                tracing::error!(error = %e, "cannot look for bulk jobs");
                tokio::time::sleep(POLL * 4).await;
            }
        }
    }
}

/// Works the job `id` until it ends or stops being ours.
async fn work_one(store: &Store, id: i64, owner: &str) {
    loop {
        match store.work_job(id, owner, LEASE_MS, JOB_BATCH).await {
            // Let the pages' requests in between batches.
            Ok(Step::More) => tokio::task::yield_now().await,
            Ok(Step::Finished) => {
                tracing::info!(job = id, "bulk job finished");
                return;
            }
            Ok(Step::Stopped) => {
                tracing::info!(job = id, "bulk job stopped (cancelled, or taken over)");
                return;
            }
            Err(e) => {
                tracing::error!(job = id, error = %e, "a batch of a bulk job failed; retrying");
                tokio::time::sleep(POLL * 4).await;
            }
        }
    }
}
