//! One render per request: the signed-in page renders whole, for the right tenant, every time,
//! with many requests of two tenants in flight at once.
//!
//! Two tenants whose names, emails and users carry a marker of their own; their admins load the
//! users page interleaved, from many clients at once, in varied views (search, status, type,
//! sort, order, page size, a cursor of their own and one of the other tenant). Every reply must
//! be a 200 that ends in `</html>` (and the scripts Leptos writes after it) and holds its own
//! marker and **no marker of the other tenant**; none may take over [`STALL`]; the server's panic counter (read from `/metrics`)
//! must not move; and the users page must have been built exactly once per load.
//!
//! In CI: [`CI_LOADS`] loads per database. At scale, outside CI (release build; 50,000 loads per
//! database, with the runtime at 2 and then 8 worker threads):
//!
//! ```sh
//! RENDER_LOADS=50000 RENDER_WORKERS=2,8 \
//!   cargo test --release -p omnibots --test it render::at_scale -- --ignored --nocapture
//! ```

use std::time::{Duration, Instant};

use app::store::{TenantId, UserId};
use app::users::model::{NewUser, Status, UserType};
use reqwest::StatusCode;

use crate::both;
use crate::support::{
    Backend, Browser, PASSWORD, TestDb, TestServer, admin_browser, start, tenant_with_users,
    test_settings,
};

/// A reply slower than this counts as a stall (renders take milliseconds).
const STALL: Duration = Duration::from_secs(2);
/// Loads per database in CI.
const CI_LOADS: usize = 5_120;
/// Clients at once, half of them signed in to each tenant.
const CLIENTS: usize = 16;
/// Loads of the page while other servers start beside it.
const STARTING_LOADS: usize = 40;
/// Users per tenant besides the admin and the agent.
const USERS: usize = 60;

/// One tenant of the test: its workspace, a marker found in everything it shows, and the ids
/// of some of its users (for cursors).
struct Side {
    marker: &'static str,
    cookie: String,
    user_ids: Vec<UserId>,
}

/// The two tenants' workspaces, which are also their markers: the tenant's name, its admin's
/// email and every user's name and email carry it.
const SIDES: [&str; 2] = ["mkq7alpha", "mkq7bravo"];

async fn make_tenant(db: &TestDb, marker: &'static str) -> (TenantId, Vec<UserId>) {
    let (t, admin, agent) = tenant_with_users(&db.store, marker).await;
    let first = ["Ada", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal"];
    let types = [
        UserType::Agent,
        UserType::Supervisor,
        UserType::Analyst,
        UserType::Viewer,
    ];
    let mut ids = vec![admin, agent];
    for i in 0..USERS {
        let id = db
            .store
            .create_user(
                t,
                None,
                &NewUser::named(
                    format!("{}{marker}", first[i % first.len()]),
                    format!("Lee{i:03}"),
                    format!("u{i:03}@{marker}.example"),
                    types[i % types.len()],
                ),
                None,
            )
            .await
            .unwrap();
        if i % 5 == 0 {
            db.store
                .change_status(t, admin, id, Status::Suspended)
                .await
                .unwrap();
        }
        ids.push(id);
    }
    (t, ids)
}

/// The views a client cycles through: plain, searched, filtered, sorted, sized and paged, a
/// cursor of the other tenant among them (it must find nothing of theirs).
fn views(own: &Side, other: &Side) -> Vec<String> {
    let mid = own.user_ids[own.user_ids.len() / 2].0;
    let foreign = other.user_ids[other.user_ids.len() / 2].0;
    vec![
        "/".into(),
        "/?q=u01".into(),
        format!("/?q={}&status=active", own.marker),
        "/?status=suspended".into(),
        "/?type=agent&sort=email&dir=desc".into(),
        "/?sort=last_login&dir=desc&size=50".into(),
        "/?sort=type&size=100".into(),
        "/?sort=status".into(),
        "/?sort=created&dir=desc".into(),
        format!("/?sort=email&after={mid}"),
        format!("/?before={mid}"),
        format!("/?after={foreign}"),
        // Matches users of both tenants.
        "/?q=lee0&sort=email".into(),
    ]
}

/// What the loads saw.
#[derive(Debug, Default, PartialEq, Eq)]
struct Tally {
    loads: usize,
    /// Replies other than 200 (a panicking render answers 500).
    failed: usize,
    /// No reply within [`STALL`].
    stalls: usize,
    /// Replies that did not end in `</html>` or lacked their own tenant's marker.
    incomplete: usize,
    /// Replies holding the other tenant's marker.
    foreign: usize,
    /// Panics counted by the server while the loads ran.
    panics: u64,
    /// Users pages built, less the loads of it (0 when each load built it once).
    extra_builds: i64,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.loads += other.loads;
        self.failed += other.failed;
        self.stalls += other.stalls;
        self.incomplete += other.incomplete;
        self.foreign += other.foreign;
    }

    fn clean(&self) -> bool {
        Tally {
            loads: self.loads,
            ..Tally::default()
        } == *self
    }
}

