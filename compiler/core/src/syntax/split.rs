//! Cutting a file into items, and parsing one item.
//!
//! Every item starts with a keyword at bracket depth 0 (`use`, `pack`, `permit`, `var`, `limit`,
//! `rule`, `on`, `every`, `test`, `profile`, `family`), so the file can be cut before parsing.
//! (Inside a rule, `limit NAME` is the rule's option unless a line starts `limit NAME: at`.) Each item is then
//! parsed from its own text with spans relative to its start: an unchanged rule has an unchanged
//! tree however much the text before it moved, which is what lets salsa reuse its analyses.

use chumsky::prelude::*;

use super::ast::{Item, ItemKind};
use super::lexer::{Token, lex};
use super::parser;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::span::Span;

/// Brackets, `not`, unary `-` and `after` may nest this deep; deeper input is refused before
/// parsing so that no input can exhaust the stack.
pub const MAX_NESTING: usize = 48;

/// Keywords followed by a name.
const DECLARERS: &[&str] = &["use", "pack", "permit", "var", "limit", "rule", "profile", "family"];

const ITEM_KEYWORDS: &[&str] =
    &["use", "pack", "permit", "var", "limit", "rule", "on", "every", "test", "profile", "family"];

/// The byte ranges of the items of a file, from each item's first token to its last.
///
/// Item keywords inside brackets belong to the item, except where they show that a bracket was
/// left open: an item keyword inside `( )` (where none can appear), or one that starts a line
/// inside `{ }` (where only `on PROCESSOR` of a profile action can). Then the open item ends
/// there, its parse reports the unclosed bracket, and the next item is parsed on its own.
pub fn split_items(src: &str) -> Vec<Span> {
    let tokens = lex(src).tokens;
    let mut items: Vec<Span> = Vec::new();
    let mut open: Vec<Token> = Vec::new();
    // Inside `rule NAME:` the `on`/`every` that follows belongs to the same item.
    let mut rule_awaiting_trigger = false;
    // Inside a rule, `limit NAME` is the rule's option, unless it reads `limit NAME: at most`.
    let mut in_rule = false;
    let mut previous: Option<(Token, Span)> = None;
    for (k, (token, span)) in tokens.iter().enumerate() {
        // `var on` is a keyword misused as a name, not a new item: let the parser say so.
        let names_something = previous.is_some_and(|(p, _)| DECLARERS.iter().any(|d| p.is_keyword(d)));
        let line_start = previous.is_none_or(|(_, p)| src[p.end as usize..span.start as usize].contains('\n'));
        // `on every 10 s` is one mistaken rule, not an `on` alone and a timer (see `habits`).
        let after_on = previous.is_some_and(|(p, _)| p.is_keyword("on"));
        // `on press or every 10 min`, `... or on x changes`: another trigger of the same rule.
        let after_or = previous.is_some_and(|(p, _)| p.is_keyword("or"));
        // `when button-press: ...` on a line of its own is a rule written as in other languages.
        let habit = line_start
            && open.is_empty()
            && matches!(token, Token::Word(w) if super::habits::RULE_STARTS.contains(w))
            && matches!(tokens.get(k + 1), Some((Token::Word(_), _)))
            && previous.is_none_or(|(p, _)| !goes_on(&p));
        previous = Some((*token, *span));
        let keyword = match token {
            Token::Word(w) if ITEM_KEYWORDS.contains(w) && !names_something => Some(*w),
            Token::Word(w) if habit => Some(*w),
            _ => None,
        };
        let starts_item = match keyword {
            Some("every") if after_on => false,
            Some("on" | "every") if after_or => false,
            Some("on" | "every") if rule_awaiting_trigger && open.is_empty() => false,
            Some("limit") if in_rule && open.is_empty() => line_start && declares_a_limit(&tokens[k + 1..]),
            Some(_) if open.is_empty() => true,
            Some(_) if open.contains(&Token::Sym("(")) => true,
            Some(w) => line_start && (w != "on" || on_starts_a_rule(&tokens[k + 1..])),
            None => false,
        };
        if starts_item {
            open.clear();
        }
        match token {
            Token::Sym("(") | Token::Sym("{") => open.push(*token),
            Token::Sym(")") if open.last() == Some(&Token::Sym("(")) => {
                open.pop();
            }
            Token::Sym("}") if open.last() == Some(&Token::Sym("{")) => {
                open.pop();
            }
            _ => {}
        }
        if starts_item || items.is_empty() {
            rule_awaiting_trigger = token.is_keyword("rule");
            in_rule = keyword.is_some_and(|w| w == "rule" || w == "on" || w == "every" || habit);
            items.push(*span);
        } else {
            if token.is_keyword("on") || token.is_keyword("every") {
                rule_awaiting_trigger = false;
            }
            let last = items.last_mut().expect("an item was pushed above");
            last.end = span.end;
        }
    }
    items
}

