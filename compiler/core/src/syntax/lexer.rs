//! Turns source text into tokens.
//!
//! The lexer never fails: characters it does not understand become one `Token::Error` per run, with
//! a diagnostic, so the parser still sees the shape of the rest of the file.

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::span::Span;

/// Words that can never be names. Everything else (`most`, `once`, `event`, `device`, ...) is a
/// contextual keyword: an identifier the parser recognises only where it expects it.
pub const KEYWORDS: &[&str] = &[
    "use", "pack", "permit", "var", "rule", "on", "while", "every", "test", "profile", "after", "set", "and", "or",
    "not", "true", "false", "where", "then", "within", "for",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Token<'s> {
    /// A name such as `driving` or `button-long-press`, or a keyword (see [`KEYWORDS`]).
    Word(&'s str),
    Int(u64),
    /// The text between the quotes, escapes still in it.
    Str(&'s str),
    /// A time of day `HH:MM`, as minutes after midnight.
    Time(u16),
    /// Punctuation: `: , . ( ) { } = == != < <= > >= + - * / % ..`
    Sym(&'static str),
    Error,
}

impl Token<'_> {
    pub fn is_keyword(&self, kw: &str) -> bool {
        matches!(self, Token::Word(w) if *w == kw)
    }
}

impl std::fmt::Display for Token<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Token::Word(w) => write!(f, "`{w}`"),
            Token::Int(n) => write!(f, "number `{n}`"),
            Token::Str(s) => write!(f, "text \"{s}\""),
            Token::Time(m) => write!(f, "time `{:02}:{:02}`", m / 60, m % 60),
            Token::Sym(s) => write!(f, "`{s}`"),
            Token::Error => write!(f, "invalid text"),
        }
    }
}

pub struct Lexed<'s> {
    pub tokens: Vec<(Token<'s>, Span)>,
    /// Spans of `#` comments, kept for the formatter.
    pub comments: Vec<Span>,
    pub errors: Vec<Diagnostic>,
}

const SYMBOLS: &[&str] =
    &["==", "!=", "<=", ">=", "..", ":", ",", ".", "(", ")", "{", "}", "=", "<", ">", "+", "-", "*", "/", "%"];

pub fn is_word_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

pub fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

pub fn lex(src: &str) -> Lexed<'_> {
    let bytes = src.as_bytes();
    let mut out = Lexed { tokens: Vec::new(), comments: Vec::new(), errors: Vec::new() };
    let mut i = 0usize;
    let span = |a: usize, b: usize| Span::new(a as u32, b as u32);
    while i < bytes.len() {
        let c = bytes[i] as char;
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == '#' {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            out.comments.push(span(start, i));
        } else if is_word_start(c) {
            i = word_end(bytes, i);
            out.tokens.push((Token::Word(&src[start..i]), span(start, i)));
        } else if c.is_ascii_digit() {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if let Some(end) = time_end(bytes, start, i) {
                let h: u16 = src[start..i].parse().unwrap_or(99);
                let m: u16 = src[i + 1..end].parse().unwrap_or(99);
                if h < 24 && m < 60 {
                    out.tokens.push((Token::Time(h * 60 + m), span(start, end)));
                } else {
                    out.errors.push(
                        Diagnostic::error(codes::BAD_TIME, "this is not a time of day", span(start, end))
                            .with_label_message("not a time of day")
                            .with_help("times of day are written `HH:MM`, from `00:00` to `23:59`"),
                    );
                    out.tokens.push((Token::Error, span(start, end)));
                }
                i = end;
                continue;
            }
            match src[start..i].parse::<u64>() {
                Ok(n) if n <= i64::MAX as u64 => out.tokens.push((Token::Int(n), span(start, i))),
                _ => {
                    out.errors.push(
                        Diagnostic::error(codes::NUMBER_TOO_LARGE, "this number is too large", span(start, i))
                            .with_label_message("too large")
                            .with_help(format!("numbers go up to {}", i64::MAX)),
                    );
                    out.tokens.push((Token::Error, span(start, i)));
                }
            }
        } else if c == '"' {
            i += 1;
            let mut closed = false;
            while i < bytes.len() {
                match bytes[i] {
                    b'\\' if i + 1 < bytes.len() => i += 2,
                    b'"' => {
                        closed = true;
                        i += 1;
                        break;
                    }
                    b'\n' => break,
                    _ => i += 1,
                }
            }
            let i_end = i.min(bytes.len());
            if closed {
                let inner = &src[start + 1..i_end - 1];
                if let Some(bad) = bad_escape(inner) {
                    let at = start + 1 + bad;
                    let len = inner[bad..].chars().take(2).map(char::len_utf8).sum::<usize>();
                    out.errors.push(
                        Diagnostic::error(codes::BAD_ESCAPE, "this escape means nothing in text", span(at, at + len))
                            .with_label_message("unknown escape")
                            .with_help("inside text, `\\` may be followed by `\"`, `\\`, `n` or `t`"),
                    );
                }
                out.tokens.push((Token::Str(inner), span(start, i_end)));
            } else {
                out.errors.push(
                    Diagnostic::error(codes::UNTERMINATED_TEXT, "this text has no closing quote", span(start, i_end))
                        .with_label_message("the text starts here and runs to the end of the line")
                        .with_help("end the text with `\"` on the same line"),
                );
                out.tokens.push((Token::Error, span(start, i_end)));
            }
            i = i_end;
        } else if let Some(sym) = SYMBOLS.iter().find(|s| src[i..].starts_with(**s)) {
            i += sym.len();
            out.tokens.push((Token::Sym(sym), span(start, i)));
        } else {
            // One error for a whole run of characters the language has no use for.
            while i < bytes.len() && !starts_token(src, i) {
                i += src[i..].chars().next().map_or(1, char::len_utf8);
            }
            let shown: String = src[start..i].chars().take(20).collect();
            out.errors.push(
                Diagnostic::error(
                    codes::UNEXPECTED_CHARACTER,
                    format!("glass has no use for `{}` here", shown.escape_debug()),
                    span(start, i),
                )
                .with_label_message("not glass")
                .with_help("names use letters, digits, `_` and `-`; text goes between double quotes"),
            );
            out.tokens.push((Token::Error, span(start, i)));
        }
    }
    out
}

