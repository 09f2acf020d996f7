//! A sign-in in flight never outlives a password change or a suspension (issue "Security,
//! second pass", 1): many sign-ins with the right password race the change; afterwards no
//! session any of them created may work.
//!
//! A sign-in reads the credentials, spends tens of milliseconds in argon2 (here queued behind
//! two hashing threads), then creates the session. Before the fix it created the session
//! without looking again, so a sign-in that read the old hash committed a live session after the
//! change. Now the session is inserted only if the user still has the verified hash and is
//! still active, in one statement that locks the user's row.

use app::server::{AppState, ThrottleRules, passwords};
use app::store::{TenantId, UserId};
use app::users::model::Status;
use reqwest::StatusCode;

use crate::both;
use crate::support::{
    Browser, PASSWORD, TestDb, TestServer, signed_in, tenant_with_users, test_settings,
};

/// Sign-ins started at once; the change lands after the first, while the others wait for the
/// hasher.
const SIGN_INS: usize = 24;

/// What the race changes while the sign-ins are in flight.
#[derive(Clone, Copy)]
enum Change {
    Password,
    /// Suspended, then reactivated once the sign-ins are done: a session that survived the
    /// suspension would work again.
    Suspension,
}

async fn race(db: &TestDb, change: Change) {
    let (t, admin, agent) = tenant_with_users(&db.store, "acme").await;
    // The throttle would refuse most of these attempts on one account: not what is tested here.
    let mut settings = test_settings(&db.url);
    settings.throttle = ThrottleRules {
        per_account: 1_000,
        per_address: 1_000,
        ..ThrottleRules::default()
    };
    let server = TestServer::start_state(AppState::new(db.store.clone(), settings)).await;
    let (done, mut replies) = tokio::sync::mpsc::unbounded_channel();
    for _ in 0..SIGN_INS {
        let mut b = Browser::new(&server);
        let done = done.clone();
        tokio::spawn(async move {
            let r = b.sign_in("acme", "agent@acme.example", PASSWORD).await;
            let _ = done.send((r.status, b));
        });
    }
    drop(done);
    // Once the first sign-in is through, the others have read the credentials and wait for
    // the two hashing threads: the change lands in the middle of them.
    let mut applied = false;
    let mut ok = 0;
    let mut browsers = Vec::new();
    while let Some((status, b)) = replies.recv().await {
        assert!(
            status == StatusCode::OK || status.is_client_error(),
            "a typed outcome, not {status}"
        );
        ok += usize::from(status == StatusCode::OK);
        browsers.push(b);
        if !applied {
            apply(db, t, admin, agent, change).await;
            applied = true;
        }
    }
    assert_eq!(browsers.len(), SIGN_INS);
    if let Change::Suspension = change {
        db.store
            .change_status(t, admin, agent, Status::Active)
            .await
            .unwrap();
    }
    let mut live = 0;
    for b in &mut browsers {
        if b.cookie.is_some() && signed_in(b).await {
            live += 1;
        }
    }
    assert_eq!(
        live, 0,
        "{live} of {ok} successful sign-ins left a working session after the change"
    );
    assert!(
        ok > 0 && ok < SIGN_INS,
        "the change landed while sign-ins were in flight ({ok} of {SIGN_INS} succeeded)"
    );
}

async fn apply(db: &TestDb, t: TenantId, admin: UserId, agent: UserId, change: Change) {
    match change {
        Change::Password => {
            let hash = passwords::hash_now("another long passphrase entirely").unwrap();
            db.store
                .set_password(t, Some(agent), agent, &hash, false, None)
                .await
                .unwrap();
        }
        Change::Suspension => db
            .store
            .change_status(t, admin, agent, Status::Suspended)
            .await
            .unwrap(),
    }
}

async fn sign_ins_in_flight_do_not_outlive_a_password_change(db: &TestDb) {
    race(db, Change::Password).await;
}
both!(
    password_change_wins,
    sign_ins_in_flight_do_not_outlive_a_password_change
);

async fn sign_ins_in_flight_do_not_outlive_a_suspension(db: &TestDb) {
    race(db, Change::Suspension).await;
}
both!(
    suspension_wins,
    sign_ins_in_flight_do_not_outlive_a_suspension
);
