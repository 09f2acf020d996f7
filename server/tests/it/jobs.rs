//! Bulk jobs, on both databases, through the store as the servers' workers call it: a job
//! killed mid-way is taken over and changes every user exactly once; two servers racing for
//! one job never both work it; a cancelled job stops between batches. (The server's own worker
//! is exercised in `bulk.rs`.) The demo users are about 12 % suspended already: those are
//! counted as already so, and get no audit record.

use std::collections::HashMap;

use app::store::{Step, Store, TenantId, UserId};
use app::users::bulk::{BulkAction, JobState};
use app::users::model::Status;
use app::users::query::UserQuery;

use crate::both;
use crate::support::{TestDb, counts, sleep_ms, tenant};

const USERS: u64 = 1_300;
const BATCH: i64 = 500;

/// `acme`: its admin (no password) and `USERS` demo users; a neighbour with look-alikes.
async fn seed(store: &Store) -> (TenantId, UserId) {
    let (t, admin) = tenant(store, "acme").await;
    let users: Vec<_> = (0..USERS)
        .map(|i| omnibots::commands::demo_user(i, &[]))
        .collect();
    for chunk in users.chunks(500) {
        store.seed_users(t, chunk).await.unwrap();
    }
    let (other, _) = tenant(store, "other").await;
    let neighbours: Vec<_> = (0..100)
        .map(|i| omnibots::commands::demo_user(i, &[]))
        .collect();
    store.seed_users(other, &neighbours).await.unwrap();
    (t, admin)
}

/// How many `user.suspend` records each user of tenant `t` has.
async fn suspensions(store: &Store, t: TenantId) -> HashMap<i64, i64> {
    let sql = "SELECT target_user_id, COUNT(*) FROM audit_log
                WHERE tenant_id = $1 AND action = 'user.suspend' GROUP BY target_user_id";
    let rows: Vec<(i64, i64)> = match store {
        Store::Sqlite(p) => sqlx::query_as(sql).bind(t.0).fetch_all(p).await.unwrap(),
        Store::Postgres(p) => sqlx::query_as(sql).bind(t.0).fetch_all(p).await.unwrap(),
    };
    rows.into_iter().collect()
}

/// Works `id` as `owner` until it is over or no longer `owner`'s.
async fn work(store: &Store, id: i64, owner: &str) -> Step {
    loop {
        match store.work_job(id, owner, 60_000, BATCH).await.unwrap() {
            Step::More => continue,
            other => return other,
        }
    }
}

/// Every user of the tenant but the admin is suspended, each of the `active` before by exactly
/// one audit record.
async fn each_suspended_once(store: &Store, t: TenantId, admin: UserId, active: i64) {
    let once = suspensions(store, t).await;
    assert_eq!(once.len() as i64, active, "every active user changed");
    assert!(once.values().all(|n| *n == 1), "none twice");
    assert!(!once.contains_key(&admin.0), "the acting admin is skipped");
    assert_eq!(counts(store, t).await, (USERS as i64 + 1, 1, USERS as i64));
}

