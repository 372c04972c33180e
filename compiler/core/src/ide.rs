//! Editor queries answered from the same analyses as `glassc check`: what a name refers to, its
//! description for hover, and where it is defined. Pure: positions are byte offsets.

use crate::check::Target;
use crate::db::{FileItem, SourceFile, Workspace, check_item, file_items, pack_scope, parse_item, profile_index};
use crate::model::{ActionDef, Origin, ParamDef, Takes, unit_suffix};
use crate::scope::Scope;
use crate::span::Span;
use crate::syntax::ast::ItemKind;
use crate::syntax::units::duration_text;

/// What the name under the cursor refers to.
pub enum Resolved {
    Target(Target),
    Profile(String),
}

/// The name at `offset` in `file`, with its absolute span.
pub fn resolve_at(db: &dyn salsa::Database, ws: Workspace, file: SourceFile, offset: u32) -> Option<(Span, Resolved)> {
    let (item, relative) = item_at(db, file, offset)?;
    match &parse_item(db, item.text).item.kind {
        ItemKind::Rule(_) | ItemKind::Test(_) => {
            let checked = check_item(db, ws, file, item.text);
            let r = checked.references.iter().find(|r| r.span.contains(relative))?;
            Some((r.span.shift(item.offset), Resolved::Target(r.target.clone())))
        }
        ItemKind::Use(names) => {
            let n = names.iter().find(|n| n.span.contains(relative))?;
            Some((n.span.shift(item.offset), Resolved::Profile(n.node.clone())))
        }
        ItemKind::Profile(p) => {
            let n = p.implements.iter().find(|n| n.span.contains(relative))?;
            Some((n.span.shift(item.offset), Resolved::Profile(n.node.clone())))
        }
        // A limit's declaration names it, for hover, references and rename.
        ItemKind::Limit(l) if l.name.span.contains(relative) => {
            let i = pack_scope(db, ws, file).limits.iter().position(|d| d.span == l.name.span.shift(item.offset))?;
            Some((l.name.span.shift(item.offset), Resolved::Target(Target::Limit(i))))
        }
        _ => None,
    }
}

/// Markdown describing the name at `offset`: its kind, type, cost and documentation.
pub fn hover(db: &dyn salsa::Database, ws: Workspace, file: SourceFile, offset: u32) -> Option<(Span, String)> {
    let Some((span, resolved)) = resolve_at(db, ws, file, offset) else { return keyword_hover(file.text(db), offset) };
    let scope = pack_scope(db, ws, file);
    let text = match resolved {
        Resolved::Profile(name) => {
            let profiles = &profile_index(db, ws).by_name;
            let p = profiles.get(&name)?.clone();
            let kind = if p.family { "family" } else { "profile" };
            let mut s = format!("**{kind}** `{}` — device `{}`", p.name, p.device.name);
            push_doc(&mut s, p.doc.as_deref());
            s.push_str(&format!(
                "\n\n{} events, {} states, {} actions",
                p.events.len(),
                p.states.len(),
                p.actions.len()
            ));
            if p.family {
                let products: Vec<String> =
                    crate::family::implementers(profiles, &p.name).map(|q| format!("`{}`", q.name)).collect();
                s.push_str(&match products.as_slice() {
                    [] => "\n\nNo profile implements it yet.".to_string(),
                    _ => format!(
                        "\n\nImplemented by {}: a pack for it is checked, built and tested for each.",
                        products.join(", ")
                    ),
                });
            } else if !p.implements.is_empty() {
                let families: Vec<String> = p.implements.iter().map(|(f, _)| format!("`{f}`")).collect();
                s.push_str(&format!("\n\nImplements {}.", families.join(", ")));
            }
            s
        }
        Resolved::Target(target) => describe(&scope, &target)?,
    };
    Some((span, text))
}

