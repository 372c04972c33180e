//! Name resolution and typechecking of pack items against the pack's `Scope`.
//!
//! Each rule and each test is checked on its own (one salsa query per item), against a scope that
//! does not change when other rules change. Results carry item-relative spans.

mod call;
mod expr;
mod held;
mod measures;
pub mod pack;
mod ratio;
mod rule;
mod steps;
mod test;
mod triggers;
mod units;

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::scope::Scope;
use crate::span::Span;
use crate::syntax::ast::{ItemKind, Path};

pub use pack::build_scope;

/// What a name in the source refers to: for hover, go-to-definition and find-references.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Event(usize),
    State(usize),
    Action(usize),
    Var(usize),
    /// A parameter of an action (for arguments) or a payload field of an event (in `where`).
    ActionParam(usize, usize),
    EventParam(usize, usize),
    /// In a sequence rule, every payload field: step, the step's event, and the field.
    StepParam(usize, usize, usize),
    EnumVariant(usize, usize),
    /// The built-in `time-of-day`.
    TimeOfDay,
    /// A shared limit of the pack (`limit reminders`).
    Limit(usize),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reference {
    pub span: Span,
    pub target: Target,
}

/// The outcome of checking one rule or test.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ItemCheck {
    pub diagnostics: Vec<Diagnostic>,
    pub references: Vec<Reference>,
    /// Privacy classes the item's actions need, with the span of the action that needs each.
    pub permissions_used: Vec<(String, Span)>,
    /// A rule's triggers as it runs them: those written, with the events an `or` joins to a
    /// trigger's last expression read as triggers of their own (`triggers.rs`). Empty for a test.
    pub triggers: Vec<crate::syntax::ast::Trigger>,
    /// A rule without errors, lowered (filled in by the `check_item` query, which also reports
    /// the runtime limits it exceeds).
    pub rule: Option<std::sync::Arc<crate::ir::Rule>>,
}

/// Checks a rule or a test; other items have nothing to check here.
pub fn check_item(scope: &Scope, item: &ItemKind) -> ItemCheck {
    let mut cx = Checker::new(scope);
    match item {
        ItemKind::Rule(r) => cx.rule(r),
        ItemKind::Test(t) => cx.test(t),
        _ => {}
    }
    cx.out
}

pub(crate) struct Checker<'a> {
    pub scope: &'a Scope,
    pub out: ItemCheck,
    /// The event that triggers the rule being checked: its payload fields are in scope in the
    /// filter, the condition and the actions.
    pub payload_event: Option<usize>,
    /// The steps of the sequence that triggers the rule being checked: their payload fields are
    /// in scope where each has a value (see `steps.rs`).
    pub sequence: Option<steps::Steps>,
    /// The events of the rule's triggers when it has several: a payload field of one of them
    /// read in `while` or an action is told why it has no value.
    pub trigger_events: Vec<triggers::TriggerEvent>,
    /// Checking a test: help lines say `fire` where a rule would say `on`.
    pub in_test: bool,
    /// The errors among `out.diagnostics`, counted as they come (see [`Self::errors_so_far`]).
    errors: usize,
}

impl<'a> Checker<'a> {
    pub fn new(scope: &'a Scope) -> Self {
        Checker {
            scope,
            out: ItemCheck::default(),
            payload_event: None,
            sequence: None,
            trigger_events: Vec::new(),
            in_test: false,
            errors: 0,
        }
    }

    pub fn locals(&self) -> expr::Locals<'a> {
        let scope: &'a Scope = self.scope;
        expr::Locals {
            payload: self.payload_event.and_then(|i| Some((i, scope.events.get(i)?.params.as_slice()))),
            steps: self.sequence.as_ref().map(|_| steps::StepScope::Complete),
        }
    }

    pub fn error(&mut self, d: Diagnostic) {
        // With a profile missing, an unknown name is more likely the missing profile's than a typo.
        let unresolved = [codes::UNKNOWN_EVENT, codes::UNKNOWN_ACTION, codes::UNKNOWN_NAME, codes::NOT_A_STATE];
        if self.scope.incomplete && unresolved.contains(&d.code) {
            return;
        }
        self.errors += usize::from(d.is_error());
        self.out.diagnostics.push(d);
    }

    pub fn refer(&mut self, span: Span, target: Target) {
        self.out.references.push(Reference { span, target });
    }

    /// Example constants of a type for help lines: an enum's own values, `20%` for a Percent.
    pub fn example(&self, ty: &crate::types::Type) -> String {
        if let crate::types::Type::Enum(name) = ty
            && let Some(def) = self.scope.enum_def(name)
        {
            return one_of(&def.variants);
        }
        crate::model::example_of(ty)
    }

    /// The help line for a name that no profile in use has but a profile not in use does: "`x`
    /// is a state of profile `p`, which this pack does not use: add it to `use`".
    pub fn in_unused_profile(&self, kind: crate::scope::MemberKind, path: &Path) -> Option<String> {
        let found = self.scope.unused_profiles_with(kind, path);
        let what = format!("`{}` is {}", path.text(), kind.a());
        // Products of a family in use have it, and the family does not: adding the product to
        // `use` would be E0115, so the help says what choosing it means.
        if let Some(family) = found.iter().find_map(|(_, f)| *f) {
            let products: Vec<String> =
                found.iter().filter(|(_, f)| *f == Some(family)).map(|(p, _)| p.to_string()).collect();
            let one = if products.len() == 1 { products[0].clone() } else { "PRODUCT".to_string() };
            return Some(format!(
                "{what} of {} only, not of the family `{family}` this pack is written for: a pack for every `{family}` cannot use it (to write for one product alone, `use {one}` instead of `{family}`)",
                one_of(&products)
            ));
        }
        let profiles: Vec<&str> = found.iter().map(|(p, _)| *p).collect();
        match profiles.as_slice() {
            [] => None,
            [one] => Some(format!("{what} of profile `{one}`, which this pack does not use: add `{one}` to `use`")),
            many => {
                let names: Vec<String> = many.iter().map(|p| p.to_string()).collect();
                Some(format!(
                    "{what} of the profiles {}, which this pack does not use: add the one meant to `use`",
                    one_of(&names)
                ))
            }
        }
    }

    /// The number of errors reported so far, to tell whether a check added one. Counted, not
    /// recounted: it is asked once per duration and test step, and an item may have thousands.
    pub fn errors_so_far(&self) -> usize {
        self.errors
    }
}

/// The label at a candidate's declaration in an ambiguity error: a link member is not written in
/// its profile, so the label at its device's `via` says where it comes from.
pub(crate) fn declared_here(qualified: &str, link: Option<crate::model::Link>) -> String {
    match link {
        Some(_) => format!("`{qualified}` is supplied by the toolchain for this link"),
        None => format!("`{qualified}` is declared here"),
    }
}

/// How many values a help line lists before it says how many more there are.
const LISTED: usize = 8;

/// "`a`", "`a` or `b`", "`a`, `b` or `c`"; for a long list, its first values and how many more:
/// a help line names every value of a small enum, never all of one with thousands.
pub(crate) fn one_of(items: &[String]) -> String {
    if items.len() > LISTED {
        let quoted: Vec<String> = items[..LISTED].iter().map(|s| format!("`{s}`")).collect();
        return format!("{}, ... ({} values in all)", quoted.join(", "), items.len());
    }
    let quoted: Vec<String> = items.iter().map(|s| format!("`{s}`")).collect();
    match quoted.as_slice() {
        [] => "a value".into(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Placeholder paths from error recovery name nothing and are never reported.
pub(crate) fn is_error_path(p: &Path) -> bool {
    p.segments.is_empty()
}
