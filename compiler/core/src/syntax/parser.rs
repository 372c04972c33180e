//! The chumsky grammar of one item.
//!
//! `split.rs` has already cut the file into items, so a mistake in one rule never hides the rules
//! after it; inside an item, actions, arguments, test steps and profile members recover on their
//! own so independent mistakes are all reported.

use chumsky::input::ValueInput;
use chumsky::prelude::*;

use super::ast::*;
use super::lexer::{KEYWORDS, Token};
use super::units::unit_millis;
use crate::span::{Span, Spanned};

type Extra<'t, 's> = extra::Err<Rich<'t, Token<'s>, SimpleSpan>>;

fn sp(s: SimpleSpan) -> Span {
    s.into()
}

/// Separates the message, label, help and fix of the parser's own errors (see [`custom`]).
pub(crate) const CUSTOM_SEPARATOR: char = '\u{1f}';

/// An error the grammar reports itself, with a label, a help line and optionally a replacement
/// for its span. Chumsky's custom errors carry one string, so the parts travel joined.
fn custom<'t, 's>(span: SimpleSpan, message: &str, label: &str, help: &str, fix: Option<&str>) -> Rich<'t, Token<'s>> {
    let mut text = [message, label, help].join(&CUSTOM_SEPARATOR.to_string());
    if let Some(fix) = fix {
        text.push(CUSTOM_SEPARATOR);
        text.push_str(fix);
    }
    Rich::custom(span, text)
}

/// An expression as the author could write it, for help lines.
fn show(e: &Expr) -> String {
    super::print::expr(e)
}

fn error_expr(span: Span) -> Expr {
    Expr { kind: ExprKind::Error, span }
}

/// A contextual or hard keyword.
fn kw<'t, 's: 't, I>(word: &'static str) -> impl Parser<'t, I, SimpleSpan, Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    just(Token::Word(word)).map_with(|_, e| e.span())
}

fn sym<'t, 's: 't, I>(s: &'static str) -> impl Parser<'t, I, SimpleSpan, Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    just(Token::Sym(s)).map_with(|_, e| e.span())
}

fn name<'t, 's: 't, I>() -> impl Parser<'t, I, Name, Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    select! { Token::Word(w) if !KEYWORDS.contains(&w) => w }
        .map_with(|w: &str, e| Spanned::new(w.to_string(), sp(e.span())))
        .labelled("a name")
}

fn text<'t, 's: 't, I>() -> impl Parser<'t, I, Spanned<String>, Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    select! { Token::Str(s) => s }
        .map_with(|s: &str, e| Spanned::new(s.to_string(), sp(e.span())))
        .labelled("text in quotes")
}

fn int<'t, 's: 't, I>() -> impl Parser<'t, I, Spanned<u64>, Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    select! { Token::Int(n) => n }.map_with(|n, e| Spanned::new(n, sp(e.span()))).labelled("a number")
}

fn path<'t, 's: 't, I>() -> impl Parser<'t, I, Path, Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    name()
        .separated_by(sym("."))
        .at_least(1)
        .collect::<Vec<_>>()
        .map_with(|segments, e| Path { segments, span: sp(e.span()) })
}

/// How many levels an expression's tree may have: each operator, bracket, `not`, `-` and `for`
/// is one level above what it applies to. Every pass over an expression (checking, constants,
/// formatting, code generation, the editor's) walks the tree recursively; this bound is what keeps
/// them all within a small stack, so no deeper tree leaves the parser. Long chains of operators
/// (`a + b + c ...`) are where a tree gets deep without brackets.
pub const MAX_EXPR_DEPTH: u32 = 256;

/// An expression being parsed, with the depth of its tree; once that passed [`MAX_EXPR_DEPTH`],
/// an error node and where the limit was passed, reported once for the whole expression by
/// [`expr`].
struct Sub {
    expr: Expr,
    depth: u32,
    too_long: Option<SimpleSpan>,
}

impl Sub {
    fn leaf(expr: Expr) -> Sub {
        Sub { expr, depth: 0, too_long: None }
    }

    /// The node `make` builds from `parts` (spanning `span`), one level above the deepest of
    /// them. If that passes the limit at `at`, or a part already did, it is an error node instead,
    /// and the parts, each within the limit, are dropped: the deep tree is never built.
    fn join<const N: usize>(
        parts: [Sub; N],
        at: SimpleSpan,
        span: Span,
        make: impl FnOnce([Expr; N]) -> ExprKind,
    ) -> Sub {
        let depth = parts.iter().map(|p| p.depth).max().unwrap_or(0) + 1;
        let too_long = parts.iter().find_map(|p| p.too_long).or((depth > MAX_EXPR_DEPTH).then_some(at));
        if too_long.is_some() {
            return Sub { expr: error_expr(span), depth: 0, too_long };
        }
        Sub { expr: Expr { kind: make(parts.map(|p| p.expr)), span }, depth, too_long: None }
    }
}

/// An operator of a comparison, where it is, and its right side.
type Comparison = ((BinaryOp, SimpleSpan), Sub);