/// One client: `loads` loads of `own`'s views, checked.
async fn client(
    base: String,
    own: (String, &'static str, Vec<String>),
    other_marker: &'static str,
    loads: usize,
    offset: usize,
) -> (Tally, Duration) {
    let (cookie, marker, views) = own;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(STALL)
        .build()
        .unwrap();
    let mut tally = Tally::default();
    let mut slowest = Duration::ZERO;
    for i in 0..loads {
        let path = &views[(i + offset) % views.len()];
        let started = Instant::now();
        let reply = http
            .get(format!("{base}{path}"))
            .header(reqwest::header::ACCEPT, "text/html")
            .header(
                reqwest::header::COOKIE,
                format!("omnibots_session={cookie}"),
            )
            .send()
            .await;
        tally.loads += 1;
        let reply = match reply {
            Ok(r) => {
                let status = r.status();
                r.text().await.map(|body| (status, body))
            }
            Err(e) => Err(e),
        };
        slowest = slowest.max(started.elapsed());
        match reply {
            Err(e) if e.is_timeout() => {
                tally.stalls += 1;
                eprintln!("stall: {path} ({e})");
            }
            Err(e) => {
                tally.failed += 1;
                eprintln!("failed: {path} ({e})");
            }
            Ok((status, _)) if status != StatusCode::OK => {
                tally.failed += 1;
                eprintln!("failed: {path} answered {status}");
            }
            Ok((_, body)) => {
                if !whole(&body) {
                    tally.incomplete += 1;
                    eprintln!("incomplete: {path} ends in {:?}", tail(&body));
                } else if !body.contains(marker) {
                    tally.incomplete += 1;
                    eprintln!("incomplete: {path} lacks its own marker {marker}");
                }
                if body.contains(other_marker) {
                    tally.foreign += 1;
                    eprintln!("foreign marker {other_marker} in {path} of {marker}");
                }
            }
        }
    }
    (tally, slowest)
}

/// Whether `body` is a whole document: its `</html>`, followed by nothing but the scripts in
/// which Leptos hands the resolved data to hydration (it writes them after the document; a
/// browser parses them into the body).
fn whole(body: &str) -> bool {
    body.rfind("</html>").is_some_and(|end| {
        let rest = body[end + "</html>".len()..].trim();
        rest.is_empty() || (rest.starts_with("<script") && rest.ends_with("</script>"))
    })
}

/// The last characters of `body`, for a message.
fn tail(body: &str) -> &str {
    let mut from = body.len().saturating_sub(80);
    while !body.is_char_boundary(from) {
        from += 1;
    }
    &body[from..]
}

/// The two tenants, signed in.
async fn sides(db: &TestDb, server: &TestServer) -> [Side; 2] {
    let mut out = Vec::new();
    for marker in SIDES {
        let (_, user_ids) = make_tenant(db, marker).await;
        let mut b = Browser::new(server);
        let r = b
            .sign_in(marker, &format!("admin@{marker}.example"), PASSWORD)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        out.push(Side {
            marker,
            cookie: b.cookie.clone().expect("a session"),
            user_ids,
        });
    }
    out.try_into().ok().unwrap()
}

/// `loads` loads from [`CLIENTS`] clients at once, the two tenants interleaved.
async fn hammer(server: &TestServer, sides: &[Side; 2], loads: usize) -> (Tally, Duration) {
    let before = server.metrics().await;
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (own, other) = (&sides[c % 2], &sides[1 - c % 2]);
        let each = loads / CLIENTS + usize::from(c < loads % CLIENTS);
        tasks.push(tokio::spawn(client(
            server.base.clone(),
            (own.cookie.clone(), own.marker, views(own, other)),
            other.marker,
            each,
            c,
        )));
    }
    let mut tally = Tally::default();
    let mut slowest = Duration::ZERO;
    for t in tasks {
        let (part, slow) = t.await.expect("a client ran to the end");
        tally.add(&part);
        slowest = slowest.max(slow);
    }
    let after = server.metrics().await;
    tally.panics = (after.value("omnibots_panics_total", "")
        - before.value("omnibots_panics_total", "")) as u64;
    let builds = after.value("omnibots_page_builds_total", "page=\"users\"")
        - before.value("omnibots_page_builds_total", "page=\"users\"");
    tally.extra_builds = builds as i64 - tally.loads as i64;
    (tally, slowest)
}

