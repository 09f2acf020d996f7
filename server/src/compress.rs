//! Compression of the pages: brotli or gzip as the browser accepts, the page compressed whole
//! with brotli's window sized to it.
//!
//! tower-http's `CompressionLayer` streams through brotli with its default 4 MiB window, and
//! clearing that window's ring buffer for every page of 95 KB was 6.6 % of the server's CPU
//! under load (issue #13, docs/PERFORMANCE.md). A page is rendered whole before it is sent
//! (`SsrMode::Async`), so it is compressed whole, with a window just large enough to hold it:
//! the same bytes on the wire, without the 4 MiB to clear.
//!
//! Only pages are compressed, never a server function's reply: two of those carry a
//! temporary password, and a compressed reply that also holds something the caller chose gives
//! the secret away by its length (BREACH). A page holds nothing secret besides what it shows:
//! no token, no password (the session cookie is a header, the CSP nonce is new in every reply).
//! The CSV export (`export.rs`) streams, so it gzips its own chunks as it sends them.

use std::io::Write;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, VARY};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// How a page is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Brotli,
    Gzip,
}

impl Coding {
    /// The coding of `Accept-Encoding` with the highest quality value among brotli and gzip,
    /// brotli on a tie; none when the header names neither or refuses both (`q=0`).
    pub fn preferred(headers: &HeaderMap) -> Option<Coding> {
        let mut best: Option<(Coding, f32)> = None;
        for (coding, q) in offered(headers) {
            if best.is_none_or(|(_, b)| q > b || (q == b && coding == Coding::Brotli)) {
                best = Some((coding, q));
            }
        }
        best.map(|(coding, _)| coding)
    }

    /// Whether `Accept-Encoding` accepts this coding.
    pub fn accepted(self, headers: &HeaderMap) -> bool {
        offered(headers).any(|(coding, _)| coding == self)
    }

    /// The `Content-Encoding` of the coding.
    fn header(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Coding::Brotli => "br",
            Coding::Gzip => "gzip",
        })
    }

    /// `body` in this coding.
    fn encode(self, body: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            Coding::Brotli => {
                // Quality 4, as nginx and tower-http compress on the fly; a window of the
                // page's size (2^16 to 2^22 bytes), which is what the encoder clears per reply.
                let params = brotli::enc::BrotliEncoderParams {
                    quality: 4,
                    lgwin: window_bits(body.len()),
                    size_hint: body.len(),
                    mode: brotli::enc::backward_references::BrotliEncoderMode::BROTLI_MODE_TEXT,
                    ..Default::default()
                };
                let mut out = Vec::with_capacity(body.len() / 8);
                brotli::BrotliCompress(&mut &body[..], &mut out, &params)?;
                Ok(out)
            }
            Coding::Gzip => {
                let mut gz = flate2::write::GzEncoder::new(
                    Vec::with_capacity(body.len() / 8),
                    flate2::Compression::default(),
                );
                gz.write_all(body)?;
                gz.finish()
            }
        }
    }
}

/// The codings `Accept-Encoding` accepts among brotli and gzip, with their quality values
/// (those refused with `q=0` left out).
fn offered(headers: &HeaderMap) -> impl Iterator<Item = (Coding, f32)> + '_ {
    headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|item| {
            let mut params = item.split(';');
            let name = params.next().unwrap_or_default().trim();
            let coding = if name.eq_ignore_ascii_case("br") {
                Coding::Brotli
            } else if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
                Coding::Gzip
            } else {
                return None;
            };
            // An unreadable quality refuses the coding rather than guess.
            let q = params
                .find_map(|p| {
                    let (k, v) = p.split_once('=')?;
                    k.trim().eq_ignore_ascii_case("q").then(|| v.trim())
                })
                .map_or(1.0, |v| v.parse::<f32>().unwrap_or(0.0));
            (q > 0.0 && q <= 1.0).then_some((coding, q))
        })
}