fn binary(op: BinaryOp, at: SimpleSpan, lhs: Sub, rhs: Sub) -> Sub {
    let span = lhs.expr.span.to(rhs.expr.span);
    Sub::join([lhs, rhs], at, span, |[lhs, rhs]| ExprKind::Binary { op, lhs: Box::new(lhs), rhs: Box::new(rhs) })
}

/// A binary operator and where it is.
fn op<'t, 's: 't, I>(
    word: &'static str,
    op: BinaryOp,
) -> impl Parser<'t, I, (BinaryOp, SimpleSpan), Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    let token = if word.starts_with(|c: char| c.is_ascii_alphabetic()) { Token::Word(word) } else { Token::Sym(word) };
    just(token).map_with(move |_, e| (op, e.span()))
}

/// An expression. One whose tree would be deeper than [`MAX_EXPR_DEPTH`] is reported (E0012) at
/// the operator where it passed the limit and becomes an error node.
fn expr<'t, 's: 't, I>() -> impl Parser<'t, I, Expr, Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    sub_expr().validate(|sub, _, emitter| {
        if let Some(at) = sub.too_long {
            emitter.emit(custom(
                at,
                &format!("{TOO_LONG}this expression has more than {MAX_EXPR_DEPTH} operators in a row"),
                &format!("more than {MAX_EXPR_DEPTH} operators in a row up to here"),
                "split it: a sum of constants can be written as its value (`5 min`), an `or` of many cases as several rules with the same actions, and a part can be worked out by a rule of its own and kept in a `var`",
                None,
            ));
        }
        sub.expr
    })
}

/// Starts the message of the parser's error for an expression deeper than the limit, which has
/// its own code (see `split::syntax_error`).
pub(crate) const TOO_LONG: char = '\u{1e}';

/// Expressions, from loosest to tightest: `or`, `and`, `not`, `X for D`, comparisons, `+ -`,
/// `* / %`, unary `-`, atoms. Comparisons do not chain: `a < b < c` is a syntax error. Chains of
/// operators are folded in loops, and only brackets and prefixes recurse (their nesting is
/// bounded before parsing, by `split::MAX_NESTING`).
fn sub_expr<'t, 's: 't, I>() -> impl Parser<'t, I, Sub, Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    recursive(|expr| {
        let unit = select! { Token::Word(w) if unit_millis(w).is_some() => w }
            .map_with(|w: &str, e| Spanned::new(w.to_string(), sp(e.span())));
        let measure = select! { Token::Unit(u) => u }.map_with(|u: &str, e| Spanned::new(u.to_string(), sp(e.span())));
        let number = int().then(unit.map(Ok).or(measure.map(Err)).or_not()).map(|(n, unit)| match unit {
            Some(Ok(unit)) => ExprKind::Quantity { value: n.node, unit },
            Some(Err(unit)) => ExprKind::Measure { value: n.node, unit },
            None => ExprKind::Int(n.node),
        });
        let literal = choice((
            number,
            select! {
                Token::Percent(n) => ExprKind::Percent(n),
                Token::Str(s) => ExprKind::Text(s.to_string()),
                Token::Time(t) => ExprKind::Time(t),
                Token::Ratio(w, h) => ExprKind::Ratio(w, h),
            },
            kw("true").to(ExprKind::Bool(true)),
            kw("false").to(ExprKind::Bool(false)),
        ));
        let leaf = choice((literal, path().map(ExprKind::Path)))
            .map_with(|kind, e| Sub::leaf(Expr { kind, span: sp(e.span()) }));
        let paren = sym("(")
            .then(expr.clone())
            .then_ignore(sym(")"))
            .map_with(|(open, inner): (SimpleSpan, Sub), e| {
                Sub::join([inner], open, sp(e.span()), |[inner]| ExprKind::Paren(Box::new(inner)))
            })
            .recover_with(via_parser(nested_delimiters(
                Token::Sym("("),
                Token::Sym(")"),
                [(Token::Sym("{"), Token::Sym("}"))],
                |span| Sub::leaf(error_expr(sp(span))),
            )));
        let atom = choice((leaf, paren)).labelled("a value").boxed();

        let neg = recursive(|neg| {
            sym("-")
                .then(neg)
                .map_with(|(minus, operand): (SimpleSpan, Sub), e| {
                    Sub::join([operand], minus, sp(e.span()), |[operand]| ExprKind::Unary {
                        op: UnaryOp::Neg,
                        operand: Box::new(operand),
                    })
                })
                .or(atom)
        });

        let product_op = choice((op("*", BinaryOp::Mul), op("/", BinaryOp::Div), op("%", BinaryOp::Rem)));
        let product = neg.clone().foldl(product_op.then(neg).repeated(), |l, ((op, at), r)| binary(op, at, l, r));
        let sum_op = op("+", BinaryOp::Add).or(op("-", BinaryOp::Sub));
        let sum =
            product.clone().foldl(sum_op.then(product).repeated(), |l, ((op, at), r)| binary(op, at, l, r)).boxed();

        let cmp_op = choice((
            op("==", BinaryOp::Eq),
            op("!=", BinaryOp::Ne),
            op("<=", BinaryOp::Le),
            op(">=", BinaryOp::Ge),
            op("<", BinaryOp::Lt),
            op(">", BinaryOp::Gt),
            op("matches", BinaryOp::Matches),
            op("contains", BinaryOp::Contains),
        ));
        // Comparisons do not chain: a second one is reported, and the whole is an error node so
        // that the checker does not report it again. Only the first three are kept to say so.
        let comparison = sum.clone().then(cmp_op.then(sum.clone()).repeated().collect::<Vec<_>>()).validate(
            |(first, rest): (Sub, Vec<Comparison>), _, emitter| {
                let mut rest = rest.into_iter();
                let Some(((op, at), second)) = rest.next() else { return first };
                let Some(((op2, op2_span), third)) = rest.next() else { return binary(op, at, first, second) };
                let end = rest.last().map_or(third.expr.span, |(_, e)| e.expr.span);
                let span = first.expr.span.to(end);
                // An expression too long is reported as that, once.
                if let Some(too_long) = [&first, &second, &third].iter().find_map(|s| s.too_long) {
                    return Sub { expr: error_expr(span), depth: 0, too_long: Some(too_long) };
                }
                let (a, b, c) = (show(&first.expr), show(&second.expr), show(&third.expr));
                let (op, op2) = (op.as_str(), op2.as_str());
                emitter.emit(custom(
                    op2_span,
                    "comparisons do not chain",
                    "a second comparison",
                    &format!("compare twice and join with `and`: `{a} {op} {b} and {b} {op2} {c}`"),
                    None,
                ));
                Sub::leaf(error_expr(span))
            },
        );
        let held = comparison.then(kw("for").then(sum).or_not()).map(|(condition, duration)| match duration {
            Some((at, duration)) => {
                let span = condition.expr.span.to(duration.expr.span);
                Sub::join([condition, duration], at, span, |[condition, duration]| ExprKind::Held {
                    condition: Box::new(condition),
                    duration: Box::new(duration),
                })
            }
            None => condition,
        });
        let not = recursive(|not| {
            kw("not")
                .then(not)
                .map_with(|(at, operand): (SimpleSpan, Sub), e| {
                    Sub::join([operand], at, sp(e.span()), |[operand]| ExprKind::Unary {
                        op: UnaryOp::Not,
                        operand: Box::new(operand),
                    })
                })
                .or(held)
        });
        let and =
            not.clone().foldl(op("and", BinaryOp::And).then(not).repeated(), |l, ((op, at), r)| binary(op, at, l, r));
        // `on a where x > 1 or b where y > 2`: an `or` before a trigger ends the expression.
        let or = op("or", BinaryOp::Or).then_ignore(trigger_start().not().rewind());
        and.clone()
            .foldl(or.then(and).repeated(), |l, ((op, at), r)| binary(op, at, l, r))
            .labelled("an expression")
            .boxed()
    })
}

