//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Catch broken audio prompts before Azure Communication Services plays them.
///
/// ACS Call Automation plays WAV prompts of 16-bit PCM, mono, 16 kHz. acs-preflight reads the
/// header of every prompt, checks it strictly and reports each problem with the ACS failure it
/// would cause.
#[derive(Debug, Parser)]
#[command(name = "acs-preflight", version, about, long_about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check prompt files and folders.
    ///
    /// Exit status: 0 when no input failed, 1 when any did, 2 when the check could not run.
    Check(CheckArgs),
    /// List the rules: id, default severity, ACS failure and advice.
    Rules(RulesArgs),
}

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files and folders to check. Folders are searched recursively for audio files
    /// (wav, mp3, flac, ogg, m4a, ...); a file named here is always checked.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// The Call Automation action that plays the prompts; decides the predicted ACS failure.
    #[arg(long, value_enum, default_value_t = ActionArg::Play)]
    pub action: ActionArg,

    /// Accept MP3 files that begin with an ID3v2 tag (ACS's newer docs list them as supported).
    #[arg(long)]
    pub allow_mp3: bool,

    /// Number of files checked in parallel [default: one per CPU].
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: Option<u16>,

    /// When to use colour in human output (NO_COLOR is honoured under `auto`).
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// Arguments of `rules`.
#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,
}

/// Report formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per finding and a summary, for people.
    Human,
    /// One JSON document (schema in the README).
    Json,
}

/// Formats of `rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// A list for people.
    Human,
    /// A JSON array of rule objects.
    Json,
    /// A Markdown table (the README's rule table is this output).
    Markdown,
}

/// `--action` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ActionArg {
    /// The Play action: format problems fail with 400 Play Failed, subcode 8535.
    Play,
    /// The prompt of a Recognize action: 500 Recognize Failed, subcode 8511.
    Recognize,
}

impl From<ActionArg> for acs_preflight::Action {
    fn from(a: ActionArg) -> Self {
        match a {
            ActionArg::Play => acs_preflight::Action::Play,
            ActionArg::Recognize => acs_preflight::Action::Recognize,
        }
    }
}

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// Colour when stdout is a terminal and NO_COLOR is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}
