//! `fix` reports: one line per input, the renames, and a summary; or JSON.

use std::io::{self, Write};
use std::time::Duration;

use crate::{escape_text, Change, FixAction, FixMode, FixOptions, FixReport, Leveling, Status};
use anstyle::{AnsiColor, Style};

const PATH: Style = Style::new().bold();
const GOOD: Style = AnsiColor::Green.on_default().bold();
const BAD: Style = AnsiColor::Red.on_default().bold();
const LOUD: Style = AnsiColor::Yellow.on_default().bold();

/// A sample rate as people say it: `44.1 kHz`, `16 kHz`, `22.05 kHz`.
fn rate(hz: u32) -> String {
    let khz = format!("{:.3}", f64::from(hz) / 1000.0);
    format!("{} kHz", khz.trim_end_matches('0').trim_end_matches('.'))
}

fn channels(n: u16) -> String {
    match n {
        1 => "mono".to_owned(),
        2 => "stereo".to_owned(),
        n => format!("{n} channels"),
    }
}

/// A WAV codec as people say it.
fn codec(name: &str) -> String {
    match name {
        "pcm_mulaw" => "mu-law",
        "pcm_alaw" => "A-law",
        "adpcm_ima_wav" => "IMA ADPCM",
        "adpcm_ms" => "MS ADPCM",
        "gsm_ms" => "GSM",
        "pcm_s16le" | "pcm_u8" | "pcm_s24le" | "pcm_s32le" => "PCM",
        n if n.starts_with("pcm_f") || n.starts_with("float") => "float",
        n => return escape_text(n).into_owned(),
    }
    .to_owned()
}

/// `24-bit -> 16-bit, mu-law -> PCM, 44.1 kHz -> 16 kHz, stereo -> mono`.
pub fn changes(changes: &[Change]) -> String {
    let parts: Vec<String> = changes
        .iter()
        .map(|c| match c {
            Change::Container { from, to } => format!(
                "{} -> {}",
                escape_text(&from.to_uppercase()),
                escape_text(&to.to_uppercase())
            ),
            Change::Codec { from, to } => format!("{} -> {}", codec(from), codec(to)),
            Change::Header { from, to } => {
                format!("{} header -> {} header", escape_text(from), escape_text(to))
            }
            Change::BitDepth { from, to } => format!("{from}-bit -> {to}-bit"),
            Change::SampleRate { from, to } => format!("{} -> {}", rate(*from), rate(*to)),
            Change::Channels { from, to } => format!("{} -> {}", channels(*from), channels(*to)),
            Change::Extension { from, to } => format!(
                "name .{} -> .{}, samples unchanged",
                escape_text(from),
                escape_text(to)
            ),
        })
        .collect();
    if parts.is_empty() {
        "rewritten as 16-bit PCM WAV".to_owned()
    } else {
        parts.join(", ")
    }
}

/// What a sound cure does: `-30.2 -> -16.0 LUFS (+14.2 dB, 2.1 dB limited), 3700 ms of
/// silence trimmed at the start, DC offset +5.0% removed`. Empty when it does nothing.
pub fn leveling(l: &Leveling) -> String {
    let mut parts = Vec::new();
    if l.gain_db != 0.0 || l.limited_db > 0.0 {
        let from = l
            .loudness_lufs
            .map_or_else(|| "?".to_owned(), |v| format!("{v:.1}"));
        let to = l
            .target_lufs
            .map_or_else(|| "?".to_owned(), |v| format!("{v:.1}"));
        let mut how = format!("{:+.1} dB", l.gain_db);
        if l.limited_db > 0.0 {
            how.push_str(&format!(", {:.1} dB limited", l.limited_db));
        }
        parts.push(format!("{from} -> {to} LUFS ({how})"));
    }
    for (ms, at) in [(l.trimmed_start_ms, "start"), (l.trimmed_end_ms, "end")] {
        if ms > 0 {
            parts.push(format!("{ms} ms of silence trimmed at the {at}"));
        }
    }
    if let Some(dc) = l.dc_removed_percent {
        parts.push(format!("DC offset {dc:+.1}% removed"));
    }
    parts.join(", ")
}

/// The changes and the sound cure of a result, in words.
fn what_changes(changes_: &[Change], l: Option<&Leveling>) -> String {
    let cure = l.map(leveling).unwrap_or_default();
    match (changes_.is_empty(), cure.is_empty()) {
        (true, false) => cure,
        (false, false) => format!("{}, {cure}", changes(changes_)),
        _ => changes(changes_),
    }
}