fn args<'t, 's: 't, I>() -> impl Parser<'t, I, Vec<Arg>, Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    // `message = "hi"` is a named argument written like an assignment: reported with the fix `:`,
    // and read as meant.
    let colon = sym(":").ignored().or(sym("=").validate(|eq, _, emitter| {
        emitter.emit(custom(
            eq,
            "an argument is named with `:`, not `=`",
            "write `:` here",
            "arguments read `NAME: VALUE`, as in `say(message: \"Hi\")`",
            Some(":"),
        ));
    }));
    let named = name().then_ignore(colon).then(expr()).map(|(name, value)| Arg { name: Some(name), value });
    // An argument without its name (`say("hi")`) is read too: the checker knows the parameters
    // and says which name it needs.
    let positional = expr().map(|value| Arg { name: None, value });
    named
        .or(positional)
        .separated_by(sym(","))
        .allow_trailing()
        .collect::<Vec<_>>()
        .delimited_by(sym("("), sym(")"))
        .recover_with(via_parser(nested_delimiters(Token::Sym("("), Token::Sym(")"), [], |_| Vec::new())))
}

/// A `while` or `where` condition. `=` in it is a comparison written like an assignment: it is
/// reported with the fix `==`, and the condition becomes an error node.
fn condition<'t, 's: 't, I>() -> impl Parser<'t, I, Expr, Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    expr().then(sym("=").then(expr()).or_not()).validate(|(lhs, assign), _, emitter| match assign {
        None => lhs,
        Some((eq, rhs)) => {
            emitter.emit(custom(
                eq,
                "`=` gives a value; a condition compares with `==`",
                "write `==` to compare",
                &format!("write `{} == {}`", show(&lhs), show(&rhs)),
                Some("=="),
            ));
            error_expr(lhs.span.to(rhs.span))
        }
    })
}

/// Words that start a test step.
const STEP_WORDS: &[&str] = &["at", "fire", "expect"];

/// `record clip`, `notify car(message: "hi")`, `camera.record(duration: 30 s)`.
fn call<'t, 's: 't, I>() -> impl Parser<'t, I, Call, Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    // In a test, the next step may start on the next line: its first word is never an object.
    let object = name().filter(|n: &Name| !STEP_WORDS.contains(&n.node.as_str()));
    path()
        .then(object.or_not())
        .then(args().or_not())
        .map_with(|((verb, object), args), e| Call { verb, object, args: args.unwrap_or_default(), span: sp(e.span()) })
        .labelled("an action")
}