/// The forms a keyword starts, as the spec writes them (`spec/language.md`).
const KEYWORD_DOCS: &[(&str, &str)] = &[
    ("on", "`on EVENT`, `on STATE becomes V`, `on C for D`, `on A then B within D`: what starts a rule (§5)"),
    ("every", "`every D` or `every day at HH:MM`: a rule on a timer (§5.3)"),
    (
        "or",
        "`on A or B`: the rule runs on either trigger, each with its own `where`; `while`, the options and the actions are shared (§5.6); in a condition, either side is true (§6)",
    ),
    ("while", "`while C`: the rule runs only when condition `C` holds at its trigger (§6)"),
    (
        "where",
        "`on EVENT where C`: a filter on the event's payload fields (§5.1); in a sequence, each step may have its own, right after its event, reading its fields and the earlier steps' (`on A where C then B where C2 within D`, §5.4)",
    ),
    (
        "then",
        "`on A then B within D`: a sequence of events, all within `D` of the first; a step may have its own `where`, and the last may be `then no B`: the window ends without a `B` (§5.4)",
    ),
    (
        "within",
        "`on A then B within D`: the time the whole sequence must fit in, counted from its first event; with `then no B`, the time in which no `B` may come (§5.4)",
    ),
    (
        "no",
        "`then no B`: the last step of a sequence, which completes when its window ends without a `B` (one that passes `B`'s `where`, if it has one) (§5.4); `expect no ACTION`: a test step, the action is not called (§12)",
    ),
    (
        "for",
        "`C for D`: condition `C` has held without a break for `D`; as a trigger it fires once, and again only after `C` was false (§5.5, §6)",
    ),
    (
        "limit",
        "`limit NAME: at most N times per W` declares a rate limit rules share; the option `limit NAME` (before the `:`) makes a rule's runs count against it, whichever of the rules runs (§7.3)",
    ),
    ("after", "`after D ACTION`: runs the action `D` after the rule ran; its arguments are read now (§8)"),
    ("set", "`set VAR = EXPR`: gives a pack variable a new value, and runs the rules that watch it (§8)"),
    (
        "if",
        "`if C { ACTIONS } else if C2 { ACTIONS } else { ACTIONS }`: runs the first branch whose condition holds when the rule runs (§8)",
    ),
    ("else", "`else if C { ACTIONS }` or `else { ACTIONS }`: what runs when no branch before it applied (§8)"),
    (
        "family",
        "`family NAME { MEMBERS }`: what every product of a kind has; a pack that uses it runs on every profile that says `implements NAME` (§13.2)",
    ),
    (
        "implements",
        "`profile NAME implements FAMILY`: this product has every member of the family, so packs for the family run on it (§13.2)",
    ),
    (
        "matches",
        "`TEXT matches \"hey glass\"`: the two texts have the same words, case, spaces and punctuation aside (`\"Hey, Glass!\"` matches); `==` compares them exactly (§6)",
    ),
    (
        "contains",
        "`TEXT contains \"take photo\"`: the words appear in the text, in order and whole, case, spaces and punctuation aside (`\"OK, take photo now\"` contains it, `\"take photograph\"` does not) (§6)",
    ),
];

/// A hover for the keyword at `offset` that starts a form of the language.
fn keyword_hover(text: &str, offset: u32) -> Option<(Span, String)> {
    use crate::syntax::lexer::{Token, lex};
    // Only the line of the cursor: a keyword never spans lines, and a large pack is not re-lexed.
    let at = text.floor_char_boundary(offset as usize);
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let lexed = lex(&text[start..end]);
    let local = u32::try_from(at - start).ok()?;
    let (token, span) = lexed.tokens.iter().find(|(_, s)| s.start <= local && local < s.end)?;
    let Token::Word(word) = token else { return None };
    let (_, doc) = KEYWORD_DOCS.iter().find(|(k, _)| k == word)?;
    let base = u32::try_from(start).ok()?;
    Some((Span::new(base + span.start, base + span.end), format!("**keyword** `{word}`\n\n{doc}")))
}

/// Where the name at `offset` is declared.
pub fn definition(db: &dyn salsa::Database, ws: Workspace, file: SourceFile, offset: u32) -> Option<Origin> {
    let (_, resolved) = resolve_at(db, ws, file, offset)?;
    let scope = pack_scope(db, ws, file);
    Some(match resolved {
        Resolved::Profile(name) => profile_index(db, ws).by_name.get(&name)?.origin.clone(),
        Resolved::Target(target) => match target {
            Target::Event(i) => scope.events.get(i)?.origin.clone(),
            Target::State(i) => scope.states.get(i)?.origin.clone(),
            Target::Action(i) => scope.actions.get(i)?.origin.clone(),
            Target::ActionParam(a, p) => scope.actions.get(a)?.params.get(p)?.origin.clone(),
            Target::EventParam(e, p) | Target::StepParam(_, e, p) => scope.events.get(e)?.params.get(p)?.origin.clone(),
            Target::EnumVariant(e, _) => scope.enums.get(e)?.origin.clone(),
            Target::Var(i) => Origin { file: file.path(db).clone(), span: scope.vars.get(i)?.span },
            Target::Limit(i) => Origin { file: file.path(db).clone(), span: scope.limits.get(i)?.span },
            // Built into the language: declared nowhere.
            Target::TimeOfDay => return None,
        },
    })
}