async fn two_tenants_render_whole_and_apart(db: &TestDb) {
    let server = start(db).await;
    let sides = sides(db, &server).await;
    let (tally, slowest) = hammer(&server, &sides, CI_LOADS).await;
    eprintln!("{tally:?}, slowest {slowest:?}");
    assert!(tally.clean(), "{tally:?}");
    assert_eq!(tally.loads, CI_LOADS);
}
both!(two_tenants_at_once, two_tenants_render_whole_and_apart);

/// The signed-in home page, rendered once per view: the users page is built exactly once for
/// each request (never again by a `Suspense` around it).
async fn the_users_page_is_built_once_per_request(db: &TestDb) {
    let server = start(db).await;
    let sides = sides(db, &server).await;
    let (own, other) = (&sides[0], &sides[1]);
    for path in views(own, other) {
        let before = server.metrics().await;
        let mut b = Browser::new(&server);
        b.cookie = Some(own.cookie.clone());
        let page = b.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let after = server.metrics().await;
        let built = after.value("omnibots_page_builds_total", "page=\"users\"")
            - before.value("omnibots_page_builds_total", "page=\"users\"");
        assert_eq!(built, 1.0, "{path}: the users page built {built} times");
    }
}
both!(built_once, the_users_page_is_built_once_per_request);

/// Starting a server never stalls another server's renders in the same process. Building the
/// router generates Leptos's route list, and while it does, leptos_server 0.8 parks **every**
/// resource of the process whose load starts meanwhile (a process-wide flag), forever: the
/// page never answers. `omnibots::router` generates the list once per process, so in a test
/// binary (many servers) nothing renders while it is generated. Here one server renders page
/// after page while others keep starting beside it.
async fn a_server_starting_never_stalls_another_s_render(db: &TestDb) {
    tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut admin = admin_browser(&server, "acme").await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let starting = {
        let (store, url, stop) = (db.store.clone(), db.url.clone(), stop.clone());
        tokio::spawn(async move {
            let mut started = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let other = TestServer::start(store.clone(), test_settings(&url)).await;
                // Answering means its router (and the route list) has been built.
                let ready = reqwest::get(format!("{}/healthz", other.base)).await;
                assert!(ready.is_ok_and(|r| r.status().is_success()));
                started += 1;
            }
            started
        })
    };
    for load in 0..STARTING_LOADS {
        let page = tokio::time::timeout(STALL * 5, admin.get("/?q=a"))
            .await
            .unwrap_or_else(|_| panic!("load {load} stalled while other servers started"));
        assert_eq!(page.status, StatusCode::OK);
        assert!(whole(&page.body), "load {load}: {}", tail(&page.body));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let started = starting.await.unwrap();
    eprintln!("{STARTING_LOADS} loads while {started} other servers started");
    assert!(started > 0);
}
both!(
    servers_starting,
    a_server_starting_never_stalls_another_s_render
);

