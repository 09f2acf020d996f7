//! Brute-force throttling of password checks (sign-in, and Change password's current
//! password), counted in fixed windows, before any password work:
//!
//! - per account **and address** (`per_account`, 10): the address that guesses at an account is
//!   refused, also with the right password;
//! - per address (`per_address`, 50): an address that guesses at many accounts is refused;
//! - per account from all addresses (`per_account_all`, 100, NIST SP 800-63B-4's ceiling on
//!   failed attempts): past it, an address that has already tried this account in the window
//!   more than [`FRESH_ADDRESS_ATTEMPTS`] times is refused, while any other address may still try
//!   that many times. So a distributed guesser is held to a few guesses per address and window,
//!   and the account's holder, from an address that has not been guessing, still signs in: an
//!   attacker cannot lock them out.
//!
//! A right password clears the account's counters (only its holder can do that). Windows end by
//! themselves.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::AppState;
use super::env::{flag, whole};
use crate::error::AppError;
use crate::store::now_ms;
use crate::store::throttle::AttemptCount;

/// The throttling rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleRules {
    /// How long a window of counted attempts lasts from its first attempt.
    pub window: Duration,
    /// Attempts allowed per account from one address in one window.
    pub per_account: i64,
    /// Attempts per account from all addresses in one window past which only addresses that
    /// have not been guessing at it may still try.
    pub per_account_all: i64,
    /// Attempts allowed per client address in one window (an address tries many accounts).
    pub per_address: i64,
    /// Take the client address from the last `X-Forwarded-For` entry (the address the trusted
    /// reverse proxy in front saw) instead of the connection's peer. Only behind such a proxy:
    /// otherwise clients choose their own address.
    pub trust_forwarded_for: bool,
}

impl Default for ThrottleRules {
    fn default() -> Self {
        ThrottleRules {
            window: Duration::from_secs(15 * 60),
            per_account: 10,
            per_account_all: 100,
            per_address: 50,
            trust_forwarded_for: false,
        }
    }
}

/// The throttling settings, for `--help` and the README.
pub const THROTTLE_HELP: &str = "\
Sign-in throttling (environment variables):
  OMNIBOTS_SIGN_IN_WINDOW_MINUTES  attempts are counted in windows this long (default 15)
  OMNIBOTS_SIGN_IN_MAX_PER_ACCOUNT attempts per workspace + email from one address in a window
                                   (default 10)
  OMNIBOTS_SIGN_IN_MAX_PER_ACCOUNT_ALL  attempts per workspace + email from all addresses in a
                                   window; past it, an address that tried it more than 3 times is
                                   refused, others may still try (default 100)
  OMNIBOTS_SIGN_IN_MAX_PER_ADDRESS attempts per client address in a window (default 50)
  OMNIBOTS_TRUST_X_FORWARDED_FOR   true behind a reverse proxy that sets X-Forwarded-For
                                   (default false: the connection's address)";

impl ThrottleRules {
    /// Reads the rules through `get`; a value that does not parse is an error naming it.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<ThrottleRules, String> {
        let mut r = ThrottleRules::default();
        let num = |name: &str| whole(&get, name, (1 << 31) - 1);
        let window = num("OMNIBOTS_SIGN_IN_WINDOW_MINUTES")?;
        r.window = window.map_or(r.window, |m| Duration::from_secs(m * 60));
        let count = |name: &str| Ok::<_, String>(num(name)?.map(|n| n as i64));
        r.per_account = count("OMNIBOTS_SIGN_IN_MAX_PER_ACCOUNT")?.unwrap_or(r.per_account);
        let all = count("OMNIBOTS_SIGN_IN_MAX_PER_ACCOUNT_ALL")?;
        r.per_account_all = all.unwrap_or(r.per_account_all);
        r.per_address = count("OMNIBOTS_SIGN_IN_MAX_PER_ADDRESS")?.unwrap_or(r.per_address);
        if let Some(v) = get("OMNIBOTS_TRUST_X_FORWARDED_FOR") {
            r.trust_forwarded_for = flag("OMNIBOTS_TRUST_X_FORWARDED_FOR", &v)?;
        }
        Ok(r)
    }

    fn window_ms(&self) -> i64 {
        self.window.as_millis() as i64
    }
}

fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

