//! Integration tests: one test binary, one module per area.

#![allow(clippy::unwrap_used)]

mod cli;
mod fixtures;
mod rules;
mod scan;
mod server;
mod support;
mod urls;