/// The hover text of a resolved name.
pub fn describe(scope: &Scope, target: &Target) -> Option<String> {
    Some(match target {
        Target::Event(i) => {
            let e = scope.events.get(*i)?;
            let mut s = format!("**event** `{}{}`", scope.event_qualified(*i), params(&e.params));
            s.push_str(&format!("\n\nshort form: `{}`", scope.event_short(*i)));
            if let Some((count, window)) = e.max_rate {
                s.push_str(&format!("; at most {count} per {}", millis(window)));
            }
            push_doc(&mut s, e.doc.as_deref());
            if e.link.is_some() {
                push_doc(&mut s, Some(&supplied(scope, &e.device)));
            }
            s
        }
        Target::State(i) => {
            let st = scope.states.get(*i)?;
            let mut s = format!("**state** `{}`: {}{}", scope.state_qualified(*i), st.ty, unit_suffix(&st.unit));
            push_doc(&mut s, st.doc.as_deref());
            if st.link.is_some() {
                push_doc(&mut s, Some(&supplied(scope, &st.device)));
            }
            s
        }
        Target::Action(i) => action(scope, *i, scope.actions.get(*i)?),
        Target::Var(i) => {
            let v = scope.vars.get(*i)?;
            let range = v.range.map(|(lo, hi)| format!(" {lo}..{hi}")).unwrap_or_default();
            let init = v.init.as_ref().map(|c| format!(" = {}", c)).unwrap_or_default();
            format!("**variable** `{}`: {}{range}{}{init}", v.name, v.ty, unit_suffix(&v.unit))
        }
        Target::ActionParam(a, p) => param("parameter", scope.actions.get(*a)?.params.get(*p)?),
        Target::EventParam(e, p) => param("payload field", scope.events.get(*e)?.params.get(*p)?),
        Target::StepParam(step, e, p) => format!(
            "{}\n\nof `{}`, step {} of the sequence",
            param("payload field", scope.events.get(*e)?.params.get(*p)?),
            scope.event_qualified(*e),
            step + 1
        ),
        Target::EnumVariant(e, v) => {
            let en = scope.enums.get(*e)?;
            format!("**value** `{}` of `{}` {{ {} }}", en.variants.get(*v)?, en.name, en.variants.join(", "))
        }
        Target::TimeOfDay => TIME_OF_DAY_DOC.to_string(),
        Target::Limit(i) => {
            let l = scope.limits.get(*i)?;
            format!(
                "**limit** `{}`: {}\n\nShared by every rule with `limit {}`: their runs together count against it.",
                l.name,
                at_most(l),
                l.name
            )
        }
    })
}

/// The hover text of `time-of-day`.
const TIME_OF_DAY_DOC: &str = "**built-in** `time-of-day`: Time\n\nThe time of day at which the rule runs, in whole minutes (`00:00` to `23:59`). Compare it with times (`time-of-day >= 22:00 or time-of-day < 06:00`) or move it by a constant duration (`time-of-day + 30 min`, which goes round midnight).";

/// Where a link member comes from, for hover.
fn supplied(scope: &Scope, device: &str) -> String {
    let via =
        scope.devices.iter().find(|d| &*d.name == device).and_then(|d| d.via.as_deref()).unwrap_or("another device");
    format!(
        "Supplied by the toolchain: `{device}` is reached through `{via}`, and the link layer reports the state \
         `{device}.connected` and the events `{device}.connected` and `{device}.disconnected`."
    )
}

fn action(scope: &Scope, i: usize, a: &ActionDef) -> String {
    let mut s = format!("**action** `{}{}`", scope.action_qualified(i), params(&a.params));
    let mut facts = vec![format!("draws {} mW", a.cost_mw)];
    match &a.takes {
        Some(Takes::Millis(ms)) => facts.push(format!("for {}", millis(*ms))),
        Some(Takes::Param(p)) => {
            if let Some(p) = a.params.get(*p) {
                facts.push(format!("for `{}`", p.name));
            }
        }
        None => {}
    }
    if let Some(p) = &a.processor {
        facts.push(format!("runs on `{p}`"));
    }
    facts.push(format!("on device `{}`", a.device));
    if let Some(class) = &a.privacy {
        facts.push(format!("needs `permit {class}`"));
    }
    s.push_str(&format!("\n\n{}", facts.join(", ")));
    push_doc(&mut s, a.doc.as_deref());
    s
}