/// Whether an item goes on after this token: an operator, a separator or a keyword.
fn goes_on(token: &Token) -> bool {
    match token {
        Token::Sym(s) => !matches!(*s, ")" | "}" | "%"),
        Token::Word(w) => super::lexer::KEYWORDS.contains(w),
        _ => false,
    }
}

/// Whether the tokens after `limit` read `NAME: at most`: a limit of its own, not a rule's
/// option `limit NAME` on a line of its own.
fn declares_a_limit(after_limit: &[(Token, Span)]) -> bool {
    let mut rest = after_limit.iter().map(|(t, _)| t);
    matches!(
        (rest.next(), rest.next(), rest.next()),
        (Some(Token::Word(_)), Some(Token::Sym(":")), Some(Token::Word("at")))
    )
}

/// Inside braces, `on` starts a line both in a profile action's clauses (`on ar1`) and in a rule
/// after a profile or test left open. It is a rule when the name after it is followed by what
/// follows a trigger's event or state.
fn on_starts_a_rule(after_on: &[(Token, Span)]) -> bool {
    let mut rest = after_on.iter().map(|(t, _)| t);
    if !matches!(rest.next(), Some(Token::Word(_))) {
        return false;
    }
    loop {
        match rest.next() {
            Some(Token::Sym(".")) => {
                if !matches!(rest.next(), Some(Token::Word(_))) {
                    return false;
                }
            }
            Some(Token::Sym(":")) => return true,
            Some(Token::Word(w)) => {
                return matches!(
                    *w,
                    "while" | "where" | "then" | "becomes" | "changes" | "below" | "above" | "at" | "mode" | "limit"
                );
            }
            _ => return false,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ParsedItem {
    pub item: Item,
    /// Lexical and syntax errors, with spans relative to the item.
    pub errors: Vec<Diagnostic>,
    /// Places where the tree may not say what the author meant (characters the lexer could not
    /// read, a garbled name, a syntax error, an unclosed bracket). A later stage's diagnostic
    /// that touches one is an echo of that error and is not reported.
    pub unreadable: Vec<Span>,
}

impl ParsedItem {
    /// Whether a diagnostic at `span` (item-relative) touches a place the parser could not read.
    pub fn touches_unreadable(&self, span: Span) -> bool {
        self.unreadable.iter().any(|u| span.start <= u.end && u.start <= span.end)
    }
}

/// Parses the text of one item (as cut by [`split_items`]). Never fails: a broken item becomes
/// `ItemKind::Error` or a tree with error nodes, and the errors say why.
pub fn parse_item_text(text: &str) -> ParsedItem {
    let lexed = lex(text);
    let mut errors = lexed.errors;
    let whole = Span::new(0, text.len() as u32);
    if let Some(span) = too_deep(&lexed.tokens) {
        errors.push(
            Diagnostic::error(codes::TOO_DEEP, "this is nested too deeply", span)
                .with_label_message(format!("more than {MAX_NESTING} levels deep here"))
                .with_help("split the expression into simpler parts"),
        );
        return ParsedItem { item: Item { kind: ItemKind::Error, span: whole }, errors, unreadable: vec![whole] };
    }
    let mut unreadable = lexed.garbled.clone();
    unreadable.extend(lexed.tokens.iter().filter(|(t, _)| *t == Token::Error).map(|(_, s)| *s));
    let context = Context::of(&lexed.tokens);
    // Where the parser misses characters the lexer could not read.
    let lexer_errors: Vec<usize> =
        lexed.tokens.iter().filter(|(t, _)| *t == Token::Error).map(|(_, s)| s.start as usize).collect();
    let first_lexer_error = lexer_errors.first().copied().unwrap_or(usize::MAX);
    // Error tokens were reported by the lexer; the parser skips them rather than report them again.
    let mut tokens: Vec<(Token, SimpleSpan)> = lexed
        .tokens
        .iter()
        .filter(|(t, _)| *t != Token::Error)
        .map(|(t, s)| (*t, SimpleSpan::from(s.range())))
        .collect();
    // Habits of other rule languages are reported, and read as what they mean.
    if context == Context::Rule {
        errors.extend(super::habits::rewrite(text, &mut tokens));
    }
    // Units of measures after numbers (a profile declares its units after a type instead).
    if context != Context::Profile {
        super::units::mark_units(text, &mut tokens);
    }
    // Brackets left open are reported at the bracket, then closed at the end of the item so the
    // rest of it still parses.
    let unclosed = unclosed_brackets(&tokens);
    let last_token_start = tokens.last().map_or(0, |(_, s)| s.start);
    for &(bracket, at) in unclosed.iter().rev() {
        let (open, close) = if bracket == "(" { ("(", ")") } else { ("{", "}") };
        // Where the bracket was meant to close is unknown, so what follows it may be misread
        // (`say(message: "hi", chime` reads `chime` as an argument): all of it is unreadable.
        unreadable.push(Span::new(at.start as u32, text.len() as u32));
        tokens.push((Token::Sym(close), SimpleSpan::from(text.len()..text.len())));
        // Its `)` may be inside text left open, or in characters the lexer could not read.
        if lexer_errors.iter().any(|&e| e > at.start) {
            continue;
        }
        errors.push(
            Diagnostic::error(
                codes::SYNTAX,
                format!("this `{open}` is never closed"),
                Span::new(at.start as u32, at.end as u32),
            )
            .with_label_message(format!("this `{open}` is never closed"))
            .with_help(match context {
                Context::Profile | Context::Test if open == "{" => {
                    format!("add `{close}` after the last line of the {context}")
                }
                _ => format!("add the missing `{close}`: each `{open}` needs its `{close}` before the next item"),
            }),
        );
    }
    let eoi = SimpleSpan::from(text.len()..text.len());
    let (item, parse_errors) = parser::item().parse(tokens.as_slice().map(eoi, |(t, s)| (t, s))).into_output_errors();
    // A parse error after a lexical error, or right before one (with no token between), is
    // usually its echo: the parser never saw the bad characters. One at the end of an item with
    // an open bracket is the bracket's. The others are mistakes of their own.
    let echo_from = if unclosed.is_empty() { first_lexer_error } else { first_lexer_error.min(last_token_start) };
    for e in parse_errors {
        unreadable.push((*e.span()).into());
        let next_lexer_error = lexer_errors.iter().copied().find(|&at| at >= e.span().end);
        let right_before =
            next_lexer_error.is_some_and(|next| !tokens.iter().any(|(_, s)| s.start >= e.span().end && s.start < next));
        if e.span().start < echo_from && !right_before {
            errors.push(syntax_error(&e, context, &tokens, text));
        }
    }
    let item = item.unwrap_or(Item { kind: ItemKind::Error, span: whole });
    ParsedItem { item, errors, unreadable }
}

/// The brackets that are never closed, outermost first.
fn unclosed_brackets(tokens: &[(Token, SimpleSpan)]) -> Vec<(&'static str, SimpleSpan)> {
    let mut open: Vec<(&'static str, SimpleSpan)> = Vec::new();
    for (token, span) in tokens {
        match token {
            Token::Sym(b @ ("(" | "{")) => open.push((b, *span)),
            Token::Sym(")") if open.last().is_some_and(|(b, _)| *b == "(") => {
                open.pop();
            }
            Token::Sym("}") if open.last().is_some_and(|(b, _)| *b == "{") => {
                open.pop();
            }
            _ => {}
        }
    }
    open
}

/// What kind of item a syntax error is in, for a help line that shows that item's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Context {
    Rule,
    Test,
    Profile,
    Declaration,
}

impl Context {
    fn of(tokens: &[(Token, Span)]) -> Context {
        match tokens.first().map(|(t, _)| *t) {
            Some(Token::Word("test")) => Context::Test,
            Some(Token::Word("profile" | "family")) => Context::Profile,
            Some(Token::Word("use" | "pack" | "permit" | "var")) => Context::Declaration,
            _ => Context::Rule,
        }
    }

    fn shape(self) -> &'static str {
        match self {
            Context::Rule => "a rule reads `on TRIGGER [while CONDITION]: ACTION, ACTION`",
            Context::Test => {
                "a test reads `test \"NAME\" { STEP ... }`, each step `[at TIME:] set NAME = VALUE`, `fire EVENT` or `expect [no] ACTION`"
            }
            Context::Profile => {
                "a profile reads `profile NAME { MEMBER ... }`, each member a `device`, `processor`, `enum`, `state`, `event`, `action` or `capability`"
            }
            Context::Declaration => {
                "declarations read `use PROFILE, ...`, `permit PERMISSION, ...`, `pack NAME \"DESCRIPTION\"` or `var NAME: TYPE = VALUE`"
            }
        }
    }
}

impl std::fmt::Display for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Context::Rule => "rule",
            Context::Test => "test",
            Context::Profile => "profile",
            Context::Declaration => "declaration",
        })
    }
}

