//! A minimal LSP client over the real `glass-lsp` binary's stdio, as an editor speaks it: shared
//! by the stdio tests and the requests benchmark.

#![allow(dead_code)] // each user needs a different part of it

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::Value;

pub struct Server {
    pub child: Child,
    pub stdin: ChildStdin,
    pub stdout: BufReader<ChildStdout>,
}

impl Server {
    /// Starts the server; its stderr is dropped, or kept for [`Child::wait_with_output`].
    pub fn spawn(keep_stderr: bool) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_glass-lsp"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if keep_stderr { Stdio::piped() } else { Stdio::null() })
            .spawn()
            .expect("glass-lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Server { child, stdin, stdout }
    }

    /// Bytes as they are, headers included: for messages an editor should never send.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).expect("write");
        self.stdin.flush().expect("flush");
    }

    pub fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    pub fn receive(&mut self) -> Value {
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

    /// The next message for which `done` holds (skipping logs and the like).
    pub fn wait_for(&mut self, done: impl Fn(&Value) -> bool) -> Value {
        loop {
            let m = self.receive();
            if done(&m) {
                return m;
            }
        }
    }

    /// The next message that is a notification of `method`.
    pub fn notification(&mut self, method: &str) -> Value {
        self.wait_for(|m| m["method"] == method)
    }

    /// The response to request `id`.
    pub fn response(&mut self, id: i64) -> Value {
        self.wait_for(|m| m["id"] == id && m.get("method").is_none())
    }
}
