//! Habits from other rule languages, read as what they mean in glass.
//!
//! Some mistakes are so regular that the rule they come from is clear: `when EVENT:` and `if`
//! from Home Assistant and IFTTT, `on every 10 s` (a timer is a trigger of its own), `then` between
//! actions, and a condition or an option written after the actions (`...: chime at most once per
//! minute`). Each is reported once, at the words at fault, with the rule as it should read, and
//! the rule's tokens are rearranged as if the fix were made so that the rest of it is still
//! checked. Everything here looks only at tokens outside brackets; what it does not recognise is
//! left to the parser.

use chumsky::span::SimpleSpan;

use super::lexer::Token;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::span::Span;

type Tokens<'s> = Vec<(Token<'s>, SimpleSpan)>;

fn span(s: SimpleSpan) -> Span {
    Span::new(s.start as u32, s.end as u32)
}

fn is_word(t: &Token, w: &str) -> bool {
    matches!(t, Token::Word(x) if *x == w)
}

/// Words of other rule languages that start a rule where glass writes `on`.
pub(super) const RULE_STARTS: &[&str] = &["when", "if"];

/// Rewrites the habits of a rule item (see the module documentation) and reports them.
pub(super) fn rewrite(text: &str, tokens: &mut Tokens<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // `rule NAME:` before the trigger.
    let start = match tokens.as_slice() {
        [(Token::Word("rule"), _), (Token::Word(_), _), (Token::Sym(":"), _), ..] => 3,
        _ => 0,
    };
    if let Some((Token::Word(w), at)) = tokens.get(start).copied()
        && RULE_STARTS.contains(&w)
    {
        out.push(
            Diagnostic::error(codes::SYNTAX, format!("a rule starts with `on`, not `{w}`"), span(at))
                .with_label_message(format!("write `on` for `{w}`"))
                .with_help(format!(
                    "glass rules read `on EVENT [while CONDITION]: ACTION`; write `on` in place of `{w}`"
                ))
                .with_fix("write `on`", span(at), "on"),
        );
        tokens[start].0 = Token::Word("on");
    }
    // `on every 10 min`, and after `or` (`on press or on every 10 min`).
    let mut k = start;
    while k < tokens.len() {
        let (Some((Token::Word("on"), on)), Some((Token::Word("every"), every))) =
            (tokens.get(k).copied(), tokens.get(k + 1).copied())
        else {
            k = (k + 1..tokens.len()).find(|&j| is_word(&tokens[j - 1].0, "or")).unwrap_or(tokens.len());
            continue;
        };
        out.push(
            Diagnostic::error(codes::SYNTAX, "`every` starts a trigger on its own, without `on`", span(on))
                .with_label_message("`on` before `every`")
                .with_help(format!(
                    "a timer is a trigger of its own: write `{}` without `on`",
                    shown(text, every.start, tokens.iter().find(|(t, _)| *t == Token::Sym(":")).map(|(_, s)| s.start))
                ))
                .with_fix("remove `on`", Span::new(on.start as u32, every.start as u32), ""),
        );
        tokens.remove(k);
    }
    let depth0 = depth_zero(tokens);
    let Some(colon) = (start..tokens.len()).find(|&k| depth0[k] && tokens[k].0 == Token::Sym(":")) else {
        return out;
    };
    if let Some(d) = where_without_payload(text, tokens, start, colon, &depth0) {
        out.push(d);
    }
    let depth0 = depth_zero(tokens);
    let Some(colon) = (start..tokens.len()).find(|&k| depth0[k] && tokens[k].0 == Token::Sym(":")) else {
        return out;
    };
    let while_before = (start..colon).any(|k| depth0[k] && is_word(&tokens[k].0, "while"));
    // `on button-press if driving: ...`
    if !while_before
        && let Some(k) =
            (start + 1..colon).find(|&k| depth0[k] && matches!(tokens[k].0, Token::Word(w) if RULE_STARTS.contains(&w)))
    {
        let (Token::Word(w), at) = tokens[k] else { unreachable!("found a word") };
        out.push(
            Diagnostic::error(codes::SYNTAX, format!("a condition is written with `while`, not `{w}`"), span(at))
                .with_label_message(format!("write `while` for `{w}`"))
                .with_help(
                    "a rule reads `on EVENT while CONDITION: ACTION`, as in `on button-press while driving: chime`",
                )
                .with_fix("write `while`", span(at), "while"),
        );
        tokens[k].0 = Token::Word("while");
    }
    condition_words(tokens, start, colon, &depth0, &mut out);
    let depth0 = depth_zero(tokens);
    let Some(colon) = (start..tokens.len()).find(|&k| depth0[k] && tokens[k].0 == Token::Sym(":")) else {
        return out;
    };
    then_between_actions(tokens, colon, &depth0, &mut out);
    delays_after_actions(text, tokens, colon, &mut out);
    let depth0 = depth_zero(tokens);
    if let Some(d) = clauses_after_actions(text, tokens, start, colon, while_before, &depth0) {
        out.push(d);
    }
    out
}

