//! Building a pack: its rules compiled to bytecode and its tests resolved, as queries on top of
//! the checking queries of `db`.
//!
//! ```text
//!   pack_program_in(ws, file, target)   file_diagnostics clean? then every rule → codegen::generate
//!   pack_tests_in(ws, file, target)     every test lowered to ir::Test
//! ```
//!
//! A pack for a family is built and tested once per product (`db::pack_targets`); any other
//! pack, as written (`pack_program`, `pack_tests`).

use std::sync::Arc;

use crate::codegen::{self, RuleSites, RuleSource};
use crate::codes;
use crate::db::{
    SourceFile, Target, Workspace, check_item_in, file_diagnostics, file_items, has_errors, pack_scope_in, parse_item,
};
use crate::diagnostic::Diagnostic;
use crate::ir;
use crate::span::Span;
use crate::syntax::ast::ItemKind;

/// A file is a pack when it has anything besides profiles: rules, tests or pack declarations.
pub fn is_pack(db: &dyn salsa::Database, file: SourceFile) -> bool {
    file_items(db, file).iter().any(|item| !matches!(parse_item(db, item.text).item.kind, ItemKind::Profile(_)))
}

/// The pack compiled, or the errors that stop it: the file's own errors first (nothing is
/// compiled from a pack that does not check), then the runtime's limits.
#[salsa::tracked(returns(ref))]
pub fn pack_program_in<'db>(
    db: &'db dyn salsa::Database,
    ws: Workspace,
    file: SourceFile,
    target: Target<'db>,
) -> Result<Arc<codegen::Output>, Vec<Diagnostic>> {
    let diagnostics = file_diagnostics(db, ws, file);
    if has_errors(diagnostics) {
        return Err(diagnostics.iter().filter(|d| d.is_error()).cloned().collect());
    }
    let scope = pack_scope_in(db, ws, file, target);
    if let Some(family) = scope.profiles.iter().find(|p| p.family) {
        return Err(vec![no_product(db, file, &family.name)]);
    }
    // A profile with errors lowers with error types, which codegen cannot encode: a pack is built
    // only against profiles that check clean too (their errors are in their own files).
    let mut profile_files: Vec<SourceFile> = Vec::new();
    for profile in &scope.profiles {
        let declaring = ws.files(db).iter().find(|f| **f.path(db) == *profile.origin.file);
        if let Some(&f) = declaring.filter(|f| **f != file && !profile_files.contains(f)) {
            profile_files.push(f);
        }
    }
    let profile_errors: Vec<Diagnostic> = profile_files
        .iter()
        .flat_map(|f| file_diagnostics(db, ws, *f).iter().filter(|d| d.is_error()).cloned())
        .collect();
    if !profile_errors.is_empty() {
        return Err(profile_errors);
    }
    let mut lines = Lines::new(file.text(db));
    let mut rules = Vec::new();
    for item in file_items(db, file) {
        let checked = check_item_in(db, ws, file, item.text, target);
        if let (Some(rule), ItemKind::Rule(decl)) = (checked.rule.clone(), &parse_item(db, item.text).item.kind) {
            let sites = RuleSites::of(decl, &checked.triggers).shifted(item.offset);
            rules.push((rule, lines.line_of(item.offset), sites));
        }
    }
    let sources: Vec<RuleSource<'_>> =
        rules.iter().map(|(rule, line, sites)| RuleSource { rule, line: *line, sites: sites.clone() }).collect();
    codegen::generate(&scope, &sources).map(Arc::new)
}

/// What a pack is built for: each product in its families' place for a pack written for
/// families, else the pack as written.
pub fn build_targets(db: &dyn salsa::Database, ws: Workspace, file: SourceFile) -> Vec<Target<'_>> {
    match crate::db::pack_targets(db, ws, file).as_slice() {
        [] => vec![Target::written(db)],
        targets => targets.to_vec(),
    }
}