/// A duration after `per`, `every` or `within`: `10 min`, or a bare unit meaning one of it, as in
/// `per minute`, `every hour`, `within second`.
fn window<'t, 's: 't, I>() -> impl Parser<'t, I, Expr, Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    let bare_unit = select! { Token::Word(w) if unit_millis(w).is_some() => w }.map_with(|w: &str, e| Expr {
        kind: ExprKind::Quantity { value: 1, unit: Spanned::new(w.to_string(), sp(e.span())) },
        span: sp(e.span()),
    });
    bare_unit.or(expr())
}

fn action<'t, 's: 't, I>() -> impl Parser<'t, I, Action, Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    recursive(|action| {
        let after = kw("after")
            .ignore_then(expr())
            .then(action.clone())
            .map(|(delay, action): (Expr, Action)| ActionKind::After { delay, action: Box::new(action) });
        let set = kw("set")
            .ignore_then(path())
            .then_ignore(sym("="))
            .then(expr())
            .map(|(target, value)| ActionKind::Set { target, value });
        // `if C { ... } else if C2 { ... } else { ... }`: the blocks hold actions like a rule's.
        let block = action
            .separated_by(sym(","))
            .allow_trailing()
            .at_least(1)
            .collect::<Vec<Action>>()
            .delimited_by(sym("{"), sym("}").labelled("`}` after the actions of the branch"));
        let branch = kw("if")
            .ignore_then(condition())
            .then(block.clone())
            .map(|(condition, actions)| Branch { condition, actions });
        let branching = branch
            .clone()
            .then(kw("else").ignore_then(branch).repeated().collect::<Vec<_>>())
            .then(kw("else").ignore_then(block).or_not())
            .map(|((first, rest), otherwise)| ActionKind::If {
                branches: std::iter::once(first).chain(rest).collect(),
                otherwise,
            });
        choice((after, set, branching, call().map(ActionKind::Call)))
            .map_with(|kind, e| Action { kind, span: sp(e.span()) })
    })
}

/// A rule's triggers: the first, then one after each `or` (`on a where x > 1 or b where y > 2`,
/// `on press or every 10 min`). An expression ending a trigger takes an `or` and a name (`on a
/// or b` is one condition, `on a where x or b` one filter): the checker reads the events among
/// its operands as triggers of their own (`check/triggers.rs`).
fn triggers<'t, 's: 't, I>() -> impl Parser<'t, I, Vec<Trigger>, Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    trigger(false)
        .then(kw("or").ignore_then(trigger(true)).repeated().collect::<Vec<_>>())
        .map(|(first, rest)| std::iter::once(first).chain(rest).collect())
}

/// The words that make a name the start of a trigger (`or b where ...`, `or s becomes v`): an
/// expression's `or` stops before them, and before `on` and `every`.
fn trigger_start<'t, 's: 't, I>() -> impl Parser<'t, I, (), Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    let word = choice((kw("where"), kw("becomes"), kw("changes"), kw("below"), kw("above"), kw("then")));
    choice((kw("on").ignored(), kw("every").ignored(), path().then(word).ignored()))
}

