//! The store's rules, the same test code on SQLite and PostgreSQL.

use app::server::passwords;
use app::store::{NewTenant, Store, StoreError, TenantId, UniqueField, UserId, now_ms};
use app::users::model::{Status, UserType};
use app::users::query::UserQuery;

use crate::both;
use crate::support::{
    TestDb, admin_browser, new_user, start, tenant, tenant_with_users, user_query,
};
use app::error::AppError;
use reqwest::StatusCode;
use serde_json::json;

/// Raw SQL for checks the store deliberately has no function for.
async fn exec(store: &Store, sql: &str) -> Result<u64, sqlx::Error> {
    match store {
        Store::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
        Store::Postgres(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
    }
}

async fn a_new_tenant_has_its_admin_default_roles_and_counts(db: &TestDb) {
    let (t, admin) = tenant(&db.store, "acme").await;
    let roles = db.store.role_ids(t).await.unwrap();
    assert_eq!(roles.len(), app::store::default_roles().len());
    let counts = db.store.tenant_counts(t).await.unwrap();
    assert_eq!((counts.total, counts.active, counts.suspended), (1, 1, 0));
    let u = db.store.user(t, admin).await.unwrap();
    assert_eq!(u.user_type, UserType::TenantAdmin);
    assert!(u.password_temporary);
}
both!(
    new_tenant,
    a_new_tenant_has_its_admin_default_roles_and_counts
);

async fn a_tenant_slug_is_unique(db: &TestDb) {
    tenant(&db.store, "acme").await;
    let err = db
        .store
        .create_tenant(
            &NewTenant {
                slug: "acme".into(),
                name: "Other".into(),
                default_timezone: "UTC".into(),
            },
            &new_user("x@y.example", UserType::TenantAdmin),
            None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Unique(UniqueField::TenantSlug)),
        "{err:?}"
    );
}
both!(tenant_slug_unique, a_tenant_slug_is_unique);

async fn emails_are_unique_per_tenant_in_any_letter_case(db: &TestDb) {
    let (a, _) = tenant(&db.store, "acme").await;
    let (b, _) = tenant(&db.store, "globex").await;
    db.store
        .create_user(a, None, &new_user("Ann@X.com", UserType::Agent), None)
        .await
        .unwrap();
    let err = db
        .store
        .create_user(a, None, &new_user("ann@x.COM", UserType::Agent), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Unique(UniqueField::Email)),
        "{err:?}"
    );
    // The same email in another tenant is fine.
    db.store
        .create_user(b, None, &new_user("ann@x.com", UserType::Agent), None)
        .await
        .unwrap();
    assert_eq!(
        db.store.tenant_counts(a).await.unwrap().total,
        2,
        "the clash wrote nothing"
    );
}
both!(
    email_unique_per_tenant,
    emails_are_unique_per_tenant_in_any_letter_case
);

async fn external_ids_are_unique_per_tenant_when_set(db: &TestDb) {
    let (a, _) = tenant(&db.store, "acme").await;
    let (b, _) = tenant(&db.store, "globex").await;
    let with_ext = |email: &str, ext: Option<&str>| {
        let mut user = new_user(email, UserType::Viewer);
        user.profile.external_id = ext.map(str::to_string);
        user
    };
    db.store
        .create_user(a, None, &with_ext("1@x.com", Some("EMP-1")), None)
        .await
        .unwrap();
    let err = db
        .store
        .create_user(a, None, &with_ext("2@x.com", Some("EMP-1")), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Unique(UniqueField::ExternalId)),
        "{err:?}"
    );
    // Case-sensitive, and unset ids never clash.
    db.store
        .create_user(a, None, &with_ext("3@x.com", Some("emp-1")), None)
        .await
        .unwrap();
    db.store
        .create_user(a, None, &with_ext("4@x.com", None), None)
        .await
        .unwrap();
    db.store
        .create_user(a, None, &with_ext("5@x.com", None), None)
        .await
        .unwrap();
    db.store
        .create_user(b, None, &with_ext("1@x.com", Some("EMP-1")), None)
        .await
        .unwrap();
}
both!(
    external_id_unique_per_tenant,
    external_ids_are_unique_per_tenant_when_set
);

