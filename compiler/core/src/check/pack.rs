//! The pack's own declarations (`use`, `permit`, `var`) and the scope they build.

use std::sync::Arc;

use super::Checker;
use super::expr::Locals;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::model::{Member, PRIVACY_CLASSES, ProfileModel};
use crate::scope::{Elsewhere, LimitDef, MemberKind, Scope, VarDef};
use crate::suggest::did_you_mean;
use crate::syntax::ast::{ItemKind, LimitDecl, VarDecl};
use crate::types::{Const, ConstError, Type, const_eval};

/// Builds the scope of a pack from its declarations (`(offset, item)` pairs, in file order).
/// `profiles` are all profiles known to the compiler, by name; `products` says which product
/// stands for each family in use (`(family, product)`; none for the pack as written).
/// Diagnostics have absolute spans.
pub fn build_scope(
    decls: &[(u32, &ItemKind)],
    profiles: &std::collections::BTreeMap<String, Arc<ProfileModel>>,
    products: &[(String, String)],
) -> (Scope, Vec<Diagnostic>) {
    let mut scope = Scope::default();
    let mut diags = Vec::new();
    for (offset, item) in decls {
        let ItemKind::Use(names) = item else { continue };
        for name in names {
            let span = name.span.shift(*offset);
            let product = products.iter().find(|(family, _)| *family == name.node).and_then(|(_, p)| profiles.get(p));
            match product.or_else(|| profiles.get(&name.node)) {
                Some(p) if scope.profiles.iter().any(|q| q.name == p.name) => {
                    let first = decl_span(decls, &p.name);
                    diags.push(
                        Diagnostic::warning(
                            codes::DUPLICATE_DECLARATION,
                            format!("`{}` is already used", name.node),
                            span,
                        )
                        .with_label_message("used again here")
                        .with_secondary(first, "first used here")
                        .with_help("remove the second mention; it changes nothing"),
                    )
                }
                Some(p) => match scope.profiles.iter().find(|q| q.device.name == p.device.name) {
                    Some(first) => {
                        // The names of the device would each mean two things: the second
                        // profile stays out of scope, and names only it has are not reported.
                        scope.incomplete = true;
                        let device = &p.device.name;
                        diags.push(
                            Diagnostic::error(
                                codes::TWO_PROFILES_OF_ONE_DEVICE,
                                format!("`{}` and `{}` both describe the device `{device}`", first.name, p.name),
                                span,
                            )
                            .with_label_message(format!("a second `{device}`"))
                            .with_secondary(
                                decl_span(decls, &first.name),
                                format!("`{device}` is `{}` here", first.name),
                            )
                            .with_help(one_of_a_device(first, p)),
                        );
                    }
                    None => {
                        if p.family && crate::family::implementers(profiles, &p.name).next().is_none() {
                            diags.push(
                                Diagnostic::warning(
                                    codes::FAMILY_WITHOUT_PRODUCTS,
                                    format!("no profile implements the family `{}`", p.name),
                                    span,
                                )
                                .with_label_message("a family without products")
                                .with_help(format!(
                                    "the pack is checked against `{}` alone and cannot be built or tested: pass the profiles of its products, each with `implements {}`",
                                    p.name, p.name
                                )),
                            );
                        }
                        scope.profiles.push(p.clone());
                    }
                },
                None => {
                    scope.incomplete = true;
                    let help = did_you_mean(&name.node, profiles.keys().map(String::as_str)).unwrap_or_else(|| {
                        if profiles.is_empty() {
                            "no profiles were given to the compiler; pass the profile files (or their folder) too"
                                .into()
                        } else {
                            format!(
                                "the known profiles are {}",
                                profiles.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                            )
                        }
                    });
                    diags.push(
                        Diagnostic::error(
                            codes::UNKNOWN_PROFILE,
                            format!("there is no profile named `{}`", name.node),
                            span,
                        )
                        .with_label_message("unknown profile")
                        .with_help(help),
                    );
                }
            }
        }
    }
    if scope.profiles.is_empty() {
        scope.incomplete = true;
    }
    for p in profiles.values().filter(|p| !scope.profiles.iter().any(|q| q.name == p.name)) {
        // A product of a family in use is not to be added to `use`: the pack is for all of them.
        let family = p.implements.iter().find(|(f, _)| scope.profiles.iter().any(|q| q.family && q.name == *f));
        let member = |kind, device: &Arc<str>, capability: &Option<Arc<str>>, name: &str| Elsewhere {
            profile: p.name.clone(),
            family: family.map(|(f, _)| f.clone()),
            kind,
            device: device.clone(),
            capability: capability.clone(),
            name: name.to_string(),
        };
        let d = &p.device.name;
        scope.elsewhere.push(member(MemberKind::Device, d, &None, d));
        scope.elsewhere.extend(p.events.iter().map(|e| member(MemberKind::Event, &e.device, &e.capability, &e.name)));
        scope.elsewhere.extend(p.states.iter().map(|e| member(MemberKind::State, &e.device, &e.capability, &e.name)));
        scope.elsewhere.extend(p.actions.iter().map(|e| member(MemberKind::Action, &e.device, &e.capability, &e.name)));
    }
    // The first enum of each name, to compare each profile's enums with.
    let mut enum_of: std::collections::HashMap<Arc<str>, usize> = std::collections::HashMap::new();
    for p in &scope.profiles {
        scope.devices.push(p.device.clone());
        // A product in its family's place brings only the family's members: the pack means
        // those, and the product's others (which could make a short name ambiguous) are not its.
        let family = products.iter().find(|(_, product)| *product == p.name).and_then(|(f, _)| profiles.get(f));
        scope.events.extend(p.events.iter().filter(|m| family.is_none_or(|f| has(&f.events, *m))).cloned());
        scope.states.extend(p.states.iter().filter(|m| family.is_none_or(|f| has(&f.states, *m))).cloned());
        scope.actions.extend(p.actions.iter().filter(|m| family.is_none_or(|f| has(&f.actions, *m))).cloned());
        for e in &p.enums {
            match enum_of.get(&e.name).map(|&i| &scope.enums[i]) {
                Some(f) if f.variants != e.variants => {
                    if !scope.conflicting_enums.contains(&e.name) {
                        scope.conflicting_enums.push(e.name.clone());
                    }
                    diags.push(
                        Diagnostic::error(
                            codes::DUPLICATE_NAME,
                            format!("two profiles in use declare different enums `{}`", e.name),
                            decl_span(decls, &p.name),
                        )
                        .with_label_message("two different enums")
                        .with_secondary_in(e.origin.file.clone(), e.origin.span, "declared here")
                        .with_secondary_in(f.origin.file.clone(), f.origin.span, "and differently here")
                        .with_help("rename one of the enums in its profile"),
                    )
                }
                Some(_) => {}
                None => {
                    enum_of.insert(e.name.clone(), scope.enums.len());
                    scope.enums.push(e.clone());
                }
            }
        }
    }
    let mut var_of: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (offset, item) in decls {
        match item {
            ItemKind::Permit(names) => {
                for name in names {
                    let span = name.span.shift(*offset);
                    if !PRIVACY_CLASSES.contains(&name.node.as_str()) {
                        let help = did_you_mean(&name.node, PRIVACY_CLASSES.iter().copied())
                            .unwrap_or_else(|| format!("the permissions are {}", PRIVACY_CLASSES.join(", ")));
                        diags.push(
                            Diagnostic::error(
                                codes::UNKNOWN_NAME,
                                format!("there is no permission `{}`", name.node),
                                span,
                            )
                            .with_label_message("unknown permission")
                            .with_help(help),
                        );
                    } else if let Some((_, first)) = scope.permits.iter().find(|(p, _)| *p == name.node) {
                        diags.push(
                            Diagnostic::warning(
                                codes::DUPLICATE_DECLARATION,
                                format!("`{}` is already permitted", name.node),
                                span,
                            )
                            .with_label_message("permitted again here")
                            .with_secondary(*first, "first permitted here")
                            .with_help("remove the second mention; it changes nothing"),
                        );
                    } else {
                        scope.permits.push((name.node.clone(), span));
                    }
                }
            }
            ItemKind::Var(var) => {
                if var.name.node == crate::types::TIME_OF_DAY {
                    diags.push(crate::types::time_of_day_taken("a variable", var.name.span.shift(*offset)));
                }
                let (def, var_diags) = lower_var(var, &scope);
                diags.extend(var_diags.into_iter().map(|d| d.shifted(*offset)));
                let def = VarDef { span: def.span.shift(*offset), ..def };
                if let Some(first) = var_of.get(&def.name).map(|&i| &scope.vars[i]) {
                    diags.push(declared_twice("variable", &def.name, def.span, first.span));
                } else {
                    var_of.insert(def.name.clone(), scope.vars.len());
                    scope.vars.push(def);
                }
            }
            ItemKind::Limit(limit) => {
                let (def, limit_diags) = lower_limit(limit, &scope);
                diags.extend(limit_diags.into_iter().map(|d| d.shifted(*offset)));
                let def = LimitDef { span: def.span.shift(*offset), ..def };
                if let Some(first) = scope.limits.iter().find(|l| l.name == def.name) {
                    diags.push(declared_twice("limit", &def.name, def.span, first.span));
                } else {
                    // A row names its limit in one byte: the verifier refuses more. The limit
                    // stays in scope, so that the rules naming it are not told it is unknown.
                    if scope.limits.len() == usize::from(glass_runtime::isa::MAX_LIMITS) {
                        diags.push(
                            Diagnostic::error(
                                codes::RUNTIME_LIMIT,
                                format!(
                                    "the pack declares more limits than the runtime's {}",
                                    glass_runtime::isa::MAX_LIMITS
                                ),
                                def.span,
                            )
                            .with_label_message("beyond the runtime's limits")
                            .with_help("let rules that say the same thing share one limit, or split the pack"),
                        );
                    }
                    scope.limits.push(def);
                }
            }
            _ => {}
        }
    }
    // Lookups while the variables were added built tables of fewer variables: build them anew.
    scope.index = Default::default();
    (scope, diags)
}

