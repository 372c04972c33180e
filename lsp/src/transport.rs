//! The LSP base protocol between the editor and tower-lsp-server.
//!
//! tower-lsp-server stops reading after the first message it cannot decode (its `FramedRead`
//! ends after an error) and the process then exits 0, so an editor may not restart it. This layer
//! reads the editor's frames itself, answers every message that is not a JSON-RPC 2.0 request,
//! notification or response with a JSON-RPC error, skips garbage up to the next `Content-Length:`
//! header, and hands tower-lsp-server only messages it decodes, re-framed, through an in-memory
//! pipe. tower-lsp-server's output comes back through a second pipe and goes, whole frames at a
//! time, to the one writer of stdout, which also writes our error responses: the two never
//! interleave inside a message.

use std::io::{self, BufRead, Read, Write};
use std::sync::mpsc as std_mpsc;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tower_lsp_server::jsonrpc;

/// The largest message body read; a larger one is answered with an error and skipped unread.
pub const MAX_BODY: usize = 64 << 20;
/// The most bytes a header block may take before it counts as garbage.
const MAX_HEADER: usize = 8 << 10;

/// JSON-RPC 2.0's codes for a message that is not JSON, and for JSON that is not a message.
pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;

/// What the editor sent next.
#[derive(Debug, PartialEq)]
pub enum Event {
    /// A valid JSON-RPC message for the server: its body and, for requests and notifications,
    /// its method.
    Message { body: Vec<u8>, method: Option<String>, request: bool },
    /// A message we answer ourselves: the body of a JSON-RPC error response.
    Reply(Vec<u8>),
    /// The end of the input: between messages, or inside one (why).
    End(Option<&'static str>),
}

/// Reads base-protocol frames (`Content-Length: N\r\n\r\n` and N bytes of body) from `input`.
pub struct Framer<R> {
    input: R,
    max_body: usize,
    /// A `Content-Length:` found while skipping garbage, and the rest of its line when that was
    /// read too: the next header block starts with it.
    carry: Option<(Vec<u8>, bool)>,
}

/// How a header block ended.
enum Headers {
    Length(usize),
    /// Not a header block; the text says what was wrong.
    Garbage(String),
    /// The input ended; `true` when it ended inside the block.
    Eof(bool),
}

impl<R: BufRead> Framer<R> {
    pub fn new(input: R) -> Self {
        Framer { input, max_body: MAX_BODY, carry: None }
    }

    #[cfg(test)]
    fn with_max_body(input: R, max_body: usize) -> Self {
        Framer { input, max_body, carry: None }
    }

    /// The next event. I/O errors of the input end it, like end of file inside a message.
    pub fn next_event(&mut self) -> Event {
        match self.headers() {
            Ok(Headers::Eof(false)) => Event::End(None),
            Ok(Headers::Eof(true)) => Event::End(Some("stdin ended inside a message's headers")),
            Ok(Headers::Garbage(why)) if self.carry.is_some() => {
                Event::Reply(error_response(PARSE_ERROR, &format!("Parse error: {why}"), Value::Null))
            }
            Ok(Headers::Garbage(why)) => match self.resync() {
                Ok(true) => Event::Reply(error_response(PARSE_ERROR, &format!("Parse error: {why}"), Value::Null)),
                Ok(false) => Event::End(Some("stdin ended inside unreadable headers")),
                Err(_) => Event::End(Some("stdin could not be read")),
            },
            Ok(Headers::Length(n)) if n > self.max_body => {
                let limit = self.max_body;
                let skip = io::copy(&mut (&mut self.input).take(n as u64), &mut io::sink());
                match skip {
                    Ok(read) if read == n as u64 => Event::Reply(error_response(
                        INVALID_REQUEST,
                        &format!("Invalid Request: a message of {n} bytes is larger than the {limit} bytes accepted"),
                        Value::Null,
                    )),
                    _ => Event::End(Some("stdin ended inside an oversized message")),
                }
            }
            Ok(Headers::Length(n)) => {
                let mut body = vec![0; n];
                match self.input.read_exact(&mut body) {
                    Ok(()) => validate(body),
                    Err(_) => Event::End(Some("stdin ended inside a message's body")),
                }
            }
            Err(_) => Event::End(Some("stdin could not be read")),
        }
    }