async fn the_user_type_cannot_change_once_written(db: &TestDb) {
    let (t, admin) = tenant(&db.store, "acme").await;
    let err = exec(
        &db.store,
        &format!(
            "UPDATE users SET user_type = 'viewer' WHERE tenant_id = {} AND id = {}",
            t.0, admin.0
        ),
    )
    .await;
    assert!(err.is_err(), "the database refuses a user type change");
    assert_eq!(
        db.store.user(t, admin).await.unwrap().user_type,
        UserType::TenantAdmin
    );
    // Other columns still update.
    exec(
        &db.store,
        &format!(
            "UPDATE users SET first_name = 'Bo', user_type = user_type WHERE id = {}",
            admin.0
        ),
    )
    .await
    .expect("an unchanged type is fine");
}
both!(
    user_type_immutable,
    the_user_type_cannot_change_once_written
);

async fn a_role_of_another_tenant_cannot_be_assigned(db: &TestDb) {
    let (a, admin_a) = tenant(&db.store, "acme").await;
    let (b, _) = tenant(&db.store, "globex").await;
    let role_b = db.store.role_ids(b).await.unwrap()[0].0;
    let err = exec(
        &db.store,
        &format!(
            "INSERT INTO user_roles (tenant_id, user_id, role_id) VALUES ({}, {}, {role_b})",
            a.0, admin_a.0
        ),
    )
    .await;
    assert!(err.is_err(), "foreign keys keep roles inside their tenant");
    let role_a = db.store.role_ids(a).await.unwrap()[0].0;
    exec(
        &db.store,
        &format!(
            "INSERT INTO user_roles (tenant_id, user_id, role_id) VALUES ({}, {}, {role_a})",
            a.0, admin_a.0
        ),
    )
    .await
    .expect("a role of the same tenant is fine");
}
both!(
    roles_stay_in_their_tenant,
    a_role_of_another_tenant_cannot_be_assigned
);

async fn maintained_counts_follow_every_change(db: &TestDb) {
    let (t, _) = tenant(&db.store, "acme").await;
    let (other, _) = tenant(&db.store, "globex").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            db.store
                .create_user(
                    t,
                    None,
                    &new_user(&format!("u{i}@x.com"), UserType::Agent),
                    None,
                )
                .await
                .unwrap(),
        );
    }
    db.store
        .change_status(t, UserId(0), ids[0], Status::Suspended)
        .await
        .unwrap();
    db.store
        .change_status(t, UserId(0), ids[1], Status::Suspended)
        .await
        .unwrap();
    db.store
        .change_status(t, UserId(0), ids[1], Status::Suspended)
        .await
        .unwrap(); // no change
    db.store
        .change_status(t, UserId(0), ids[0], Status::Active)
        .await
        .unwrap();
    let kept = db.store.tenant_counts(t).await.unwrap();
    assert_eq!((kept.total, kept.active, kept.suspended), (6, 5, 1));
    assert_eq!(kept, db.store.tenant_counts_by_scan(t).await.unwrap());
    let o = db.store.tenant_counts(other).await.unwrap();
    assert_eq!(
        (o.total, o.active),
        (1, 1),
        "another tenant's counts are untouched"
    );
}
both!(maintained_counts, maintained_counts_follow_every_change);

async fn concurrent_writers_queue_instead_of_failing(db: &TestDb) {
    let (t, _) = tenant(&db.store, "acme").await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store = db.store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .create_user(
                    t,
                    None,
                    &new_user(&format!("c{i}@x.com"), UserType::Agent),
                    None,
                )
                .await
        }));
    }
    for task in tasks {
        task.await
            .unwrap()
            .expect("every concurrent create succeeds");
    }
    let counts = db.store.tenant_counts(t).await.unwrap();
    assert_eq!(counts.total, 41);
    assert_eq!(counts, db.store.tenant_counts_by_scan(t).await.unwrap());
}
both!(
    concurrent_writers,
    concurrent_writers_queue_instead_of_failing
);

async fn password_changes_and_suspension_end_all_sessions(db: &TestDb) {
    use app::store::SessionRecord;
    let (t, admin) = tenant(&db.store, "acme").await;
    let agent = db
        .store
        .create_user(t, None, &new_user("agent@x.com", UserType::Agent), None)
        .await
        .unwrap();
    let session = |user: UserId, token: &str| SessionRecord {
        token_hash: token.into(),
        tenant_id: t,
        user_id: user,
        expires_at: now_ms() + 60_000,
        password_hash: None,
    };
    assert!(
        db.store
            .create_session(&session(admin, "a1"))
            .await
            .unwrap()
    );
    assert!(
        db.store
            .create_session(&session(admin, "a2"))
            .await
            .unwrap()
    );
    assert!(
        db.store
            .create_session(&session(agent, "g1"))
            .await
            .unwrap()
    );
    assert!(db.store.session_user("a1", 60_000).await.unwrap().is_some());

    let hash = passwords::hash_now("a brand new password").unwrap();
    db.store
        .set_password(t, Some(admin), admin, &hash, false, None)
        .await
        .unwrap();
    assert_eq!(db.store.session_count(t, admin).await.unwrap(), 0);
    assert_eq!(
        db.store.session_count(t, agent).await.unwrap(),
        1,
        "others keep theirs"
    );
    let u = db.store.user(t, admin).await.unwrap();
    assert!(!u.password_temporary);

    db.store
        .change_status(t, admin, agent, Status::Suspended)
        .await
        .unwrap();
    assert_eq!(db.store.session_count(t, agent).await.unwrap(), 0);
    assert!(db.store.session_user("g1", 60_000).await.unwrap().is_none());
}
both!(
    sessions_end,
    password_changes_and_suspension_end_all_sessions
);

