//! Printers: each renders a report (or the rule catalog) and nothing else.

pub mod human;
pub mod json;
pub mod rules;
