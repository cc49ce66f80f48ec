//! `acs-preflight fix`.

use std::io::{self, BufWriter, Write};
use std::time::Instant;

use acs_preflight::{fix_paths, CheckOptions, FixMode, FixOptions};
use anyhow::Context;

use crate::args::{FixArgs, FixFormat};
use crate::config;
use crate::printer;
use crate::progress::Progress;
use crate::settings::with_walk_and_levels;
use crate::{EXIT_CLEAN, EXIT_FINDINGS};

pub(crate) fn fix(args: FixArgs) -> anyhow::Result<u8> {
    args.color.apply();
    // The config file decides what counts as broken (`allow_mp3`, `[rules]`) and what is
    // skipped (`exclude`), so `fix` never rewrites a file `check` accepts or never sees.
    let loaded = config::find(args.config.as_deref())?;
    let file = loaded.as_ref().map(|l| &l.config);
    let mut check = CheckOptions::default()
        .allow_mp3(args.allow_mp3 || file.and_then(|f| f.allow_mp3).unwrap_or(false));
    if let Some(j) = args.jobs.or(file.and_then(|f| f.jobs)) {
        check = check.jobs(j as usize);
    }
    let check = with_walk_and_levels(check, &args.exclude, loaded.as_ref());
    let mode = match &args.out {
        Some(dir) => FixMode::OutDir(dir.clone()),
        None => FixMode::InPlace {
            backup: !args.no_backup,
        },
    };
    let options = FixOptions {
        mode,
        dry_run: args.dry_run,
        overwrite: args.overwrite,
    };
    let started = Instant::now();
    let progress = Progress::new();
    let report = fix_paths(&args.paths, &check, &options, &|| progress.found(), &|_| {
        progress.tick()
    });
    progress.finish();
    let report = report?;
    let elapsed = started.elapsed();
    match args.format {
        FixFormat::Human => {
            let mut out = BufWriter::new(anstream::stdout().lock());
            printer::fix::human(&report, args.dry_run, elapsed, &mut out).and_then(|()| out.flush())
        }
        FixFormat::Json => {
            let mut out = BufWriter::new(io::stdout().lock());
            printer::fix::json(&report, &mut out).and_then(|()| out.flush())
        }
    }
    .context("cannot write the report")?;
    Ok(if report.is_ok() {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    })
}
