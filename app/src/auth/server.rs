//! Sign-in, sign-out, password change and "who am I": the server functions of `auth`.
//!
//! Each is thin: resolve the session, authorise, validate, call the store, map to the wire.
//! Each body runs on the server only; the browser gets a call of the same name.

use leptos::prelude::*;

use crate::auth::model::Viewer;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::{AppState, respond, session, set_cookie_header, state};
#[cfg(feature = "ssr")]
use crate::store::{SessionRecord, TenantId, UserId, now_ms};

/// Signs in with workspace, email and password. One message for every wrong combination;
/// the same hashing work for each. On success: a new session cookie, and a redirect to
/// "Choose a new password" for a temporary password, else to the portal.
#[server(endpoint = "sign_in")]
pub async fn sign_in(workspace: String, email: String, password: String) -> Result<(), AppError> {
    respond(
        async {
            use crate::users::model::Status;
            let state = state()?;
            let slug = workspace.trim().to_lowercase();
            // Counted before anything else; past the threshold, refused without hashing.
            let admitted = crate::server::throttle::admit(&state, &slug, &email).await?;
            // One statement whatever was typed (an unknown workspace costs what a known one does);
            // inputs longer than any stored value are cut, so they still match nothing.
            let cut = |s: &str, max: usize| s.chars().take(max).collect::<String>();
            let (tenant_id, creds) = state
                .store
                .sign_in_lookup(&cut(&slug, 64), &cut(&email, 255))
                .await?;
            let password = if password.len() > PASSWORD_INPUT_MAX_BYTES {
                String::new()
            } else {
                password
            };
            // Always one argon2 verification, against a dummy hash when there is no account, so
            // the three wrong cases take the same time.
            let hash = creds.as_ref().and_then(|c| Some(c.password.as_ref()?.hash.clone()));
            let (ok, admitted) = admitted.verify(&state, password, hash).await?;
            if ok {
                admitted.password_was_right(&state).await?;
            }
            let (Some(tenant), Some(creds), true) = (tenant_id, creds, ok) else {
                // The tenant's id when there is one; else what was typed, escaped and cut short,
                // so a workspace cannot write a line of its own into the log.
                match tenant_id {
                    Some(t) => tracing::info!(tenant = t.0, "sign-in failed"),
                    None => {
                        tracing::info!(workspace = %crate::server::loggable(&slug), "sign-in failed")
                    }
                }
                return Err(AppError::SignInFailed);
            };
            if creds.status == Status::Suspended {
                return Err(AppError::SignInRefused(
                    "This account is suspended. Ask your administrator to reactivate it.".into(),
                ));
            }
            let temporary = creds.password.as_ref().is_some_and(|p| p.temporary);
            let expired = creds.password.as_ref().and_then(|p| p.expires_at).is_some_and(|t| t <= now_ms());
            if temporary && expired {
                return Err(AppError::SignInRefused(
                    "This temporary password has expired. Ask your administrator for a new one.".into(),
                ));
            }
            // The session this browser presented, if any, ends: its token may be known elsewhere.
            if let Some(token) = crate::server::request_token(state.settings.secure_cookies) {
                state
                    .store
                    .delete_session(&session::token_hash(&token))
                    .await?;
            }
            // Only if the password and the status are still what was just checked: a change or a
            // suspension that landed while this sign-in was hashing wins.
            let hash = creds.password.as_ref().map(|p| p.hash.clone());
            if !start_session(&state, tenant, creds.user_id, hash).await? {
                tracing::info!(
                    tenant = tenant.0,
                    user = creds.user_id.0,
                    "sign-in lost a race with a password change or suspension"
                );
                return Err(AppError::SignInFailed);
            }
            state.store.record_login(tenant, creds.user_id).await?;
            tracing::info!(tenant = tenant.0, user = creds.user_id.0, "signed in");
            leptos_axum::redirect(if temporary {
                "/change-password"
            } else {
                "/"
            });
            Ok(())
        }
        .await,
    )
}

