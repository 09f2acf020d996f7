//! What every reply tells the browser, and the cross-site check of every state-changing request.
//!
//! One axum middleware ([`layer`]):
//!
//! - A request whose method can change state (anything but GET, HEAD, OPTIONS, TRACE) must come
//!   from the site's own origin: its `Origin` header (or, without one, its `Referer`) must be the
//!   configured public origin. Otherwise it is refused with 403 before any handler runs, so
//!   nothing changes and no cookie is set. Browsers send `Origin` on every POST, fetch and form
//!   alike, so the page itself always passes.
//! - Each request gets a fresh CSP nonce ([`Nonce`], in the request's extensions). The Leptos
//!   context closure hands it to the renderer ([`provide_request_nonce`]), which puts it on the
//!   hydration scripts, and the reply's `Content-Security-Policy` allows exactly that nonce.
//! - Security headers on every reply; `Cache-Control: no-store` on HTML pages and server
//!   function replies (static files under `/pkg` keep the caching they are served with).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ORIGIN, REFERER, REFERRER_POLICY,
    STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, Method, Response, StatusCode};
use axum::middleware::Next;
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};

use app::server::config::origin_of;

/// What the middleware needs to know about the site.
#[derive(Debug, Clone)]
pub struct SiteSecurity {
    /// The only origin state-changing requests may come from (normalised by [`origin_of`]).
    pub origin: String,
    /// Without a configured public URL on a loopback address, the same port under the other
    /// loopback name (`localhost` for `127.0.0.1` and back): a newcomer opening either works.
    pub loopback_alias: Option<String>,
    /// Whether the site is served over https: replies then carry HSTS.
    pub https: bool,
    /// `cargo leptos watch` is running: its reload script opens a WebSocket to another port.
    pub dev_reload: bool,
}

impl SiteSecurity {
    /// The configured public origin, else `http://` and the listen address.
    pub fn new(public_origin: Option<&str>, site_addr: std::net::SocketAddr) -> SiteSecurity {
        let origin = public_origin
            .map(str::to_string)
            .or_else(|| origin_of(&format!("http://{site_addr}")))
            .unwrap_or_else(|| format!("http://{site_addr}"));
        let loopback_alias = match (public_origin, site_addr.ip()) {
            (None, std::net::IpAddr::V4(ip)) if ip.is_loopback() => {
                Some(format!("http://localhost:{}", site_addr.port()))
            }
            (None, std::net::IpAddr::V6(ip)) if ip.is_loopback() => {
                Some(format!("http://localhost:{}", site_addr.port()))
            }
            _ => None,
        };
        SiteSecurity {
            https: origin.starts_with("https://"),
            origin,
            loopback_alias,
            dev_reload: std::env::var_os("LEPTOS_WATCH").is_some(),
        }
    }

    /// Whether a state-changing request with these headers comes from the site.
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        from_origin(headers, &self.origin)
            || self
                .loopback_alias
                .as_deref()
                .is_some_and(|alias| from_origin(headers, alias))
    }

    /// The Content-Security-Policy of an HTML reply whose scripts carry `nonce` (without one,
    /// no inline script may run at all).
    pub fn csp(&self, nonce: Option<&str>) -> String {
        let nonce = nonce.map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
        // Style attributes (the avatar's hue) need 'unsafe-inline' for attributes only;
        // <style> elements and every script stay under the nonce and 'self'. Images may be
        // data: URLs (the stylesheet's search icon is an inline SVG).
        let connect = if self.dev_reload {
            "connect-src 'self' ws: wss:; "
        } else {
            ""
        };
        format!(
            "default-src 'self'; script-src 'self'{nonce} 'wasm-unsafe-eval'; \
             style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; {connect}\
             object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
        )
    }
}

