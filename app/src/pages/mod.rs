//! Top-level pages: the portal's home, no-access and not-found pages, and the guard that
//! resolves who is signed in.

mod home;
mod not_found;
mod signed_in;

pub use home::HomePage;
pub use not_found::NotFoundPage;
pub use signed_in::SignedInPage;