/// The help of E0115: which of the two profiles of one device to keep. A family and one of its
/// products are a choice between every product and that one.
fn one_of_a_device(first: &ProfileModel, second: &ProfileModel) -> String {
    let device = &first.device.name;
    let (family, product) = match (first.family, second.family) {
        (true, false) => (first, second),
        (false, true) => (second, first),
        _ => {
            return format!(
                "a pack is written for one `{device}`: use `{}` or `{}`, not both",
                first.name, second.name
            );
        }
    };
    if product.implements.iter().any(|(f, _)| *f == family.name) {
        format!(
            "`{}` is one of the products of `{}`: use `{}` to write the pack for all of them, or `{}` for that product alone",
            product.name, family.name, family.name, product.name
        )
    } else {
        format!(
            "a pack is written for one `{device}`: use the family `{}` or the product `{}`, not both",
            family.name, product.name
        )
    }
}

/// Whether `members` has one in `member`'s place (its capability and name).
fn has<M: Member>(members: &[M], member: &M) -> bool {
    members.iter().any(|m| m.same_place(member))
}

/// Where `use` names `profile`.
pub(crate) fn decl_span(decls: &[(u32, &ItemKind)], profile: &str) -> crate::span::Span {
    for (offset, item) in decls {
        if let ItemKind::Use(names) = item
            && let Some(n) = names.iter().find(|n| n.node == profile)
        {
            return n.span.shift(*offset);
        }
    }
    crate::span::Span::default()
}

