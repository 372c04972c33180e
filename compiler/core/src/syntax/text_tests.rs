//! Text tests written the way other languages write them, read as glass's `contains` and
//! `matches`: `"photo" in text` (Python), `text.contains("photo")` and `text.lower() == "hi"`
//! (methods), `text includes "photo"` and `text like "hi"` (other operator words),
//! `text does not contain "x"` (English). Each is one syntax error at the words at fault, with
//! the test as glass writes it; a fix is machine-applicable only where the meaning is the same.

use chumsky::span::SimpleSpan;

use super::lexer::{KEYWORDS, Token};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::span::Span;

/// Words other languages use for `contains`.
const CONTAINS_WORDS: &[&str] = &["include", "includes", "has", "have", "contain", "containing", "holds"];
/// Words other languages use for a comparison that ignores case.
const MATCHES_WORDS: &[&str] = &["like", "ilike", "equals", "match", "matching", "equalsignorecase", "iequals"];
/// Words for a test at the start or end of a text, which glass does not have.
const EDGE_WORDS: &[&str] = &["startswith", "starts", "begins", "endswith", "ends", "starts_with", "ends_with"];
/// Methods that lower or raise the case of a text before it is compared.
const CASE_METHODS: &[&str] = &["lower", "upper", "lowercase", "uppercase", "tolowercase", "touppercase", "casefold"];

/// The error for a text test at token `at` (the one the parser stopped at), if it is one of the
/// habits above.
pub(super) fn text_test_error(tokens: &[(Token<'_>, SimpleSpan)], at: usize) -> Option<Diagnostic> {
    let (token, value) = (|i| token_at(tokens, i), |i| value_at(tokens, i));
    let before = |n: usize| at.checked_sub(n).and_then(value);
    match token(at)? {
        // `"photo" in text`
        Token::Word("in") => {
            let ((pattern, from), (text, to)) = (before(1)?, value(at + 1)?);
            Some(rewrite(
                "glass tests words with `contains`, not `in`",
                from,
                to,
                format!("{text} contains {pattern}"),
                true,
            ))
        }
        // `"photo" not in text`, `text not contains "photo"`
        Token::Word("not") => {
            let (left, from) = before(1)?;
            let (right, to) = value(at + 2)?;
            let fixed = match token(at + 1)? {
                Token::Word("in") => format!("not {right} contains {left}"),
                Token::Word(w @ ("contains" | "matches")) => format!("not {left} {w} {right}"),
                _ => return None,
            };
            Some(rewrite("`not` goes before the whole test", from, to, fixed, true))
        }
        // `text does not contain "photo"`
        Token::Word("does") => {
            let (text, from) = before(1)?;
            let verb = (at + 1..at + 4).find(|i| matches!(token(*i), Some(Token::Word(w)) if is_verb(w)))?;
            let (pattern, to) = value(verb + 1)?;
            let Some(Token::Word(w)) = token(verb) else { return None };
            let op = if CONTAINS_WORDS.contains(&w) || w == "contains" { "contains" } else { "matches" };
            Some(rewrite(
                "glass writes a negated test with `not` before it",
                from,
                to,
                format!("not {text} {op} {pattern}"),
                true,
            ))
        }
        Token::Word(w) if before(1).is_some() && value(at + 1).is_some() => {
            let ((text, from), (pattern, to)) = (before(1)?, value(at + 1)?);
            word_error(w, from, to, &text, &pattern)
        }
        // `text.contains("photo")`, `text.lower() == "hi"`: the parser stops at the method's
        // name when it is a keyword, else at the `(` after it.
        Token::Word(_) | Token::Sym("(") => {
            let dot = if token(at) == Some(Token::Sym("(")) { at.checked_sub(2)? } else { at.checked_sub(1)? };
            method_error(tokens, dot)
        }
        _ => None,
    }
}

fn is_verb(w: &str) -> bool {
    CONTAINS_WORDS.contains(&w) || MATCHES_WORDS.contains(&w) || w == "contains" || w == "matches"
}

/// `text includes "photo"`, `text like "hi"`, `text startswith "hi"`.
fn word_error(w: &str, from: SimpleSpan, to: SimpleSpan, text: &str, pattern: &str) -> Option<Diagnostic> {
    let lower = w.to_ascii_lowercase();
    // The glass operator each list means, and whether it is the same test (`contains` finds the
    // words anywhere, so for a test at the start or end the fix is only shown).
    let (_, op, same) =
        [(CONTAINS_WORDS, "contains", true), (MATCHES_WORDS, "matches", true), (EDGE_WORDS, "contains", false)]
            .into_iter()
            .find(|(words, _, _)| words.contains(&lower.as_str()))?;
    let message = if same { format!("glass writes `{op}`, not `{w}`") } else { format!("glass has no `{w}`") };
    Some(rewrite(&message, from, to, format!("{text} {op} {pattern}"), same))
}

/// `V.contains(P)`, `V.includes(P)`, `V.lower() == P`, with the `.` at token `dot`.
fn method_error(tokens: &[(Token<'_>, SimpleSpan)], dot: usize) -> Option<Diagnostic> {
    let (token, value) = (|i| token_at(tokens, i), |i| value_at(tokens, i));
    if token(dot)? != Token::Sym(".") || token(dot + 2)? != Token::Sym("(") {
        return None;
    }
    let (text, from) = value(dot.checked_sub(1)?)?;
    let Token::Word(method) = token(dot + 1)? else { return None };
    let lower = method.to_ascii_lowercase().replace('_', "");
    if CASE_METHODS.contains(&lower.as_str()) {
        // `text.lower() == "hi"`: the comparison that ignores case is `matches`.
        if token(dot + 3)? != Token::Sym(")") || !matches!(token(dot + 4)?, Token::Sym("==")) {
            return None;
        }
        let (pattern, to) = value(dot + 5)?;
        return Some(rewrite(
            "glass compares texts without case with `matches`",
            from,
            to,
            format!("{text} matches {pattern}"),
            true,
        ));
    }
    let (pattern, _) = value(dot + 3)?;
    let (_, to) = *tokens.get(dot + 4).filter(|(t, _)| *t == Token::Sym(")"))?;
    let (op, certain) = match lower.as_str() {
        "contains" | "includes" | "include" | "has" | "contain" => ("contains", true),
        "matches" | "equals" | "equalsignorecase" | "eqignoreasciicase" | "match" => ("matches", true),
        "startswith" | "endswith" | "beginswith" => ("contains", false),
        _ => return None,
    };
    Some(rewrite(
        &format!("texts have no methods: `.{method}(...)`"),
        from,
        to,
        format!("{text} {op} {pattern}"),
        certain,
    ))
}

fn token_at<'s>(tokens: &[(Token<'s>, SimpleSpan)], i: usize) -> Option<Token<'s>> {
    tokens.get(i).map(|(t, _)| *t)
}