/// Each icon's shape is in the page once (the sprite), whatever the number of rows; every row
/// draws its three icons by reference.
async fn each_icon_is_defined_once_per_page(db: &TestDb) {
    tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut admin = admin_browser(&server, "acme").await;
    let page = admin.get("/?size=50").await;
    assert_eq!(page.status, StatusCode::OK);
    let rows = page.body.matches("<tr").count() - 1;
    assert!(rows >= 2, "{rows} rows");
    for icon in [
        "pencil",
        "lock-reset",
        "refresh",
        "plus",
        "download",
        "history",
    ] {
        let defined = format!("<symbol id=\"icon-{icon}\"");
        assert_eq!(page.body.matches(&defined).count(), 1, "{icon}");
    }
    // A path is drawn only inside the sprite's eight symbols.
    assert_eq!(page.body.matches("<path").count(), 8);
    assert_eq!(
        page.body.matches("<use href=\"#icon-pencil\"").count(),
        rows
    );
    assert_eq!(
        page.body.matches("<use href=\"#icon-lock-reset\"").count(),
        rows
    );
}
both!(icons_once, each_icon_is_defined_once_per_page);

/// The table is in the page once: its rows are markup, and the hydration data (the scripts
/// after `</html>`) carries the page's counts and cursors but none of the rows.
async fn the_hydration_data_does_not_repeat_the_table(db: &TestDb) {
    let (t, _, agent) = tenant_with_users(&db.store, "acme").await;
    let server = start(db).await;
    let mut admin = admin_browser(&server, "acme").await;
    let page = admin.get("/?size=50").await;
    assert_eq!(page.status, StatusCode::OK);
    let (document, hydration) = page.body.split_once("</html>").expect("a whole document");
    // (The admin's own name and email are in the hydration data once, as the signed-in viewer.)
    for shown in ["agent@acme.example", "icon-btn", "badge-type-agent"] {
        assert!(document.contains(shown), "{shown} is in the table");
        assert!(
            !hydration.contains(shown),
            "{shown} is not sent again: {hydration}"
        );
    }
    let row = format!("data-user=\"{}\"", agent.0);
    assert_eq!(
        document.matches(&row).count(),
        4,
        "the agent's four buttons"
    );
    let count = db.store.tenant_counts(t).await.unwrap().total;
    assert!(
        document.contains(&format!("{count} users")),
        "the match count is rendered"
    );
}
both!(
    hydration_without_rows,
    the_hydration_data_does_not_repeat_the_table
);

/// At scale, outside CI: see the module's header for the command.
#[test]
#[ignore = "50,000 loads per database and runtime size; run by hand in a release build"]
fn at_scale() {
    let loads: usize = std::env::var("RENDER_LOADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000);
    let workers: Vec<usize> = std::env::var("RENDER_WORKERS")
        .unwrap_or_else(|_| "2,8".into())
        .split(',')
        .filter_map(|w| w.trim().parse().ok())
        .collect();
    let mut all_clean = true;
    for backend in [Backend::Sqlite, Backend::Postgres] {
        for &w in &workers {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(w)
                .enable_all()
                .build()
                .unwrap();
            let (tally, slowest, secs) = rt.block_on(async {
                let db = TestDb::new(backend).await;
                let server = start(&db).await;
                let sides = sides(&db, &server).await;
                let started = Instant::now();
                let (tally, slowest) = hammer(&server, &sides, loads).await;
                let secs = started.elapsed().as_secs_f64();
                drop(server);
                db.cleanup().await;
                (tally, slowest, secs)
            });
            println!(
                "{backend:?}, {w} workers: {} loads in {secs:.1} s ({:.0}/s), failed {}, stalls {}, incomplete {}, foreign {}, panics {}, extra builds {}, slowest {:.0} ms",
                tally.loads,
                tally.loads as f64 / secs,
                tally.failed,
                tally.stalls,
                tally.incomplete,
                tally.foreign,
                tally.panics,
                tally.extra_builds,
                slowest.as_secs_f64() * 1000.0
            );
            all_clean &= tally.clean();
        }
    }
    assert!(all_clean, "see the figures above");
}