/// The bucket of an account: the workspace as typed (trimmed, lower-cased) and the email's
/// uniqueness key. Unknown workspaces and emails get buckets too, so a refusal says nothing
/// about whether an account exists.
pub fn account_bucket(workspace: &str, email: &str) -> String {
    digest(&[
        "account",
        &workspace.trim().to_lowercase(),
        &crate::users::rules::email_key(email),
    ])
}

/// The bucket of a signed-in user's checks of their current password (Change password).
pub fn user_bucket(tenant: crate::store::TenantId, user: crate::store::UserId) -> String {
    digest(&["user", &tenant.0.to_string(), &user.0.to_string()])
}

/// The bucket of one account's attempts from one address.
pub fn pair_bucket(account: &str, address: &str) -> String {
    digest(&["pair", account, address])
}

/// Past the account's limit from all addresses, how many attempts an address may still make on
/// it in a window: enough for its holder's typos, too few for guessing.
pub const FRESH_ADDRESS_ATTEMPTS: i64 = 3;

/// The bucket of a client address. An IPv6 client usually holds a whole /64, so that is
/// the unit counted.
pub fn address_bucket(ip: IpAddr) -> String {
    let unit = match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    };
    digest(&["address", &unit])
}

/// The client address of the current request: the connection's peer, or with
/// `trust_forwarded_for` the last `X-Forwarded-For` entry (what the proxy saw). `None` when
/// unknown (the server was not started with connection info).
pub fn client_address(
    parts: &axum::http::request::Parts,
    trust_forwarded_for: bool,
) -> Option<IpAddr> {
    if trust_forwarded_for {
        // Only the last entry: the earlier ones are whatever the client sent.
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .next_back()
            .and_then(|s| s.trim().parse::<IpAddr>().ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// An attempt that was counted and may go on to the password check.
#[derive(Debug)]
pub struct Admitted {
    account: (String, AttemptCount),
    pair: Option<(String, AttemptCount)>,
    address: Option<(String, AttemptCount)>,
}

/// Counts this sign-in attempt for its account and the request's address, and refuses it with
/// [`AppError::TooManyAttempts`] when either is over its threshold. Call before any password
/// work: a refused attempt costs one small write and no hashing.
pub async fn admit(state: &AppState, workspace: &str, email: &str) -> Result<Admitted, AppError> {
    admit_bucket(state, account_bucket(workspace, email))
        .await
        .inspect_err(|e| {
            if let AppError::TooManyAttempts { minutes } = e {
                tracing::warn!(workspace = %super::loggable(workspace), minutes, "sign-in throttled");
            }
        })
}

/// Counts a check of a signed-in user's current password (Change password) for the user and
/// the request's address, like a sign-in attempt, and refuses it with
/// [`AppError::TooManyPasswordAttempts`] past the same thresholds: a stolen session cannot
/// guess the password without end. The address's count is the one sign-in uses.
pub async fn admit_password_check(
    state: &AppState,
    tenant: crate::store::TenantId,
    user: crate::store::UserId,
) -> Result<Admitted, AppError> {
    admit_bucket(state, user_bucket(tenant, user))
        .await
        .map_err(|e| match e {
            AppError::TooManyAttempts { minutes } => {
                tracing::warn!(
                    tenant = tenant.0,
                    user = user.0,
                    minutes,
                    "password checks throttled"
                );
                AppError::TooManyPasswordAttempts { minutes }
            }
            other => other,
        })
}

/// Counts an attempt for `account`, its pair with the request's address, and the address.
async fn admit_bucket(state: &AppState, account: String) -> Result<Admitted, AppError> {
    let rules = &state.settings.throttle;
    let address = leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|p| client_address(&p, rules.trust_forwarded_for))
        .map(address_bucket);
    let pair = address.as_deref().map(|a| pair_bucket(&account, a));
    let mut names = vec![account.as_str()];
    names.extend(pair.as_deref());
    names.extend(address.as_deref());
    let counts = state
        .store
        .count_sign_in_attempt(&names, rules.window_ms())
        .await?;
    let (account_count, rest) = (counts[0], &counts[1..]);
    let (pair_count, address_count) = match rest {
        [p, a] => (Some(*p), Some(*a)),
        _ => (None, None),
    };
    // Without a known address (never in practice), the account's own limit stands in for the
    // pair's.
    let over = [
        pair_count.map_or(
            (account_count.attempts > rules.per_account).then_some(account_count),
            |p| (p.attempts > rules.per_account).then_some(p),
        ),
        address_count.filter(|a| a.attempts > rules.per_address),
        (account_count.attempts > rules.per_account_all
            && pair_count.is_none_or(|p| p.attempts > FRESH_ADDRESS_ATTEMPTS))
        .then_some(account_count),
    ];
    let now = now_ms();
    let wait_ms = over
        .iter()
        .flatten()
        .map(|c| c.window_start + rules.window_ms() - now)
        .max();
    if let Some(wait_ms) = wait_ms {
        let minutes = (wait_ms.max(1) as u64).div_ceil(60_000);
        return Err(AppError::TooManyAttempts { minutes });
    }
    Ok(Admitted {
        account: (account, account_count),
        pair: pair.zip(pair_count),
        address: address.zip(address_count),
    })
}

impl Admitted {
    /// The password was right: the account's count starts over (only its password holder can
    /// do that), and this attempt is taken back out of the address's window (one right
    /// password must not reset an address that guesses at other accounts).
    pub async fn password_was_right(self, state: &AppState) -> Result<(), AppError> {
        state.store.clear_sign_in_attempts(&self.account.0).await?;
        if let Some((pair, _)) = &self.pair {
            state.store.clear_sign_in_attempts(pair).await?;
        }
        if let Some((bucket, count)) = &self.address {
            state
                .store
                .uncount_sign_in_attempt(bucket, count.window_start)
                .await?;
        }
        Ok(())
    }

    /// The password was never checked (the hash queue was full): the attempt is taken back out
    /// of every count, so a person's retries during a flood do not add up toward a limit.
    pub async fn not_checked(self, state: &AppState) -> Result<(), AppError> {
        let buckets = [Some(self.account), self.pair, self.address];
        for (bucket, count) in buckets.iter().flatten() {
            state
                .store
                .uncount_sign_in_attempt(bucket, count.window_start)
                .await?;
        }
        Ok(())
    }

    /// Checks `password` against `hash` with the state's hasher; a check refused because the
    /// hash queue is full is taken back out of the counts first.
    pub async fn verify(
        self,
        state: &AppState,
        password: String,
        hash: Option<String>,
    ) -> Result<(bool, Admitted), AppError> {
        match state.hasher.verify(password, hash).await {
            Ok(ok) => Ok((ok, self)),
            Err(e) => {
                self.not_checked(state).await?;
                Err(e.into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_ignore_case_and_spaces_and_keep_nothing_in_clear() {
        let a = account_bucket(" Acme ", "Ann@X.com");
        assert_eq!(a, account_bucket("acme", "ann@x.com "));
        assert_ne!(a, account_bucket("acme", "bob@x.com"));
        assert_ne!(
            a,
            account_bucket("acmeann", "@x.com"),
            "parts are separated"
        );
        assert!(!a.contains("ann") && a.len() == 64);
    }

    #[test]
    fn an_ipv6_client_counts_as_its_64() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_bucket(a), address_bucket(b));
        assert_ne!(address_bucket(a), address_bucket(c));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(
            address_bucket(mapped),
            address_bucket("10.0.0.1".parse().unwrap())
        );
    }

    #[test]
    fn forwarded_for_is_used_only_when_trusted() {
        let (mut parts, ()) = axum::http::Request::builder()
            .header("x-forwarded-for", "203.0.113.9, 198.51.100.7")
            .body(())
            .unwrap()
            .into_parts();
        let peer: SocketAddr = "10.1.1.1:5000".parse().unwrap();
        parts.extensions.insert(axum::extract::ConnectInfo(peer));
        assert_eq!(client_address(&parts, false), Some(peer.ip()));
        assert_eq!(
            client_address(&parts, true),
            Some("198.51.100.7".parse().unwrap()),
            "the entry the proxy added, not one the client wrote"
        );
    }

    #[test]
    fn rules_read_from_the_environment() {
        let r = ThrottleRules::from_lookup(|k| match k {
            "OMNIBOTS_SIGN_IN_MAX_PER_ACCOUNT" => Some("5".into()),
            "OMNIBOTS_TRUST_X_FORWARDED_FOR" => Some("true".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!((r.per_account, r.per_address), (5, 50));
        assert!(r.trust_forwarded_for);
        let err = ThrottleRules::from_lookup(|k| {
            (k == "OMNIBOTS_SIGN_IN_WINDOW_MINUTES").then(|| "0".into())
        })
        .unwrap_err();
        assert!(err.contains("OMNIBOTS_SIGN_IN_WINDOW_MINUTES"), "{err}");
    }
}
