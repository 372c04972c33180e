//! Cutting a file into items, and parsing one item.
//!
//! Every item starts with a keyword at bracket depth 0 (`use`, `pack`, `permit`, `var`, `rule`,
//! `on`, `every`, `test`, `profile`), so the file can be cut before parsing. Each item is then
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
const DECLARERS: &[&str] = &["use", "pack", "permit", "var", "rule", "profile"];

const ITEM_KEYWORDS: &[&str] = &["use", "pack", "permit", "var", "rule", "on", "every", "test", "profile"];

/// The byte ranges of the items of a file, from each item's first token to its last.
pub fn split_items(src: &str) -> Vec<Span> {
    let tokens = lex(src).tokens;
    let mut items: Vec<Span> = Vec::new();
    let mut depth = 0usize;
    // Inside `rule NAME:` the `on`/`every` that follows belongs to the same item.
    let mut rule_awaiting_trigger = false;
    let mut previous: Option<Token> = None;
    for (token, span) in &tokens {
        // `var on` is a keyword misused as a name, not a new item: let the parser say so.
        let names_something = previous.is_some_and(|p| DECLARERS.iter().any(|d| p.is_keyword(d)));
        previous = Some(*token);
        let starts_item = depth == 0
            && !names_something
            && match token {
                Token::Word(w) if ITEM_KEYWORDS.contains(w) => {
                    !(rule_awaiting_trigger && (*w == "on" || *w == "every"))
                }
                _ => false,
            };
        match token {
            Token::Sym("(") | Token::Sym("{") => depth += 1,
            Token::Sym(")") | Token::Sym("}") => depth = depth.saturating_sub(1),
            _ => {}
        }
        if starts_item || items.is_empty() {
            rule_awaiting_trigger = token.is_keyword("rule");
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

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ParsedItem {
    pub item: Item,
    /// Lexical and syntax errors, with spans relative to the item.
    pub errors: Vec<Diagnostic>,
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
        return ParsedItem { item: Item { kind: ItemKind::Error, span: whole }, errors };
    }
    // Error tokens were reported by the lexer; the parser skips them rather than report them again.
    let tokens: Vec<(Token, SimpleSpan)> = lexed
        .tokens
        .into_iter()
        .filter(|(t, _)| *t != Token::Error)
        .map(|(t, s)| (t, SimpleSpan::from(s.range())))
        .collect();
    let eoi = SimpleSpan::from(text.len()..text.len());
    let (item, parse_errors) = parser::item().parse(tokens.as_slice().map(eoi, |(t, s)| (t, s))).into_output_errors();
    // When the lexer already complained, parse errors are usually its echo: keep only the first.
    let lexer_failed = !errors.is_empty();
    for e in parse_errors.into_iter().take(if lexer_failed { 0 } else { usize::MAX }) {
        errors.push(syntax_error(&e));
    }
    let item = item.unwrap_or(Item { kind: ItemKind::Error, span: whole });
    ParsedItem { item, errors }
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
        if token.is_keyword("after") {
            afters += 1;
        }
        if depth > MAX_NESTING || prefix_run > MAX_NESTING || afters > MAX_NESTING {
            return Some(*span);
        }
    }
    None
}

fn syntax_error(e: &Rich<'_, Token<'_>, SimpleSpan>) -> Diagnostic {
    use chumsky::error::{RichPattern, RichReason};
    let span: Span = (*e.span()).into();
    let found = match e.found() {
        Some(t) => t.to_string(),
        None => "the end of the item".to_string(),
    };
    if let RichReason::Custom(message) = e.reason() {
        return Diagnostic::error(codes::SYNTAX, message.clone(), span)
            .with_label_message("here")
            .with_help("see `glassc explain E0003` for the shape of each item");
    }
    // Operators are always possible after a value; name them once instead of one by one.
    let mut operator = false;
    let mut expected: Vec<String> = Vec::new();
    for pattern in e.expected() {
        let text = match pattern {
            RichPattern::Token(t) => {
                if matches!(&**t, Token::Sym(s) if OPERATORS.contains(s))
                    || matches!(&**t, Token::Word("and" | "or" | "for" | "then" | "where"))
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
        expected.push("an operator".to_string());
    }
    let wanted = match expected.as_slice() {
        [] => "something else".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    };
    let help = if expected.iter().any(|x| x.contains("before the actions")) {
        "put `:` between the trigger (or condition) and the actions, as in `on button-press while driving: record clip`"
            .to_string()
    } else {
        syntax_help(e.found())
    };
    Diagnostic::error(codes::SYNTAX, format!("expected {wanted}, found {found}"), span)
        .with_label_message(if e.found().is_some() {
            format!("unexpected {found}")
        } else {
            "the item ends here".into()
        })
        .with_help(help)
}

const OPERATORS: &[&str] = &["==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "."];

fn syntax_help(found: Option<&Token<'_>>) -> String {
    match found {
        Some(Token::Word(w)) if super::lexer::KEYWORDS.contains(w) => {
            format!("`{w}` is a keyword and cannot be used as a name here; see `glassc explain E0003`")
        }
        None => "the item ends too early; a rule reads `on TRIGGER [while CONDITION]: ACTION, ACTION`".into(),
        _ => "a rule reads `on TRIGGER [while CONDITION]: ACTION, ACTION`; see `glassc explain E0003`".into(),
    }
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
    fn nesting_at_the_limit_parses() {
        let src = format!("on x while {}a{}: y", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
        assert!(parse_item_text(&src).errors.is_empty());
    }
}
