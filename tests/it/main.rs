//! Integration tests: one test binary, one module per area.

mod cli;
mod fixtures;
mod rules;
mod scan;
mod support;
