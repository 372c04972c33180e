//! How long each language-server request takes on a generated large pack, beside `check`'s time
//! on the same text: no request may be much slower than checking the file, and each must grow
//! linearly with it (compare the two sizes).
//!
//! Run: `cargo bench -p glass-lsp --bench requests` (optionally `-- 300000 1000000`, the pack
//! sizes in bytes). The pack is the xiaomi-everyday example's rules and tests repeated with
//! renamed rules, against the example profiles. Three sets of figures per size: `check`
//! (`file_diagnostics`, cold), each `glass_compiler::ide` request in process (warm, after
//! `check`), and each LSP request through the real `glass-lsp` binary over stdio, as an editor
//! sends it (including the conversion to lines and UTF-16 columns and the JSON).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use glass_compiler::db::{Database, SourceFile, Workspace, file_diagnostics};
use glass_compiler::ide;
use glass_compiler::span::Span;
use serde_json::{Value, json};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples").canonicalize().expect("examples")
}

/// The example pack's header once, then its body again and again, each copy's rules and tests
/// renamed, up to `bytes`.
fn pack(bytes: usize) -> String {
    let text = std::fs::read_to_string(examples().join("packs/xiaomi-everyday/pack.glass")).expect("pack");
    let body_at = text.find("\non ").expect("the first rule") + 1;
    let (header, body) = text.split_at(body_at);
    let mut out = header.to_string();
    let mut copy = 0;
    while out.len() < bytes {
        for line in body.lines() {
            if let Some(rest) = line.strip_prefix("rule ")
                && let Some((name, tail)) = rest.split_once(':')
            {
                out.push_str(&format!("rule {name}-{}:{tail}\n", letters(copy)));
            } else if let Some(rest) = line.strip_prefix("test \"") {
                out.push_str(&format!("test \"{copy} {rest}\n"));
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
        copy += 1;
    }
    out
}

/// `copy` in letters (`a`, `b`, ..., `ba`): a name's parts cannot start with a digit.
fn letters(mut copy: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'a' + (copy % 26) as u8);
        copy /= 26;
        if copy == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn profiles() -> Vec<(PathBuf, String)> {
    let mut out: Vec<(PathBuf, String)> = std::fs::read_dir(examples().join("profiles"))
        .expect("profiles")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "glass"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("profile");
            (p, text)
        })
        .collect();
    out.sort();
    out
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

/// The median of five runs: the machine may be busy with other work.
fn median<T>(mut f: impl FnMut() -> T) -> Duration {
    let mut samples: Vec<Duration> = (0..5).map(|_| time(&mut f).1).collect();
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Positions in the middle of the pack: on an action's name (hover, definition, references),
/// after `on ` (completion).
struct Points {
    action: u32,
    after_on: u32,
    variable: u32,
}

fn points(text: &str) -> Points {
    let middle = text.len() / 2;
    let find = |what: &str| (middle + text[middle..].find(what).expect(what)) as u32;
    Points { action: find("record clip") + 2, after_on: find("\non ") + 4, variable: find("clips-today +") + 3 }
}

fn in_process(text: &str, profiles: &[(PathBuf, String)], p: &Points) {
    let workspace = || {
        let db = Database::default();
        let mut files: Vec<SourceFile> =
            profiles.iter().map(|(p, t)| SourceFile::new(&db, p.display().to_string().into(), t.clone())).collect();
        let file = SourceFile::new(&db, "bench-pack.glass".into(), text.to_string());
        files.push(file);
        let ws = Workspace::new(&db, files);
        (db, ws, file)
    };
    let check = median(|| {
        let (db, ws, file) = workspace();
        assert!(file_diagnostics(&db, ws, file).is_empty(), "the generated pack must check clean");
    });
    println!("  check (file_diagnostics, cold, median of 5): {}", ms(check));
    let (db, ws, file) = workspace();
    file_diagnostics(&db, ws, file);
    let whole = Span::new(0, text.len() as u32);
    let rows: Vec<(&str, Duration)> = vec![
        ("semantic_tokens", median(|| ide::semantic_tokens(&db, ws, file).len())),
        ("symbols", median(|| ide::symbols(&db, file).len())),
        ("hover", median(|| ide::hover(&db, ws, file, p.action).is_some())),
        ("definition", median(|| ide::definition(&db, ws, file, p.action).is_some())),
        ("completions (middle)", median(|| ide::completions(&db, ws, file, p.after_on).len())),
        ("completions (end)", median(|| ide::completions(&db, ws, file, text.len() as u32).len())),
        ("references", median(|| ide::references(&db, ws, file, p.variable).len())),
        ("rename", median(|| ide::rename(&db, ws, file, p.variable, "clips").map(|e| e.len()))),
        ("fixes (whole file)", median(|| ide::fixes(&db, ws, file, whole).len())),
        ("format_source", median(|| glass_compiler::fmt::format_source(text).map(|f| f.len()))),
    ];
    for (name, d) in rows {
        println!("  ide::{name}: {} ({:.2}x check)", ms(d), d.as_secs_f64() / check.as_secs_f64());
    }
}

#[path = "../tests/client/mod.rs"]
mod client;

use client::Server;

/// A request timed from sending to its response.
trait Timed {
    fn request(&mut self, id: i64, method: &str, params: Value) -> (Value, Duration);
}

impl Timed for Server {
    fn request(&mut self, id: i64, method: &str, params: Value) -> (Value, Duration) {
        let start = Instant::now();
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let reply = self.wait_for(|m| m["id"] == id && m.get("method").is_none());
        assert!(reply["error"].is_null(), "{method}: {reply}");
        (reply, start.elapsed())
    }
}

/// Line and UTF-16 column of a byte offset, for the requests (the pack is ASCII but the
/// computation is the protocol's).
fn position(text: &str, offset: u32) -> Value {
    let before = &text[..offset as usize];
    let line = before.matches('\n').count();
    let column = before.rsplit('\n').next().unwrap_or("").encode_utf16().count();
    json!({"line": line, "character": column})
}

fn over_stdio(text: &str) {
    let mut s = Server::spawn(false);
    let folder = format!("file://{}", examples().join("profiles").display());
    s.request(1, "initialize", json!({"capabilities": {}, "workspaceFolders": [{"uri": folder, "name": "profiles"}]}));
    s.send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    let uri = format!("file://{}", examples().join("bench-pack.glass").display());
    let published = |m: &Value| m["method"] == "textDocument/publishDiagnostics";
    let start = Instant::now();
    s.send(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "glass", "version": 1, "text": text}}}));
    let diags = s.wait_for(published)["params"]["diagnostics"].as_array().map_or(0, Vec::len);
    let open = start.elapsed();
    println!("  didOpen -> publishDiagnostics: {} ({diags} diagnostics)", ms(open));

    let p = points(text);
    let doc = json!({"textDocument": {"uri": uri}});
    let at = |offset: u32| json!({"textDocument": {"uri": uri}, "position": position(text, offset)});
    let mut refs = at(p.variable);
    refs["context"] = json!({"includeDeclaration": true});
    let mut rename = at(p.variable);
    rename["newName"] = json!("clips");
    let whole = json!({"start": {"line": 0, "character": 0}, "end": position(text, text.len() as u32)});
    let requests: Vec<(&str, &str, Value)> = vec![
        ("semanticTokens/full", "textDocument/semanticTokens/full", doc.clone()),
        ("documentSymbol", "textDocument/documentSymbol", doc.clone()),
        ("hover", "textDocument/hover", at(p.action)),
        ("definition", "textDocument/definition", at(p.action)),
        ("completion (middle)", "textDocument/completion", at(p.after_on)),
        ("completion (end)", "textDocument/completion", at(text.len() as u32)),
        ("references", "textDocument/references", refs),
        ("rename", "textDocument/rename", rename),
        (
            "codeAction (whole file)",
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": whole, "context": {"diagnostics": []}}),
        ),
        (
            "formatting",
            "textDocument/formatting",
            json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
        ),
    ];
    let mut id = 10;
    for (name, method, params) in requests {
        let d = median(|| {
            id += 1;
            s.request(id, method, params.clone())
        });
        println!("  {name} (median of 5): {} ({:.2}x didOpen)", ms(d), d.as_secs_f64() / open.as_secs_f64());
    }
    // One character typed in the middle, as an editor sends it (full sync).
    let copies = text.matches("rule count-clips-").count();
    let middle = text.find(&format!("rule count-clips-{}:", letters(copies / 2)));
    let mut edited = text.to_string();
    edited.insert(middle.expect("a middle rule") + 5, 'x');
    let start = Instant::now();
    s.send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": edited}]}}));
    s.wait_for(published);
    println!("  didChange (one character) -> publishDiagnostics: {}", ms(start.elapsed()));
    s.request(99, "shutdown", Value::Null);
    s.send(json!({"jsonrpc": "2.0", "method": "exit"}));
    let _ = s.child.wait();
}

