//! The session cookie: a 256-bit random token, only its SHA-256 stored.

use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// The cookie's name. `__Host-` would forbid plain-http development, so it is used only with
/// secure cookies.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-omnibots_session"
    } else {
        "omnibots_session"
    }
}

/// A fresh token for the cookie (64 hex characters, 256 bits from the OS).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What the store keeps of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The `Set-Cookie` value that hands the browser its session.
pub fn set_cookie(token: &str, secure: bool, max_age_secs: u64) -> String {
    format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        cookie_name(secure),
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        cookie_name(secure),
        if secure { "; Secure" } else { "" }
    )
}

/// The session token in a `Cookie` header, if any.
pub fn token_from_cookie_header(header: &str, secure: bool) -> Option<String> {
    let name = cookie_name(secure);
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name && v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| v.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bits_and_only_their_hash_is_kept() {
        let t = new_token();
        assert_eq!(t.len(), 64);
        assert_ne!(t, new_token());
        assert_eq!(token_hash(&t).len(), 64);
        assert_ne!(token_hash(&t), t);
    }

    #[test]
    fn the_token_is_found_among_other_cookies() {
        let t = new_token();
        let header = format!("theme=dark; omnibots_session={t}; other=1");
        assert_eq!(token_from_cookie_header(&header, false), Some(t.clone()));
        assert_eq!(token_from_cookie_header(&header, true), None);
        assert_eq!(
            token_from_cookie_header("omnibots_session=short", false),
            None
        );
    }

    #[test]
    fn cookies_are_http_only_and_same_site() {
        let c = set_cookie("abc", true, 60);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"));
        assert!(!set_cookie("abc", false, 60).contains("Secure"));
    }
}