async fn a_job_killed_mid_way_is_taken_over_and_changes_each_user_once(db: &TestDb) {
    let store = &db.store;
    let (t, admin) = seed(store).await;
    let active = counts(store, t).await.1 - 1;
    let job = store
        .queue_job(t, admin, BulkAction::Suspend, &UserQuery::default())
        .await
        .unwrap();
    assert_eq!(job.state, JobState::Queued);
    assert_eq!(job.total, USERS as i64 + 1);

    // Server A takes it with a lease that runs out at once, works one batch, and "dies".
    assert_eq!(store.claim_job("a", 1).await.unwrap(), Some(job.id));
    assert_eq!(
        store.work_job(job.id, "a", 1, BATCH).await.unwrap(),
        Step::More
    );
    let halfway = store.job(t, job.id).await.unwrap();
    assert_eq!(halfway.state, JobState::Running);
    assert_eq!(halfway.worked(), BATCH);
    sleep_ms(5).await;
    // Server B takes the job over where A's last batch ended.
    assert_eq!(store.claim_job("b", 60_000).await.unwrap(), Some(job.id));
    assert_eq!(
        store.claim_job("c", 60_000).await.unwrap(),
        None,
        "B holds it"
    );
    // A wakes up: the job is not its own any more.
    assert_eq!(
        store.work_job(job.id, "a", 1, BATCH).await.unwrap(),
        Step::Stopped
    );
    assert_eq!(work(store, job.id, "b").await, Step::Finished);

    let done = store.job(t, job.id).await.unwrap();
    assert_eq!(done.state, JobState::Done);
    assert_eq!(done.report.changed as i64, active);
    assert_eq!(done.report.unchanged as i64, USERS as i64 - active);
    assert_eq!(done.report.skipped_count, 1);
    assert_eq!(done.report.skipped[0].id, admin.0);
    assert_eq!(done.worked(), USERS as i64 + 1);
    each_suspended_once(store, t, admin, active).await;
    // The neighbour is untouched.
    let other = store.tenant_by_slug("other").await.unwrap().unwrap().id;
    assert!(suspensions(store, other).await.is_empty());
    assert_eq!(
        store.claim_job("d", 60_000).await.unwrap(),
        None,
        "nothing left"
    );
}
both!(
    taken_over,
    a_job_killed_mid_way_is_taken_over_and_changes_each_user_once
);

async fn two_servers_racing_for_a_job_never_both_work_it(db: &TestDb) {
    let store = &db.store;
    let (t, admin) = seed(store).await;
    let active = counts(store, t).await.1 - 1;
    let job = store
        .queue_job(t, admin, BulkAction::Suspend, &UserQuery::default())
        .await
        .unwrap();
    // Two workers, as two servers on one database run them, started together.
    let race = |owner: &'static str| {
        let store = store.clone();
        tokio::spawn(async move {
            let mut batches = 0;
            for _ in 0..50 {
                if let Some(id) = store.claim_job(owner, 60_000).await.unwrap() {
                    while let Step::More = store.work_job(id, owner, 60_000, BATCH).await.unwrap() {
                        batches += 1;
                    }
                }
                tokio::task::yield_now().await;
            }
            batches
        })
    };
    let (a, b) = tokio::join!(race("a"), race("b"));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(
        a == 0 || b == 0,
        "one worker worked it: {a} and {b} batches"
    );
    assert_eq!(a + b, 3, "1,301 users in batches of 500");
    assert_eq!(store.job(t, job.id).await.unwrap().state, JobState::Done);
    each_suspended_once(store, t, admin, active).await;
}
both!(race, two_servers_racing_for_a_job_never_both_work_it);

async fn a_cancelled_job_stops_between_batches(db: &TestDb) {
    let store = &db.store;
    let (t, admin) = seed(store).await;
    let suspended = counts(store, t).await.2;
    let view = UserQuery {
        status: Some(Status::Active),
        ..UserQuery::default()
    };
    let job = store
        .queue_job(t, admin, BulkAction::Suspend, &view)
        .await
        .unwrap();
    assert_eq!(store.claim_job("a", 60_000).await.unwrap(), Some(job.id));
    assert_eq!(
        store.work_job(job.id, "a", 60_000, BATCH).await.unwrap(),
        Step::More
    );
    let cancelled = store.cancel_job(t, job.id).await.unwrap();
    assert_eq!(cancelled.state, JobState::Cancelled);
    assert_eq!(
        store.work_job(job.id, "a", 60_000, BATCH).await.unwrap(),
        Step::Stopped
    );
    assert_eq!(store.claim_job("b", 60_000).await.unwrap(), None);
    let once = suspensions(store, t).await;
    // The first batch of active users holds the admin, who is skipped.
    assert_eq!(once.len(), BATCH as usize - 1, "one batch, whole");
    assert_eq!(counts(store, t).await.2, suspended + BATCH - 1);
    // Another tenant cannot see nor cancel it.
    let other = store.tenant_by_slug("other").await.unwrap().unwrap().id;
    assert!(store.job(other, job.id).await.is_err());
    assert!(store.recent_jobs(other, 600_000).await.unwrap().is_empty());
    assert_eq!(store.recent_jobs(t, 600_000).await.unwrap().len(), 1);
}
both!(cancel, a_cancelled_job_stops_between_batches);
