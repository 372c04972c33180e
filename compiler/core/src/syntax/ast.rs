//! The syntax tree of one item (a `use`, a rule, a test, a profile ...).
//!
//! Spans are relative to the item's first byte (see `span.rs`). The tree keeps what the author
//! wrote (units as spelled, text with its escapes, parentheses) so the formatter can print it back.

use crate::span::{Span, Spanned};

pub type Name = Spanned<String>;

/// `driving`, `car.notify`, `glasses.button.long-press`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Path {
    pub segments: Vec<Name>,
    pub span: Span,
}

impl Path {
    pub fn text(&self) -> String {
        self.segments.iter().map(|s| s.node.as_str()).collect::<Vec<_>>().join(".")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Item {
    pub kind: ItemKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ItemKind {
    /// `use xiaomi-ai-glasses, xiaomi-car`
    Use(Vec<Name>),
    /// `pack dashcam "Records the road on demand"`
    Pack {
        name: Name,
        doc: Option<Spanned<String>>,
    },
    /// `permit camera, microphone`
    Permit(Vec<Name>),
    Var(VarDecl),
    /// `limit reminders: at most once per 10 min`: a rate limit rules share (`limit reminders`).
    Limit(LimitDecl),
    Rule(RuleDecl),
    Test(TestDecl),
    Profile(ProfileDecl),
    /// Text that could not be parsed as an item; its errors were reported.
    Error,
}

/// `limit reminders: at most 2 times per hour`: every rule with the option `limit reminders`
/// counts against it, whichever of them runs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LimitDecl {
    pub name: Name,
    pub count: Spanned<u64>,
    pub window: Expr,
    /// `at most ... per W`.
    pub span: Span,
}

/// `var clips-today: Int 0..500 = 0`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VarDecl {
    pub name: Name,
    pub ty: TypeExpr,
    pub init: Option<Expr>,
}

/// `Bool`, `Percent`, `Int 0..100`, `capture-kind`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TypeExpr {
    pub name: Name,
    pub range: Option<(Expr, Expr)>,
    /// `Int 0..300 km/h`, `Int °C`: the unit of the values, as written.
    pub unit: Option<Spanned<String>>,
    pub span: Span,
}

