//! Sign-in, sessions and passwords.

pub mod components;
pub mod model;
pub mod server;
