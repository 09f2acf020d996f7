//! Settings read from the environment at start. Every one has a default that suits the
//! embedded, single-machine set-up; `omnibots --help` lists them.

use std::time::Duration;

use super::env::{flag, whole};

/// The server's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `sqlite://data/omnibots.db` (default) or `postgres://…`.
    pub database_url: String,
    /// Send cookies with `Secure` (set when the site is served over https).
    pub secure_cookies: bool,
    /// A session unused this long ends.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, however active.
    pub session_lifetime: Duration,
    /// An unused temporary password stops working after this long.
    pub temporary_password_ttl: Duration,
    /// How many password hashes may run at once (default: one less than the CPU count, at least
    /// one): a burst of sign-ins never takes every core from the pages.
    pub hash_concurrency: usize,
    /// How many password checks may wait for a hashing thread; the next is refused at once
    /// with 429 and `Retry-After` (`OMNIBOTS_HASH_QUEUE`, default 64).
    pub hash_queue: usize,
    /// The origin browsers reach the portal at (`https://admin.example.com`), normalised by
    /// [`origin_of`]. Every POST must come from it (Origin, else Referer); when it is https,
    /// replies carry HSTS. `None`: `http://` and the listen address (`LEPTOS_SITE_ADDR`).
    pub public_origin: Option<String>,
    /// Brute-force throttling of sign-in (`OMNIBOTS_SIGN_IN_*`).
    pub throttle: super::throttle::ThrottleRules,
    /// Where `/metrics` is served (`OMNIBOTS_METRICS_ADDR`); `None`, the default: nowhere.
    pub metrics_addr: Option<std::net::SocketAddr>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: "sqlite://data/omnibots.db".into(),
            secure_cookies: false,
            session_idle: Duration::from_secs(30 * 60),
            session_lifetime: Duration::from_secs(12 * 3600),
            temporary_password_ttl: Duration::from_secs(72 * 3600),
            hash_concurrency: std::thread::available_parallelism()
                .map_or(1, |n| n.get().saturating_sub(1).max(1)),
            hash_queue: 64,
            public_origin: None,
            throttle: super::throttle::ThrottleRules::default(),
            metrics_addr: None,
        }
    }
}