/// One trigger; `after_or` reads one written after `or` without its `on` (`or b becomes true`).
fn trigger<'t, 's: 't, I>(after_or: bool) -> impl Parser<'t, I, Trigger, Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    // `becomes V for D`, `below T for D`, `above T for D`: the `for` that ends the value is the
    // trigger's (`V for D` read as an expression is a held value).
    let change = choice((
        kw("becomes").ignore_then(expr()).map(|e| with_held(e, StateChange::Becomes)),
        kw("changes").ignore_then(kw("for").ignore_then(expr()).or_not()).map(|held| (StateChange::Changes, held)),
        kw("below").ignore_then(expr()).map(|e| with_held(e, StateChange::Below)),
        kw("above").ignore_then(expr()).map(|e| with_held(e, StateChange::Above)),
    ));
    // `on speed > 120 for 10 s`, `on not worn for 5 min`: a trigger that is a condition. A lone
    // name is left to the forms below (an event, or a state before `becomes` ...).
    let condition_trigger = kw("on")
        .ignore_then(expr())
        .try_map(|e, span| match e.kind {
            ExprKind::Path(_) => Err(Rich::custom(span, "a trigger")),
            _ => Ok(e),
        })
        .map(|e| {
            let (condition, duration) = split_for(e);
            TriggerKind::Condition { condition, duration }
        });
    // `no` is a word of its own only before an event: `then no long-press` is an absent step,
    // and `no` alone is a name like any other.
    // (`on no becomes true` is a state named `no`.)
    let change_word = choice((kw("becomes"), kw("changes"), kw("below"), kw("above")));
    let absent = kw("no")
        .then_ignore(change_word.not().rewind())
        .then(path())
        .map(|(no, event)| (Some(sp(no)), event))
        .or(path().map(|p| (None, p)));
    let filter = kw("where").then(condition());
    let step = absent
        .clone()
        .then(filter.clone().map(|(_, f)| f).or_not())
        .map(|((absent, event), filter)| SequenceStep { absent, event, filter });
    // A `where` after the window filters the last step, the author's likely meaning; it is
    // reported and read so.
    let sequence_tail = kw("then")
        .ignore_then(step)
        .repeated()
        .at_least(1)
        .collect::<Vec<_>>()
        .then_ignore(kw("within"))
        .then(window())
        .then(filter.clone().or_not());
    let on_body = absent
        .then(change.map_with(|c, e| (c, e.span())).or_not())
        .then(filter.or_not())
        .then(sequence_tail.or_not())
        .validate(|((((no, first), change), filter), seq), _, emitter| {
            let either = "a trigger is either an event, a state change or a sequence";
            if let Some(no) = no {
                emitter.emit(absent_first(no, &first, seq.as_ref().map(|((steps, within), _)| (&steps[..], within))));
            }
            match (change, seq) {
                (None, None) => TriggerKind::Event { event: first, filter: filter.map(|(_, f)| f) },
                (Some(((change, held), _)), None) => {
                    if let Some((where_span, filter)) = filter {
                        emitter.emit(custom(
                            where_span,
                            &format!("{either}: `where` filters an event's payload, and a state change has none"),
                            "`where` after a state change",
                            &format!("put the condition in `while`: `while {}`", show(&filter)),
                            None,
                        ));
                    }
                    TriggerKind::State { state: first, change, held }
                }
                (None, Some(((rest, within), late_filter))) => {
                    let mut steps = vec![SequenceStep { absent: None, event: first, filter: filter.map(|(_, f)| f) }];
                    steps.extend(rest);
                    for error in absent_not_last(&mut steps, &within) {
                        emitter.emit(error);
                    }
                    if let Some((where_span, late)) = late_filter {
                        emitter.emit(where_after_within(where_span, &mut steps, late, &within));
                    }
                    TriggerKind::Sequence { steps, within }
                }
                (Some(((change, held), change_span)), Some(_)) => {
                    emitter.emit(custom(
                        change_span,
                        &format!("{either}, not both a state change and a sequence"),
                        "a state change before `then`",
                        "write two rules: one `on STATE becomes VALUE`, one `on EVENT then EVENT within D`",
                        None,
                    ));
                    TriggerKind::State { state: first, change, held }
                }
            }
        });
    let time = select! { Token::Time(t) => t }.map_with(|t, e| Spanned::new(t, sp(e.span())));
    // `every day at 07:30`; without `at`, or without a time, the mistake is reported and the rule
    // is still read.
    let daily = kw("day").then(kw("at").or_not()).then(time.or_not()).validate(|((day, at), time), e, emitter| {
        match (at, time) {
            (Some(_), Some(time)) => TriggerKind::Daily { time },
            (None, Some(time)) => {
                let shown = super::print::time_text(time.node);
                emitter.emit(custom(
                    SimpleSpan::from(time.span.range()),
                    "`every day` needs `at` before the time",
                    "`at` is missing before the time",
                    &format!("write `every day at {shown}`"),
                    Some(&format!("at {shown}")),
                ));
                TriggerKind::Daily { time }
            }
            (_, None) => {
                emitter.emit(custom(
                    e.span(),
                    "`every day` needs a time of day",
                    "no time after `every day`",
                    "write `every day at 07:30` for a rule that runs at that time, or `every 24 h` for one that runs a day after the pack starts and every day after",
                    None,
                ));
                TriggerKind::Daily { time: Spanned::new(0, sp(day)) }
            }
        }
    });
    let every = kw("every").ignore_then(daily.or(window().map(|period| TriggerKind::Every { period })));
    // After `or` the `on` may be left out: an expression's `or` has stopped before a name and
    // a trigger word, or the trigger before ended without an expression (`on x changes or b`).
    let on = if after_or { kw("on").or_not().ignored().boxed() } else { kw("on").ignored().boxed() };
    condition_trigger
        .or(on.ignore_then(on_body))
        .or(every)
        .map_with(|kind, e| Trigger { kind, span: sp(e.span()) })
        .labelled("a trigger (`on EVENT` or `every ...`)")
        .boxed()
}

/// `on no press ...`: the window of a sequence opens at its first event, so that one must
/// happen. The rest of the rule is read as if the `no` were not there.
fn absent_first<'t, 's>(no: Span, first: &Path, seq: Option<(&[SequenceStep], &Expr)>) -> Rich<'t, Token<'s>> {
    let example = match seq {
        Some((rest, within)) => {
            let next = rest.first().map_or_else(|| "EVENT".to_string(), |s| s.event.text());
            format!(
                "`on {next} then no {first} within {}` fires when `{first}` does not follow `{next}` within {}",
                show(within),
                show(within),
                first = first.text()
            )
        }
        None => {
            format!("`on EVENT then no {} within 10 s` fires when it does not follow `EVENT` within 10 s", first.text())
        }
    };
    custom(
        SimpleSpan::from(no.range()),
        "a sequence starts with an event that happens, not with `no`",
        "`no` before the first event",
        &format!(
            "the window of a sequence is counted from its first event, so only a later step can be `no`: {example}"
        ),
        None,
    )
}

