//! The UI kit: building blocks every page uses. It knows no domain type: pages hand it words
//! and signals. One component a file.

mod bound_field;
mod dialog;
mod error_panel;
mod feedback;
mod form_alert;
mod text_field;

pub use bound_field::BoundField;
pub use dialog::{Modal, focus_later};
pub use error_panel::ErrorPanel;
pub use feedback::{Feedback, field_message};
pub use form_alert::FormAlert;
pub use text_field::TextField;
