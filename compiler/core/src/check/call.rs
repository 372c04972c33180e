//! Resolving action calls (`record clip`, `notify car(message: "hi")`) and their arguments.

use std::collections::HashMap;

use super::ratio::ArgumentOf;
use super::{Checker, Target, is_error_path};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::model::ParamDef;
use crate::scope::MemberKind;
use crate::span::Span;
use crate::suggest::did_you_mean;
use crate::syntax::ast::{Arg, Call, Expr, ExprKind};
use crate::types::Type;

/// How a call or a `fire` step was written, for help lines about its arguments.
pub(crate) struct Callee {
    /// `record`, `notify car`, `fire command`.
    pub head: String,
    /// Whether the short form `VERB VALUE` can stand for it (a call without an object).
    pub short_form: bool,
    /// The action or event as named, for help lines about one of its parameters.
    pub verb: String,
}

/// A call resolved to an action.
pub(crate) struct ResolvedCall {
    pub action: usize,
}

impl Checker<'_> {
    /// Resolves the verb and object of a call, then checks its arguments. `for_test` leaves
    /// required arguments optional (a test's `expect` may name only the arguments it cares about).
    pub fn call(&mut self, call: &Call, for_test: bool) -> Option<ResolvedCall> {
        if is_error_path(&call.verb) {
            return None;
        }
        let verb = call.verb.text();
        let by_verb = self.scope.actions_matching(&call.verb);
        if by_verb.is_empty() {
            let mut forms: Vec<String> = Vec::new();
            for i in 0..self.scope.actions.len() {
                forms.extend(self.scope.action_short_forms(i));
                forms.push(self.scope.action_qualified(i));
            }
            let written = match &call.object {
                Some(o) => format!("{verb} {}", o.node),
                None => verb.clone(),
            };
            let is_event = !self.scope.events_matching(&call.verb).is_empty();
            let help = if is_event && self.in_test {
                Some(format!("`{verb}` is an event, not an action: a test raises it with `fire {verb}`"))
            } else if is_event {
                Some(format!("`{verb}` is an event, not an action: a rule reacts to it with `on {verb}: ...`"))
            } else {
                None
            };
            let help = help
                .or_else(|| self.in_unused_profile(MemberKind::Action, &call.verb))
                .or_else(|| did_you_mean(&written, forms.iter().map(String::as_str)))
                .or_else(|| did_you_mean(&verb, forms.iter().map(String::as_str)))
                .unwrap_or_else(|| {
                    if self.scope.actions.is_empty() {
                        "no profile in scope declares actions; check the `use` line".into()
                    } else {
                        let mut names: Vec<String> = self.scope.actions.iter().map(|a| a.name.clone()).collect();
                        names.dedup();
                        names.truncate(6);
                        format!("actions in scope include {}", list(&names))
                    }
                });
            self.error(
                Diagnostic::error(
                    codes::UNKNOWN_ACTION,
                    format!("no profile in scope has an action `{verb}`"),
                    call.verb.span,
                )
                .with_label_message("unknown action")
                .with_help(help),
            );
            return None;
        }
        // The object narrows the candidates: a device, a capability, or an enum value of a parameter.
        let mut bound: Vec<(usize, Option<(usize, String)>)> = Vec::new();
        for &i in &by_verb {
            let a = &self.scope.actions[i];
            match &call.object {
                None => bound.push((i, None)),
                Some(o) if *a.device == *o.node || a.capability.as_deref() == Some(&o.node) => bound.push((i, None)),
                Some(o) => {
                    if let Some(p) = a.params.iter().position(|p| self.enum_has(&p.ty, &o.node)) {
                        bound.push((i, Some((p, o.node.clone()))));
                    }
                }
            }
        }
        let (action, enum_arg) = match bound.len() {
            1 => bound.pop().expect("one candidate"),
            0 => {
                let object = call.object.as_ref().expect("no object narrows nothing away");
                let conflicting = by_verb.iter().any(|&i| {
                    self.scope.actions[i]
                        .params
                        .iter()
                        .any(|p| matches!(&p.ty, Type::Enum(e) if self.scope.enum_conflicts(e)))
                });
                if conflicting {
                    // The object may be a value of an enum two profiles disagree on: E0109 said so.
                    return None;
                }
                let forms: Vec<String> = by_verb.iter().flat_map(|&i| self.scope.action_short_forms(i)).collect();
                let written = format!("{verb} {}", object.node);
                // `notify car` with the car's profile not in use.
                let device = crate::syntax::ast::Path { segments: vec![object.clone()], span: object.span };
                let help = self
                    .in_unused_profile(MemberKind::Device, &device)
                    .or_else(|| did_you_mean(&written, forms.iter().map(String::as_str)))
                    .unwrap_or_else(|| format!("`{verb}` can be written as {}", list(&forms)));
                self.error(
                    Diagnostic::error(codes::UNKNOWN_ACTION, format!("`{verb}` has no form `{written}`"), object.span)
                        .with_label_message(format!(
                            "`{}` is not a device, capability or value `{verb}` takes",
                            object.node
                        ))
                        .with_help(help),
                );
                return None;
            }
            _ => {
                let forms: Vec<String> = bound
                    .iter()
                    .map(|(i, _)| {
                        let a = &self.scope.actions[*i];
                        format!("{} {}", a.name, a.device)
                    })
                    .collect();
                let mut qualified: Vec<String> = bound.iter().map(|(i, _)| self.scope.action_qualified(*i)).collect();
                dedup_in_order(&mut qualified);
                let mut d = Diagnostic::error(
                    codes::AMBIGUOUS_ACTION,
                    format!("`{verb}` could be any of {} actions", bound.len()),
                    call.verb.span.to(call.object.as_ref().map_or(call.verb.span, |o| o.span)),
                )
                .with_label_message("ambiguous")
                .with_help(format!(
                    "say which: {}",
                    list(if forms.iter().collect::<std::collections::HashSet<_>>().len() == forms.len() {
                        &forms
                    } else {
                        &qualified
                    })
                ));
                for (i, _) in &bound {
                    let a = &self.scope.actions[*i];
                    d = d.with_secondary_in(
                        a.origin.file.clone(),
                        a.origin.span,
                        format!("`{}` is declared here", self.scope.action_qualified(*i)),
                    );
                }
                self.error(d);
                return None;
            }
        };
        self.refer(call.verb.span, Target::Action(action));
        let params = self.scope.actions[action].params.clone();
        // `clip` in `record clip` is a value of the parameter it binds: editors hover it as one.
        if let (Some((p, value)), Some(object)) = (&enum_arg, &call.object)
            && let Some(Type::Enum(name)) = params.get(*p).map(|p| &p.ty)
            && let Some(e) = self.scope.enum_index(name)
            && let Some((_, v)) = self.scope.enums_with_value(value).into_iter().find(|&(i, _)| i == e)
        {
            self.refer(object.span, Target::EnumVariant(e, v));
        }
        let preset = enum_arg.map(|(p, _)| (p, call.object.as_ref().map_or(call.span, |o| o.span)));
        let callee = Callee {
            head: match &call.object {
                Some(o) => format!("{verb} {}", o.node),
                None => verb.clone(),
            },
            short_form: call.object.is_none(),
            verb: verb.clone(),
        };
        self.arguments(&call.args, &params, preset, for_test, call.span, &callee, |i| Target::ActionParam(action, i));
        Some(ResolvedCall { action })
    }

    /// Checks named arguments against parameters. `preset` is a parameter already given by the
    /// short form's object (`clip` in `record clip`). An argument written without its name is
    /// reported (E0110) with the name it needs, and checked as that parameter, when only one
    /// parameter left can take it.
    #[allow(clippy::too_many_arguments)]
    pub fn arguments(
        &mut self,
        args: &[Arg],
        params: &[ParamDef],
        preset: Option<(usize, Span)>,
        all_optional: bool,
        call_span: Span,
        callee: &Callee,
        target: impl Fn(usize) -> Target,
    ) {
        // Where each parameter was first given, and each parameter by name: a call may have
        // thousands of arguments, and each is looked up once.
        let mut given: HashMap<usize, Span> = preset.into_iter().collect();
        let mut by_name: HashMap<&str, usize> = HashMap::with_capacity(params.len());
        for (i, p) in params.iter().enumerate() {
            by_name.entry(p.name.as_str()).or_insert(i);
        }
        for arg in args {
            let Some(name) = &arg.name else { continue };
            let Some(&i) = by_name.get(name.node.as_str()) else {
                let help = did_you_mean(&name.node, params.iter().map(|p| p.name.as_str())).unwrap_or_else(|| {
                    if params.is_empty() {
                        "this takes no arguments".to_string()
                    } else {
                        format!(
                            "the parameters are {}",
                            list(&params.iter().map(|p| p.name.clone()).collect::<Vec<_>>())
                        )
                    }
                });
                self.error(
                    Diagnostic::error(
                        codes::UNKNOWN_ARGUMENT,
                        format!("there is no parameter `{}`", name.node),
                        name.span,
                    )
                    .with_label_message("unknown parameter")
                    .with_help(help),
                );
                self.expr(&arg.value, None, self.locals());
                continue;
            };
            if let Some(first) = given.get(&i) {
                self.error(
                    Diagnostic::error(codes::DUPLICATE_ARGUMENT, format!("`{}` is given twice", name.node), name.span)
                        .with_label_message("given again here")
                        .with_secondary(*first, "first given here")
                        .with_help("keep one of them"),
                );
            }
            given.entry(i).or_insert(name.span);
            self.refer(name.span, target(i));
            let ty = params[i].ty.clone();
            let at = ArgumentOf { callee: &callee.verb, param: &params[i].name };
            let errors = self.errors_so_far();
            self.expect_type_of(&arg.value, &ty, self.locals(), Some(&at));
            if ty == Type::Int && self.errors_so_far() == errors {
                let what = format!("{}'s {}", callee.verb, params[i].name);
                self.unit_fits(&what, params[i].unit.as_deref(), &arg.value);
            }
        }
        // Arguments without a name, after the named ones: a parameter given by name is not theirs.
        // Each takes the one parameter left that can take it, if there is one.
        let mut meant: Vec<Option<usize>> = vec![None; args.len()];
        let mut unnamed: Vec<(usize, Vec<usize>, Vec<usize>, Type)> = Vec::new();
        for (k, arg) in args.iter().enumerate() {
            if arg.name.is_some() {
                continue;
            }
            let free: Vec<usize> = (0..params.len()).filter(|i| !given.contains_key(i)).collect();
            let (candidates, ty) = self.parameters_for(&arg.value, params, &free);
            if let [i] = candidates.as_slice() {
                given.insert(*i, arg.value.span);
                meant[k] = Some(*i);
            }
            unnamed.push((k, free, candidates, ty));
        }
        let unsure = unnamed.iter().any(|(_, _, candidates, _)| candidates.len() != 1);
        for (k, free, candidates, ty) in unnamed {
            self.unnamed_argument(args, k, params, &meant, (&free, &candidates, &ty), callee);
            if let Some(i) = meant[k] {
                let want = params[i].ty.clone();
                let errors = self.errors_so_far();
                self.expect_type(&args[k].value, &want, self.locals());
                if want == Type::Int && self.errors_so_far() == errors {
                    let what = format!("{}'s {}", callee.verb, params[i].name);
                    self.unit_fits(&what, params[i].unit.as_deref(), &args[k].value);
                }
            }
        }
        // A parameter an unnamed argument may have meant is not reported missing.
        if all_optional || unsure {
            return;
        }
        for (i, p) in params.iter().enumerate() {
            if p.default.is_none() && !given.contains_key(&i) {
                self.error(
                    Diagnostic::error(codes::MISSING_ARGUMENT, format!("`{}` needs a value", p.name), call_span)
                        .with_label_message(format!("`{}` is not given", p.name))
                        .with_help(format!("add `({}: ...)`, {}", p.name, p.ty.a())),
                );
            }
        }
    }

    /// The parameters among `free` that an unnamed argument can be for: the enum parameters
    /// that have the word written (`record(photo)`), else those of the value's type. Also the
    /// value's type (`Type::Error` when it has a mistake of its own).
    fn parameters_for(&self, value: &Expr, params: &[ParamDef], free: &[usize]) -> (Vec<usize>, Type) {
        if let ExprKind::Path(p) = &value.kind
            && let [word] = p.segments.as_slice()
        {
            let by_enum: Vec<usize> =
                free.iter().copied().filter(|&i| self.enum_has(&params[i].ty, &word.node)).collect();
            if !by_enum.is_empty() {
                let ty = params[by_enum[0]].ty.clone();
                return (by_enum, ty);
            }
        }
        let ty = self.quiet_type(value);
        if ty == Type::Error {
            return (Vec::new(), ty);
        }
        (free.iter().copied().filter(|&i| ty.matches(&params[i].ty)).collect(), ty)
    }

    /// Reports the unnamed argument `args[k]` (E0110), which can be for the parameters
    /// `candidates` among those not given (`free`); `meant` is the parameter each unnamed argument
    /// can only be for, to show the call with every certain name added.
    fn unnamed_argument(
        &mut self,
        args: &[Arg],
        k: usize,
        params: &[ParamDef],
        meant: &[Option<usize>],
        (free, candidates, ty): (&[usize], &[usize], &Type),
        callee: &Callee,
    ) {
        let value = &args[k].value;
        let shown = crate::syntax::print::expr(value);
        let word = match &value.kind {
            ExprKind::Path(p) if p.segments.len() == 1 => Some(p.segments[0].node.as_str()),
            _ => None,
        };
        // The call as written, with this argument named `name` and the others that can only be
        // for one parameter named too.
        let fixed = |name: &str| {
            let list: Vec<String> = args
                .iter()
                .enumerate()
                .map(|(j, a)| {
                    let value = crate::syntax::print::expr(&a.value);
                    match (&a.name, meant[j]) {
                        _ if j == k => format!("{name}: {value}"),
                        (Some(n), _) => format!("{}: {value}", n.node),
                        (None, Some(i)) => format!("{}: {value}", params[i].name),
                        (None, None) => value,
                    }
                })
                .collect();
            format!("`{}({})`", callee.head, list.join(", "))
        };
        let d = Diagnostic::error(codes::UNNAMED_ARGUMENT, "arguments are named, and this one has no name", value.span)
            .with_label_message("no parameter name");
        let d = match candidates {
            [i] => {
                let p = &params[*i];
                let help = match word {
                    Some(w) if matches!(p.ty, Type::Enum(_)) && callee.short_form && args.len() == 1 => format!(
                        "`{w}` is a value of the parameter `{}`: write {}, or the short form `{} {w}`",
                        p.name,
                        fixed(&p.name),
                        callee.head
                    ),
                    Some(w) if matches!(p.ty, Type::Enum(_)) => {
                        format!("`{w}` is a value of the parameter `{}`: write {}", p.name, fixed(&p.name))
                    }
                    _ => format!(
                        "`{}` is the only parameter left that takes {}: write {}",
                        p.name,
                        ty.a(),
                        fixed(&p.name)
                    ),
                };
                let insert = Span::new(value.span.start, value.span.start);
                d.with_help(help).with_fix(format!("name it `{}`", p.name), insert, format!("{}: ", p.name))
            }
            [] if params.is_empty() => {
                d.with_help(format!("`{}` takes no arguments: write `{}`", callee.head, callee.head))
            }
            [] if free.is_empty() => d.with_help(format!("every parameter of `{}` is already given", callee.head)),
            [] if word.is_some_and(|w| params.iter().any(|p| self.enum_has(&p.ty, w))) => {
                let w = word.unwrap_or_default();
                let p = params.iter().find(|p| self.enum_has(&p.ty, w)).map_or("", |p| p.name.as_str());
                d.with_help(format!("`{w}` is a value of the parameter `{p}`, which is already given"))
            }
            [] => {
                let described: Vec<String> =
                    free.iter().map(|&i| format!("`{}` ({})", params[i].name, params[i].ty.a())).collect();
                let text_param = free.iter().find(|&&i| params[i].ty == Type::Text);
                let help = match (word, text_param) {
                    // `say(hello)`: an unknown word where text fits is most likely text without quotes.
                    (Some(w), Some(&i)) if *ty == Type::Error => format!(
                        "text goes between quotes, after the name of its parameter: `{}: \"{w}\"`",
                        params[i].name
                    ),
                    _ => format!(
                        "write `NAME: {shown}` with the name of the parameter it is for; the parameters left are {}",
                        described.join(", ")
                    ),
                };
                d.with_help(help)
            }
            many => {
                let names: Vec<String> = many.iter().map(|&i| params[i].name.clone()).collect();
                d.with_help(format!(
                    "it could be for {}: write the one meant, such as {}",
                    super::one_of(&names),
                    fixed(&names[0])
                ))
            }
        };
        self.error(d);
    }

    /// The type of `e`, or `Type::Error` when typing it finds a mistake; reports nothing.
    fn quiet_type(&self, e: &Expr) -> Type {
        let mut cx = Checker::new(self.scope);
        cx.payload_event = self.payload_event;
        cx.sequence = self.sequence.clone();
        cx.in_test = self.in_test;
        let t = cx.expr(e, None, cx.locals());
        if cx.errors_so_far() > 0 { Type::Error } else { t }
    }

    fn enum_has(&self, ty: &Type, word: &str) -> bool {
        let Type::Enum(e) = ty else { return false };
        let Some(e) = self.scope.enum_index(e) else { return false };
        self.scope.enums_with_value(word).iter().any(|&(i, _)| i == e)
    }
}

/// Removes repeated texts, keeping the first of each: a help never offers one text twice.
pub(crate) fn dedup_in_order(items: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    items.retain(|s| seen.insert(s.clone()));
}

pub(crate) fn list(items: &[String]) -> String {
    items.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
}