/// Writes one line per input, the renames (loudly: they break references), then the summary.
pub fn human(
    report: &FixReport,
    options: &FixOptions,
    elapsed: Duration,
    out: &mut dyn Write,
) -> io::Result<()> {
    let dry_run = options.dry_run;
    let copies = options.copy_valid && matches!(options.mode, FixMode::OutDir(_));
    let not_copied = if copies { ", not copied" } else { "" };
    for r in &report.results {
        // Names and reasons come from the input: escaped once, here.
        let input = escape_text(&r.input);
        let output = escape_text(r.output.as_deref().unwrap_or(""));
        let reason = escape_text(r.reason.as_deref().unwrap_or(""));
        match r.action {
            FixAction::AlreadyValid => {
                writeln!(out, "{PATH}{input}{PATH:#}: already valid, left alone")?
            }
            FixAction::Copied => writeln!(
                out,
                "{PATH}{input}{PATH:#}: already valid, copied unchanged -> {output}"
            )?,
            FixAction::WouldCopy => writeln!(
                out,
                "{PATH}{input}{PATH:#}: already valid, would copy unchanged -> {output}"
            )?,
            FixAction::WouldConvert => writeln!(
                out,
                "{PATH}{input}{PATH:#}: would convert -> {output} ({})",
                what_changes(&r.changes, r.leveling.as_ref())
            )?,
            FixAction::Converted => {
                let mut what = vec![what_changes(&r.changes, r.leveling.as_ref())];
                if let Some(c) = &r.conversion {
                    if c.dithered {
                        what.push("dithered".to_owned());
                    }
                    what.push(format!("{} ms", c.duration_out_ms));
                }
                let verdict = match r.after.as_ref().map(|a| a.status) {
                    Some(Status::Pass) => format!("{GOOD}pass{GOOD:#}"),
                    Some(Status::Warn) => "warn".to_owned(),
                    _ => format!("{BAD}fail{BAD:#}"),
                };
                write!(
                    out,
                    "{PATH}{input}{PATH:#}: converted -> {output} ({}); re-check: {verdict}",
                    what.join(", ")
                )?;
                if let Some(b) = &r.backup {
                    write!(out, "; original kept as {}", escape_text(b))?;
                }
                // What the sound cure reached, as --deep measures the output.
                if let Some(a) = r
                    .leveling
                    .as_ref()
                    .and_then(|_| r.after.as_ref()?.audio.as_ref())
                {
                    if let (Some(l), Some(tp)) = (a.loudness_lufs, a.true_peak_dbtp) {
                        write!(out, "; now {l:.1} LUFS, {tp:+.1} dBTP")?;
                    }
                }
                writeln!(out)?;
            }
            FixAction::CannotFix => writeln!(
                out,
                "{PATH}{input}{PATH:#}: {BAD}cannot fix{BAD:#}: {reason}; left alone{not_copied}"
            )?,
            FixAction::Failed => writeln!(
                out,
                "{PATH}{input}{PATH:#}: {BAD}conversion failed{BAD:#}: {reason}; left alone\
                 {not_copied}"
            )?,
            FixAction::Refused => {
                writeln!(out, "{PATH}{input}{PATH:#}: {BAD}refused{BAD:#}: {reason}")?
            }
        }
        if r.renamed {
            let is = if dry_run { "would be" } else { "is now" };
            writeln!(
                out,
                "  {LOUD}RENAMED{LOUD:#}: {input} {is} {output}; update every config and code \
                 that names it"
            )?;
        }
    }
    if !report.renamed.is_empty() {
        let n = report.renamed.len();
        let head = if dry_run { "Would rename" } else { "Renamed" };
        writeln!(
            out,
            "{LOUD}{head} {n} file{}{LOUD:#} (update every reference to the old name{}):",
            if n == 1 { "" } else { "s" },
            if n == 1 { "" } else { "s" }
        )?;
        for r in &report.renamed {
            writeln!(out, "  {} -> {}", escape_text(&r.from), escape_text(&r.to))?;
        }
    }
    let s = &report.summary;
    let verdict = if report.is_ok() {
        format!("{GOOD}OK{GOOD:#}")
    } else {
        format!("{BAD}FAIL{BAD:#}")
    };
    let (converted, copied) = if dry_run {
        ("would be converted", "would be copied unchanged")
    } else {
        ("converted", "copied unchanged")
    };
    let mut parts = vec![format!("{} {converted}", s.converted)];
    if s.renamed > 0 {
        parts[0].push_str(&format!(" ({} renamed)", s.renamed));
    }
    if copies {
        parts.push(format!("{} {copied}", s.copied));
    }
    if !copies || s.already_valid > 0 {
        parts.push(format!("{} already valid", s.already_valid));
    }
    parts.push(format!(
        "{} not fixed{}",
        s.not_fixed,
        if copies && s.not_fixed > 0 {
            " (not copied)"
        } else {
            ""
        }
    ));
    writeln!(
        out,
        "{verdict} {} input{}: {} in {:.2}s",
        s.inputs,
        if s.inputs == 1 { "" } else { "s" },
        parts.join(", "),
        elapsed.as_secs_f64()
    )
}

/// Writes the report as JSON.
pub fn json(report: &FixReport, out: &mut dyn Write) -> io::Result<()> {
    super::json_pretty(out, report)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_as_people_say_them() {
        let all = [
            Change::BitDepth { from: 24, to: 16 },
            Change::Codec {
                from: "pcm_mulaw".to_owned(),
                to: "pcm_s16le".to_owned(),
            },
            Change::SampleRate {
                from: 44_100,
                to: 16_000,
            },
            Change::Channels { from: 2, to: 1 },
            Change::Container {
                from: "mp3".to_owned(),
                to: "wav".to_owned(),
            },
            Change::SampleRate {
                from: 22_050,
                to: 16_000,
            },
            Change::Header {
                from: "extensible".to_owned(),
                to: "plain".to_owned(),
            },
        ];
        assert_eq!(
            changes(&all),
            "24-bit -> 16-bit, mu-law -> PCM, 44.1 kHz -> 16 kHz, stereo -> mono, MP3 -> WAV, \
             22.05 kHz -> 16 kHz, extensible header -> plain header"
        );
        assert_eq!(rate(8_000), "8 kHz");
        assert_eq!(changes(&[]), "rewritten as 16-bit PCM WAV");
    }
}
