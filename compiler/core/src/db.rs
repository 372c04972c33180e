//! The compiler as a salsa query database.
//!
//! Inputs: `SourceFile` (a path and its text) and `Workspace` (the files compiled together).
//! Queries, from the bottom up:
//!
//! ```text
//!   file_items(file)            cut the text into items (cheap; re-runs on every edit)
//!   parse_item(item)            keyed by the item's text, so an unchanged rule is never re-parsed
//!   file_profiles(file)         lower the profiles a file declares
//!   profile_index(ws)           every profile by name
//!   file_decls(file)            the pack's use/permit/var items
//!   pack_scope(ws, file)        what the pack's rules can name (backdated when unchanged)
//!   check_item(ws, file, item)  resolve and typecheck one rule or test; lower a rule that
//!                               checks and report the runtime limits it exceeds
//!   file_diagnostics(ws, file)  everything above, with absolute spans, sorted
//! ```
//!
//! Editing one rule re-runs `file_items`, `parse_item` and `check_item` for that rule only, plus
//! the cheap file-level collection; every other rule's results are reused.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::check::{self, ItemCheck};
use crate::codes;
use crate::diagnostic::{Diagnostic, Severity};
use crate::ir;
use crate::model::{ProfileModel, lower_profile};
use crate::scope::Scope;
use crate::span::Span;
use crate::syntax::ast::ItemKind;
use crate::syntax::{ParsedItem, parse_item_text, split_items};

/// At most this many diagnostics are reported per file; the rest are summarised by E0010.
pub const MAX_DIAGNOSTICS_PER_FILE: usize = 200;

#[salsa::input(debug)]
pub struct SourceFile {
    #[returns(ref)]
    pub path: Arc<str>,
    #[returns(ref)]
    pub text: String,
}

#[salsa::input(debug)]
pub struct Workspace {
    #[returns(ref)]
    pub files: Vec<SourceFile>,
}

/// The text of one item, interned: two items with the same text are one key.
#[salsa::interned(debug)]
pub struct ItemText<'db> {
    #[returns(ref)]
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, salsa::SalsaValue)]
pub struct FileItem<'db> {
    /// Byte offset of the item in its file.
    pub offset: u32,
    pub text: ItemText<'db>,
}

#[salsa::tracked(returns(ref))]
pub fn file_items(db: &dyn salsa::Database, file: SourceFile) -> Vec<FileItem<'_>> {
    let text = file.text(db);
    split_items(text)
        .into_iter()
        .map(|span| FileItem { offset: span.start, text: ItemText::new(db, text[span.range()].to_string()) })
        .collect()
}

#[salsa::tracked(returns(ref))]
pub fn parse_item<'db>(db: &'db dyn salsa::Database, item: ItemText<'db>) -> ParsedItem {
    parse_item_text(item.text(db))
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FileProfiles {
    pub profiles: Vec<Arc<ProfileModel>>,
    pub diagnostics: Vec<Diagnostic>,
}

