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
