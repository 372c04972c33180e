//! Finding the `.glass` files a command works on.

use std::path::{Path, PathBuf};

/// A file read from disk.
#[derive(Clone, Debug)]
pub struct Input {
    /// The path as shown to the user.
    pub path: String,
    pub text: String,
    /// Byte offset of the first invalid UTF-8 sequence, when the file is not text.
    pub invalid_utf8: Option<usize>,
}

/// A problem with the command line or the file system (exit code 2).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The `.glass` files named by `paths`: files as given, folders searched recursively (in sorted
/// order, so output is stable).
pub fn glass_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, UsageError> {
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| UsageError(format!("cannot read `{}`: {e}", path.display())))?;
        if meta.is_dir() {
            walk(path, &mut out)?;
        } else {
            out.push(path.clone());
        }
    }
    dedup(&mut out);
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), UsageError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| UsageError(format!("cannot read folder `{}`: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "glass") {
            out.push(path);
        }
    }
    Ok(())
}

fn dedup(paths: &mut Vec<PathBuf>) {
    let mut seen = std::collections::HashSet::new();
    paths.retain(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
}

/// Profile folders found automatically: a `profiles` folder beside the inputs or beside any of
/// their parent folders (so `examples/packs/x/pack.glass` finds `examples/profiles`).
pub fn nearby_profile_dirs(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for path in paths {
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        for ancestor in abs.ancestors() {
            let candidate = ancestor.join("profiles");
            if candidate.is_dir() && !dirs.contains(&candidate) {
                dirs.push(candidate);
                break;
            }
        }
    }
    dirs
}

/// The largest file the compiler reads: spans are 32-bit byte offsets.
pub const MAX_FILE_BYTES: u64 = u32::MAX as u64;

pub fn read(path: &Path) -> Result<Input, UsageError> {
    let cannot = |e: std::io::Error| UsageError(format!("cannot read `{}`: {e}", path.display()));
    // Checked before reading, so a huge file is neither loaded nor given spans that wrap.
    let len = std::fs::metadata(path).map_err(cannot)?.len();
    if len > MAX_FILE_BYTES {
        return Err(UsageError(format!(
            "`{}` is {len} bytes; a glass file can be at most {MAX_FILE_BYTES} bytes (4 GiB): split it into several packs",
            path.display()
        )));
    }
    let bytes = std::fs::read(path).map_err(cannot)?;
    let shown = path.display().to_string();
    Ok(match String::from_utf8(bytes) {
        Ok(text) => Input { path: shown, text, invalid_utf8: None },
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            Input { path: shown, text: String::from_utf8_lossy(e.as_bytes()).into_owned(), invalid_utf8: Some(offset) }
        }
    })
}

/// The files to compile: the named ones, then profiles from `profile_dirs` and from `profiles`
/// folders near the inputs (each file once).
pub fn load(paths: &[PathBuf], profile_dirs: &[PathBuf]) -> Result<Vec<Input>, UsageError> {
    let mut files = glass_files(paths)?;
    if files.is_empty() {
        return Err(UsageError("no .glass files found in the given paths".into()));
    }
    let mut dirs = profile_dirs.to_vec();
    dirs.extend(nearby_profile_dirs(paths));
    files.extend(glass_files(&dirs)?);
    dedup(&mut files);
    files.iter().map(|p| read(p)).collect()
}