async fn idle_and_expired_sessions_are_not_found(db: &TestDb) {
    use app::store::SessionRecord;
    let (t, admin) = tenant(&db.store, "acme").await;
    assert!(
        db.store
            .create_session(&SessionRecord {
                token_hash: "old".into(),
                tenant_id: t,
                user_id: admin,
                expires_at: now_ms() - 1,
                password_hash: None,
            })
            .await
            .unwrap()
    );
    assert!(
        db.store
            .session_user("old", 60_000)
            .await
            .unwrap()
            .is_none(),
        "past its absolute end"
    );
    assert_eq!(
        db.store.session_count(t, admin).await.unwrap(),
        0,
        "and deleted"
    );
    assert!(
        db.store
            .create_session(&SessionRecord {
                token_hash: "idle".into(),
                tenant_id: t,
                user_id: admin,
                expires_at: now_ms() + 60_000,
                password_hash: None,
            })
            .await
            .unwrap()
    );
    crate::support::sleep_ms(30).await;
    assert!(
        db.store.session_user("idle", 10).await.unwrap().is_none(),
        "idle too long"
    );
}
both!(session_timeouts, idle_and_expired_sessions_are_not_found);

async fn audit_records_never_hold_a_password(db: &TestDb) {
    let (t, admin) = tenant(&db.store, "acme").await;
    let hash = passwords::hash_now("another long password").unwrap();
    db.store
        .set_password(t, Some(admin), admin, &hash, false, None)
        .await
        .unwrap();
    let rows: Vec<(String, String)> = match &db.store {
        Store::Sqlite(p) => sqlx::query_as("SELECT action, changes FROM audit_log ORDER BY id")
            .fetch_all(p)
            .await
            .unwrap(),
        Store::Postgres(p) => sqlx::query_as("SELECT action, changes FROM audit_log ORDER BY id")
            .fetch_all(p)
            .await
            .unwrap(),
    };
    let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(actions, ["tenant.create", "user.change_password"]);
    for (_, changes) in &rows {
        assert!(
            !changes.contains("argon2") && !changes.contains("another long password"),
            "{changes}"
        );
    }
}
both!(audit_without_secrets, audit_records_never_hold_a_password);

async fn migrations_are_idempotent(db: &TestDb) {
    db.store
        .migrate()
        .await
        .expect("a second run applies nothing and succeeds");
}
both!(migrations_rerun, migrations_are_idempotent);

/// A search of one or two characters matches the start of any word of the first name, last
/// name or email, in any letter case, and nothing else ("li" is inside "Ali" and "Emilia").
async fn short_searches_match_the_start_of_any_word(db: &TestDb) {
    let (t, _) = tenant(&db.store, "words").await;
    let people = [
        ("Liam", "Brown", "liam.brown@words.example", true),
        ("Ana", "Lima", "ana.lima@words.example", true),
        ("Wang", "Li", "wang@words.example", true),
        ("Jo", "Park", "LI.wang@words.example", true),
        ("Ali", "Emilia", "ali.emilia@words.example", false),
        ("Sam", "O'Lisle", "sam@words.example", true),
    ];
    for (first, last, email, _) in people {
        let user = app::users::model::NewUser::named(first, last, email, UserType::Agent);
        db.store.create_user(t, None, &user, None).await.unwrap();
    }
    let emails = |text: &'static str| async move {
        let q = UserQuery::from_pairs(|k| (k == "q").then_some(text));
        let page = db.store.list_users(t, &q).await.unwrap();
        let mut found: Vec<String> = page.rows.into_iter().map(|u| u.profile.email).collect();
        found.sort();
        (found, page.matches.count)
    };
    let mut want: Vec<String> = people
        .iter()
        .filter(|p| p.3)
        .map(|p| p.2.to_string())
        .collect();
    want.sort();
    for text in ["li", "LI", "Li "] {
        let (found, count) = emails(text).await;
        assert_eq!(found, want, "{text:?}");
        assert_eq!(count, want.len() as i64, "{text:?}");
    }
    let (found, _) = emails("l").await;
    assert!(
        want.iter().all(|w| found.contains(w)),
        "one letter: {found:?}"
    );
    assert!(!found.contains(&"ali.emilia@words.example".to_string()));
    let (found, _) = emails("em").await;
    assert_eq!(found, ["ali.emilia@words.example"], "the last name's start");
    let (found, _) = emails("wo").await;
    assert_eq!(
        found.len(),
        people.len() + 1,
        "a word of every email's domain"
    );
}
both!(short_searches, short_searches_match_the_start_of_any_word);

