//! The progress bar: on stderr, only when stderr is a terminal, only once a scan runs long.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Scans shorter than this never show a bar.
const SHOW_AFTER: Duration = Duration::from_millis(300);

/// A progress bar that stays hidden until the scan has run for a while.
pub struct Progress {
    bar: ProgressBar,
    enabled: bool,
    shown: AtomicBool,
    started: Instant,
}

impl Progress {
    /// A bar whose length grows as the walk finds inputs; inert when stderr is not a terminal.
    pub fn new() -> Self {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} {pos} of {len} found checked {wide_bar} {elapsed}",
        ) {
            bar.set_style(style);
        }
        Progress {
            bar,
            enabled: std::io::stderr().is_terminal(),
            shown: AtomicBool::new(false),
            started: Instant::now(),
        }
    }

    /// One more input found.
    pub fn found(&self) {
        if self.enabled {
            self.bar.inc_length(1);
        }
    }

    /// One more input done.
    pub fn tick(&self) {
        if !self.enabled {
            return;
        }
        if !self.shown.load(Ordering::Relaxed)
            && self.started.elapsed() >= SHOW_AFTER
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        self.bar.inc(1);
    }

    /// Removes the bar before the report is printed.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
