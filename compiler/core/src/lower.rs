//! Lowering a checked rule to `ir::Rule`.
//!
//! The checker already resolved every name and recorded it as a `Reference` (span to target);
//! lowering walks the tree again and reads those answers instead of resolving a second time.

use std::collections::HashMap;
use std::sync::Arc;

use crate::check::{Reference, Target};
use crate::ir::{self, Change, ExprKind, Trigger, Value};
use crate::model::Link;
use crate::scope::Scope;
use crate::span::Span;
use crate::syntax::ast::{self, ActionKind, BinaryOp, Mode, RuleDecl, RuleOption, StateChange, TriggerKind, UnaryOp};
use crate::types::{Const, Type, const_eval};

/// Lowers a rule that checked without errors. Returns `None` if something is unresolved (which
/// only happens when the check reported an error).
/// `triggers` are the rule's as the checker read them (`ItemCheck::triggers`).
pub fn lower_rule(
    scope: &Scope,
    rule: &RuleDecl,
    triggers: &[ast::Trigger],
    references: &[Reference],
) -> Option<ir::Rule> {
    let refs: HashMap<Span, &Target> = references.iter().map(|r| (r.span, &r.target)).collect();
    let cx = Lower { scope, refs };
    let mut rate_limit = None;
    let mut mode = Mode::Single;
    let mut shared_limit = None;
    for option in &rule.options {
        match option {
            RuleOption::RateLimit { count, window, .. } => {
                rate_limit = Some((u32::try_from(count.node).ok()?, millis(window)?));
            }
            RuleOption::Mode(m) => mode = m.node,
            RuleOption::Limit { name, .. } => {
                let Target::Limit(i) = cx.target(name.span)? else { return None };
                // A limit whose declaration was refused has no window: the pack is not built.
                scope.limits.get(*i)?.window_ms?;
                shared_limit = Some(*i);
            }
        }
    }
    if triggers.is_empty() {
        return None;
    }
    Some(ir::Rule {
        name: rule.name.as_ref().map(|n| Arc::from(n.node.as_str())),
        triggers: triggers.iter().map(|t| cx.trigger(t)).collect::<Option<_>>()?,
        condition: cx.optional(rule.condition.as_ref())?,
        rate_limit,
        shared_limit,
        mode,
        actions: cx.actions(&rule.actions)?,
    })
}

impl Lower<'_> {
    fn trigger(&self, trigger: &ast::Trigger) -> Option<Trigger> {
        let cx = self;
        Some(match &trigger.kind {
            TriggerKind::Event { event, filter } => {
                let Target::Event(e) = cx.target(event.span)? else { return None };
                Trigger::Event { event: *e, filter: cx.optional(filter.as_ref())? }
            }
            TriggerKind::State { state, change, held: Some(duration) } => {
                // `on speed above 120 for 10 s` is `on speed > 120 for 10 s`.
                let value = cx.value(state.span)?;
                let ty = cx.value_type(value);
                let read = ir::Expr { kind: ExprKind::Read(value), ty };
                let (op, threshold) = match change {
                    StateChange::Becomes(e) => (BinaryOp::Eq, e),
                    StateChange::Below(e) => (BinaryOp::Lt, e),
                    StateChange::Above(e) => (BinaryOp::Gt, e),
                    StateChange::Changes => return None,
                };
                Trigger::Held { condition: binary(op, read, cx.expr(threshold)?), duration_ms: millis(duration)? }
            }
            TriggerKind::Condition { condition, duration: Some(duration) } => {
                Trigger::Held { condition: cx.expr(condition)?, duration_ms: millis(duration)? }
            }
            TriggerKind::Condition { duration: None, .. } => return None,
            TriggerKind::State { state, change, held: None } => {
                let value = cx.value(state.span)?;
                let change = match change {
                    StateChange::Becomes(e) => Change::Becomes(cx.expr(e)?),
                    StateChange::Changes => Change::Changes,
                    StateChange::Below(e) => Change::Below(cx.expr(e)?),
                    StateChange::Above(e) => Change::Above(cx.expr(e)?),
                };
                Trigger::Change { value, change }
            }
            TriggerKind::Every { period } => Trigger::Every { period_ms: millis(period)? },
            TriggerKind::Daily { time } => Trigger::Daily { minute: time.node },
            TriggerKind::Sequence { steps, within } => Trigger::Sequence {
                steps: steps
                    .iter()
                    .map(|s| match cx.target(s.event.span)? {
                        Target::Event(e) => Some(ir::SequenceStep {
                            event: *e,
                            filter: cx.optional(s.filter.as_ref())?,
                            absent: s.absent.is_some(),
                        }),
                        _ => None,
                    })
                    .collect::<Option<_>>()?,
                within_ms: millis(within)?,
            },
        })
    }
}