/// Brotli's window for a body of `len` bytes: the smallest that holds it, within 2^16..2^22.
fn window_bits(len: usize) -> i32 {
    let bits = usize::BITS - len.saturating_sub(1).leading_zeros();
    bits.clamp(16, 22) as i32
}

/// Whether a reply is a page (HTML): only pages are compressed.
fn is_page(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"))
}

/// The middleware: compresses a page as the request accepts, and says in `Vary` that it
/// depends on `Accept-Encoding`.
pub async fn layer(req: Request, next: Next) -> Response {
    let coding = if req.method() == Method::HEAD {
        None
    } else {
        Coding::preferred(req.headers())
    };
    let mut res = next.run(req).await;
    if !is_page(res.headers()) {
        return res;
    }
    res.headers_mut()
        .append(VARY, HeaderValue::from_static("accept-encoding"));
    let Some(coding) = coding else {
        return res;
    };
    if res.headers().contains_key(CONTENT_ENCODING) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let page: Bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(page) => page,
        Err(e) => {
            tracing::error!(error = %e, "a page's body failed while it was read for compression");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    match coding.encode(&page) {
        Ok(wire) => {
            parts.headers.insert(CONTENT_ENCODING, coding.header());
            parts.headers.remove(CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(wire))
        }
        Err(e) => {
            // Writing into memory does not fail; if it ever did, the page still goes out.
            tracing::error!(error = %e, "a page could not be compressed; sent as it is");
            Response::from_parts(parts, Body::from(page))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepting(values: &[&str]) -> Option<Coding> {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        }
        Coding::preferred(&headers)
    }

    #[test]
    fn the_preferred_coding_follows_the_quality_values() {
        assert_eq!(accepting(&[]), None);
        assert_eq!(
            accepting(&["gzip, deflate, br, zstd"]),
            Some(Coding::Brotli)
        );
        assert_eq!(accepting(&["gzip"]), Some(Coding::Gzip));
        assert_eq!(accepting(&["BR"]), Some(Coding::Brotli));
        assert_eq!(accepting(&["br;q=0, gzip"]), Some(Coding::Gzip));
        assert_eq!(accepting(&["br;q=0.5, gzip;q=0.8"]), Some(Coding::Gzip));
        assert_eq!(
            accepting(&["gzip;q=0.8", "br ; Q=0.9"]),
            Some(Coding::Brotli)
        );
        assert_eq!(accepting(&["br;q=0, gzip;q=0"]), None);
        assert_eq!(accepting(&["br;q=nonsense"]), None);
        assert_eq!(accepting(&["identity, deflate, *"]), None);
    }

    #[test]
    fn gzip_is_accepted_unless_refused() {
        let headers = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            h
        };
        assert!(Coding::Gzip.accepted(&headers("gzip, deflate, br, zstd")));
        assert!(!Coding::Gzip.accepted(&headers("br")));
        assert!(!Coding::Gzip.accepted(&headers("gzip;q=0, br")));
        assert!(!Coding::Gzip.accepted(&HeaderMap::new()));
    }

    #[test]
    fn the_window_holds_the_page() {
        assert_eq!(window_bits(0), 16);
        assert_eq!(window_bits(65_536), 16);
        assert_eq!(window_bits(65_537), 17);
        assert_eq!(window_bits(95_379), 17);
        assert_eq!(window_bits(10 << 20), 22);
    }

    #[test]
    fn encoded_pages_decode_to_the_page() {
        let page = "<tr><td>Ana Lima</td></tr>".repeat(4_000);
        let br = Coding::Brotli.encode(page.as_bytes()).unwrap();
        let mut back = Vec::new();
        std::io::Read::read_to_end(
            &mut brotli_decompressor::Decompressor::new(&br[..], 4096),
            &mut back,
        )
        .unwrap();
        assert_eq!(back, page.as_bytes());
        assert!(br.len() * 20 < page.len());

        let gz = Coding::Gzip.encode(page.as_bytes()).unwrap();
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut back).unwrap();
        assert_eq!(back, page.as_bytes());
    }
}