/// The byte offset of the first unknown escape in the text between quotes.
fn bad_escape(inner: &str) -> Option<usize> {
    let mut chars = inner.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '\\' && !matches!(chars.next(), Some((_, '"' | '\\' | 'n' | 't'))) {
            return Some(i);
        }
    }
    None
}

/// The text a string literal stands for: its escapes replaced.
pub fn unescape(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// A word is letters, digits and `_`, joined by single `-` when a letter follows: `button-long-press`
/// is one name, while `x-5` is `x` minus `5` and `x - y` is a subtraction.
fn word_end(bytes: &[u8], mut i: usize) -> usize {
    loop {
        while i < bytes.len() && is_word_char(bytes[i] as char) {
            i += 1;
        }
        if i + 1 < bytes.len() && bytes[i] == b'-' && is_word_start(bytes[i + 1] as char) {
            i += 1;
        } else {
            return i;
        }
    }
}

/// `07:30` is a time when the colon is followed by exactly two digits and the hour had one or two.
fn time_end(bytes: &[u8], start: usize, digits_end: usize) -> Option<usize> {
    let two = |k: usize| k < bytes.len() && bytes[k].is_ascii_digit();
    let hour_len = digits_end - start;
    if (1..=2).contains(&hour_len)
        && digits_end < bytes.len()
        && bytes[digits_end] == b':'
        && two(digits_end + 1)
        && two(digits_end + 2)
        && !two(digits_end + 3)
    {
        Some(digits_end + 3)
    } else {
        None
    }
}

fn starts_token(src: &str, i: usize) -> bool {
    let c = src.as_bytes()[i] as char;
    c.is_ascii_alphanumeric()
        || c.is_ascii_whitespace()
        || matches!(c, '_' | '"' | '#')
        || SYMBOLS.iter().any(|s| src[i..].starts_with(*s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<String> {
        lex(src).tokens.iter().map(|(t, _)| format!("{t:?}")).collect()
    }

    #[test]
    fn hyphenated_words_and_units() {
        assert_eq!(
            kinds("button-long-press 400ms x-5 15%"),
            [
                "Word(\"button-long-press\")",
                "Int(400)",
                "Word(\"ms\")",
                "Word(\"x\")",
                "Sym(\"-\")",
                "Int(5)",
                "Int(15)",
                "Sym(\"%\")"
            ]
        );
    }

    #[test]
    fn times_and_colons() {
        assert_eq!(kinds("07:30"), ["Time(450)"]);
        assert_eq!(kinds("1: x"), ["Int(1)", "Sym(\":\")", "Word(\"x\")"]);
    }

    #[test]
    fn garbage_is_one_error_per_run() {
        let lexed = lex("on ¤¤¤@@ x");
        assert_eq!(lexed.errors.len(), 1);
        assert_eq!(lexed.tokens.len(), 3);
    }

    #[test]
    fn escapes() {
        assert_eq!(unescape(r#"a\"b\\c\nd"#), "a\"b\\c\nd");
        assert_eq!(lex(r#""ok \" \\""#).errors.len(), 0);
        assert_eq!(lex(r#""bad \q""#).errors[0].code, codes::BAD_ESCAPE);
    }

    #[test]
    fn unterminated_text() {
        let lexed = lex("\"abc\nx");
        assert_eq!(lexed.errors[0].code, codes::UNTERMINATED_TEXT);
    }
}
