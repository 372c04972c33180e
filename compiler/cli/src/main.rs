//! `glassc`: check, format and explain glass rule packs.
//!
//! Exit codes: 0 when clean, 1 when the input has errors, 2 for usage or I/O problems.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use glassc::inputs::{self, UsageError};
use glassc::render::{self, Sources};
use glassc::session::Session;

#[derive(Parser)]
#[command(
    name = "glassc",
    version,
    about = "The glass compiler: rule packs for AI glasses and the devices around them"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check packs and profiles and report every problem.
    Check {
        /// Files or folders (searched for .glass files).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// More folders of profiles. A `profiles` folder beside the inputs is found on its own.
        #[arg(long = "profiles", value_name = "DIR")]
        profiles: Vec<PathBuf>,
        /// `human` for people, `json` for one JSON object per diagnostic per line.
        #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
        message_format: MessageFormat,
    },
    /// Print the long explanation of a diagnostic code, such as E0101.
    Explain { code: String },
    /// Format .glass files in place (canonical layout, comments kept).
    Fmt {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Change nothing; list the files that are not formatted and exit 1 if there are any.
        #[arg(long)]
        check: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum MessageFormat {
    Human,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { paths, profiles, message_format } => check(&paths, &profiles, message_format),
        Command::Explain { code } => explain(&code),
        Command::Fmt { paths, check } => fmt(&paths, check),
    };
    match result {
        Ok(code) => code,
        Err(UsageError(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn check(paths: &[PathBuf], profiles: &[PathBuf], format: MessageFormat) -> Result<ExitCode, UsageError> {
    let session = Session::new(inputs::load(paths, profiles)?);
    let diagnostics = session.diagnostics();
    let sources = Sources::new(session.files.iter().map(|(i, _)| (i.path.as_str(), i.text.as_str())));
    let color = std::io::stderr().is_terminal();
    let (mut errors, mut warnings) = (0, 0);
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    for (file, d) in &diagnostics {
        let path = session.files[*file].0.path.as_str();
        if d.is_error() {
            errors += 1;
        } else {
            warnings += 1;
        }
        let written = match format {
            MessageFormat::Human => write!(stderr, "{}", render::human(d, path, &sources, color)),
            MessageFormat::Json => writeln!(stdout, "{}", render::json(d, path, &sources)),
        };
        written.map_err(|e| UsageError(format!("cannot write output: {e}")))?;
    }
    if matches!(format, MessageFormat::Human) {
        let files = session.files.len();
        let summary = match (errors, warnings) {
            (0, 0) => format!("checked {}: no problems", plural(files, "file")),
            _ => format!(
                "checked {}: {} and {}",
                plural(files, "file"),
                plural(errors, "error"),
                plural(warnings, "warning")
            ),
        };
        let _ = writeln!(stderr, "{summary}");
    }
    Ok(if errors > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

fn explain(code: &str) -> Result<ExitCode, UsageError> {
    match glass_compiler::codes::lookup(code) {
        Some(info) => {
            println!("{}: {}\n\n{}", info.code, info.title, info.explanation);
            Ok(ExitCode::SUCCESS)
        }
        None => Err(UsageError(format!("`{code}` is not a glass diagnostic code (they look like E0101 or W0301)"))),
    }
}

fn fmt(paths: &[PathBuf], check_only: bool) -> Result<ExitCode, UsageError> {
    let files = inputs::glass_files(paths)?;
    let mut unformatted = 0;
    let mut broken = 0;
    for path in files {
        let input = inputs::read(&path)?;
        let formatted =
            if input.invalid_utf8.is_some() { None } else { glass_compiler::fmt::format_source(&input.text) };
        let Some(formatted) = formatted else {
            eprintln!("error: `{}` has errors; run `glassc check` on it first", input.path);
            broken += 1;
            continue;
        };
        if formatted == input.text {
            continue;
        }
        unformatted += 1;
        if check_only {
            println!("{}", input.path);
        } else {
            std::fs::write(&path, formatted).map_err(|e| UsageError(format!("cannot write `{}`: {e}", input.path)))?;
        }
    }
    Ok(if broken > 0 || (check_only && unformatted > 0) { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
