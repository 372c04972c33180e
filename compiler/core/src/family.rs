//! Device families: `family glasses { ... }` says what every product of a kind has, and a
//! product's profile says it is one (`profile ray-ban-meta implements glasses { ... }`).
//!
//! A pack that uses a family is written for all of its products at once: it is checked against
//! the family (so it names only what every product has) and then against each product in the
//! family's place, where the product brings only the family's members, and it is built and
//! tested once per product. For that to hold, a product must have every member of its families
//! in the same shape; [`conformance`] says where it does not.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::model::{ActionDef, EventDef, Member, Origin, ParamDef, ProfileModel, StateDef};
use crate::suggest::did_you_mean;
use crate::types::Type;

/// The products that implement `family`, by name.
pub fn implementers<'a>(
    profiles: &'a BTreeMap<String, Arc<ProfileModel>>,
    family: &str,
) -> impl Iterator<Item = &'a Arc<ProfileModel>> {
    profiles.values().filter(move |p| !p.family && p.implements.iter().any(|(f, _)| f == family))
}

/// What is wrong with `product`'s `implements` clauses: each family must exist and be a family,
/// and the product must have each of its members, of the same type. Spans are absolute; the
/// diagnostics belong to the product's file.
pub fn conformance(product: &ProfileModel, profiles: &BTreeMap<String, Arc<ProfileModel>>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (name, at) in &product.implements {
        let Some(family) = profiles.get(name).filter(|f| f.family) else {
            out.push(unknown_family(name, at, profiles));
            continue;
        };
        Conformance { product, family, at, out: &mut out }.check();
    }
    out
}

fn unknown_family(name: &str, at: &Origin, profiles: &BTreeMap<String, Arc<ProfileModel>>) -> Diagnostic {
    if profiles.get(name).is_some_and(|p| !p.family) {
        return Diagnostic::error(codes::UNKNOWN_PROFILE, format!("`{name}` is a product, not a family"), at.span)
            .with_label_message("a product's profile")
            .with_help(format!(
                "a profile implements a `family`, which lists what every product of a kind has; `{name}` is one product"
            ));
    }
    let families: Vec<&str> = profiles.values().filter(|p| p.family).map(|p| p.name.as_str()).collect();
    let help = did_you_mean(name, families.iter().copied()).unwrap_or_else(|| match families.as_slice() {
        [] => "no family was given to the compiler; pass the file that declares `family NAME { ... }` too".into(),
        _ => format!(
            "the known families are {}",
            families.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
        ),
    });
    Diagnostic::error(codes::UNKNOWN_PROFILE, format!("there is no family named `{name}`"), at.span)
        .with_label_message("unknown family")
        .with_help(help)
}

struct Conformance<'a> {
    product: &'a ProfileModel,
    family: &'a ProfileModel,
    /// Where the product names the family.
    at: &'a Origin,
    out: &'a mut Vec<Diagnostic>,
}