fn too_deep(tokens: &[(Token, Span)]) -> Option<Span> {
    let mut depth = 0usize;
    let mut prefix_run = 0usize;
    let mut afters = 0usize;
    for (token, span) in tokens {
        match token {
            Token::Sym("(") | Token::Sym("{") => depth += 1,
            Token::Sym(")") | Token::Sym("}") => depth = depth.saturating_sub(1),
            _ => {}
        }
        if matches!(token, Token::Sym("-")) || token.is_keyword("not") {
            prefix_run += 1;
        } else {
            prefix_run = 0;
        }
        // `after` nests an action in the one before it; actions apart (`a, after 1 s b, ...`,
        // `,` outside brackets) do not nest.
        if token.is_keyword("after") {
            afters += 1;
        } else if depth == 0 && matches!(token, Token::Sym(",")) {
            afters = 0;
        }
        if depth > MAX_NESTING || prefix_run > MAX_NESTING || afters > MAX_NESTING {
            return Some(*span);
        }
    }
    None
}

/// A syntax error inside `if C { ... } else { ... }` with a help in the branch's own words;
/// `None` when the generic help fits better.
fn branch_error(found: Option<&Token<'_>>, span: Span, wanted: &str, found_text: &str) -> Option<Diagnostic> {
    const SHAPE: &str = "a branch reads `if CONDITION { ACTION, ... } else if CONDITION { ... } else { ... }`";
    let error = |label: &str, help: String| {
        Diagnostic::error(codes::SYNTAX, format!("expected {wanted}, found {found_text}"), span)
            .with_label_message(label)
            .with_help(help)
    };
    let d = match found {
        Some(Token::Word(w @ ("elseif" | "elif" | "elsif"))) => {
            error(&format!("`{w}` is not a word of glass"), format!("write `else if`; {SHAPE}"))
                .with_fix("write `else if`", span, "else if")
        }
        Some(Token::Sym("}")) if wanted.contains("an action") => error(
            "a branch with no actions",
            "a branch holds at least one action: leave out one that does nothing (`if A { } else { B }` is `if not A { B }`)"
                .to_string(),
        ),
        _ if wanted.contains("`{`") => error(
            "a branch's actions start with `{`",
            format!("put the branch's actions between `{{` and `}}`, as in `if worn {{ chime }} else {{ say(message: \"...\") }}`; {SHAPE}"),
        ),
        _ => return None,
    };
    Some(d)
}

