//! Shared building blocks of the pages.

mod field;
mod header;

pub use field::{FormAlert, TextField};
pub use header::SignedInHeader;
