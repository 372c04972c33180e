//! Starts the real `glass-lsp` binary and speaks JSON-RPC over stdio as an editor does.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Server {
    fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_glass-lsp"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("glass-lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Server { child, stdin, stdout }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn receive(&mut self) -> Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.stdout.read_line(&mut line).expect("header");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = n.parse().expect("length");
            }
        }
        let mut body = vec![0; length];
        self.stdout.read_exact(&mut body).expect("body");
        serde_json::from_slice(&body).expect("json")
    }

    /// The next message that is a notification of `method` (skipping logs and the like).
    fn notification(&mut self, method: &str) -> Value {
        loop {
            let m = self.receive();
            if m["method"] == method {
                return m;
            }
        }
    }

    fn response(&mut self, id: i64) -> Value {
        loop {
            let m = self.receive();
            if m["id"] == id && m.get("method").is_none() {
                return m;
            }
        }
    }
}

const PROFILE: &str = "profile p {\n  device glasses\n  capability button {\n    event long-press\n  }\n  state driving: Bool\n  action notify(message: Text = \"\")\n}\n";

#[test]
fn diagnostics_follow_edits() {
    let mut s = Server::start();
    s.send(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}));
    assert_eq!(s.response(1)["result"]["serverInfo"]["name"], "glass-lsp");
    s.send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    s.send(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": "file:///w/p.glass", "languageId": "glass", "version": 1, "text": PROFILE}}}));
    assert_eq!(s.notification("textDocument/publishDiagnostics")["params"]["diagnostics"], json!([]));

    let pack = "use p\non buton-long-press while driving: notify\n";
    s.send(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": "file:///w/pack.glass", "languageId": "glass", "version": 1, "text": pack}}}));
    let published = s.notification("textDocument/publishDiagnostics");
    let diags = published["params"]["diagnostics"].as_array().expect("array").clone();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "E0101");
    assert_eq!(diags[0]["range"]["start"], json!({"line": 1, "character": 3}));

    // Mid-typing text, then the fix: each change republishes.
    for (version, text) in
        [(2, "use p\non button-long-press while (dri"), (3, "use p\non button-long-press while driving: notify\n")]
    {
        s.send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": "file:///w/pack.glass", "version": version},
            "contentChanges": [{"text": text}]}}));
        let published = s.notification("textDocument/publishDiagnostics");
        let n = published["params"]["diagnostics"].as_array().expect("array").len();
        assert_eq!(n == 0, version == 3, "version {version}: {published}");
    }

    // Editing the profile republishes the open pack: removing `notify` breaks it.
    let without_notify = PROFILE.replace("  action notify(message: Text = \"\")\n", "");
    s.send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": "file:///w/p.glass", "version": 2}, "contentChanges": [{"text": without_notify}]}}));
    let mut seen = Vec::new();
    for _ in 0..2 {
        let p = s.notification("textDocument/publishDiagnostics");
        seen.push((
            p["params"]["uri"].as_str().unwrap_or_default().to_string(),
            p["params"]["diagnostics"].as_array().map_or(0, Vec::len),
        ));
    }
    seen.sort();
    assert_eq!(seen, [("file:///w/p.glass".to_string(), 0), ("file:///w/pack.glass".to_string(), 1)]);
    s.send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": "file:///w/p.glass", "version": 3}, "contentChanges": [{"text": PROFILE}]}}));
    s.notification("textDocument/publishDiagnostics");
    s.notification("textDocument/publishDiagnostics");

    // Hover on `notify` (line 1, column 36) describes the action and what it costs.
    let at = json!({"textDocument": {"uri": "file:///w/pack.glass"}, "position": {"line": 1, "character": 38}});
    s.send(json!({"jsonrpc": "2.0", "id": 3, "method": "textDocument/hover", "params": at}));
    let hover = s.response(3)["result"]["contents"]["value"].as_str().expect("hover text").to_string();
    assert!(hover.starts_with("**action** `glasses.notify(message: Text = \"\")`"), "{hover}");
    assert!(hover.contains("mW"), "{hover}");
    s.send(json!({"jsonrpc": "2.0", "id": 4, "method": "textDocument/definition", "params": at}));
    let def = s.response(4)["result"].clone();
    assert_eq!(def["uri"], "file:///w/p.glass");
    assert_eq!(def["range"]["start"], json!({"line": 6, "character": 9}));

    // Completion after `on ` offers the events of the profiles in use.
    let at = json!({"textDocument": {"uri": "file:///w/pack.glass"}, "position": {"line": 1, "character": 3}});
    s.send(json!({"jsonrpc": "2.0", "id": 5, "method": "textDocument/completion", "params": at}));
    let items = s.response(5)["result"].as_array().expect("items").clone();
    let labels: Vec<&str> = items.iter().filter_map(|i| i["label"].as_str()).collect();
    assert_eq!(labels, ["button-long-press"]);

    s.send(json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}));
    assert!(s.response(2)["error"].is_null());
    s.send(json!({"jsonrpc": "2.0", "method": "exit"}));
    let status = s.child.wait().expect("exits");
    assert!(status.success());
}

