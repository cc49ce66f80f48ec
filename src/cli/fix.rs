//! `acs-preflight fix`.

use std::io::{self, BufWriter, Write};
use std::time::Instant;

use std::path::PathBuf;

use crate::{fix_paths, Backup, FixMode, FixOptions, Input, Overrides};
use anyhow::Context;

use crate::cli::args::{FixArgs, FixFormat};
use crate::cli::printer;
use crate::cli::progress::Progress;
use crate::cli::{EXIT_CLEAN, EXIT_FINDINGS};

pub(crate) fn fix(args: FixArgs) -> anyhow::Result<u8> {
    args.color.apply();
    for (flag, dir) in [("--out", &args.out), ("--backup-dir", &args.backup_dir)] {
        if let Some(dir) = dir {
            crate::cli::refuse_url_destination(flag, dir)?;
        }
    }
    // The library takes from the config file what decides which prompts are broken and which
    // are skipped, so `fix` never rewrites a file `check` accepts or never sees.
    let settings = Overrides::from(&args).fix_settings()?;
    let check = settings.options;
    let audio = settings.fix;
    // A URL among the config's inputs is reported as one fix cannot convert.
    let paths: Vec<PathBuf> = settings
        .inputs
        .into_iter()
        .filter_map(|i| match i {
            Input::Path(p) => Some(p),
            Input::Url(u) => Some(PathBuf::from(u.url)),
            // An SSML string in a source file is text, not a prompt file to convert.
            Input::Ssml(_) => None,
        })
        .collect();
    let mode = match (&args.out, &args.backup_dir) {
        (Some(dir), _) => FixMode::OutDir(dir.clone()),
        (None, Some(dir)) => FixMode::InPlace {
            backup: Backup::Into(dir.clone()),
        },
        (None, None) if args.no_backup => FixMode::InPlace {
            backup: Backup::Off,
        },
        (None, None) => FixMode::InPlace {
            backup: Backup::Beside,
        },
    };
    let options = FixOptions {
        mode,
        dry_run: args.dry_run,
        overwrite: args.overwrite,
        copy_valid: !args.only_changed,
        audio,
    };
    let started = Instant::now();
    let progress = Progress::new();
    let report = fix_paths(&paths, &check, &options, &|| progress.found(), &|_| {
        progress.tick()
    });
    progress.finish();
    let report = report?;
    let elapsed = started.elapsed();
    match args.format {
        FixFormat::Human => {
            let mut out = BufWriter::new(anstream::stdout().lock());
            printer::fix::human(&report, &options, elapsed, &mut out).and_then(|()| out.flush())
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
