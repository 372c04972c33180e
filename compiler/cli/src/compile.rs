//! Compiling one pack for the commands that need its program (`build`, `disasm`, `run`).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use glass_compiler::build::{is_pack, pack_program};
use glass_compiler::codegen::Output;
use glass_compiler::scope::Scope;

use crate::inputs::{self, UsageError};
use crate::render::{self, Sources};
use crate::session::Session;

/// A pack compiled from source, with what lets tools speak glass about it.
pub struct Source {
    pub scope: Arc<Scope>,
    pub output: Arc<Output>,
    /// The pack file's text (its path is the one the command was given).
    pub text: String,
}

/// Loads a pack with its profiles and compiles it, printing every diagnostic on stderr.
/// `Ok(Err(code))` is the exit code of a pack that does not compile; `verb` says what was not
/// done (`built`, `run`).
pub fn compile(pack: &Path, profiles: &[PathBuf], verb: &str) -> Result<Result<Source, ExitCode>, UsageError> {
    let session = Session::new(inputs::load(&[pack.to_path_buf()], profiles)?);
    let sources = Sources::new(session.files.iter().map(|(i, _)| (i.path.as_str(), i.text.as_str())));
    let color = std::io::stderr().is_terminal();
    let diagnostics = session.diagnostics();
    for (file, d) in &diagnostics {
        eprint!("{}", render::human(d, &session.files[*file].0.path, &sources, color));
    }
    if diagnostics.iter().any(|(_, d)| d.is_error()) {
        eprintln!("error: `{}` has errors; nothing was {verb}", pack.display());
        return Ok(Err(ExitCode::FAILURE));
    }
    let Some((input, Some(file))) = session.files.first() else {
        return Err(UsageError(format!("cannot read `{}`", pack.display())));
    };
    if !is_pack(&session.db, *file) {
        return Err(UsageError(format!("`{}` has only profiles: there is no pack here", pack.display())));
    }
    match pack_program(&session.db, session.ws, *file) {
        Ok(output) => Ok(Ok(Source {
            scope: glass_compiler::db::pack_scope(&session.db, session.ws, *file),
            output: output.clone(),
            text: input.text.clone(),
        })),
        Err(diagnostics) => {
            for d in diagnostics {
                eprint!("{}", render::human(d, &input.path, &sources, color));
            }
            eprintln!("error: `{}` does not fit the runtime; nothing was {verb}", pack.display());
            Ok(Err(ExitCode::FAILURE))
        }
    }
}