fn open(s: &mut Server, uri: &str, text: &str) -> Value {
    s.send(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "glass", "version": 1, "text": text}}}));
    s.notification("textDocument/publishDiagnostics")
}

fn request(s: &mut Server, id: i64, method: &str, params: Value) -> Value {
    s.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
    s.response(id)
}

fn start_initialized() -> Server {
    let mut s = Server::start();
    request(&mut s, 1, "initialize", json!({"capabilities": {}}));
    s.send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    open(&mut s, "file:///w/p.glass", PROFILE);
    s
}

fn stop(mut s: Server) {
    assert!(request(&mut s, 999, "shutdown", Value::Null)["error"].is_null());
    s.send(json!({"jsonrpc": "2.0", "method": "exit"}));
    assert!(s.child.wait().expect("exits").success());
}

#[test]
fn formatting_symbols_references_rename_actions_and_tokens() {
    let mut s = start_initialized();
    let uri = "file:///w/pack.glass";
    let pack = "use p\nvar n: Int 0..9\nrule count:  on button-long-press  while driving: set n = n + 1, notify\n";
    open(&mut s, uri, pack);
    let doc = json!({"textDocument": {"uri": uri}});

    let edits = request(
        &mut s,
        2,
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let new_text = edits["result"][0]["newText"].as_str().expect("an edit");
    assert!(new_text.contains("rule count: on button-long-press while driving: set n = n + 1, notify\n"), "{new_text}");

    let symbols = request(&mut s, 3, "textDocument/documentSymbol", doc.clone());
    let names: Vec<&str> =
        symbols["result"].as_array().expect("symbols").iter().filter_map(|x| x["name"].as_str()).collect();
    assert_eq!(names, ["n", "count"]);

    let at_n = json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": 58}, "context": {"includeDeclaration": true}});
    let refs = request(&mut s, 4, "textDocument/references", at_n.clone());
    assert_eq!(refs["result"].as_array().expect("locations").len(), 3, "{refs}");

    let mut rename = at_n.clone();
    rename["newName"] = json!("presses");
    let edit = request(&mut s, 5, "textDocument/rename", rename);
    assert_eq!(edit["result"]["changes"][uri].as_array().expect("edits").len(), 3, "{edit}");
    let mut bad = at_n;
    bad["newName"] = json!("while");
    assert!(request(&mut s, 6, "textDocument/rename", bad)["error"]["message"].as_str().is_some());

    let broken = "use p\non buton-long-press: notify\n";
    s.send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": broken}]}}));
    s.notification("textDocument/publishDiagnostics");
    let actions = request(
        &mut s,
        7,
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri},
        "range": {"start": {"line": 1, "character": 3}, "end": {"line": 1, "character": 3}}, "context": {"diagnostics": []}}),
    );
    let action = &actions["result"][0];
    assert_eq!(action["title"], "use `button-long-press`");
    assert_eq!(action["edit"]["changes"][uri][0]["newText"], "button-long-press");

    let tokens = request(&mut s, 8, "textDocument/semanticTokens/full", doc);
    let data = tokens["result"]["data"].as_array().expect("data");
    // `use`, `on`, `:` and the action `notify` (line delta, start delta, length, type, modifiers).
    let expected = [0, 0, 3, 0, 0, 1, 0, 2, 0, 0, 0, 19, 1, 4, 0, 0, 2, 6, 7, 0];
    assert_eq!(data.iter().map(|v| v.as_u64().expect("number")).collect::<Vec<_>>(), expected);
    stop(s);
}