/// Whether `method` may change state, and so must pass the cross-site check.
fn changes_state(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Whether the request says it comes from `origin`: its `Origin` header, or its `Referer`
/// when there is no `Origin`. Neither header (or `Origin: null`) is not proof, so it fails.
pub fn from_origin(headers: &HeaderMap, origin: &str) -> bool {
    let claimed = match headers.get(ORIGIN) {
        Some(v) => v.to_str().ok().and_then(origin_of),
        None => headers
            .get(REFERER)
            .and_then(|v| v.to_str().ok())
            .and_then(origin_of),
    };
    claimed.as_deref() == Some(origin)
}

/// The middleware: see the module's description.
pub async fn layer(
    State(site): State<Arc<SiteSecurity>>,
    mut req: Request,
    next: Next,
) -> Response<Body> {
    if changes_state(req.method()) && !site.allows(req.headers()) {
        tracing::warn!(
            method = %req.method(),
            path = req.uri().path(),
            "refused a cross-site request (Origin/Referer is not the site)"
        );
        let mut res = Response::new(Body::from(
            "Cross-site request refused: this request did not come from the portal's own pages.\n",
        ));
        *res.status_mut() = StatusCode::FORBIDDEN;
        res.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        add_headers(&site, &mut res, None, false);
        return res;
    }
    let nonce = new_nonce();
    req.extensions_mut().insert(nonce.clone());
    let server_fn = req.uri().path().starts_with("/api/");
    let mut res = next.run(req).await;
    add_headers(&site, &mut res, Some(&nonce), server_fn);
    res
}

/// A fresh nonce: 128 random bits in hex. Leptos' own is base64, whose letters can spell a word
/// in a page (`uSQLXg` once made the hostile-input test see a database word); hex cannot spell
/// anything past "f".
fn new_nonce() -> Nonce {
    Nonce::from_value(format!("{:032x}", rand::random::<u128>()))
}

/// Puts the request's nonce (from [`layer`]) in the Leptos context, replacing the one
/// leptos_axum made up, so the scripts carry the nonce the CSP header names. Call it in the
/// context closure of the Leptos routes.
pub fn provide_request_nonce() {
    let nonce = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Nonce>().cloned());
    if let Some(nonce) = nonce {
        provide_context(nonce);
    }
}

fn add_headers(site: &SiteSecurity, res: &mut Response<Body>, nonce: Option<&Nonce>, api: bool) {
    let html = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let headers = res.headers_mut();
    let fixed = |v: &'static str| HeaderValue::from_static(v);
    headers.insert(X_CONTENT_TYPE_OPTIONS, fixed("nosniff"));
    headers.insert(REFERRER_POLICY, fixed("same-origin"));
    headers.insert("cross-origin-opener-policy", fixed("same-origin"));
    headers.insert("cross-origin-resource-policy", fixed("same-origin"));
    if site.https {
        headers.insert(
            STRICT_TRANSPORT_SECURITY,
            fixed("max-age=31536000; includeSubDomains"),
        );
    }
    if html {
        if let Ok(v) = HeaderValue::from_str(&site.csp(nonce.map(|n| &**n))) {
            headers.insert(CONTENT_SECURITY_POLICY, v);
        }
        headers.insert(X_FRAME_OPTIONS, fixed("DENY"));
    }
    if html || api {
        headers.insert(CACHE_CONTROL, fixed("no-store"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_the_sites_own_origin_passes() {
        let site = "http://127.0.0.1:3000";
        assert!(from_origin(&headers(&[("origin", site)]), site));
        assert!(from_origin(
            &headers(&[("referer", "http://127.0.0.1:3000/sign-in?x=1")]),
            site
        ));
        // Origin wins over Referer.
        assert!(!from_origin(
            &headers(&[("origin", "http://evil.example"), ("referer", site)]),
            site
        ));
        for bad in [
            vec![],
            vec![("origin", "null")],
            vec![("origin", "http://127.0.0.1:3001")],
            vec![("origin", "https://127.0.0.1:3000")],
            vec![("origin", "http://127.0.0.1:3000.evil.example")],
            vec![("referer", "http://evil.example/http://127.0.0.1:3000")],
        ] {
            assert!(!from_origin(&headers(&bad), site), "{bad:?}");
        }
    }

    #[test]
    fn a_loopback_site_without_a_public_url_also_answers_to_localhost() {
        let addr: std::net::SocketAddr = "127.0.0.1:3000".parse().unwrap();
        let local = SiteSecurity::new(None, addr);
        assert!(local.allows(&headers(&[("origin", "http://localhost:3000")])));
        assert!(local.allows(&headers(&[("origin", "http://127.0.0.1:3000")])));
        assert!(!local.allows(&headers(&[("origin", "http://localhost:3001")])));
        let public = SiteSecurity::new(Some("https://admin.example"), addr);
        assert!(!public.allows(&headers(&[("origin", "http://localhost:3000")])));
        let wide = SiteSecurity::new(None, "0.0.0.0:3000".parse().unwrap());
        assert!(!wide.allows(&headers(&[("origin", "http://localhost:3000")])));
    }

    #[test]
    fn the_policy_allows_the_nonce_and_no_inline_script() {
        let site = SiteSecurity {
            origin: "https://a.example".into(),
            loopback_alias: None,
            https: true,
            dev_reload: false,
        };
        let csp = site.csp(Some("abc"));
        assert!(!site.csp(None).contains("nonce"));
        let script = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(script.contains("'nonce-abc'") && script.contains("'wasm-unsafe-eval'"));
        assert!(!script.contains("unsafe-inline") && !script.contains("'unsafe-eval'"));
        for d in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "default-src 'self'",
            "form-action 'self'",
        ] {
            assert!(csp.contains(d), "{d}: {csp}");
        }
    }
}
