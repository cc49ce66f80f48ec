//! `check --dump`: the inputs a run would check, without checking them.

use std::io::{self, Write};

use crate::{escape_text, PlannedInput, PlannedKind};

use super::json_pretty;

/// One input per line: the input, then where it came from (`<- file:line, ...`; an SSML
/// string's name says it already), or why it would be reported unreadable (`(missing: ...)`);
/// an SSML `audio src` says so (`(audio src)`). Input-derived text is escaped; URLs come
/// redacted from the library.
pub fn human(plan: &[PlannedInput], out: &mut dyn Write) -> io::Result<()> {
    for p in plan {
        let mut line = escape_text(&p.input).into_owned();
        if !p.sources.is_empty() && p.kind != PlannedKind::Ssml {
            let from: Vec<String> = p
                .sources
                .iter()
                .map(|s| escape_text(&s.to_string()).into_owned())
                .collect();
            line.push_str(&format!("  <- {}", from.join(", ")));
        }
        if let Some(problem) = &p.problem {
            line.push_str(&format!("  ({})", escape_text(problem)));
        }
        if p.kind == PlannedKind::SsmlAudio {
            line.push_str("  (audio src, fetched by Azure Speech)");
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// The list as a JSON array of `{kind, input, sources[, problem]}`.
pub fn json(plan: &[PlannedInput], out: &mut dyn Write) -> io::Result<()> {
    json_pretty(out, &plan)?;
    writeln!(out)
}
