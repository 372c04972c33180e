//! Compiling one pack for the commands that need its program (`build`, `disasm`, `run`).
//!
//! A pack written for a family (`use glasses`) has one program per product that implements the
//! family: `build` writes each, and `disasm` and `run` take the one `--product` names (or the only
//! one there is).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use glass_compiler::build::{build_targets, is_pack, pack_program_in};
use glass_compiler::codegen::Output;
use glass_compiler::db::{pack_scope_in, pack_targets};
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
    /// The product it was compiled for, when the pack is written for a family.
    pub product: Option<String>,
}

/// Loads a pack with its profiles and compiles it once: for the product `product` names, which a
/// pack for a family with more than one product needs. Every diagnostic goes to stderr.
/// `Ok(Err(code))` is the exit code of a pack that does not compile; `verb` says what was not
/// done (`built`, `run`).
pub fn compile(
    pack: &Path,
    profiles: &[PathBuf],
    verb: &str,
    product: Option<&str>,
) -> Result<Result<Source, ExitCode>, UsageError> {
    match compile_each(pack, profiles, verb, product)? {
        Ok(mut sources) if sources.len() == 1 => Ok(Ok(sources.remove(0))),
        Ok(sources) => {
            let names: Vec<&str> = sources.iter().filter_map(|s| s.product.as_deref()).collect();
            Err(UsageError(format!(
                "`{}` is written for a family of {} products; choose one with `--product` ({})",
                pack.display(),
                names.len(),
                names.join(", ")
            )))
        }
        Err(code) => Ok(Err(code)),
    }
}

/// Loads a pack with its profiles and compiles it for each product it is for (one program for a
/// pack that is not written for a family), or for the one `product` names.
pub fn compile_each(
    pack: &Path,
    profiles: &[PathBuf],
    verb: &str,
    product: Option<&str>,
) -> Result<Result<Vec<Source>, ExitCode>, UsageError> {
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
    let db = &session.db;
    let mut targets = build_targets(db, session.ws, *file);
    if let Some(wanted) = product {
        let products = pack_targets(db, session.ws, *file);
        if products.is_empty() {
            return Err(UsageError(format!(
                "`{}` is not written for a family: `--product` chooses one product of a family's pack",
                pack.display()
            )));
        }
        targets.retain(|t| t.products(db).iter().any(|(_, p)| p == wanted));
        if targets.is_empty() {
            let names: Vec<String> = products.iter().filter_map(|t| t.label(db)).collect();
            return Err(UsageError(format!(
                "`{wanted}` is not a product this pack is for; it is for {}",
                names.join(", ")
            )));
        }
    }
    let mut out = Vec::new();
    for target in targets {
        match pack_program_in(db, session.ws, *file, target) {
            Ok(output) => out.push(Source {
                scope: pack_scope_in(db, session.ws, *file, target),
                output: output.clone(),
                text: input.text.clone(),
                product: target.label(db),
            }),
            Err(diagnostics) => {
                for d in diagnostics {
                    eprint!("{}", render::human(d, &input.path, &sources, color));
                }
                let what = target.label(db).map(|p| format!(" for `{p}`")).unwrap_or_default();
                let why = if diagnostics.iter().any(|d| d.code == glass_compiler::codes::NO_PRODUCT) {
                    "has no product to be compiled for"
                } else {
                    "does not fit the runtime"
                };
                eprintln!("error: `{}` {why}{what}; nothing was {verb}", pack.display());
                return Ok(Err(ExitCode::FAILURE));
            }
        }
    }
    Ok(Ok(out))
}
