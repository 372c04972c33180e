//! Resolving action calls (`record clip`, `notify car(message: "hi")`) and their arguments.

use std::collections::HashMap;

use super::ratio::ArgumentOf;
use super::{Checker, Target, is_error_path};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::model::ParamDef;
use crate::span::Span;
use crate::suggest::did_you_mean;
use crate::syntax::ast::{Arg, Call};
use crate::types::Type;

/// The action or event whose arguments are checked, as written, and the span of the whole call.
pub(crate) struct CallSite<'a> {
    pub callee: &'a str,
    pub span: Span,
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
                let help = did_you_mean(&written, forms.iter().map(String::as_str))
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
        let site = CallSite { callee: &verb, span: call.span };
        self.arguments(&call.args, &params, preset, for_test, site, |i| Target::ActionParam(action, i));
        Some(ResolvedCall { action })
    }

    /// Checks named arguments against parameters. `preset` is a parameter already given by the
    /// short form's object (`clip` in `record clip`); `callee` is the action or event as written.
    pub fn arguments(
        &mut self,
        args: &[Arg],
        params: &[ParamDef],
        preset: Option<(usize, Span)>,
        all_optional: bool,
        site: CallSite,
        target: impl Fn(usize) -> Target,
    ) {
        let CallSite { callee, span: call_span } = site;
        // Where each parameter was first given, and each parameter by name: a call may have
        // thousands of arguments, and each is looked up once.
        let mut given: HashMap<usize, Span> = preset.into_iter().collect();
        let mut by_name: HashMap<&str, usize> = HashMap::with_capacity(params.len());
        for (i, p) in params.iter().enumerate() {
            by_name.entry(p.name.as_str()).or_insert(i);
        }
        for arg in args {
            let Some(&i) = by_name.get(arg.name.node.as_str()) else {
                let help = did_you_mean(&arg.name.node, params.iter().map(|p| p.name.as_str())).unwrap_or_else(|| {
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
                        format!("there is no parameter `{}`", arg.name.node),
                        arg.name.span,
                    )
                    .with_label_message("unknown parameter")
                    .with_help(help),
                );
                self.expr(&arg.value, None, self.locals());
                continue;
            };
            if let Some(first) = given.get(&i) {
                self.error(
                    Diagnostic::error(
                        codes::DUPLICATE_ARGUMENT,
                        format!("`{}` is given twice", arg.name.node),
                        arg.name.span,
                    )
                    .with_label_message("given again here")
                    .with_secondary(*first, "first given here")
                    .with_help("keep one of them"),
                );
            }
            given.entry(i).or_insert(arg.name.span);
            self.refer(arg.name.span, target(i));
            let ty = params[i].ty.clone();
            let at = ArgumentOf { callee, param: &params[i].name };
            self.expect_type_of(&arg.value, &ty, self.locals(), Some(&at));
        }
        if all_optional {
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