fn syntax_error(
    e: &Rich<'_, Token<'_>, SimpleSpan>,
    context: Context,
    tokens: &[(Token, SimpleSpan)],
    text: &str,
) -> Diagnostic {
    use chumsky::error::{RichPattern, RichReason};
    let span: Span = (*e.span()).into();
    // Mistakes recognised by the token the parser stopped at and those around it.
    if let Some(at) = tokens.iter().position(|(_, s)| s.start == e.span().start) {
        let known = unknown_unit(e, span, tokens, at)
            .or_else(|| duration_first(e, tokens, text, at))
            .or_else(|| super::text_tests::text_test_error(tokens, at));
        if let Some(d) = known {
            return d;
        }
    }
    let found = match e.found() {
        Some(t) => t.to_string(),
        None => "the end of the item".to_string(),
    };
    if let RichReason::Custom(message) = e.reason() {
        // The parser's own errors carry their label, help and fix (see `parser::custom`).
        let mut parts = message.split(parser::CUSTOM_SEPARATOR);
        let message = parts.next().unwrap_or_default();
        let (code, message) = match message.strip_prefix(parser::TOO_LONG) {
            Some(message) => (codes::EXPR_TOO_LONG, message),
            None => (codes::SYNTAX, message),
        };
        let label = parts.next().unwrap_or("here");
        let help =
            parts.next().map_or_else(|| format!("{}; see `glassc explain E0003`", context.shape()), String::from);
        let d = Diagnostic::error(code, message, span).with_label_message(label).with_help(help);
        return match parts.next() {
            Some(replacement) => d.with_fix(format!("write `{replacement}`"), span, replacement),
            None => d,
        };
    }
    // Operators are always possible after a value; name them once instead of one by one.
    let mut operator = false;
    let mut expected: Vec<String> = Vec::new();
    for pattern in e.expected() {
        let text = match pattern {
            RichPattern::Token(t) => {
                if matches!(&**t, Token::Sym(s) if OPERATORS.contains(s))
                    || matches!(&**t, Token::Word(w) if OPERATOR_WORDS.contains(w))
                {
                    operator = true;
                    continue;
                }
                t.to_string()
            }
            RichPattern::Label(l) => l.to_string(),
            RichPattern::Identifier(i) => format!("`{i}`"),
            RichPattern::EndOfInput => "the end of the item".to_string(),
            _ => continue,
        };
        expected.push(text);
    }
    expected.sort();
    expected.dedup();
    if operator {
        // After a condition the grammar also tries `=` (to report it as a misspelt `==`).
        expected.retain(|x| x != "`=`");
        expected.push("an operator".to_string());
    }
    let wanted = match expected.as_slice() {
        [] => "something else".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    };
    let wants_name = expected.iter().any(|x| x == "a name");
    // `if` only starts a branch, so an error after one is in the branch's shape.
    let in_branch =
        context == Context::Rule && tokens.iter().any(|(t, s)| t.is_keyword("if") && s.end <= e.span().start);
    if in_branch && let Some(d) = branch_error(e.found(), span, &wanted, &found) {
        return d;
    }
    let help = match e.found() {
        Some(Token::Word("on")) if context == Context::Test => {
            "a test raises an event with `fire`, as in `at 1 s: fire button-press`".to_string()
        }
        Some(Token::Word(w)) if super::lexer::KEYWORDS.contains(w) && wants_name => format!(
            "`{w}` is a reserved word and can never be a name; a longer word that contains it is fine, such as `is-{w}`"
        ),
        Some(Token::Word(w)) if super::lexer::KEYWORDS.contains(w) => {
            format!("`{w}` is a reserved word and cannot stand here; {}", context.shape())
        }
        _ if context == Context::Rule && expected.iter().any(|x| x.contains("before the actions")) => {
            "put `:` between the trigger (or condition) and the actions, as in `on button-press while driving: record clip`"
                .to_string()
        }
        None => format!("the {context} ends too early; {}", context.shape()),
        _ => format!("{}; see `glassc explain E0003`", context.shape()),
    };
    Diagnostic::error(codes::SYNTAX, format!("expected {wanted}, found {found}"), span)
        .with_label_message(if e.found().is_some() {
            format!("unexpected {found}")
        } else {
            "the item ends here".into()
        })
        .with_help(help)
}

