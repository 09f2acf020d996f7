//! One bulk action on a set of a tenant's users, in one transaction: the rules of one user at a
//! time (never the acting admin, never the last active tenant admin, suspension ends the
//! user's sessions), one audit record per user changed, and a report of who was changed,
//! already so, skipped and why.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::users::{check_roles, lock_tenant};
use super::{Sql, Store, StoreError, TenantId, Tx, UserId, now_ms};
use crate::error::AppError;
use crate::users::bulk::{BulkAction, BulkReport, SkippedUser};
use crate::users::model::{Status, UserType};

/// A selected user as the action sees them.
struct Target {
    name: String,
    user_type: UserType,
    status: Status,
}

impl Store {
    /// Applies `action` to the users `ids` of `tenant` (ids of no user of the tenant are
    /// counted as missing), as `actor`, in one transaction.
    pub async fn bulk_change(
        &self,
        tenant: TenantId,
        actor: UserId,
        action: BulkAction,
        ids: &[UserId],
    ) -> Result<BulkReport, StoreError> {
        let mut tx = self.write().await?;
        let report = bulk_in(&mut tx, tenant, actor, action, ids).await?;
        tx.commit().await?;
        Ok(report)
    }
}

/// The work of [`Store::bulk_change`] inside the caller's transaction.
pub(super) async fn bulk_in(
    tx: &mut Tx,
    tenant: TenantId,
    actor: UserId,
    action: BulkAction,
    ids: &[UserId],
) -> Result<BulkReport, StoreError> {
    let ids: BTreeSet<i64> = ids.iter().map(|u| u.0).collect();
    let mut report = BulkReport::default();
    if ids.is_empty() {
        return Ok(report);
    }
    // The tenant's lock first, so two admins cannot both pass the last-admin check.
    lock_tenant(tx, tenant).await?;
    let role = match action {
        BulkAction::AddRole(r) | BulkAction::RemoveRole(r) => {
            check_roles(tx, tenant, &[r]).await?;
            Some(r)
        }
        BulkAction::Suspend | BulkAction::Reactivate => None,
    };
    let mut sql = Sql::new(
        "SELECT id, first_name, last_name, user_type, status FROM users WHERE tenant_id = ",
    );
    sql.arg(tenant).push(" AND id IN ");
    sql.in_list(ids.iter().copied());
    let mut targets = BTreeMap::new();
    for r in tx.db().all(&sql).await? {
        let first: String = r.get("first_name")?;
        let last: String = r.get("last_name")?;
        targets.insert(
            r.get::<i64>("id")?,
            Target {
                name: format!("{first} {last}"),
                user_type: r.parsed("user_type")?,
                status: r.parsed("status")?,
            },
        );
    }
    report.missing = (ids.len() - targets.len()) as u64;
    // Each target's roles, for the role actions and their audit records.
    let mut roles: HashMap<i64, Vec<i64>> = HashMap::new();
    if role.is_some() && !targets.is_empty() {
        let mut sql = Sql::new("SELECT user_id, role_id FROM user_roles WHERE tenant_id = ");
        sql.arg(tenant).push(" AND user_id IN ");
        sql.in_list(targets.keys().copied());
        sql.push(" ORDER BY role_id");
        for r in tx.db().all(&sql).await? {
            roles.entry(r.get(0)?).or_default().push(r.get(1)?);
        }
    }
    let mut admins_active = if action == BulkAction::Suspend {
        let sql = Sql::new(
            "SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND user_type = 'tenant_admin'
                AND status = 'active'",
        )
        .bind(tenant);
        tx.db().scalar::<i64>(&sql).await?
    } else {
        0
    };

    let mut changed: Vec<(i64, serde_json::Value)> = Vec::new();
    for (&id, t) in &targets {
        let held = roles.get(&id).map(Vec::as_slice).unwrap_or_default();
        let change = match action {
            BulkAction::Suspend if t.status == Status::Suspended => None,
            BulkAction::Suspend => {
                let refusal = if id == actor.0 {
                    Some(StoreError::SelfSuspend)
                } else if t.user_type == UserType::TenantAdmin && admins_active <= 1 {
                    Some(StoreError::LastAdmin)
                } else {
                    None
                };
                if let Some(e) = refusal {
                    report.skipped_count += 1;
                    report.skipped.push(SkippedUser {
                        id,
                        name: t.name.clone(),
                        reason: AppError::from(e).to_string(),
                    });
                    continue;
                }
                if t.user_type == UserType::TenantAdmin {
                    admins_active -= 1;
                }
                Some(status_change(Status::Active, Status::Suspended))
            }
            BulkAction::Reactivate if t.status == Status::Active => None,
            BulkAction::Reactivate => Some(status_change(Status::Suspended, Status::Active)),
            BulkAction::AddRole(r) if held.contains(&r) => None,
            BulkAction::AddRole(r) => {
                let mut to = held.to_vec();
                to.push(r);
                to.sort_unstable();
                Some(roles_change(held, &to))
            }
            BulkAction::RemoveRole(r) if held.contains(&r) => {
                let to: Vec<i64> = held.iter().copied().filter(|h| *h != r).collect();
                Some(roles_change(held, &to))
            }
            BulkAction::RemoveRole(_) => None,
        };
        match change {
            Some(c) => changed.push((id, c)),
            None => report.unchanged += 1,
        }
    }
    report.changed = changed.len() as u64;
    if changed.is_empty() {
        return Ok(report);
    }
    let changed_ids = || changed.iter().map(|(id, _)| *id);
    let now = now_ms();

    // The users' rows: a new version each (an Edit dialog opened before sees a conflict).
    let mut sql = Sql::new("UPDATE users SET ");
    match action {
        BulkAction::Suspend => {
            sql.push("status = ")
                .arg(Status::Suspended.as_str())
                .push(", ");
        }
        BulkAction::Reactivate => {
            sql.push("status = ")
                .arg(Status::Active.as_str())
                .push(", ");
        }
        BulkAction::AddRole(_) | BulkAction::RemoveRole(_) => {}
    }
    sql.push("updated_at = ")
        .arg(now)
        .push(", version = version + 1 WHERE tenant_id = ")
        .arg(tenant)
        .push(" AND id IN ");
    sql.in_list(changed_ids());
    tx.db().execute(&sql).await?;

    match (action, role) {
        (BulkAction::Suspend, _) => {
            let mut sql = Sql::new("DELETE FROM sessions WHERE tenant_id = ");
            sql.arg(tenant).push(" AND user_id IN ");
            sql.in_list(changed_ids());
            tx.db().execute(&sql).await?;
        }
        (BulkAction::AddRole(_), Some(r)) => {
            let mut sql = Sql::new("INSERT INTO user_roles (tenant_id, user_id, role_id) VALUES ");
            for (i, id) in changed_ids().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.push("(")
                    .arg(tenant)
                    .push(", ")
                    .arg(id)
                    .push(", ")
                    .arg(r)
                    .push(")");
            }
            tx.db().execute(&sql).await?;
        }
        (BulkAction::RemoveRole(_), Some(r)) => {
            let mut sql = Sql::new("DELETE FROM user_roles WHERE tenant_id = ");
            sql.arg(tenant)
                .push(" AND role_id = ")
                .arg(r)
                .push(" AND user_id IN ");
            sql.in_list(changed_ids());
            tx.db().execute(&sql).await?;
        }
        _ => {}
    }

    // One audit record per user changed, in one statement.
    let mut sql = Sql::new(
        "INSERT INTO audit_log (tenant_id, actor_user_id, target_user_id, action, changes, created_at) VALUES ",
    );
    for (i, (id, change)) in changed.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push("(")
            .arg(tenant)
            .push(", ")
            .arg(actor)
            .push(", ")
            .arg(*id)
            .push(", ")
            .arg(action.audit_action())
            .push(", ")
            .arg(change.to_string())
            .push(", ")
            .arg(now)
            .push(")");
    }
    tx.db().execute(&sql).await?;
    Ok(report)
}

/// The audit record of a status change, as one user at a time writes it.
fn status_change(from: Status, to: Status) -> serde_json::Value {
    serde_json::json!({ "status": { "from": from.as_str(), "to": to.as_str() } })
}

/// The audit record of a change of roles, as an edit writes it.
fn roles_change(from: &[i64], to: &[i64]) -> serde_json::Value {
    serde_json::json!({ "role_ids": { "from": from, "to": to } })
}
