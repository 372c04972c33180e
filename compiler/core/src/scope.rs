//! What a pack can name: the devices, events, states, actions and enums of the profiles it uses,
//! and its own variables and permissions. Lookup of short and qualified forms lives here.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::model::{ActionDef, DeviceDef, EnumDef, EventDef, Link, ProfileModel, StateDef};
use crate::span::Span;
use crate::syntax::ast::Path;
use crate::types::{Const, Type};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VarDef {
    pub name: String,
    pub ty: Type,
    /// The declared range of an `Int` variable.
    pub range: Option<(i64, i64)>,
    /// The declared unit of an `Int` variable, as glass prints it.
    pub unit: Option<String>,
    pub init: Option<Const>,
    /// Absolute span of the name in the pack file.
    pub span: Span,
}

/// `limit reminders: at most 2 times per hour`: a rate limit the rules with `limit reminders`
/// share.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LimitDef {
    pub name: String,
    /// Runs allowed per window; 0 only where the declaration was refused (E0304).
    pub count: u64,
    /// The window in ms; `None` where it was refused.
    pub window_ms: Option<u64>,
    /// Absolute span of the name in the pack file.
    pub span: Span,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Scope {
    pub profiles: Vec<Arc<ProfileModel>>,
    pub devices: Vec<DeviceDef>,
    pub events: Vec<EventDef>,
    pub states: Vec<StateDef>,
    pub actions: Vec<ActionDef>,
    pub enums: Vec<EnumDef>,
    pub vars: Vec<VarDef>,
    /// The pack's shared rate limits, in file order.
    pub limits: Vec<LimitDef>,
    /// Declared permissions, with the absolute span of each name.
    pub permits: Vec<(String, Span)>,
    /// Enums that two profiles in use declare differently (E0109): values and actions that
    /// involve them are not reported again.
    pub conflicting_enums: Vec<Arc<str>>,
    /// A `use` named a profile that does not exist, or there is no `use` at all: names that are
    /// not found may belong to the missing profile, so they are not reported (the `use` is).
    pub incomplete: bool,
    /// The members of the profiles the compiler knows that the pack does not `use`, so that a
    /// name found only there is reported as such (E0101, E0103, E0105) and not as a typo.
    pub elsewhere: Vec<Elsewhere>,
    /// Lookup tables over the fields above, built on first use.
    pub index: Index,
}

/// What kind of member an [`Elsewhere`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemberKind {
    Event,
    State,
    Action,
    Device,
}

impl MemberKind {
    pub fn a(self) -> &'static str {
        match self {
            MemberKind::Event => "an event",
            MemberKind::State => "a state",
            MemberKind::Action => "an action",
            MemberKind::Device => "the device",
        }
    }
}

/// A member of a profile the pack does not use.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Elsewhere {
    pub profile: String,
    /// The family in use that this profile's product implements, if any: its members are not
    /// to be added to the pack, which is written for every product of the family.
    pub family: Option<String>,
    pub kind: MemberKind,
    pub device: Arc<str>,
    pub capability: Option<Arc<str>>,
    pub name: String,
}

/// Lookup tables derived from a [`Scope`], so that resolving a name does not scan every member
/// of every profile (a pack of thousands of rules against a profile of thousands of members
/// would be quadratic). Built on the first lookup; tables built while the scope was still being
/// filled in are not used (see `Tables::fits`). Being derived, they take no part in equality.
#[derive(Clone, Debug, Default)]
pub struct Index(OnceLock<Arc<Tables>>);

impl PartialEq for Index {
    fn eq(&self, _: &Index) -> bool {
        true
    }
}

impl Eq for Index {}

impl std::hash::Hash for Index {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

#[derive(Debug, Default)]
pub struct Tables {
    /// The members of each name (the last part of their qualified name), in scope order.
    events: HashMap<String, Vec<usize>>,
    states: HashMap<String, Vec<usize>>,
    actions: HashMap<String, Vec<usize>>,
    /// The first variable and enum of each name.
    vars: HashMap<String, usize>,
    enums: HashMap<Arc<str>, usize>,
    /// For each enum value, the enums that have it and where, in scope order.
    values: HashMap<String, Vec<(usize, usize)>>,
    /// Each state's short name, for suggestions.
    state_shorts: Vec<String>,
    /// How many events, states, actions, variables and enums the tables were built from (see
    /// [`Kind`]).
    sizes: [usize; 5],
}

impl Tables {
    fn of(scope: &Scope) -> Tables {
        fn by_name<'a>(names: impl Iterator<Item = &'a str>) -> HashMap<String, Vec<usize>> {
            let mut out: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, name) in names.enumerate() {
                out.entry(name.to_string()).or_default().push(i);
            }
            out
        }
        let mut vars = HashMap::with_capacity(scope.vars.len());
        for (i, v) in scope.vars.iter().enumerate() {
            vars.entry(v.name.clone()).or_insert(i);
        }
        let mut enums = HashMap::with_capacity(scope.enums.len());
        let mut values: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        for (i, e) in scope.enums.iter().enumerate() {
            enums.entry(e.name.clone()).or_insert(i);
            for (j, v) in e.variants.iter().enumerate() {
                // A value written twice in one enum (E0109) is found at its first place.
                let places = values.entry(v.clone()).or_default();
                if places.last().is_none_or(|&(k, _)| k != i) {
                    places.push((i, j));
                }
            }
        }
        Tables {
            events: by_name(scope.events.iter().map(|e| e.name.as_str())),
            states: by_name(scope.states.iter().map(|s| s.name.as_str())),
            actions: by_name(scope.actions.iter().map(|a| a.name.as_str())),
            vars,
            enums,
            values,
            state_shorts: (0..scope.states.len()).map(|i| scope.state_short(i)).collect(),
            sizes: Tables::sizes_of(scope),
        }
    }

    fn sizes_of(scope: &Scope) -> [usize; 5] {
        [scope.events.len(), scope.states.len(), scope.actions.len(), scope.vars.len(), scope.enums.len()]
    }

    /// Whether the table of `kind` was built from the scope as it is now.
    fn fits(&self, scope: &Scope, kind: Kind) -> bool {
        let k = kind as usize;
        self.sizes[k] == Tables::sizes_of(scope)[k]
    }
}