#[salsa::tracked(returns(ref))]
pub fn file_profiles(db: &dyn salsa::Database, file: SourceFile) -> FileProfiles {
    let mut out = FileProfiles { profiles: Vec::new(), diagnostics: Vec::new() };
    for item in file_items(db, file) {
        if let ItemKind::Profile(decl) = &parse_item(db, item.text).item.kind {
            let (model, diags) = lower_profile(decl, file.path(db), item.offset);
            out.profiles.push(Arc::new(model));
            out.diagnostics.extend(diags);
        }
    }
    out
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ProfileIndex {
    pub by_name: BTreeMap<String, Arc<ProfileModel>>,
    /// Profiles defined twice, reported in the file of the second definition.
    pub duplicates: Vec<(Arc<str>, Diagnostic)>,
}

#[salsa::tracked(returns(ref))]
pub fn profile_index(db: &dyn salsa::Database, ws: Workspace) -> ProfileIndex {
    let mut index = ProfileIndex::default();
    for file in ws.files(db) {
        for p in &file_profiles(db, *file).profiles {
            if let Some(first) = index.by_name.get(&p.name) {
                let d = Diagnostic::error(
                    codes::PROFILE_DUPLICATE,
                    format!("the profile `{}` is defined twice", p.name),
                    p.origin.span,
                )
                .with_label_message("defined again here")
                .with_secondary_in(first.origin.file.clone(), first.origin.span, "first defined here")
                .with_help("rename one of the profiles or pass only one of the files");
                index.duplicates.push((p.origin.file.clone(), d));
            } else {
                index.by_name.insert(p.name.clone(), p.clone());
            }
        }
    }
    index
}

/// The items that make up the pack's scope. Editing a rule leaves this unchanged.
#[salsa::tracked(returns(ref))]
pub fn file_decls(db: &dyn salsa::Database, file: SourceFile) -> Vec<FileItem<'_>> {
    file_items(db, file)
        .iter()
        // Items start with their keyword, so the text tells without parsing all 10,000 rules
        // of a large pack on every edit; the scope still reads each declaration's tree.
        .filter(|item| {
            let text = item.text.text(db);
            ["use", "permit", "var", "limit"].iter().any(|kw| {
                text.strip_prefix(kw)
                    .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            })
        })
        .copied()
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ScopeResult {
    pub scope: Arc<Scope>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Which product stands for each family a pack uses (`(family, product)`, by family name): the
/// pack as written has none, and is checked against the families themselves; a pack for a family
/// is also checked, built and tested with each product in its family's place (see `family`).
#[salsa::interned(debug)]
pub struct Target<'db> {
    #[returns(ref)]
    pub products: Vec<(String, String)>,
}

impl<'db> Target<'db> {
    /// The pack as written.
    pub fn written(db: &'db dyn salsa::Database) -> Self {
        Target::new(db, Vec::new())
    }

    /// The products, for people: `ray-ban-meta`, or `ray-ban-meta, meta-ai-phone`; `None` for
    /// the pack as written.
    pub fn label(self, db: &'db dyn salsa::Database) -> Option<String> {
        let products = self.products(db);
        (!products.is_empty()).then(|| products.iter().map(|(_, p)| p.as_str()).collect::<Vec<_>>().join(", "))
    }
}

/// The pack's declarations as `(offset, item)` pairs, in file order.
pub(crate) fn pack_decls(db: &dyn salsa::Database, file: SourceFile) -> Vec<(u32, &ItemKind)> {
    file_decls(db, file).iter().map(|item| (item.offset, &parse_item(db, item.text).item.kind)).collect()
}

#[salsa::tracked(returns(ref))]
pub fn pack_scope_result_in<'db>(
    db: &'db dyn salsa::Database,
    ws: Workspace,
    file: SourceFile,
    target: Target<'db>,
) -> ScopeResult {
    let decls = pack_decls(db, file);
    let (scope, diagnostics) = check::build_scope(&decls, &profile_index(db, ws).by_name, target.products(db));
    ScopeResult { scope: Arc::new(scope), diagnostics }
}

/// The scope of the pack as written, and what is wrong with its declarations.
pub fn pack_scope_result(db: &dyn salsa::Database, ws: Workspace, file: SourceFile) -> &ScopeResult {
    pack_scope_result_in(db, ws, file, Target::written(db))
}

/// The scope alone: when a change leaves it equal, salsa backdates it and no rule is re-checked.
#[salsa::tracked(returns(clone))]
pub fn pack_scope_in<'db>(
    db: &'db dyn salsa::Database,
    ws: Workspace,
    file: SourceFile,
    target: Target<'db>,
) -> Arc<Scope> {
    pack_scope_result_in(db, ws, file, target).scope.clone()
}

/// The scope of the pack as written.
pub fn pack_scope(db: &dyn salsa::Database, ws: Workspace, file: SourceFile) -> Arc<Scope> {
    pack_scope_in(db, ws, file, Target::written(db))
}

/// The products a pack for families stands for: one target per way of choosing a product for
/// each family it uses (none for a pack that uses no family).
#[salsa::tracked(returns(ref))]
pub fn pack_targets(db: &dyn salsa::Database, ws: Workspace, file: SourceFile) -> Vec<Target<'_>> {
    let scope = pack_scope(db, ws, file);
    if !scope.profiles.iter().any(|p| p.family) {
        return Vec::new();
    }
    let profiles = &profile_index(db, ws).by_name;
    let mut choices: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for family in scope.profiles.iter().filter(|p| p.family) {
        let products: Vec<&str> =
            crate::family::implementers(profiles, &family.name).map(|p| p.name.as_str()).collect();
        choices = choices
            .iter()
            .flat_map(|chosen| {
                products.iter().map(move |p| {
                    let mut next = chosen.clone();
                    next.push((family.name.clone(), p.to_string()));
                    next
                })
            })
            .collect();
    }
    choices.into_iter().map(|products| Target::new(db, products)).collect()
}

