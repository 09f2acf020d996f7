//! The pages of signing in and choosing a password, and the signed-in header with Sign out.

mod change_password;
mod header;
mod sign_in;

pub use change_password::ChangePasswordPage;
pub use header::SignedInHeader;
pub use sign_in::SignInPage;
