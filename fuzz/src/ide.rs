//! Source text through the queries the language server answers from (`glass_compiler::ide`),
//! as a user typing would reach them: hover, completion, definition, references and rename at
//! every offset (every byte of a short text, one past the end included), and the outline,
//! semantic tokens, diagnostics and quick fixes of the whole file.
//!
//! Every span a query returns must lie inside its file on character boundaries: the server turns
//! them into line and UTF-16 column positions.

use glass_compiler::db::file_diagnostics;
use glass_compiler::ide;
use glass_compiler::span::Span;

use crate::fixture::{self, Fixture};

/// Texts up to this long are queried at every offset; longer ones at this many offsets.
const EVERY_OFFSET_UP_TO: usize = 1024;

pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    fixture::with(|f| {
        f.set(&text, "");
        let len = text.len();
        let check = |span: Span, what: &str| assert_in(&text, span, what);
        for symbol in ide::symbols(&f.db, f.pack) {
            check_symbol(&text, &symbol);
        }
        for (span, _) in ide::semantic_tokens(&f.db, f.ws, f.pack) {
            check(span, "a semantic token");
        }
        let _ = file_diagnostics(&f.db, f.ws, f.pack);
        for fix in ide::fixes(&f.db, f.ws, f.pack, Span::new(0, len as u32)) {
            check(fix.span, "a quick fix");
        }
        let step = len.div_ceil(EVERY_OFFSET_UP_TO).max(1);
        for offset in (0..=len).step_by(step).chain([len]) {
            at(f, &text, offset as u32);
        }
    });
}

fn at(f: &Fixture, text: &str, offset: u32) {
    let check = |span: Span, what: &str| assert_in(text, span, what);
    if let Some((span, _)) = ide::hover(&f.db, f.ws, f.pack, offset) {
        check(span, "a hover range");
    }
    let _ = ide::completions(&f.db, f.ws, f.pack, offset);
    if let Some(origin) = ide::definition(&f.db, f.ws, f.pack, offset) {
        let target = f.files.iter().find(|(p, _)| **p == *origin.file).map(|(_, t)| t.as_str());
        match target {
            Some(target) => assert_in(target, origin.span, "a definition"),
            None => panic!("a definition in a file that is not loaded: {}", origin.file),
        }
    }
    for span in ide::references(&f.db, f.ws, f.pack, offset) {
        check(span, "a reference");
    }
    if let Ok(edits) = ide::rename(&f.db, f.ws, f.pack, offset, "renamed") {
        for (span, _) in edits {
            check(span, "a rename edit");
        }
    }
}

fn check_symbol(text: &str, symbol: &ide::Symbol) {
    assert_in(text, symbol.span, "a symbol");
    assert_in(text, symbol.name_span, "a symbol's name");
    for child in &symbol.children {
        check_symbol(text, child);
    }
}

fn assert_in(text: &str, span: Span, what: &str) {
    let (start, end) = (span.start as usize, span.end as usize);
    assert!(start <= end && end <= text.len(), "{what} {span:?} is outside the file ({} bytes)", text.len());
    assert!(text.is_char_boundary(start) && text.is_char_boundary(end), "{what} {span:?} splits a character");
}
