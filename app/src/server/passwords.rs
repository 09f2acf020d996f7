//! Password hashing (argon2id, m=19456 KiB, t=2, p=1) and temporary passwords.
//!
//! Hashing runs on tokio's blocking pool behind a semaphore sized to the CPU count, so a burst
//! of sign-ins queues here instead of starving the async runtime or exhausting memory. The
//! queue is bounded: past `max_waiting` checks waiting, the next is refused at once
//! ([`HashError::Busy`], a 429 with `Retry-After`) instead of making everyone wait longer.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;
use rand::rngs::OsRng;
use tokio::sync::Semaphore;

/// Characters of a temporary password: no look-alikes (0/O, 1/l/I).
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
/// Length of a temporary password: 20 characters of a 57-letter alphabet, about 116 bits.
pub const TEMPORARY_LEN: usize = 20;

fn argon2() -> Argon2<'static> {
    // OWASP's first argon2id recommendation: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Generates a temporary password from the OS's secure random source, grouped by dashes for
/// reading aloud (`abcd-efgh-…`).
pub fn temporary_password() -> String {
    let mut rng = OsRng;
    let mut out = String::with_capacity(TEMPORARY_LEN + TEMPORARY_LEN / 4);
    for i in 0..TEMPORARY_LEN {
        if i > 0 && i.is_multiple_of(5) {
            out.push('-');
        }
        out.push(ALPHABET[rng.gen_range(0..ALPHABET.len())] as char);
    }
    out
}

/// Hashes and verifies passwords off the async runtime, a bounded number at a time, with a
/// bounded number waiting.
#[derive(Clone, Debug)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// How many hashes and verifications have started.
    runs: Arc<AtomicU64>,
    /// Checks waiting for a permit now.
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
}

/// Holds a place in the queue; gives it back when dropped (also when the request is dropped).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Hasher {
    /// `concurrency` hashes at once; at most `max_waiting` more wait for their turn.
    pub fn new(concurrency: usize, max_waiting: usize) -> Hasher {
        Hasher {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            runs: Arc::new(AtomicU64::new(0)),
            waiting: Arc::new(AtomicUsize::new(0)),
            max_waiting,
        }
    }

    /// A permit to hash: at once if one is free, else after waiting in the bounded queue.
    async fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, HashError> {
        if let Ok(p) = self.permits.try_acquire() {
            return Ok(p);
        }
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(HashError::Busy);
        }
        let _place = Waiting(&self.waiting);
        self.permits.acquire().await.map_err(|_| HashError::Failed)
    }

    /// How many argon2 hashes and verifications this hasher (and its clones) has run: shows,
    /// for instance, that a throttled sign-in did no password work.
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }

    /// The argon2id PHC string of `password`.
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        let _permit = self.permit().await?;
        self.runs.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || hash_now(&password))
            .await
            .map_err(|_| HashError::Failed)?
    }

    /// Whether `password` matches `hash`. Without a hash (unknown user, no password set) it
    /// checks against a fixed dummy hash and answers false, so every failure costs the same.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, HashError> {
        let _permit = self.permit().await?;
        self.runs.fetch_add(1, Ordering::Relaxed);
        Ok(tokio::task::spawn_blocking(move || {
            let known = hash.is_some();
            let hash = hash.unwrap_or_else(|| dummy_hash().to_string());
            let Ok(parsed) = PasswordHash::new(&hash) else {
                return false;
            };
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
                && known
        })
        .await
        .unwrap_or(false))
    }
}

/// Why a password could not be hashed or checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// The queue of checks waiting is full: try again in a moment.
    #[error("too many password checks waiting")]
    Busy,
    /// Never expected: out of memory or a closed runtime.
    #[error("password hashing failed")]
    Failed,
}

impl From<HashError> for crate::error::AppError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => crate::error::AppError::Busy { seconds: 1 },
            HashError::Failed => {
                tracing::error!("password hashing failed");
                crate::error::AppError::Internal
            }
        }
    }
}

/// Hashes on the current thread; for the blocking pool and the operator commands.
pub fn hash_now(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| HashError::Failed)
}

/// A hash of a random password, made once: what unknown users are checked against.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_now(&temporary_password()).expect("hashing works"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_passwords_are_long_and_distinct() {
        let a = temporary_password();
        let b = temporary_password();
        assert_ne!(a, b);
        assert!(a.chars().filter(|c| *c != '-').count() >= 16);
        assert!(a.chars().all(|c| c == '-' || ALPHABET.contains(&(c as u8))));
    }

    #[test]
    fn hashes_are_argon2id_with_the_required_cost() {
        let h = hash_now("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
    }

    #[tokio::test]
    async fn verify_accepts_the_password_and_refuses_others() {
        let hasher = Hasher::new(2, 8);
        let h = hasher.hash("correct horse battery".into()).await.unwrap();
        assert!(
            hasher
                .verify("correct horse battery".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("wrong horse battery".into(), Some(h))
                .await
                .unwrap()
        );
        assert!(!hasher.verify("anything".into(), None).await.unwrap());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn past_the_waiting_limit_a_check_is_refused_at_once() {
        let hasher = Hasher::new(1, 2);
        let h = hash_now("correct horse battery").unwrap();
        // One runs and two wait; the fourth finds the queue full.
        let held: Vec<_> = (0..3)
            .map(|_| {
                let (hasher, h) = (hasher.clone(), h.clone());
                tokio::spawn(async move { hasher.verify("x".into(), Some(h)).await })
            })
            .collect();
        while hasher.waiting.load(Ordering::Acquire) < 2 {
            tokio::task::yield_now().await;
        }
        let started = std::time::Instant::now();
        assert_eq!(
            hasher.verify("x".into(), Some(h.clone())).await,
            Err(HashError::Busy)
        );
        assert!(
            started.elapsed() < std::time::Duration::from_millis(5),
            "at once"
        );
        for t in held {
            assert_eq!(t.await.unwrap(), Ok(false));
        }
        assert_eq!(
            hasher.waiting.load(Ordering::Acquire),
            0,
            "every place given back"
        );
        assert_eq!(
            hasher.verify("x".into(), Some(h)).await,
            Ok(false),
            "room again"
        );
    }
}