/// Token `i` as [`shown_value`] shows it, with its span.
fn value_at(tokens: &[(Token<'_>, SimpleSpan)], i: usize) -> Option<(String, SimpleSpan)> {
    tokens.get(i).and_then(|(t, s)| shown_value(t).map(|v| (v, *s)))
}

/// A value the rewrite can show as written: a name or a text in quotes.
fn shown_value(t: &Token<'_>) -> Option<String> {
    match t {
        Token::Word(w) if !KEYWORDS.contains(w) => Some((*w).to_string()),
        Token::Str(s) => Some(format!("\"{s}\"")),
        _ => None,
    }
}

/// The error that rewrites `from..to` as `fixed`; `certain` when the rewrite means what was
/// written (else the help shows it, and no fix is offered).
fn rewrite(message: &str, from: SimpleSpan, to: SimpleSpan, fixed: String, certain: bool) -> Diagnostic {
    let at = Span::new(from.start as u32, to.end as u32);
    const WORDS: &str = "`contains` finds the words of a text in another, in order, and `matches` compares two texts' words; both ignore case, spaces and punctuation";
    let help = if certain {
        format!("write `{fixed}`: {WORDS}")
    } else {
        format!("`{fixed}` finds the words anywhere in the text, which may be what is meant: {WORDS}")
    };
    let d = Diagnostic::error(codes::SYNTAX, message, at).with_label_message("not a test glass reads").with_help(help);
    if certain { d.with_fix(format!("write `{fixed}`"), at, fixed) } else { d }
}
