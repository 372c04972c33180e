//! Editor queries answered from the same analyses as `glassc check`: what a name refers to, its
//! description for hover, and where it is defined. Pure: positions are byte offsets.

use crate::check::Target;
use crate::db::{SourceFile, Workspace, check_item, file_items, pack_scope, parse_item, profile_index};
use crate::model::{ActionDef, Origin, ParamDef, Takes};
use crate::scope::Scope;
use crate::span::Span;
use crate::syntax::ast::ItemKind;
use crate::types::Const;

/// What the name under the cursor refers to.
pub enum Resolved {
    Target(Target),
    Profile(String),
}

/// The name at `offset` in `file`, with its absolute span.
pub fn resolve_at(db: &dyn salsa::Database, ws: Workspace, file: SourceFile, offset: u32) -> Option<(Span, Resolved)> {
    let item = file_items(db, file)
        .iter()
        .find(|i| i.offset <= offset && offset <= i.offset + i.text.text(db).len() as u32)?;
    let relative = offset - item.offset;
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
        _ => None,
    }
}

/// Markdown describing the name at `offset`: its kind, type, cost and documentation.
pub fn hover(db: &dyn salsa::Database, ws: Workspace, file: SourceFile, offset: u32) -> Option<(Span, String)> {
    let (span, resolved) = resolve_at(db, ws, file, offset)?;
    let scope = pack_scope(db, ws, file);
    let text = match resolved {
        Resolved::Profile(name) => {
            let p = profile_index(db, ws).by_name.get(&name)?.clone();
            let mut s = format!("**profile** `{}` — device `{}`", p.name, p.device.name);
            push_doc(&mut s, p.doc.as_deref());
            s.push_str(&format!(
                "\n\n{} events, {} states, {} actions",
                p.events.len(),
                p.states.len(),
                p.actions.len()
            ));
            s
        }
        Resolved::Target(target) => describe(&scope, &target)?,
    };
    Some((span, text))
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
            Target::EventParam(e, p) => scope.events.get(e)?.params.get(p)?.origin.clone(),
            Target::EnumVariant(e, _) => scope.enums.get(e)?.origin.clone(),
            Target::Var(i) => Origin { file: file.path(db).clone(), span: scope.vars.get(i)?.span },
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
            s
        }
        Target::State(i) => {
            let st = scope.states.get(*i)?;
            let mut s = format!("**state** `{}`: {}", scope.state_qualified(*i), st.ty);
            push_doc(&mut s, st.doc.as_deref());
            s
        }
        Target::Action(i) => action(scope, *i, scope.actions.get(*i)?),
        Target::Var(i) => {
            let v = scope.vars.get(*i)?;
            let range = v.range.map(|(lo, hi)| format!(" {lo}..{hi}")).unwrap_or_default();
            let init = v.init.as_ref().map(|c| format!(" = {}", constant(c))).unwrap_or_default();
            format!("**variable** `{}`: {}{range}{init}", v.name, v.ty)
        }
        Target::ActionParam(a, p) => param("parameter", scope.actions.get(*a)?.params.get(*p)?),
        Target::EventParam(e, p) => param("payload field", scope.events.get(*e)?.params.get(*p)?),
        Target::EnumVariant(e, v) => {
            let en = scope.enums.get(*e)?;
            format!("**value** `{}` of `{}` {{ {} }}", en.variants.get(*v)?, en.name, en.variants.join(", "))
        }
    })
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
    let default = p.default.as_ref().map(|c| format!(" = {}", constant(c))).unwrap_or_default();
    format!("**{kind}** `{}`: {}{default}", p.name, p.ty)
}

