//! What the integration tests share: a fresh database per test ([`db`]), the real server on
//! free ports ([`server`]), a browser stand-in ([`browser`]), and the tenants, users, sessions
//! and arguments the tests start from ([`fixtures`]). Test files import all of it from here.

mod browser;
mod db;
mod fixtures;
mod server;

pub use browser::{Browser, Reply};
pub use db::{Backend, TestDb, run};
pub use fixtures::{
    PASSWORD, admin_browser, counts, list_users, new_user, percent_encode, role_ids, session_for,
    signed_in, tenant, tenant_with_users, user_form, user_query,
};
pub use server::{Scrape, TestServer, sleep_ms, start, test_settings};