fn unary(op: UnaryOp, inner: ir::Expr) -> ir::Expr {
    let ty = if op == UnaryOp::Not { Type::Bool } else { inner.ty.clone() };
    ir::Expr { kind: ExprKind::Unary(op, Box::new(inner)), ty }
}

fn binary(op: BinaryOp, l: ir::Expr, r: ir::Expr) -> ir::Expr {
    let ty = match op {
        BinaryOp::And | BinaryOp::Or => Type::Bool,
        op if op.is_comparison() => Type::Bool,
        // A time of day moved by a duration, either side.
        _ if l.ty == Type::Time || r.ty == Type::Time => Type::Time,
        _ if l.ty == Type::Int => r.ty.clone(),
        _ => l.ty.clone(),
    };
    ir::Expr { kind: ExprKind::Binary(op, Box::new(l), Box::new(r)), ty }
}

fn held(condition: ir::Expr, duration: &ast::Expr) -> Option<ir::Expr> {
    Some(ir::Expr { kind: ExprKind::Held(Box::new(condition), millis(duration)?), ty: Type::Bool })
}

fn millis(e: &ast::Expr) -> Option<u64> {
    match const_eval(e).ok()? {
        Const::Duration(ms) => u64::try_from(ms).ok(),
        _ => None,
    }
}

struct Lower<'a> {
    scope: &'a Scope,
    refs: HashMap<Span, &'a Target>,
}