fn param(kind: &str, p: &ParamDef) -> String {
    let default = p.default.as_ref().map(|c| format!(" = {}{}", c, unit_suffix(&p.unit))).unwrap_or_default();
    format!("**{kind}** `{}`: {}{}{default}", p.name, p.ty, unit_suffix(&p.unit))
}

fn params(params: &[ParamDef]) -> String {
    if params.is_empty() {
        return String::new();
    }
    let list: Vec<String> = params
        .iter()
        .map(|p| match &p.default {
            Some(c) => format!("{}: {}{unit} = {c}{unit}", p.name, p.ty, unit = unit_suffix(&p.unit)),
            None => format!("{}: {}{}", p.name, p.ty, unit_suffix(&p.unit)),
        })
        .collect();
    format!("({})", list.join(", "))
}

fn push_doc(s: &mut String, doc: Option<&str>) {
    if let Some(doc) = doc {
        s.push_str("\n\n");
        s.push_str(doc);
    }
}

/// A duration in milliseconds as glass writes it (saturating: no profile declares 292 million years).
/// `at most 2 times per 1 min`: what a shared limit allows (`?` for a window that was refused).
fn at_most(l: &crate::scope::LimitDef) -> String {
    let count = if l.count == 1 { "once".to_string() } else { format!("{} times", l.count) };
    format!("at most {count} per {}", l.window_ms.map_or("?".to_string(), millis))
}