fn main() {
    // `cargo bench` passes `--bench`; the other arguments are sizes in bytes.
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![300_000, 1_000_000] } else { sizes };
    for size in sizes {
        let text = pack(size);
        println!("pack of {} bytes, {} lines:", text.len(), text.lines().count());
        in_process(&text, &profiles(), &points(&text));
        over_stdio(&text);
    }
    let (profile, text) = enum_pack(10_000, 1_000);
    println!("a profile with an enum of 10,000 values, and a pack of 1,000 rules naming them ({} bytes):", text.len());
    in_process(&text, &[(PathBuf::from("big.glass"), profile)], &enum_points(&text));
}

/// A profile whose enum has `values` values, and a pack of `rules` rules that test and pass them.
fn enum_pack(values: usize, rules: usize) -> (String, String) {
    let list: Vec<String> = (0..values).map(|i| format!("level-{}", letters(i))).collect();
    let profile = format!(
        "profile big {{\n  device glasses\n  enum level {{ {} }}\n  state current: level\n  event changed(to: level)\n  action show(at: level)\n}}\n",
        list.join(", ")
    );
    let mut pack = String::from("use big\nvar seen: Int 0..1000000 = 0\n");
    for r in 0..rules {
        let (a, b) = (&list[(r * 7) % values], &list[(r * 13 + 1) % values]);
        pack.push_str(&format!(
            "rule r-{}: on changed where to == {a} while current != {b}: show(at: {b}), set seen = seen + 1\n",
            letters(r)
        ));
    }
    (profile, pack)
}

/// Positions in the middle of the enum pack: on a value (hover, definition), after `at: `
/// (completion: every value of the enum), on the variable (references, rename).
fn enum_points(text: &str) -> Points {
    let middle = text.len() / 2;
    let find = |what: &str| (middle + text[middle..].find(what).expect(what)) as u32;
    Points { action: find("show(at: ") + 10, after_on: find("show(at: ") + 9, variable: find("seen + 1") + 1 }
}
