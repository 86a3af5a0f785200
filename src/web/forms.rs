//! Form errors: each problem is named next to its field and listed in a summary at the top
//! that links to the field (Digital Agency design system pattern).

#[derive(Default, Debug)]
pub struct FormErrors {
    entries: Vec<(&'static str, String)>,
}

impl FormErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.entries.push((field, message.into()));
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.entries.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[(&'static str, String)] {
        &self.entries
    }
}