/// Every environment setting with its meaning, for `--help` and the README.
pub const SETTINGS_HELP: &str = "\
Settings (environment variables):
  DATABASE_URL                    sqlite://data/omnibots.db (default) or postgres://user@host/db
  LEPTOS_SITE_ADDR                listen address (default 127.0.0.1:3000)
  OMNIBOTS_PUBLIC_URL             the origin browsers use, e.g. https://admin.example.com; POSTs
                                  from any other origin are refused, https adds HSTS
                                  (default http://LEPTOS_SITE_ADDR)
  OMNIBOTS_SECURE_COOKIES         true when served over https: cookies get Secure (default: true
                                  when OMNIBOTS_PUBLIC_URL is https, else false)
  OMNIBOTS_SESSION_IDLE_MINUTES   a session unused this long ends (default 30)
  OMNIBOTS_SESSION_MAX_HOURS      a session ends this long after sign-in (default 12)
  OMNIBOTS_TEMP_PASSWORD_HOURS    an unused temporary password expires (default 72)
  OMNIBOTS_HASH_CONCURRENCY       password hashes run at once (default: CPU count - 1, at least 1)
  OMNIBOTS_HASH_QUEUE             password checks that may wait for a hash; more are refused
                                  at once with 429 and Retry-After (default 64)
  OMNIBOTS_LOG_FORMAT             text (default) or json: one JSON object per log line
  OMNIBOTS_METRICS_ADDR           serve /metrics (Prometheus text) on this address, e.g.
                                  127.0.0.1:9100; off unless set, never on the portal's address
  RUST_LOG                        log filter (default info)";

impl Settings {
    /// Reads the settings from the environment. A value that does not parse is an error
    /// naming the variable.
    pub fn from_env() -> Result<Settings, String> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the settings through `get`, so tests need not touch the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, String> {
        let mut s = Settings::default();
        if let Some(url) = get("DATABASE_URL").filter(|v| !v.is_empty()) {
            s.database_url = url;
        }
        let secure_cookies = get("OMNIBOTS_SECURE_COOKIES")
            .map(|v| flag("OMNIBOTS_SECURE_COOKIES", &v))
            .transpose()?;
        let num = |name: &str| whole(&get, name, u64::MAX / 3_600_000);
        let minutes = |name: &str| Ok::<_, String>(num(name)?.map(|m| Duration::from_secs(m * 60)));
        let hours = |name: &str| Ok::<_, String>(num(name)?.map(|h| Duration::from_secs(h * 3600)));
        s.session_idle = minutes("OMNIBOTS_SESSION_IDLE_MINUTES")?.unwrap_or(s.session_idle);
        s.session_lifetime = hours("OMNIBOTS_SESSION_MAX_HOURS")?.unwrap_or(s.session_lifetime);
        let ttl = hours("OMNIBOTS_TEMP_PASSWORD_HOURS")?;
        s.temporary_password_ttl = ttl.unwrap_or(s.temporary_password_ttl);
        let concurrency = num("OMNIBOTS_HASH_CONCURRENCY")?;
        s.hash_concurrency = concurrency.map_or(s.hash_concurrency, |n| n as usize);
        s.hash_queue = num("OMNIBOTS_HASH_QUEUE")?.map_or(s.hash_queue, |n| n as usize);
        if let Some(v) = get("OMNIBOTS_PUBLIC_URL").filter(|v| !v.is_empty()) {
            s.public_origin = Some(origin_of(&v).filter(|_| is_bare_origin(&v)).ok_or_else(
                || {
                    format!(
                        "OMNIBOTS_PUBLIC_URL must be an origin such as https://admin.example.com \
                     (scheme, host and optional port; no path), not {v:?}"
                    )
                },
            )?);
        }
        if let Some(v) = get("OMNIBOTS_METRICS_ADDR").filter(|v| !v.is_empty()) {
            s.metrics_addr = Some(v.parse().map_err(|_| {
                format!("OMNIBOTS_METRICS_ADDR must be an address and port such as 127.0.0.1:9100, not {v:?}")
            })?);
        }
        s.throttle = super::throttle::ThrottleRules::from_lookup(&get)?;
        // Served over https (the public URL says so): Secure cookies, unless set otherwise.
        s.secure_cookies = secure_cookies.unwrap_or_else(|| s.public_is_https());
        Ok(s)
    }

    fn public_is_https(&self) -> bool {
        self.public_origin
            .as_deref()
            .is_some_and(|o| o.starts_with("https://"))
    }

    /// What an operator should hear at start-up about these settings, one message each.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.public_is_https() && !self.throttle.trust_forwarded_for {
            out.push(format!(
                "OMNIBOTS_PUBLIC_URL is https, so a reverse proxy is likely in front, but \
                 OMNIBOTS_TRUST_X_FORWARDED_FOR is not set: every client then shares the \
                 proxy's address, and {} sign-in attempts in {} minutes from anyone refuse \
                 everyone. If the proxy appends the client's address to X-Forwarded-For, set \
                 OMNIBOTS_TRUST_X_FORWARDED_FOR=true.",
                self.throttle.per_address + 1,
                self.throttle.window.as_secs() / 60
            ));
        }
        out
    }
}

/// The origin of a URL (`scheme://host[:port]`), lower-cased and without the scheme's default
/// port, or `None` when it is not an http(s) URL. A path, query or fragment is dropped; user
/// information makes it `None`. Used for the setting and to compare Origin and Referer headers.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => ":80",
        "https" => ":443",
        _ => return None,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest[..end].to_ascii_lowercase();
    let valid = |c: char| c.is_ascii_alphanumeric() || "-.:[]_".contains(c);
    if authority.is_empty() || !authority.chars().all(valid) {
        return None;
    }
    let authority = authority.strip_suffix(default_port).unwrap_or(&authority);
    Some(format!("{scheme}://{authority}"))
}