impl Conformance<'_> {
    fn check(mut self) {
        let (device, theirs) = (&self.family.device.name, &self.product.device.name);
        if device != theirs {
            let d = self
                .error(format!(
                    "`{}` is a family of `{device}` devices, and this profile describes a `{theirs}`",
                    self.family.name
                ))
                .with_label_message(format!("not a `{device}`"))
                .with_help(format!(
                    "a profile implements a family of its own device; remove `implements {}`",
                    self.family.name
                ));
            self.out.push(d);
            return;
        }
        if self.family.device.via != self.product.device.via {
            let via = |v: &Option<String>| v.as_ref().map_or("directly".to_string(), |v| format!("via `{v}`"));
            let d = self
                .error(format!(
                    "the family's `{device}` is reached {}, and this one {}",
                    via(&self.family.device.via),
                    via(&self.product.device.via)
                ))
                .with_label_message("linked differently")
                .with_help("write the same `via` in the family and the product's `device` line");
            self.out.push(d);
        }
        for e in &self.family.enums {
            let Some(mine) = self.product.enums.iter().find(|m| m.name == e.name) else {
                let help = format!("add `enum {} {{ {} }}` to this profile", e.name, e.variants.join(", "));
                self.absent("enum", &e.name, &e.origin, help);
                continue;
            };
            let lacking: Vec<&str> =
                e.variants.iter().filter(|v| !mine.variants.contains(v)).map(String::as_str).collect();
            if !lacking.is_empty() {
                let list = lacking.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ");
                let d = self.differs(
                    format!("this profile's `{}` lacks {list}, which `{}` has", e.name, self.family.name),
                    &mine.origin,
                    &e.origin,
                    format!("add {list} to `{}`; a product may have more values than its family, not fewer", e.name),
                );
                self.out.push(d);
            }
        }
        for s in self.family.states.iter().filter(|s| s.link.is_none()) {
            match find(&self.product.states, s) {
                Ok(mine) => self.same_type("the state", mine, s),
                Err(moved) => self.missing("state", s, format!("state {}: {}", s.name, shown(&s.ty, &s.unit)), moved),
            }
        }
        for e in self.family.events.iter().filter(|e| e.link.is_none()) {
            match find(&self.product.events, e) {
                Ok(mine) => self.event(mine, e),
                Err(moved) => self.missing("event", e, format!("event {}{}", e.name, params(&e.params)), moved),
            }
        }
        for a in &self.family.actions {
            match find(&self.product.actions, a) {
                Ok(mine) => self.action(mine, a),
                Err(moved) => self.missing("action", a, format!("action {}{}", a.name, params(&a.params)), moved),
            }
        }
    }

    fn error(&self, message: String) -> Diagnostic {
        Diagnostic::error(codes::FAMILY_NOT_IMPLEMENTED, message, self.at.span).with_secondary_in(
            self.family.origin.file.clone(),
            self.family.origin.span,
            "the family is declared here",
        )
    }

    /// The product has no member in the place of the family's `theirs`; `moved` is one of that
    /// name in another capability, if it has one. `line` is the declaration to add.
    fn missing<M: Member>(&mut self, what: &str, theirs: &M, line: String, moved: Option<&M>) {
        let capability = theirs.capability();
        let qualified = qualified(capability, theirs.name());
        let Some(mine) = moved else {
            return self.absent(what, &qualified, theirs.origin(), add_line(capability, line));
        };
        let family = &self.family.name;
        let place = |c: &Option<Arc<str>>| {
            c.as_ref().map_or("outside any capability".to_string(), |c| format!("in `capability {c}`"))
        };
        let d = self
            .differs(
                format!(
                    "`{}` is {} here and {} in `{family}`",
                    theirs.name(),
                    place(mine.capability()),
                    place(capability)
                ),
                mine.origin(),
                theirs.origin(),
                format!(
                    "move it {}: a pack for every `{family}` names it `{qualified}`",
                    place(capability).replace("in `", "into `")
                ),
            )
            .with_label_message(format!("not where `{family}` has it"));
        self.out.push(d);
    }

    /// The product has nothing of this name: reported at its `implements`.
    fn absent(&mut self, what: &str, qualified: &str, theirs: &Origin, help: String) {
        let (product, family) = (&self.product.name, &self.family.name);
        let d = Diagnostic::error(
            codes::FAMILY_NOT_IMPLEMENTED,
            format!("`{product}` implements `{family}` but has no {what} `{qualified}`"),
            self.at.span,
        )
        .with_label_message(format!("no `{qualified}` in this profile"))
        .with_secondary_in(theirs.file.clone(), theirs.span, format!("every `{family}` has it"))
        .with_help(help);
        self.out.push(d);
    }

    /// A member of the product that differs from the family's: reported at the product's member.
    fn differs(&self, message: String, mine: &Origin, theirs: &Origin, help: String) -> Diagnostic {
        Diagnostic::error(codes::FAMILY_NOT_IMPLEMENTED, message, mine.span)
            .with_label_message(format!("not as in `{}`", self.family.name))
            .with_secondary_in(theirs.file.clone(), theirs.span, format!("as `{}` declares it", self.family.name))
            .with_secondary_in(self.at.file.clone(), self.at.span, "the family this profile implements")
            .with_help(help)
    }

    fn same_type(&mut self, what: &str, mine: &StateDef, theirs: &StateDef) {
        if !same_type(&mine.ty, &theirs.ty) || mine.unit != theirs.unit {
            let (want, have) = (shown(&theirs.ty, &theirs.unit), shown(&mine.ty, &mine.unit));
            let name = qualified(&theirs.capability, &theirs.name);
            let d = self.differs(
                format!("{what} `{name}` is {have} here and {want} in `{}`", self.family.name),
                &mine.origin,
                &theirs.origin,
                format!("declare it as `{}: {want}`, the type every `{}` has", theirs.name, self.family.name),
            );
            self.out.push(d);
        }
    }

    fn event(&mut self, mine: &EventDef, theirs: &EventDef) {
        let name = qualified(&theirs.capability, &theirs.name);
        for field in &theirs.params {
            self.field(&name, "payload field", &mine.params, field, &mine.origin);
        }
        // A pack counts on the family's bound: a product may raise the event less often, not more.
        if let Some((n, window)) = theirs.max_rate {
            let within =
                mine.max_rate.is_some_and(|(m, w)| u128::from(m) * u128::from(window) <= u128::from(n) * u128::from(w));
            if !within {
                let d = self.differs(
                    format!("`{name}` may be raised more often here than `{}` allows", self.family.name),
                    &mine.origin,
                    &theirs.origin,
                    format!("declare `max {n} per {}` or less on this event", window_text(window)),
                );
                self.out.push(d);
            }
        }
    }

    fn action(&mut self, mine: &ActionDef, theirs: &ActionDef) {
        let name = qualified(&theirs.capability, &theirs.name);
        for param in &theirs.params {
            self.field(&name, "parameter", &mine.params, param, &mine.origin);
            if let Some(own) = mine.params.iter().find(|p| p.name == param.name)
                && param.default.is_some()
                && own.default.is_none()
            {
                let d = self.differs(
                    format!("`{}` of `{name}` has a default in `{}` and none here", param.name, self.family.name),
                    &own.origin,
                    &param.origin,
                    format!(
                        "give `{}` a default: a pack for every `{}` may leave it out",
                        param.name, self.family.name
                    ),
                );
                self.out.push(d);
            }
        }
        // A pack calls the action with the family's parameters only: every other one needs a default.
        for own in mine.params.iter().filter(|p| p.default.is_none() && !theirs.params.iter().any(|q| q.name == p.name))
        {
            let d = self.differs(
                format!("`{name}` needs `{}` here, which `{}` does not have", own.name, self.family.name),
                &own.origin,
                &theirs.origin,
                format!(
                    "give `{}` a default, so that a pack for every `{}` can call `{name}` without it",
                    own.name, self.family.name
                ),
            );
            self.out.push(d);
        }
        if mine.privacy != theirs.privacy {
            let class =
                |p: &Option<String>| p.as_ref().map_or("no permission".to_string(), |c| format!("`permit {c}`"));
            let d = self.differs(
                format!("`{name}` needs {} here and {} in `{}`", class(&mine.privacy), class(&theirs.privacy), self.family.name),
                &mine.origin,
                &theirs.origin,
                match &theirs.privacy {
                    Some(c) => format!("write `privacy {c}` on this action, as the family does"),
                    None => "a pack for every product asks for the permissions the family declares: add the `privacy` clause to the family's action too".into(),
                },
            );
            self.out.push(d);
        }
    }

    /// A payload field or a parameter the family declares, in the product's list.
    fn field(&mut self, member: &str, what: &str, mine: &[ParamDef], theirs: &ParamDef, at: &Origin) {
        let want = shown(&theirs.ty, &theirs.unit);
        match mine.iter().find(|p| p.name == theirs.name) {
            None => {
                let d = self.differs(
                    format!("`{member}` has no {what} `{}` here", theirs.name),
                    at,
                    &theirs.origin,
                    format!("add `{}: {want}` to `{member}`", theirs.name),
                );
                self.out.push(d);
            }
            Some(own) if !same_type(&own.ty, &theirs.ty) || own.unit != theirs.unit => {
                let d = self.differs(
                    format!(
                        "the {what} `{}` of `{member}` is {} here and {want} in `{}`",
                        theirs.name,
                        shown(&own.ty, &own.unit),
                        self.family.name
                    ),
                    &own.origin,
                    &theirs.origin,
                    format!("declare it as `{}: {want}`", theirs.name),
                );
                self.out.push(d);
            }
            Some(_) => {}
        }
    }
}