fn params(params: &[ParamDef]) -> String {
    if params.is_empty() {
        return String::new();
    }
    let list: Vec<String> = params
        .iter()
        .map(|p| match &p.default {
            Some(c) => format!("{}: {} = {}", p.name, p.ty, constant(c)),
            None => format!("{}: {}", p.name, p.ty),
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

/// A constant as it would be written in glass.
pub fn constant(c: &Const) -> String {
    match c {
        Const::Bool(b) => b.to_string(),
        Const::Int(n) => n.to_string(),
        Const::Percent(n) => format!("{n}%"),
        Const::Duration(ms) => millis(*ms as u64),
        Const::Text(t) => format!("\"{t}\""),
        Const::Time(m) => format!("{:02}:{:02}", m / 60, m % 60),
        Const::Enum(_, v) => v.to_string(),
    }
}

/// A duration in the largest unit that divides it: `15 s`, `400 ms`, `10 min`.
pub fn millis(ms: u64) -> String {
    for (unit, size) in [("h", 3_600_000), ("min", 60_000), ("s", 1_000)] {
        if ms >= size && ms.is_multiple_of(size) {
            return format!("{} {unit}", ms / size);
        }
    }
    format!("{ms} ms")
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
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    pub detail: String,
}

/// Names that fit at `offset`, judged from the word before the one being typed: events after
/// `on`, `then` and `fire`; actions after `:`, `,`, `expect` and a delay; values in conditions;
/// profiles after `use`; permissions after `permit`.
pub fn completions(db: &dyn salsa::Database, ws: Workspace, file: SourceFile, offset: u32) -> Vec<Completion> {
    use crate::syntax::lexer::{Token, lex};
    let text = file.text(db);
    let mut end = (offset as usize).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let tokens = lex(&text[..end]).tokens;
    // The word under the cursor is being typed; the context is the token before it.
    let typing = tokens.last().is_some_and(|(t, s)| matches!(t, Token::Word(_)) && s.end as usize == end);
    let before = tokens.len().saturating_sub(if typing { 2 } else { 1 });
    let context = tokens.get(before).map(|(t, _)| *t);
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
    let values = |out: &mut Vec<Completion>| {
        for i in 0..scope.states.len() {
            let detail = format!("{}: {}", scope.state_qualified(i), scope.states[i].ty);
            out.push(Completion { label: scope.state_short(i), kind: CompletionKind::State, detail });
        }
        for v in &scope.vars {
            out.push(Completion {
                label: v.name.clone(),
                kind: CompletionKind::Variable,
                detail: format!("var: {}", v.ty),
            });
        }
        for e in &scope.enums {
            for v in &e.variants {
                out.push(Completion { label: v.clone(), kind: CompletionKind::Value, detail: format!("{}", e.name) });
            }
        }
    };
    match context {
        Some(Token::Word("on" | "then" | "fire")) => events(&mut out),
        Some(Token::Sym(":" | ",")) | Some(Token::Word("expect" | "no")) => {
            if within_use(&tokens[..before + 1]) {
                profiles(db, ws, &mut out);
            } else {
                actions(&mut out)
            }
        }
        Some(Token::Word("use")) => profiles(db, ws, &mut out),
        Some(Token::Word("permit")) => {
            for p in crate::model::PRIVACY_CLASSES {
                out.push(Completion {
                    label: p.to_string(),
                    kind: CompletionKind::Permission,
                    detail: "permission".into(),
                });
            }
        }
        Some(Token::Word("while" | "and" | "or" | "not" | "where" | "set" | "becomes" | "below" | "above"))
        | Some(Token::Sym("==" | "!=" | "<" | "<=" | ">" | ">=" | "+" | "-" | "*" | "/" | "(" | "=")) => {
            values(&mut out)
        }
        // After a unit the delay of `after 5 s` is complete: an action follows.
        Some(Token::Word(w)) if crate::syntax::parser::unit_millis(w).is_some() => actions(&mut out),
        _ => {
            for kw in ["on", "every", "rule", "use", "permit", "var", "test", "pack", "profile"] {
                out.push(Completion { label: kw.into(), kind: CompletionKind::Keyword, detail: "keyword".into() });
            }
        }
    }
    out.sort_by(|a, b| a.label.cmp(&b.label));
    out.dedup_by(|a, b| a.label == b.label && a.kind == b.kind);
    out
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