#[test]
fn a_bad_request_gets_an_error_not_a_crash() {
    let mut s = start_initialized();
    let reply = request(&mut s, 2, "textDocument/hover", json!({"nonsense": true}));
    assert!(reply["error"]["code"].as_i64().is_some(), "{reply}");
    let reply = request(&mut s, 3, "no/such/method", json!({}));
    assert_eq!(reply["error"]["code"], -32601);
    // Requests about files the server never saw answer empty.
    let reply = request(
        &mut s,
        4,
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///nowhere.glass"}, "position": {"line": 0, "character": 0}}),
    );
    assert!(reply["result"].is_null() && reply["error"].is_null(), "{reply}");
    stop(s);
}

#[test]
fn random_edits_never_crash_the_server() {
    let mut s = start_initialized();
    let uri = "file:///w/pack.glass";
    let base = "use p\nvar n: Int 0..9\nrule count: on button-long-press while driving: set n = n + 1, notify\n";
    open(&mut s, uri, base);
    let pieces = [
        "(",
        ")",
        "on ",
        "while ",
        "not ",
        "\"",
        "¤",
        "#",
        ":",
        ",",
        "5 s",
        "button-",
        "{",
        "}",
        "\n",
        "test \"x\" {",
        "profile q {",
        "-",
        "é",
    ];
    let mut text = base.to_string();
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    for version in 2u64..300 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut at = (state % (text.len() as u64 + 1)) as usize;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        if state.is_multiple_of(3) && at < text.len() {
            let mut end = (at + 1 + (state >> 8) as usize % 8).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            text.replace_range(at..end, "");
        } else {
            text.insert_str(at, pieces[(state >> 16) as usize % pieces.len()]);
        }
        s.send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}}));
        let published = s.notification("textDocument/publishDiagnostics");
        assert_eq!(published["params"]["version"], version);
        if version.is_multiple_of(50) {
            let line = (state % 4) as u32;
            let reply = request(
                &mut s,
                version as i64,
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": 3}}),
            );
            assert!(reply["error"].is_null(), "{reply}");
        }
    }
    stop(s);
}

/// Issue #5's promise, on the shipped example: the Xiaomi pack opens clean inside the examples
/// workspace, hover on `record clip` says what it does and costs, and a misspelt event is a
/// coded error at once, with the quick fix.
#[test]
fn the_xiaomi_example_opens_clean_and_explains_record_clip() {
    let examples =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples").canonicalize().expect("examples");
    let pack_path = examples.join("packs/xiaomi-everyday/pack.glass");
    let text = std::fs::read_to_string(&pack_path).expect("the pack");
    let (root, uri) = (format!("file://{}", examples.display()), format!("file://{}", pack_path.display()));
    let mut s = Server::start();
    let init = json!({"capabilities": {}, "workspaceFolders": [{"uri": root, "name": "examples"}]});
    request(&mut s, 1, "initialize", init);
    s.send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    let published = open(&mut s, &uri, &text);
    assert_eq!(published["params"]["diagnostics"], json!([]), "{published}");

    let sentence = "on button-long-press while driving: record clip, notify car";
    let line = text.lines().position(|l| l == sentence).expect("the dashcam sentence");
    let column = sentence.find("record").expect("record") + 2;
    let at = json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": column}});
    let hover = request(&mut s, 2, "textDocument/hover", at)["result"]["contents"]["value"].as_str().map(String::from);
    let hover = hover.expect("hover text");
    assert!(hover.contains("record"), "{hover}");
    assert!(hover.contains("mW"), "the power cost: {hover}");
    assert!(hover.contains("camera"), "the permission it needs: {hover}");

    let misspelt = text.replacen(sentence, &sentence.replace("button", "buton"), 1);
    s.send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": misspelt}]}}));
    let published = s.notification("textDocument/publishDiagnostics");
    let diags = published["params"]["diagnostics"].as_array().expect("array").clone();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "E0101");
    assert_eq!(diags[0]["range"]["start"], json!({"line": line, "character": 3}));
    let range = json!({"start": {"line": line, "character": 3}, "end": {"line": line, "character": 3}});
    let actions = request(
        &mut s,
        3,
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range, "context": {"diagnostics": []}}),
    );
    assert_eq!(actions["result"][0]["title"], "use `button-long-press`", "{actions}");
    stop(s);
}