/// A search of three characters or more is a substring of the lower-cased name and email, and
/// the count agrees with the rows: "ſ" (long s) and "ς" (final sigma) are lower-case letters of
/// their own, which SQLite's default trigram folding merged with "s" and "σ". The count now
/// comes from the trigram index alone (migrations/sqlite/0008_search_from_indexes.sql), so
/// under that folding "smith" would count the Long-S user too.
async fn substring_searches_match_exactly_what_they_count(db: &TestDb) {
    let (t, _) = tenant(&db.store, "exact").await;
    let people = [
        ("Ana", "Smith", "ana@exact.example"),
        ("Bo", "\u{17f}mith", "bo@exact.example"),
        ("Cy", "SMITHERS", "cy@exact.example"),
        ("Di", "Odyss\u{3b5}\u{3c5}\u{3c2}", "di@exact.example"),
        ("Ed", "Odyss\u{3b5}\u{3c5}\u{3c3}a", "ed@exact.example"),
    ];
    for (first, last, email) in people {
        let user = app::users::model::NewUser::named(first, last, email, UserType::Agent);
        db.store.create_user(t, None, &user, None).await.unwrap();
    }
    for (text, want) in [
        ("smith", vec!["ana@exact.example", "cy@exact.example"]),
        ("SMITH", vec!["ana@exact.example", "cy@exact.example"]),
        ("\u{17f}mith", vec!["bo@exact.example"]),
        ("\u{3b5}\u{3c5}\u{3c2}", vec!["di@exact.example"]),
        ("\u{3b5}\u{3c5}\u{3c3}", vec!["ed@exact.example"]),
    ] {
        for status in [None, Some("active")] {
            let q = UserQuery::from_pairs(|k| match k {
                "q" => Some(text),
                "status" => status,
                _ => None,
            });
            let page = db.store.list_users(t, &q).await.unwrap();
            let mut found: Vec<String> = page.rows.into_iter().map(|u| u.profile.email).collect();
            found.sort();
            assert_eq!(found, want, "{text:?}, status {status:?}");
            assert_eq!(
                page.matches.count,
                want.len() as i64,
                "{text:?}, status {status:?}"
            );
        }
    }
}
both!(
    exact_substrings,
    substring_searches_match_exactly_what_they_count
);

/// Users stored before the word starts existed (migration 0007 adds `word_key` empty) are found
/// by a short search once `migrate` has run: it fills their keys, in batches.
async fn migrate_fills_the_word_starts_of_existing_users(db: &TestDb) {
    let (t, _) = tenant(&db.store, "backfill").await;
    let users: Vec<_> = (0..2_500)
        .map(|i| omnibots::commands::demo_user(i, &[]))
        .collect();
    db.store.seed_users(t, &users).await.unwrap();
    exec(&db.store, "UPDATE users SET word_key = ''")
        .await
        .unwrap();
    let q = UserQuery::from_pairs(|k| (k == "q").then_some("ad"));
    let before = db.store.list_users(t, &q).await.unwrap();
    assert_eq!(before.matches.count, 0, "the emptied keys match nothing");
    db.store.migrate().await.unwrap();
    let after = db.store.list_users(t, &q).await.unwrap();
    assert_eq!(
        after.matches.count, 1,
        "the admin again: admin@backfill.example"
    );
    let empty = match &db.store {
        Store::Sqlite(p) => {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users WHERE word_key = ''")
                .fetch_one(p)
                .await
        }
        Store::Postgres(p) => {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users WHERE word_key = ''")
                .fetch_one(p)
                .await
        }
    };
    assert_eq!(empty.unwrap(), 0, "every row filled, past the first batch");
}
both!(
    word_start_backfill,
    migrate_fills_the_word_starts_of_existing_users
);

