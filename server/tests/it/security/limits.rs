//! The body size limit: a body over it is refused with 413 before it is read, whether its
//! length is announced or it comes in chunks; one just under it is read.

use reqwest::StatusCode;
use serde_json::json;

use super::raw_post;
use crate::both;
use crate::support::{TestDb, admin_browser, start, tenant_with_users, user_form};

/// Sends a request over raw TCP and returns the status of the reply. With `expect`, the head
/// carries `Expect: 100-continue` and the body is never sent: a server that refuses on the
/// head alone answers at once. Without it, the body is written while the reply is read, so a
/// reply that comes before the end of the body is still seen.
pub(super) async fn raw_http(base: &str, head: &str, body: Vec<u8>, expect: bool) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.strip_prefix("http://").unwrap();
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let head = format!(
        "{head}Host: {addr}\r\nOrigin: {base}\r\nConnection: close\r\n{}\r\n",
        if expect {
            "Expect: 100-continue\r\n"
        } else {
            ""
        }
    );
    wr.write_all(head.as_bytes()).await.unwrap();
    let writer = (!expect).then(|| {
        tokio::spawn(async move {
            // The server may answer (and close) before it has read everything.
            let _ = wr.write_all(&body).await;
        })
    });
    let mut got = Vec::new();
    let mut buf = vec![0u8; 4096];
    let code = loop {
        let n = tokio::time::timeout(std::time::Duration::from_secs(30), rd.read(&mut buf))
            .await
            .expect("an answer")
            .unwrap_or(0);
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).to_string();
        if text.contains("\r\n\r\n") {
            break text
                .split_whitespace()
                .nth(1)
                .and_then(|c| c.parse().ok())
                .unwrap_or_else(|| panic!("no status line: {text:?}"));
        }
        assert!(n > 0, "the connection closed without a reply: {text:?}");
    };
    if let Some(w) = writer {
        w.abort();
    }
    code
}

async fn bodies_over_the_limit_are_refused_with_413(db: &TestDb) {
    let (t, ..) = tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut admin = admin_browser(&server, "acme").await;
    let before = db.store.tenant_counts(t).await.unwrap();
    let cookie = format!(
        "Cookie: omnibots_session={}\r\n",
        admin.cookie.clone().unwrap()
    );
    // A 1 MB field in an otherwise valid create, signed in.
    let big = "A".repeat(1 << 20);
    let body = serde_json::to_vec(&json!({
        "form": user_form(&big, "Tester", "big@acme.example"), "user_type": "agent"
    }))
    .unwrap();
    let head = format!(
        "POST /api/create_user HTTP/1.1\r\n{cookie}Content-Type: application/json\r\n\
         Content-Length: {}\r\n",
        body.len()
    );
    assert_eq!(raw_http(&server.base, &head, body, true).await, 413);
    // A 1 MB form field at sign-in, and one byte over the limit.
    for size in [1 << 20, omnibots::MAX_BODY_BYTES + 1] {
        let head = format!(
            "POST /api/sign_in HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {size}\r\n"
        );
        assert_eq!(
            raw_http(&server.base, &head, vec![b'x'; size], true).await,
            413
        );
    }
    // Just under the limit is read (and refused for what it says, not for its size).
    let body = format!(
        "workspace=acme&email=a%40b.c&password={}",
        "x".repeat(omnibots::MAX_BODY_BYTES - 100)
    );
    let r = raw_post(
        &mut admin,
        "/api/sign_in",
        &[("origin", server.base.clone())],
        "application/x-www-form-urlencoded",
        body.into_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    // A chunked body, with no length announced, is cut off at the limit too.
    let chunk = "x".repeat(16 * 1024);
    let mut body = Vec::new();
    for _ in 0..8 {
        body.extend_from_slice(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes());
    }
    body.extend_from_slice(b"0\r\n\r\n");
    let head = "POST /api/sign_in HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                Transfer-Encoding: chunked\r\n";
    assert_eq!(raw_http(&server.base, head, body, false).await, 413);
    assert_eq!(db.store.tenant_counts(t).await.unwrap(), before);
    assert_eq!(admin.stats().await.status, StatusCode::OK);
}
both!(body_limit, bodies_over_the_limit_are_refused_with_413);
