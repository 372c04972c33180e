//! What a pack can name: the devices, events, states, actions and enums of the profiles it uses,
//! and its own variables and permissions. Lookup of short and qualified forms lives here.

use std::sync::Arc;

use crate::model::{ActionDef, DeviceDef, EnumDef, EventDef, ProfileModel, StateDef};
use crate::span::Span;
use crate::syntax::ast::Path;
use crate::types::{Const, Type};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VarDef {
    pub name: String,
    pub ty: Type,
    /// The declared range of an `Int` variable.
    pub range: Option<(i64, i64)>,
    pub init: Option<Const>,
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
    /// Declared permissions, with the absolute span of each name.
    pub permits: Vec<(String, Span)>,
    /// Enums that two profiles in use declare differently (E0109): values and actions that
    /// involve them are not reported again.
    pub conflicting_enums: Vec<Arc<str>>,
    /// A `use` named a profile that does not exist, or there is no `use` at all: names that are
    /// not found may belong to the missing profile, so they are not reported (the `use` is).
    pub incomplete: bool,
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
    pub fn events_matching(&self, path: &Path) -> Vec<usize> {
        (0..self.events.len())
            .filter(|&i| {
                let e = &self.events[i];
                member_matches(&e.device, e.capability.as_deref(), &e.name, path)
            })
            .collect()
    }

    pub fn states_matching(&self, path: &Path) -> Vec<usize> {
        (0..self.states.len())
            .filter(|&i| {
                let s = &self.states[i];
                member_matches(&s.device, s.capability.as_deref(), &s.name, path)
            })
            .collect()
    }

    pub fn actions_matching(&self, verb: &Path) -> Vec<usize> {
        (0..self.actions.len())
            .filter(|&i| {
                let a = &self.actions[i];
                member_matches(&a.device, a.capability.as_deref(), &a.name, verb)
            })
            .collect()
    }

    pub fn var(&self, name: &str) -> Option<usize> {
        self.vars.iter().position(|v| v.name == name)
    }

    pub fn enum_def(&self, name: &str) -> Option<&EnumDef> {
        self.enums.iter().find(|e| &*e.name == name)
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