/// E0109 for a pack declaration (`what`: "variable", "limit") named like an earlier one.
fn declared_twice(what: &str, name: &str, span: crate::span::Span, first: crate::span::Span) -> Diagnostic {
    Diagnostic::error(codes::DUPLICATE_NAME, format!("the {what} `{name}` is declared twice"), span)
        .with_label_message("declared again here")
        .with_secondary(first, "first declared here")
        .with_help("rename or remove one of them")
}

/// A shared limit allows at least one run, in a window of a constant duration above zero.
fn lower_limit(limit: &LimitDecl, scope: &Scope) -> (LimitDef, Vec<Diagnostic>) {
    let mut cx = Checker::new(scope);
    if limit.count.node == 0 {
        cx.error(
            Diagnostic::error(codes::BAD_RATE, "a limit of 0 runs would let no rule run", limit.count.span)
                .with_label_message("zero runs")
                .with_help("write `at most once per ...`, or remove the limit and the rules' `limit` options"),
        );
    }
    let runtime_max = glass_runtime::isa::MAX_RATE;
    if limit.count.node > u64::from(runtime_max) {
        cx.error(
            Diagnostic::error(
                codes::RUNTIME_LIMIT,
                format!("`at most {} times` is more than the runtime's {runtime_max} runs per limit", limit.count.node),
                limit.count.span,
            )
            .with_label_message("beyond the runtime's limits")
            .with_help("use a longer window with a smaller count"),
        );
    }
    let window_ms = cx.positive_duration(&limit.window, "a limit");
    let def = LimitDef { name: limit.name.node.clone(), count: limit.count.node, window_ms, span: limit.name.span };
    (def, cx.out.diagnostics)
}