/// Resolves and typechecks one rule or test against the scope of `target`. Spans are relative
/// to the item. A rule that checks is lowered, and the runtime limits it exceeds are reported
/// here too (E0600), so `glassc check` and editors see them without compiling the pack, at no
/// extra query per rule.
#[salsa::tracked(returns(ref))]
pub fn check_item_in<'db>(
    db: &'db dyn salsa::Database,
    ws: Workspace,
    file: SourceFile,
    item: ItemText<'db>,
    target: Target<'db>,
) -> ItemCheck {
    let scope = pack_scope_in(db, ws, file, target);
    let parsed = parse_item(db, item);
    let mut checked = check::check_item(&scope, &parsed.item.kind);
    if let ItemKind::Rule(decl) = &parsed.item.kind
        && parsed.errors.is_empty()
        && !has_errors(&checked.diagnostics)
        && let Some(rule) = crate::lower::lower_rule(&scope, decl, &checked.triggers, &checked.references)
    {
        let sites = crate::codegen::RuleSites::of(decl, &checked.triggers);
        let source = crate::codegen::RuleSource { rule: &rule, line: 0, sites };
        checked.diagnostics.extend(crate::codegen::rule_limits(&scope, &source));
        if !has_errors(&checked.diagnostics) {
            checked.rule = Some(Arc::new(rule));
        }
    }
    checked
}

/// One rule or test of the pack as written, checked.
pub fn check_item<'db>(
    db: &'db dyn salsa::Database,
    ws: Workspace,
    file: SourceFile,
    item: ItemText<'db>,
) -> &'db ItemCheck {
    check_item_in(db, ws, file, item, Target::written(db))
}

/// The resolved form of a rule that checked without errors (`None` for other items or errors).
pub fn rule_ir<'db>(
    db: &'db dyn salsa::Database,
    ws: Workspace,
    file: SourceFile,
    item: ItemText<'db>,
) -> Option<Arc<ir::Rule>> {
    check_item(db, ws, file, item).rule.clone()
}

