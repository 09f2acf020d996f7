//! The table's query returns exactly the rows a plain scan would: every search path, filter,
//! sort and keyset page compared with a brute-force filter over a few thousand generated users,
//! on both databases.

use app::store::{SeedUser, Store, TenantId, UserId};
use app::users::model::{NewUser, Status, UserType};
use app::users::query::{SortKey, UserQuery};

use crate::both;
use crate::support::{TestDb, tenant};

const USERS: u64 = 2_000;

/// The brute-force view of one user.
#[derive(Debug, Clone)]
struct Plain {
    id: i64,
    name_key: String,
    email_norm: String,
    search_key: String,
    user_type: String,
    status: String,
    last_login: i64,
    created_at: i64,
    roles: Vec<i64>,
}

async fn everything(store: &Store, t: TenantId) -> Vec<Plain> {
    type Row = (
        i64,
        String,
        String,
        String,
        String,
        String,
        Option<i64>,
        i64,
    );
    let sql =
        "SELECT id, name_key, email_norm, search_key, user_type, status, last_login_at, created_at
                 FROM users WHERE tenant_id = $1";
    let rows: Vec<Row> = match store {
        Store::Sqlite(p) => sqlx::query_as(sql).bind(t.0).fetch_all(p).await.unwrap(),
        Store::Postgres(p) => sqlx::query_as(sql).bind(t.0).fetch_all(p).await.unwrap(),
    };
    let pairs: Vec<(i64, i64)> = match store {
        Store::Sqlite(p) => {
            sqlx::query_as("SELECT user_id, role_id FROM user_roles WHERE tenant_id = $1")
                .bind(t.0)
                .fetch_all(p)
                .await
                .unwrap()
        }
        Store::Postgres(p) => {
            sqlx::query_as("SELECT user_id, role_id FROM user_roles WHERE tenant_id = $1")
                .bind(t.0)
                .fetch_all(p)
                .await
                .unwrap()
        }
    };
    rows.into_iter()
        .map(|r| Plain {
            id: r.0,
            name_key: r.1,
            email_norm: r.2,
            search_key: r.3,
            user_type: r.4,
            status: r.5,
            last_login: r.6.unwrap_or(0),
            created_at: r.7,
            roles: pairs.iter().filter(|p| p.0 == r.0).map(|p| p.1).collect(),
        })
        .collect()
}

/// What the page should list for `q`, in order.
fn expected(all: &[Plain], q: &UserQuery) -> Vec<i64> {
    let search = q.q.trim().to_lowercase();
    let mut rows: Vec<&Plain> = all
        .iter()
        .filter(|u| match search.chars().count() {
            0 => true,
            // One or two characters: a word of the name or email starting with their letters
            // and digits (before any other character).
            1 | 2 => {
                let words = |s: &str| {
                    s.split(|c: char| !c.is_alphanumeric())
                        .filter(|w| !w.is_empty())
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                };
                match words(&search).first() {
                    None => true,
                    Some(start) => words(&u.search_key).iter().any(|w| w.starts_with(start)),
                }
            }
            _ => u.search_key.contains(&search),
        })
        .filter(|u| q.status.is_none_or(|s| u.status == s.as_str()))
        .filter(|u| q.user_type.is_none_or(|t| u.user_type == t.as_str()))
        .filter(|u| q.role.is_none_or(|r| u.roles.contains(&r)))
        .collect();
    rows.sort_by(|a, b| {
        let key = match q.sort {
            SortKey::Name => a.name_key.as_bytes().cmp(b.name_key.as_bytes()),
            SortKey::Email => a.email_norm.as_bytes().cmp(b.email_norm.as_bytes()),
            SortKey::Type => a.user_type.cmp(&b.user_type),
            SortKey::Status => a.status.cmp(&b.status),
            SortKey::LastLogin => a.last_login.cmp(&b.last_login),
            SortKey::Created => a.created_at.cmp(&b.created_at),
        };
        let ord = key.then(a.id.cmp(&b.id));
        if q.desc { ord.reverse() } else { ord }
    });
    rows.into_iter().map(|u| u.id).collect()
}

