//! Browser security through the real server, on both databases, by concern: the cross-site
//! check of every state-changing request ([`origin`]), the security headers and the
//! per-response CSP nonce ([`headers`]), the body size limit ([`limits`]), hostile input to
//! every server function ([`hostile`]), and request ids in logs that hold no secrets
//! ([`logs`]). What they share is here: the list of server functions and how each takes its
//! arguments, and requests built by hand.

mod headers;
mod hostile;
mod limits;
mod logs;
mod origin;

use app::store::UserId;
use app::users::model::UserSummary;
use reqwest::header::CONTENT_TYPE;

use crate::support::{Browser, Reply, list_users, user_query};

const NEW_PASSWORD: &str = "correct horse battery staple 42";

/// How a server function takes its arguments.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Enc {
    Form,
    Json,
}

/// Every server function of the product with its encoding: the list the matrices run over.
/// A registered function missing here fails
/// [`origin::every_server_function_is_a_post_in_the_list`].
const FUNCTIONS: &[(&str, Enc)] = &[
    ("sign_in", Enc::Form),
    ("sign_out", Enc::Form),
    ("change_password", Enc::Form),
    ("viewer", Enc::Form),
    ("user_stats", Enc::Form),
    ("list_roles", Enc::Form),
    ("list_timezones", Enc::Form),
    ("list_users", Enc::Json),
    ("users_table", Enc::Json),
    ("get_user", Enc::Json),
    ("create_user", Enc::Json),
    ("update_user", Enc::Json),
    ("reset_password", Enc::Json),
    ("set_user_status", Enc::Json),
    ("bulk_change", Enc::Json),
    ("bulk_jobs", Enc::Form),
    ("cancel_bulk_job", Enc::Json),
    ("user_history", Enc::Json),
    ("activity", Enc::Json),
];

/// The Content-Type of a body in `enc`.
fn content_type(enc: Enc) -> &'static str {
    match enc {
        Enc::Form => "application/x-www-form-urlencoded",
        Enc::Json => "application/json",
    }
}

/// A POST to `path` on `b`'s server with `b`'s cookie, with exactly the given extra headers.
async fn raw_post(
    b: &mut Browser,
    path: &str,
    headers: &[(&str, String)],
    content_type: &str,
    body: Vec<u8>,
) -> Reply {
    let (client, base) = b.client();
    let mut req = client
        .post(format!("{base}{path}"))
        .header(CONTENT_TYPE, content_type)
        .body(body);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    b.send_raw(req).await
}

/// The user `id` as the users list shows it.
async fn listed(b: &mut Browser, id: UserId) -> UserSummary {
    let page = list_users(b, user_query("")).await;
    page.rows.into_iter().find(|u| u.id == id.0).unwrap()
}

/// The value of the reply's header `name`, if it has one.
fn header<'a>(r: &'a Reply, name: &str) -> Option<&'a str> {
    r.headers.get(name).map(|v| v.to_str().unwrap())
}