fn millis(ms: u64) -> String {
    duration_text(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// What a completion offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Event,
    State,
    Action,
    Variable,
    Value,
    Profile,
    Permission,
    Keyword,
    /// A shared limit of the pack, after `limit`.
    Limit,
    /// An argument name inside a call's parentheses (`message`), or an event's payload field.
    Parameter,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    pub detail: String,
}

/// Names that fit at `offset`, judged from the word before the one being typed: events after
/// `on`, `then`, `then no` and `fire` (and `no` after `then`); actions after `:`, `,`, `expect` and a delay; values in conditions;
/// profiles after `use`; permissions after `permit`; the pack's limits after `limit`.
pub fn completions(db: &dyn salsa::Database, ws: Workspace, file: SourceFile, offset: u32) -> Vec<Completion> {
    use crate::syntax::lexer::{Token, lex};
    let text = file.text(db);
    // A cursor past the end or inside a character reads the text up to the character's start.
    let end = text.floor_char_boundary(offset as usize);
    let lexed = lex(text.get(..end).unwrap_or_default());
    let tokens = lexed.tokens.as_slice();
    // The word under the cursor is being typed; the context is the tokens before it. With only
    // whitespace or comments before the cursor there are none.
    let typing = tokens.last().is_some_and(|(t, s)| matches!(t, Token::Word(_)) && s.end as usize == end);
    let earlier = tokens.split_last().filter(|_| typing).map_or(tokens, |(_, rest)| rest);
    let context = earlier.last().map(|(t, _)| *t);
    let scope = pack_scope(db, ws, file);
    let mut out = Vec::new();
    let events = |out: &mut Vec<Completion>| {
        for i in 0..scope.events.len() {
            out.push(Completion {
                label: scope.event_short(i),
                kind: CompletionKind::Event,
                detail: scope.event_qualified(i),
            });
        }
    };
    let actions = |out: &mut Vec<Completion>| {
        for i in 0..scope.actions.len() {
            for form in scope.action_short_forms(i) {
                out.push(Completion { label: form, kind: CompletionKind::Action, detail: scope.action_qualified(i) });
            }
        }
    };
    // States and variables: what a condition reads, and what a trigger can watch or hold.
    let changing = |out: &mut Vec<Completion>| {
        for (i, state) in scope.states.iter().enumerate() {
            let detail = format!("{}: {}", scope.state_qualified(i), state.ty);
            out.push(Completion { label: scope.state_short(i), kind: CompletionKind::State, detail });
        }
        for v in &scope.vars {
            out.push(Completion {
                label: v.name.clone(),
                kind: CompletionKind::Variable,
                detail: format!("var: {}", v.ty),
            });
        }
    };
    let values = |out: &mut Vec<Completion>| {
        changing(out);
        for e in &scope.enums {
            for v in &e.variants {
                out.push(Completion { label: v.clone(), kind: CompletionKind::Value, detail: format!("{}", e.name) });
            }
        }
        out.push(Completion {
            label: crate::types::TIME_OF_DAY.into(),
            kind: CompletionKind::Value,
            detail: "Time: the time of day at which the rule runs".into(),
        });
    };
    let callee = open_call(earlier);
    match context {
        // Inside `notify(` or after `message: "hi",`: the parameters of the call.
        Some(Token::Sym("(" | ",")) if callee.is_some() => {
            let words = callee.unwrap_or_default();
            let event_call = matches!(words.first(), Some(&("fire" | "on")));
            let params: Vec<&crate::model::ParamDef> = if event_call {
                (scope.events.iter().enumerate())
                    .filter(|(i, e)| words.iter().any(|w| *w == scope.event_short(*i) || *w == e.name))
                    .flat_map(|(_, e)| &e.params)
                    .collect()
            } else {
                (scope.actions.iter()).filter(|a| words.iter().any(|w| *w == a.name)).flat_map(|a| &a.params).collect()
            };
            for p in params {
                let default = p.default.as_ref().map(|c| format!(" = {}", c)).unwrap_or_default();
                out.push(Completion {
                    label: p.name.clone(),
                    kind: CompletionKind::Parameter,
                    detail: format!("{}{default}", p.ty),
                });
            }
        }
        // `kind: ` inside a call: the argument's value.
        Some(Token::Sym(":")) if callee.is_some() => values(&mut out),
        // `on battery below 15%`, `on speed > 120 for 10 s`: a trigger may name a value too.
        Some(Token::Word("on")) => {
            events(&mut out);
            changing(&mut out);
        }
        Some(Token::Word("fire")) => events(&mut out),
        // `then no B`: an absent step.
        Some(Token::Word("then")) => {
            events(&mut out);
            keyword(&mut out, "no");
        }
        Some(Token::Word("no")) if matches!(earlier.iter().rev().nth(1), Some((Token::Word("then"), _))) => {
            events(&mut out)
        }
        Some(Token::Sym(":" | ",")) | Some(Token::Word("expect" | "no")) => {
            if within_use(earlier) {
                profiles(db, ws, &mut out);
            } else {
                actions(&mut out)
            }
        }
        // Inside a branch: `if C {` and `else {` open actions; `}` may go on with `else`.
        Some(Token::Sym("{")) if in_branch(earlier) => actions(&mut out),
        Some(Token::Sym("}")) if in_branch(earlier) => keyword(&mut out, "else"),
        Some(Token::Word("else")) => keyword(&mut out, "if"),
        Some(Token::Word("use")) => profiles(db, ws, &mut out),
        // A rule's option `limit NAME`: the pack's limits.
        Some(Token::Word("limit")) => {
            for l in &scope.limits {
                out.push(Completion {
                    label: l.name.clone(),
                    kind: CompletionKind::Limit,
                    detail: format!("limit: {}", at_most(l)),
                });
            }
        }
        Some(Token::Word("permit")) => {
            for p in crate::model::PRIVACY_CLASSES {
                out.push(Completion {
                    label: p.to_string(),
                    kind: CompletionKind::Permission,
                    detail: "permission".into(),
                });
            }
        }
        Some(Token::Word(
            "while" | "and" | "or" | "not" | "where" | "set" | "becomes" | "below" | "above" | "if" | "matches"
            | "contains",
        ))
        | Some(Token::Sym("==" | "!=" | "<" | "<=" | ">" | ">=" | "+" | "-" | "*" | "/" | "%" | "(" | "=")) => {
            values(&mut out)
        }
        // After a unit the delay of `after 5 s` is complete: an action follows.
        Some(Token::Word(w)) if crate::syntax::units::unit_millis(w).is_some() => actions(&mut out),
        _ => {
            for kw in ["on", "every", "rule", "use", "permit", "var", "limit", "test", "pack", "profile"] {
                keyword(&mut out, kw);
            }
        }
    }
    out.sort_by(|a, b| a.label.cmp(&b.label));
    out.dedup_by(|a, b| a.label == b.label && a.kind == b.kind);
    out
}

fn keyword(out: &mut Vec<Completion>, kw: &str) {
    out.push(Completion { label: kw.into(), kind: CompletionKind::Keyword, detail: "keyword".into() });
}

/// Whether the last braces of `tokens` belong to a branch (`if C {`, `else {`) rather than to a
/// test or a profile: the nearest of those words before them is `if` or `else`.
fn in_branch(tokens: &[(crate::syntax::lexer::Token<'_>, Span)]) -> bool {
    use crate::syntax::lexer::Token;
    let starts = ["if", "else", "test", "profile", "capability", "on", "every", "rule"];
    let nearest = tokens.iter().rev().find_map(|(t, _)| match t {
        Token::Word(w) if starts.contains(w) => Some(*w),
        _ => None,
    });
    matches!(nearest, Some("if" | "else"))
}

/// When the tokens end inside an unclosed `(`, the words just before it, the keyword that
/// introduced them first: `["fire", "wake-word"]`, `[":", "record", "clip"]` gives `["record",
/// "clip"]`. `None` outside parentheses.
fn open_call<'t>(tokens: &[(crate::syntax::lexer::Token<'t>, Span)]) -> Option<Vec<&'t str>> {
    use crate::syntax::lexer::Token;
    let mut depth = 0usize;
    let open = tokens.iter().rposition(|(t, _)| match t {
        Token::Sym(")") => {
            depth += 1;
            false
        }
        Token::Sym("(") if depth == 0 => true,
        Token::Sym("(") => {
            depth -= 1;
            false
        }
        _ => false,
    })?;
    let mut words = Vec::new();
    for (t, _) in tokens.get(..open).unwrap_or_default().iter().rev().take(3) {
        match t {
            Token::Word(w) => words.push(*w),
            _ => break,
        }
    }
    words.reverse();
    Some(words)
}