/// Walks every page forwards, then back from the last, and checks both against `expected`.
async fn walk(store: &Store, t: TenantId, q: &UserQuery, want: &[i64]) {
    let mut got = Vec::new();
    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_users(
                t,
                &UserQuery {
                    after: cursor,
                    before: None,
                    ..q.clone()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            page.matches.count,
            want.len().min(10_000) as i64,
            "count for {q:?}"
        );
        pages.push(page.rows.iter().map(|r| r.id.0).collect::<Vec<_>>());
        got.extend(page.rows.iter().map(|r| r.id.0));
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
        assert!(pages.len() < 1_000, "paging ends");
    }
    assert_eq!(got, want, "forward pages of {q:?}");
    // Back from the last page, one page at a time.
    let mut before = pages.last().and_then(|p| p.first().copied());
    for expected_page in pages.iter().rev().skip(1) {
        let page = store
            .list_users(
                t,
                &UserQuery {
                    after: None,
                    before,
                    ..q.clone()
                },
            )
            .await
            .unwrap();
        let ids: Vec<i64> = page.rows.iter().map(|r| r.id.0).collect();
        assert_eq!(&ids, expected_page, "backward page of {q:?}");
        before = page.prev;
    }
    if pages.len() > 1 {
        assert_eq!(before, None, "the first page has no previous page");
    }
}

async fn seed(store: &Store) -> (TenantId, Vec<i64>) {
    let (t, _) = tenant(store, "scale").await;
    let (other, _) = tenant(store, "neighbour").await;
    let roles: Vec<i64> = store
        .role_ids(t)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.0)
        .collect();
    let mut users: Vec<_> = (0..USERS)
        .map(|i| omnibots::commands::demo_user(i, &roles))
        .collect();
    // Accents and letter case that the search must fold.
    for (i, (first, last)) in [
        ("ÉLODIE", "Dubois"),
        ("Zoë", "O'Brien"),
        ("JOSÉ", "Álvarez"),
        ("mei", "SMITH"),
    ]
    .iter()
    .enumerate()
    {
        users[i].user.profile.first_name = first.to_string();
        users[i].user.profile.last_name = last.to_string();
    }
    for chunk in users.chunks(500) {
        store.seed_users(t, chunk).await.unwrap();
    }
    // A neighbour with look-alike users, none of whom may show up.
    let neighbours: Vec<_> = (0..200)
        .map(|i| omnibots::commands::demo_user(i, &[]))
        .collect();
    store.seed_users(other, &neighbours).await.unwrap();
    // Some suspensions after the fact, through the store's own path.
    for id in everything(store, t).await.iter().step_by(7).map(|u| u.id) {
        store
            .change_status(t, UserId(-1), UserId(id), Status::Suspended)
            .await
            .unwrap();
    }
    (t, roles)
}