/// A variable's type must be bounded, and its initial value a constant of that type.
fn lower_var(var: &VarDecl, scope: &Scope) -> (VarDef, Vec<Diagnostic>) {
    let mut cx = Checker::new(scope);
    let name = &var.ty.name.node;
    let mut range = None;
    let ty = match Type::builtin(name) {
        Some(Type::Text | Type::Time) => {
            cx.error(
                Diagnostic::error(codes::UNBOUNDED_VARIABLE, format!("pack variables cannot be {name}"), var.ty.span)
                    .with_label_message("not a bounded type")
                    .with_help("use Bool, Percent, Duration, an enum, or an Int with a range such as `Int 0..100`"),
            );
            Type::Error
        }
        Some(Type::Int) => match &var.ty.range {
            None => {
                cx.error(
                    Diagnostic::error(codes::UNBOUNDED_VARIABLE, "an Int variable needs a range", var.ty.span)
                        .with_label_message("no range")
                        .with_help("give its smallest and largest value, e.g. `Int 0..100`")
                        .with_fix("add a range", var.ty.span, "Int 0..100"),
                );
                Type::Int
            }
            Some((lo, hi)) => {
                match (const_eval(lo), const_eval(hi)) {
                    (Ok(Const::Int(a)), Ok(Const::Int(b))) if a <= b => range = Some((a, b)),
                    (Err(ConstError::Unreadable), _) | (_, Err(ConstError::Unreadable)) => {}
                    (Ok(Const::Int(_)), Ok(Const::Int(_))) => cx.error(
                        Diagnostic::error(
                            codes::OUT_OF_RANGE,
                            "the range is empty: its start is larger than its end",
                            lo.span.to(hi.span),
                        )
                        .with_label_message("empty range")
                        .with_help("write the smaller number first"),
                    ),
                    _ => cx.error(
                        Diagnostic::error(codes::TYPE_MISMATCH, "a range is two whole numbers", lo.span.to(hi.span))
                            .with_label_message("not whole numbers")
                            .with_help("write it like `0..100`"),
                    ),
                }
                Type::Int
            }
        },
        Some(t) => t,
        None => match scope.enum_def(name) {
            Some(e) => Type::Enum(e.name.clone()),
            None => {
                let names = Type::BUILTIN_NAMES.iter().copied().chain(scope.enums.iter().map(|e| &*e.name));
                let help = did_you_mean(name, names)
                    .unwrap_or_else(|| "use Bool, Int A..B, Percent, Duration or an enum of a profile in use".into());
                cx.error(
                    Diagnostic::error(codes::UNKNOWN_TYPE, format!("there is no type `{name}`"), var.ty.name.span)
                        .with_label_message("unknown type")
                        .with_help(help),
                );
                Type::Error
            }
        },
    };
    if var.ty.range.is_some() && ty != Type::Int && ty != Type::Error {
        cx.error(
            Diagnostic::error(codes::TYPE_MISMATCH, format!("only Int variables take a range, not {ty}"), var.ty.span)
                .with_label_message("a range on a type without one")
                .with_help("remove the range"),
        );
    }
    let init = if let Some(e) = &var.init {
        cx.expect_type(e, &ty, Locals::default());
        let init = match const_eval(e) {
            Ok(c) => Some(c),
            Err(ConstError::Unreadable) => None,
            Err(_) => match (&e.kind, &ty) {
                (crate::syntax::ast::ExprKind::Path(p), Type::Enum(en)) => {
                    Some(Const::Enum(en.clone(), p.text().into()))
                }
                _ => {
                    if cx.errors_so_far() == 0 {
                        cx.error(
                            Diagnostic::error(codes::NOT_CONSTANT, "a variable starts with a constant value", e.span)
                                .with_label_message("not a constant")
                                .with_help(format!(
                                    "start it with a constant such as {}; rules can change it with `set`",
                                    starting_example(&ty, scope)
                                )),
                        );
                    }
                    None
                }
            },
        };
        let fresh = cx.errors_so_far() == 0;
        if let (true, Some(Const::Duration(n) | Const::Percent(n))) = (fresh, &init)
            && (*n < 0 || matches!(init, Some(Const::Percent(p)) if p > 100))
        {
            let what = if ty == Type::Duration { "a duration from 0 s up" } else { "a percentage from 0% to 100%" };
            let beyond = if *n < 0 { "below zero" } else { "over 100%" };
            cx.error(
                Diagnostic::error(
                    codes::OUT_OF_RANGE,
                    format!("`{}` works out to {}, {beyond}", crate::syntax::print::expr(e), show_const(init.as_ref())),
                    e.span,
                )
                .with_label_message(beyond)
                .with_help(format!("start with {what}")),
            );
        }
        if let (Some(Const::Int(n)), Some((lo, hi))) = (&init, range)
            && (*n < lo || *n > hi)
        {
            cx.error(
                Diagnostic::error(codes::OUT_OF_RANGE, format!("{n} is outside the range {lo}..{hi}"), e.span)
                    .with_label_message("out of range")
                    .with_help(format!("start with a value from {lo} to {hi}")),
            );
        }
        init
    } else {
        default_value(&ty, range, scope)
    };
    let unit = cx.var_unit(var, &ty);
    let def = VarDef { name: var.name.node.clone(), ty, range, init, unit, span: var.name.span };
    (def, cx.out.diagnostics)
}

/// A constant to start a variable of type `ty` with.
fn starting_example(ty: &Type, scope: &Scope) -> String {
    match ty {
        Type::Bool => "`false`".into(),
        Type::Int => "`0`".into(),
        Type::Percent => "`0%`".into(),
        Type::Duration => "`0 s`".into(),
        Type::Enum(e) => scope
            .enum_def(e)
            .and_then(|d| d.variants.first())
            .map_or_else(|| format!("a value of `{e}`"), |v| format!("`{v}`")),
        _ => crate::model::example_of(ty),
    }
}

fn show_const(c: Option<&Const>) -> String {
    c.map_or_else(|| "a value out of range".into(), Const::to_string)
}

/// The value a variable starts with when its declaration gives none.
fn default_value(ty: &Type, range: Option<(i64, i64)>, scope: &Scope) -> Option<Const> {
    Some(match ty {
        Type::Bool => Const::Bool(false),
        Type::Int => Const::Int(range.map_or(0, |(lo, hi)| 0.clamp(lo, hi))),
        Type::Percent => Const::Percent(0),
        Type::Duration => Const::Duration(0),
        Type::Enum(e) => Const::Enum(e.clone(), scope.enum_def(e)?.variants.first()?.as_str().into()),
        _ => return None,
    })
}