/// Ends this session and sends the person to the sign-in page.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    respond(
        async {
            let state = state()?;
            if let Some(token) = crate::server::request_token(state.settings.secure_cookies) {
                state
                    .store
                    .delete_session(&session::token_hash(&token))
                    .await?;
            }
            set_cookie_header(&session::clear_cookie(state.settings.secure_cookies));
            leptos_axum::redirect("/sign-in");
            Ok(())
        }
        .await,
    )
}

/// Replaces the signed-in user's password. Ends every session of the user and starts a new one
/// for this browser.
#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    respond(
        async {
            use crate::auth::model::check_new_password;
            let (current, new, confirm) = (current_password, new_password, confirm_password);
            let state = state()?;
            let user = crate::server::session_user().await?;
            // Counted before any hashing, per user and per address, like a sign-in.
            let admitted =
                crate::server::throttle::admit_password_check(&state, user.tenant_id, user.user_id)
                    .await?;
            let mut errors = Vec::new();
            if let Err(msg) = check_new_password(&new, &current) {
                errors.push(crate::error::FieldError {
                    field: "new_password".into(),
                    message: msg.into(),
                });
            } else if new != confirm {
                errors.push(crate::error::FieldError {
                    field: "confirm_password".into(),
                    message: "The two new passwords differ".into(),
                });
            }
            let current = if current.len() > PASSWORD_INPUT_MAX_BYTES {
                String::new()
            } else {
                current
            };
            let hash = state
                .store
                .password_hash(user.tenant_id, user.user_id)
                .await?;
            let (ok, admitted) = admitted.verify(&state, current, hash).await?;
            if ok {
                admitted.password_was_right(&state).await?;
            } else {
                errors.insert(
                    0,
                    crate::error::FieldError {
                        field: "current_password".into(),
                        message: "This is not your current password".into(),
                    },
                );
            }
            if !errors.is_empty() {
                return Err(AppError::Invalid(errors));
            }
            let hash = state.hasher.hash(new).await?;
            state
                .store
                .set_password(
                    user.tenant_id,
                    Some(user.user_id),
                    user.user_id,
                    &hash,
                    false,
                    None,
                )
                .await?;
            // This browser goes on with a new session, unless another change or a suspension came
            // in between: then it signs in again.
            if !start_session(&state, user.tenant_id, user.user_id, Some(hash)).await? {
                return Err(AppError::NotSignedIn);
            }
            leptos_axum::redirect("/");
            Ok(())
        }
        .await,
    )
}

/// Who is signed in, or `None`.
#[server(endpoint = "viewer")]
pub async fn get_viewer() -> Result<Option<Viewer>, AppError> {
    respond(match crate::server::session_user().await {
        Ok(user) => Ok(Some(Viewer::from(&user))),
        Err(AppError::NotSignedIn) => Ok(None),
        Err(e) => Err(e),
    })
}

/// Longest input worth hashing: a longer "password" cannot be right and must not cost more.
#[cfg(feature = "ssr")]
const PASSWORD_INPUT_MAX_BYTES: usize = crate::auth::model::PASSWORD_MAX * 4;

/// Creates a session with a fresh token and hands the browser its cookie, if the user is
/// still active with the password hash `verified`; returns whether it did.
#[cfg(feature = "ssr")]
async fn start_session(
    state: &AppState,
    tenant: TenantId,
    user: UserId,
    verified: Option<String>,
) -> Result<bool, AppError> {
    let token = session::new_token();
    let lifetime = state.settings.session_lifetime;
    let created = state
        .store
        .create_session(&SessionRecord {
            token_hash: session::token_hash(&token),
            tenant_id: tenant,
            user_id: user,
            expires_at: now_ms() + lifetime.as_millis() as i64,
            password_hash: verified,
        })
        .await?;
    if created {
        set_cookie_header(&session::set_cookie(
            &token,
            state.settings.secure_cookies,
            lifetime.as_secs(),
        ));
    }
    Ok(created)
}