/// True when the tokens end inside a `use a, b,` list.
fn within_use(tokens: &[(crate::syntax::lexer::Token, Span)]) -> bool {
    use crate::syntax::lexer::Token;
    for (t, _) in tokens.iter().rev() {
        match t {
            Token::Word("use") => return true,
            Token::Sym(",") | Token::Word(_) if !matches!(t, Token::Word(w) if crate::syntax::lexer::KEYWORDS.contains(w)) =>
                {}
            _ => return false,
        }
    }
    false
}

fn profiles(db: &dyn salsa::Database, ws: Workspace, out: &mut Vec<Completion>) {
    for (name, p) in &profile_index(db, ws).by_name {
        let detail = p.doc.clone().unwrap_or_else(|| format!("device {}", p.device.name));
        out.push(Completion { label: name.clone(), kind: CompletionKind::Profile, detail });
    }
}

/// Every place in `file` that names the same thing as the name at `offset`, the declaration
/// included when it is in this file (variables, rule names).
pub fn references(db: &dyn salsa::Database, ws: Workspace, file: SourceFile, offset: u32) -> Vec<Span> {
    if let Some(rule) = rule_name_at(db, file, offset) {
        return vec![rule];
    }
    let Some((_, Resolved::Target(target))) = resolve_at(db, ws, file, offset) else { return Vec::new() };
    let mut spans = Vec::new();
    for item in file_items(db, file) {
        if matches!(parse_item(db, item.text).item.kind, ItemKind::Rule(_) | ItemKind::Test(_)) {
            let checked = check_item(db, ws, file, item.text);
            spans.extend(checked.references.iter().filter(|r| r.target == target).map(|r| r.span.shift(item.offset)));
        }
    }
    if let Target::Var(i) = target
        && let Some(v) = pack_scope(db, ws, file).vars.get(i)
    {
        spans.push(v.span);
    }
    if let Target::Limit(i) = target
        && let Some(l) = pack_scope(db, ws, file).limits.get(i)
    {
        spans.push(l.span);
    }
    spans.sort();
    spans.dedup();
    spans
}

/// The name of the rule declared at `offset` (`rule NAME:`), if the cursor is on it.
fn rule_name_at(db: &dyn salsa::Database, file: SourceFile, offset: u32) -> Option<Span> {
    let (item, relative) = item_at(db, file, offset)?;
    let ItemKind::Rule(rule) = &parse_item(db, item.text).item.kind else { return None };
    let name = rule.name.as_ref()?;
    name.span.contains(relative).then(|| name.span.shift(item.offset))
}