/// Every diagnostic of a file, with absolute spans, in source order.
#[salsa::tracked(returns(ref))]
pub fn file_diagnostics(db: &dyn salsa::Database, ws: Workspace, file: SourceFile) -> Vec<Diagnostic> {
    let items = file_items(db, file);
    let mut out: Vec<Diagnostic> = Vec::new();
    if items.is_empty() {
        out.push(
            Diagnostic::error(
                codes::EMPTY_FILE,
                "this file has no rules, tests or profiles",
                Span::new(0, file.text(db).len() as u32),
            )
            .with_label_message("nothing but comments and blank lines")
            .with_help("a pack starts with `use PROFILE` and then its rules, e.g. `on button-press: record photo`"),
        );
        return out;
    }
    let mut is_pack = false;
    let mut has_use = false;
    let mut first_rule: Option<Span> = None;
    let mut names: HashMap<(bool, &str), Span> = HashMap::with_capacity(items.len());
    let mut permissions_used: Vec<String> = Vec::new();
    let mut limits_used: Vec<usize> = Vec::new();
    // A rule with errors may use permissions nobody can see yet: then W0301 would be noise.
    let mut broken = false;
    // The events each rule reacts to, by item: a fix that would make a rule react to an event
    // another rule already handles is not certain (see `uncertain_event_fixes`).
    let mut reacts_to: Vec<(u32, usize)> = Vec::new();
    for item in items {
        let parsed = parse_item(db, item.text);
        out.extend(parsed.errors.iter().map(|d| d.clone().shifted(item.offset)));
        broken |= !parsed.errors.is_empty();
        let name = match &parsed.item.kind {
            ItemKind::Profile(_) | ItemKind::Error => continue,
            ItemKind::Use(_) => {
                has_use = true;
                None
            }
            ItemKind::Rule(r) => r.name.as_ref().map(|n| (false, n.node.as_str(), n.span)),
            ItemKind::Test(t) => Some((true, t.name.node.as_str(), t.name.span)),
            _ => None,
        };
        is_pack = true;
        if let Some((is_test, name, span)) = name {
            let span = span.shift(item.offset);
            if let Some(first) = names.get(&(is_test, name)) {
                let what = if is_test { "test" } else { "rule" };
                out.push(
                    Diagnostic::error(codes::DUPLICATE_NAME, format!("there is already a {what} named `{name}`"), span)
                        .with_label_message("named again here")
                        .with_secondary(*first, "first named here")
                        .with_help(format!("give each {what} its own name")),
                );
            } else {
                names.insert((is_test, name), span);
            }
        }
        if matches!(parsed.item.kind, ItemKind::Rule(_) | ItemKind::Test(_)) {
            first_rule.get_or_insert(parsed.item.span.shift(item.offset));
            let checked = check_item(db, ws, file, item.text);
            // Where the parser could not read what was meant, the checker's complaints are echoes.
            for d in checked.diagnostics.iter().filter(|d| !parsed.touches_unreadable(d.primary.span)) {
                let mut d = d.clone().shifted(item.offset);
                if d.code == codes::UNDECLARED_PERMISSION
                    && let Some((class, _)) =
                        checked.permissions_used.iter().find(|(_, s)| s.shift(item.offset) == d.primary.span)
                {
                    d.fix = Some(permit_fix(db, file, class));
                }
                out.push(d);
            }
            broken |= has_errors(&checked.diagnostics);
            if matches!(parsed.item.kind, ItemKind::Rule(_)) {
                reacts_to.extend(checked.references.iter().filter_map(|r| match r.target {
                    check::Target::Event(i) => Some((item.offset, i)),
                    _ => None,
                }));
            }
            permissions_used.extend(checked.permissions_used.iter().map(|(p, _)| p.clone()));
            limits_used.extend(checked.references.iter().filter_map(|r| match r.target {
                check::Target::Limit(i) => Some(i),
                _ => None,
            }));
        }
    }
    out.extend(file_profiles(db, file).diagnostics.iter().cloned());
    let path = file.path(db);
    let index = profile_index(db, ws);
    out.extend(index.duplicates.iter().filter(|(f, _)| f == path).map(|(_, d)| d.clone()));
    out.extend(file_profiles(db, file).profiles.iter().filter_map(|p| unknown_via(p, index)));
    out.extend(
        file_profiles(db, file)
            .profiles
            .iter()
            .filter(|p| !p.family)
            .flat_map(|p| crate::family::conformance(p, &index.by_name)),
    );
    if is_pack {
        let result = pack_scope_result(db, ws, file);
        out.extend(result.diagnostics.iter().cloned());
        if let (Some(span), false) = (first_rule, has_use) {
            out.push(
                Diagnostic::error(codes::NO_PROFILE, "this pack does not say which devices it is for", span)
                    .with_label_message("rules need a profile")
                    .with_help("add `use PROFILE` before the rules, e.g. `use xiaomi-ai-glasses`"),
            );
        }
        // Without every profile, actions cannot resolve, so their permissions are unknown.
        let incomplete = result.scope.incomplete;
        for (permit, span) in &result.scope.permits {
            if !broken && !incomplete && !permissions_used.contains(permit) {
                out.push(
                    Diagnostic::warning(
                        codes::UNUSED_PERMISSION,
                        format!("the pack permits `{permit}` but no rule needs it"),
                        *span,
                    )
                    .with_label_message("never needed")
                    .with_help("remove it so the pack asks for no more than it uses"),
                );
            }
        }
        for (i, limit) in result.scope.limits.iter().enumerate() {
            if !broken && !limits_used.contains(&i) {
                out.push(
                    Diagnostic::warning(
                        codes::UNUSED_LIMIT,
                        format!("no rule counts against the limit `{}`", limit.name),
                        limit.span,
                    )
                    .with_label_message("never used")
                    .with_help(format!(
                        "add `limit {}` to the options of the rules it limits (`on EVENT limit {}: ...`), or remove it",
                        limit.name, limit.name
                    )),
                );
            }
        }
    }
    if is_pack {
        let rules: Vec<u32> = items
            .iter()
            .filter(|i| matches!(parse_item(db, i.text).item.kind, ItemKind::Rule(_)))
            .map(|i| i.offset)
            .collect();
        uncertain_event_fixes(&mut out, &pack_scope(db, ws, file), file.text(db), &rules, items, &reacts_to);
        // A pack for a family that checks is checked for each of its products too.
        if !broken && !has_errors(&pack_scope_result(db, ws, file).diagnostics) {
            let found = product_diagnostics(db, ws, file, &out);
            out.extend(found);
        }
    }
    out.sort_by_key(|d| (d.primary.span.start, d.primary.span.end));
    if out.len() > MAX_DIAGNOSTICS_PER_FILE {
        let hidden = out.len() - MAX_DIAGNOSTICS_PER_FILE;
        let span = out[MAX_DIAGNOSTICS_PER_FILE].primary.span;
        out.truncate(MAX_DIAGNOSTICS_PER_FILE);
        out.push(
            Diagnostic::error(codes::TOO_MANY_ERRORS, format!("{hidden} more problems are not shown"), span)
                .with_label_message("more problems from here on")
                .with_help("fix the problems above and check again"),
        );
    }
    out
}

