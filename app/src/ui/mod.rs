//! The UI kit: building blocks every page uses. It knows no domain type: pages hand it words
//! and signals.

mod dialog;
mod error_panel;
mod field;

pub use dialog::{Modal, focus_later};
pub use error_panel::ErrorPanel;
pub use field::{BoundField, Feedback, FormAlert, TextField, field_message};