/// The item whose text holds `offset` (its end included, where a word being typed ends), and
/// the offset relative to the item. Items are in file order, so a binary search finds it.
fn item_at<'db>(db: &'db dyn salsa::Database, file: SourceFile, offset: u32) -> Option<(FileItem<'db>, u32)> {
    let items = file_items(db, file);
    let after = items.partition_point(|i| i.offset <= offset);
    let item = *items.get(after.checked_sub(1)?)?;
    let relative = offset.checked_sub(item.offset)?;
    (relative as usize <= item.text.text(db).len()).then_some((item, relative))
}

/// Why a rename cannot be done.
#[derive(Debug, PartialEq, Eq)]
pub enum RenameError {
    /// Only rules, pack variables and limits can be renamed; profile names belong to the profile.
    NotRenamable,
    /// The new name is not a glass name, or is a keyword.
    InvalidName,
}

/// The edits (span and new text, in `file`) that rename the rule, variable or limit at `offset`.
pub fn rename(
    db: &dyn salsa::Database,
    ws: Workspace,
    file: SourceFile,
    offset: u32,
    new_name: &str,
) -> Result<Vec<(Span, String)>, RenameError> {
    let valid = {
        let lexed = crate::syntax::lexer::lex(new_name);
        matches!(lexed.tokens.as_slice(), [(crate::syntax::lexer::Token::Word(w), _)] if *w == new_name && !crate::syntax::lexer::KEYWORDS.contains(w))
    };
    if !valid {
        return Err(RenameError::InvalidName);
    }
    let renamable = rule_name_at(db, file, offset).is_some()
        || matches!(resolve_at(db, ws, file, offset), Some((_, Resolved::Target(Target::Var(_) | Target::Limit(_)))));
    if !renamable {
        return Err(RenameError::NotRenamable);
    }
    Ok(references(db, ws, file, offset).into_iter().map(|span| (span, new_name.to_string())).collect())
}

/// A named part of a file, for the outline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub kind: SymbolKind,
    /// The whole item or member.
    pub span: Span,
    /// Its name.
    pub name_span: Span,
    pub children: Vec<Symbol>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    Rule,
    Test,
    Variable,
    Limit,
    Profile,
    Device,
    Capability,
    Event,
    State,
    Action,
    Enum,
    Processor,
}

/// The outline of a file: rules, tests, variables, and profiles with their members.
pub fn symbols(db: &dyn salsa::Database, file: SourceFile) -> Vec<Symbol> {
    use crate::syntax::ast::{Member, MemberKind};
    fn members(list: &[Member], base: u32) -> Vec<Symbol> {
        list.iter()
            .filter_map(|m| {
                let (kind, name, children) = match &m.kind {
                    MemberKind::Device { name, .. } => (SymbolKind::Device, name, Vec::new()),
                    MemberKind::Processor { name } => (SymbolKind::Processor, name, Vec::new()),
                    MemberKind::Enum { name, .. } => (SymbolKind::Enum, name, Vec::new()),
                    MemberKind::State { name, .. } => (SymbolKind::State, name, Vec::new()),
                    MemberKind::Event { name, .. } => (SymbolKind::Event, name, Vec::new()),
                    MemberKind::Action { name, .. } => (SymbolKind::Action, name, Vec::new()),
                    MemberKind::Capability { name, members: inner } => {
                        (SymbolKind::Capability, name, members(inner, base))
                    }
                    MemberKind::Error => return None,
                };
                Some(Symbol {
                    name: name.node.clone(),
                    kind,
                    span: m.span.shift(base),
                    name_span: name.span.shift(base),
                    children,
                })
            })
            .collect()
    }
    let mut out = Vec::new();
    let text = file.text(db);
    // Lines counted so far, up to `counted`: items come in order, so each byte is counted once.
    let (mut counted, mut line) = (0usize, 1usize);
    for item in file_items(db, file) {
        let parsed = parse_item(db, item.text);
        let span = parsed.item.span.shift(item.offset);
        let (name, kind, name_span, children) = match &parsed.item.kind {
            ItemKind::Rule(rule) => match &rule.name {
                Some(n) => (n.node.clone(), SymbolKind::Rule, n.span.shift(item.offset), Vec::new()),
                None => {
                    let upto = (item.offset as usize).min(text.len()).max(counted);
                    line +=
                        text.as_bytes().get(counted..upto).unwrap_or_default().iter().filter(|&&b| b == b'\n').count();
                    counted = upto;
                    let first = rule.triggers.first().map_or(Span::new(0, 0), |t| t.span);
                    (format!("rule at line {line}"), SymbolKind::Rule, first.shift(item.offset), Vec::new())
                }
            },
            ItemKind::Test(t) => (t.name.node.clone(), SymbolKind::Test, t.name.span.shift(item.offset), Vec::new()),
            ItemKind::Var(v) => (v.name.node.clone(), SymbolKind::Variable, v.name.span.shift(item.offset), Vec::new()),
            ItemKind::Limit(l) => (l.name.node.clone(), SymbolKind::Limit, l.name.span.shift(item.offset), Vec::new()),
            ItemKind::Profile(p) => (
                p.name.node.clone(),
                SymbolKind::Profile,
                p.name.span.shift(item.offset),
                members(&p.members, item.offset),
            ),
            _ => continue,
        };
        out.push(Symbol { name, kind, span, name_span, children });
    }
    out
}