/// The members a table is of, in the order of [`Tables::sizes`].
#[derive(Clone, Copy)]
enum Kind {
    Events,
    States,
    Actions,
    Vars,
    Enums,
}

/// The names a member answering to `path` can have: its last part, or for one word, the word
/// or any part of it after a `-` (`button-long-press` may be `long-press` of `button`).
fn candidate_names(path: &Path) -> Vec<&str> {
    let Some(last) = path.segments.last() else { return Vec::new() };
    let word = last.node.as_str();
    let mut names = vec![word];
    if path.segments.len() == 1 {
        names.extend(word.match_indices('-').map(|(i, _)| &word[i + 1..]));
    }
    names
}

/// Does `device.capability.name` answer to `path`?
///
/// One word: `long-press`, `button-long-press`, `glasses-long-press` or `glasses-button-long-press`.
/// Dotted: `button.long-press`, `glasses.long-press` or `glasses.button.long-press`.
pub fn member_matches(device: &str, capability: Option<&str>, name: &str, path: &Path) -> bool {
    let seg = |i: usize| path.segments[i].node.as_str();
    let joined = |word: &str, prefix: &str| word.strip_prefix(prefix).and_then(|r| r.strip_prefix('-')) == Some(name);
    match path.segments.len() {
        1 => {
            let w = seg(0);
            w == name
                || capability.is_some_and(|c| joined(w, c))
                || joined(w, device)
                || capability.is_some_and(|c| {
                    w.strip_prefix(device).and_then(|r| r.strip_prefix('-')).is_some_and(|r| joined(r, c))
                })
        }
        2 => (capability == Some(seg(0)) || device == seg(0)) && seg(1) == name,
        3 => device == seg(0) && capability == Some(seg(1)) && seg(2) == name,
        _ => false,
    }
}

/// The short form a rule author writes: `button-long-press`, `driving`.
pub fn short_name(capability: Option<&str>, name: &str) -> String {
    match capability {
        Some(c) => format!("{c}-{name}"),
        None => name.to_string(),
    }
}

/// The fully qualified form: `glasses.button.long-press`.
pub fn qualified_name(device: &str, capability: Option<&str>, name: &str) -> String {
    match capability {
        Some(c) => format!("{device}.{c}.{name}"),
        None => format!("{device}.{name}"),
    }
}

impl Scope {
    /// The profiles, not in use, with a member of this kind that answers to `path`, each with the
    /// family in use it is a product of.
    pub fn unused_profiles_with(&self, kind: MemberKind, path: &Path) -> Vec<(&str, Option<&str>)> {
        let mut found: Vec<(&str, Option<&str>)> = self
            .elsewhere
            .iter()
            .filter(|m| m.kind == kind && member_matches(&m.device, m.capability.as_deref(), &m.name, path))
            .map(|m| (m.profile.as_str(), m.family.as_deref()))
            .collect();
        found.dedup();
        found
    }

    /// The lookup tables, if their table of `kind` describes the scope as it is now.
    fn tables(&self, kind: Kind) -> Option<&Tables> {
        let tables = self.index.0.get_or_init(|| Arc::new(Tables::of(self)));
        tables.fits(self, kind).then_some(&**tables)
    }

