//! Fuzz targets for glass. Each module is one target: a function from bytes to nothing that
//! panics (or hangs, or grows without bound) only on a bug.
//!
//! - [`check`]: source text through split, parse, check, render, fmt and codegen.
//! - [`ide`]: source text through every language-server query at every offset.
//! - [`bytecode`]: bytes through verify, disassembly and both engines.
//! - [`trace`]: stimuli with extreme clocks through the example packs, on both engines.
//! - [`generated`]: structure-aware packs ([`generate`]) through check, fmt, build and their tests,
//!   interpreter against JIT.
//!
//! `cargo +nightly fuzz run TARGET` drives them with libFuzzer (`fuzz_targets/`, built with
//! `--cfg fuzzing`); on stable each target's binary replays the files it is given, and
//! `tests/replay.rs` replays the committed corpus (`corpus/TARGET`) and every past finding
//! (`regressions/TARGET`) in `cargo test`.

pub mod bytecode;
pub mod check;
mod drive;
mod fixture;
pub mod generate;
pub mod generated;
pub mod ide;
pub mod trace;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The plain entry point of a target: runs it on every file named on the command line (folders
/// are read recursively). A failure panics, naming nothing: the file being run is printed first.
pub fn replay_main(target: fn(&[u8])) -> ExitCode {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        eprintln!("usage: TARGET FILE|FOLDER...  (runs the target on each file)");
        return ExitCode::from(2);
    }
    let mut count = 0usize;
    for path in paths {
        match inputs(&path) {
            Ok(files) => {
                for file in files {
                    eprintln!("{}", file.display());
                    match std::fs::read(&file) {
                        Ok(bytes) => target(&bytes),
                        Err(e) => {
                            eprintln!("error: cannot read `{}`: {e}", file.display());
                            return ExitCode::from(2);
                        }
                    }
                    count += 1;
                }
            }
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    eprintln!("ran {count} inputs");
    ExitCode::SUCCESS
}

/// The files at `path`: itself, or every file below it, in sorted order.
pub fn inputs(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    entries.sort();
    for entry in entries {
        out.extend(inputs(&entry)?);
    }
    Ok(out)
}

/// The repository's root (the fuzz crate sits one level below it).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}