/// The pack as written, compiled: a pack for a family is compiled per product instead.
pub fn pack_program(
    db: &dyn salsa::Database,
    ws: Workspace,
    file: SourceFile,
) -> &Result<Arc<codegen::Output>, Vec<Diagnostic>> {
    pack_program_in(db, ws, file, Target::written(db))
}

/// A family has no bytecode of its own: its products' profiles say what each event and action is.
fn no_product(db: &dyn salsa::Database, file: SourceFile, family: &str) -> Diagnostic {
    let span = crate::check::pack::decl_span(&crate::db::pack_decls(db, file), family);
    Diagnostic::error(codes::NO_PRODUCT, format!("the pack is for the family `{family}`, and no product was chosen"), span)
        .with_label_message("a family, not a product")
        .with_help(format!(
            "a pack for a family is built for each product that implements it; pass the profiles that say `implements {family}`"
        ))
}

/// A test of the pack, resolved, with where it is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PackTest {
    pub test: ir::Test,
    /// The test item's span in its file; step spans are relative to its start.
    pub span: Span,
    pub line: u32,
}

/// The tests of a pack that checks clean, in source order.
#[salsa::tracked(returns(ref))]
pub fn pack_tests_in<'db>(
    db: &'db dyn salsa::Database,
    ws: Workspace,
    file: SourceFile,
    target: Target<'db>,
) -> Vec<PackTest> {
    let scope = pack_scope_in(db, ws, file, target);
    let mut lines = Lines::new(file.text(db));
    let mut tests = Vec::new();
    for item in file_items(db, file) {
        let parsed = parse_item(db, item.text);
        let ItemKind::Test(decl) = &parsed.item.kind else { continue };
        let checked = check_item_in(db, ws, file, item.text, target);
        if !parsed.errors.is_empty() || has_errors(&checked.diagnostics) {
            continue;
        }
        if let Some(test) = crate::lower::lower_test(&scope, decl, &checked.references) {
            tests.push(PackTest {
                test,
                span: item_span(item.offset, item.text.text(db)),
                line: lines.line_of(item.offset),
            });
        }
    }
    tests
}

/// The tests of the pack as written.
pub fn pack_tests(db: &dyn salsa::Database, ws: Workspace, file: SourceFile) -> &Vec<PackTest> {
    pack_tests_in(db, ws, file, Target::written(db))
}

fn item_span(offset: u32, text: &str) -> Span {
    Span::new(offset, offset.saturating_add(u32::try_from(text.len()).unwrap_or(u32::MAX)))
}

/// Lines of offsets asked for in increasing order (the items of a file), counted from where the
/// last one was: linear in the file, where `line_of` for each item would be quadratic.
struct Lines<'a> {
    text: &'a str,
    offset: u32,
    line: u32,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Lines { text, offset: 0, line: 1 }
    }

    fn line_of(&mut self, offset: u32) -> u32 {
        if offset < self.offset {
            *self = Lines::new(self.text);
        }
        let (from, to) = (self.offset as usize, (offset as usize).min(self.text.len()));
        let newlines = self.text.as_bytes().get(from..to).map_or(0, |b| b.iter().filter(|b| **b == b'\n').count());
        self.line = self.line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        self.offset = offset;
        self.line
    }
}

/// The 1-based line of a byte offset.
pub fn line_of(text: &str, offset: u32) -> u32 {
    let end = (offset as usize).min(text.len());
    let newlines = text.as_bytes()[..end].iter().filter(|b| **b == b'\n').count();
    u32::try_from(newlines).unwrap_or(u32::MAX).saturating_add(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_counted_on_the_way_agree_with_counting_from_the_start() {
        let text = "a\nb\n\nc 眼镜\nd";
        let mut lines = Lines::new(text);
        for offset in (0..=text.len() as u32 + 2).chain([3, 0, 9, 1]) {
            assert_eq!(lines.line_of(offset), line_of(text, offset), "at {offset}");
        }
    }
}
