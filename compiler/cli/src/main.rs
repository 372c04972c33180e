//! `glassc`: check, build, test, format and explain glass rule packs.
//!
//! Exit codes: 0 when clean, 1 when the input has errors, 2 for usage or I/O problems.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use glass_compiler::diagnostic::Diagnostic;
use glassc::compile::{compile, compile_each};
use glassc::harness::Engine;
use glassc::inputs::{self, UsageError};
use glassc::render::{self, Sources};
use glassc::session::Session;
use glassc::testing;

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
    /// Compile a pack to bytecode for the glasses' runtime.
    Build {
        /// The pack's .glass file.
        pack: PathBuf,
        /// Where to write the program; the pack's path with the extension `.gbc` by default (and
        /// `.PRODUCT.gbc` for each product of a pack written for a family).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// For a pack written for a family: build for this product only.
        #[arg(long, value_name = "PROFILE")]
        product: Option<String>,
        /// More folders of profiles. A `profiles` folder beside the inputs is found on its own.
        #[arg(long = "profiles", value_name = "DIR")]
        profiles: Vec<PathBuf>,
    },
    /// List a program's tables and code: a .gbc file, or a pack (compiled first, with its
    /// source lines shown).
    Disasm {
        file: PathBuf,
        #[arg(long = "profiles", value_name = "DIR")]
        profiles: Vec<PathBuf>,
        /// For a pack written for a family: the product to compile it for.
        #[arg(long, value_name = "PROFILE")]
        product: Option<String>,
    },
    /// Run the tests of packs in virtual time.
    Test {
        /// Files or folders (searched for .glass files).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long = "profiles", value_name = "DIR")]
        profiles: Vec<PathBuf>,
        /// Also write the results as JUnit XML to this file.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// What runs the rules: the interpreter the glasses run, the host's JIT, or both (a test
        /// then also fails when their traces differ).
        #[arg(long, value_enum, default_value_t = TestEngine::Both)]
        engine: TestEngine,
    },
    /// Play a trace of events on a pack and print the actions it emits, as JSON lines.
    #[command(after_long_help = glassc::run::HELP)]
    Run {
        /// A pack's .glass file (compiled first; names and values as glass writes them) or a
        /// .gbc program (names from its tables; values as numbers and texts).
        pack: PathBuf,
        /// The events file, one JSON object per line (see below); `-` reads stdin.
        #[arg(long, value_name = "FILE")]
        events: PathBuf,
        /// For every line, say which rules it triggered and why each acted or not, with source
        /// lines (readable text on stdout instead of the action lines).
        #[arg(long)]
        explain: bool,
        /// With --explain: `json` writes the explanation as JSON lines, beside the action lines.
        #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
        message_format: MessageFormat,
        /// What runs the rule code.
        #[arg(long, value_enum, default_value_t = glassc::run::Engine::Interp)]
        engine: glassc::run::Engine,
        #[arg(long = "profiles", value_name = "DIR")]
        profiles: Vec<PathBuf>,
        /// For a pack written for a family: the product to run it on.
        #[arg(long, value_name = "PROFILE")]
        product: Option<String>,
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
enum TestEngine {
    Interp,
    Jit,
    Both,
}

impl From<TestEngine> for Engine {
    fn from(e: TestEngine) -> Engine {
        match e {
            TestEngine::Interp => Engine::Interp,
            TestEngine::Jit => Engine::Jit,
            TestEngine::Both => Engine::Both,
        }
    }
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
        Command::Build { pack, output, profiles, product } => build(&pack, output, &profiles, product.as_deref()),
        Command::Disasm { file, profiles, product } => disasm(&file, &profiles, product.as_deref()),
        Command::Test { paths, profiles, junit, engine } => test(&paths, &profiles, junit, engine.into()),
        Command::Run { pack, events, explain, message_format, engine, profiles, product } => {
            glassc::run::run(&glassc::run::Options {
                pack,
                events,
                profiles,
                product,
                explain,
                json: matches!(message_format, MessageFormat::Json),
                engine,
            })
        }
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
    let (errors, _) = report(&session, session.diagnostics(), format, true)?;
    Ok(if errors > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// Prints diagnostics (and, with `summary`, a closing line for people); returns the number of
/// errors and warnings.
fn report(
    session: &Session,
    diagnostics: Vec<(usize, Diagnostic)>,
    format: MessageFormat,
    summary: bool,
) -> Result<(usize, usize), UsageError> {
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
    if summary && matches!(format, MessageFormat::Human) {
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
    Ok((errors, warnings))
}

fn build(
    pack: &Path,
    output: Option<PathBuf>,
    profiles: &[PathBuf],
    product: Option<&str>,
) -> Result<ExitCode, UsageError> {
    let compiled = match compile_each(pack, profiles, "built", product)? {
        Ok(done) => done,
        Err(code) => return Ok(code),
    };
    if output.is_some() && compiled.len() > 1 {
        return Err(UsageError(format!(
            "`{}` is written for a family of {} products and `-o` names one file: choose one with `--product`, or leave `-o` out to write one program per product",
            pack.display(),
            compiled.len()
        )));
    }
    for source in compiled {
        let out = match (&output, &source.product) {
            (Some(out), _) => out.clone(),
            (None, Some(product)) => pack.with_extension(format!("{product}.gbc")),
            (None, None) => pack.with_extension("gbc"),
        };
        let bytes = &source.output.bytes;
        let program = glass_runtime::verify(bytes)
            .map_err(|e| UsageError(format!("internal error: the verifier refused the compiled pack: {e}")))?;
        std::fs::write(&out, bytes).map_err(|e| UsageError(format!("cannot write `{}`: {e}", out.display())))?;
        let ram = glass_runtime::RamUsage::of(&program, 16);
        eprintln!(
            "built `{}`: {} rules, {} bytes of bytecode, {} bytes of RAM with a 16-event queue",
            out.display(),
            program.count(glass_runtime::format::Section::Rules),
            bytes.len(),
            ram.total
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn disasm(file: &Path, profiles: &[PathBuf], product: Option<&str>) -> Result<ExitCode, UsageError> {
    if file.extension().is_some_and(|e| e == "glass") {
        let source = match compile(file, profiles, "listed", product)? {
            Ok(done) => done,
            Err(code) => return Ok(code),
        };
        let program = glass_runtime::verify(&source.output.bytes)
            .map_err(|e| UsageError(format!("internal error: the verifier refused the compiled pack: {e}")))?;
        print!("{}", testing::listing(&program, Some(&source.text)));
        return Ok(ExitCode::SUCCESS);
    }
    let bytes = std::fs::read(file).map_err(|e| UsageError(format!("cannot read `{}`: {e}", file.display())))?;
    match glass_runtime::verify(&bytes) {
        Ok(program) => {
            print!("{}", testing::listing(&program, None));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: `{}` is not a valid glass program: {e}", file.display());
            Ok(ExitCode::FAILURE)
        }
    }
}

fn test(
    paths: &[PathBuf],
    profiles: &[PathBuf],
    junit: Option<PathBuf>,
    engine: Engine,
) -> Result<ExitCode, UsageError> {
    let session = Session::new(inputs::load(paths, profiles)?);
    let (errors, _) = report(&session, session.diagnostics(), MessageFormat::Human, false)?;
    if errors > 0 {
        eprintln!("error: the packs have errors; no test was run");
        return Ok(ExitCode::FAILURE);
    }
    let results = testing::run_all(&session, engine);
    let (_, failed) = testing::print(&results, &mut std::io::stdout().lock())
        .map_err(|e| UsageError(format!("cannot write output: {e}")))?;
    if let Some(path) = junit {
        std::fs::write(&path, testing::junit(&results))
            .map_err(|e| UsageError(format!("cannot write `{}`: {e}", path.display())))?;
    }
    Ok(if failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
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
