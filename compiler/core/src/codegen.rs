//! Code generation: a pack's checked rules to glass bytecode (`spec/bytecode.md`).
//!
//! The program holds only what the rules use: the events that trigger them, the states they read
//! and the actions they call (so the permission set the verifier checks covers exactly what the
//! pack permits), plus every pack variable. [`Symbols`] maps the pack's scope to the program's
//! tables, for the test harness and tools.
//!
//! Values: Bool is 0/1, Int and Percent are the number, Duration is milliseconds, Time is the
//! minute of the day, an enum value is its position in the enum, and a text is its index in the
//! program's text table (text 0 is always `""`, so a text state starts empty).

use glass_runtime::builder::{Code, ProgramBuilder, RuleSpec, StepSpec};
use glass_runtime::format::{self as bc, Kind};
use glass_runtime::isa::Op;
use glass_runtime::isa::{
    MAX_ARGS, MAX_LIMITS, MAX_PENDING_JUMPS, MAX_RATE, MAX_RULE_BOUND, MAX_STACK, MAX_TEXTS, MAX_TRIGGERS,
};

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::ir::{self, Action, Change, ExprKind, Trigger, Value};
use crate::scope::Scope;
use crate::span::Span;
use crate::syntax::ast::{BinaryOp, Mode, UnaryOp};
use crate::types::{Const, Type};

/// A rule to compile, with where it comes from.
pub struct RuleSource<'a> {
    pub rule: &'a ir::Rule,
    /// 1-based line of the rule in its file, recorded in the rule table for tools.
    pub line: u32,
    pub sites: RuleSites,
}

/// Where the parts of a rule are in its file, for errors and for [`RuleDebug`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RuleSites {
    /// The rule's head: its name and first trigger.
    pub head: Span,
    /// Each trigger as the checker read them (`ItemCheck::triggers`), with its event filter
    /// (`where ...`).
    pub triggers: Vec<TriggerSites>,
    /// `at most N times per W`.
    pub rate_limit: Option<Span>,
    /// The condition (`while ...`).
    pub condition: Option<Span>,
}

/// Where one trigger of a rule is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TriggerSites {
    pub trigger: Span,
    /// The event filter (`where ...`).
    pub filter: Option<Span>,
}

impl RuleSites {
    /// The sites of a parsed rule and its checked triggers, relative to the start of its item.
    pub fn of(decl: &crate::syntax::ast::RuleDecl, triggers: &[crate::syntax::ast::Trigger]) -> Self {
        use crate::syntax::ast::{RuleOption, TriggerKind};
        let first = triggers.first().or(decl.triggers.first()).map_or(Span::new(0, 0), |t| t.span);
        RuleSites {
            head: decl.name.as_ref().map_or(first, |n| n.span.to(first)),
            triggers: triggers
                .iter()
                .map(|t| TriggerSites {
                    trigger: t.span,
                    filter: match &t.kind {
                        TriggerKind::Event { filter: Some(f), .. } => Some(f.span),
                        _ => None,
                    },
                })
                .collect(),
            rate_limit: decl.options.iter().find_map(|o| match o {
                RuleOption::RateLimit { span, .. } => Some(*span),
                RuleOption::Mode(_) | RuleOption::Limit { .. } => None,
            }),
            condition: decl.condition.as_ref().map(|c| c.span),
        }
    }

    pub fn shifted(mut self, offset: u32) -> Self {
        self.head = self.head.shift(offset);
        for t in &mut self.triggers {
            t.trigger = t.trigger.shift(offset);
            t.filter = t.filter.map(|s| s.shift(offset));
        }
        self.rate_limit = self.rate_limit.map(|s| s.shift(offset));
        self.condition = self.condition.map(|s| s.shift(offset));
        self
    }

    fn span(&self, limit: &Limit) -> Span {
        match limit.site {
            Site::Head => self.head,
            Site::Trigger => self.triggers.get(limit.trigger).map_or(self.head, |t| t.trigger),
            Site::RateLimit => self.rate_limit.unwrap_or(self.head),
        }
    }
}

/// The compiled pack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// The encoded program, ready for `glass_runtime::verify`.
    pub bytes: Vec<u8>,
    pub symbols: Symbols,
    /// Per program rule: where its code tests what the author wrote (for `glassc run --explain`).
    pub debug: Vec<RuleDebug>,
}

/// Where one rule's code decides whether it acts: each `ExitIfFalse` of its block and the
/// filter or condition it tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleDebug {
    pub exits: Vec<ExitDebug>,
}

