//! The User Management page and its parts.

mod actions;
mod bulk;
mod confirm_dialog;
mod filter_bar;
mod history_dialog;
mod icons;
mod password_dialog;
#[cfg(feature = "ssr")]
mod rows;
mod state;
mod table;
mod user_dialog;
mod users_page;

pub use history_dialog::ChangeList;
#[cfg(feature = "ssr")]
pub use rows::rows_html;
pub use users_page::UsersPage;
