//! The people of a tenant: their types, statuses and field rules.

pub mod components;
pub mod model;
pub mod server;
#[cfg(feature = "ssr")]
pub mod time;
