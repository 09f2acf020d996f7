//! The server functions of user management. Each resolves the admin from the session (never
//! from the request), validates, calls the store with the admin's tenant and answers with wire
//! types. Each body runs on the server only; the browser gets a call of the same name.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::users::bulk::{BulkAction, BulkOutcome, BulkTarget, JobStatus};
use crate::users::model::{Choice, RoleOption, Status, UserInput, UserSummary, UserType};
use crate::users::query::{TablePage, UserPage, UserQuery};

/// The stat cards: exact counts for the whole tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserStats {
    pub total: i64,
    pub active: i64,
    pub suspended: i64,
}

/// A user just created or whose password was reset, with the temporary password to show once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedPassword {
    pub user: UserSummary,
    pub temporary_password: String,
    /// How long the password works if unused.
    pub expires_in_hours: u64,
}

/// The tenant's user counts, from the maintained counters (no scan).
#[server(endpoint = "user_stats")]
pub async fn get_user_stats() -> Result<UserStats, AppError> {
    as_admin(|a| async move {
        let c = a.state.store.tenant_counts(a.tenant()).await?;
        Ok(UserStats {
            total: c.total,
            active: c.active,
            suspended: c.suspended,
        })
    })
    .await
}

/// One page of the user table for the view in the URL, as data (for API clients).
#[server(endpoint = "list_users", input = Json)]
pub async fn list_users(query: UserQuery) -> Result<UserPage, AppError> {
    as_admin(|a| async move { a.page(query).await }).await
}

/// One page of the user table for the view in the URL, its rows as the table's HTML: what the
/// users page shows, on the server's render and on every reload in the browser.
#[server(endpoint = "users_table", input = Json)]
pub async fn users_table(query: UserQuery) -> Result<TablePage, AppError> {
    as_admin(|a| async move {
        let page = a.page(query).await?;
        Ok(TablePage {
            matches: page.matches,
            next: page.next,
            prev: page.prev,
            rows: page.rows.len(),
            ids: page.rows.iter().map(|u| u.id).collect(),
            html: crate::users::components::rows_html(page.rows),
        })
    })
    .await
}

/// One user of the tenant as stored now (the Edit dialog's form).
#[server(endpoint = "get_user", input = Json)]
pub async fn get_user(id: i64) -> Result<UserSummary, AppError> {
    as_admin(|a| async move { a.fresh(crate::store::UserId(id)).await }).await
}

/// The tenant's roles, for the Role filter and the form.
#[server(endpoint = "list_roles")]
pub async fn list_roles() -> Result<Vec<RoleOption>, AppError> {
    as_admin(|a| async move { Ok(a.state.store.roles(a.tenant()).await?) }).await
}

/// Every IANA timezone name, for the form (kept out of the wasm).
#[server(endpoint = "list_timezones")]
pub async fn list_timezones() -> Result<Vec<String>, AppError> {
    as_admin(|_| async move {
        let names = crate::users::time::timezone_names();
        Ok(names.into_iter().map(str::to_string).collect())
    })
    .await
}

/// Creates a user of type `user_type` with a temporary password, which is returned once.
#[server(endpoint = "create_user", input = Json)]
pub async fn create_user(
    form: UserInput,
    #[server(default)] user_type: Option<Choice<UserType>>,
) -> Result<IssuedPassword, AppError> {
    as_admin(|a| async move {
        let user_type = user_type.as_ref().and_then(Choice::valid);
        let tz = crate::users::time::is_timezone;
        let user = crate::users::rules::validate_user(&form, user_type, Status::Active, tz)
            .map_err(AppError::Invalid)?;
        let (password, stored) = a.issue_password().await?;
        let store = &a.state.store;
        let id = store
            .create_user(a.tenant(), Some(a.user.user_id), &user, Some(&stored))
            .await?;
        a.issued(id, password).await
    })
    .await
}

