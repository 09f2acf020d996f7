//! The server functions of user management. Each resolves the admin from the session (never
//! from the request), validates, calls the store with the admin's tenant and maps the result
//! to wire types.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::users::model::{RoleOption, UserForm, UserPage, UserQuery, UserRow};

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
    pub user: UserRow,
    pub temporary_password: String,
    /// How long the password works if unused.
    pub expires_in_hours: u64,
}

/// The tenant's user counts, from the maintained counters (no scan).
#[server(endpoint = "user_stats")]
pub async fn get_user_stats() -> Result<UserStats, AppError> {
    crate::server::respond(ssr::stats().await)
}

/// One page of the user table for the view in the URL.
#[server(endpoint = "list_users", input = Json)]
pub async fn list_users(query: UserQuery) -> Result<UserPage, AppError> {
    crate::server::respond(ssr::list(query).await)
}

/// The tenant's roles, for the Role filter and the form.
#[server(endpoint = "list_roles")]
pub async fn list_roles() -> Result<Vec<RoleOption>, AppError> {
    crate::server::respond(ssr::roles().await)
}

/// Every IANA timezone name, for the form (kept out of the wasm).
#[server(endpoint = "list_timezones")]
pub async fn list_timezones() -> Result<Vec<String>, AppError> {
    crate::server::respond(ssr::timezones().await)
}

/// Creates a user with a temporary password, which is returned once.
#[server(endpoint = "create_user", input = Json)]
pub async fn create_user(form: UserForm, user_type: String) -> Result<IssuedPassword, AppError> {
    crate::server::respond(ssr::create(form, user_type).await)
}

/// Saves an edit made on `version` of the user. The user type cannot be sent.
#[server(endpoint = "update_user", input = Json)]
pub async fn update_user(
    id: i64,
    version: i64,
    form: UserForm,
    status: String,
    #[server(default)] user_type: Option<String>,
) -> Result<UserRow, AppError> {
    crate::server::respond(ssr::update(id, version, form, status, user_type).await)
}

/// Issues a new temporary password and ends the user's sessions.
#[server(endpoint = "reset_password", input = Json)]
pub async fn reset_password(id: i64) -> Result<IssuedPassword, AppError> {
    crate::server::respond(ssr::reset(id).await)
}

