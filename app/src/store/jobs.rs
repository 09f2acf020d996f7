//! Bulk jobs: a bulk action on a whole view, too large for one request, worked by the servers
//! in the background in batches of users taken in id order (migrations/*/0009_jobs.sql).
//!
//! Each batch is one transaction holding the users' changes (`bulk::bulk_in`, the rules of one
//! at a time) and the job's progress, so a job resumed after a crash applies nothing twice and
//! skips nothing. A server works a job while it holds the job's lease, renewed with every
//! batch; a lease left to run out (its server died) lets another server take the job over, and
//! the old holder, should it wake up, finds the job no longer its own and stops. On PostgreSQL,
//! servers sharing the database take jobs with `FOR UPDATE SKIP LOCKED`; on SQLite one writer
//! at a time does.

use super::bulk::bulk_in;
use super::list::{Plan, filtered};
use super::{Row, Sql, Store, StoreError, TenantId, UserId, now_ms};
use crate::users::bulk::{BulkAction, BulkReport, JobState, JobStatus, SkippedUser};
use crate::users::query::UserQuery;

/// Users a batch works.
pub const JOB_BATCH: i64 = 500;

/// How long a lease lasts unless renewed by the next batch.
pub const LEASE_MS: i64 = 30_000;

/// Skipped users a job keeps by name (it counts them all).
const NOTES_KEPT: usize = 20;

/// What one call of [`Store::work_job`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A batch was worked; there may be more.
    More,
    /// The job is over (done, or failed).
    Finished,
    /// The job is not this server's to work any more: cancelled, or taken over.
    Stopped,
}

const JOB_COLUMNS: &str = "id, action, state, total, changed, unchanged, skipped, missing, notes";

fn json_column<T: serde::de::DeserializeOwned>(
    r: &Row,
    column: &'static str,
) -> Result<T, StoreError> {
    let text: String = r.get(column)?;
    serde_json::from_str(&text).map_err(|_| StoreError::Corrupt {
        column,
        value: text,
    })
}

fn status_from_row(r: &Row) -> Result<JobStatus, StoreError> {
    let state: String = r.get("state")?;
    let notes: Vec<SkippedUser> = json_column(r, "notes")?;
    Ok(JobStatus {
        id: r.get("id")?,
        action: json_column(r, "action")?,
        state: JobState::parse(&state).ok_or(StoreError::Corrupt {
            column: "state",
            value: state,
        })?,
        total: r.get("total")?,
        report: BulkReport {
            changed: r.get::<i64>("changed")? as u64,
            unchanged: r.get::<i64>("unchanged")? as u64,
            skipped: notes,
            skipped_count: r.get::<i64>("skipped")? as u64,
            missing: r.get::<i64>("missing")? as u64,
        },
    })
}

/// How a job's statements find the users of its view: as the table would, a broad search
/// through the sort index, a rare one through its search index.
async fn plan(store: &Store, tenant: TenantId, view: &UserQuery) -> Result<Plan, StoreError> {
    Ok(if store.broad_search(tenant, view).await? {
        Plan::Bypass
    } else if matches!(store, Store::Sqlite(_)) {
        Plan::Table
    } else {
        Plan::Index
    })
}

