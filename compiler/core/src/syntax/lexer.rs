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
    "use", "pack", "permit", "var", "rule", "on", "while", "every", "test", "profile", "family", "after", "set", "and",
    "or", "not", "true", "false", "where", "then", "within", "for", "if", "else", "matches", "contains", "limit",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Token<'s> {
    /// A name such as `driving` or `button-long-press`, or a keyword (see [`KEYWORDS`]).
    Word(&'s str),
    Int(u64),
    /// A percentage: a number with `%` right after its digits, `15%`.
    Percent(u64),
    /// The text between the quotes, escapes still in it.
    Str(&'s str),
    /// A time of day `HH:MM`, as minutes after midnight.
    Time(u16),
    /// Two numbers joined by `:` that cannot be a time (`16:9`, `3:4`): an aspect ratio, which
    /// glass has no values for; read so that the checker can say what the parameter takes.
    Ratio(u16, u16),
    /// A unit of a measure, as a profile declares it and a number carries it: `°C` and `℃`
    /// (lexed so), or a word right after a number (`22 celsius`, `120 km/h`; see
    /// `units::mark_units`).
    Unit(&'s str),
    /// Punctuation: `: , . ( ) { } = == != < <= > >= + - * / % ..`; `%` here is the remainder
    /// operator (a `%` right after a number's digits is part of a [`Token::Percent`]).
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
            Token::Percent(n) => write!(f, "percentage `{n}%`"),
            Token::Str(s) => write!(f, "text \"{s}\""),
            Token::Time(m) => write!(f, "time `{}`", super::print::time_text(*m)),
            Token::Ratio(w, h) => write!(f, "ratio `{w}:{h}`"),
            Token::Unit(u) => write!(f, "unit `{u}`"),
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
    /// Tokens that do not say what the author meant: names with letters outside ASCII or a part
    /// that starts with a digit. (`Token::Error` tokens are the other such places.)
    pub garbled: Vec<Span>,
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
    let mut out = Lexed { tokens: Vec::new(), comments: Vec::new(), errors: Vec::new(), garbled: Vec::new() };
    // The byte order mark some editors write at the start of UTF-8 files is not text: skip it.
    let mut i = if src.starts_with(BYTE_ORDER_MARK) { BYTE_ORDER_MARK.len_utf8() } else { 0 };
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
        } else if let Some(end) = degrees_end(src, i) {
            out.tokens.push((Token::Unit(&src[start..end]), span(start, end)));
            i = end;
        } else if is_word_start(c) || starts_foreign_letter(src, i) {
            i = word_end(src, i);
            let word = &src[start..i];
            if let Some(error) = non_ascii_name(word, start) {
                out.errors.push(error);
                out.garbled.push(span(start, i));
            } else if let Some((end, error)) = digit_name_part(src, i, start) {
                // `wifi-6e`: one word with an error, so the rest of the rule still reads as written.
                out.errors.push(error);
                out.garbled.push(span(start, end));
                out.tokens.push((Token::Word(&src[start..end]), span(start, end)));
                i = end;
                continue;
            }
            out.tokens.push((Token::Word(word), span(start, i)));
        } else if c.is_ascii_digit() {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if let Some(end) = ratio_end(bytes, start, i) {
                let w: u16 = src[start..i].parse().unwrap_or(0);
                let h: u16 = src[i + 1..end].parse().unwrap_or(0);
                out.tokens.push((Token::Ratio(w, h), span(start, end)));
                i = end;
                continue;
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
            if let Some(end) = fraction(src, &mut out, start, i) {
                i = end;
                continue;
            }
            let percent_sign = bytes.get(i) == Some(&b'%');
            match src[start..i].parse::<u64>() {
                Ok(n) if n <= i64::MAX as u64 => {
                    if percent_sign && starts_value(src, i + 1, false) {
                        // `7%2`: read as the remainder it can only be, and reported.
                        out.errors.push(remainder_without_spaces(src, start, i));
                        out.tokens.push((Token::Int(n), span(start, i)));
                    } else if percent_sign {
                        i += 1;
                        out.tokens.push((Token::Percent(n), span(start, i)));
                    } else {
                        out.tokens.push((Token::Int(n), span(start, i)));
                    }
                }
                _ => {
                    out.errors.push(
                        Diagnostic::error(codes::NUMBER_TOO_LARGE, "this number is too large", span(start, i))
                            .with_label_message("too large")
                            .with_help(format!("numbers go up to {}", i64::MAX)),
                    );
                    // A percent sign belongs to the number it follows, even a number too large.
                    if percent_sign && !starts_value(src, i + 1, false) {
                        i += 1;
                    }
                    out.tokens.push((Token::Error, span(start, i)));
                }
            }
        } else if c == '"' {
            i += 1;
            let mut closed = false;
            while i < bytes.len() {
                match bytes[i] {
                    // A `\` escapes the next character, but never the line end: text stays on its line.
                    b'\\' if i + 1 < bytes.len() && bytes[i + 1] != b'\n' => i += 2,
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
        } else if c == '%'
            && let Some(&(Token::Int(n), number)) = out.tokens.last()
            && !starts_value(src, after_spaces(src, i + 1), true)
        {
            // `15 %:`: a `%` apart from its number with no value after it can only be the
            // number's percent sign (the formatter writes it `15%`).
            i += 1;
            out.tokens.pop();
            out.tokens.push((Token::Percent(n), Span::new(number.start, i as u32)));
        } else if let Some(sym) = SYMBOLS.iter().find(|s| src[i..].starts_with(**s)) {
            i += sym.len();
            out.tokens.push((Token::Sym(sym), span(start, i)));
        } else if let Some((written, word)) = FOREIGN_OPERATORS.iter().find(|(w, _)| src[i..].starts_with(*w)) {
            // `&&`, `||`, `!` from other languages: reported, then read as the glass word so the
            // rest of the rule is checked as meant.
            i += written.len();
            out.errors.push(
                Diagnostic::error(
                    codes::UNEXPECTED_CHARACTER,
                    format!("glass writes `{word}`, not `{written}`"),
                    span(start, i),
                )
                .with_label_message(format!("write `{word}` here"))
                .with_help(format!("conditions are combined with the words `and`, `or` and `not`: write `{word}`"))
                .with_fix(format!("write `{word}`"), span(start, i), *word),
            );
            out.tokens.push((Token::Word(word), span(start, i)));
        } else if let Some(end) = single_quoted(src, i) {
            // `'hi'`: text in single quotes, read as the text it was meant to be.
            let inner = &src[start + 1..end - 1];
            let quoted = format!("\"{inner}\"");
            out.errors.push(
                Diagnostic::error(
                    codes::UNEXPECTED_CHARACTER,
                    "text in glass goes between double quotes",
                    span(start, end),
                )
                .with_label_message("single quotes")
                .with_help(format!("write `{quoted}`"))
                .with_fix(format!("write `{quoted}`"), span(start, end), quoted.clone()),
            );
            out.tokens.push((Token::Str(inner), span(start, end)));
            i = end;
        } else if let Some(open) = SMART_QUOTES.iter().find(|q| src[i..].starts_with(**q)) {
            i = smart_quoted_text(src, i, open, &mut out);
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

const BYTE_ORDER_MARK: char = '\u{feff}';

/// Words that may follow a whole expression and so never start the right side of `%`: the
/// keywords (but `true` and `false`, which are values) and the options and test steps that
/// follow a condition or a value (`15 % at most ...`, `set battery = 15 %` before `at 5 s:`).
fn ends_expression(word: &str) -> bool {
    (KEYWORDS.contains(&word) && word != "true" && word != "false") || matches!(word, "at" | "mode" | "fire" | "expect")
}

/// True when a value starts at byte `i`: a number, a time, a text, a bracket, a name, or (when
/// `minus`) a `-`. Decides what a `%` is when a number is before it (see `spec/language.md` §2):
/// right after `15%` a `-` is a subtraction (`50%-10%`), after `15 %` a negation (`15 % -4`).
fn starts_value(src: &str, i: usize, minus: bool) -> bool {
    let Some(c) = src[i.min(src.len())..].chars().next() else { return false };
    if c.is_ascii_digit() || matches!(c, '"' | '(') || (minus && c == '-') {
        return true;
    }
    if is_word_start(c) || starts_foreign_letter(src, i) {
        return !ends_expression(&src[i..word_end(src, i)]);
    }
    false
}

/// The first byte at or after `i` that is not a space, a tab or a line end.
fn after_spaces(src: &str, i: usize) -> usize {
    let rest = &src[i.min(src.len())..];
    i + (rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_whitespace()).len())
}

/// `7%2`: a `%` right after a number and right before a value. A percent sign touches its number
/// and a remainder is written with spaces, so both readings fit; only the remainder goes on.
fn remainder_without_spaces(src: &str, start: usize, percent: usize) -> Diagnostic {
    let value_end = match src[percent + 1..].chars().next() {
        Some(c) if c.is_ascii_digit() => {
            percent + 1 + src[percent + 1..].find(|c: char| !c.is_ascii_digit()).unwrap_or(src.len() - percent - 1)
        }
        Some(c) if is_word_start(c) => word_end(src, percent + 1),
        Some(c) => percent + 1 + c.len_utf8(),
        None => percent + 1,
    };
    let (number, value) = (&src[start..percent], &src[percent + 1..value_end]);
    let at = Span::new(start as u32, value_end as u32);
    Diagnostic::error(
        codes::PERCENT_OR_REMAINDER,
        format!("`{number}%{value}` reads as both a percentage and a remainder"),
        at,
    )
    .with_label_message("a `%` between a number and a value, with no spaces")
    .with_help(format!(
        "a percent sign touches its number (`{number}%`) and a remainder has spaces: write `{number} % {value}` for the remainder of {number} divided by {value}"
    ))
    .with_fix(
        format!("write `{number} % {value}`"),
        Span::new(percent as u32, percent as u32 + 1),
        " % ",
    )
}

/// Operators of other languages, and the glass word each stands for.
const FOREIGN_OPERATORS: &[(&str, &str)] = &[("&&", "and"), ("||", "or"), ("!", "not")];

/// Typographic quotes that word processors put in place of `"`.
const SMART_QUOTES: &[&str] = &["\u{201c}", "\u{201d}", "\u{201e}"];

/// The end of text between single quotes starting at `i` (`'hi'`), on one line, without a `"`
/// or a `\` in it (so that its fix, the same text between double quotes, means the same).
fn single_quoted(src: &str, i: usize) -> Option<usize> {
    let rest = src[i..].strip_prefix('\'')?;
    let close = rest.find(['\'', '\n'])?;
    let inner = &rest[..close];
    (rest[close..].starts_with('\'') && !inner.contains(['"', '\\'])).then_some(i + close + 2)
}

/// Text between typographic quotes, `“like this”`: each quote is an error with its fix, and the
/// text between them is read as text, so the call around it is still checked. Returns the end.
fn smart_quoted_text<'s>(src: &'s str, start: usize, open: &str, out: &mut Lexed<'s>) -> usize {
    let quote_error = |at: usize, quote: &str| {
        let span = Span::new(at as u32, (at + quote.len()) as u32);
        Diagnostic::error(
            codes::UNEXPECTED_CHARACTER,
            format!("`{quote}` is a typographic quote; text in glass goes between straight quotes `\"`"),
            span,
        )
        .with_label_message("typographic quote")
        .with_help("write `\"` (word processors replace it: write rules in a plain-text editor)")
        .with_fix("write `\"`", span, "\"")
    };
    out.errors.push(quote_error(start, open));
    let inner_start = start + open.len();
    let line_end = src[inner_start..].find('\n').map_or(src.len(), |n| inner_start + n);
    let line = &src[inner_start..line_end];
    let close = line.char_indices().find(|(_, c)| *c == '"' || SMART_QUOTES.iter().any(|q| q.starts_with(*c)));
    let Some((at, c)) = close else {
        // No closing quote on the line: only the opening one is reported.
        out.tokens.push((Token::Error, Span::new(start as u32, inner_start as u32)));
        return inner_start;
    };
    let close_at = inner_start + at;
    if c != '"' {
        out.errors.push(quote_error(close_at, &src[close_at..close_at + c.len_utf8()]));
    }
    let end = close_at + c.len_utf8();
    out.tokens.push((Token::Str(&src[inner_start..close_at]), Span::new(start as u32, end as u32)));
    end
}

/// The end of `°C`, `°F` (a degree sign and ASCII letters) or `℃`, `℉` at `i`.
fn degrees_end(src: &str, i: usize) -> Option<usize> {
    let rest = &src[i..];
    if let Some(after) = rest.strip_prefix('°') {
        let letters = after.bytes().take_while(u8::is_ascii_alphabetic).count();
        return (letters > 0).then(|| i + '°'.len_utf8() + letters);
    }
    rest.starts_with(['℃', '℉']).then(|| i + '℃'.len_utf8())
}

/// A letter outside ASCII, such as `é`: it is read as part of a name so that the error is about
/// the name, not about a stray character.
fn starts_foreign_letter(src: &str, i: usize) -> bool {
    src[i..].chars().next().is_some_and(|c| !c.is_ascii() && c.is_alphabetic())
}

/// A name with letters outside ASCII (`bouton-appuyé`): an error at those letters, with the name
/// spelt in ASCII as the fix when every letter has a plain form.
fn non_ascii_name(word: &str, start: usize) -> Option<Diagnostic> {
    let first = word.find(|c: char| !c.is_ascii())?;
    let (last, c) = word.char_indices().rev().find(|(_, c)| !c.is_ascii())?;
    let at = |k: usize| (start + k) as u32;
    let letters: Vec<String> = word.chars().filter(|c| !c.is_ascii()).map(|c| format!("`{c}`")).collect();
    let mut letters_text = letters.clone();
    letters_text.dedup();
    let plain: Option<String> = word.chars().map(|c| if c.is_ascii() { Some(c) } else { plain_letter(c) }).collect();
    let help = match &plain {
        Some(p) => format!("names are ASCII letters, digits and `-`: write `{p}`"),
        None => "names are ASCII letters, digits and `-`: spell it with the letters a to z".to_string(),
    };
    let d = Diagnostic::error(
        codes::UNEXPECTED_CHARACTER,
        format!("names are written in ASCII letters; {} is not one", letters_text.join(", ")),
        Span::new(at(first), at(last + c.len_utf8())),
    )
    .with_label_message("not an ASCII letter")
    .with_help(help);
    Some(match plain {
        Some(p) => d.with_fix(format!("write `{p}`"), Span::new(at(0), at(word.len())), p),
        None => d,
    })
}

/// The plain ASCII letter of a Latin letter with an accent (`é` is `e`).
fn plain_letter(c: char) -> Option<char> {
    const TABLE: &[(&str, char)] = &[
        ("àáâãäåā", 'a'),
        ("ÀÁÂÃÄÅĀ", 'A'),
        ("çćč", 'c'),
        ("ÇĆČ", 'C'),
        ("èéêëēę", 'e'),
        ("ÈÉÊËĒĘ", 'E'),
        ("ìíîïī", 'i'),
        ("ÌÍÎÏĪ", 'I'),
        ("ñń", 'n'),
        ("ÑŃ", 'N'),
        ("òóôõöøō", 'o'),
        ("ÒÓÔÕÖØŌ", 'O'),
        ("ùúûüū", 'u'),
        ("ÙÚÛÜŪ", 'U'),
        ("ýÿ", 'y'),
        ("Ý", 'Y'),
        ("šś", 's'),
        ("ŠŚ", 'S'),
        ("žźż", 'z'),
        ("ŽŹŻ", 'Z'),
        ("ł", 'l'),
        ("Ł", 'L'),
    ];
    TABLE.iter().find(|(from, _)| from.contains(c)).map(|(_, to)| *to)
}

/// `wifi-6e`: a hyphen, digits and letters right after a name. `x-5` and `x-5s` are a subtraction
/// (the letters are a unit), but `6e` is no number, so the author meant one name with a part that
/// starts with a digit, which names cannot have. Returns the end of that name and the error.
fn digit_name_part(src: &str, word_end_at: usize, start: usize) -> Option<(usize, Diagnostic)> {
    let bytes = src.as_bytes();
    if word_end_at + 1 >= bytes.len() || bytes[word_end_at] != b'-' || !bytes[word_end_at + 1].is_ascii_digit() {
        return None;
    }
    let mut j = word_end_at + 1;
    while j < bytes.len() && bytes[j].is_ascii_digit() {
        j += 1;
    }
    if j >= bytes.len() || !is_word_start(bytes[j] as char) {
        return None;
    }
    let letters_end = word_end(src, j);
    if crate::syntax::units::unit_millis(&src[j..letters_end]).is_some() {
        return None;
    }
    let name = &src[start..letters_end];
    let joined = format!("{}{}", &src[start..word_end_at], &src[word_end_at + 1..letters_end]);
    let span = Span::new(start as u32, letters_end as u32);
    let d = Diagnostic::error(
        codes::DIGIT_NAME_PART,
        format!("`{name}` is not a name: a part of a name cannot start with a digit"),
        span,
    )
    .with_label_message("a part starting with a digit")
    .with_help(format!("join the parts or spell the number: write `{joined}`"))
    .with_fix(format!("write `{joined}`"), span, joined);
    Some((letters_end, d))
}

/// `1.5 s`, `0.5s`, `12.5%`: numbers are whole. A fraction of a duration is the whole number of a
/// smaller unit (`1500 ms`): that is the fix, and the tokens are read as if it were made. Other
/// fractions become an error token. `digits_end` is where the digits before the `.` end; returns
/// where the fraction (and the unit it took) ends, or `None` when no fraction follows.
fn fraction(src: &str, out: &mut Lexed<'_>, start: usize, digits_end: usize) -> Option<usize> {
    let bytes = src.as_bytes();
    if bytes.get(digits_end) != Some(&b'.') || !bytes.get(digits_end + 1).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let mut end = digits_end + 1;
    while end < bytes.len() && bytes[end].is_ascii_digit() {
        end += 1;
    }
    let number = &src[start..end];
    // The unit after it, on the same line.
    let mut u = end;
    while u < bytes.len() && (bytes[u] == b' ' || bytes[u] == b'\t') {
        u += 1;
    }
    let unit_end = if u < bytes.len() && is_word_start(bytes[u] as char) { word_end(src, u) } else { u };
    let unit = &src[u..unit_end];
    let at = |a: usize, b: usize| Span::new(a as u32, b as u32);
    let whole = exact_millis(number, crate::syntax::units::unit_millis(unit));
    let d =
        Diagnostic::error(codes::FRACTION, format!("numbers in glass are whole; `{number}` is not"), at(start, end))
            .with_label_message("a fraction");
    match whole {
        Some(ms) if ms <= i64::MAX as u64 => {
            let written = crate::syntax::units::duration_text(ms as i64);
            out.errors.push(d.with_help(format!("write the duration in a smaller unit: `{written}`")).with_fix(
                format!("write `{written}`"),
                at(start, unit_end),
                written.clone(),
            ));
            // Read as the fix: the number and its unit, in the unit `duration_text` chose.
            let (n, unit) = written.split_once(' ').unwrap_or((&written, "ms"));
            let unit: &'static str =
                crate::syntax::units::DURATION_UNITS.iter().find(|(u, _)| *u == unit).map_or("ms", |(u, _)| u);
            out.tokens.push((Token::Int(n.parse().unwrap_or(0)), at(start, end)));
            out.tokens.push((Token::Word(unit), at(u, unit_end)));
            Some(unit_end)
        }
        _ => {
            let is_unit = crate::syntax::units::unit_millis(unit).is_some();
            let below = &number[..digits_end - start];
            let above = below.parse::<u64>().map_or_else(|_| "more".to_string(), |n| (n + 1).to_string());
            let help = if src[end..].trim_start().starts_with('%') {
                format!("percentages are whole numbers: round it, to `{below}%` or `{above}%`")
            } else if is_unit {
                "a duration is a whole number of a unit: write it in `ms`, rounded".to_string()
            } else {
                format!("write a whole number, such as `{below}` or `{above}`")
            };
            out.errors.push(d.with_help(help));
            // The unit of a duration goes with it: alone, it would read as a name.
            let end = if is_unit { unit_end } else { end };
            out.tokens.push((Token::Error, at(start, end)));
            Some(end)
        }
    }
}

/// `number` (digits, `.`, digits) of the unit `unit_ms` long, in whole milliseconds, if it is.
fn exact_millis(number: &str, unit_ms: Option<u64>) -> Option<u64> {
    let (whole, part) = number.split_once('.')?;
    let unit_ms = unit_ms?;
    let scale = 10u64.checked_pow(part.len() as u32)?;
    let value = whole.parse::<u64>().ok()?.checked_mul(scale)?.checked_add(part.parse::<u64>().ok()?)?;
    let ms = value.checked_mul(unit_ms)?;
    (ms % scale == 0).then_some(ms / scale)
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

/// A text as a glass string literal, quotes included: the inverse of [`unescape`], so the literal
/// reads back as the same text.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
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
/// Letters outside ASCII are taken into the word here (and reported by `non_ascii_name`).
fn word_end(src: &str, mut i: usize) -> usize {
    let bytes = src.as_bytes();
    loop {
        while i < bytes.len() {
            if is_word_char(bytes[i] as char) {
                i += 1;
            } else if starts_foreign_letter(src, i) {
                i += src[i..].chars().next().map_or(1, char::len_utf8);
            } else {
                break;
            }
        }
        if i + 1 < bytes.len()
            && bytes[i] == b'-'
            && (is_word_start(bytes[i + 1] as char) || starts_foreign_letter(src, i + 1))
        {
            i += 1;
        } else {
            return i;
        }
    }
}

/// `07:30` is a time when the colon is followed by exactly two digits and the hour had one or two.
/// The end of `W:H` whose `H` is one digit (`16:9`, `3:4`), which no time of day is.
fn ratio_end(bytes: &[u8], start: usize, digits_end: usize) -> Option<usize> {
    let digit = |k: usize| k < bytes.len() && bytes[k].is_ascii_digit();
    let width_len = digits_end - start;
    let joined = digits_end < bytes.len() && bytes[digits_end] == b':';
    if (1..=2).contains(&width_len) && joined && digit(digits_end + 1) && !digit(digits_end + 2) {
        Some(digits_end + 2)
    } else {
        None
    }
}

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
        || FOREIGN_OPERATORS.iter().any(|(w, _)| src[i..].starts_with(*w))
        || SMART_QUOTES.iter().any(|q| src[i..].starts_with(*q))
        || starts_foreign_letter(src, i)
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
                "Percent(15)"
            ]
        );
    }

    #[test]
    fn percent_sign_or_remainder() {
        // A `%` right after a number's digits is its percent sign; any other `%` is the remainder.
        assert_eq!(kinds("15%"), ["Percent(15)"]);
        assert_eq!(kinds("50%-10%"), ["Percent(50)", "Sym(\"-\")", "Percent(10)"]);
        assert_eq!(kinds("7 % 2"), ["Int(7)", "Sym(\"%\")", "Int(2)"]);
        assert_eq!(kinds("x%3"), ["Word(\"x\")", "Sym(\"%\")", "Int(3)"]);
        assert_eq!(kinds("(a) % 60"), ["Sym(\"(\")", "Word(\"a\")", "Sym(\")\")", "Sym(\"%\")", "Int(60)"]);
        assert_eq!(kinds("5 s % 2 s"), ["Int(5)", "Word(\"s\")", "Sym(\"%\")", "Int(2)", "Word(\"s\")"]);
        assert_eq!(kinds("7 % -2"), ["Int(7)", "Sym(\"%\")", "Sym(\"-\")", "Int(2)"]);
        assert_eq!(kinds("15% and"), ["Percent(15)", "Word(\"and\")"]);
        for clean in ["15%", "15%:", "15%)", "x % 3", "7 % 2", "n%2", "15% % 4", "7 % true"] {
            assert!(lex(clean).errors.is_empty(), "{clean}");
        }
    }

    #[test]
    fn a_percent_between_a_number_and_a_value_is_reported_with_its_fix() {
        // `7%2`: the remainder, reported; the fix puts spaces around `%`.
        let lexed = lex("7%2 == 1");
        assert_eq!(lexed.errors.len(), 1);
        assert_eq!(lexed.errors[0].code, codes::PERCENT_OR_REMAINDER);
        assert_eq!(lexed.errors[0].fix.as_ref().map(|f| f.replacement.as_str()), Some(" % "));
        assert_eq!(kinds("7%2"), ["Int(7)", "Sym(\"%\")", "Int(2)"]);
        assert_eq!(kinds("7%x"), ["Int(7)", "Sym(\"%\")", "Word(\"x\")"]);
        // `15 %` with no value after it: the number's percent sign, as nothing else fits.
        for src in ["15 %", "15 %: x", "15 %)", "15 % and x", "15 % at most", "15 %\n  at 5 s:", "15 % # c"] {
            let lexed = lex(src);
            assert!(lexed.errors.is_empty(), "{src}");
            assert_eq!(lexed.tokens[0], (Token::Percent(15), Span::new(0, 4)), "{src}");
        }
    }

    #[test]
    fn times_and_colons() {
        assert_eq!(kinds("07:30"), ["Time(450)"]);
        // A one-digit second number is no time: a ratio. A space makes `:` a separator again.
        assert_eq!(kinds("16:9 3:4 9:16"), ["Ratio(16, 9)", "Ratio(3, 4)", "Time(556)"]);
        assert_eq!(kinds("3: 4"), ["Int(3)", "Sym(\":\")", "Int(4)"]);
        assert_eq!(kinds("123:4"), ["Int(123)", "Sym(\":\")", "Int(4)"]);
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
    fn byte_order_mark_is_skipped() {
        let lexed = lex("\u{feff}use a");
        assert!(lexed.errors.is_empty());
        assert_eq!(kinds("\u{feff}use a"), ["Word(\"use\")", "Word(\"a\")"]);
        // Only at the very start.
        assert_eq!(lex("use\u{feff} a").errors.len(), 1);
    }

    #[test]
    fn operators_of_other_languages_read_as_glass_words() {
        let lexed = lex("a && b || !c != d");
        let words: Vec<String> = lexed.tokens.iter().map(|(t, _)| t.to_string()).collect();
        assert_eq!(words, ["`a`", "`and`", "`b`", "`or`", "`not`", "`c`", "`!=`", "`d`"]);
        let fixes: Vec<&str> = lexed.errors.iter().filter_map(|d| d.fix.as_ref()).map(|f| &*f.replacement).collect();
        assert_eq!(fixes, ["and", "or", "not"]);
    }

    #[test]
    fn typographic_quotes_are_reported_and_read_as_text() {
        let lexed = lex("say(message: \u{201c}hi there\u{201d})");
        assert_eq!(lexed.errors.len(), 2);
        assert!(lexed.tokens.iter().any(|(t, _)| *t == Token::Str("hi there")));
        // A closing straight quote is fine; an unclosed one reports only the opening quote.
        assert_eq!(lex("\u{201c}hi\"").errors.len(), 1);
        assert_eq!(lex("\u{201c}hi").errors.len(), 1);
    }

    #[test]
    fn names_with_letters_outside_ascii() {
        let lexed = lex("on bouton-appuyé: x");
        assert_eq!(lexed.tokens[1].0, Token::Word("bouton-appuyé"));
        assert_eq!(lexed.errors.len(), 1);
        let d = &lexed.errors[0];
        assert_eq!((d.primary.span.start, d.primary.span.end), (15, 17));
        assert_eq!(d.fix.as_ref().map(|f| f.replacement.as_str()), Some("bouton-appuye"));
        assert_eq!(lexed.garbled.len(), 1);
        // A letter with no plain form gets no fix; a symbol is not a letter.
        assert!(lex("on pressΩ: x").errors[0].fix.is_none());
        assert_eq!(lex("on 📸: x").errors[0].code, codes::UNEXPECTED_CHARACTER);
    }

    #[test]
    fn a_name_part_cannot_start_with_a_digit() {
        let lexed = lex("wifi-6e x-5 x-5s");
        assert_eq!(lexed.errors.len(), 1);
        assert_eq!(lexed.errors[0].code, codes::DIGIT_NAME_PART);
        assert_eq!(lexed.tokens[0].0, Token::Word("wifi-6e"));
        assert_eq!(lexed.errors[0].fix.as_ref().map(|f| f.replacement.as_str()), Some("wifi6e"));
    }

    #[test]
    fn unterminated_text() {
        let lexed = lex("\"abc\nx");
        assert_eq!(lexed.errors[0].code, codes::UNTERMINATED_TEXT);
    }

    #[test]
    fn a_backslash_at_the_end_of_a_line_does_not_carry_the_text_on() {
        let src = "on x: say(message: \"abc\\\non y: z\"";
        let lexed = lex(src);
        assert_eq!(lexed.errors[0].code, codes::UNTERMINATED_TEXT);
        assert_eq!(&src[lexed.errors[0].primary.span.range()], "\"abc\\");
        // The next line is read on its own.
        assert!(lexed.tokens.iter().any(|(t, _)| *t == Token::Word("y")));
    }
}
