//! The typed error every server function returns.
//!
//! Expected failures are variants the UI matches on (a field error goes next to its field);
//! anything unexpected is logged on the server with its cause and reaches the browser only as
//! [`AppError::Internal`], so a database message never leaves the server.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// One message for one form field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field's form name, e.g. `email`.
    pub field: String,
    pub message: String,
}

/// What a server function can answer instead of its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// No live session: the UI sends the person to the sign-in page.
    #[error("Your session has ended. Please sign in again.")]
    NotSignedIn,
    /// Signed in, but not allowed to do this.
    #[error("You do not have access to this.")]
    Forbidden,
    /// Signed in with a temporary password: only "Choose a new password" is open.
    #[error("Choose a new password to continue.")]
    PasswordChangeRequired,
    /// Sign-in failed: one message for an unknown workspace, unknown email or wrong password.
    #[error("That workspace, email and password do not match an account.")]
    SignInFailed,
    /// Sign-in refused for a reason the person should know (suspended, expired password).
    #[error("{0}")]
    SignInRefused(String),
    /// Too many sign-in attempts for this account or from this address: refused, whatever the
    /// password, until the counting window ends in `minutes` (rounded up).
    #[error("Too many sign-in attempts. Try again in {}.", minutes_text(*.minutes))]
    TooManyAttempts { minutes: u64 },
    /// Too many wrong current passwords for this user or from this address: refused, whatever
    /// the password, until the counting window ends in `minutes` (rounded up).
    #[error("Too many password attempts. Try again in {}.", minutes_text(*.minutes))]
    TooManyPasswordAttempts { minutes: u64 },
    /// Too many password checks are waiting already: refused at once; try again in `seconds`.
    #[error("The server is busy checking passwords. Try again in a moment.")]
    Busy { seconds: u64 },
    /// The input broke a rule; each message belongs next to its field.
    #[error("Please correct the highlighted fields.")]
    Invalid(Vec<FieldError>),
    /// The thing asked for does not exist in this tenant.
    #[error("That user no longer exists.")]
    NotFound,
    /// A stale save: someone else changed the user since the form opened. Carries the fresh
    /// values.
    #[error(
        "This user was changed by someone else. Their current details are shown; review them and save again."
    )]
    Conflict(Box<crate::users::model::UserSummary>),
    /// The action breaks a rule that has no field (suspending oneself, the last admin).
    #[error("{0}")]
    NotAllowed(String),
    /// Something failed on the server; the cause is in the server's log.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request did not reach the server or its reply could not be read.
    #[error("Could not reach the server. Check your connection and try again.")]
    Transport(String),
}

/// "1 minute", "15 minutes".
fn minutes_text(minutes: u64) -> String {
    if minutes == 1 {
        "1 minute".into()
    } else {
        format!("{minutes} minutes")
    }
}

impl AppError {
    /// An [`AppError::Invalid`] with one field message.
    pub fn field(field: &str, message: impl Into<String>) -> AppError {
        AppError::Invalid(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// The message for `field`, if this error has one.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid(fields) => fields
                .iter()
                .find(|f| f.field == field)
                .map(|f| f.message.clone()),
            _ => None,
        }
    }

    /// When to try again, in seconds, for a refusal that ends by itself (`Retry-After`).
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::TooManyAttempts { minutes }
            | AppError::TooManyPasswordAttempts { minutes } => Some(minutes * 60),
            AppError::Busy { seconds } => Some(*seconds),
            _ => None,
        }
    }

    /// The HTTP status this error travels with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::NotSignedIn => 401,
            AppError::Forbidden | AppError::PasswordChangeRequired => 403,
            AppError::SignInFailed | AppError::SignInRefused(_) => 401,
            AppError::TooManyAttempts { .. }
            | AppError::TooManyPasswordAttempts { .. }
            | AppError::Busy { .. } => 429,
            AppError::Invalid(_) => 422,
            AppError::NotFound => 404,
            AppError::Conflict(_) | AppError::NotAllowed(_) => 409,
            AppError::Internal => 500,
            AppError::Transport(_) => 400,
        }
    }
}

impl From<&AppError> for crate::ui::Feedback {
    /// Field errors go next to their fields; any other error is the form's.
    fn from(err: &AppError) -> Self {
        match err {
            AppError::Invalid(fields) => crate::ui::Feedback {
                form: None,
                fields: fields
                    .iter()
                    .map(|f| (f.field.clone(), f.message.clone()))
                    .collect(),
            },
            other => crate::ui::Feedback {
                form: Some(other.to_string()),
                fields: Vec::new(),
            },
        }
    }
}

/// What the last reply of a form's action said, for its fields and its alert.
pub fn reply_feedback<T>(reply: &Option<Result<T, AppError>>) -> Option<crate::ui::Feedback> {
    reply
        .as_ref()
        .and_then(|r| r.as_ref().err())
        .map(crate::ui::Feedback::from)
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // On the server, a request that cannot be read or decoded is the client's fault: a 400
        // (413 when the body is over the limit), where server_fn would answer 500.
        #[cfg(feature = "ssr")]
        if let Some(status) = bad_request_status(&value) {
            if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                opts.set_status(status);
            }
            return AppError::Transport(if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                "The request is too large.".into()
            } else {
                "The request was not understood.".into()
            });
        }
        match value {
            // The request could not be decoded: a malformed or hostile body.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                AppError::Transport("The request was not understood.".into())
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}

/// The status of a server-function request the server could not read or decode (`None` for
/// other errors). On the server, `Deserialization` only comes from reading the request body:
/// invalid UTF-8, or a body cut off at the size limit.
#[cfg(feature = "ssr")]
fn bad_request_status(err: &ServerFnErrorErr) -> Option<axum::http::StatusCode> {
    use axum::http::StatusCode;
    match err {
        ServerFnErrorErr::Deserialization(msg) if msg.contains("length limit") => {
            Some(StatusCode::PAYLOAD_TOO_LARGE)
        }
        ServerFnErrorErr::Args(_)
        | ServerFnErrorErr::MissingArg(_)
        | ServerFnErrorErr::Deserialization(_) => Some(StatusCode::BAD_REQUEST),
        _ => None,
    }
}

#[cfg(feature = "ssr")]
impl From<crate::store::StoreError> for AppError {
    fn from(err: crate::store::StoreError) -> Self {
        use crate::store::{StoreError, UniqueField};
        match err {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Unique(UniqueField::Email) => {
                AppError::field("email", "A user with this email already exists")
            }
            StoreError::Unique(UniqueField::ExternalId) => {
                AppError::field("external_id", "A user with this external ID already exists")
            }
            StoreError::UnknownRole => AppError::field("role_ids", "Choose roles from the list"),
            StoreError::SelfSuspend => AppError::NotAllowed("You cannot suspend yourself.".into()),
            StoreError::LastAdmin => AppError::NotAllowed(
                "This is the last active tenant admin; make another user a tenant admin first."
                    .into(),
            ),
            // Text PostgreSQL cannot hold (a NUL character) came from the request: the client's
            // fault, answered 400, not a server failure.
            StoreError::Database(sqlx::Error::Database(e))
                if e.code().as_deref() == Some("22021") =>
            {
                tracing::info!(error = %e, "refused text the database cannot hold");
                AppError::Transport("The request was not understood.".into())
            }
            other => {
                tracing::error!(error = %other, "store error");
                AppError::Internal
            }
        }
    }
}