/// What checking a pack for families finds with each product in its family's place that
/// checking it against the families did not (`written`): a member the pack uses that a product
/// lacks although it says it implements the family (its profile has E0502), or whatever else
/// one product gets wrong. Each is reported once, for the products it holds for, with a label at
/// each product's `implements` of the family.
fn product_diagnostics(
    db: &dyn salsa::Database,
    ws: Workspace,
    file: SourceFile,
    written: &[Diagnostic],
) -> Vec<Diagnostic> {
    let targets = pack_targets(db, ws, file);
    if targets.is_empty() {
        return Vec::new();
    }
    let index = profile_index(db, ws);
    let items = file_items(db, file);
    // Each new diagnostic, and the products it was found for, in the order first found.
    let mut found: Vec<(Diagnostic, Vec<&str>)> = Vec::new();
    let families: Vec<&str> = targets.iter().flat_map(|t| t.products(db).iter().map(|(f, _)| f.as_str())).collect();
    for target in targets {
        let mut diags: Vec<Diagnostic> = pack_scope_result_in(db, ws, file, *target).diagnostics.clone();
        for item in items {
            if matches!(parse_item(db, item.text).item.kind, ItemKind::Rule(_) | ItemKind::Test(_)) {
                let checked = check_item_in(db, ws, file, item.text, *target);
                diags.extend(checked.diagnostics.iter().map(|d| d.clone().shifted(item.offset)));
            }
        }
        for d in diags.into_iter().filter(|d| !written.contains(d)) {
            let products = target.products(db).iter().map(|(_, p)| p.as_str());
            match found.iter_mut().find(|(f, _)| *f == d) {
                Some((_, those)) => those.extend(products),
                None => found.push((d, products.collect())),
            }
        }
    }
    if found.is_empty() {
        return Vec::new();
    }
    // The products unlike their families: where a fault they show is, rather than in the pack.
    let unlike: Vec<&ProfileModel> = targets
        .iter()
        .flat_map(|t| t.products(db).iter().filter_map(|(_, p)| index.by_name.get(p)))
        .filter(|p| !crate::family::conformance(p, &index.by_name).is_empty())
        .map(|p| &**p)
        .collect();
    found
        .into_iter()
        .map(|(mut d, mut products)| {
            products.sort_unstable();
            products.dedup();
            let names: Vec<String> = products.iter().map(|p| format!("`{p}`")).collect();
            let names = match names.split_last() {
                Some((last, [])) => last.clone(),
                Some((last, init)) => format!("{} and {last}", init.join(", ")),
                None => String::new(),
            };
            d.message = format!("for {names}: {}", d.message);
            // A fix made against one product may break the pack on the others.
            d.fix = None;
            if let Some(p) = unlike.iter().find(|p| products.contains(&p.name.as_str())) {
                let families: Vec<String> = p.implements.iter().map(|(f, _)| format!("`{f}`")).collect();
                d.help = Some(format!(
                    "`{}` does not have everything of {} it says it implements (E0502 in its profile): complete its profile, or remove its `implements`",
                    p.name,
                    families.join(", ")
                ));
            }
            for product in products {
                let Some(p) = index.by_name.get(product) else { continue };
                for (family, at) in p.implements.iter().filter(|(f, _)| families.contains(&f.as_str())) {
                    d = d.with_secondary_in(at.file.clone(), at.span, format!("`{product}` implements `{family}` here"));
                }
            }
            d
        })
        .collect()
}

