//! Checking a rule: its triggers, condition, options and actions.

use super::call::list;
use super::expr::Locals;
use super::steps::{Step, StepScope, Steps};
use super::{Checker, Target, is_error_path};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::scope::MemberKind;
use crate::span::Span;
use crate::suggest::did_you_mean;
use crate::syntax::ast::{
    Action, ActionKind, Branch, Expr, Path, RuleDecl, RuleOption, StateChange, Trigger, TriggerKind,
};
use crate::types::{Const, Type, const_eval};

impl Checker<'_> {
    pub fn rule(&mut self, rule: &RuleDecl) {
        let triggers = self.alternatives(&rule.triggers);
        self.trigger_events = self.trigger_events(&triggers);
        for trigger in &triggers {
            // Each trigger's `where` reads its own fields only.
            self.payload_event = None;
            self.sequence = None;
            self.trigger(trigger);
        }
        if triggers.len() > 1 {
            // `while` and the actions read what every trigger gives: no payload field.
            self.payload_event = None;
            self.sequence = None;
        }
        if let Some(condition) = &rule.condition {
            self.condition(condition, self.locals());
            for trigger in &triggers {
                self.held_at_change(&trigger.kind, trigger.span, condition);
            }
        }
        self.options(&rule.options);
        for action in &rule.actions {
            self.action(action);
        }
        self.out.triggers = triggers;
    }

    fn trigger(&mut self, trigger: &Trigger) {
        match &trigger.kind {
            TriggerKind::Event { event, filter } => {
                self.payload_event = self.event(event);
                if let Some(filter) = filter {
                    self.condition(filter, self.locals());
                }
            }
            TriggerKind::State { state, change, held } => {
                self.state_trigger(state, change);
                if let Some(held) = held {
                    self.held_change(state, change, held);
                }
            }
            TriggerKind::Condition { condition, duration } => self.condition_trigger(condition, duration.as_ref()),
            TriggerKind::Every { period } => {
                self.positive_duration(period, "`every`");
            }
            TriggerKind::Daily { .. } => {}
            TriggerKind::Sequence { steps, within } => {
                // Every step first: a filter that reads a later step's field is told which.
                let resolved = steps
                    .iter()
                    .map(|s| Step {
                        event: self.event(&s.event),
                        written: s.event.text(),
                        span: s.event.span,
                        absent: s.absent.is_some(),
                    })
                    .collect();
                self.sequence = Some(Steps::new(resolved));
                for (k, step) in steps.iter().enumerate() {
                    if let Some(filter) = &step.filter {
                        self.condition(filter, Locals { payload: None, steps: Some(StepScope::Filter(k)) });
                    }
                }
                self.positive_duration(within, "`within`");
            }
        }
    }

    /// Resolves an event name; reports unknown and ambiguous names.
    pub fn event(&mut self, p: &Path) -> Option<usize> {
        if is_error_path(p) {
            return None;
        }
        let found = self.scope.events_matching(p);
        match found.as_slice() {
            [i] => {
                self.refer(p.span, Target::Event(*i));
                Some(*i)
            }
            [] => {
                let word = p.text();
                let names: Vec<String> = (0..self.scope.events.len())
                    .flat_map(|i| [self.scope.event_short(i), self.scope.event_qualified(i)])
                    .collect();
                let is_state = !self.scope.states_matching(p).is_empty() || self.scope.var(&word).is_some();
                let elsewhere = self.in_unused_profile(MemberKind::Event, p);
                let help = if is_state {
                    Some(format!(
                        "`{word}` is a state, not an event: react to it with `on {word} becomes VALUE` or `on {word} changes`"
                    ))
                } else {
                    elsewhere.clone().or_else(|| did_you_mean(&word, names.iter().map(String::as_str)))
                };
                let help = help.unwrap_or_else(|| {
                    if self.scope.events.is_empty() {
                        "no profile in scope declares events; check the `use` line".into()
                    } else {
                        let shorts: Vec<String> =
                            (0..self.scope.events.len().min(6)).map(|i| self.scope.event_short(i)).collect();
                        format!("events in scope include {}", list(&shorts))
                    }
                });
                // Two spellings per event, short then qualified: `k / 2` is the event.
                let fix = if is_state || elsewhere.is_some() {
                    None
                } else {
                    crate::suggest::certain(&word, names.iter().enumerate().map(|(k, n)| (n.as_str(), k / 2)))
                        .map(str::to_string)
                };
                let mut d = Diagnostic::error(
                    codes::UNKNOWN_EVENT,
                    format!("no profile in scope has an event `{word}`"),
                    p.span,
                )
                .with_label_message("unknown event")
                .with_help(help);
                if let Some(fix) = fix {
                    d = d.with_fix(format!("use `{fix}`"), p.span, fix);
                }
                self.error(d);
                None
            }
            many => {
                let mut names: Vec<String> = many.iter().map(|i| self.scope.event_qualified(*i)).collect();
                super::call::dedup_in_order(&mut names);
                let mut d = Diagnostic::error(
                    codes::AMBIGUOUS_EVENT,
                    format!("`{}` could be any of {} events", p.text(), many.len()),
                    p.span,
                )
                .with_label_message("ambiguous")
                .with_help(format!("write one of {}", list(&names)));
                for i in many {
                    let e = &self.scope.events[*i];
                    let name = self.scope.event_qualified(*i);
                    d = d.with_secondary_in(e.origin.file.clone(), e.origin.span, super::declared_here(&name, e.link));
                }
                self.error(d);
                None
            }
        }
    }

    /// A state or variable as a value that can change: returns its type.
    pub fn changing_value(&mut self, p: &Path) -> Option<Type> {
        if is_error_path(p) {
            return None;
        }
        if p.segments.len() == 1
            && let Some(i) = self.scope.var(&p.segments[0].node)
        {
            self.refer(p.span, Target::Var(i));
            return Some(self.scope.vars[i].ty.clone());
        }
        let found = self.scope.states_matching(p);
        if let [i] = found.as_slice() {
            self.refer(p.span, Target::State(*i));
            return Some(self.scope.states[*i].ty.clone());
        }
        let word = p.text();
        let mut names: Vec<String> = (0..self.scope.states.len()).map(|i| self.scope.state_short(i)).collect();
        names.extend(self.scope.vars.iter().map(|v| v.name.clone()));
        if found.len() > 1 {
            self.ambiguous_state(p, &found);
            return None;
        }
        let (code, message, help) = if !self.scope.events_matching(p).is_empty() {
            let help = if self.in_test {
                format!("a test raises an event with `fire`: `fire {word}`")
            } else {
                format!("to react to the event write `on {word}: ...`")
            };
            (codes::NOT_A_STATE, format!("`{word}` is an event, not a state"), help)
        } else {
            let help = self
                .in_unused_profile(MemberKind::State, p)
                .or_else(|| did_you_mean(&word, names.iter().map(String::as_str)))
                .unwrap_or_else(|| "states come from the profiles in `use`, variables from `var`".into());
            (codes::UNKNOWN_NAME, format!("there is no state or variable named `{word}`"), help)
        };
        self.error(Diagnostic::error(code, message, p.span).with_label_message("not a state").with_help(help));
        None
    }

    fn state_trigger(&mut self, state: &Path, change: &StateChange) {
        let ty = self.changing_value(state);
        match change {
            StateChange::Changes => {}
            StateChange::Becomes(value) => match &ty {
                Some(t) => {
                    let errors = self.errors_so_far();
                    self.expect_type(value, t, Locals::default());
                    if self.errors_so_far() == errors {
                        self.unit_of_target_fits(state, value);
                    }
                }
                None => {
                    self.expr(value, None, Locals::default());
                }
            },
            StateChange::Below(value) | StateChange::Above(value) => match &ty {
                Some(t) if t.is_ordered() => {
                    let errors = self.errors_so_far();
                    self.expect_type(value, t, Locals::default());
                    if self.errors_so_far() == errors {
                        self.unit_of_target_fits(state, value);
                    }
                }
                Some(t) => {
                    let t_a = t.a();
                    let word = if matches!(change, StateChange::Below(_)) { "below" } else { "above" };
                    self.error(
                        Diagnostic::error(
                            codes::BAD_THRESHOLD,
                            format!("`{word}` needs a number, but `{}` is {t_a}", state.text()),
                            state.span,
                        )
                        .with_label_message(format!("this is {t_a}"))
                        .with_help(format!("for {t_a} state write `on {} becomes VALUE`", state.text())),
                    );
                }
                None => {
                    self.expr(value, None, Locals::default());
                }
            },
        }
    }

    fn options(&mut self, options: &[RuleOption]) {
        let mut rate_seen: Option<Span> = None;
        let mut mode_seen: Option<Span> = None;
        let mut limit_seen: Option<Span> = None;
        for option in options {
            let (span, seen) = match option {
                RuleOption::RateLimit { count, window, span } => {
                    if count.node == 0 {
                        self.error(
                            Diagnostic::error(codes::BAD_RATE, "a rule limited to 0 runs would never run", count.span)
                                .with_label_message("zero runs")
                                .with_help("write `at most once per ...` or remove the limit"),
                        );
                    }
                    self.positive_duration(window, "a rate limit");
                    (*span, &mut rate_seen)
                }
                RuleOption::Mode(m) => (m.span, &mut mode_seen),
                RuleOption::Limit { name, span } => {
                    self.shared_limit(name);
                    (*span, &mut limit_seen)
                }
            };
            if let Some(first) = *seen {
                self.error(
                    Diagnostic::error(codes::DUPLICATE_NAME, "this option is given twice", span)
                        .with_label_message("given again here")
                        .with_secondary(first, "first given here")
                        .with_help("keep one of them"),
                );
            } else {
                *seen = Some(span);
            }
        }
    }

    /// `limit NAME`: a limit the pack declares.
    fn shared_limit(&mut self, name: &crate::syntax::ast::Name) {
        let limits = &self.scope.limits;
        if let Some(i) = limits.iter().position(|l| l.name == name.node) {
            self.refer(name.span, Target::Limit(i));
            return;
        }
        let declare =
            format!("declare it once for the rules that share it: `limit {}: at most once per 10 min`", name.node);
        let help = did_you_mean(&name.node, limits.iter().map(|l| l.name.as_str())).unwrap_or_else(|| {
            match limits.iter().map(|l| format!("`{}`", l.name)).collect::<Vec<_>>() {
                known if known.is_empty() => declare,
                known => format!("the pack's limits are {}; or {declare}", known.join(", ")),
            }
        });
        self.error(
            Diagnostic::error(codes::UNKNOWN_NAME, format!("there is no limit named `{}`", name.node), name.span)
                .with_label_message("unknown limit")
                .with_help(help),
        );
    }

    /// W0303 for branches that can never run: a `false` condition, a condition the same as an
    /// earlier branch's (false whenever this one is tried), and everything after a `true` one.
    fn dead_branches(&mut self, branches: &[Branch], otherwise: Option<&[Action]>) {
        use crate::syntax::print::expr;
        let mut tried: Vec<(String, Span)> = Vec::new();
        for (k, branch) in branches.iter().enumerate() {
            let text = expr(&branch.condition);
            let span = branch.condition.span;
            let never = |message: String, label: &str| {
                Diagnostic::warning(codes::DEAD_BRANCH, message, span).with_label_message(label.to_string())
            };
            let constant = const_eval(&branch.condition).ok();
            if let Some((_, earlier)) = tried.iter().find(|(t, _)| *t == text) {
                self.error(
                    never(
                        format!("this branch never runs: `{text}` was tested by an earlier branch"),
                        "never true here",
                    )
                    .with_secondary(*earlier, "tested first")
                    .with_help("remove this branch, or write the condition that was meant"),
                );
            } else if constant == Some(Const::Bool(false)) {
                self.error(
                    never("this branch never runs: its condition is `false`".into(), "always false")
                        .with_help("remove the branch, or write the condition that was meant"),
                );
            } else if constant == Some(Const::Bool(true)) {
                let rest = branches.len() - k - 1 + usize::from(otherwise.is_some());
                if rest > 0 {
                    self.error(
                        never("the branches after this one never run: its condition is `true`".into(), "always true")
                            .with_help("remove the branches after it, or write the condition that was meant"),
                    );
                }
                return;
            }
            tried.push((text, span));
        }
    }

    fn action(&mut self, action: &Action) {
        match &action.kind {
            ActionKind::Call(call) => {
                if let Some(resolved) = self.call(call, false)
                    && let Some(class) = self.scope.actions[resolved.action].privacy.clone()
                {
                    self.require_permission(class, call.span);
                }
            }
            ActionKind::After { delay, action } => {
                self.positive_duration(delay, "`after`");
                if let ActionKind::If { branches, .. } = &action.kind
                    && let Some(first) = branches.first()
                {
                    self.error(
                        Diagnostic::error(
                            codes::DELAYED_BRANCH,
                            "an `if` after a delay would be decided now, not after it",
                            action.span,
                        )
                        .with_label_message("decided when the rule runs")
                        .with_secondary(delay.span, "only the actions wait for this")
                        .with_help(format!(
                            "put the delay inside the branch (`if {} {{ after {} ... }}`), or let a rule that runs then decide",
                            crate::syntax::print::expr(&first.condition),
                            crate::syntax::print::expr(delay),
                        )),
                    );
                }
                self.action(action);
            }
            ActionKind::Set { target, value } => self.set(target, value, false),
            ActionKind::If { branches, otherwise } => {
                for branch in branches {
                    self.condition(&branch.condition, self.locals());
                    for action in &branch.actions {
                        self.action(action);
                    }
                }
                for action in otherwise.iter().flatten() {
                    self.action(action);
                }
                self.dead_branches(branches, otherwise.as_deref());
            }
        }
    }

    fn require_permission(&mut self, class: String, span: Span) {
        if !self.scope.permits.iter().any(|(p, _)| *p == class) {
            self.error(
                Diagnostic::error(
                    codes::UNDECLARED_PERMISSION,
                    format!("this action needs the `{class}` permission, which the pack does not declare"),
                    span,
                )
                .with_label_message(format!("uses the {class}"))
                .with_help(format!("add `permit {class}` at the top of the pack")),
            );
        }
        self.out.permissions_used.push((class, span));
    }

    /// `set TARGET = VALUE`: in rules only variables can be set; tests may set states too.
    pub fn set(&mut self, target: &Path, value: &Expr, states_allowed: bool) {
        if is_error_path(target) {
            return;
        }
        let is_var = target.segments.len() == 1 && self.scope.var(&target.segments[0].node).is_some();
        if !is_var && !states_allowed && self.scope.states_matching(target).len() == 1 {
            self.error(
                Diagnostic::error(
                    codes::NOT_SETTABLE,
                    format!("`{}` is a device state; rules cannot set it", target.text()),
                    target.span,
                )
                .with_label_message("read-only")
                .with_help("declare a pack variable with `var` to keep your own value, or call the device's action"),
            );
            self.expr(value, None, self.locals());
            return;
        }
        let Some(ty) = self.changing_value(target) else {
            self.expr(value, None, self.locals());
            return;
        };
        let errors = self.errors_so_far();
        self.expect_type(value, &ty, self.locals());
        if ty == Type::Int && self.errors_so_far() == errors {
            self.unit_of_target_fits(target, value);
        }
        if is_var
            && let Some(i) = self.scope.var(&target.segments[0].node)
            && let Some((lo, hi)) = self.scope.vars[i].range
            && let Ok(Const::Int(n)) = const_eval(value)
            && (n < lo || n > hi)
        {
            self.error(
                Diagnostic::error(
                    codes::OUT_OF_RANGE,
                    format!("{n} is outside the range {lo}..{hi} of `{}`", target.text()),
                    value.span,
                )
                .with_label_message("out of range")
                .with_help(format!("use a value from {lo} to {hi}, or widen the range in the `var` line")),
            );
        }
    }
}