    /// Reads a header block up to its empty line. Header names are case-insensitive; unknown
    /// headers (`Content-Type`) are ignored; line ends may be `\r\n` or `\n`.
    fn headers(&mut self) -> io::Result<Headers> {
        let mut length: Option<usize> = None;
        let mut seen = 0usize;
        let mut lines = 0usize;
        loop {
            let (mut line, complete) = match self.carry.take() {
                Some((line, true)) => (line, Line::Complete),
                Some((mut line, false)) => {
                    let complete = self.line(&mut line, MAX_HEADER.saturating_sub(seen))?;
                    (line, complete)
                }
                None => {
                    let mut line = Vec::new();
                    let complete = self.line(&mut line, MAX_HEADER.saturating_sub(seen))?;
                    (line, complete)
                }
            };
            seen += line.len() + 1;
            match complete {
                Line::Eof if line.is_empty() && lines == 0 => return Ok(Headers::Eof(false)),
                Line::Eof => return Ok(Headers::Eof(true)),
                Line::TooLong => return Ok(Headers::Garbage("the headers are longer than 8 KiB".into())),
                Line::Complete => {}
            }
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if line.is_empty() {
                // Blank lines before any header are stray line ends between messages.
                if lines == 0 {
                    continue;
                }
                return Ok(match length {
                    Some(n) => Headers::Length(n),
                    None => Headers::Garbage("the headers have no `Content-Length`".into()),
                });
            }
            lines += 1;
            let colon = line.iter().position(|&b| b == b':');
            let name = colon.and_then(|c| line.get(..c)).unwrap_or_default();
            if name.is_empty() || !name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-') {
                // Garbage run into a header (`}}Content-Length: 52`): the next block starts
                // at the `Content-Length` inside the line.
                if let Some(at) = find_key(&line).filter(|&at| at > 0) {
                    self.carry = Some((line.get(at..).unwrap_or_default().to_vec(), true));
                }
                return Ok(Headers::Garbage("a header line is not `Name: value`".into()));
            }
            let value = colon.and_then(|c| line.get(c + 1..)).unwrap_or_default();
            let value = std::str::from_utf8(value).unwrap_or("").trim();
            if name.eq_ignore_ascii_case(b"content-length") {
                let Ok(n) = value.parse::<usize>() else {
                    return Ok(Headers::Garbage(format!("`Content-Length: {value}` is not a byte count")));
                };
                if length.is_some_and(|m| m != n) {
                    return Ok(Headers::Garbage("two different `Content-Length` headers".into()));
                }
                length = Some(n);
            }
        }
    }

    /// Appends the input up to the next `\n` (not included) to `line`, at most `limit` bytes.
    fn line(&mut self, line: &mut Vec<u8>, limit: usize) -> io::Result<Line> {
        loop {
            let buf = fill(&mut self.input)?;
            if buf.is_empty() {
                return Ok(Line::Eof);
            }
            let newline = buf.iter().position(|&b| b == b'\n');
            let take = newline.unwrap_or(buf.len());
            if line.len() + take > limit {
                return Ok(Line::TooLong);
            }
            line.extend_from_slice(buf.get(..take).unwrap_or_default());
            self.input.consume(take + usize::from(newline.is_some()));
            if newline.is_some() {
                return Ok(Line::Complete);
            }
        }
    }

    /// Skips input up to and including the next `Content-Length:` (in any case), which then
    /// starts the next header block. `false` at end of input.
    fn resync(&mut self) -> io::Result<bool> {
        let mut matched = 0usize;
        loop {
            let buf = fill(&mut self.input)?;
            if buf.is_empty() {
                return Ok(false);
            }
            let mut used = 0;
            for &b in buf {
                used += 1;
                let b = b.to_ascii_lowercase();
                // `c` occurs only at the key's start, so a mismatch restarts at this byte.
                matched = if KEY.get(matched) == Some(&b) { matched + 1 } else { usize::from(b == b'c') };
                if matched == KEY.len() {
                    self.input.consume(used);
                    self.carry = Some((KEY.to_vec(), false));
                    return Ok(true);
                }
            }
            self.input.consume(used);
        }
    }
}

const KEY: &[u8] = b"content-length:";

/// The input's buffered bytes, refilled if empty (empty at end of input), retrying a read that
/// a signal interrupted.
fn fill(input: &mut impl BufRead) -> io::Result<&[u8]> {
    loop {
        match input.fill_buf() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
            Ok(_) => break,
        }
    }
    // Filled now: this returns the buffer without reading (a loop returning the first call's
    // buffer is refused by today's borrow checker).
    input.fill_buf()
}