/// What a token is, for semantic highlighting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenClass {
    Keyword,
    Number,
    Text,
    Comment,
    Operator,
    Event,
    State,
    Action,
    Variable,
    Value,
    Parameter,
}

/// Every token of a file that has a class, in order, with absolute spans.
pub fn semantic_tokens(db: &dyn salsa::Database, ws: Workspace, file: SourceFile) -> Vec<(Span, TokenClass)> {
    use crate::syntax::lexer::{KEYWORDS, Token, lex};
    let text = file.text(db);
    let lexed = lex(text);
    // By start offset: a dotted path's first word finds the whole path.
    let mut resolved: std::collections::HashMap<u32, (Span, TokenClass)> = std::collections::HashMap::new();
    for item in file_items(db, file) {
        if matches!(parse_item(db, item.text).item.kind, ItemKind::Rule(_) | ItemKind::Test(_)) {
            for r in &check_item(db, ws, file, item.text).references {
                let class = match r.target {
                    Target::Event(_) => TokenClass::Event,
                    Target::State(_) => TokenClass::State,
                    Target::Action(_) => TokenClass::Action,
                    Target::Var(_) | Target::Limit(_) => TokenClass::Variable,
                    Target::EnumVariant(..) | Target::TimeOfDay => TokenClass::Value,
                    Target::ActionParam(..) | Target::EventParam(..) | Target::StepParam(..) => TokenClass::Parameter,
                };
                let span = r.span.shift(item.offset);
                resolved.insert(span.start, (span, class));
            }
        }
    }
    let mut out: Vec<(Span, TokenClass)> = lexed.comments.iter().map(|c| (*c, TokenClass::Comment)).collect();
    let mut pending_path: Option<(Span, TokenClass)> = None;
    for (token, span) in &lexed.tokens {
        // A dotted path resolves as a whole: colour all of it like its target.
        if let Some((path, class)) = pending_path
            && path.contains(span.start)
            && span.end <= path.end
        {
            out.push((*span, class));
            continue;
        }
        let class = match token {
            Token::Word(w) if KEYWORDS.contains(w) => Some(TokenClass::Keyword),
            Token::Word(_) => {
                let whole = resolved.get(&span.start).copied();
                pending_path = whole;
                whole.map(|(_, c)| c)
            }
            Token::Int(_) | Token::Percent(_) | Token::Time(_) | Token::Ratio(..) | Token::Unit(_) => {
                Some(TokenClass::Number)
            }
            Token::Str(_) => Some(TokenClass::Text),
            Token::Sym(_) => Some(TokenClass::Operator),
            Token::Error => None,
        };
        if let Some(class) = class {
            out.push((*span, class));
        }
    }
    out.sort_by_key(|(s, _)| s.start);
    out
}

/// The quick fixes of the diagnostics that touch `range`: the suggested name, a missing unit,
/// a missing permission.
pub fn fixes(db: &dyn salsa::Database, ws: Workspace, file: SourceFile, range: Span) -> Vec<crate::diagnostic::Fix> {
    crate::db::file_diagnostics(db, ws, file)
        .iter()
        .filter(|d| d.primary.span.start <= range.end && range.start <= d.primary.span.end)
        .filter_map(|d| d.fix.clone())
        .collect()
}
