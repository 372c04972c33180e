//! One compiler database per thread, holding the example profiles and two files the targets
//! write into: a pack and a profile file. Only the fuzzed texts change from one input to the
//! next, so salsa reuses the profiles' work (and the incremental paths get fuzzed too).

use std::cell::RefCell;

use glass_compiler::db::{Database, SourceFile, Workspace};
use salsa::Setter;

pub const PACK_PATH: &str = "fuzz/pack.glass";
pub const PROFILE_PATH: &str = "fuzz/profile.glass";

pub struct Fixture {
    pub db: Database,
    pub ws: Workspace,
    pub pack: SourceFile,
    pub profile: SourceFile,
    /// Every file of the workspace: path and text, the fuzzed two first.
    pub files: Vec<(String, String)>,
}

/// The example profiles (`examples/profiles/*.glass`), read once.
pub fn example_profiles() -> &'static [(String, String)] {
    static PROFILES: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    PROFILES.get_or_init(|| {
        let dir = crate::repo_root().join("examples/profiles");
        let files = crate::inputs(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "glass"))
            .map(|p| {
                let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
                (format!("examples/profiles/{}", p.file_name().unwrap_or_default().to_string_lossy()), text)
            })
            .collect()
    })
}

impl Fixture {
    fn new() -> Self {
        let db = Database::default();
        let pack = SourceFile::new(&db, PACK_PATH.into(), String::new());
        let profile = SourceFile::new(&db, PROFILE_PATH.into(), String::new());
        let mut files = vec![(PACK_PATH.to_string(), String::new()), (PROFILE_PATH.to_string(), String::new())];
        let mut sources = vec![pack, profile];
        for (path, text) in example_profiles() {
            sources.push(SourceFile::new(&db, path.as_str().into(), text.clone()));
            files.push((path.clone(), text.clone()));
        }
        let ws = Workspace::new(&db, sources);
        Fixture { db, ws, pack, profile, files }
    }

    /// Puts new texts in the pack and the profile file (unchanged texts are not set, so salsa
    /// keeps what it knows about them).
    pub fn set(&mut self, pack: &str, profile: &str) {
        if self.pack.text(&self.db) != pack {
            self.pack.set_text(&mut self.db).to(pack.to_string());
            self.files[0].1 = pack.to_string();
        }
        if self.profile.text(&self.db) != profile {
            self.profile.set_text(&mut self.db).to(profile.to_string());
            self.files[1].1 = profile.to_string();
        }
    }
}

thread_local! {
    static FIXTURE: RefCell<Option<Fixture>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's fixture.
pub fn with<R>(f: impl FnOnce(&mut Fixture) -> R) -> R {
    FIXTURE.with(|cell| {
        let mut slot = cell.borrow_mut();
        f(slot.get_or_insert_with(Fixture::new))
    })
}