/// Suspends (ending every session of the user) or reactivates a user.
#[server(endpoint = "set_user_status", input = Json)]
pub async fn set_user_status(id: i64, status: String) -> Result<UserRow, AppError> {
    crate::server::respond(ssr::set_status(id, status).await)
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::server::{AppState, passwords, require_admin, state};
    use crate::store::{ListedUser, SessionUser, StoreError, UserId, now_ms};
    use crate::users::model::{Status, UserType, validate_user_form};
    use crate::users::time;

    struct Admin {
        state: AppState,
        user: SessionUser,
    }

    async fn admin() -> Result<Admin, AppError> {
        let user = require_admin().await?;
        Ok(Admin {
            state: state()?,
            user,
        })
    }

    impl Admin {
        /// The timezone dates render in: the admin's own, else the tenant's.
        fn timezone(&self) -> String {
            self.user
                .timezone
                .clone()
                .unwrap_or_else(|| self.user.tenant_timezone.clone())
        }

        fn row(&self, u: ListedUser, now: i64) -> UserRow {
            let tz = self.timezone();
            UserRow {
                id: u.id,
                first_name: u.first_name,
                last_name: u.last_name,
                email: u.email,
                phone: u.phone,
                external_id: u.external_id,
                timezone: u.timezone,
                user_type: u.user_type,
                status: u.status,
                roles: u.roles,
                last_login: u.last_login_at.map(|t| time::label(t, now, &tz)),
                version: u.version,
            }
        }

        async fn fresh_row(&self, id: UserId) -> Result<UserRow, AppError> {
            let u = self
                .state
                .store
                .listed_user(self.user.tenant_id, id)
                .await?;
            Ok(self.row(u, now_ms()))
        }

        async fn issue_password(&self) -> Result<(String, String, i64), AppError> {
            let password = passwords::temporary_password();
            // A full queue of password checks answers 429 with Retry-After.
            let hash = self.state.hasher.hash(password.clone()).await?;
            let expires = now_ms() + self.state.settings.temporary_password_ttl.as_millis() as i64;
            Ok((password, hash, expires))
        }
    }

    fn parse_status(s: &str) -> Result<Status, AppError> {
        Status::parse(s).ok_or_else(|| AppError::field("status", "Choose Active or Suspended"))
    }

    pub async fn stats() -> Result<UserStats, AppError> {
        let a = admin().await?;
        let c = a.state.store.tenant_counts(a.user.tenant_id).await?;
        Ok(UserStats {
            total: c.total,
            active: c.active,
            suspended: c.suspended,
        })
    }

    pub async fn list(mut query: UserQuery) -> Result<UserPage, AppError> {
        let a = admin().await?;
        // The same bounds as a URL gives, whoever calls.
        query.q = crate::users::model::clean_search(&query.q);
        let page = a.state.store.list_users(a.user.tenant_id, &query).await?;
        let now = now_ms();
        Ok(UserPage {
            rows: page.rows.into_iter().map(|u| a.row(u, now)).collect(),
            matches: page.matches,
            next: page.next,
            prev: page.prev,
        })
    }

    pub async fn roles() -> Result<Vec<RoleOption>, AppError> {
        let a = admin().await?;
        Ok(a.state.store.roles(a.user.tenant_id).await?)
    }

    pub async fn timezones() -> Result<Vec<String>, AppError> {
        admin().await?;
        Ok(time::timezone_names()
            .into_iter()
            .map(str::to_string)
            .collect())
    }

    pub async fn create(form: UserForm, user_type: String) -> Result<IssuedPassword, AppError> {
        let a = admin().await?;
        let user_type = UserType::parse(&user_type);
        let valid = validate_user_form(&form, time::is_timezone);
        let (valid, user_type) = match (valid, user_type) {
            (Ok(v), Some(t)) => (v, t),
            (valid, t) => {
                let mut errors = valid.err().unwrap_or_default();
                if t.is_none() {
                    errors.push(crate::error::FieldError {
                        field: "user_type".into(),
                        message: "Choose a user type".into(),
                    });
                }
                return Err(AppError::Invalid(errors));
            }
        };
        let (password, hash, expires) = a.issue_password().await?;
        let id = a
            .state
            .store
            .add_user(
                a.user.tenant_id,
                a.user.user_id,
                &valid,
                user_type,
                &hash,
                expires,
            )
            .await?;
        Ok(IssuedPassword {
            user: a.fresh_row(id).await?,
            temporary_password: password,
            expires_in_hours: a.state.settings.temporary_password_ttl.as_secs() / 3600,
        })
    }

    pub async fn update(
        id: i64,
        version: i64,
        form: UserForm,
        status: String,
        user_type: Option<String>,
    ) -> Result<UserRow, AppError> {
        let a = admin().await?;
        if user_type.is_some() {
            return Err(AppError::field(
                "user_type",
                "The user type cannot be changed after creation",
            ));
        }
        let status = parse_status(&status)?;
        let valid = validate_user_form(&form, time::is_timezone).map_err(AppError::Invalid)?;
        let id = UserId(id);
        match a
            .state
            .store
            .edit_user(
                a.user.tenant_id,
                a.user.user_id,
                id,
                version,
                &valid,
                status,
            )
            .await
        {
            Ok(()) => a.fresh_row(id).await,
            Err(StoreError::Conflict) => Err(AppError::Conflict(Box::new(a.fresh_row(id).await?))),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn reset(id: i64) -> Result<IssuedPassword, AppError> {
        let a = admin().await?;
        let id = UserId(id);
        // Refuse unknown ids before spending a hash on them.
        a.state.store.listed_user(a.user.tenant_id, id).await?;
        let (password, hash, expires) = a.issue_password().await?;
        a.state
            .store
            .set_password(
                a.user.tenant_id,
                Some(a.user.user_id),
                id,
                &hash,
                true,
                Some(expires),
            )
            .await?;
        Ok(IssuedPassword {
            user: a.fresh_row(id).await?,
            temporary_password: password,
            expires_in_hours: a.state.settings.temporary_password_ttl.as_secs() / 3600,
        })
    }

    pub async fn set_status(id: i64, status: String) -> Result<UserRow, AppError> {
        let a = admin().await?;
        let status = parse_status(&status)?;
        let id = UserId(id);
        a.state
            .store
            .change_status(a.user.tenant_id, a.user.user_id, id, status)
            .await?;
        a.fresh_row(id).await
    }
}