/// An unknown event's fix (E0101) renames it to the one event it is certainly a typo of
/// (`suggest::certain`). When another rule of the pack already reacts to that event, a rename of
/// more than one edit may turn the gesture the author meant (`button-dubble-press`, or one the
/// profile lacks) into one the pack already uses, and both rules would then fire together: the
/// help still names it, but the fix is dropped, for the author to decide. A test's `fire` adds no
/// rule, so its fixes stay.
fn uncertain_event_fixes(
    out: &mut [Diagnostic],
    scope: &Scope,
    text: &str,
    rules: &[u32],
    items: &[FileItem<'_>],
    reacts_to: &[(u32, usize)],
) {
    for d in out.iter_mut().filter(|d| d.code == codes::UNKNOWN_EVENT) {
        let Some(fix) = &d.fix else { continue };
        // The item the diagnostic is in: the last that starts at or before it.
        let own = items.iter().rev().find(|i| i.offset <= d.primary.span.start).map_or(0, |i| i.offset);
        let written = text.get(fix.span.range()).unwrap_or_default();
        if !rules.contains(&own) || strsim::damerau_levenshtein(written, &fix.replacement) <= 1 {
            continue;
        }
        let segments = fix.replacement.split('.').map(|s| crate::span::Spanned::new(s.to_string(), Span::default()));
        let path = crate::syntax::ast::Path { segments: segments.collect(), span: Span::default() };
        let meant = scope.events_matching(&path);
        if reacts_to.iter().any(|(item, e)| *item != own && meant.contains(e)) {
            let replacement = fix.replacement.clone();
            d.fix = None;
            let help = d.help.take().unwrap_or_default();
            d.help = Some(format!(
                "{help} (another rule already reacts to `{replacement}`: check that this one is meant to as well)"
            ));
        }
    }
}

/// `device car via phone`: the device links go through must be the device of a profile given to the
/// compiler (E0114 otherwise).
fn unknown_via(profile: &ProfileModel, index: &ProfileIndex) -> Option<Diagnostic> {
    let (via, span) = (profile.device.via.as_ref()?, profile.device.via_origin.as_ref()?.span);
    let devices: Vec<&str> = index.by_name.values().map(|p| &*p.device.name).collect();
    if devices.contains(&via.as_str()) {
        return None;
    }
    let others: Vec<&str> = devices.iter().copied().filter(|d| **d != *profile.device.name).collect();
    let help = crate::suggest::did_you_mean(via, others.iter().copied()).unwrap_or_else(|| match others.as_slice() {
        [] => "no other profile was given to the compiler; pass the profile of that device too".to_string(),
        _ => format!(
            "`via` names the device of another profile: {}",
            others.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", ")
        ),
    });
    Some(
        Diagnostic::error(codes::UNKNOWN_REFERENCE, format!("no profile declares a device `{via}`"), span)
            .with_label_message("unknown device")
            .with_help(help),
    )
}

/// Declares a missing permission: extends the last `permit` line, or adds one after the `use` lines.
fn permit_fix(db: &dyn salsa::Database, file: SourceFile, class: &str) -> crate::diagnostic::Fix {
    let decls = file_decls(db, file);
    let end_of = |kind: fn(&ItemKind) -> bool| {
        decls
            .iter()
            .rev()
            .find(|i| kind(&parse_item(db, i.text).item.kind))
            .map(|i| i.offset + i.text.text(db).len() as u32)
    };
    let (at, text) = match (end_of(|k| matches!(k, ItemKind::Permit(_))), end_of(|k| matches!(k, ItemKind::Use(_)))) {
        (Some(end), _) => (end, format!(", {class}")),
        (None, Some(end)) => (end, format!("\npermit {class}")),
        (None, None) => (0, format!("permit {class}\n")),
    };
    crate::diagnostic::Fix { title: format!("declare `permit {class}`"), span: Span::new(at, at), replacement: text }
}

/// The database `glassc` and the language server share. Clone it to read on another thread.
#[salsa::db]
#[derive(Clone)]
pub struct Database {
    storage: salsa::Storage<Self>,
}

#[salsa::db]
impl salsa::Database for Database {}

impl Default for Database {
    fn default() -> Self {
        Database { storage: salsa::Storage::new(None) }
    }
}

impl Database {
    /// A database that calls `on_event` for every salsa event (tests use it to count executions).
    pub fn with_logger(on_event: impl Fn(salsa::Event) + Send + Sync + 'static) -> Self {
        Database { storage: salsa::Storage::new(Some(Box::new(on_event))) }
    }
}

/// True when any diagnostic is an error (warnings do not fail a check).
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(|d| d.severity == Severity::Error)
}
