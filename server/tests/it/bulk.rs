//! Bulk actions (`bulk_change`), on both databases: the rules of one user at a time hold for
//! each selected user (never the acting admin, never the last active tenant admin, suspension
//! ends sessions in the same transaction), one audit record per user changed, the tenant's
//! users only, at most a page's worth a request.

use app::error::AppError;
use app::store::{Store, TenantId, UserId};
use app::users::bulk::{BulkAction, BulkOutcome, BulkReport, JobState, JobStatus};
use app::users::model::{Status, UserType};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::support::{
    Browser, TestDb, admin_browser, counts, new_user, session_for, signed_in, start, tenant,
    tenant_with_users,
};

async fn outcome(b: &mut Browser, action: Value, target: Value) -> Result<BulkOutcome, AppError> {
    let r = b
        .call_json("bulk_change", json!({ "action": action, "target": target }))
        .await;
    if r.status == StatusCode::OK {
        Ok(serde_json::from_str(&r.body).unwrap())
    } else {
        Err(r.error())
    }
}

/// A bulk change that must happen within the request.
async fn bulk(b: &mut Browser, action: Value, target: Value) -> Result<BulkReport, AppError> {
    match outcome(b, action, target).await? {
        BulkOutcome::Done(report) => Ok(report),
        BulkOutcome::Queued(job) => panic!("queued as a job: {job:?}"),
    }
}

/// The tenant's bulk jobs as the page reads them, until none is open (the server's worker
/// works them).
async fn jobs_when_done(b: &mut Browser) -> Vec<JobStatus> {
    for _ in 0..300 {
        let r = b.call("bulk_jobs", &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let jobs: Vec<JobStatus> = serde_json::from_str(&r.body).unwrap();
        if jobs.iter().all(|j| !j.state.is_open()) {
            return jobs;
        }
        crate::support::sleep_ms(100).await;
    }
    panic!("the jobs did not end");
}

async fn add(store: &Store, t: TenantId, email: &str, user_type: UserType) -> UserId {
    store
        .create_user(t, None, &new_user(email, user_type), None)
        .await
        .unwrap()
}

async fn status(store: &Store, t: TenantId, u: UserId) -> Status {
    store.user(t, u).await.unwrap().status
}

/// The audit records of `action` in tenant `t`: target and changes, oldest first.
async fn audit(store: &Store, t: TenantId, action: &str) -> Vec<(i64, Value)> {
    let sql = "SELECT target_user_id, changes FROM audit_log
                WHERE tenant_id = $1 AND action = $2 ORDER BY id";
    let rows: Vec<(i64, String)> = match store {
        Store::Sqlite(p) => sqlx::query_as(sql)
            .bind(t.0)
            .bind(action)
            .fetch_all(p)
            .await
            .unwrap(),
        Store::Postgres(p) => sqlx::query_as(sql)
            .bind(t.0)
            .bind(action)
            .fetch_all(p)
            .await
            .unwrap(),
    };
    rows.into_iter()
        .map(|(id, c)| (id, serde_json::from_str(&c).unwrap()))
        .collect()
}

async fn suspending_many_follows_the_rules_of_one(db: &TestDb) {
    let store = &db.store;
    let (t, admin, agent) = tenant_with_users(store, "acme").await;
    let second_admin = add(store, t, "second@acme.example", UserType::TenantAdmin).await;
    let x = add(store, t, "x@acme.example", UserType::Supervisor).await;
    let (other, _) = tenant(store, "other").await;
    let outsider = add(store, other, "outsider@other.example", UserType::Agent).await;
    let server = start(db).await;
    let mut b = admin_browser(&server, "acme").await;
    let mut agent_b = session_for(&server, store, t, agent).await;
    assert!(signed_in(&mut agent_b).await);

    let ids = [admin.0, second_admin.0, agent.0, x.0, outsider.0, 999_999];
    let report = bulk(&mut b, json!("suspend"), json!({ "users": ids }))
        .await
        .unwrap();
    assert_eq!(report.changed, 3, "{report:?}");
    assert_eq!(report.unchanged, 0);
    assert_eq!(report.missing, 2, "another tenant's user is not there");
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].id, admin.0);
    assert_eq!(report.skipped[0].reason, "You cannot suspend yourself.");
    assert_eq!(status(store, t, admin).await, Status::Active);
    for u in [second_admin, agent, x] {
        assert_eq!(status(store, t, u).await, Status::Suspended);
    }
    assert_eq!(status(store, other, outsider).await, Status::Active);
    assert!(!signed_in(&mut agent_b).await, "the agent's session ended");
    assert_eq!(counts(store, t).await, (4, 1, 3));
    let records = audit(store, t, "user.suspend").await;
    let mut targets: Vec<i64> = records.iter().map(|(id, _)| *id).collect();
    targets.sort_unstable();
    let mut want = [second_admin.0, agent.0, x.0];
    want.sort_unstable();
    assert_eq!(targets, want);
    assert!(
        records
            .iter()
            .all(|(_, c)| *c == json!({ "status": { "from": "active", "to": "suspended" } }))
    );
    assert!(audit(store, other, "user.suspend").await.is_empty());

    // Again: already so, nothing written.
    let again = bulk(&mut b, json!("suspend"), json!({ "users": [agent.0, x.0] }))
        .await
        .unwrap();
    assert_eq!((again.changed, again.unchanged), (0, 2));
    assert_eq!(audit(store, t, "user.suspend").await.len(), 3);

    let back = bulk(
        &mut b,
        json!("reactivate"),
        json!({ "users": [second_admin.0, agent.0, admin.0] }),
    )
    .await
    .unwrap();
    assert_eq!((back.changed, back.unchanged), (2, 1));
    assert_eq!(counts(store, t).await, (4, 3, 1));

    // The last active tenant admin: two admins suspended in one go leave the second.
    let report = store
        .bulk_change(t, x, BulkAction::Suspend, &[admin, second_admin])
        .await
        .unwrap();
    assert_eq!(report.changed, 1, "{report:?}");
    assert_eq!(report.skipped.len(), 1);
    assert!(
        report.skipped[0]
            .reason
            .contains("last active tenant admin")
    );
    let mut left = 0;
    for u in [admin, second_admin] {
        if status(store, t, u).await == Status::Active {
            left += 1;
        }
    }
    assert_eq!(left, 1, "one tenant admin stays active");
}
both!(suspend, suspending_many_follows_the_rules_of_one);

