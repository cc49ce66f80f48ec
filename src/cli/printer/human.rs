//! `--format human`: each finding with its advice under it, a summary.
//!
//! A file's findings each name the file (`prompts/a.wav: error[...] ...`), so a line can be
//! grepped or clicked. A URL is long: it is shown once, on a line of its own (shortened to the
//! terminal's width, only on a terminal), with the places it was found under it, then its
//! findings.

use std::borrow::Cow;
use std::io::{self, Write};

use crate::{escape_text, path_to_string, CheckResult, Report, Severity, Status};
use anstyle::{AnsiColor, Style};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::{count, place, tally, Place, RunInfo};

const PATH: Style = Style::new().bold();
const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const HELP: Style = AnsiColor::Cyan.on_default();
const PASS: Style = AnsiColor::Green.on_default().bold();

/// Writes every failing or warned input (every input under `--verbose`, then what the walk
/// passed over) and a summary. `out` strips the styles when colour is off (an `anstream`
/// stream).
pub fn print(report: &Report, run: &RunInfo<'_>, out: &mut dyn Write) -> io::Result<()> {
    for result in &report.results {
        if result.status == Status::Pass && !run.verbose {
            continue;
        }
        match place(result) {
            Place::Url(_) => url(result, run.width, out)?,
            Place::File(_) => file(result, out)?,
        }
    }
    if run.verbose {
        for s in run.skipped {
            let what = if s.is_excluded() {
                "excluded"
            } else {
                "skipped"
            };
            // The reason may quote a pattern or an OS error: escaped too.
            writeln!(
                out,
                "{}: {what} ({})",
                path_to_string(&s.path),
                escape_text(&s.reason.to_string())
            )?;
        }
    }
    if run.verbose {
        for e in run.ignored {
            // Redacted like every URL shown, then escaped.
            let url = escape_text(&crate::remote::display_url(&e.url)).into_owned();
            let source = escape_text(&e.source.to_string()).into_owned();
            writeln!(
                out,
                "{url} (from {source}): ignored (matches an ignore pattern)"
            )?;
        }
    }
    deep_table(report, out)?;
    summary(report, run, out)
}

/// [`print`] without styles: for a file, or a caller that shows the text itself (the Python
/// package's `Report.to_text()`).
pub fn print_plain(report: &Report, run: &RunInfo<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut styled = Vec::new();
    print(report, run, &mut styled)?;
    out.write_all(&anstream::adapter::strip_bytes(&styled).into_vec())
}

/// A file: one line per finding, each naming the file, its advice under it.
fn file(result: &CheckResult, out: &mut dyn Write) -> io::Result<()> {
    // Names, URLs, messages and advice come from the input: escaped once, here.
    let input = escape_text(&result.input);
    if result.findings.is_empty() {
        return writeln!(out, "{PATH}{input}{PATH:#}: {PASS}pass{PASS:#}");
    }
    findings(result, &format!("{PATH}{input}{PATH:#}: "), "  ", out)
}

/// A URL: on a line of its own, then where it was found, then its findings.
fn url(result: &CheckResult, width: Option<usize>, out: &mut dyn Write) -> io::Result<()> {
    let input = escape_text(&result.input);
    let shown = match width {
        Some(w) => shorten(&input, w),
        None => Cow::Borrowed(input.as_ref()),
    };
    writeln!(out, "{PATH}{shown}{PATH:#}")?;
    if !result.sources.is_empty() {
        let places: Vec<String> = result
            .sources
            .iter()
            .map(|s| escape_text(&s.to_string()).into_owned())
            .collect();
        writeln!(out, "  from {}", places.join(", "))?;
    }
    if result.findings.is_empty() {
        return writeln!(out, "  {PASS}pass{PASS:#}");
    }
    findings(result, "  ", "    ", out)
}

/// Each finding after `lead`, its advice under it (advice already given for this input is not
/// repeated).
fn findings(result: &CheckResult, lead: &str, indent: &str, out: &mut dyn Write) -> io::Result<()> {
    let mut given: Vec<&str> = Vec::new();
    for f in &result.findings {
        let style = match f.severity {
            Severity::Error => ERROR,
            Severity::Warning => WARNING,
        };
        writeln!(
            out,
            "{lead}{style}{}[{}]{style:#} {}{}",
            f.severity,
            f.rule,
            escape_text(&f.message),
            f.acs_suffix()
        )?;
        if !given.contains(&f.advice.as_str()) {
            given.push(&f.advice);
            writeln!(
                out,
                "{indent}{HELP}help:{HELP:#} {}",
                escape_text(&f.advice)
            )?;
        }
    }
    Ok(())
}

