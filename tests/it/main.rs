//! Integration tests: one test binary, one module per area.

mod fixtures;
mod rules;
mod support;