/// `then no b then c`: an absent step is known only when the window ends, so nothing can
/// follow it. The steps are read as if each such `no` were not there.
fn absent_not_last<'t, 's>(steps: &mut [SequenceStep], within: &Expr) -> Vec<Rich<'t, Token<'s>>> {
    let last = steps.len().saturating_sub(1);
    let mut errors = Vec::new();
    for k in 0..last {
        let Some(no) = steps[k].absent else { continue };
        let mut moved: Vec<SequenceStep> = steps.to_vec();
        let step = moved.remove(k);
        moved.push(step);
        errors.push(custom(
            SimpleSpan::from(no.range()),
            "only the last step of a sequence can be `no`",
            "an absent step before another step",
            &format!(
                "`then no {}` is known only when the window ends without it, so no step can follow it: write it last, `{}`, or write two rules",
                steps[k].event.text(),
                super::print::sequence(&moved, within)
            ),
            None,
        ));
        steps[k].absent = None;
    }
    errors
}

/// `on a then b within 2 s where C`: a `where` filters one step and goes right after its event.
/// The filter is read as the last step's (joined with `and` to one it has), the likely meaning,
/// so it is still checked; which step was meant is not certain, so there is no fix.
fn where_after_within<'t, 's>(
    where_span: SimpleSpan,
    steps: &mut [SequenceStep],
    late: Expr,
    within: &Expr,
) -> Rich<'t, Token<'s>> {
    if let Some(last) = steps.last_mut() {
        last.filter = Some(match last.filter.take() {
            Some(earlier) => joined(earlier, late),
            None => late,
        });
    }
    custom(
        where_span,
        "`where` filters one step of a sequence and goes right after that step's event",
        "`where` after `within`",
        &format!("write `{}`", super::print::sequence(steps, within)),
        None,
    )
}

/// `a and b`, each side in brackets if it is an `or`, so the two read as written.
fn joined(a: Expr, b: Expr) -> Expr {
    let bracket = |e: Expr| match e.kind {
        ExprKind::Binary { op: BinaryOp::Or, .. } => Expr { span: e.span, kind: ExprKind::Paren(Box::new(e)) },
        _ => e,
    };
    let span = a.span.to(b.span);
    Expr { kind: ExprKind::Binary { op: BinaryOp::And, lhs: Box::new(bracket(a)), rhs: Box::new(bracket(b)) }, span }
}

/// A state change and how long its value must hold, if it must.
type HeldChange = (StateChange, Option<Expr>);

/// A change's value and the `for` that ended it: `above 120 for 10 s` is `above 120`, held
/// for 10 s. A held value in brackets, `above (120 for 10 s)`, stays one (and is reported).
fn with_held(e: Expr, change: fn(Expr) -> StateChange) -> HeldChange {
    match e.kind {
        ExprKind::Held { condition, duration } => (change(*condition), Some(*duration)),
        kind => (change(Expr { kind, span: e.span }), None),
    }
}

/// A trigger's condition and the `for` at its end, which applies to the whole condition:
/// `a and b for 10 s` is `(a and b) for 10 s`, and `not worn for 5 min` is `(not worn) for 5 min`,
/// where an expression elsewhere reads `a and (b for 10 s)`. Brackets keep a `for` inside them.
pub(crate) fn split_for(e: Expr) -> (Expr, Option<Expr>) {
    let Expr { kind, span } = e;
    match kind {
        ExprKind::Held { condition, duration } => (*condition, Some(*duration)),
        ExprKind::Binary { op: op @ (BinaryOp::And | BinaryOp::Or), lhs, rhs } => match split_for(*rhs) {
            (rhs, Some(duration)) => {
                let span = lhs.span.to(rhs.span);
                (Expr { kind: ExprKind::Binary { op, lhs, rhs: Box::new(rhs) }, span }, Some(duration))
            }
            (rhs, None) => (Expr { kind: ExprKind::Binary { op, lhs, rhs: Box::new(rhs) }, span }, None),
        },
        ExprKind::Unary { op: UnaryOp::Not, operand } => match split_for(*operand) {
            (operand, Some(duration)) => {
                let span = Span::new(span.start, operand.span.end);
                (Expr { kind: ExprKind::Unary { op: UnaryOp::Not, operand: Box::new(operand) }, span }, Some(duration))
            }
            (operand, None) => {
                (Expr { kind: ExprKind::Unary { op: UnaryOp::Not, operand: Box::new(operand) }, span }, None)
            }
        },
        kind => (Expr { kind, span }, None),
    }
}

fn rule_option<'t, 's: 't, I>() -> impl Parser<'t, I, RuleOption, Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    let rate = at_most().map_with(|(count, window), e| RuleOption::RateLimit { count, window, span: sp(e.span()) });
    let mode = kw("mode").ignore_then(
        choice((kw("single").to(Mode::Single), kw("restart").to(Mode::Restart), kw("queued").to(Mode::Queued)))
            .map_with(|m, e| RuleOption::Mode(Spanned::new(m, sp(e.span()))))
            .labelled("`single`, `restart` or `queued`"),
    );
    let limit = kw("limit").ignore_then(name()).map_with(|name, e| RuleOption::Limit { name, span: sp(e.span()) });
    choice((rate, mode, limit))
}