impl Lower<'_> {
    fn target(&self, span: Span) -> Option<&Target> {
        self.refs.get(&span).copied()
    }

    /// `Some(None)` for an absent expression, `None` when a present one does not lower.
    fn optional(&self, e: Option<&ast::Expr>) -> Option<Option<ir::Expr>> {
        match e {
            None => Some(None),
            Some(e) => self.expr(e).map(Some),
        }
    }

    fn value_type(&self, value: Value) -> Type {
        match value {
            Value::State(i) => self.scope.states.get(i).map_or(Type::Error, |s| s.ty.clone()),
            Value::Var(i) => self.scope.vars.get(i).map_or(Type::Error, |v| v.ty.clone()),
        }
    }

    fn value(&self, span: Span) -> Option<Value> {
        match self.target(span)? {
            Target::State(i) => Some(Value::State(*i)),
            Target::Var(i) => Some(Value::Var(*i)),
            _ => None,
        }
    }

    /// Recurses over the tree with a small frame: building each node, and the leaves, are apart.
    fn expr(&self, e: &ast::Expr) -> Option<ir::Expr> {
        use ast::ExprKind as A;
        match &e.kind {
            A::Paren(inner) => self.expr(inner),
            A::Unary { op, operand } => Some(unary(*op, self.expr(operand)?)),
            A::Binary { op, lhs, rhs } => {
                let l = self.expr(lhs)?;
                Some(binary(*op, l, self.expr(rhs)?))
            }
            A::Held { condition, duration } => held(self.expr(condition)?, duration),
            A::Error => None,
            _ => self.leaf(e),
        }
    }

    /// A literal or a name.
    fn leaf(&self, e: &ast::Expr) -> Option<ir::Expr> {
        use ast::ExprKind as A;
        let (kind, ty) = match &e.kind {
            A::Path(p) => match self.target(p.span)? {
                Target::State(i) => (ExprKind::Read(Value::State(*i)), self.scope.states.get(*i)?.ty.clone()),
                Target::Var(i) => (ExprKind::Read(Value::Var(*i)), self.scope.vars.get(*i)?.ty.clone()),
                Target::EventParam(ev, f) => {
                    (ExprKind::Payload(*f), self.scope.events.get(*ev)?.params.get(*f)?.ty.clone())
                }
                Target::StepParam(step, ev, f) => (
                    ExprKind::StepField { step: *step, field: *f },
                    self.scope.events.get(*ev)?.params.get(*f)?.ty.clone(),
                ),
                Target::TimeOfDay => (ExprKind::TimeOfDay, Type::Time),
                Target::EnumVariant(en, v) => {
                    let def = self.scope.enums.get(*en)?;
                    let variant = def.variants.get(*v)?;
                    (
                        ExprKind::Const(Const::Enum(def.name.clone(), variant.as_str().into())),
                        Type::Enum(def.name.clone()),
                    )
                }
                _ => return None,
            },
            _ => {
                let c = const_eval(e).ok()?;
                let ty = match &c {
                    Const::Bool(_) => Type::Bool,
                    Const::Int(_) => Type::Int,
                    Const::Percent(_) => Type::Percent,
                    Const::Duration(_) => Type::Duration,
                    Const::Text(_) => Type::Text,
                    Const::Time(_) => Type::Time,
                    Const::Enum(name, _) => Type::Enum(name.clone()),
                };
                (ExprKind::Const(c), ty)
            }
        };
        Some(ir::Expr { kind, ty })
    }

    fn action(&self, a: &ast::Action) -> Option<ir::Action> {
        Some(match &a.kind {
            ActionKind::After { delay, action } => {
                ir::Action::After { delay_ms: millis(delay)?, action: Box::new(self.action(action)?) }
            }
            ActionKind::Set { target, value } => match self.value(target.span)? {
                Value::Var(var) => ir::Action::Set { var, value: self.expr(value)? },
                Value::State(_) => return None,
            },
            ActionKind::Call(call) => {
                let (action, written) = self.call(call)?;
                let def = self.scope.actions.get(action)?;
                let args = written
                    .into_iter()
                    .zip(&def.params)
                    .map(|(arg, p)| match (arg, &p.default) {
                        (Some(arg), _) => Some(arg),
                        (None, Some(default)) => {
                            Some(ir::Expr { kind: ExprKind::Const(default.clone()), ty: p.ty.clone() })
                        }
                        (None, None) => None,
                    })
                    .collect::<Option<_>>()?;
                ir::Action::Emit { action, args }
            }
            ActionKind::If { branches, otherwise } => ir::Action::If {
                branches: branches
                    .iter()
                    .map(|b| Some((self.expr(&b.condition)?, self.actions(&b.actions)?)))
                    .collect::<Option<_>>()?,
                otherwise: self.actions(otherwise.as_deref().unwrap_or_default())?,
            },
        })
    }

    fn actions(&self, actions: &[ast::Action]) -> Option<Vec<ir::Action>> {
        actions.iter().map(|a| self.action(a)).collect()
    }

    /// The action a call names and the argument it writes for each parameter, in parameter
    /// order (by name, or by the short form's object for an enum parameter); `None` where the
    /// call writes nothing.
    fn call(&self, call: &ast::Call) -> Option<(usize, Vec<Option<ir::Expr>>)> {
        let Target::Action(action) = self.target(call.verb.span)? else { return None };
        let def = self.scope.actions.get(*action)?;
        let mut args = Vec::with_capacity(def.params.len());
        let written = by_name(&call.args);
        for p in &def.params {
            let given = written.get(p.name.as_str()).copied();
            let by_object = call.object.as_ref().filter(|o| {
                matches!(&p.ty, Type::Enum(e) if self.scope.enum_def(e).is_some_and(|d| d.variants.contains(&o.node)))
            });
            args.push(match (given, by_object) {
                (Some(arg), _) => Some(self.expr(&arg.value)?),
                (None, Some(o)) => Some(ir::Expr {
                    kind: ExprKind::Const(Const::Enum(enum_name(&p.ty)?, o.node.as_str().into())),
                    ty: p.ty.clone(),
                }),
                (None, None) => None,
            });
        }
        Some((*action, args))
    }

    fn constant(&self, e: &ast::Expr) -> Option<Const> {
        self.expr(e)?.constant()
    }

    fn step(&self, step: &ast::TestStep) -> Option<ir::StepKind> {
        Some(match &step.kind {
            ast::StepKind::Set { target, value } => {
                ir::StepKind::Set { target: self.value(target.span)?, value: self.constant(value)? }
            }
            ast::StepKind::Fire { event, args } => {
                let Target::Event(e) = self.target(event.span)? else { return None };
                let written = by_name(args);
                let payload = (self.scope.events.get(*e)?.params.iter())
                    .map(|p| self.constant(&written.get(p.name.as_str())?.value))
                    .collect::<Option<_>>()?;
                ir::StepKind::Fire { event: *e, payload }
            }
            ast::StepKind::Expect { negated, call } => {
                let (action, args) = self.call(call)?;
                let args = (args.into_iter())
                    .map(|a| match a {
                        Some(e) => e.constant().map(Some),
                        None => Some(None),
                    })
                    .collect::<Option<_>>()?;
                ir::StepKind::Expect { negated: *negated, action, args }
            }
            ast::StepKind::Error => return None,
        })
    }
}

