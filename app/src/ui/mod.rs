//! Shared building blocks of the pages.

mod dialog;
mod field;
mod header;

pub use dialog::Modal;
pub use field::{BoundField, FormAlert, TextField};
pub use header::SignedInHeader;