/// Whether a URL given as the public origin has nothing after the origin but a `/`.
fn is_bare_origin(url: &str) -> bool {
    url.trim()
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'))
        .is_some_and(|rest| !rest.contains(['/', '?', '#']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let s = Settings::from_lookup(|_| None).unwrap();
        assert_eq!(s.database_url, "sqlite://data/omnibots.db");
        assert_eq!(s.temporary_password_ttl, Duration::from_secs(72 * 3600));
        assert!(!s.secure_cookies);
        assert_eq!(s.metrics_addr, None, "metrics are off unless asked for");
    }

    /// The settings read from exactly these variables.
    fn with(pairs: &[(&str, &str)]) -> Settings {
        Settings::from_lookup(|k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
        .unwrap()
    }

    #[test]
    fn an_https_public_url_means_secure_cookies_unless_set_otherwise() {
        assert!(with(&[("OMNIBOTS_PUBLIC_URL", "https://admin.example.com")]).secure_cookies);
        assert!(!with(&[("OMNIBOTS_PUBLIC_URL", "http://127.0.0.1:3000")]).secure_cookies);
        assert!(
            !with(&[
                ("OMNIBOTS_PUBLIC_URL", "https://admin.example.com"),
                ("OMNIBOTS_SECURE_COOKIES", "false"),
            ])
            .secure_cookies
        );
        assert!(with(&[("OMNIBOTS_SECURE_COOKIES", "true")]).secure_cookies);
    }

    #[test]
    fn an_https_public_url_without_trusted_forwarding_is_warned_about() {
        let warned = with(&[("OMNIBOTS_PUBLIC_URL", "https://admin.example.com")]).warnings();
        assert_eq!(warned.len(), 1);
        assert!(
            warned[0].contains("OMNIBOTS_TRUST_X_FORWARDED_FOR=true"),
            "{}",
            warned[0]
        );
        assert!(
            warned[0].contains("51 sign-in attempts in 15 minutes"),
            "{}",
            warned[0]
        );
        assert!(
            with(&[
                ("OMNIBOTS_PUBLIC_URL", "https://admin.example.com"),
                ("OMNIBOTS_TRUST_X_FORWARDED_FOR", "true"),
            ])
            .warnings()
            .is_empty()
        );
        assert!(with(&[]).warnings().is_empty());
    }

    #[test]
    fn the_metrics_address_is_read_and_checked() {
        let with = |v: &'static str| {
            Settings::from_lookup(move |k| (k == "OMNIBOTS_METRICS_ADDR").then(|| v.to_string()))
        };
        assert_eq!(
            with("127.0.0.1:9100").unwrap().metrics_addr,
            Some("127.0.0.1:9100".parse().unwrap())
        );
        let err = with("localhost").unwrap_err();
        assert!(err.contains("OMNIBOTS_METRICS_ADDR"), "{err}");
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let err = Settings::from_lookup(|k| {
            (k == "OMNIBOTS_SESSION_IDLE_MINUTES").then(|| "soon".to_string())
        })
        .unwrap_err();
        assert!(err.contains("OMNIBOTS_SESSION_IDLE_MINUTES"), "{err}");
    }

    #[test]
    fn the_public_url_is_kept_as_a_normalised_origin() {
        let with = |v: &'static str| {
            Settings::from_lookup(move |k| (k == "OMNIBOTS_PUBLIC_URL").then(|| v.to_string()))
        };
        assert_eq!(Settings::from_lookup(|_| None).unwrap().public_origin, None);
        assert_eq!(
            with("HTTPS://Admin.Example.com:443/")
                .unwrap()
                .public_origin,
            Some("https://admin.example.com".into())
        );
        assert_eq!(
            with("http://127.0.0.1:3000").unwrap().public_origin,
            Some("http://127.0.0.1:3000".into())
        );
        for bad in [
            "admin.example.com",
            "ftp://x.example",
            "https://x.example/admin",
            "https://",
        ] {
            let err = with(bad).unwrap_err();
            assert!(err.contains("OMNIBOTS_PUBLIC_URL"), "{bad}: {err}");
        }
    }

    #[test]
    fn origins_compare_without_default_ports_case_or_path() {
        assert_eq!(
            origin_of("http://LOCALHOST:80/x?y#z").as_deref(),
            Some("http://localhost")
        );
        assert_eq!(
            origin_of("https://a.example:8443").as_deref(),
            Some("https://a.example:8443")
        );
        assert_eq!(origin_of("null"), None);
        assert_eq!(origin_of("https://user@a.example/"), None);
        assert_eq!(origin_of("javascript://a.example"), None);
    }
}