const OPERATORS: &[&str] = &["==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "."];
/// Words that go on an expression like an operator.
const OPERATOR_WORDS: &[&str] = &["and", "or", "for", "then", "where", "matches", "contains"];

/// A word right after a number, where the parser expected something else, is a unit glass does
/// not know when what follows it goes on the expression (`20 pct: ...`, `20 pct and ...`,
/// `(level: 20 pct)`). Followed by nothing or by `(`, the word is more likely an action after a
/// missing `:` (`while battery < 20 chime`), which the general message explains.
fn unknown_unit(
    e: &Rich<'_, Token<'_>, SimpleSpan>,
    span: Span,
    tokens: &[(Token, SimpleSpan)],
    at: usize,
) -> Option<Diagnostic> {
    let Some(Token::Word(word)) = e.found() else { return None };
    if super::lexer::KEYWORDS.contains(word) {
        return None;
    }
    let before = at.checked_sub(1).and_then(|i| tokens.get(i));
    if !matches!(before, Some((Token::Int(_), _))) {
        return None;
    }
    let goes_on = match tokens.get(at + 1).map(|(t, _)| t) {
        Some(Token::Sym(s)) => *s == ":" || *s == ")" || *s == "," || OPERATORS.contains(s),
        // An operator word, or a clause that follows a trigger or condition.
        Some(Token::Word(w)) => OPERATOR_WORDS.contains(w) || ["while", "at", "mode", "limit"].contains(w),
        Some(_) => false,
        None => false,
    };
    if !goes_on {
        return None;
    }
    let units = "a number takes `%` or a duration unit (`ms`, `s`, `min`, `h`, `day`, or a long form such as `seconds`), or no unit when it counts something";
    let number = match before {
        Some((Token::Int(n), _)) => n.to_string(),
        _ => "the number".to_string(),
    };
    let help = match super::units::unit_meant(word) {
        Some(unit) => {
            format!("write `{unit}` for {}; {units}", if unit == "%" { "a percentage" } else { "this duration" })
        }
        // `120 km`, `500 lux` where no unit is read (a profile's own values): a measure takes
        // the units its profile declares for it, or is a plain number.
        None if is_measure(word) => format!(
            "a speed, a distance or a light level takes the unit its profile declares for it (`state speed: Int km/h`), or is a plain number, as in `{number}`"
        ),
        None => units.to_string(),
    };
    Some(
        Diagnostic::error(codes::UNKNOWN_UNIT, format!("no unit `{word}`"), span)
            .with_label_message("not a unit glass knows")
            .with_help(help),
    )
}

/// `while for 5 min worn`: the duration of a held condition written before the condition. Read
/// as `while worn for 5 min`, with that fix: the words from `for` to the end of the condition
/// (`:` or an option) are the duration, one number and its unit, then the condition.
fn duration_first(
    e: &Rich<'_, Token<'_>, SimpleSpan>,
    tokens: &[(Token, SimpleSpan)],
    text: &str,
    at: usize,
) -> Option<Diagnostic> {
    let Some(Token::Word("for")) = e.found() else { return None };
    let before = at.checked_sub(1).and_then(|i| tokens.get(i)).map(|(t, _)| *t)?;
    if !matches!(before, Token::Word("while" | "and" | "or" | "not" | "if" | "on")) {
        return None;
    }
    let (Some((Token::Int(_), number)), Some((Token::Word(unit), unit_span))) =
        (tokens.get(at + 1), tokens.get(at + 2))
    else {
        return None;
    };
    super::units::unit_millis(unit)?;
    let end = tokens[at + 3..]
        .iter()
        .position(|(t, _)| matches!(t, Token::Sym(":" | "{") | Token::Word("at" | "mode" | "limit")))
        .map(|k| at + 3 + k)?;
    let condition = tokens.get(at + 3..end).filter(|c| !c.is_empty())?;
    let (first, last) = (condition.first()?.1, condition.last()?.1);
    let (cond, duration) = (&text[first.start..last.end], &text[number.start..unit_span.end]);
    // The whole condition holds: `(worn and driving) for 5 min`, not `worn and (driving for ...)`.
    let joined = condition.iter().any(|(t, _)| matches!(t, Token::Word("and" | "or")));
    let fixed = if joined { format!("({cond}) for {duration}") } else { format!("{cond} for {duration}") };
    let whole = Span::new(e.span().start as u32, last.end as u32);
    Some(
        Diagnostic::error(codes::SYNTAX, "the duration of a held condition goes after the condition", whole)
            .with_label_message("the duration before the condition")
            .with_help(format!("a held condition reads `CONDITION for DURATION`: write `{fixed}`"))
            .with_fix(format!("write `{fixed}`"), whole, fixed),
    )
}

/// Units of measures other than time, which glass writes as plain numbers.
fn is_measure(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "km" | "kmh"
            | "kph"
            | "mph"
            | "m"
            | "cm"
            | "mm"
            | "meters"
            | "metres"
            | "miles"
            | "ft"
            | "feet"
            | "lux"
            | "lx"
            | "mw"
            | "w"
            | "kg"
            | "g"
            | "lb"
            | "lbs"
            | "c"
            | "f"
            | "degrees"
            | "deg"
            | "bpm"
            | "db"
            | "steps"
            | "kcal"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(src: &str) -> Vec<&str> {
        split_items(src).into_iter().map(|s| &src[s.range()]).collect()
    }

    #[test]
    fn splits_at_item_keywords() {
        let src = "use a\n# c\nrule x: on b: c d\non e while f: g\ntest \"t\" { at 1 s: fire e }";
        assert_eq!(items(src), ["use a", "rule x: on b: c d", "on e while f: g", "test \"t\" { at 1 s: fire e }"]);
    }

    #[test]
    fn the_sentence_parses() {
        let parsed = parse_item_text("on button-long-press while driving: record clip, notify car");
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let ItemKind::Rule(rule) = parsed.item.kind else { panic!("not a rule") };
        assert_eq!(rule.actions.len(), 2);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let src = format!("on x while {}a{}: y", "(".repeat(10_000), ")".repeat(10_000));
        let parsed = parse_item_text(&src);
        assert_eq!(parsed.errors[0].code, codes::TOO_DEEP);
        let src = format!("on x while {}a: y", "not ".repeat(10_000));
        assert_eq!(parse_item_text(&src).errors[0].code, codes::TOO_DEEP);
    }

    #[test]
    fn the_nesting_limit_is_the_one_explained() {
        let explanation = codes::lookup("E0004").expect("E0004").explanation;
        assert!(
            explanation.contains(&format!("({MAX_NESTING}\nlevels)"))
                || explanation.contains(&format!("{MAX_NESTING} levels"))
        );
    }

    #[test]
    fn parse_errors_after_unreadable_characters_are_dropped() {
        // The parser never sees `¤`: the missing value is its echo, not a second mistake.
        let parsed = parse_item_text("on x while ¤: y");
        assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
        assert_eq!(parsed.errors[0].code, codes::UNEXPECTED_CHARACTER);
        // A syntax error before the unreadable characters is a mistake of its own.
        let parsed = parse_item_text("on x while y z: w ¤");
        assert_eq!(parsed.errors.len(), 2, "{:?}", parsed.errors);
    }

    #[test]
    fn syntax_help_describes_the_item() {
        let help = |src: &str| parse_item_text(src).errors[0].help.clone().unwrap_or_default();
        assert!(help("test \"t\" { bogus }").starts_with("a test reads"));
        assert!(help("profile p { bogus }").starts_with("a profile reads"));
        assert!(help("on x: a b c").starts_with("a rule reads"));
        assert!(help("on x while y z: w").starts_with("put `:`"));
        assert!(help("test \"t\" { on x }").contains("`fire`"));
    }

    #[test]
    fn many_delayed_actions_side_by_side_are_not_nested() {
        let actions = vec!["after 1 s notify(message: \"a\", level: 2)"; 3 * MAX_NESTING].join(", ");
        let parsed = parse_item_text(&format!("on x: {actions}"));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let nested = format!("on x: {}notify", "after 1 s ".repeat(MAX_NESTING + 1));
        assert_eq!(parse_item_text(&nested).errors[0].code, codes::TOO_DEEP);
    }

    #[test]
    fn nesting_at_the_limit_parses() {
        let src = format!("on x while {}a{}: y", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
        assert!(parse_item_text(&src).errors.is_empty());
    }
}