/// Whether each token is outside brackets (brackets themselves are not).
fn depth_zero(tokens: &Tokens<'_>) -> Vec<bool> {
    let mut depth = 0usize;
    tokens
        .iter()
        .map(|(t, _)| {
            let outside = depth == 0 && !matches!(t, Token::Sym("(" | "{" | ")" | "}"));
            match t {
                Token::Sym("(" | "{") => depth += 1,
                Token::Sym(")" | "}") => depth = depth.saturating_sub(1),
                _ => {}
            }
            outside
        })
        .collect()
}

/// The source from `from` up to `to` (or the end), on one line, for a help line.
fn shown(text: &str, from: usize, to: Option<usize>) -> String {
    let to = to.unwrap_or(text.len()).min(text.len());
    text.get(from..to).unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `where` after a state change, which has no payload fields for it to filter (spec §5): the
/// condition goes in `while`. The `where` becomes `while`, or, when the rule has a `while`
/// already, the two conditions are joined with `and`. A `where` after a sequence's window is
/// [`where_after_within`]'s.
fn where_without_payload(
    text: &str,
    tokens: &mut Tokens<'_>,
    start: usize,
    colon: usize,
    depth0: &[bool],
) -> Option<Diagnostic> {
    let outside = |k: usize, w: &str| depth0[k] && is_word(&tokens[k].0, w);
    if !outside(start, "on") {
        return None;
    }
    if (start..colon).any(|k| outside(k, "then")) {
        return where_after_within(text, tokens, start, colon, depth0);
    }
    let at = (start..colon).find(|&k| outside(k, "where"))?;
    // Of the trigger the `where` is in: `on s becomes v or e where ...` filters `e`.
    let trigger = (start..at).rev().find(|&k| outside(k, "or")).map_or(start, |k| k + 1);
    let what = if (trigger..at).any(|k| ["becomes", "changes", "below", "above"].iter().any(|w| outside(k, w))) {
        "a state change"
    } else {
        return None;
    };
    let at_span = tokens[at].1;
    // The filter runs to the `while`, an option or the `:`.
    let option = |k: usize| {
        depth0[k]
            && (is_word(&tokens[k].0, "mode")
                || is_word(&tokens[k].0, "limit")
                || is_word(&tokens[k].0, "at") && tokens.get(k + 1).is_some_and(|(t, _)| is_word(t, "most")))
    };
    let filter_end = (at + 1..colon).find(|&k| outside(k, "while") || option(k)).unwrap_or(colon);
    if filter_end == at + 1 {
        return None;
    }
    let head = shown(text, tokens[start].1.start, Some(at_span.start));
    let d = Diagnostic::error(
        codes::SYNTAX,
        format!("{what} has no payload fields, so `where` has nothing to filter"),
        span(at_span),
    )
    .with_label_message(format!("`where` after {what}"));
    if !outside(filter_end, "while") {
        let rest = shown(text, tokens[at + 1].1.start, Some(tokens[colon].1.end));
        tokens[at].0 = Token::Word("while");
        return Some(
            d.with_help(format!(
                "`where` filters the payload of an event; put the condition in `while`: `{head} while {rest} ...`"
            ))
            .with_fix("write `while`", span(at_span), "while"),
        );
    }
    // `where C1 while C2` reads `while C2 and C1`, each in brackets if it has an `or`.
    let cond_end = (filter_end + 1..colon).find(|&k| option(k)).unwrap_or(colon);
    if cond_end == filter_end + 1 {
        return None;
    }
    let has_or = |a: usize, b: usize| (a..b).any(|k| outside(k, "or"));
    let wrap = |a: usize, b: usize| {
        let t = shown(text, tokens[a].1.start, Some(tokens[b - 1].1.end));
        if has_or(a, b) { format!("({t})") } else { t }
    };
    let joined = format!("while {} and {}", wrap(filter_end + 1, cond_end), wrap(at + 1, filter_end));
    let fix_span = Span::new(at_span.start as u32, tokens[cond_end - 1].1.end as u32);
    let d = d
        .with_help(format!(
            "`where` filters the payload of an event; join the condition with the `while`: `{head} {joined}`"
        ))
        .with_fix("join it with the `while`", fix_span, joined);
    // The tokens, as if the fix were made.
    let zero = |s: SimpleSpan| SimpleSpan::from(s.start..s.start);
    let side = |a: usize, b: usize| {
        let mut part: Tokens<'_> = tokens[a..b].to_vec();
        if has_or(a, b) {
            part.insert(0, (Token::Sym("("), zero(tokens[a].1)));
            part.push((Token::Sym(")"), zero(tokens[b - 1].1)));
        }
        part
    };
    let mut rebuilt: Tokens<'_> = tokens[..at].to_vec();
    rebuilt.push((Token::Word("while"), tokens[filter_end].1));
    rebuilt.extend(side(filter_end + 1, cond_end));
    rebuilt.push((Token::Word("and"), at_span));
    rebuilt.extend(side(at + 1, filter_end));
    rebuilt.extend_from_slice(&tokens[cond_end..]);
    *tokens = rebuilt;
    Some(d)
}

/// `on a then b within 2 s where C`: a `where` filters one step of a sequence and goes right
/// after that step's event. The help shows the filter after the last step (joined with `and` to
/// the one it has), the likely meaning, and the tokens are moved there so the filter is still
/// checked; which step was meant is not certain, so there is no fix.
fn where_after_within(
    text: &str,
    tokens: &mut Tokens<'_>,
    start: usize,
    colon: usize,
    depth0: &[bool],
) -> Option<Diagnostic> {
    let outside = |k: usize, w: &str| depth0[k] && is_word(&tokens[k].0, w);
    let within = (start..colon).find(|&k| outside(k, "within"))?;
    let at = (within..colon).find(|&k| outside(k, "where"))?;
    // The filter runs to the `while`, an option or the `:`.
    let option = |k: usize| {
        depth0[k]
            && (is_word(&tokens[k].0, "mode")
                || is_word(&tokens[k].0, "limit")
                || is_word(&tokens[k].0, "at") && tokens.get(k + 1).is_some_and(|(t, _)| is_word(t, "most")))
    };
    let filter_end = (at + 1..colon).find(|&k| outside(k, "while") || option(k)).unwrap_or(colon);
    if filter_end == at + 1 {
        return None;
    }
    let last_then = (start..within).rev().find(|&k| outside(k, "then"))?;
    let earlier = (last_then..within).find(|&k| outside(k, "where"));
    let has_or = |a: usize, b: usize| (a..b).any(|k| outside(k, "or"));
    let source = |a: usize, b: usize| shown(text, tokens[a].1.start, Some(tokens[b - 1].1.end));
    let wrap = |a: usize, b: usize| if has_or(a, b) { format!("({})", source(a, b)) } else { source(a, b) };
    let trigger = match earlier {
        Some(w) => format!(
            "{} where {} and {} {}",
            source(start, w),
            wrap(w + 1, within),
            wrap(at + 1, filter_end),
            source(within, at)
        ),
        None => format!("{} where {} {}", source(start, within), source(at + 1, filter_end), source(within, at)),
    };
    let d = Diagnostic::error(
        codes::SYNTAX,
        "`where` filters one step of a sequence and goes right after that step's event",
        span(tokens[at].1),
    )
    .with_label_message("`where` after `within`")
    .with_help(format!("write `{trigger}`"));
    // The tokens, as if the filter were written after the last step.
    let zero = |s: SimpleSpan| SimpleSpan::from(s.start..s.start);
    let side = |a: usize, b: usize| {
        let mut part: Tokens<'_> = tokens[a..b].to_vec();
        if has_or(a, b) {
            part.insert(0, (Token::Sym("("), zero(tokens[a].1)));
            part.push((Token::Sym(")"), zero(tokens[b - 1].1)));
        }
        part
    };
    let mut rebuilt: Tokens<'_> = Vec::with_capacity(tokens.len() + 4);
    match earlier {
        Some(w) => {
            rebuilt.extend_from_slice(&tokens[..=w]);
            rebuilt.extend(side(w + 1, within));
            rebuilt.push((Token::Word("and"), tokens[at].1));
            rebuilt.extend(side(at + 1, filter_end));
        }
        None => {
            rebuilt.extend_from_slice(&tokens[..within]);
            rebuilt.extend_from_slice(&tokens[at..filter_end]);
        }
    }
    rebuilt.extend_from_slice(&tokens[within..at]);
    rebuilt.extend_from_slice(&tokens[filter_end..]);
    *tokens = rebuilt;
    Some(d)
}

/// In a condition: `motion is still` (`==`), `is not` (`!=`), and `for more than 10 min` (a held
/// condition's duration is already the least time it has held).
fn condition_words(tokens: &mut Tokens<'_>, start: usize, colon: usize, depth0: &[bool], out: &mut Vec<Diagnostic>) {
    let Some(cond) =
        (start..colon).find(|&k| depth0[k] && (is_word(&tokens[k].0, "while") || is_word(&tokens[k].0, "where")))
    else {
        return;
    };
    let mut removed: Vec<usize> = Vec::new();
    for k in cond + 1..colon {
        if !depth0[k] {
            continue;
        }
        let next = tokens.get(k + 1).map(|(t, _)| *t);
        if is_word(&tokens[k].0, "is") {
            let negated = next.is_some_and(|t| is_word(&t, "not"));
            let (op, end) = if negated { ("!=", tokens[k + 1].1.end) } else { ("==", tokens[k].1.end) };
            let at = Span::new(tokens[k].1.start as u32, end as u32);
            out.push(
                Diagnostic::error(
                    codes::SYNTAX,
                    format!("glass compares with `{op}`, not `{}`", if negated { "is not" } else { "is" }),
                    at,
                )
                .with_label_message(format!("write `{op}`"))
                .with_help(format!("a condition compares a value with `{op}`, as in `motion {op} still`"))
                .with_fix(format!("write `{op}`"), at, op),
            );
            tokens[k].0 = Token::Sym(op);
            if negated {
                removed.push(k + 1);
            }
        } else if is_word(&tokens[k].0, "for")
            && let Some((words, n)) = match (next, tokens.get(k + 2).map(|(t, _)| *t)) {
                (Some(Token::Word(a @ ("more" | "at"))), Some(Token::Word(b @ ("than" | "least")))) => {
                    Some((format!("{a} {b}"), 2))
                }
                (Some(Token::Word(a @ ("over" | "longer"))), _) => Some((a.to_string(), 1)),
                _ => None,
            }
        {
            let from = tokens[k + 1].1.start;
            let to = tokens.get(k + n + 1).map_or(tokens[k + n].1.end, |(_, s)| s.start);
            out.push(
                Diagnostic::error(
                    codes::SYNTAX,
                    format!("`for` takes the duration alone, without `{words}`"),
                    span(SimpleSpan::from(from..tokens[k + n].1.end)),
                )
                .with_label_message(format!("`{words}` after `for`"))
                .with_help(format!(
                    "`C for D` is true once `C` has held for `D` or longer, which `{words}` meant already: remove it"
                ))
                .with_fix(format!("remove `{words}`"), Span::new(from as u32, to as u32), ""),
            );
            removed.extend(k + 1..=k + n);
        }
    }
    for k in removed.into_iter().rev() {
        tokens.remove(k);
    }
}

/// A delay written after its action, or as an action of its own: `chime after 5 min`, `chime in
/// 5 min`, `chime 5 minutes later`, `wait 5 s, chime`. glass writes `after 5 min chime`.
fn delays_after_actions(text: &str, tokens: &mut Tokens<'_>, colon: usize, out: &mut Vec<Diagnostic>) {
    let depth0 = depth_zero(tokens);
    // Each action, as token ranges between depth-0 `,`.
    let mut actions: Vec<(usize, usize)> = Vec::new();
    let mut from = colon + 1;
    for k in colon + 1..=tokens.len() {
        if k == tokens.len() || depth0[k] && tokens[k].0 == Token::Sym(",") {
            actions.push((from, k));
            from = k + 1;
        }
    }
    let duration = |a: usize| -> Option<usize> {
        // `5 min`, `5`: the tokens of a duration starting at `a`, as its end.
        match (tokens.get(a).map(|(t, _)| *t), tokens.get(a + 1).map(|(t, _)| *t)) {
            (Some(Token::Int(_)), Some(Token::Word(u))) if super::units::unit_millis(u).is_some() => Some(a + 2),
            (Some(Token::Int(_)), _) => Some(a + 1),
            _ => None,
        }
    };
    // (action start, action end, delay start, delay end, tokens to drop) for each rewrite, last first.
    let mut rewrites: Vec<(usize, usize, usize, usize, Vec<usize>)> = Vec::new();
    // The action a `wait` took: it is not rewritten again.
    let mut taken = None;
    for (n, &(a, b)) in actions.iter().enumerate() {
        if b <= a + 1 || taken == Some(n) {
            continue;
        }
        // `wait 5 s, chime`: the delay is the action before the next one.
        if matches!(tokens[a].0, Token::Word("wait" | "delay" | "sleep" | "pause"))
            && duration(a + 1) == Some(b)
            && let Some(&(next_a, next_b)) = actions.get(n + 1)
            && next_b > next_a
        {
            rewrites.push((next_a, next_b, a + 1, b, vec![a, b]));
            taken = Some(n + 1);
            continue;
        }
        for k in a + 1..b {
            let found = match tokens[k].0 {
                Token::Word("after" | "in") if depth0[k] => {
                    duration(k + 1).filter(|&e| e == b).map(|e| (k + 1, e, vec![k]))
                }
                Token::Int(_) if depth0[k] => {
                    duration(k).filter(|&e| e + 1 == b && is_word(&tokens[e].0, "later")).map(|e| (k, e, vec![e]))
                }
                _ => None,
            };
            if let Some((da, db, drop)) = found {
                rewrites.push((a, k, da, db, drop));
                break;
            }
        }
    }
    for (a, b, da, db, drop) in rewrites.into_iter().rev() {
        let delay = shown(text, tokens[da].1.start, Some(tokens[db - 1].1.end));
        let action = shown(text, tokens[a].1.start, Some(tokens[b - 1].1.end));
        let whole = (a.min(da.saturating_sub(1)), b.max(db).max(drop.iter().copied().max().unwrap_or(0) + 1));
        let fix_span = Span::new(tokens[whole.0].1.start as u32, tokens[whole.1 - 1].1.end as u32);
        let written = format!("after {delay} {action}");
        out.push(
            Diagnostic::error(codes::SYNTAX, "a delay is written before its action, with `after`", fix_span)
                .with_label_message("a delay written here")
                .with_help(format!("write `{written}`: `after D ACTION` runs ACTION a time `D` after the rule runs"))
                .with_fix(format!("write `{written}`"), fix_span, written.clone()),
        );
        // The tokens, as if the fix were made: `after`, the delay, the action.
        let after = (Token::Word("after"), tokens[drop[0]].1);
        let mut rebuilt: Tokens<'_> = vec![after];
        rebuilt.extend_from_slice(&tokens[da..db]);
        rebuilt.extend_from_slice(&tokens[a..b]);
        tokens.splice(whole.0..whole.1, rebuilt);
    }
}

/// `chime then say(...)`: actions are separated by `,` and run in the order written.
fn then_between_actions(tokens: &mut Tokens<'_>, colon: usize, depth0: &[bool], out: &mut Vec<Diagnostic>) {
    let mut depth0 = depth0.to_vec();
    let mut k = colon + 1;
    while k < tokens.len() {
        if !(depth0[k] && is_word(&tokens[k].0, "then")) {
            k += 1;
            continue;
        }
        let at = tokens[k].1;
        let d = Diagnostic::error(codes::SYNTAX, "actions are separated by `,`, not `then`", span(at))
            .with_label_message("`then` between actions")
            .with_help(
                "actions run one after the other in the order written: write `chime, say(message: \"...\")`; to wait between them, write `after 2 s ACTION`",
            );
        if tokens[k - 1].0 == Token::Sym(",") {
            let from = tokens[k - 1].1.end;
            out.push(d.with_fix("remove `then`", Span::new(from as u32, at.end as u32), ""));
            tokens.remove(k);
            depth0.remove(k);
        } else {
            out.push(d.with_fix("write `,`", span(at), ","));
            tokens[k].0 = Token::Sym(",");
            k += 1;
        }
    }
}

/// Where a clause that belongs before the `:` starts among the actions: `while`, `at most`,
/// `mode single|restart|queued`, `limit NAME`. Returns how many tokens it has at least.
fn clause_start(tokens: &Tokens<'_>, k: usize, while_allowed: bool) -> Option<usize> {
    let next = tokens.get(k + 1).map(|(t, _)| *t);
    match tokens[k].0 {
        Token::Word("while") if while_allowed => Some(1),
        Token::Word("at") if next.is_some_and(|t| is_word(&t, "most")) => Some(2),
        Token::Word("mode") if matches!(next, Some(Token::Word("single" | "restart" | "queued"))) => Some(2),
        Token::Word("limit") if matches!(next, Some(Token::Word(_))) => Some(2),
        _ => None,
    }
}

/// A condition or options written after the actions (`on button-press: chime at most once per
/// minute`): one error for the rule, with the rule as it should read, and the clauses moved
/// before the `:` (the condition first, the options after any already there).
fn clauses_after_actions(
    text: &str,
    tokens: &mut Tokens<'_>,
    start: usize,
    colon: usize,
    while_before: bool,
    depth0: &[bool],
) -> Option<Diagnostic> {
    // The clauses, as token ranges, in order.
    let mut clauses: Vec<(usize, usize)> = Vec::new();
    let mut k = colon + 1;
    while k < tokens.len() {
        let Some(least) = depth0[k].then(|| clause_start(tokens, k, !while_before)).flatten() else {
            k += 1;
            continue;
        };
        let mut end = k + least;
        if !is_word(&tokens[k].0, "mode") && !is_word(&tokens[k].0, "limit") {
            while end < tokens.len()
                && !(depth0[end] && (tokens[end].0 == Token::Sym(",") || clause_start(tokens, end, true).is_some()))
            {
                end += 1;
            }
        }
        let end = end.min(tokens.len());
        // A second `while` among the actions is not moved: a rule has one condition.
        if is_word(&tokens[k].0, "while") && clauses.iter().any(|&(a, _)| is_word(&tokens[a].0, "while")) {
            return None;
        }
        clauses.push((k, end));
        k = end;
    }
    if clauses.is_empty() {
        return None;
    }
    // Tokens removed from the actions: each clause, with the `,` before it (`chime, at most ...`),
    // or after it when it comes first (`: at most ..., chime`).
    let mut removed = vec![false; tokens.len()];
    for &(a, b) in &clauses {
        removed[a..b].iter_mut().for_each(|r| *r = true);
        if a > colon + 1 && tokens[a - 1].0 == Token::Sym(",") {
            removed[a - 1] = true;
        } else if a == colon + 1 && tokens.get(b).is_some_and(|(t, _)| *t == Token::Sym(",")) {
            removed[b] = true;
        }
    }
    let is_while = |&(a, _): &(usize, usize)| is_word(&tokens[a].0, "while");
    let condition = clauses.iter().copied().find(|c| is_while(c));
    let options: Vec<(usize, usize)> = clauses.iter().copied().filter(|c| !is_while(c)).collect();
    // A condition goes before the options already there, options before the `:`.
    let first_option = (start..colon).find(|&k| depth0[k] && clause_start(tokens, k, false).is_some()).unwrap_or(colon);
    let insert = if condition.is_some() { first_option } else { colon };
    let actions: Vec<usize> = (colon + 1..tokens.len()).filter(|&k| !removed[k]).collect();
    if actions.is_empty() {
        return None;
    }
    let clause_text = |(a, b): (usize, usize)| shown(text, tokens[a].1.start, Some(tokens[b - 1].1.end));
    // The text from the insertion point to the end of the rule, rearranged.
    let mut parts: Vec<String> = Vec::new();
    parts.extend(condition.map(clause_text));
    if condition.is_some() && first_option < colon {
        parts.push(shown(text, tokens[first_option].1.start, Some(tokens[colon - 1].1.end)));
    }
    parts.extend(options.iter().copied().map(clause_text));
    let mut action_text = String::new();
    for (n, &k) in actions.iter().enumerate() {
        if n > 0 {
            let prev = actions[n - 1];
            if prev + 1 == k {
                action_text.push_str(&text[tokens[prev].1.end..tokens[k].1.start]);
            } else if !matches!(tokens[k].0, Token::Sym("," | ")")) {
                action_text.push(' ');
            }
        }
        action_text.push_str(&text[tokens[k].1.start..tokens[k].1.end]);
    }
    let from = tokens[insert].1.start;
    let to = tokens.last().map_or(from, |(_, s)| s.end);
    let space = if text[..from].ends_with(char::is_whitespace) { "" } else { " " };
    let replacement = format!("{space}{}: {}", parts.join(" "), action_text.trim());
    let whole = format!("{}{replacement}", shown(text, tokens[start].1.start, Some(from)));
    let what = match (condition.is_some(), options.is_empty()) {
        (true, true) => "the condition goes",
        (true, false) => "the condition and the options go",
        (false, _) if options.len() == 1 => "an option goes",
        (false, _) => "options go",
    };
    let first = clauses[0];
    let at = Span::new(tokens[first.0].1.start as u32, tokens[first.1 - 1].1.end as u32);
    let d = Diagnostic::error(codes::SYNTAX, format!("{what} before the `:`, not after the actions"), at)
        .with_label_message(if condition.is_some() && options.is_empty() {
            "a condition after the actions"
        } else {
            "an option after the actions"
        })
        .with_help(format!("a rule reads `on TRIGGER [while CONDITION] [OPTIONS]: ACTIONS`: write `{whole}`"))
        .with_fix("move it before the `:`", Span::new(from as u32, to as u32), replacement);
    // The tokens, as if the fix were made.
    let mut order: Vec<usize> = (0..insert).collect();
    if let Some((a, b)) = condition {
        order.extend(a..b);
        order.extend(insert..colon);
    }
    for &(a, b) in &options {
        order.extend(a..b);
    }
    if condition.is_none() {
        order.extend(insert..colon);
    }
    order.push(colon);
    order.extend(actions);
    *tokens = order.into_iter().map(|k| tokens[k]).collect();
    Some(d)
}
