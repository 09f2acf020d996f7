//! The pages of signing in and choosing a password.

mod change_password;
mod sign_in;

pub use change_password::ChangePasswordPage;
pub use sign_in::SignInPage;