async fn roles_are_added_and_removed_for_many(db: &TestDb) {
    let store = &db.store;
    let (t, _admin, agent) = tenant_with_users(store, "acme").await;
    let x = add(store, t, "x@acme.example", UserType::Agent).await;
    let (other, _) = tenant(store, "other").await;
    let roles = store.role_ids(t).await.unwrap();
    let (r1, r2) = (roles[0].0, roles[1].0);
    let foreign = store.role_ids(other).await.unwrap()[0].0;
    let server = start(db).await;
    let mut b = admin_browser(&server, "acme").await;
    // x holds r2 already.
    let before = store.user(t, x).await.unwrap();
    let mut form = json!({ "first_name": "Ann", "last_name": "Lee", "email": "x@acme.example",
        "phone": "", "external_id": "", "timezone": "", "role_ids": [r2] });
    let r = b
        .call_json(
            "update_user",
            json!({ "id": x.0, "version": before.version, "form": form, "status": "active" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let report = bulk(
        &mut b,
        json!({ "add_role": r2 }),
        json!({ "users": [agent.0, x.0] }),
    )
    .await
    .unwrap();
    assert_eq!((report.changed, report.unchanged), (1, 1));
    let names = |u: &app::store::User| u.roles.iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(names(&store.user(t, agent).await.unwrap()), [r2]);
    let records = audit(store, t, "user.update").await;
    let last = records.last().unwrap();
    assert_eq!(last.0, agent.0);
    assert_eq!(last.1, json!({ "role_ids": { "from": [], "to": [r2] } }));

    // A role edit made before the bulk change is now stale.
    let stale = store.user(t, x).await.unwrap().version;
    bulk(&mut b, json!({ "add_role": r1 }), json!({ "users": [x.0] }))
        .await
        .unwrap();
    form["role_ids"] = json!([]);
    let r = b
        .call_json(
            "update_user",
            json!({ "id": x.0, "version": stale, "form": form, "status": "active" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let mut held = names(&store.user(t, x).await.unwrap());
    held.sort_unstable();
    let mut want = vec![r1, r2];
    want.sort_unstable();
    assert_eq!(held, want);

    let report = bulk(
        &mut b,
        json!({ "remove_role": r2 }),
        json!({ "users": [agent.0, x.0] }),
    )
    .await
    .unwrap();
    assert_eq!((report.changed, report.unchanged), (2, 0));
    assert!(names(&store.user(t, agent).await.unwrap()).is_empty());
    assert_eq!(names(&store.user(t, x).await.unwrap()), [r1]);

    // Another tenant's role: refused, nothing written.
    let before = audit(store, t, "user.update").await.len();
    let err = bulk(
        &mut b,
        json!({ "add_role": foreign }),
        json!({ "users": [agent.0] }),
    )
    .await
    .unwrap_err();
    assert!(err.field_message("role_ids").is_some(), "{err:?}");
    assert!(names(&store.user(t, agent).await.unwrap()).is_empty());
    assert_eq!(audit(store, t, "user.update").await.len(), before);
}
both!(roles, roles_are_added_and_removed_for_many);

async fn a_request_changes_a_page_and_a_larger_view_runs_as_a_job(db: &TestDb) {
    let store = &db.store;
    let (t, _admin, agent) = tenant_with_users(store, "acme").await;
    let mut ids = Vec::new();
    for i in 0..120 {
        ids.push(
            add(store, t, &format!("p{i}@acme.example"), UserType::Viewer)
                .await
                .0,
        );
    }
    let server = start(db).await;
    let mut b = admin_browser(&server, "acme").await;

    let err = outcome(&mut b, json!("suspend"), json!({ "users": ids[..101] }))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::NotAllowed(_)), "{err:?}");
    let err = outcome(&mut b, json!("suspend"), json!({ "users": [] }))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::NotAllowed(_)), "{err:?}");
    let view = |q: &str| {
        json!({ "view": { "q": q, "status": null, "user_type": "viewer", "role": null,
            "sort": "name", "desc": false, "size": 25, "after": null, "before": null } })
    };
    // A view within a page's worth: every user of the view, on every page, in the request.
    let report = bulk(&mut b, json!("suspend"), view("p1")).await.unwrap();
    // p1, p10…p19, p100…p119
    assert_eq!(report.changed, 1 + 10 + 20, "{report:?}");
    assert_eq!(counts(store, t).await.2, 31);
    // A larger view: queued as a job, which the server works in the background.
    let queued = match outcome(&mut b, json!("suspend"), view("")).await.unwrap() {
        BulkOutcome::Queued(job) => job,
        done => panic!("done at once: {done:?}"),
    };
    assert_eq!(queued.total, 120);
    let jobs = jobs_when_done(&mut b).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].state, JobState::Done);
    assert_eq!(jobs[0].report.changed, 89);
    assert_eq!(jobs[0].report.unchanged, 31);
    assert_eq!(counts(store, t).await.2, 120);

    // Only a tenant admin.
    let mut agent_b = session_for(&server, store, t, agent).await;
    let err = outcome(
        &mut agent_b,
        json!("reactivate"),
        json!({ "users": [ids[1]] }),
    )
    .await
    .unwrap_err();
    assert_eq!(err, AppError::Forbidden);
    // A malformed action is refused without a change.
    let r = b
        .call_json(
            "bulk_change",
            json!({ "action": "delete", "target": { "users": [ids[1]] } }),
        )
        .await;
    assert!(r.status.is_client_error(), "{} {}", r.status, r.body);
    assert_eq!(counts(store, t).await.2, 120);
}
both!(
    limits,
    a_request_changes_a_page_and_a_larger_view_runs_as_a_job
);
