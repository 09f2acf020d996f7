//! Top-level pages: the portal's home, Activity, no-access and not-found pages, and the guard that
//! resolves who is signed in.

mod activity;
mod home;
mod not_found;
mod signed_in;

pub use activity::ActivityPage;
pub use home::HomePage;
pub use not_found::NotFoundPage;
pub use signed_in::{AdminPage, SignedInPage};