impl Store {
    /// Queues `action` on every user of the view `view` of `tenant`, for `actor`.
    pub async fn queue_job(
        &self,
        tenant: TenantId,
        actor: UserId,
        action: BulkAction,
        view: &UserQuery,
    ) -> Result<JobStatus, StoreError> {
        let view = view.first_page();
        let mut count = Sql::new("SELECT COUNT(*)");
        filtered(&mut count, tenant, &view, plan(self, tenant, &view).await?);
        let total: i64 = self.conn().await?.db().scalar(&count).await?;
        let now = now_ms();
        let sql = Sql::new(
            "INSERT INTO jobs (tenant_id, actor_user_id, action, view, state, total, created_at,
                               updated_at)
             VALUES ($1, $2, $3, $4, 'queued', $5, $6, $6) RETURNING id",
        )
        .bind(tenant)
        .bind(actor)
        .bind(serde_json::to_string(&action).unwrap_or_default())
        .bind(serde_json::to_string(&view).unwrap_or_default())
        .bind(total)
        .bind(now);
        let mut tx = self.write().await?;
        let id: i64 = tx.db().scalar(&sql).await?;
        tx.commit().await?;
        self.job(tenant, id).await
    }

    /// One job of the tenant.
    pub async fn job(&self, tenant: TenantId, id: i64) -> Result<JobStatus, StoreError> {
        let sql = Sql::new(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tenant)
        .bind(id);
        let row = self.conn().await?.db().optional(&sql).await?;
        status_from_row(&row.ok_or(StoreError::NotFound)?)
    }

    /// The tenant's jobs the page shows: those still open, and those that ended in the last
    /// `recent_ms`, newest first (five at most).
    pub async fn recent_jobs(
        &self,
        tenant: TenantId,
        recent_ms: i64,
    ) -> Result<Vec<JobStatus>, StoreError> {
        let sql = Sql::new(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE tenant_id = $1
                AND (state IN ('queued', 'running') OR finished_at > $2)
              ORDER BY id DESC LIMIT 5"
        ))
        .bind(tenant)
        .bind(now_ms() - recent_ms);
        let rows = self.conn().await?.db().all(&sql).await?;
        rows.iter().map(status_from_row).collect()
    }

    /// Cancels a job of the tenant that is still open: no batch starts after this (a batch
    /// under way finishes first, whole).
    pub async fn cancel_job(&self, tenant: TenantId, id: i64) -> Result<JobStatus, StoreError> {
        let now = now_ms();
        let sql = Sql::new(
            "UPDATE jobs SET state = 'cancelled', finished_at = $1, updated_at = $1,
                    lease_owner = NULL, lease_until = NULL
              WHERE tenant_id = $2 AND id = $3 AND state IN ('queued', 'running')",
        )
        .bind(now)
        .bind(tenant)
        .bind(id);
        let mut tx = self.write().await?;
        tx.db().execute(&sql).await?;
        tx.commit().await?;
        self.job(tenant, id).await
    }

    /// Takes the oldest open job whose lease has run out (or that never had one) for
    /// `owner`, for `lease_ms`; `None` when there is none.
    pub async fn claim_job(&self, owner: &str, lease_ms: i64) -> Result<Option<i64>, StoreError> {
        let now = now_ms();
        let open = "SELECT id FROM jobs WHERE state IN ('queued', 'running')
                       AND (lease_until IS NULL OR lease_until < $1) ORDER BY id LIMIT 1";
        // A read first: most of the time there is nothing to take, and on SQLite a write
        // transaction would take the database's write lock for nothing.
        let probe = Sql::new(open).bind(now);
        if self.conn().await?.db().optional(&probe).await?.is_none() {
            return Ok(None);
        }
        let skip = match self {
            Store::Postgres(_) => " FOR UPDATE SKIP LOCKED",
            Store::Sqlite(_) => "",
        };
        let mut tx = self.write().await?;
        let pick = Sql::new(format!("{open}{skip}")).bind(now);
        let Some(row) = tx.db().optional(&pick).await? else {
            return Ok(None);
        };
        let id: i64 = row.get(0)?;
        let take = Sql::new(
            "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, updated_at = $3
              WHERE id = $4",
        )
        .bind(owner)
        .bind(now + lease_ms)
        .bind(now)
        .bind(id);
        tx.db().execute(&take).await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// Works the next batch of the job `id` for `owner`, who must hold its lease: the next
    /// `batch` users of its view after the last one worked, changed and counted in one
    /// transaction that also renews the lease.
    pub async fn work_job(
        &self,
        id: i64,
        owner: &str,
        lease_ms: i64,
        batch: i64,
    ) -> Result<Step, StoreError> {
        let lock = match self {
            Store::Postgres(_) => " FOR UPDATE",
            Store::Sqlite(_) => "",
        };
        let mut tx = self.write().await?;
        let sql = Sql::new(format!(
            "SELECT tenant_id, actor_user_id, action, view, last_user, notes FROM jobs
              WHERE id = $1 AND state = 'running' AND lease_owner = $2{lock}"
        ))
        .bind(id)
        .bind(owner);
        let Some(job) = tx.db().optional(&sql).await? else {
            return Ok(Step::Stopped);
        };
        let tenant = TenantId(job.get("tenant_id")?);
        let actor = UserId(job.get("actor_user_id")?);
        let action: BulkAction = json_column(&job, "action")?;
        let view: UserQuery = json_column(&job, "view")?;
        let last: i64 = job.get("last_user")?;
        let mut notes: Vec<SkippedUser> = json_column(&job, "notes")?;
        let now = now_ms();

        let mut next = Sql::new("SELECT u.id");
        filtered(&mut next, tenant, &view, plan(self, tenant, &view).await?);
        next.push(" AND u.id > ")
            .arg(last)
            .push(" ORDER BY u.id LIMIT ")
            .arg(batch);
        let ids = tx
            .db()
            .all(&next)
            .await?
            .iter()
            .map(|r| r.get(0).map(UserId))
            .collect::<Result<Vec<_>, _>>()?;
        let Some(newest) = ids.iter().map(|u| u.0).max() else {
            finish(&mut tx, id, JobState::Done, now).await?;
            tx.commit().await?;
            return Ok(Step::Finished);
        };
        let report = match bulk_in(&mut tx, tenant, actor, action, &ids).await {
            Ok(report) => report,
            // Its role is gone: no later batch can do better.
            Err(StoreError::UnknownRole) => {
                drop(tx);
                let mut tx = self.write().await?;
                finish(&mut tx, id, JobState::Failed, now).await?;
                tx.commit().await?;
                return Ok(Step::Finished);
            }
            Err(e) => return Err(e),
        };
        let room = NOTES_KEPT.saturating_sub(notes.len());
        notes.extend(report.skipped.into_iter().take(room));
        let sql = Sql::new(
            "UPDATE jobs SET last_user = $1, changed = changed + $2, unchanged = unchanged + $3,
                    skipped = skipped + $4, missing = missing + $5, notes = $6,
                    lease_until = $7, updated_at = $8
              WHERE id = $9",
        )
        .bind(newest)
        .bind(report.changed as i64)
        .bind(report.unchanged as i64)
        .bind(report.skipped_count as i64)
        .bind(report.missing as i64)
        .bind(serde_json::to_string(&notes).unwrap_or_else(|_| "[]".into()))
        .bind(now + lease_ms)
        .bind(now)
        .bind(id);
        tx.db().execute(&sql).await?;
        tx.commit().await?;
        Ok(Step::More)
    }
}

/// Ends a job in `state`.
async fn finish(tx: &mut super::Tx, id: i64, state: JobState, now: i64) -> Result<(), StoreError> {
    let sql = Sql::new(
        "UPDATE jobs SET state = $1, finished_at = $2, updated_at = $2, lease_owner = NULL,
                lease_until = NULL
          WHERE id = $3",
    )
    .bind(state.as_str())
    .bind(now)
    .bind(id);
    tx.db().execute(&sql).await?;
    Ok(())
}