    /// The members of one kind that answer to `path`, in scope order: those `table` has under a
    /// name `path` can mean, or (without tables) every member, tested with [`member_matches`].
    fn matching<'s>(
        &'s self,
        path: &Path,
        kind: Kind,
        len: usize,
        table: impl Fn(&Tables) -> &HashMap<String, Vec<usize>>,
        member: impl Fn(usize) -> (&'s str, Option<&'s str>, &'s str),
    ) -> Vec<usize> {
        let matches = |&i: &usize| {
            let (device, capability, name) = member(i);
            member_matches(device, capability, name, path)
        };
        let Some(tables) = self.tables(kind) else { return (0..len).filter(matches).collect() };
        let table = table(tables);
        let mut found: Vec<usize> = candidate_names(path)
            .into_iter()
            .filter_map(|name| table.get(name))
            .flatten()
            .copied()
            .filter(matches)
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    pub fn events_matching(&self, path: &Path) -> Vec<usize> {
        self.matching(
            path,
            Kind::Events,
            self.events.len(),
            |t| &t.events,
            |i| {
                let e = &self.events[i];
                (&e.device, e.capability.as_deref(), &e.name)
            },
        )
    }

    pub fn states_matching(&self, path: &Path) -> Vec<usize> {
        self.matching(
            path,
            Kind::States,
            self.states.len(),
            |t| &t.states,
            |i| {
                let s = &self.states[i];
                (&s.device, s.capability.as_deref(), &s.name)
            },
        )
    }

    pub fn actions_matching(&self, verb: &Path) -> Vec<usize> {
        self.matching(
            verb,
            Kind::Actions,
            self.actions.len(),
            |t| &t.actions,
            |i| {
                let a = &self.actions[i];
                (&a.device, a.capability.as_deref(), &a.name)
            },
        )
    }

    /// The link state `connected` of `device`, if the toolchain supplies one (see [`Link`]).
    pub fn link_state(&self, device: &str) -> Option<usize> {
        self.states.iter().position(|s| s.link == Some(Link::State) && *s.device == *device)
    }

    /// The link event `connected` or `disconnected` of `device` (`link` is `Up` or `Down`).
    pub fn link_event(&self, device: &str, link: Link) -> Option<usize> {
        self.events.iter().position(|e| e.link == Some(link) && *e.device == *device)
    }

    pub fn var(&self, name: &str) -> Option<usize> {
        match self.tables(Kind::Vars) {
            Some(t) => t.vars.get(name).copied(),
            None => self.vars.iter().position(|v| v.name == name),
        }
    }

    pub fn enum_def(&self, name: &str) -> Option<&EnumDef> {
        self.enums.get(self.enum_index(name)?)
    }

    /// Where the (first) enum named `name` is in `enums`.
    pub fn enum_index(&self, name: &str) -> Option<usize> {
        match self.tables(Kind::Enums) {
            Some(t) => t.enums.get(name).copied(),
            None => self.enums.iter().position(|e| &*e.name == name),
        }
    }

    /// The enums that have the value `word`, and its place in each: `(enum, value)` indices, in
    /// scope order.
    pub fn enums_with_value(&self, word: &str) -> Vec<(usize, usize)> {
        match self.tables(Kind::Enums) {
            Some(t) => t.values.get(word).cloned().unwrap_or_default(),
            None => (self.enums.iter().enumerate())
                .filter_map(|(i, e)| Some((i, e.variants.iter().position(|v| v == word)?)))
                .collect(),
        }
    }

    /// Whether two profiles in use declare the enum `name` differently.
    pub fn enum_conflicts(&self, name: &str) -> bool {
        self.conflicting_enums.iter().any(|e| &**e == name)
    }

    pub fn event_short(&self, i: usize) -> String {
        short_name(self.events[i].capability.as_deref(), &self.events[i].name)
    }

    pub fn event_qualified(&self, i: usize) -> String {
        let e = &self.events[i];
        qualified_name(&e.device, e.capability.as_deref(), &e.name)
    }

    pub fn state_short(&self, i: usize) -> String {
        short_name(self.states[i].capability.as_deref(), &self.states[i].name)
    }

    /// Every state's short name, in scope order.
    pub fn state_short_names(&self) -> std::borrow::Cow<'_, [String]> {
        match self.tables(Kind::States) {
            Some(t) => std::borrow::Cow::Borrowed(&t.state_shorts),
            None => std::borrow::Cow::Owned((0..self.states.len()).map(|i| self.state_short(i)).collect()),
        }
    }

    pub fn state_qualified(&self, i: usize) -> String {
        let s = &self.states[i];
        qualified_name(&s.device, s.capability.as_deref(), &s.name)
    }

    pub fn action_qualified(&self, i: usize) -> String {
        let a = &self.actions[i];
        qualified_name(&a.device, a.capability.as_deref(), &a.name)
    }

    /// The short forms of an action a rule author can write: `notify car`, `record clip`, ...
    pub fn action_short_forms(&self, i: usize) -> Vec<String> {
        let a = &self.actions[i];
        let mut forms = vec![a.name.clone(), format!("{} {}", a.name, a.device)];
        if let Some(c) = &a.capability {
            forms.push(format!("{} {c}", a.name));
        }
        for p in &a.params {
            if let Type::Enum(e) = &p.ty
                && let Some(def) = self.enum_def(e)
            {
                forms.extend(def.variants.iter().map(|v| format!("{} {v}", a.name)));
            }
        }
        forms
    }
}
