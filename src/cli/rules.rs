//! `acs-preflight rules` and `acs-preflight explain`.

use std::io::{self, BufWriter, Write};

use crate::Rule;
use anyhow::Context;

use crate::cli::args::{ExplainArgs, RulesArgs, RulesFormat};
use crate::cli::printer;

pub(crate) fn rules(args: RulesArgs) -> anyhow::Result<()> {
    let mut out = BufWriter::new(io::stdout().lock());
    match args.format {
        RulesFormat::Human => printer::rules::human(&mut out),
        RulesFormat::Json => printer::rules::json(&mut out),
        RulesFormat::Markdown => printer::rules::markdown(&mut out),
    }
    .and_then(|()| out.flush())
    .context("cannot write the rule list")
}

pub(crate) fn explain(args: ExplainArgs) -> anyhow::Result<()> {
    let rule: Rule = args.rule.parse()?;
    let mut out = BufWriter::new(io::stdout().lock());
    printer::rules::explain(rule, &mut out)
        .and_then(|()| out.flush())
        .context("cannot write the explanation")
}
