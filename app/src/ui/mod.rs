//! Shared building blocks of the pages.

mod dialog;
mod field;
mod header;

pub use dialog::{Modal, focus_later};
pub use field::{BoundField, FormAlert, TextField};
pub use header::SignedInHeader;