/// Sign-in's one lookup: the same statement for an unknown workspace, an unknown email and a
/// known account (issue "Security, second pass", 6), and only the tenant's own users.
async fn sign_in_lookup_answers_every_case_in_one_statement(db: &TestDb) {
    let (acme, admin) = tenant(&db.store, "acme").await;
    let (other, _) = tenant(&db.store, "other").await;
    let found = db
        .store
        .sign_in_lookup("acme", "ADMIN@acme.example")
        .await
        .unwrap();
    assert_eq!(found.0, Some(acme));
    assert_eq!(found.1.map(|c| c.user_id), Some(admin));
    assert_eq!(
        db.store
            .sign_in_lookup("acme", "nobody@acme.example")
            .await
            .unwrap(),
        (Some(acme), None)
    );
    assert_eq!(
        db.store
            .sign_in_lookup("other", "admin@acme.example")
            .await
            .unwrap(),
        (Some(other), None),
        "another tenant's user is not found"
    );
    assert_eq!(
        db.store
            .sign_in_lookup("nowhere", "admin@acme.example")
            .await
            .unwrap(),
        (None, None)
    );
}
both!(
    sign_in_lookup,
    sign_in_lookup_answers_every_case_in_one_statement
);

/// A search finds the tenant's own holders of the text only, whatever the tenant's id: on
/// SQLite each id is a three-character token in the trigram table, one character per byte, so
/// ids that differ in any one byte must not meet (issue "Security, second pass", 4).
async fn search_stays_in_its_tenant_whatever_its_id(db: &TestDb) {
    let ids = [0x01_02_03_i64, 0x01_03_03, 0x02_02_03, 0x01_02_04];
    for (n, id) in ids.iter().enumerate() {
        exec(
            &db.store,
            &format!(
                "INSERT INTO tenants (id, slug, name, default_timezone, created_at)
                 VALUES ({id}, 'byte-{n}', 'Byte {n}', 'UTC', 0)"
            ),
        )
        .await
        .unwrap();
        for k in 0..=n {
            let mut u = new_user(&format!("zorblat{k}@byte{n}.example"), UserType::Agent);
            u.profile.last_name = format!("Zorblat{n}");
            db.store
                .create_user(TenantId(*id), None, &u, None)
                .await
                .unwrap();
        }
    }
    for (n, id) in ids.iter().enumerate() {
        for text in ["zorblat", "orblat", &format!("zorblat{n}")] {
            let q = UserQuery::from_pairs(|k| (k == "q").then_some(text));
            let page = db.store.list_users(TenantId(*id), &q).await.unwrap();
            assert_eq!(
                page.matches.count,
                n as i64 + 1,
                "tenant {id:#x}, {text:?}: its own users only"
            );
            assert!(
                page.rows
                    .iter()
                    .all(|r| r.profile.email.ends_with(&format!("@byte{n}.example"))),
                "tenant {id:#x}, {text:?}"
            );
            assert!(!db.store.broad_search(TenantId(*id), &q).await.unwrap());
        }
    }
}
both!(search_by_tenant, search_stays_in_its_tenant_whatever_its_id);

/// A stored value off its list (written around the database's CHECK) is a fault of the data: the
/// store says so, and the server answers 500 "Something went wrong" (logged), not 404 "That user
/// no longer exists".
async fn a_corrupt_stored_value_is_an_internal_error(db: &TestDb) {
    let (t, _admin, agent) = tenant_with_users(&db.store, "acme").await;
    let corrupt = "UPDATE users SET status = 'gone' WHERE id = $1";
    match &db.store {
        Store::Sqlite(p) => {
            let mut c = p.acquire().await.unwrap();
            sqlx::query("PRAGMA ignore_check_constraints = ON")
                .execute(&mut *c)
                .await
                .unwrap();
            sqlx::query(corrupt)
                .bind(agent.0)
                .execute(&mut *c)
                .await
                .unwrap();
            sqlx::query("PRAGMA ignore_check_constraints = OFF")
                .execute(&mut *c)
                .await
                .unwrap();
        }
        Store::Postgres(p) => {
            sqlx::query("ALTER TABLE users DROP CONSTRAINT users_status_check")
                .execute(p)
                .await
                .unwrap();
            sqlx::query(corrupt).bind(agent.0).execute(p).await.unwrap();
        }
    }
    let err = db.store.user(t, agent).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Corrupt { column: "status", value } if value == "gone"),
        "{err:?}"
    );
    let server = start(db).await;
    let mut b = admin_browser(&server, "acme").await;
    let r = b
        .call_json("list_users", json!({ "query": user_query("") }))
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.body);
    assert_eq!(
        serde_json::from_str::<AppError>(&r.body).unwrap(),
        AppError::Internal
    );
}
both!(corrupt_value, a_corrupt_stored_value_is_an_internal_error);