/// Lowers a test that checked without errors: every step at its absolute time, every value a
/// constant. Returns `None` if something is unresolved (only after a reported error).
///
/// A link's state and events go together, as the link layer reports them (see [`Link`]): setting
/// a link state to a new value also raises its event, and firing a link event first sets the
/// state to the event's value. Tests alone set device states, so the link's value is known at
/// every step.
pub fn lower_test(scope: &Scope, test: &ast::TestDecl, references: &[Reference]) -> Option<ir::Test> {
    let refs: HashMap<Span, &Target> = references.iter().map(|r| (r.span, &r.target)).collect();
    let cx = Lower { scope, refs };
    let mut now = 0u64;
    let mut steps = Vec::with_capacity(test.steps.len());
    // The value of each link state set so far (states start at `false`).
    let mut links: HashMap<usize, bool> = HashMap::new();
    for step in &test.steps {
        if let Some(at) = &step.at {
            now = match const_eval(at).ok()? {
                Const::Duration(ms) => u64::try_from(ms).ok()?,
                _ => return None,
            };
        }
        let kind = cx.step(step)?;
        let mut push = |kind| steps.push(ir::Step { at_ms: now, kind, span: step.span });
        match link_step(scope, &kind) {
            Some((state, up, event)) => {
                let was = links.insert(state, up).unwrap_or(false);
                let changed = was != up;
                let fired = matches!(kind, ir::StepKind::Fire { .. });
                if fired && changed {
                    push(ir::StepKind::Set { target: Value::State(state), value: Const::Bool(up) });
                }
                push(kind);
                if !fired && changed {
                    push(ir::StepKind::Fire { event, payload: Vec::new() });
                }
            }
            None => push(kind),
        }
    }
    Some(ir::Test { name: test.name.node.clone(), steps })
}

/// A step that sets a link state or fires a link event: the link state, the value the step gives
/// it, and the event of that value.
fn link_step(scope: &Scope, kind: &ir::StepKind) -> Option<(usize, bool, usize)> {
    match kind {
        ir::StepKind::Set { target: Value::State(s), value: Const::Bool(up) } => {
            let state = scope.states.get(*s)?;
            state.link?;
            Some((*s, *up, scope.link_event(&state.device, Link::event_for(*up))?))
        }
        ir::StepKind::Fire { event, .. } => {
            let e = scope.events.get(*event)?;
            let up = e.link? == Link::Up;
            Some((scope.link_state(&e.device)?, up, *event))
        }
        _ => None,
    }
}

/// The first argument of each name: one lookup per parameter, however many there are.
fn by_name(args: &[ast::Arg]) -> HashMap<&str, &ast::Arg> {
    let mut out = HashMap::with_capacity(args.len());
    for a in args {
        if let Some(name) = &a.name {
            out.entry(name.node.as_str()).or_insert(a);
        }
    }
    out
}

fn enum_name(t: &Type) -> Option<Arc<str>> {
    match t {
        Type::Enum(name) => Some(name.clone()),
        _ => None,
    }
}
