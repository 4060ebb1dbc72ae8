//! `stance controls`: the control catalog as text, JSON or Markdown.

use std::fmt::Write as _;

use stance_core::catalog::CONTROLS;
use stance_core::model::Dimension;

use crate::exit::{CmdResult, Exit};
use crate::io::Io;

/// Output format of `stance controls`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ControlsFormat {
    /// One line per control, grouped by dimension.
    Text,
    /// The catalog as a JSON array.
    Json,
    /// The control reference (docs/controls.md).
    Markdown,
}

/// Flags of `stance controls`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ControlsFormat::Text)]
    pub format: ControlsFormat,
}

/// Runs `stance controls`.
pub fn run(args: Args, io: &mut Io) -> CmdResult {
    let text = match args.format {
        ControlsFormat::Json => {
            let mut s = serde_json::to_string_pretty(CONTROLS).unwrap_or_else(|_| "[]".into());
            s.push('\n');
            s
        }
        ControlsFormat::Markdown => crate::docs::controls_markdown(),
        ControlsFormat::Text => {
            let mut s = String::new();
            for d in Dimension::ALL {
                let _ = writeln!(s, "{d}");
                for c in CONTROLS.iter().filter(|c| c.dimension == Some(*d)) {
                    let level = c.level.map(|l| l.to_string()).unwrap_or_else(|| "--".into());
                    let _ = writeln!(s, "  {:<32} {:<8} {level:<3} {}", c.id, c.severity.as_str(), c.title);
                }
            }
            let _ = writeln!(
                s,
                "\n{} controls. `stance controls --format markdown` prints the full reference.",
                CONTROLS.len()
            );
            s
        }
    };
    io.out(&text)?;
    Ok(Exit::OK)
}
