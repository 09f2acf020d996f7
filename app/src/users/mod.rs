//! The people of a tenant: what a user is (`model`), the rules their fields follow (`rules`),
//! the table's view and page (`query`), how counts read (`format`), bulk actions (`bulk`), a user's
//! History (`history`), the server functions (`server`), the CSV export's rows (`csv`) and the page (`components`).

pub mod bulk;
pub mod components;
#[cfg(feature = "ssr")]
pub mod csv;
pub mod format;
pub mod history;
pub mod model;
pub mod query;
pub mod rules;
pub mod server;
#[cfg(feature = "ssr")]
pub mod time;