async fn the_list_returns_exactly_what_a_plain_scan_finds(db: &TestDb) {
    let (t, roles) = seed(&db.store).await;
    let all = everything(&db.store, t).await;
    assert_eq!(all.len() as u64, USERS + 1);
    let base = UserQuery {
        size: 100,
        ..UserQuery::default()
    };

    // Every sort, both directions, no filter.
    for sort in SortKey::ALL {
        for desc in [false, true] {
            let q = UserQuery {
                sort,
                desc,
                ..base.clone()
            };
            walk(&db.store, t, &q, &expected(&all, &q)).await;
        }
    }
    // Every search path, alone and combined with filters.
    // "demo" and ".example" match every user: more than 2,000, so the broad-search plan runs.
    let searches = [
        "demo",
        ".EXAMPLE",
        "smi",
        "SMITH",
        "élodie",
        "ZOË",
        "o'br",
        "@sales.",
        "lvarez",
        "100@",
        "e",
        "zo",
        "a",
        "%",
        "_x",
        // Word starts: a last name after an apostrophe, an accented first name, a word of the
        // email's domain, a letter no word starts with, and a word of the email alone.
        "br",
        "É",
        "sa",
        "q",
        "SM",
        "@",
        "no-such-person",
    ];
    for s in searches {
        let q = UserQuery {
            q: s.into(),
            ..base.clone()
        };
        let want = expected(&all, &q);
        walk(&db.store, t, &q, &want).await;
    }
    assert!(
        !expected(
            &all,
            &UserQuery {
                q: "élodie".into(),
                ..base.clone()
            }
        )
        .is_empty(),
        "accented names are found"
    );
    for (s, status, user_type, role, sort) in [
        ("smi", Some(Status::Active), None, None, SortKey::Name),
        ("a", None, Some(UserType::Agent), None, SortKey::Email),
        (
            "demo",
            Some(Status::Suspended),
            Some(UserType::Supervisor),
            Some(roles[0]),
            SortKey::LastLogin,
        ),
        ("", None, None, Some(roles[3]), SortKey::Created),
        (
            "",
            Some(Status::Suspended),
            Some(UserType::TenantAdmin),
            None,
            SortKey::Status,
        ),
        (
            "lee",
            None,
            Some(UserType::Viewer),
            Some(roles[1]),
            SortKey::Type,
        ),
    ] {
        for desc in [false, true] {
            let q = UserQuery {
                q: s.into(),
                status,
                user_type,
                role,
                sort,
                desc,
                ..base.clone()
            };
            walk(&db.store, t, &q, &expected(&all, &q)).await;
        }
    }
}
both!(
    brute_force,
    the_list_returns_exactly_what_a_plain_scan_finds
);

/// A word start held by thousands of users who all sort after the first `WORD_SCAN_ROWS` rows
/// (one first name, late in the name order): the bounded read of the sort index finds none of
/// them, and the page comes from collecting the holders instead, every page exact both ways.
async fn a_clustered_word_start_is_found_past_the_bounded_scan(db: &TestDb) {
    let (t, _) = tenant(&db.store, "cluster").await;
    let person = |first: &str, last: String, email: String| SeedUser {
        user: NewUser::named(first, &last, &email, UserType::Agent),
        last_login_at: None,
        created_at: None,
    };
    let mut users: Vec<SeedUser> = (0..10_500)
        .map(|i| {
            person(
                "Aaron",
                format!("Abbott{i}"),
                format!("aaron{i}@cluster.example"),
            )
        })
        .collect();
    users.extend((0..2_100).map(|i| {
        person(
            "Zygmunt",
            format!("Zed{i}"),
            format!("z{i}@cluster.example"),
        )
    }));
    for chunk in users.chunks(2_000) {
        db.store.seed_users(t, chunk).await.unwrap();
    }
    let all = everything(&db.store, t).await;
    for (sort, desc) in [
        (SortKey::Name, false),
        (SortKey::Email, false),
        (SortKey::Name, true),
        (SortKey::Created, false),
    ] {
        let q = UserQuery {
            q: "zy".into(),
            sort,
            desc,
            size: 100,
            ..UserQuery::default()
        };
        let want = expected(&all, &q);
        assert_eq!(want.len(), 2_100);
        assert!(
            db.store.broad_search(t, &q).await.unwrap(),
            "more than 2,000 holders"
        );
        walk(&db.store, t, &q, &want).await;
    }
    // Past the count's cap: exact from the tenant's counters when nothing but the status
    // filters, "10,000+" for a search.
    let everyone = db.store.list_users(t, &UserQuery::default()).await.unwrap();
    assert_eq!(everyone.matches.count, all.len() as i64);
    assert!(!everyone.matches.capped);
    let active = UserQuery {
        status: Some(Status::Active),
        ..UserQuery::default()
    };
    let active = db.store.list_users(t, &active).await.unwrap();
    assert_eq!(
        active.matches.count,
        all.len() as i64,
        "nobody is suspended"
    );
    let aarons = UserQuery {
        q: "aaron".into(),
        ..UserQuery::default()
    };
    let aarons = db.store.list_users(t, &aarons).await.unwrap();
    assert_eq!(
        (aarons.matches.count, aarons.matches.capped),
        (10_000, true)
    );
}
both!(
    clustered_word_start,
    a_clustered_word_start_is_found_past_the_bounded_scan
);