/// Saves an edit made on `version` of the user. The user type cannot be sent.
#[server(endpoint = "update_user", input = Json)]
pub async fn update_user(
    id: i64,
    version: i64,
    form: UserInput,
    status: Choice<Status>,
    #[server(default)] user_type: Option<Choice<UserType>>,
) -> Result<UserSummary, AppError> {
    as_admin(|a| async move {
        use crate::store::{StoreError, UserId};
        if user_type.is_some() {
            return Err(AppError::field(
                "user_type",
                "The user type cannot be changed after creation",
            ));
        }
        let status = valid_status(&status)?;
        let id = UserId(id);
        let store = &a.state.store;
        // Read once: the type stays what it is, and the edit diffs against it (an unknown id is
        // refused here).
        let before = store.user(a.tenant(), id).await?;
        let tz = crate::users::time::is_timezone;
        let user = crate::users::rules::validate_user(&form, Some(before.user_type), status, tz)
            .map_err(AppError::Invalid)?;
        match store
            .edit_user(a.tenant(), a.user.user_id, &before, version, &user)
            .await
        {
            Ok(()) => a.fresh(id).await,
            Err(StoreError::Conflict) => Err(AppError::Conflict(Box::new(a.fresh(id).await?))),
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// Issues a new temporary password and ends the user's sessions.
#[server(endpoint = "reset_password", input = Json)]
pub async fn reset_password(id: i64) -> Result<IssuedPassword, AppError> {
    as_admin(|a| async move {
        let id = crate::store::UserId(id);
        let store = &a.state.store;
        // Refuse unknown ids before spending a hash on them.
        store.user(a.tenant(), id).await?;
        let (password, stored) = a.issue_password().await?;
        store
            .set_password(
                a.tenant(),
                Some(a.user.user_id),
                id,
                &stored.hash,
                stored.temporary,
                stored.expires_at,
            )
            .await?;
        a.issued(id, password).await
    })
    .await
}

/// Suspends (ending every session of the user) or reactivates a user.
#[server(endpoint = "set_user_status", input = Json)]
pub async fn set_user_status(id: i64, status: Choice<Status>) -> Result<UserSummary, AppError> {
    as_admin(|a| async move {
        let status = valid_status(&status)?;
        let id = crate::store::UserId(id);
        let store = &a.state.store;
        store
            .change_status(a.tenant(), a.user.user_id, id, status)
            .await?;
        a.fresh(id).await
    })
    .await
}

/// Suspends, reactivates, or grants or takes a role from many users at once: the rows chosen
/// (at most [`crate::users::bulk::BULK_AT_ONCE`]), or every user of a view. Up to that many
/// change in this request; a larger view is queued as a job, worked in the background. The
/// rules of one at a time hold for each user; the report says who was skipped and why.
#[server(endpoint = "bulk_change", input = Json)]
pub async fn bulk_change(action: BulkAction, target: BulkTarget) -> Result<BulkOutcome, AppError> {
    as_admin(|a| async move {
        let store = &a.state.store;
        let (tenant, actor) = (a.tenant(), a.user.user_id);
        let ids = match a.bulk_ids(target).await? {
            Ok(ids) => ids,
            Err(view) => {
                if let BulkAction::AddRole(r) | BulkAction::RemoveRole(r) = action
                    && !store.roles(tenant).await?.iter().any(|o| o.id == r)
                {
                    return Err(AppError::field("role_ids", "Choose roles from the list"));
                }
                let job = store.queue_job(tenant, actor, action, &view).await?;
                return Ok(BulkOutcome::Queued(job));
            }
        };
        let report = store.bulk_change(tenant, actor, action, &ids).await?;
        Ok(BulkOutcome::Done(report))
    })
    .await
}

/// The tenant's bulk jobs still running, and those ended in the last ten minutes.
#[server(endpoint = "bulk_jobs")]
pub async fn bulk_jobs() -> Result<Vec<JobStatus>, AppError> {
    as_admin(|a| async move { Ok(a.state.store.recent_jobs(a.tenant(), 600_000).await?) }).await
}

/// Cancels a bulk job of the tenant: the batch under way finishes, no other starts.
#[server(endpoint = "cancel_bulk_job", input = Json)]
pub async fn cancel_bulk_job(id: i64) -> Result<JobStatus, AppError> {
    as_admin(|a| async move { Ok(a.state.store.cancel_job(a.tenant(), id).await?) }).await
}

/// A user's History: the changes made to them, newest first, a page at a time (`before`: the
/// last entry of the page before). A user of another tenant is not found.
#[server(endpoint = "user_history", input = Json)]
pub async fn user_history(
    id: i64,
    #[server(default)] before: Option<i64>,
) -> Result<crate::users::history::HistoryPage, AppError> {
    use crate::users::history::{HISTORY_PAGE, HistoryPage, describe};
    as_admin(|a| async move {
        let store = &a.state.store;
        let user = crate::store::UserId(id);
        store.user(a.tenant(), user).await?;
        let mut records = store
            .user_audit(a.tenant(), user, before, HISTORY_PAGE as i64 + 1)
            .await?;
        let more = records.len() > HISTORY_PAGE;
        records.truncate(HISTORY_PAGE);
        let roles = store.role_names(a.tenant()).await?;
        let now = crate::store::now_ms();
        Ok(HistoryPage {
            next: more.then(|| records.last().map(|r| r.id)).flatten(),
            entries: records
                .iter()
                .map(|r| describe(r, &roles, now, a.timezone()))
                .collect(),
        })
    })
    .await
}

/// Runs `body` for the signed-in tenant admin (refusing anyone else), and gives a failure its
/// HTTP status.
#[cfg(feature = "ssr")]
pub(crate) async fn as_admin<T, F, Fut>(body: F) -> Result<T, AppError>
where
    F: FnOnce(Admin) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    let result = match Admin::get().await {
        Ok(admin) => body(admin).await,
        Err(e) => Err(e),
    };
    crate::server::respond(result)
}

/// The status a client chose, or the error next to the status field.
#[cfg(feature = "ssr")]
fn valid_status(status: &Choice<Status>) -> Result<Status, AppError> {
    status
        .valid()
        .ok_or_else(|| AppError::field("status", "Choose Active or Suspended"))
}

/// The signed-in tenant admin a server function acts for, and the server's state.
#[cfg(feature = "ssr")]
pub(crate) struct Admin {
    pub(crate) state: crate::server::AppState,
    pub(crate) user: crate::store::SessionUser,
}

#[cfg(feature = "ssr")]
impl Admin {
    async fn get() -> Result<Admin, AppError> {
        let user = crate::server::require_admin().await?;
        Ok(Admin {
            state: crate::server::state()?,
            user,
        })
    }

    pub(crate) fn tenant(&self) -> crate::store::TenantId {
        self.user.tenant_id
    }

    /// The admin's timezone, else the tenant's: the one times are shown in.
    pub(crate) fn timezone(&self) -> &str {
        self.user
            .timezone
            .as_deref()
            .unwrap_or(&self.user.tenant_timezone)
    }

    /// A stored user as the table shows it, with times in the admin's timezone (else the
    /// tenant's).
    fn summary(&self, u: crate::store::User, now: i64) -> UserSummary {
        let tz = self.timezone();
        UserSummary {
            id: u.id.0,
            profile: u.profile,
            user_type: u.user_type,
            status: u.status,
            roles: u.roles,
            last_login: u
                .last_login_at
                .map(|t| crate::users::time::label(t, now, tz)),
            version: u.version,
        }
    }

    /// One page of the table for `query`, bounded as a URL bounds it whoever calls.
    async fn page(&self, query: UserQuery) -> Result<UserPage, AppError> {
        let query = UserQuery {
            q: crate::users::query::clean_search(&query.q),
            ..query
        };
        let page = self.state.store.list_users(self.tenant(), &query).await?;
        let now = crate::store::now_ms();
        Ok(UserPage {
            rows: page
                .rows
                .into_iter()
                .map(|u| self.summary(u, now))
                .collect(),
            matches: page.matches,
            next: page.next,
            prev: page.prev,
        })
    }

    /// The users a bulk action is for, when there are between one and `BULK_AT_ONCE`; a
    /// view of more is answered as the view (for a job).
    async fn bulk_ids(
        &self,
        target: BulkTarget,
    ) -> Result<Result<Vec<crate::store::UserId>, UserQuery>, AppError> {
        use crate::users::bulk::BULK_AT_ONCE;
        let ids: Vec<i64> = match target {
            BulkTarget::Users(ids) if ids.len() > BULK_AT_ONCE => {
                return Err(AppError::NotAllowed(format!(
                    "At most {BULK_AT_ONCE} users change at once by id: select them as a view."
                )));
            }
            BulkTarget::Users(ids) => ids,
            BulkTarget::View(query) => {
                let query = UserQuery {
                    q: crate::users::query::clean_search(&query.q),
                    ..query
                };
                let store = &self.state.store;
                let walk = crate::store::Export::start(store, self.tenant(), &query).await?;
                let ids = walk.first_ids(store, BULK_AT_ONCE + 1).await?;
                if ids.len() > BULK_AT_ONCE {
                    return Ok(Err(query));
                }
                ids.into_iter().map(|id| id.0).collect()
            }
        };
        if ids.is_empty() {
            return Err(AppError::NotAllowed("Choose at least one user.".into()));
        }
        Ok(Ok(ids.into_iter().map(crate::store::UserId).collect()))
    }

    /// The user as stored now.
    async fn fresh(&self, id: crate::store::UserId) -> Result<UserSummary, AppError> {
        let u = self.state.store.user(self.tenant(), id).await?;
        Ok(self.summary(u, crate::store::now_ms()))
    }

    /// A new temporary password: the text to show once, and what is stored.
    async fn issue_password(&self) -> Result<(String, crate::store::Password), AppError> {
        let password = crate::server::passwords::temporary_password();
        // A full queue of password checks answers 429 with Retry-After.
        let hash = self.state.hasher.hash(password.clone()).await?;
        let ttl = self.state.settings.temporary_password_ttl;
        let stored = crate::store::Password {
            hash,
            temporary: true,
            expires_at: Some(crate::store::now_ms() + ttl.as_millis() as i64),
        };
        Ok((password, stored))
    }

    /// The answer to a create or a reset: the user now, and the password shown once.
    async fn issued(
        &self,
        id: crate::store::UserId,
        temporary_password: String,
    ) -> Result<IssuedPassword, AppError> {
        Ok(IssuedPassword {
            user: self.fresh(id).await?,
            temporary_password,
            expires_in_hours: self.state.settings.temporary_password_ttl.as_secs() / 3600,
        })
    }
}