/// Where `KEY` starts in `line`, in any case.
fn find_key(line: &[u8]) -> Option<usize> {
    line.windows(KEY.len()).position(|w| w.eq_ignore_ascii_case(KEY))
}

enum Line {
    Complete,
    TooLong,
    Eof,
}

/// A body checked as JSON-RPC 2.0: UTF-8, JSON, and an object that is a request, notification
/// or response which tower-lsp-server decodes.
fn validate(body: Vec<u8>) -> Event {
    let text = match std::str::from_utf8(&body) {
        Ok(text) => text,
        Err(e) => {
            let at = e.valid_up_to();
            return Event::Reply(error_response(
                PARSE_ERROR,
                &format!("Parse error: the message is not UTF-8 (byte {at})"),
                Value::Null,
            ));
        }
    };
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Event::Reply(error_response(PARSE_ERROR, &format!("Parse error: {e}"), Value::Null)),
    };
    match shape(&value) {
        Ok(Shape::Request { method, id }) => {
            // Whatever we forward, tower-lsp-server must decode: one failure would stop it.
            if text.parse::<jsonrpc::Request>().is_err() {
                return invalid("the request does not decode", id.unwrap_or(Value::Null));
            }
            let request = id.is_some();
            Event::Message { body, method: Some(method), request }
        }
        Ok(Shape::Response) => {
            if text.parse::<jsonrpc::Response>().is_err() {
                return invalid("the response does not decode", Value::Null);
            }
            Event::Message { body, method: None, request: false }
        }
        Err((why, id)) => invalid(why, id),
    }
}

fn invalid(why: &str, id: Value) -> Event {
    Event::Reply(error_response(INVALID_REQUEST, &format!("Invalid Request: {why}"), id))
}

enum Shape {
    /// A request (with its id) or a notification (none).
    Request {
        method: String,
        id: Option<Value>,
    },
    Response,
}

/// JSON-RPC 2.0's rules for a message object. The error carries the id to answer with: the
/// request's when it has a readable one, else null (also for broken responses, whose id is the
/// editor's own request's and must not be answered as if it were ours).
fn shape(value: &Value) -> Result<Shape, (&'static str, Value)> {
    let Some(object) = value.as_object() else {
        return Err(("the message is not a JSON object", Value::Null));
    };
    let id = object.get("id");
    let readable_id = |id: Option<&Value>| match id {
        Some(v @ Value::String(_)) => v.clone(),
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Value::Number(n.clone()),
        _ => Value::Null,
    };
    let answer = if object.contains_key("method") { readable_id(id) } else { Value::Null };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(("`jsonrpc` must be \"2.0\"", answer));
    }
    let id_ok = |id: &Value| id.is_null() || id.is_string() || id.as_i64().is_some();
    if let Some(method) = object.get("method") {
        let Some(method) = method.as_str() else { return Err(("`method` must be a string", answer)) };
        if object.contains_key("result") || object.contains_key("error") {
            return Err(("a request cannot carry `result` or `error`", answer));
        }
        if id.is_some_and(|id| !id_ok(id)) {
            return Err(("`id` must be an integer, a string or null", answer));
        }
        if object.get("params").is_some_and(|p| !(p.is_object() || p.is_array() || p.is_null())) {
            return Err(("`params` must be an object or an array", answer));
        }
        return Ok(Shape::Request { method: method.to_string(), id: id.cloned() });
    }
    let Some(id) = id else { return Err(("the message has neither `method` nor `id`", Value::Null)) };
    if !id_ok(id) {
        return Err(("`id` must be an integer, a string or null", Value::Null));
    }
    match (object.get("result"), object.get("error")) {
        (Some(_), None) => Ok(Shape::Response),
        (None, Some(error)) => {
            let well_formed = error.get("code").is_some_and(|c| c.as_i64().is_some())
                && error.get("message").is_some_and(Value::is_string);
            if well_formed { Ok(Shape::Response) } else { Err(("`error` needs a `code` and a `message`", Value::Null)) }
        }
        _ => Err(("a response has exactly one of `result` and `error`", Value::Null)),
    }
}

/// The body of a JSON-RPC error response.
pub fn error_response(code: i64, message: &str, id: Value) -> Vec<u8> {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}).to_string().into_bytes()
}

/// A body with its base-protocol header.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// What the session's messages say about how the server should exit.
#[derive(Clone, Copy, Debug, Default)]
struct Session {
    shutdown: bool,
    exit: bool,
}

