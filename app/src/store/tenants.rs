//! Tenants, their default role catalog and their maintained user counts.

use super::users::{Password, insert_user};
use super::{Sql, Store, StoreError, TenantId, UserId, audit, now_ms};
use crate::users::model::NewUser;

/// A tenant as the server needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub default_timezone: String,
}

/// The exact counts behind the stat cards, maintained in the same transaction as every change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantCounts {
    pub total: i64,
    pub active: i64,
    pub suspended: i64,
}

/// What `create-tenant` asks for.
#[derive(Debug, Clone)]
pub struct NewTenant {
    pub slug: String,
    pub name: String,
    pub default_timezone: String,
}

/// One role of the default catalog.
#[derive(Debug, Clone, Copy)]
pub struct RoleSeed {
    pub name: &'static str,
    pub description: &'static str,
    pub permissions: &'static str,
}

/// The roles a new tenant starts with: the jobs people do on a bot platform.
pub fn default_roles() -> &'static [RoleSeed] {
    &[
        RoleSeed {
            name: "Bot Builder",
            description: "Designs, edits and tests bot flows",
            permissions: "bots.read bots.write flows.write",
        },
        RoleSeed {
            name: "Bot Publisher",
            description: "Publishes bot versions to live channels",
            permissions: "bots.read bots.publish channels.read",
        },
        RoleSeed {
            name: "Channel Manager",
            description: "Connects and configures messaging channels",
            permissions: "channels.read channels.write",
        },
        RoleSeed {
            name: "Knowledge Editor",
            description: "Maintains the knowledge bases bots answer from",
            permissions: "knowledge.read knowledge.write",
        },
        RoleSeed {
            name: "Live Agent",
            description: "Takes over conversations from bots",
            permissions: "conversations.read conversations.reply",
        },
        RoleSeed {
            name: "Team Lead",
            description: "Assigns conversations and coaches agents",
            permissions: "conversations.read conversations.assign agents.read",
        },
        RoleSeed {
            name: "QA Reviewer",
            description: "Reviews transcripts and scores bot answers",
            permissions: "conversations.read transcripts.review",
        },
        RoleSeed {
            name: "Reporting",
            description: "Views dashboards and exports reports",
            permissions: "analytics.read reports.export",
        },
        RoleSeed {
            name: "Billing",
            description: "Sees invoices and usage",
            permissions: "billing.read usage.read",
        },
        RoleSeed {
            name: "Integrations",
            description: "Manages API keys and webhooks",
            permissions: "integrations.read integrations.write",
        },
    ]
}

impl Store {
    /// Creates a tenant, its default roles and its first admin (with their password, if given)
    /// in one transaction.
    pub async fn create_tenant(
        &self,
        tenant: &NewTenant,
        admin: &NewUser,
        password: Option<&Password>,
    ) -> Result<(TenantId, UserId), StoreError> {
        let now = now_ms();
        let mut tx = self.write().await?;
        let sql = Sql::new(
            "INSERT INTO tenants (slug, name, default_timezone, created_at)
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(&tenant.slug)
        .bind(&tenant.name)
        .bind(&tenant.default_timezone)
        .bind(now);
        let tenant_id = TenantId(tx.db().scalar(&sql).await?);
        for role in default_roles() {
            let sql = Sql::new(
                "INSERT INTO roles (tenant_id, name, description, permissions, created_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(tenant_id)
            .bind(role.name)
            .bind(role.description)
            .bind(role.permissions)
            .bind(now);
            tx.db().execute(&sql).await?;
        }
        let user_id = insert_user(&mut tx, tenant_id, admin, password).await?;
        let changes = serde_json::json!({ "slug": tenant.slug, "name": tenant.name });
        audit(
            &mut tx,
            tenant_id,
            None,
            Some(user_id),
            "tenant.create",
            changes,
        )
        .await?;
        tx.commit().await?;
        Ok((tenant_id, user_id))
    }

    /// The tenant a workspace slug names, if any.
    pub async fn tenant_by_slug(&self, slug: &str) -> Result<Option<Tenant>, StoreError> {
        let sql = Sql::new("SELECT id, slug, name, default_timezone FROM tenants WHERE slug = $1")
            .bind(slug);
        let Some(r) = self.conn().await?.db().optional(&sql).await? else {
            return Ok(None);
        };
        Ok(Some(Tenant {
            id: TenantId(r.get("id")?),
            slug: r.get("slug")?,
            name: r.get("name")?,
            default_timezone: r.get("default_timezone")?,
        }))
    }

    /// The maintained counts of a tenant (one indexed row read, no scan of users).
    pub async fn tenant_counts(&self, tenant: TenantId) -> Result<TenantCounts, StoreError> {
        let sql =
            Sql::new("SELECT total_users, active_users FROM tenants WHERE id = $1").bind(tenant);
        let r = self
            .conn()
            .await?
            .db()
            .optional(&sql)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(TenantCounts::new(r.get(0)?, r.get(1)?))
    }

    /// Counts the users of a tenant by scanning them: the reference the maintained counts are
    /// checked against in tests and by `seed-demo`.
    pub async fn tenant_counts_by_scan(
        &self,
        tenant: TenantId,
    ) -> Result<TenantCounts, StoreError> {
        let sql = Sql::new(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END), 0)
               FROM users WHERE tenant_id = $1",
        )
        .bind(tenant);
        let r = self.conn().await?.db().one(&sql).await?;
        Ok(TenantCounts::new(r.get(0)?, r.get(1)?))
    }

    /// The names of a tenant's roles with their ids, by name.
    pub async fn role_ids(&self, tenant: TenantId) -> Result<Vec<(i64, String)>, StoreError> {
        let sql =
            Sql::new("SELECT id, name FROM roles WHERE tenant_id = $1 ORDER BY name").bind(tenant);
        let rows = self.conn().await?.db().all(&sql).await?;
        rows.iter().map(|r| Ok((r.get(0)?, r.get(1)?))).collect()
    }
}

impl TenantCounts {
    fn new(total: i64, active: i64) -> TenantCounts {
        TenantCounts {
            total,
            active,
            suspended: total - active,
        }
    }
}
