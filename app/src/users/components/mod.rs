//! The User Management page and its parts.

mod actions;
mod confirm_dialog;
mod filter_bar;
mod icons;
mod password_dialog;
mod state;
mod table;
mod user_dialog;
mod users_page;

pub use users_page::UsersPage;
