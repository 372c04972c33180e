//! Checking a test: its steps fire events, set states and expect actions of the pack's scope.

use super::Checker;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::span::Span;
use crate::syntax::ast::{StepKind, TestDecl};

impl Checker<'_> {
    pub fn test(&mut self, test: &TestDecl) {
        self.in_test = true;
        let mut now: (i64, Option<Span>) = (0, None);
        for step in &test.steps {
            if let Some(at) = &step.at
                && let Some(ms) = self.test_time(at)
            {
                if ms < now.0 {
                    let mut d = Diagnostic::error(
                        codes::TEST_TIME_ORDER,
                        "this step is earlier than the step before it",
                        at.span,
                    )
                    .with_label_message("earlier than the step before")
                    .with_help("test steps run in time order; move this step up or change its time");
                    if let Some(prev) = now.1 {
                        d = d.with_secondary(prev, "the step before is later");
                    }
                    self.error(d);
                }
                now = (ms, Some(at.span));
            }
            match &step.kind {
                StepKind::Set { target, value } => self.set(target, value, true),
                StepKind::Fire { event, args } => {
                    let not_event = self.scope.events_matching(event).is_empty()
                        && !(self.scope.states_matching(event).is_empty()
                            && self.scope.actions_matching(event).is_empty());
                    if not_event {
                        let what = if self.scope.states_matching(event).is_empty() { "an action" } else { "a state" };
                        self.error(
                            Diagnostic::error(
                                codes::TEST_NOT_EVENT,
                                format!("`{}` is {what}, not an event", event.text()),
                                event.span,
                            )
                            .with_label_message("cannot be fired")
                            .with_help(if what == "a state" {
                                "give a state a value with `set NAME = VALUE`"
                            } else {
                                "check actions with `expect ACTION`"
                            }),
                        );
                    } else if let Some(i) = self.event(event) {
                        let params = self.scope.events[i].params.clone();
                        let callee = super::call::Callee {
                            head: format!("fire {}", event.text()),
                            short_form: false,
                            verb: event.text(),
                        };
                        self.arguments(args, &params, None, false, event.span.to(step.span), &callee, |p| {
                            super::Target::EventParam(i, p)
                        });
                    }
                }
                StepKind::Expect { call, .. } => {
                    self.call(call, true);
                }
                StepKind::Error => {}
            }
        }
    }

    /// The virtual time of a step: a constant duration from the start of the test, zero or more.
    fn test_time(&mut self, e: &crate::syntax::ast::Expr) -> Option<i64> {
        use crate::types::{Const, Type, const_eval};
        let errors = self.errors_so_far();
        let t = self.expr(e, Some(&Type::Duration), Default::default());
        if self.errors_so_far() > errors {
            return None;
        }
        if t != Type::Duration {
            if t != Type::Error {
                self.expect_type(e, &Type::Duration, Default::default());
            }
            return None;
        }
        match const_eval(e) {
            Ok(Const::Duration(ms)) if ms >= 0 => Some(ms),
            _ => {
                self.error(
                    Diagnostic::error(
                        codes::NOT_CONSTANT,
                        "a test step's time must be a fixed duration from the start",
                        e.span,
                    )
                    .with_label_message("not a fixed time")
                    .with_help("write a time such as `at 2 s:`"),
                );
                None
            }
        }
    }
}
