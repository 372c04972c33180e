//! Loaded input files in one compiler database.

use glass_compiler::codes;
use glass_compiler::db::{Database, SourceFile, Workspace, file_diagnostics};
use glass_compiler::diagnostic::Diagnostic;
use glass_compiler::span::Span;

use crate::inputs::Input;

pub struct Session {
    pub db: Database,
    pub ws: Workspace,
    /// Every input, and its database file when it is valid text.
    pub files: Vec<(Input, Option<SourceFile>)>,
}

impl Session {
    pub fn new(inputs: Vec<Input>) -> Self {
        let db = Database::default();
        let files: Vec<(Input, Option<SourceFile>)> = inputs
            .into_iter()
            .map(|input| {
                let file = input
                    .invalid_utf8
                    .is_none()
                    .then(|| SourceFile::new(&db, input.path.as_str().into(), input.text.clone()));
                (input, file)
            })
            .collect();
        let ws = Workspace::new(&db, files.iter().filter_map(|(_, f)| *f).collect());
        Session { db, ws, files }
    }

    /// Every diagnostic, by input index, in input order.
    pub fn diagnostics(&self) -> Vec<(usize, Diagnostic)> {
        let mut out = Vec::new();
        for (i, (input, file)) in self.files.iter().enumerate() {
            match (file, input.invalid_utf8) {
                (Some(file), _) => {
                    out.extend(file_diagnostics(&self.db, self.ws, *file).iter().map(|d| (i, d.clone())))
                }
                (None, Some(offset)) => out.push((
                    i,
                    Diagnostic::error(
                        codes::INVALID_UTF8,
                        "this file is not UTF-8 text",
                        // The text is the lossy decoding: the bad bytes became a replacement character.
                        replacement_span(&input.text, offset),
                    )
                    .with_label_message("the first byte that is not UTF-8")
                    .with_help("glass files are UTF-8 text; is this a binary file, or saved in another encoding?"),
                )),
                (None, None) => {}
            }
        }
        out
    }
}

/// The span of the character at `offset` in the lossily decoded text (the first bad byte).
fn replacement_span(text: &str, offset: usize) -> Span {
    let len = text.get(offset..).and_then(|t| t.chars().next()).map_or(0, char::len_utf8);
    Span::new(offset as u32, (offset + len) as u32)
}
