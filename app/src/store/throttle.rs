//! Sign-in attempt counters for brute-force throttling: one row per bucket (an account or a
//! client address, hashed by the caller) holding the attempts of a fixed window.
//!
//! Counting is one `INSERT … ON CONFLICT … DO UPDATE … RETURNING` statement per bucket, so
//! parallel attempts — on one server or on several sharing PostgreSQL — are counted exactly;
//! on SQLite the transaction is `BEGIN IMMEDIATE`, so writers queue. A window ends by itself:
//! the first attempt after it starts a new one at 1.

use super::{Sql, Store, StoreError, now_ms};

/// A bucket's counter right after an attempt was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptCount {
    /// Attempts in the current window, this one included.
    pub attempts: i64,
    /// When the current window began (ms since the Unix epoch).
    pub window_start: i64,
}

/// Counts one attempt in a bucket; a window that ended restarts at 1.
const COUNT_SQL: &str = "INSERT INTO sign_in_attempts (bucket, window_start, attempts)
     VALUES ($1, $2, 1)
     ON CONFLICT (bucket) DO UPDATE SET
        attempts = CASE WHEN sign_in_attempts.window_start <= $3 THEN 1
                        ELSE sign_in_attempts.attempts + 1 END,
        window_start = CASE WHEN sign_in_attempts.window_start <= $3 THEN $2
                            ELSE sign_in_attempts.window_start END
     RETURNING attempts, window_start";

impl Store {
    /// Counts one sign-in attempt in each bucket, atomically, and returns each bucket's counter
    /// (in the order given). Ended windows of other buckets are purged now and then.
    pub async fn count_sign_in_attempt(
        &self,
        buckets: &[&str],
        window_ms: i64,
    ) -> Result<Vec<AttemptCount>, StoreError> {
        let now = now_ms();
        let ended = now - window_ms;
        let purge = rand::random::<u8>() < 4;
        let mut tx = self.write().await?;
        let mut counts = Vec::with_capacity(buckets.len());
        for bucket in buckets {
            let sql = Sql::new(COUNT_SQL).bind(*bucket).bind(now).bind(ended);
            let r = tx.db().one(&sql).await?;
            counts.push(AttemptCount {
                attempts: r.get("attempts")?,
                window_start: r.get("window_start")?,
            });
        }
        if purge {
            let sql = Sql::new("DELETE FROM sign_in_attempts WHERE window_start <= $1").bind(ended);
            tx.db().execute(&sql).await?;
        }
        tx.commit().await?;
        Ok(counts)
    }

    /// Takes one attempt back out of a bucket's window (the attempt was a successful
    /// sign-in); nothing when that window has ended meanwhile.
    pub async fn uncount_sign_in_attempt(
        &self,
        bucket: &str,
        window_start: i64,
    ) -> Result<(), StoreError> {
        let sql = Sql::new(
            "UPDATE sign_in_attempts SET attempts = attempts - 1
              WHERE bucket = $1 AND window_start = $2 AND attempts > 0",
        )
        .bind(bucket)
        .bind(window_start);
        self.execute(&sql).await
    }

    /// Forgets a bucket's attempts (an account after a sign-in with its right password).
    pub async fn clear_sign_in_attempts(&self, bucket: &str) -> Result<(), StoreError> {
        let sql = Sql::new("DELETE FROM sign_in_attempts WHERE bucket = $1").bind(bucket);
        self.execute(&sql).await
    }

    /// The attempts of a bucket's current window (0 when it has none or it ended).
    pub async fn sign_in_attempts(&self, bucket: &str, window_ms: i64) -> Result<i64, StoreError> {
        let ended = now_ms() - window_ms;
        let sql = Sql::new(
            "SELECT attempts FROM sign_in_attempts WHERE bucket = $1 AND window_start > $2",
        )
        .bind(bucket)
        .bind(ended);
        let row = self.conn().await?.db().optional(&sql).await?;
        Ok(row.map(|r| r.get(0)).transpose()?.unwrap_or(0))
    }
}