/// The verdict, the counts, what the walk passed over and the config file read.
fn summary(report: &Report, run: &RunInfo<'_>, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    let verdict = if s.failed > 0 {
        format!("{ERROR}FAIL{ERROR:#}")
    } else if let Some(why) = run.failed_by_warnings(report) {
        format!("{ERROR}FAIL{ERROR:#}: {why};")
    } else if s.warned > 0 {
        format!("{WARNING}WARN{WARNING:#}")
    } else {
        format!("{PASS}PASS{PASS:#}")
    };
    let (inputs, counts) = tally(s);
    let secs = run.elapsed.as_secs_f64();
    writeln!(out, "{verdict} checked {inputs}: {counts} in {secs:.2}s")?;
    let hint = if !run.verbose && s.skipped + s.excluded + run.ignored.len() > 0 {
        " (--verbose lists them)"
    } else {
        ""
    };
    let config = match run.config {
        Some(path) => format!("config: {}", path_to_string(path)),
        None => "no config file".to_owned(),
    };
    let ignored = match run.ignored.len() {
        0 => String::new(),
        n => format!(", {}", count(n, "URL ignored", "URLs ignored")),
    };
    let nothing = match run.found_nothing {
        [] => String::new(),
        given => {
            // What was given to --extract-from may be a URL with its signature, mistaken for a
            // path: redacted like any text from the command line.
            let names: Vec<String> = given
                .iter()
                .map(|p| crate::remote::sas::redact(&path_to_string(p)))
                .collect();
            format!("; --extract-from found no prompt in {}", names.join(", "))
        }
    };
    writeln!(
        out,
        "{} skipped, {} excluded{ignored}{hint}; {config}{nothing}",
        s.skipped, s.excluded
    )
}

/// `text` cut to at most `width` columns: a URL's query goes first (`...wav?…`), then the
/// middle (`https://host/a…/b.wav`), so the host and the file name stay.
fn shorten(text: &str, width: usize) -> Cow<'_, str> {
    if text.width() <= width {
        return Cow::Borrowed(text);
    }
    if let Some((base, _)) = text.split_once('?') {
        if width > 2 {
            // The query goes whole; the rest is cut in its middle if it must be.
            return Cow::Owned(format!("{}?…", shorten(base, width - 2)));
        }
    }
    // Head and tail around one `…` (one column).
    let room = width.saturating_sub(1);
    let head_room = room.div_ceil(2);
    let mut head = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > head_room {
            break;
        }
        used += w;
        head.push(c);
    }
    let mut tail: Vec<char> = Vec::new();
    let mut tail_used = 0;
    for c in text.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + tail_used + w > room {
            break;
        }
        tail_used += w;
        tail.push(c);
    }
    tail.reverse();
    Cow::Owned(format!("{head}…{}", tail.into_iter().collect::<String>()))
}

/// Pads `text` with spaces to `width` columns (as a terminal shows it: wide characters take
/// two).
fn pad(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(text.width())))
}

/// `--deep`: a compact table of the measured levels, one row per analysed input.
fn deep_table(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let rows: Vec<_> = report
        .results
        .iter()
        .filter_map(|r| {
            r.audio
                .as_ref()
                .filter(|a| a.peak_dbfs.is_some())
                .map(|a| (escape_text(&r.input), a))
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let width = rows
        .iter()
        .map(|(input, _)| input.width())
        .max()
        .unwrap_or(5)
        .max(5);
    let num = |v: Option<f64>| v.map_or("-".to_owned(), |x| format!("{x:.1}"));
    let ms = |v: Option<u64>| v.map_or("-".to_owned(), |x| format!("{x}"));
    writeln!(
        out,
        "{}  {:>9}  {:>9}  {:>8}  {:>6}  {:>8}  {:>9}",
        pad("input", width),
        "peak dBFS",
        "true dBTP",
        "RMS dBFS",
        "LUFS",
        "lead ms",
        "trail ms"
    )?;
    for (input, a) in rows {
        writeln!(
            out,
            "{}  {:>9}  {:>9}  {:>8}  {:>6}  {:>8}  {:>9}",
            pad(&input, width),
            num(a.peak_dbfs),
            num(a.true_peak_dbtp),
            num(a.rms_dbfs),
            num(a.loudness_lufs),
            ms(a.leading_silence_ms),
            ms(a.trailing_silence_ms)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_urls_lose_their_query_then_their_middle() {
        let url = "https://h.example/prompts/welcome.wav?sv=2022-11-02&sp=r&sig=REDACTED";
        assert_eq!(shorten(url, 200), url);
        assert_eq!(shorten(url, 40), "https://h.example/prompts/welcome.wav?…");
        // Too narrow for the rest too: the query still goes first, and the file name stays.
        assert_eq!(shorten(url, 21), "https://h…lcome.wav?…");
        assert!(shorten(url, 21).width() <= 21);
        // Wide characters count two columns.
        let wide = shorten("https://h.example/提示/歡迎光臨.wav", 20);
        assert!(wide.width() <= 20, "{wide}");
        assert!(wide.ends_with(".wav"), "{wide}");
    }

    #[test]
    fn padding_measures_display_width() {
        assert_eq!(pad("歡迎.wav", 10), "歡迎.wav  ");
        assert_eq!(pad("ab.wav", 10), "ab.wav    ");
        assert_eq!(pad("歡迎.wav", 10).width(), pad("ab.wav", 10).width());
    }
}