/// A type that failed to lower already has its error: it is not reported again here.
fn same_type(a: &Type, b: &Type) -> bool {
    a == b || *a == Type::Error || *b == Type::Error
}

/// A member as a pack for the family may name it: `camera.recording`, `worn`.
fn qualified(capability: &Option<Arc<str>>, name: &str) -> String {
    match capability {
        Some(c) => format!("{c}.{name}"),
        None => name.to_string(),
    }
}

/// The product's member in the place of the family's `theirs`, or else one of that name in
/// another capability (`Err(Some)`) or none (`Err(None)`).
fn find<'m, M: Member>(mine: &'m [M], theirs: &M) -> Result<&'m M, Option<&'m M>> {
    match mine.iter().find(|m| m.same_place(theirs)) {
        Some(m) => Ok(m),
        None => Err(mine.iter().find(|m| m.name() == theirs.name())),
    }
}

/// `Int km/h`, `Percent`: a type as a profile writes it.
fn shown(ty: &Type, unit: &Option<String>) -> String {
    format!("{ty}{}", crate::model::unit_suffix(unit))
}

fn params(params: &[ParamDef]) -> String {
    if params.is_empty() {
        return String::new();
    }
    let list: Vec<String> = params.iter().map(|p| format!("{}: {}", p.name, shown(&p.ty, &p.unit))).collect();
    format!("({})", list.join(", "))
}

fn add_line(capability: &Option<Arc<str>>, line: String) -> String {
    match capability {
        Some(c) => format!("add `{line}` to this profile's `capability {c}`"),
        None => format!("add `{line}` to this profile"),
    }
}

/// `second`, `10 min`: a rate's window as a profile writes it after `per`.
fn window_text(ms: u64) -> String {
    match ms {
        1_000 => "second".into(),
        60_000 => "minute".into(),
        3_600_000 => "hour".into(),
        _ => crate::syntax::units::duration_text(i64::try_from(ms).unwrap_or(i64::MAX)),
    }
}
