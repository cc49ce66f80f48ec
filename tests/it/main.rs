//! Integration tests: one test binary, one module per area.

#![allow(clippy::unwrap_used)]

mod action;
mod cli;
mod config;
mod convert;
mod cures;
mod deep;
mod deployed;
mod extract;
mod fix;
mod fixtures;
mod formats;
mod gapless;
mod hostile;
mod hygiene;
mod rules;
mod scan;
mod server;
mod signal;
mod ssml;
mod support;
mod urls;
mod xsd;
