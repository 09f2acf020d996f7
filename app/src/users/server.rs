//! The server functions of user management.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The stat cards: exact counts for the whole tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserStats {
    pub total: i64,
    pub active: i64,
    pub suspended: i64,
}

/// The tenant's user counts, from the maintained counters (no scan). Tenant admins only.
#[server(endpoint = "user_stats")]
pub async fn get_user_stats() -> Result<UserStats, AppError> {
    crate::server::respond(
        async {
            let admin = crate::server::require_admin().await?;
            let c = crate::server::state()?
                .store
                .tenant_counts(admin.tenant_id)
                .await?;
            Ok(UserStats {
                total: c.total,
                active: c.active,
                suspended: c.suspended,
            })
        }
        .await,
    )
}
