//! The capability model: what a profile says a device can do.
//!
//! Profiles are written in glass (`profile NAME { ... }`); `lower_profile` turns one profile's
//! syntax tree into a `ProfileModel` and reports what is wrong with it. Everything here carries
//! absolute spans and the file it came from, so diagnostics and go-to-definition can point into it.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::span::Span;
use crate::suggest::did_you_mean;
use crate::syntax::ast::{self, ActionClause, MemberKind, ProfileDecl};
use crate::types::{Const, ConstError, Type, const_eval};

/// Where something was declared.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    pub file: Arc<str>,
    pub span: Span,
}

/// The privacy classes an action can have; a pack must `permit` each class it uses.
pub use glass_runtime::format::PRIVACY_CLASSES;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ParamDef {
    pub name: String,
    pub ty: Type,
    /// The unit of an `Int`, as glass prints it (`°C`), if the profile declares one.
    pub unit: Option<String>,
    pub default: Option<Const>,
    pub origin: Origin,
}

/// ` °C` after a type or a value in a unit, nothing without one: how hover and traces show it.
pub fn unit_suffix(unit: &Option<String>) -> String {
    unit.as_ref().map(|u| format!(" {u}")).unwrap_or_default()
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EventDef {
    pub device: Arc<str>,
    pub capability: Option<Arc<str>>,
    pub name: String,
    pub params: Vec<ParamDef>,
    /// At most this many events per window (milliseconds).
    pub max_rate: Option<(u64, u64)>,
    pub doc: Option<String>,
    pub origin: Origin,
    /// Set on the link events the toolchain supplies (see [`Link`]); `None` for declared events.
    pub link: Option<Link>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StateDef {
    pub device: Arc<str>,
    pub capability: Option<Arc<str>>,
    pub name: String,
    pub ty: Type,
    /// The unit of an `Int`, as glass prints it (`km/h`), if the profile declares one.
    pub unit: Option<String>,
    pub doc: Option<String>,
    pub origin: Origin,
    /// Set on the link state the toolchain supplies (see [`Link`]); `None` for declared states.
    pub link: Option<Link>,
}

/// The members the toolchain adds to every device reached through another (`device car via
/// phone`): the state `connected` and the events `connected` and `disconnected`. The runtime's
/// link layer reports them, so a profile does not declare them. The state and the events go
/// together: the link layer sets the state, then raises the event of the new value (and a test's
/// `set` and `fire` of them do both, see `lower::lower_test`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Link {
    /// The state `connected: Bool`.
    State,
    /// The event `connected`: the link came up.
    Up,
    /// The event `disconnected`: the link went down.
    Down,
}

impl Link {
    /// The name of the link state.
    pub const STATE: &'static str = "connected";
    /// The names of the two link events.
    pub const UP: &'static str = "connected";
    pub const DOWN: &'static str = "disconnected";

    /// The link event raised when the link state becomes `up`.
    pub fn event_for(up: bool) -> Link {
        if up { Link::Up } else { Link::Down }
    }
}

/// How long an action runs: fixed, or given by one of its Duration parameters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Takes {
    Millis(u64),
    Param(usize),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ActionDef {
    pub device: Arc<str>,
    pub capability: Option<Arc<str>>,
    pub name: String,
    pub params: Vec<ParamDef>,
    /// Power drawn while it runs, in milliwatts.
    pub cost_mw: u64,
    pub takes: Option<Takes>,
    /// The processor that runs it, on devices with more than one.
    pub processor: Option<String>,
    pub privacy: Option<String>,
    pub doc: Option<String>,
    pub origin: Origin,
}

/// A state, event or action: named within its capability (or none), which is how a family and
/// a product that implements it are matched member for member.
pub trait Member {
    fn capability(&self) -> &Option<Arc<str>>;
    fn name(&self) -> &str;
    fn origin(&self) -> &Origin;

    /// Whether `other` has this member's capability and name.
    fn same_place(&self, other: &impl Member) -> bool {
        self.capability() == other.capability() && self.name() == other.name()
    }
}

macro_rules! member {
    ($($def:ty),*) => {$(
        impl Member for $def {
            fn capability(&self) -> &Option<Arc<str>> {
                &self.capability
            }
            fn name(&self) -> &str {
                &self.name
            }
            fn origin(&self) -> &Origin {
                &self.origin
            }
        }
    )*};
}
member!(StateDef, EventDef, ActionDef);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EnumDef {
    pub name: Arc<str>,
    pub variants: Vec<String>,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DeviceDef {
    pub name: Arc<str>,
    /// The device that link messages to this one go through (`device car via phone`).
    pub via: Option<String>,
    /// Where the `via` device is named, for the error when no profile declares it.
    pub via_origin: Option<Origin>,
    pub doc: Option<String>,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NamedDef {
    pub name: String,
    pub doc: Option<String>,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProfileModel {
    pub name: String,
    /// A family (`family glasses { ... }`): what every product of a kind has. A pack that uses
    /// it is checked against it and against every profile that implements it.
    pub family: bool,
    /// The families this product says it implements (`profile p implements glasses`), with
    /// where each is named.
    pub implements: Vec<(String, Origin)>,
    pub doc: Option<String>,
    pub origin: Origin,
    pub device: DeviceDef,
    pub processors: Vec<NamedDef>,
    pub capabilities: Vec<NamedDef>,
    pub enums: Vec<EnumDef>,
    pub states: Vec<StateDef>,
    pub events: Vec<EventDef>,
    pub actions: Vec<ActionDef>,
}

/// Lowers one profile. `offset` is the profile item's position in `file`; the model's spans and the
/// diagnostics are absolute.
pub fn lower_profile(decl: &ProfileDecl, file: &Arc<str>, offset: u32) -> (ProfileModel, Vec<Diagnostic>) {
    let origin = |span: Span| Origin { file: file.clone(), span: span.shift(offset) };
    let mut cx = Lowering { diags: Vec::new(), offset };
    let members = flatten(&decl.members, None);

    let devices: Vec<_> = members
        .iter()
        .filter_map(|(_, m)| match &m.kind {
            MemberKind::Device { name, via } => Some((m, name, via)),
            _ => None,
        })
        .collect();
    let device = match devices.as_slice() {
        [] => {
            cx.error(
                Diagnostic::error(codes::PROFILE_BAD_MEMBER, "this profile declares no device", decl.name.span)
                    .with_label_message("no `device` line in this profile")
                    .with_help("add a `device NAME` line, e.g. `device glasses`"),
            );
            DeviceDef {
                name: decl.name.node.as_str().into(),
                via: None,
                via_origin: None,
                doc: None,
                origin: origin(decl.name.span),
            }
        }
        [(m, name, via), rest @ ..] => {
            for (extra, _, _) in rest {
                cx.error(
                    Diagnostic::error(codes::DUPLICATE_NAME, "a profile describes exactly one device", extra.span)
                        .with_label_message("a second device")
                        .with_secondary(m.span, "the device is declared here")
                        .with_help("put each device in its own profile and `use` them together"),
                );
            }
            DeviceDef {
                name: name.node.as_str().into(),
                via: via.as_ref().map(|v| v.node.clone()),
                via_origin: via.as_ref().map(|v| origin(v.span)),
                doc: doc(m),
                origin: origin(name.span),
            }
        }
    };
    let dev = device.name.clone();

    if decl.family {
        family_only(decl, &members, &mut cx);
    }
    let mut model = ProfileModel {
        name: decl.name.node.clone(),
        family: decl.family,
        implements: decl.implements.iter().map(|n| (n.node.clone(), origin(n.span))).collect(),
        doc: decl.doc.as_ref().map(|d| d.node.clone()),
        origin: origin(decl.name.span),
        device,
        processors: Vec::new(),
        capabilities: Vec::new(),
        enums: Vec::new(),
        states: Vec::new(),
        events: Vec::new(),
        actions: Vec::new(),
    };

    // Enums first: states and parameters refer to them.
    for (_, m) in &members {
        match &m.kind {
            MemberKind::Enum { name, variants } => {
                // Each value against the first of its name: linear in the number of values.
                let mut first_of: HashMap<&str, Span> = HashMap::with_capacity(variants.len());
                for v in variants {
                    match first_of.entry(v.node.as_str()) {
                        Entry::Occupied(first) => cx.error(duplicate(&v.node, v.span, *first.get())),
                        Entry::Vacant(slot) => {
                            slot.insert(v.span);
                        }
                    }
                }
                model.enums.push(EnumDef {
                    name: name.node.as_str().into(),
                    variants: variants.iter().map(|v| v.node.clone()).collect(),
                    origin: origin(name.span),
                });
            }
            MemberKind::Processor { name } => {
                model.processors.push(NamedDef { name: name.node.clone(), doc: doc(m), origin: origin(name.span) })
            }
            MemberKind::Capability { name, .. } => {
                model.capabilities.push(NamedDef { name: name.node.clone(), doc: doc(m), origin: origin(name.span) })
            }
            _ => {}
        }
    }

    let enums = EnumIndex::new(&model.enums);
    for (cap, m) in &members {
        let capability = cap.map(|c| Arc::<str>::from(c.node.as_str()));
        match &m.kind {
            MemberKind::State { name, ty } => {
                if name.node == crate::types::TIME_OF_DAY {
                    cx.error(crate::types::time_of_day_taken("a state", name.span));
                }
                let unit = cx.lower_unit(ty);
                let ty = cx.lower_type(ty, &enums);
                model.states.push(StateDef {
                    device: dev.clone(),
                    capability,
                    name: name.node.clone(),
                    ty,
                    unit,
                    doc: doc(m),
                    origin: origin(name.span),
                    link: None,
                });
            }
            MemberKind::Event { name, params, max_rate } => {
                for p in params.iter().filter(|p| p.name.node == crate::types::TIME_OF_DAY) {
                    cx.error(crate::types::time_of_day_taken("a payload field", p.name.span));
                }
                let params = cx.lower_params(params, &enums, &origin);
                let max_rate = max_rate.as_ref().and_then(|(count, window)| {
                    let window = cx.positive_duration(window)?;
                    if count.node == 0 {
                        cx.error(
                            Diagnostic::error(
                                codes::PROFILE_BAD_MEMBER,
                                "an event's maximum rate must be at least 1",
                                count.span,
                            )
                            .with_label_message("zero")
                            .with_help("write `max 1 per second` or drop the `max` clause"),
                        );
                        return None;
                    }
                    Some((count.node, window))
                });
                model.events.push(EventDef {
                    device: dev.clone(),
                    capability,
                    name: name.node.clone(),
                    params,
                    max_rate,
                    doc: doc(m),
                    origin: origin(name.span),
                    link: None,
                });
            }
            MemberKind::Action { name, params, clauses } => {
                let params = cx.lower_params(params, &enums, &origin);
                let mut action = ActionDef {
                    device: dev.clone(),
                    capability,
                    name: name.node.clone(),
                    params,
                    cost_mw: 0,
                    takes: None,
                    processor: None,
                    privacy: None,
                    doc: doc(m),
                    origin: origin(name.span),
                };
                cx.lower_clauses(clauses, &mut action, &model.processors);
                model.actions.push(action);
            }
            _ => {}
        }
    }

    cx.check_duplicates(&members);
    cx.add_link_members(&mut model);
    (model, cx.diags)
}

/// A family says what every product of a kind has, not how one product does it: a product's
/// processors, and what its actions cost, take and run on, belong in its own profile (E0500).
fn family_only(decl: &ProfileDecl, members: &[(Option<&ast::Name>, &ast::Member)], cx: &mut Lowering) {
    let mut report = |span: Span, what: &str, help: &str| {
        cx.error(
            Diagnostic::error(codes::PROFILE_BAD_MEMBER, format!("a family does not say {what}"), span)
                .with_label_message("each product's own")
                .with_help(help.to_string()),
        )
    };
    if let Some(first) = decl.implements.first() {
        let span = decl.implements.iter().fold(first.span, |s, n| s.to(n.span));
        report(
            span,
            "which families it implements",
            "a family lists what its products have; the products' profiles say `implements` instead",
        );
    }
    for (_, m) in members {
        match &m.kind {
            MemberKind::Processor { .. } => report(
                m.span,
                "which processors a product has",
                "move the `processor` line to the profiles of the products that have it",
            ),
            MemberKind::Action { clauses, .. } => {
                for clause in clauses {
                    let (span, what) = match clause {
                        ActionClause::Cost(n, unit) => (n.span.to(unit.span), "what an action costs"),
                        ActionClause::Takes(e) => (e.span, "how long an action takes"),
                        ActionClause::On(p) => (p.span, "which processor runs an action"),
                        ActionClause::Privacy(_) => continue,
                    };
                    report(span, what, "remove it here and keep it in each product's profile, where it can differ");
                }
            }
            _ => {}
        }
    }
}

fn doc(m: &ast::Member) -> Option<String> {
    m.doc.as_ref().map(|d| d.node.clone())
}

/// Members with the capability they are declared in, capabilities themselves included.
fn flatten<'a>(
    members: &'a [ast::Member],
    cap: Option<&'a ast::Name>,
) -> Vec<(Option<&'a ast::Name>, &'a ast::Member)> {
    let mut out = Vec::new();
    for m in members {
        out.push((cap, m));
        if let MemberKind::Capability { name, members } = &m.kind {
            out.extend(flatten(members, Some(name)));
        }
    }
    out
}

fn duplicate(name: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::error(codes::DUPLICATE_NAME, format!("`{name}` is declared twice"), span)
        .with_label_message("declared again here")
        .with_secondary(first, "first declared here")
        .with_help("rename or remove one of them")
}

/// A profile's enums by name, and each one's values, so that looking one up does not scan them
/// all (a generated profile may have thousands).
struct EnumIndex<'a> {
    defs: &'a [EnumDef],
    /// The first enum of each name (a second is reported as a duplicate).
    by_name: HashMap<&'a str, usize>,
    values: Vec<HashSet<&'a str>>,
}

impl<'a> EnumIndex<'a> {
    fn new(defs: &'a [EnumDef]) -> Self {
        let mut by_name = HashMap::with_capacity(defs.len());
        for (i, e) in defs.iter().enumerate() {
            by_name.entry(&*e.name).or_insert(i);
        }
        let values = defs.iter().map(|e| e.variants.iter().map(String::as_str).collect()).collect();
        EnumIndex { defs, by_name, values }
    }

    fn get(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }
}

struct Lowering {
    diags: Vec<Diagnostic>,
    offset: u32,
}

impl Lowering {
    fn error(&mut self, d: Diagnostic) {
        self.diags.push(d.shifted(self.offset));
    }

    fn lower_type(&mut self, ty: &ast::TypeExpr, enums: &EnumIndex) -> Type {
        if let Some(t) = Type::builtin(&ty.name.node) {
            return t;
        }
        if let Some(e) = enums.get(&ty.name.node) {
            return Type::Enum(enums.defs[e].name.clone());
        }
        let names = Type::BUILTIN_NAMES.iter().copied().chain(enums.defs.iter().map(|e| &*e.name));
        let mut d =
            Diagnostic::error(codes::UNKNOWN_TYPE, format!("there is no type `{}`", ty.name.node), ty.name.span)
                .with_label_message("unknown type");
        d = d.with_help(did_you_mean(&ty.name.node, names).unwrap_or_else(|| {
            "use Bool, Int, Percent, Duration, Text, Time or an enum declared in this profile".into()
        }));
        self.error(d);
        Type::Error
    }

    /// The unit a type declares, as glass prints it; only an `Int` has one (E0500).
    fn lower_unit(&mut self, ty: &ast::TypeExpr) -> Option<String> {
        let unit = ty.unit()?;
        if ty.name.node != "Int" {
            self.error(
                Diagnostic::error(
                    codes::PROFILE_BAD_MEMBER,
                    format!("a {} has no unit `{}`", ty.name.node, unit.node),
                    unit.span,
                )
                .with_label_message("a unit of a measure")
                .with_help(format!(
                    "only a whole number counts in a unit: declare `Int {}`, or remove `{}`",
                    unit.node, unit.node
                )),
            );
            return None;
        }
        Some(crate::syntax::units::canonical_unit(&unit.node).to_string())
    }

    /// A default written in another unit than its parameter's (`temperature: Int °C = 72 °F`).
    fn default_unit(&mut self, e: &ast::Expr, unit: &str) {
        let ast::ExprKind::Measure { unit: written, .. } = &e.kind else { return };
        if crate::syntax::units::canonical_unit(&written.node) != unit {
            self.error(
                Diagnostic::error(
                    codes::UNIT_MISMATCH,
                    format!("this default is in {}, and the parameter in {unit}", written.node),
                    written.span,
                )
                .with_label_message(format!("in {}", written.node))
                .with_help(format!("write the default in {unit}; glass does not convert between units")),
            );
        }
    }

    fn lower_params(
        &mut self,
        params: &[ast::Param],
        enums: &EnumIndex,
        origin: &dyn Fn(Span) -> Origin,
    ) -> Vec<ParamDef> {
        let mut out: Vec<ParamDef> = Vec::new();
        let mut first_of: HashMap<&str, Span> = HashMap::with_capacity(params.len());
        for p in params {
            match first_of.entry(p.name.node.as_str()) {
                Entry::Occupied(first) => self.error(duplicate(&p.name.node, p.name.span, *first.get())),
                Entry::Vacant(slot) => {
                    slot.insert(p.name.span);
                }
            }
            let unit = self.lower_unit(&p.ty);
            let ty = self.lower_type(&p.ty, enums);
            let default = p.default.as_ref().and_then(|d| self.default_value(d, &ty, enums));
            if let (Some(d), Some(unit)) = (&p.default, &unit) {
                self.default_unit(d, unit);
            }
            out.push(ParamDef { name: p.name.node.clone(), ty, unit, default, origin: origin(p.name.span) });
        }
        out
    }

    /// A parameter default: a constant of the parameter's type, or a variant of its enum.
    fn default_value(&mut self, e: &ast::Expr, ty: &Type, enums: &EnumIndex) -> Option<Const> {
        if let (Type::Enum(name), ast::ExprKind::Path(path)) = (ty, &e.kind) {
            let en = enums.get(name)?;
            let variants = &enums.defs[en].variants;
            let word = path.text();
            if enums.values[en].contains(word.as_str()) {
                return Some(Const::Enum(name.clone(), word.into()));
            }
            let help = did_you_mean(&word, variants.iter().map(String::as_str))
                .unwrap_or_else(|| format!("the values of `{name}` are {}", variants.join(", ")));
            self.error(
                Diagnostic::error(codes::UNKNOWN_NAME, format!("`{name}` has no value `{word}`"), e.span)
                    .with_label_message("unknown value")
                    .with_help(help),
            );
            return None;
        }
        let value = match const_eval(e) {
            Err(ConstError::Unreadable) => return None,
            value => value.ok(),
        };
        let fits = matches!(
            (&value, ty),
            (Some(Const::Bool(_)), Type::Bool)
                | (Some(Const::Int(_)), Type::Int)
                | (Some(Const::Percent(_)), Type::Percent)
                | (Some(Const::Duration(_)), Type::Duration)
                | (Some(Const::Text(_)), Type::Text)
                | (Some(Const::Time(_)), Type::Time)
        ) || *ty == Type::Error;
        if !fits {
            let ty_a = ty.a();
            self.error(
                Diagnostic::error(codes::PROFILE_BAD_MEMBER, format!("this default is not a constant {ty}"), e.span)
                    .with_label_message("not a constant of the parameter type")
                    .with_help(format!("write {ty_a} constant such as {}", example_of(ty))),
            );
            return None;
        }
        if let Some(Const::Duration(n) | Const::Percent(n)) = value
            && (n < 0 || matches!(value, Some(Const::Percent(p)) if p > 100))
        {
            let range =
                if *ty == Type::Duration { "durations are zero or more" } else { "percentages go from 0% to 100%" };
            self.error(
                Diagnostic::error(codes::OUT_OF_RANGE, format!("this default is out of range: {range}"), e.span)
                    .with_label_message("out of range")
                    .with_help(format!("write a default such as {}", example_of(ty))),
            );
            return None;
        }
        value
    }

    fn positive_duration(&mut self, e: &ast::Expr) -> Option<u64> {
        match const_eval(e) {
            Ok(Const::Duration(ms)) if ms > 0 => Some(ms as u64),
            Err(ConstError::Unreadable) => None,
            _ => {
                self.error(
                    Diagnostic::error(codes::BAD_RATE, "expected a positive duration", e.span)
                        .with_label_message("not a positive duration")
                        .with_help("write a duration with its unit, such as `1 s` or `10 min`"),
                );
                None
            }
        }
    }

    fn lower_clauses(&mut self, clauses: &[ActionClause], action: &mut ActionDef, processors: &[NamedDef]) {
        for clause in clauses {
            match clause {
                ActionClause::Cost(n, unit) => {
                    if unit.node != "mW" {
                        self.error(
                            Diagnostic::error(
                                codes::PROFILE_BAD_MEMBER,
                                format!("cost is a power in mW, not `{}`", unit.node),
                                unit.span,
                            )
                            .with_label_message("not mW")
                            .with_help(format!("write `cost {} mW`", n.node)),
                        );
                    }
                    action.cost_mw = n.node;
                }
                ActionClause::Takes(e) => {
                    if let ast::ExprKind::Path(p) = &e.kind
                        && let Some(i) = action.params.iter().position(|q| q.name == p.text())
                    {
                        if action.params[i].ty != Type::Duration {
                            self.error(
                                Diagnostic::error(
                                    codes::TYPE_MISMATCH,
                                    format!("`{}` is not a Duration parameter", p.text()),
                                    e.span,
                                )
                                .with_label_message("not a Duration parameter")
                                .with_help("`takes` names a fixed duration or a Duration parameter"),
                            );
                        }
                        action.takes = Some(Takes::Param(i));
                    } else if let Some(ms) = self.positive_duration(e) {
                        action.takes = Some(Takes::Millis(ms));
                    }
                }
                ActionClause::On(p) => {
                    if !processors.iter().any(|q| q.name == p.node) {
                        let help = did_you_mean(&p.node, processors.iter().map(|q| q.name.as_str()))
                            .unwrap_or_else(|| "declare it with `processor NAME` in this profile".into());
                        self.error(
                            Diagnostic::error(
                                codes::UNKNOWN_REFERENCE,
                                format!("this profile has no processor `{}`", p.node),
                                p.span,
                            )
                            .with_label_message("unknown processor")
                            .with_help(help),
                        );
                    }
                    action.processor = Some(p.node.clone());
                }
                ActionClause::Privacy(p) => {
                    if !PRIVACY_CLASSES.contains(&p.node.as_str()) {
                        let help = did_you_mean(&p.node, PRIVACY_CLASSES.iter().copied())
                            .unwrap_or_else(|| format!("the privacy classes are {}", PRIVACY_CLASSES.join(", ")));
                        self.error(
                            Diagnostic::error(
                                codes::UNKNOWN_REFERENCE,
                                format!("there is no privacy class `{}`", p.node),
                                p.span,
                            )
                            .with_label_message("unknown privacy class")
                            .with_help(help),
                        );
                    }
                    action.privacy = Some(p.node.clone());
                }
            }
        }
    }

    /// A device reached through another gets the link state and events (see [`Link`]); a
    /// profile that declares one of them itself is told to remove it, and its line is dropped.
    fn add_link_members(&mut self, model: &mut ProfileModel) {
        let (Some(via), Some(at)) = (model.device.via.clone(), model.device.via_origin.clone()) else { return };
        let dev = model.device.name.clone();
        let mut reports = Vec::new();
        model.states.retain(|s| {
            let clash = s.capability.is_none() && s.name == Link::STATE;
            if clash {
                reports.push((s.name.clone(), s.origin.span));
            }
            !clash
        });
        model.events.retain(|e| {
            let clash = e.capability.is_none() && (e.name == Link::UP || e.name == Link::DOWN);
            if clash {
                reports.push((e.name.clone(), e.origin.span));
            }
            !clash
        });
        for (name, span) in reports {
            // The model's spans are absolute already.
            self.diags.push(
                Diagnostic::error(
                    codes::DUPLICATE_NAME,
                    format!("`{name}` is supplied by the toolchain for `{dev}`"),
                    span,
                )
                .with_label_message("declared here as well")
                .with_secondary(at.span, format!("`{dev}` is reached through `{via}`, so it has a link"))
                .with_help(
                    "remove this line: every device reached with `via` has the state `connected` and the events `connected` and `disconnected`",
                ),
            );
        }
        model.states.push(StateDef {
            device: dev.clone(),
            capability: None,
            name: Link::STATE.into(),
            ty: Type::Bool,
            unit: None,
            doc: Some(format!("The link to `{dev}` through `{via}` is up")),
            origin: at.clone(),
            link: Some(Link::State),
        });
        for (link, name, doc) in [
            (Link::Up, Link::UP, format!("The link to `{dev}` through `{via}` came up")),
            (Link::Down, Link::DOWN, format!("The link to `{dev}` through `{via}` was lost")),
        ] {
            model.events.push(EventDef {
                device: dev.clone(),
                capability: None,
                name: name.into(),
                params: Vec::new(),
                max_rate: Some((1, 1000)),
                doc: Some(doc),
                origin: at.clone(),
                link: Some(link),
            });
        }
    }

    /// Two members of one kind with one name in one capability (or at the top) clash.
    fn check_duplicates(&mut self, members: &[(Option<&ast::Name>, &ast::Member)]) {
        let mut first_of: HashMap<(&str, Option<&str>, &str), Span> = HashMap::with_capacity(members.len());
        for (cap, m) in members {
            let (kind, name) = match &m.kind {
                MemberKind::Processor { name } => ("processor", name),
                MemberKind::Enum { name, .. } => ("enum", name),
                MemberKind::State { name, .. } => ("value", name),
                MemberKind::Capability { name, .. } => ("capability", name),
                MemberKind::Event { name, .. } => ("event", name),
                MemberKind::Action { name, .. } => ("action", name),
                MemberKind::Device { .. } | MemberKind::Error => continue,
            };
            let cap = cap.map(|c| c.node.as_str());
            match first_of.entry((kind, cap, &name.node)) {
                Entry::Occupied(first) => self.error(duplicate(&name.node, name.span, *first.get())),
                Entry::Vacant(slot) => {
                    slot.insert(name.span);
                }
            }
        }
    }
}

/// An example constant of a type, for help lines.
pub fn example_of(ty: &Type) -> String {
    match ty {
        Type::Bool => "`true`".into(),
        Type::Int => "`3`".into(),
        Type::Percent => "`20%`".into(),
        Type::Duration => "`5 s`".into(),
        Type::Text => "`\"hello\"`".into(),
        Type::Time => "`07:30`".into(),
        Type::Enum(name) => format!("a value of `{name}`"),
        Type::Error => "a value".into(),
    }
}

/// Keeps `ConstError` in the public API for the checker's messages.
pub fn const_error_text(e: &ConstError) -> &'static str {
    match e {
        ConstError::NotConstant => "it depends on states or variables",
        ConstError::Overflow => "it overflows",
        ConstError::DivisionByZero => "it divides by zero",
        ConstError::Unreadable => "a part of it could not be read",
    }
}