impl TypeExpr {
    /// The unit of the values: written after the type, or on the range's upper bound
    /// (`Int -40..80 °C`).
    pub fn unit(&self) -> Option<&Spanned<String>> {
        self.unit.as_ref().or(match &self.range {
            Some((_, Expr { kind: ExprKind::Measure { unit, .. }, .. })) => Some(unit),
            _ => None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RuleDecl {
    pub name: Option<Name>,
    /// At least one: `on a or every 10 min` is two, each written after `or`. `on a or b` of
    /// two names is one condition trigger here; the checker reads an `or` of events in it as
    /// several triggers (`ItemCheck::triggers`).
    pub triggers: Vec<Trigger>,
    pub condition: Option<Expr>,
    pub options: Vec<RuleOption>,
    pub actions: Vec<Action>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Trigger {
    pub kind: TriggerKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TriggerKind {
    /// `on button-long-press`, `on wake-word where word == "hi"`
    Event { event: Path, filter: Option<Expr> },
    /// `on driving becomes true`, `on battery below 15%`; with `held`, the new value has held
    /// for that long: `on speed above 120 for 10 s`.
    State { state: Path, change: StateChange, held: Option<Expr> },
    /// `on speed > 120 for 10 s`: the condition, and how long it must hold (`for` at the end of a
    /// trigger's condition applies to the whole condition). Without a duration the trigger names
    /// no moment, which the checker reports.
    Condition { condition: Expr, duration: Option<Expr> },
    /// `every 10 min`
    Every { period: Expr },
    /// `every day at 07:30`
    Daily { time: Spanned<u16> },
    /// `on button-press then button-press within 400 ms`,
    /// `on command where text contains "note" then press within 10 s`,
    /// `on press then no long-press within 2 s`: the steps in order, all within `within` of the
    /// first.
    Sequence { steps: Vec<SequenceStep>, within: Expr },
}

/// One step of a sequence: `[no] EVENT [where FILTER]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SequenceStep {
    /// The `no` of the step that must not happen before the window ends (`then no long-press`),
    /// where it is written.
    pub absent: Option<Span>,
    pub event: Path,
    /// Reads the step's own payload fields and those of the steps before it.
    pub filter: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StateChange {
    Becomes(Expr),
    Changes,
    Below(Expr),
    Above(Expr),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RuleOption {
    /// `at most once per minute`, `at most 3 times per 10 min`
    RateLimit { count: Spanned<u64>, window: Expr, span: Span },
    /// `mode restart`: what a re-trigger does while the rule still has delayed actions pending.
    Mode(Spanned<Mode>),
    /// `limit reminders`: the rule's runs count against the pack's limit `reminders`, which
    /// other rules share. The span is the whole option.
    Limit { name: Name, span: Span },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Ignore the new trigger (the default).
    Single,
    /// Cancel the pending actions and start again.
    Restart,
    /// Run again after the pending actions finish.
    Queued,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Single => "single",
            Mode::Restart => "restart",
            Mode::Queued => "queued",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Action {
    pub kind: ActionKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ActionKind {
    Call(Call),
    /// `set clips-today = clips-today + 1`
    Set {
        target: Path,
        value: Expr,
    },
    /// `after 5 s notify phone`
    After {
        delay: Expr,
        action: Box<Action>,
    },
    /// `if driving { notify car } else if worn { chime } else { record photo }`: the first branch
    /// whose condition is true runs; `otherwise` is the `else { ... }` block, if written.
    If {
        branches: Vec<Branch>,
        otherwise: Option<Vec<Action>>,
    },
}

/// One `if CONDITION { ACTIONS }` of a branching action.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Branch {
    pub condition: Expr,
    pub actions: Vec<Action>,
}

/// `record clip`, `notify car(message: "hi")`, `camera.record(kind: clip, duration: 30 s)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Call {
    pub verb: Path,
    /// The second word of a short form: a device, a capability or an enum value of a parameter.
    pub object: Option<Name>,
    pub args: Vec<Arg>,
    pub span: Span,
}

/// `message: "hi"`. Arguments are named; one written without its name (`say("hi")`) is kept with
/// `name: None` so the checker, which knows the parameters, can say which name it needs (E0110).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Arg {
    pub name: Option<Name>,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExprKind {
    Int(u64),
    /// `5 s`, `400ms`, `10 min`: the number and the unit as written.
    Quantity {
        value: u64,
        unit: Name,
    },
    /// `15%`
    Percent(u64),
    /// The text between the quotes, escapes still in it.
    Text(String),
    Bool(bool),
    /// `07:30`, minutes after midnight.
    Time(u16),
    /// `16:9`: an aspect ratio, which is never a value (the checker says what was meant).
    Ratio(u16, u16),
    /// `22 °C`, `120 km/h`: a number in a unit of a measure a profile declares (an `Int`; the
    /// unit as written).
    Measure {
        value: u64,
        unit: Spanned<String>,
    },
    Path(Path),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `motion == still for 3 s`: the condition has held for the duration.
    Held {
        condition: Box<Expr>,
        duration: Box<Expr>,
    },
    Paren(Box<Expr>),
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    /// The remainder of a division, `%`: it has the sign of the left side.
    Rem,
    /// Two texts with the same words, case and punctuation aside (`glass_runtime::text`).
    Matches,
    /// A text with the words of another in it, in order.
    Contains,
}

impl BinaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
            BinaryOp::Matches => "matches",
            BinaryOp::Contains => "contains",
        }
    }

    /// Operators that compare two values into a `Bool`, at one precedence and without chaining.
    pub fn is_comparison(self) -> bool {
        matches!(self, BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge)
            || self.is_text_match()
    }

    /// `matches` and `contains`, which compare the words of two texts.
    pub fn is_text_match(self) -> bool {
        matches!(self, BinaryOp::Matches | BinaryOp::Contains)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TestDecl {
    pub name: Spanned<String>,
    pub steps: Vec<TestStep>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TestStep {
    /// `at 2 s:` — the virtual time of the step; without it, the time of the step before.
    pub at: Option<Expr>,
    pub kind: StepKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StepKind {
    /// `set driving = true`
    Set {
        target: Path,
        value: Expr,
    },
    /// `fire voice-wake-word(word: "xiaoai")`
    Fire {
        event: Path,
        args: Vec<Arg>,
    },
    /// `expect record clip`, `expect no notify car`
    Expect {
        negated: bool,
        call: Call,
    },
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProfileDecl {
    /// `family NAME { ... }`: what every product of a kind has, which packs can be written for;
    /// `profile NAME { ... }` otherwise, one product.
    pub family: bool,
    pub name: Name,
    /// `profile ray-ban-meta implements glasses`: the families this product belongs to.
    pub implements: Vec<Name>,
    pub doc: Option<Spanned<String>>,
    pub members: Vec<Member>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Member {
    pub kind: MemberKind,
    pub doc: Option<Spanned<String>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MemberKind {
    /// `device car via phone`: the device this profile describes, and the device links go through.
    Device {
        name: Name,
        via: Option<Name>,
    },
    /// `processor ar1`
    Processor {
        name: Name,
    },
    /// `enum capture-kind { photo, clip }`
    Enum {
        name: Name,
        variants: Vec<Name>,
    },
    /// `state battery: Percent`
    State {
        name: Name,
        ty: TypeExpr,
    },
    /// `capability camera { ... }`
    Capability {
        name: Name,
        members: Vec<Member>,
    },
    /// `event long-press max 2 per second`
    Event {
        name: Name,
        params: Vec<Param>,
        max_rate: Option<(Spanned<u64>, Expr)>,
    },
    /// `action record(kind: capture-kind = photo) cost 900 mW takes 15 s on ar1 privacy camera`
    Action {
        name: Name,
        params: Vec<Param>,
        clauses: Vec<ActionClause>,
    },
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Param {
    pub name: Name,
    pub ty: TypeExpr,
    pub default: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ActionClause {
    /// `cost 900 mW`: power drawn while the action runs.
    Cost(Spanned<u64>, Name),
    /// `takes 15 s` or `takes duration` (a parameter).
    Takes(Expr),
    /// `on ar1`: the processor that runs it.
    On(Name),
    /// `privacy camera`: the permission a pack must declare to use it.
    Privacy(Name),
}