/// Serves the language server behind this layer on stdin and stdout until `exit` or end of
/// input, and returns the process's exit code: 0 after `exit` that follows a `shutdown` request,
/// 1 otherwise (LSP's rule; end of input without `exit` included).
pub async fn serve_stdio<F, Fut>(server: F) -> i32
where
    F: FnOnce(tokio::io::DuplexStream, tokio::io::DuplexStream) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (to_server, server_in) = tokio::io::duplex(1 << 16);
    let (server_out, from_server) = tokio::io::duplex(1 << 16);
    let (out_tx, out_rx) = std_mpsc::channel::<Output>();
    let (in_tx, in_rx) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
    let (session_tx, session_rx) = std_mpsc::channel::<Session>();

    // Blocking reads and writes run on threads of their own: a pending read of stdin cannot be
    // cancelled, and the process exits without waiting for it.
    let writer = std::thread::spawn(move || write_stdout(out_rx));
    let replies = out_tx.clone();
    std::thread::spawn(move || read_stdin(in_tx, replies, session_tx));

    let forward_in = forward_input(in_rx, to_server);
    let forward_out = forward_output(from_server, out_tx.clone());
    let ((), (), ()) = tokio::join!(server(server_in, server_out), forward_in, forward_out);

    let _ = out_tx.send(Output::Stop);
    let _ = writer.join();
    let session = session_rx.try_iter().last().unwrap_or_default();
    if session.exit && session.shutdown { 0 } else { 1 }
}

enum Output {
    Frame(Vec<u8>),
    Stop,
}

/// The one writer of stdout: whole frames, flushed when no other is waiting.
fn write_stdout(frames: std_mpsc::Receiver<Output>) {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    while let Ok(Output::Frame(frame)) = frames.recv() {
        if out.write_all(&frame).is_err() {
            return;
        }
        let more = frames.try_recv();
        match more {
            Ok(Output::Frame(next)) => {
                if out.write_all(&next).is_err() {
                    return;
                }
            }
            Ok(Output::Stop) => {
                let _ = out.flush();
                return;
            }
            Err(_) => {}
        }
        if out.flush().is_err() {
            return;
        }
    }
    let _ = out.flush();
}

/// Frames stdin: valid messages to the server, our answers to the writer. Ends at end of input
/// (dropping `to_server` closes the server's input) or after forwarding `exit`.
fn read_stdin(
    to_server: tokio::sync::mpsc::Sender<Vec<u8>>,
    replies: std_mpsc::Sender<Output>,
    session_tx: std_mpsc::Sender<Session>,
) {
    let stdin = io::stdin();
    let mut framer = Framer::new(io::BufReader::with_capacity(1 << 16, stdin.lock()));
    let mut session = Session::default();
    loop {
        match framer.next_event() {
            Event::Message { body, method, request } => {
                match method.as_deref() {
                    Some("shutdown") if request => session.shutdown = true,
                    Some("exit") if !request => session.exit = true,
                    _ => {}
                }
                let _ = session_tx.send(session);
                if to_server.blocking_send(frame(&body)).is_err() || session.exit {
                    return;
                }
            }
            Event::Reply(body) => {
                log(&format!("answered a message it could not read: {}", String::from_utf8_lossy(&body)));
                if replies.send(Output::Frame(frame(&body))).is_err() {
                    return;
                }
            }
            Event::End(why) => {
                match why {
                    Some(why) => log(&format!("{why}; exiting")),
                    None => log("stdin closed without an `exit` notification; exiting with code 1"),
                }
                return;
            }
        }
    }
}

/// A line on stderr. Unlike `eprintln!`, a closed stderr is no reason to stop serving.
fn log(message: &str) {
    let _ = writeln!(io::stderr(), "glass-lsp: {message}");
}

async fn forward_input(mut frames: tokio::sync::mpsc::Receiver<Vec<u8>>, mut to_server: tokio::io::DuplexStream) {
    while let Some(frame) = frames.recv().await {
        if to_server.write_all(&frame).await.is_err() {
            break;
        }
    }
    // End of input: the server sees its stdin close.
    let _ = to_server.shutdown().await;
}