/// `at most once per W`, `at most N times per W`: the count and the window.
fn at_most<'t, 's: 't, I>() -> impl Parser<'t, I, (Spanned<u64>, Expr), Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    let count = kw("once").map_with(|_, e| Spanned::new(1, sp(e.span()))).or(int().then_ignore(kw("times")));
    kw("at").ignore_then(kw("most")).ignore_then(count).then_ignore(kw("per")).then(window())
}

fn rule<'t, 's: 't, I>() -> impl Parser<'t, I, RuleDecl, Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    // One bad action is skipped up to the next `,` so the others are still checked.
    let one_action = action().recover_with(via_parser(
        any()
            .and_is(sym(",").not())
            .repeated()
            .at_least(1)
            .map_with(|_, e| Action { kind: ActionKind::Call(error_call(sp(e.span()))), span: sp(e.span()) }),
    ));
    kw("rule")
        .ignore_then(name())
        .then_ignore(sym(":"))
        .or_not()
        .then(triggers())
        .then(kw("while").ignore_then(condition()).or_not())
        .then(rule_option().repeated().collect::<Vec<_>>())
        .then_ignore(sym(":").labelled("`:` before the actions"))
        .then(one_action.separated_by(sym(",")).at_least(1).collect::<Vec<_>>())
        .map(|((((name, triggers), condition), options), actions)| RuleDecl {
            name,
            triggers,
            condition,
            options,
            actions,
        })
}

/// The placeholder for an action that did not parse: it names nothing, so no later stage reports it.
pub fn error_call(span: Span) -> Call {
    Call { verb: Path { segments: Vec::new(), span }, object: None, args: Vec::new(), span }
}

/// Words that start a member of a profile or a clause of one, which never are a unit.
const MEMBER_WORDS: &[&str] = &[
    "device",
    "processor",
    "enum",
    "state",
    "capability",
    "event",
    "action",
    "max",
    "cost",
    "takes",
    "privacy",
    "via",
];

fn type_expr<'t, 's: 't, I>() -> impl Parser<'t, I, TypeExpr, Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    // A unit word is any name but the words that start the next member of a profile.
    let unit_word = select! { Token::Word(w) if !KEYWORDS.contains(&w) && !MEMBER_WORDS.contains(&w) => w };
    let unit = select! { Token::Unit(u) => u.to_string() }
        .or(unit_word.then(sym("/").ignore_then(unit_word).or_not()).map(|(a, b): (&str, Option<&str>)| match b {
            Some(b) => format!("{a}/{b}"),
            None => a.to_string(),
        }))
        .map_with(|u, e| Spanned::new(u, sp(e.span())));
    name()
        .then(expr().then_ignore(sym("..")).then(expr()).or_not())
        .then(unit.or_not())
        .map_with(|((name, range), unit), e| TypeExpr { name, range, unit, span: sp(e.span()) })
        .labelled("a type")
}

fn test_decl<'t, 's: 't, I>() -> impl Parser<'t, I, TestDecl, Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    let set = kw("set")
        .ignore_then(path())
        .then_ignore(sym("="))
        .then(expr())
        .map(|(target, value)| StepKind::Set { target, value });
    let fire = kw("fire")
        .ignore_then(path())
        .then(args().or_not())
        .map(|(event, args)| StepKind::Fire { event, args: args.unwrap_or_default() });
    let expect = kw("expect")
        .ignore_then(kw("no").or_not())
        .then(call())
        .map(|(no, call)| StepKind::Expect { negated: no.is_some(), call });
    let step_start = choice((kw("at"), kw("set"), kw("fire"), kw("expect"), sym("}")));
    let step = kw("at")
        .ignore_then(expr())
        .then_ignore(sym(":"))
        .or_not()
        .then(choice((set, fire, expect)).labelled("a test step (`set`, `fire` or `expect`)"))
        .map_with(|(at, kind), e| TestStep { at, kind, span: sp(e.span()) })
        // A bad step is skipped up to the start of the next one.
        .recover_with(via_parser(any().and_is(step_start.not()).repeated().at_least(1).map_with(|_, e| TestStep {
            at: None,
            kind: StepKind::Error,
            span: sp(e.span()),
        })));
    kw("test")
        .ignore_then(text())
        .then(step.repeated().collect::<Vec<_>>().delimited_by(sym("{"), sym("}")))
        .map(|(name, steps)| TestDecl { name, steps })
}

