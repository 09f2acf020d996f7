//! What the last reply said about a form, as the kit's fields and alerts show it.

use leptos::prelude::*;

/// What the last reply said about a form: one message for the whole form, or one message per
/// field. Pages turn their own error type into this; the kit knows none.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Feedback {
    /// A message for the form as a whole (shown by [`FormAlert`](super::FormAlert)).
    pub form: Option<String>,
    /// `(field name, message)` pairs.
    pub fields: Vec<(String, String)>,
}

impl Feedback {
    /// The message of one field, if there is one.
    pub fn field(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, m)| m.clone())
    }
}

/// The message of the field `name` in what the last reply said, if it has one.
pub fn field_message(error: Signal<Option<Feedback>>, name: String) -> Memo<Option<String>> {
    Memo::new(move |_| error.with(|e| e.as_ref().and_then(|e| e.field(&name))))
}