/// Cuts the server's output into whole frames for the writer. The server writes well-formed
/// frames; anything else ends its output.
async fn forward_output(from_server: tokio::io::DuplexStream, out: std_mpsc::Sender<Output>) {
    let mut reader = BufReader::new(from_server);
    loop {
        let mut length = None;
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.trim().eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let Some(n) = length else {
            log("the server wrote a frame without Content-Length");
            return;
        };
        let mut body = vec![0; n];
        if reader.read_exact(&mut body).await.is_err() {
            return;
        }
        if out.send(Output::Frame(frame(&body))).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(input: &[u8], max_body: usize) -> Vec<Event> {
        let mut framer = Framer::with_max_body(input, max_body);
        let mut out = Vec::new();
        loop {
            let e = framer.next_event();
            let end = matches!(e, Event::End(_));
            out.push(e);
            if end {
                return out;
            }
        }
    }

    fn reply(e: &Event) -> (i64, Value) {
        let Event::Reply(body) = e else { panic!("not a reply: {e:?}") };
        let v: Value = serde_json::from_slice(body).expect("json");
        (v["error"]["code"].as_i64().expect("code"), v["id"].clone())
    }

    const HOVER: &str = r#"{"jsonrpc":"2.0","id":7,"method":"textDocument/hover","params":{}}"#;

    fn framed(body: &str) -> Vec<u8> {
        frame(body.as_bytes())
    }

    #[test]
    fn valid_messages_pass_with_their_method() {
        let mut input = framed(HOVER);
        input.extend(b"content-length: 34\nContent-Type: application/vscode-jsonrpc; charset=utf-8\n\n");
        input.extend(br#"{"jsonrpc":"2.0","method":"exit"} "#);
        input.extend(framed(r#"{"jsonrpc":"2.0","id":3,"result":null}"#));
        let e = events(&input, MAX_BODY);
        assert_eq!(e.len(), 4, "{e:?}");
        assert!(matches!(&e[0], Event::Message { method: Some(m), request: true, .. } if m == "textDocument/hover"));
        assert!(matches!(&e[1], Event::Message { method: Some(m), request: false, .. } if m == "exit"));
        assert!(matches!(&e[2], Event::Message { method: None, request: false, .. }));
        assert_eq!(e[3], Event::End(None));
    }

    #[test]
    fn bad_bodies_get_the_right_error_and_the_next_message_is_read() {
        let cases: &[(&[u8], i64, Value)] = &[
            (b"{bad", PARSE_ERROR, Value::Null),
            (b"", PARSE_ERROR, Value::Null),
            (b"\xff\xfe{}", PARSE_ERROR, Value::Null),
            (b"[1, 2]", INVALID_REQUEST, Value::Null),
            (b"42", INVALID_REQUEST, Value::Null),
            (br#"{"id": 5, "method": "x"}"#, INVALID_REQUEST, json!(5)),
            (br#"{"jsonrpc": "2.0", "id": "a", "method": 1}"#, INVALID_REQUEST, json!("a")),
            (br#"{"jsonrpc": "2.0", "id": 1.5, "method": "x"}"#, INVALID_REQUEST, Value::Null),
            (br#"{"jsonrpc": "2.0", "id": 2, "method": "x", "params": 3}"#, INVALID_REQUEST, json!(2)),
            (br#"{"jsonrpc": "2.0", "id": 2, "method": "x", "result": 3}"#, INVALID_REQUEST, json!(2)),
            (br#"{"jsonrpc": "2.0"}"#, INVALID_REQUEST, Value::Null),
            (br#"{"jsonrpc": "2.0", "id": 9}"#, INVALID_REQUEST, Value::Null),
            (br#"{"jsonrpc": "2.0", "id": 9, "error": {"code": "x"}}"#, INVALID_REQUEST, Value::Null),
            (
                br#"{"jsonrpc": "2.0", "id": 9, "result": 1, "error": {"code": 1, "message": ""}}"#,
                INVALID_REQUEST,
                Value::Null,
            ),
        ];
        for (body, code, id) in cases {
            let mut input = frame(body);
            input.extend(framed(HOVER));
            let e = events(&input, MAX_BODY);
            assert_eq!(reply(&e[0]), (*code, id.clone()), "{}", String::from_utf8_lossy(body));
            assert!(matches!(&e[1], Event::Message { request: true, .. }), "{e:?}");
        }
        let deep = "[".repeat(100_000);
        let mut input = framed(&deep);
        input.extend(framed(HOVER));
        let e = events(&input, MAX_BODY);
        assert_eq!(reply(&e[0]).0, PARSE_ERROR);
        assert!(matches!(&e[1], Event::Message { .. }));
    }

    #[test]
    fn garbage_headers_resynchronise_at_the_next_content_length() {
        let cases: &[&[u8]] = &[
            b"hello world\r\n\r\n",
            b"Content-Type: text/plain\r\n\r\n{\"jsonrpc\":\"2.0\"}",
            b"Content-Length: abc\r\n\r\n{}",
            b"Content-Length: -5\r\n\r\n",
            b"Content-Length: 99999999999999999999999\r\n\r\n",
            b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
            b"\xff\xfe\x00garbage",
            b"}}",
        ];
        for garbage in cases {
            let mut input = garbage.to_vec();
            input.extend(framed(HOVER));
            let e = events(&input, MAX_BODY);
            assert_eq!(reply(&e[0]), (PARSE_ERROR, Value::Null), "{}", String::from_utf8_lossy(garbage));
            assert!(matches!(&e[1], Event::Message { request: true, .. }), "{e:?}");
            assert_eq!(e[2], Event::End(None));
        }
        // A header line that never ends is cut off at 8 KiB, not read into memory whole.
        let mut input = vec![b'x'; 1 << 20];
        input.extend(framed(HOVER));
        let e = events(&input, MAX_BODY);
        assert_eq!(reply(&e[0]).0, PARSE_ERROR);
        assert!(matches!(&e[1], Event::Message { .. }), "{e:?}");
        // Garbage up to the end cannot be resynchronised.
        assert!(matches!(events(b"garbage", MAX_BODY)[0], Event::End(Some(_))));
        assert_eq!(events(b"garbage\n", MAX_BODY)[0], Event::End(Some("stdin ended inside unreadable headers")));
    }

    #[test]
    fn an_oversized_body_is_skipped_unread() {
        let mut input = frame(&[b' '; 100]);
        input.extend(framed(HOVER));
        let e = events(&input, 80);
        assert_eq!(reply(&e[0]), (INVALID_REQUEST, Value::Null));
        assert!(matches!(&e[1], Event::Message { .. }), "{e:?}");
    }

    /// Random streams of header pieces, JSON and bytes: the framer always reaches the end, and
    /// whatever it passes on, tower-lsp-server decodes.
    #[test]
    fn random_streams_end_and_pass_on_only_decodable_messages() {
        let pieces: &[&[u8]] = &[
            b"Content-Length: ",
            b"content-length:",
            b"Content-Type: x\r\n",
            b"12",
            b"0",
            b"99999999999999999999",
            b"\r\n",
            b"\n",
            b"\r",
            b":",
            b"{",
            b"}",
            b"\"",
            b"\xff",
            b"\xe4\xb8",
            br#"{"jsonrpc":"2.0","id":1,"method":"m"}"#,
            br#"{"jsonrpc":"2.0","id":1,"result":null}"#,
            b"garbage",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..3000 {
            let mut input = Vec::new();
            for _ in 0..next() % 40 {
                match next() % 4 {
                    0 => input.extend(framed(HOVER)),
                    _ => input.extend_from_slice(pieces[(next() % pieces.len() as u64) as usize]),
                }
            }
            let mut framer = Framer::with_max_body(input.as_slice(), 1 << 10);
            let mut count = 0;
            loop {
                count += 1;
                assert!(count <= input.len() + 2, "no end: {}", String::from_utf8_lossy(&input));
                match framer.next_event() {
                    Event::End(_) => break,
                    Event::Message { body, .. } => {
                        let text = std::str::from_utf8(&body).expect("UTF-8");
                        let decodes =
                            text.parse::<jsonrpc::Request>().is_ok() || text.parse::<jsonrpc::Response>().is_ok();
                        assert!(decodes, "{text}");
                    }
                    Event::Reply(body) => {
                        let v: Value = serde_json::from_slice(&body).expect("our reply is JSON");
                        assert!(v["error"]["code"].is_i64(), "{v}");
                    }
                }
            }
        }
    }

    #[test]
    fn end_of_input_inside_a_message_says_so() {
        assert_eq!(events(b"", MAX_BODY), [Event::End(None)]);
        assert_eq!(events(b"\r\n\r\n", MAX_BODY), [Event::End(None)]);
        assert!(matches!(events(b"Content-Length: 10\r\n", MAX_BODY)[0], Event::End(Some(_))));
        assert!(matches!(events(b"Content-Length: 10\r\n\r\n{}", MAX_BODY)[0], Event::End(Some(_))));
        assert!(matches!(events(b"Content-Length: 100\r\n\r\n{}", 10)[0], Event::End(Some(_))));
    }
}