fn member<'t, 's: 't, I>() -> impl Parser<'t, I, Member, Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    recursive(|member| {
        let doc = text().or_not();
        let device = kw("device")
            .ignore_then(name())
            .then(kw("via").ignore_then(name()).or_not())
            .map(|(name, via)| MemberKind::Device { name, via });
        let processor = kw("processor").ignore_then(name()).map(|name| MemberKind::Processor { name });
        let enum_ = kw("enum")
            .ignore_then(name())
            .then(
                name()
                    .separated_by(sym(","))
                    .allow_trailing()
                    .at_least(1)
                    .collect::<Vec<_>>()
                    .delimited_by(sym("{"), sym("}")),
            )
            .map(|(name, variants)| MemberKind::Enum { name, variants });
        let state = kw("state")
            .ignore_then(name())
            .then_ignore(sym(":"))
            .then(type_expr())
            .map(|(name, ty)| MemberKind::State { name, ty });
        let param = name()
            .then_ignore(sym(":"))
            .then(type_expr())
            .then(sym("=").ignore_then(expr()).or_not())
            .map(|((name, ty), default)| Param { name, ty, default });
        let params = param
            .separated_by(sym(","))
            .allow_trailing()
            .collect::<Vec<_>>()
            .delimited_by(sym("("), sym(")"))
            .or_not()
            .map(Option::unwrap_or_default);
        let event = kw("event")
            .ignore_then(name())
            .then(params.clone())
            .then(kw("max").ignore_then(int()).then_ignore(kw("per")).then(window()).or_not())
            .map(|((name, params), max_rate)| MemberKind::Event { name, params, max_rate });
        let clause = choice((
            kw("cost").ignore_then(int()).then(name()).map(|(n, unit)| ActionClause::Cost(n, unit)),
            kw("takes").ignore_then(expr()).map(ActionClause::Takes),
            kw("on").ignore_then(name()).map(ActionClause::On),
            kw("privacy").ignore_then(name()).map(ActionClause::Privacy),
        ));
        let action = kw("action")
            .ignore_then(name())
            .then(params)
            .then(clause.repeated().collect::<Vec<_>>())
            .map(|((name, params), clauses)| MemberKind::Action { name, params, clauses });
        let simple = choice((device, processor, enum_, state, event, action))
            .then(doc.clone())
            .map_with(|(kind, doc), e| Member { kind, doc, span: sp(e.span()) });
        let capability = kw("capability")
            .ignore_then(name())
            .then(doc)
            .then(member.repeated().collect::<Vec<_>>().delimited_by(sym("{"), sym("}")))
            .map_with(|((name, doc), members), e| Member {
                kind: MemberKind::Capability { name, members },
                doc,
                span: sp(e.span()),
            });
        let member_start = choice((
            kw("device"),
            kw("processor"),
            kw("enum"),
            kw("state"),
            kw("event"),
            kw("action"),
            kw("capability"),
            sym("}"),
        ));
        capability
            .or(simple)
            .labelled("a profile member (`device`, `processor`, `enum`, `state`, `capability`, `event` or `action`)")
            .recover_with(via_parser(any().and_is(member_start.not()).repeated().at_least(1).map_with(|_, e| Member {
                kind: MemberKind::Error,
                doc: None,
                span: sp(e.span()),
            })))
            .boxed()
    })
}

fn profile<'t, 's: 't, I>() -> impl Parser<'t, I, ProfileDecl, Extra<'t, 's>> + Clone
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    let implements = kw("implements").ignore_then(name().separated_by(sym(",")).at_least(1).collect::<Vec<_>>());
    // `implements` before or after the doc text: both read naturally.
    let head = implements
        .clone()
        .or_not()
        .then(text().or_not())
        .then(implements.or_not())
        .map(|((before, doc), after)| (before.or(after).unwrap_or_default(), doc));
    kw("profile")
        .to(false)
        .or(kw("family").to(true))
        .then(name())
        .then(head)
        .then(member().repeated().collect::<Vec<_>>().delimited_by(sym("{"), sym("}")))
        .map(|(((family, name), (implements, doc)), members)| ProfileDecl { family, name, implements, doc, members })
}

/// One item, and nothing after it.
pub fn item<'t, 's: 't, I>() -> impl Parser<'t, I, Item, Extra<'t, 's>>
where
    I: ValueInput<'t, Token = Token<'s>, Span = SimpleSpan>,
{
    let names = name().separated_by(sym(",")).at_least(1).collect::<Vec<_>>();
    choice((
        kw("use").ignore_then(names.clone()).map(ItemKind::Use),
        kw("pack").ignore_then(name()).then(text().or_not()).map(|(name, doc)| ItemKind::Pack { name, doc }),
        kw("permit").ignore_then(names).map(ItemKind::Permit),
        kw("var")
            .ignore_then(name())
            .then_ignore(sym(":"))
            .then(type_expr())
            .then(sym("=").ignore_then(expr()).or_not())
            .map(|((name, ty), init)| ItemKind::Var(VarDecl { name, ty, init })),
        kw("limit")
            .ignore_then(name())
            .then_ignore(sym(":"))
            .then(at_most().map_with(|at_most, e| (at_most, sp(e.span()))))
            .map(|(name, ((count, window), span))| ItemKind::Limit(LimitDecl { name, count, window, span })),
        rule().map(ItemKind::Rule),
        test_decl().map(ItemKind::Test),
        profile().map(ItemKind::Profile),
    ))
    .labelled("an item (`use`, `pack`, `permit`, `var`, `limit`, `rule`, `on`, `every`, `test`, `profile` or `family`)")
    .map_with(|kind, e| Item { kind, span: sp(e.span()) })
    .then_ignore(end().labelled("the end of the item"))
}