/// One `ExitIfFalse` of a rule's block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExitDebug {
    /// The instruction's index in the rule's block (the program's index is the rule's code start
    /// plus this).
    pub offset: u32,
    pub tests: Tested,
    /// The tested expression's span in the pack file, when known.
    pub span: Option<Span>,
    /// The states and variables the expression reads, in order of first appearance.
    pub reads: Vec<Value>,
}

/// What an `ExitIfFalse` tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tested {
    /// The event trigger's `where` filter.
    Filter,
    /// The rule's `while` condition.
    Condition,
}

/// Where each name of the pack's scope went in the program: scope index to program index, `None`
/// for what no rule uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Symbols {
    pub events: Vec<Option<u16>>,
    pub states: Vec<Option<u16>>,
    pub actions: Vec<Option<u16>>,
    pub vars: Vec<Option<u16>>,
    /// Program rule index to the rule's position among the pack's rules given to [`generate`].
    pub rules: Vec<usize>,
}

/// Compiles the rules of a pack. Errors are limits of the runtime a valid rule can exceed
/// (E0600) or a pack too large for the format (E0601), each at the part of the rule at fault.
pub fn generate(scope: &Scope, rules: &[RuleSource<'_>]) -> Result<Output, Vec<Diagnostic>> {
    let mut generator = Generator::new(scope);
    let mut errors = Vec::new();
    for (i, source) in rules.iter().enumerate() {
        match generator.add_rule(source) {
            // A row for each trigger of the rule.
            Ok(rows) => generator.symbols.rules.extend(std::iter::repeat_n(i, rows)),
            Err(e) => errors.push(limit(source.sites.span(&e), e.message, e.help)),
        }
    }
    let texts = generator.builder.text_count();
    if texts > MAX_TEXTS {
        let span = rules.first().map_or(Span::new(0, 0), |r| r.sites.head);
        errors.push(
            Diagnostic::error(
                codes::PACK_TOO_LARGE,
                format!("the pack has {texts} different texts, more than the runtime's {MAX_TEXTS}"),
                span,
            )
            .with_label_message("in this pack")
            .with_help("split the pack into several packs"),
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    generator.builder.profile_hash = profile_hash(scope);
    for (class, _) in &scope.permits {
        generator.builder.permit(class);
    }
    Ok(Output { bytes: generator.builder.finish(), symbols: generator.symbols, debug: generator.debug })
}

/// The runtime limits one rule exceeds (E0600), at the parts of the rule at fault: what
/// `glassc check` and editors report without compiling the whole pack.
pub fn rule_limits(scope: &Scope, source: &RuleSource<'_>) -> Vec<Diagnostic> {
    match Generator::new(scope).add_rule(source) {
        Ok(_) => Vec::new(),
        Err(e) => vec![limit(source.sites.span(&e), e.message, e.help)],
    }
}

fn limit(span: Span, message: String, help: &str) -> Diagnostic {
    Diagnostic::error(codes::RUNTIME_LIMIT, message, span)
        .with_label_message("beyond the runtime's limits")
        .with_help(help.to_string())
}

/// Why a rule cannot be compiled.
struct Limit {
    message: String,
    help: &'static str,
    site: Site,
    /// Which of the rule's triggers `Site::Trigger` is.
    trigger: usize,
}

/// The part of a rule a limit is about.
#[derive(Clone, Copy)]
enum Site {
    Head,
    Trigger,
    RateLimit,
}

fn too(message: impl Into<String>, help: &'static str) -> Limit {
    Limit { message: message.into(), help, site: Site::Head, trigger: 0 }
}

impl Limit {
    fn at(mut self, site: Site) -> Limit {
        self.site = site;
        self
    }
}

/// A hash of the capability model the pack was compiled against: the names and types of every
/// event, state and action of the profiles in scope. The host refuses a program whose hash is not
/// its own, so a pack built for another firmware never runs.
pub fn profile_hash(scope: &Scope) -> u64 {
    let mut profiles: Vec<_> = scope.profiles.iter().collect();
    profiles.sort_by(|a, b| a.name.cmp(&b.name));
    let mut text = String::new();
    let params =
        |ps: &[crate::model::ParamDef]| ps.iter().map(|p| format!("{}:{}", p.name, p.ty)).collect::<Vec<_>>().join(",");
    for p in profiles {
        text.push_str(&format!("profile {} device {}\n", p.name, p.device.name));
        for e in &p.events {
            text.push_str(&format!("event {:?}.{:?}.{}({})\n", e.device, e.capability, e.name, params(&e.params)));
        }
        for s in &p.states {
            text.push_str(&format!("state {:?}.{:?}.{}:{}\n", s.device, s.capability, s.name, s.ty));
        }
        for a in &p.actions {
            let privacy = a.privacy.as_deref().unwrap_or("-");
            text.push_str(&format!(
                "action {:?}.{:?}.{}({}) {privacy}\n",
                a.device,
                a.capability,
                a.name,
                params(&a.params)
            ));
        }
    }
    glass_runtime::format::fnv1a(text.as_bytes())
}

fn kind(ty: &Type) -> Kind {
    if *ty == Type::Text { Kind::Text } else { Kind::Num }
}

struct Generator<'a> {
    scope: &'a Scope,
    builder: ProgramBuilder,
    /// The kept fields of the sequence rule being generated.
    sequence: SequenceFields,
    symbols: Symbols,
    debug: Vec<RuleDebug>,
}

impl<'a> Generator<'a> {
    /// Compiles one rule into the program, with its debug table: a row for each trigger, the
    /// rows after the first sharing its gate. Returns the number of rows.
    fn add_rule(&mut self, source: &RuleSource<'_>) -> Result<usize, Limit> {
        let triggers = source.rule.triggers.len();
        if triggers > usize::from(MAX_TRIGGERS) {
            return Err(too(
                format!("this rule has {triggers} triggers, more than the runtime's {MAX_TRIGGERS}"),
                "split it into rules of a few triggers each",
            ));
        }
        for k in 0..triggers {
            self.add_row(source, k).map_err(|e| Limit { trigger: k, ..e })?;
        }
        Ok(triggers)
    }

    /// The row of trigger `k` of a rule.
    fn add_row(&mut self, source: &RuleSource<'_>, k: usize) -> Result<(), Limit> {
        let (spec, code, steps, exits) = self.rule(source.rule, k)?;
        // Counted as the verifier counts, so a branch nested too deep is a limit at the rule.
        let open = code.pending_jumps();
        if open > MAX_PENDING_JUMPS {
            return Err(too(
                format!(
                    "this rule's `if`s nest too deep: it keeps {open} branches open at once, the runtime {MAX_PENDING_JUMPS}"
                ),
                "join nested conditions with `and`, or move an inner branch into a rule of its own",
            ));
        }
        let name = source.rule.name.as_deref().map_or(bc::NO_TEXT, |n| self.builder.text(n));
        // Row `k` of the rule is `k` rows after its first.
        let spec = RuleSpec { name, ..spec.line(source.line) }.shares_gate_of(k as u16);
        let index = self.builder.rule_with_steps(spec, &code, &steps);
        let bound = self.builder.rule_bound(index).unwrap_or(u16::MAX);
        if bound > MAX_RULE_BOUND {
            return Err(too(
                format!("this rule needs {bound} instructions, more than the runtime's {MAX_RULE_BOUND}"),
                "split the rule, or move parts of its condition into a variable",
            ));
        }
        let filter = source.sites.triggers.get(k).and_then(|t| t.filter);
        let exits = exits
            .into_iter()
            .map(|(offset, tests, reads)| ExitDebug {
                offset,
                tests,
                span: match tests {
                    Tested::Filter => filter,
                    Tested::Condition => source.sites.condition,
                },
                reads,
            })
            .collect();
        self.debug.push(RuleDebug { exits });
        Ok(())
    }

    fn new(scope: &'a Scope) -> Self {
        let mut builder = ProgramBuilder::new();
        // Text 0 is the empty text: a text state the host has not set yet reads as `""`.
        builder.text("");
        let mut symbols = Symbols {
            events: vec![None; scope.events.len()],
            states: vec![None; scope.states.len()],
            actions: vec![None; scope.actions.len()],
            vars: Vec::with_capacity(scope.vars.len()),
            rules: Vec::new(),
        };
        // Every variable is in the program, so tests and tools can read and set any of them.
        for v in &scope.vars {
            let (min, max) = var_range(scope, &v.ty, v.range);
            let init = v.init.as_ref().map_or(min.max(0).min(max), |c| const_number(scope, c).unwrap_or(min));
            symbols.vars.push(Some(builder.var(&v.name, min, max, init.clamp(min, max))));
        }
        // Every shared limit too, in the scope's order, so that a limit's index is the same in
        // both. A refused declaration (E0304, E0600) never reaches a build: any values do.
        for l in scope.limits.iter().take(usize::from(MAX_LIMITS)) {
            let count = u8::try_from(l.count).unwrap_or(MAX_RATE).clamp(1, MAX_RATE);
            builder.limit(&l.name, count, l.window_ms.unwrap_or(1).max(1));
        }
        Generator { scope, builder, sequence: SequenceFields::default(), symbols, debug: Vec::new() }
    }

    fn text(&mut self, s: &str) -> u16 {
        self.builder.text(s)
    }

    fn event(&mut self, i: usize) -> Result<u16, Limit> {
        if let Some(Some(e)) = self.symbols.events.get(i) {
            return Ok(*e);
        }
        let def = self.scope.events.get(i).ok_or_else(|| too("an unknown event", "this is a compiler bug"))?;
        if def.params.len() > MAX_ARGS {
            return Err(too(
                format!("`{}` has {} payload fields, more than the runtime's {MAX_ARGS}", def.name, def.params.len()),
                "the profile must give the event fewer fields",
            ));
        }
        let kinds: Vec<Kind> = def.params.iter().map(|p| kind(&p.ty)).collect();
        let index = self.builder.event(&self.scope.event_qualified(i), &kinds);
        self.symbols.events[i] = Some(index);
        Ok(index)
    }

    fn state(&mut self, i: usize) -> Result<u16, Limit> {
        if let Some(Some(s)) = self.symbols.states.get(i) {
            return Ok(*s);
        }
        let def = self.scope.states.get(i).ok_or_else(|| too("an unknown state", "this is a compiler bug"))?;
        let index = self.builder.state(&self.scope.state_qualified(i), kind(&def.ty));
        self.symbols.states[i] = Some(index);
        Ok(index)
    }

    fn action(&mut self, i: usize) -> Result<u16, Limit> {
        if let Some(Some(a)) = self.symbols.actions.get(i) {
            return Ok(*a);
        }
        let def = self.scope.actions.get(i).ok_or_else(|| too("an unknown action", "this is a compiler bug"))?;
        if def.params.len() > MAX_ARGS {
            return Err(too(
                format!("`{}` has {} parameters, more than the runtime's {MAX_ARGS}", def.name, def.params.len()),
                "the profile must give the action fewer parameters",
            ));
        }
        let kinds: Vec<Kind> = def.params.iter().map(|p| kind(&p.ty)).collect();
        let index = self.builder.action(&self.scope.action_qualified(i), &kinds, def.privacy.as_deref());
        self.symbols.actions[i] = Some(index);
        Ok(index)
    }

    fn var(&self, i: usize) -> Result<u16, Limit> {
        self.symbols.vars.get(i).copied().flatten().ok_or_else(|| too("an unknown variable", "this is a compiler bug"))
    }

    /// The rule's spec and code, and each `ExitIfFalse`: its offset, what it tests and what that
    /// reads.
    #[allow(clippy::type_complexity)]
    fn rule(
        &mut self,
        rule: &ir::Rule,
        k: usize,
    ) -> Result<(RuleSpec, Code, Vec<StepSpec>, Vec<(u32, Tested, Vec<Value>)>), Limit> {
        let mut code = Code::new();
        let mut exits = Vec::new();
        let mut cx = Context::default();
        let mut steps = Vec::new();
        let written = rule.triggers.get(k).ok_or_else(|| too("a rule without triggers", "this is a compiler bug"))?;
        let trigger = match written {
            Trigger::Event { event, filter } => {
                cx.payload = true;
                let event = self.event(*event)?;
                if let Some(filter) = filter {
                    let offset = self.condition(&mut code, filter, cx)?;
                    exits.push((offset, Tested::Filter, reads(filter)));
                }
                bc::Trigger::Event { event }
            }
            Trigger::Change { value, change } => {
                let (source, index, is_text) = match value {
                    Value::State(s) => (
                        bc::Source::State,
                        self.state(*s)?,
                        self.scope.states.get(*s).is_some_and(|d| d.ty == Type::Text),
                    ),
                    Value::Var(v) => (bc::Source::Var, self.var(*v)?, false),
                };
                let (edge, value) = match change {
                    Change::Changes => (bc::Edge::Changes, 0),
                    Change::Becomes(e) => (bc::Edge::Becomes, self.trigger_value(e, is_text)?),
                    Change::Below(e) => (bc::Edge::Below, self.trigger_value(e, false)?),
                    Change::Above(e) => (bc::Edge::Above, self.trigger_value(e, false)?),
                };
                bc::Trigger::Change { source, index, edge, value }
            }
            Trigger::Every { period_ms } => bc::Trigger::Every { period_ms: *period_ms },
            Trigger::Daily { minute } => bc::Trigger::Daily { minute: *minute },
            Trigger::Sequence { steps: sequence, within_ms } => {
                cx.payload = true;
                let events: Vec<usize> = sequence.iter().map(|s| s.event).collect();
                if events.len() > bc::MAX_SEQUENCE {
                    return Err(too(
                        format!(
                            "this sequence has {} events; the runtime follows at most {}",
                            events.len(),
                            bc::MAX_SEQUENCE
                        ),
                        "shorten the sequence, or count steps in a variable",
                    )
                    .at(Site::Trigger));
                }
                let mut ids = [0u16; bc::MAX_SEQUENCE];
                for (slot, e) in ids.iter_mut().zip(&events) {
                    *slot = self.event(*e)?;
                }
                cx.step = self.plan_sequence(rule, sequence);
                for (k, step) in sequence.iter().enumerate() {
                    let mut filter = Code::new();
                    if let Some(f) = &step.filter {
                        self.expr(&mut filter, f, 0, Context { payload: true, held: false, step: Some(k) })
                            .map_err(|e| e.at(Site::Trigger))?;
                        filter.op(Op::End, 0);
                    }
                    let keep = self.sequence.keep.get(k).copied().unwrap_or(0);
                    steps.push(StepSpec { absent: step.absent, keep, filter: filter.instrs().to_vec() });
                }
                bc::Trigger::Sequence { events: ids, len: events.len() as u8, within_ms: *within_ms, steps: 0 }
            }
            Trigger::Held { condition, duration_ms } => {
                let held = self.held_block(condition, *duration_ms).map_err(|e| e.at(Site::Trigger))?;
                bc::Trigger::Held { held }
            }
        };
        if let Some(condition) = &rule.condition {
            let offset = self.condition(&mut code, condition, cx)?;
            exits.push((offset, Tested::Condition, reads(condition)));
        }
        code.op(Op::Gate, 0);
        for action in &rule.actions {
            self.action_code(&mut code, action, 0, cx)?;
        }
        code.op(Op::End, 0);
        let mode = match rule.mode {
            Mode::Single => bc::Mode::Single,
            Mode::Restart => bc::Mode::Restart,
            Mode::Queued => bc::Mode::Queued,
        };
        let mut spec = RuleSpec::on(trigger).mode(mode);
        if let Some((count, window_ms)) = rule.rate_limit {
            let count = u8::try_from(count).ok().filter(|c| (1..=MAX_RATE).contains(c)).ok_or_else(|| {
                too(
                    format!("`at most {count} times` is more than the runtime's {MAX_RATE} runs per rate limit"),
                    "use a longer window with a smaller count, or count runs in a variable",
                )
                .at(Site::RateLimit)
            })?;
            spec = spec.at_most(count, window_ms);
        }
        // A limit past the runtime's is E0600 at its declaration, and the pack is not built.
        if let Some(limit) = rule.shared_limit.and_then(|l| u16::try_from(l).ok()).filter(|l| *l < MAX_LIMITS) {
            spec = spec.limited_by(limit);
        }
        Ok((spec, code, steps, exits))
    }

    /// Decides which fields each step of a sequence keeps: those a later step's filter, the
    /// condition or the actions read, except the fields of the step whose event runs the rule,
    /// which its code reads from the payload. Returns that step (none when the sequence ends in
    /// an absence, whose rule runs when the window ends).
    fn plan_sequence(&mut self, rule: &ir::Rule, steps: &[ir::SequenceStep]) -> Option<usize> {
        let last = steps.len().checked_sub(1);
        let runs_on = last.filter(|l| !steps[*l].absent);
        let mut keep = [0u8; bc::MAX_SEQUENCE];
        let mut mark = |step: usize, field: usize| {
            if let Some(k) = keep.get_mut(step) {
                *k |= 1u8.checked_shl(field as u32).unwrap_or(0);
            }
        };
        for (k, step) in steps.iter().enumerate() {
            if let Some(filter) = &step.filter {
                step_fields(filter, &mut |s, f| {
                    if s != k {
                        mark(s, f)
                    }
                });
            }
        }
        let mut body = |s: usize, f: usize| {
            if Some(s) != runs_on {
                mark(s, f)
            }
        };
        if let Some(condition) = &rule.condition {
            step_fields(condition, &mut body);
        }
        for action in &rule.actions {
            action_exprs(action, &mut |e| step_fields(e, &mut body));
        }
        self.sequence = SequenceFields { base: self.builder.next_kept(), keep };
        runs_on
    }

    /// The constant of a change trigger (`becomes V`, `below T`), as the runtime compares it.
    fn trigger_value(&mut self, e: &ir::Expr, text: bool) -> Result<i64, Limit> {
        let c = e.constant().ok_or_else(|| {
            too("the value a change trigger compares with must be a constant", "write a constant such as `15%`")
                .at(Site::Trigger)
        })?;
        match (&c, text) {
            (Const::Text(s), true) => Ok(i64::from(self.text(s))),
            _ => const_number(self.scope, &c).ok_or_else(|| too("a value the runtime cannot compare", "use a number")),
        }
    }

    /// `condition; ExitIfFalse`; returns the `ExitIfFalse`'s offset in the block.
    fn condition(&mut self, code: &mut Code, e: &ir::Expr, cx: Context) -> Result<u32, Limit> {
        self.expr(code, e, 0, cx)?;
        let offset = u32::try_from(code.len()).unwrap_or(u32::MAX);
        code.op(Op::ExitIfFalse, 0);
        Ok(offset)
    }

    fn action_code(&mut self, code: &mut Code, action: &Action, delay: u64, cx: Context) -> Result<(), Limit> {
        match action {
            Action::After { delay_ms, action } => self.action_code(code, action, delay.saturating_add(*delay_ms), cx),
            Action::Emit { action, args } => {
                let index = self.action(*action)?;
                for (depth, arg) in args.iter().enumerate() {
                    self.expr(code, arg, depth, cx)?;
                }
                if delay > 0 {
                    self.push_number(code, i64::try_from(delay).unwrap_or(i64::MAX), args.len())?;
                    code.op(Op::EmitAfter, index);
                } else {
                    code.op(Op::Emit, index);
                }
                Ok(())
            }
            Action::If { branches, otherwise } => {
                // `c1; JumpIfFalse next; actions; Jump end; next: c2; ...; else-actions; end:`.
                // Actions leave the stack empty, as jumps need.
                // The last branch without an `else` falls through to the end: no `Jump 0`.
                let mut ends = Vec::with_capacity(branches.len());
                for (k, (condition, actions)) in branches.iter().enumerate() {
                    self.expr(code, condition, 0, cx)?;
                    let next = code.jump(Op::JumpIfFalse);
                    for action in actions {
                        self.action_code(code, action, delay, cx)?;
                    }
                    if k + 1 < branches.len() || !otherwise.is_empty() {
                        ends.push(code.jump(Op::Jump));
                    }
                    code.bind(next);
                }
                for action in otherwise {
                    self.action_code(code, action, delay, cx)?;
                }
                for end in ends {
                    code.bind(end);
                }
                Ok(())
            }
            Action::Set { var, value } => {
                let index = self.var(*var)?;
                self.expr(code, value, 0, cx)?;
                if delay > 0 {
                    self.push_number(code, i64::try_from(delay).unwrap_or(i64::MAX), 1)?;
                    code.op(Op::SetAfter, index);
                } else {
                    code.op(Op::Set, index);
                }
                Ok(())
            }
        }
    }

    /// Pushes the value of `e` onto a stack that holds `depth` values. Recurses with a small
    /// frame: the leaves, the limits and held conditions are in the functions it calls.
    fn expr(&mut self, code: &mut Code, e: &ir::Expr, depth: usize, cx: Context) -> Result<(), Limit> {
        if depth >= MAX_STACK {
            return Err(too_many_values());
        }
        // `2 * 30 s` is one constant: fold what is constant before emitting any arithmetic.
        if !matches!(e.kind, ExprKind::Const(_))
            && let Some(c) = e.constant()
        {
            return self.push_const(code, &c, depth);
        }
        match &e.kind {
            ExprKind::Unary(op, inner) => {
                self.expr(code, inner, depth, cx)?;
                code.op(if *op == UnaryOp::Not { Op::Not } else { Op::Neg }, 0);
            }
            ExprKind::Binary(op, l, r) if e.ty == Type::Time => self.moved_time(code, *op, l, r, depth, cx)?,
            ExprKind::Binary(op, l, r) => {
                self.expr(code, l, depth, cx)?;
                self.expr(code, r, depth + 1, cx)?;
                code.op(binary(*op), 0);
            }
            ExprKind::Held(condition, duration_ms) => self.held(code, condition, *duration_ms, cx)?,
            _ => self.leaf(code, e, depth, cx)?,
        }
        Ok(())
    }

    /// `time ± duration` or `duration + time`, the duration a constant (the checker allows no
    /// other): `(time + shift) % 1440`, where the shift is the minutes added in `0..1440`, so the
    /// sum stays positive and the remainder wraps it around midnight.
    fn moved_time(
        &mut self,
        code: &mut Code,
        op: BinaryOp,
        l: &ir::Expr,
        r: &ir::Expr,
        depth: usize,
        cx: Context,
    ) -> Result<(), Limit> {
        let (time, duration) = if l.ty == Type::Time { (l, r) } else { (r, l) };
        let shift = match duration.constant() {
            Some(Const::Duration(ms)) => crate::types::time_shift(op, ms),
            _ => None,
        }
        .ok_or_else(|| too("a time of day moved by a duration that is not constant", "this is a compiler bug"))?;
        self.expr(code, time, depth, cx)?;
        self.push_number(code, shift, depth + 1)?;
        code.op(Op::Add, 0);
        self.push_number(code, crate::types::MINUTES_PER_DAY, depth + 1)?;
        code.op(Op::Rem, 0);
        Ok(())
    }

    /// A constant, a read or a payload field.
    fn leaf(&mut self, code: &mut Code, e: &ir::Expr, depth: usize, cx: Context) -> Result<(), Limit> {
        match &e.kind {
            ExprKind::Const(c) => self.push_const(code, c, depth)?,
            ExprKind::Read(Value::State(s)) => {
                let s = self.state(*s)?;
                code.op(Op::State, s);
            }
            ExprKind::Read(Value::Var(v)) => {
                let v = self.var(*v)?;
                code.op(Op::Var, v);
            }
            ExprKind::Payload(field) => {
                if !cx.payload || cx.held {
                    return Err(too(
                        "an event's field can only be read in the rule it triggers, not in a held condition",
                        "compare the field in the rule's condition instead",
                    ));
                }
                code.op(Op::Payload, u16::try_from(*field).unwrap_or(u16::MAX));
            }
            ExprKind::StepField { step, field } => {
                if cx.held {
                    return Err(too(
                        "an event's field can only be read in the rule it triggers, not in a held condition",
                        "compare the field in the rule's condition instead",
                    ));
                }
                if cx.step == Some(*step) {
                    code.op(Op::Payload, u16::try_from(*field).unwrap_or(u16::MAX));
                } else {
                    let kept = self.sequence.kept(*step, *field).ok_or_else(|| {
                        too("a field of a step that has no value where it is read", "this is a compiler bug")
                    })?;
                    code.op(Op::Kept, kept);
                }
            }
            ExprKind::TimeOfDay => {
                if cx.held {
                    return Err(too(
                        "`time-of-day` cannot be read in a held condition: the runtime watches those through the states they read, and the clock is not a state",
                        "compare the time in the rule's condition, outside `for`",
                    ));
                }
                code.op(Op::Minute, 0);
            }
            ExprKind::Unary(..) | ExprKind::Binary(..) | ExprKind::Held(..) => {
                return Err(too("an expression the code generator does not know", "this is a compiler bug"));
            }
        }
        Ok(())
    }

    /// `condition for duration_ms`: the condition in a block of its own, which the runtime tracks.
    fn held(&mut self, code: &mut Code, condition: &ir::Expr, duration_ms: u64, cx: Context) -> Result<(), Limit> {
        if cx.held {
            return Err(too(
                "a condition held for a time inside another one",
                "write the two durations as two conditions joined by `and`",
            ));
        }
        let index = self.held_block(condition, duration_ms)?;
        code.op(Op::Held, index);
        Ok(())
    }

    /// A held condition's block of its own, which the runtime re-evaluates at every change.
    fn held_block(&mut self, condition: &ir::Expr, duration_ms: u64) -> Result<u16, Limit> {
        let mut held = Code::new();
        self.expr(&mut held, condition, 0, Context { held: true, ..Context::default() })?;
        held.op(Op::End, 0);
        Ok(self.builder.held(&held, duration_ms))
    }

    fn push_const(&mut self, code: &mut Code, c: &Const, depth: usize) -> Result<(), Limit> {
        if let Const::Text(s) = c {
            let t = self.text(s);
            code.op(Op::Text, t);
            return Ok(());
        }
        let n =
            const_number(self.scope, c).ok_or_else(|| too("a value of an unknown enum", "this is a compiler bug"))?;
        self.push_number(code, n, depth)
    }

    fn push_number(&mut self, code: &mut Code, n: i64, depth: usize) -> Result<(), Limit> {
        if depth >= MAX_STACK {
            return Err(too(
                format!("this action needs more than the runtime's {MAX_STACK} values at once"),
                "give the action fewer arguments",
            ));
        }
        match i16::try_from(n) {
            Ok(small) => code.small(small),
            Err(_) => {
                let c = self.builder.constant(n);
                code.op(Op::Const, c)
            }
        };
        Ok(())
    }
}

#[derive(Clone, Copy, Default)]
struct Context {
    /// The rule has a triggering event whose payload can be read.
    payload: bool,
    /// Generating a held block, which reads only constants, states and variables.
    held: bool,
    /// In a sequence rule, the step whose event's payload the block reads as `Payload` (the
    /// step of a filter; for the rule's code, the last step unless it is an absence). Other
    /// steps' fields are read from their kept slots.
    step: Option<usize>,
}

/// Where a sequence rule's blocks find the fields of its steps: the fields each step keeps
/// (bit `i`: field `i`), in kept slots from `base` on, step by step in field order.
#[derive(Clone, Copy, Debug, Default)]
struct SequenceFields {
    base: u16,
    keep: [u8; bc::MAX_SEQUENCE],
}

impl SequenceFields {
    /// The kept slot of field `field` of step `step`, if the step keeps it.
    fn kept(&self, step: usize, field: usize) -> Option<u16> {
        let bit = 1u8.checked_shl(u32::try_from(field).ok()?)?;
        if self.keep.get(step)? & bit == 0 {
            return None;
        }
        let before: u32 = self.keep.iter().take(step).map(|k| k.count_ones()).sum();
        let below = (self.keep[step] & (bit - 1)).count_ones();
        u16::try_from(u32::from(self.base) + before + below).ok()
    }
}

/// Calls `f` with `(step, field)` of each sequence field `e` reads.
fn step_fields(e: &ir::Expr, f: &mut impl FnMut(usize, usize)) {
    match &e.kind {
        ExprKind::StepField { step, field } => f(*step, *field),
        ExprKind::Unary(_, inner) | ExprKind::Held(inner, _) => step_fields(inner, f),
        ExprKind::Binary(_, l, r) => {
            step_fields(l, f);
            step_fields(r, f);
        }
        ExprKind::Const(_) | ExprKind::Read(_) | ExprKind::Payload(_) | ExprKind::TimeOfDay => {}
    }
}

/// Calls `f` with every expression of an action: arguments, values, branch conditions.
fn action_exprs(action: &Action, f: &mut impl FnMut(&ir::Expr)) {
    match action {
        Action::Emit { args, .. } => args.iter().for_each(&mut *f),
        Action::Set { value, .. } => f(value),
        Action::After { action, .. } => action_exprs(action, f),
        Action::If { branches, otherwise } => {
            for (condition, actions) in branches {
                f(condition);
                actions.iter().for_each(|a| action_exprs(a, f));
            }
            otherwise.iter().for_each(|a| action_exprs(a, f));
        }
    }
}

fn too_many_values() -> Limit {
    too(
        format!("this expression needs more than the runtime's {MAX_STACK} values at once"),
        "split the expression: compute a part of it in a variable",
    )
}

fn binary(op: BinaryOp) -> Op {
    match op {
        BinaryOp::Add => Op::Add,
        BinaryOp::Sub => Op::Sub,
        BinaryOp::Mul => Op::Mul,
        BinaryOp::Div => Op::Div,
        BinaryOp::Rem => Op::Rem,
        BinaryOp::Eq => Op::Eq,
        BinaryOp::Ne => Op::Ne,
        BinaryOp::Lt => Op::Lt,
        BinaryOp::Le => Op::Le,
        BinaryOp::Gt => Op::Gt,
        BinaryOp::Ge => Op::Ge,
        BinaryOp::Matches => Op::Matches,
        BinaryOp::Contains => Op::Contains,
        BinaryOp::And => Op::And,
        BinaryOp::Or => Op::Or,
    }
}

/// The states and variables `e` reads, in order of first appearance.
fn reads(e: &ir::Expr) -> Vec<Value> {
    /// `seen` holds what `out` does, to tell a first read in constant time.
    fn walk(e: &ir::Expr, out: &mut Vec<Value>, seen: &mut std::collections::HashSet<Value>) {
        match &e.kind {
            ExprKind::Read(v) => {
                if seen.insert(*v) {
                    out.push(*v);
                }
            }
            ExprKind::Unary(_, inner) | ExprKind::Held(inner, _) => walk(inner, out, seen),
            ExprKind::Binary(_, l, r) => {
                walk(l, out, seen);
                walk(r, out, seen);
            }
            ExprKind::Const(_) | ExprKind::Payload(_) | ExprKind::StepField { .. } | ExprKind::TimeOfDay => {}
        }
    }
    let mut out = Vec::new();
    walk(e, &mut out, &mut Default::default());
    out
}

/// The number a non-text constant is at run time.
pub fn const_number(scope: &Scope, c: &Const) -> Option<i64> {
    Some(match c {
        Const::Bool(b) => i64::from(*b),
        Const::Int(n) | Const::Percent(n) | Const::Duration(n) => *n,
        Const::Time(minute) => i64::from(*minute),
        Const::Enum(e, v) => {
            let e = scope.enum_index(e)?;
            scope.enums_with_value(v).into_iter().find(|&(i, _)| i == e)?.1 as i64
        }
        Const::Text(_) => return None,
    })
}

/// The range a variable of this type is clamped to.
fn var_range(scope: &Scope, ty: &Type, declared: Option<(i64, i64)>) -> (i64, i64) {
    match ty {
        Type::Int => declared.unwrap_or((i64::MIN, i64::MAX)),
        Type::Bool => (0, 1),
        Type::Percent => (0, 100),
        Type::Duration => (0, i64::MAX),
        Type::Time => (0, 1439),
        Type::Enum(e) => (0, scope.enum_def(e).map_or(0, |d| d.variants.len().saturating_sub(1) as i64)),
        Type::Text | Type::Error => (i64::MIN, i64::MAX),
    }
}
