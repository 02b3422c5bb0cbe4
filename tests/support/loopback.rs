//! A loopback HTTP server that answers as a Kubernetes API server would, from recorded
//! responses, and records every request it received (method and path) for the tests to check.
//!
//! Responses are files under `tests/recorded/<case>/`, mapped to requests by the case's
//! `routes` file (`METHOD PATH STATUS FILE`); a test adds or overrides routes (a 403, a route
//! that never answers). An unknown route is a 404 `Status`, as the API server gives for a
//! resource it does not serve. Queries are ignored; a `*` path segment matches any one segment. Each connection gets one answer and is
//! closed (`Connection: close`), which the client handles like any server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a route answers.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A status and a JSON body.
    Json(u16, String),
    /// A status and a plain-text body (a pod log).
    Text(u16, String),
    /// The request's own body back, with this status (what a create returns).
    Echo(u16),
    /// Never answers: the connection stays open until the test ends.
    Hang,
}

#[derive(Clone, Debug)]
struct Route {
    method: String,
    path: String,
    reply: Reply,
}

#[derive(Default)]
struct State {
    routes: Vec<Route>,
    requests: Vec<String>,
}

pub struct Loopback {
    pub url: String,
    dir: PathBuf,
    state: Arc<Mutex<State>>,
}

pub fn recorded(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/recorded")
        .join(case)
}

impl Loopback {
    /// Serves a recorded case on `127.0.0.1` at a free port.
    pub fn start(case: &str) -> Loopback {
        let dir = recorded(case);
        let mut state = State::default();
        let routes = std::fs::read_to_string(dir.join("routes")).expect("the case's routes file");
        for line in routes
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let parts: Vec<&str> = line.split_whitespace().collect();
            let [method, path, status, file] = parts[..] else {
                panic!("bad routes line `{line}`");
            };
            let body = std::fs::read_to_string(dir.join(file)).expect("a recorded response");
            state.routes.push(Route {
                method: method.into(),
                path: path.into(),
                reply: Reply::Json(status.parse().expect("a status"), body),
            });
        }
        let state = Arc::new(Mutex::new(state));
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = shared.clone();
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        Loopback { url, dir, state }
    }

    /// Answers `METHOD PATH` with `reply` from now on (over any recorded route).
    pub fn route(&self, method: &str, path: &str, reply: Reply) {
        self.state.lock().unwrap().routes.push(Route {
            method: method.into(),
            path: path.into(),
            reply,
        });
    }

    /// Answers `METHOD PATH` with a recorded file of the case.
    pub fn route_file(&self, method: &str, path: &str, status: u16, file: &str) {
        let body = std::fs::read_to_string(self.dir.join(file)).expect("a recorded response");
        self.route(method, path, Reply::Json(status, body));
    }

    /// Every request received so far, as `METHOD PATH`.
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() || request_line.is_empty() {
        return;
    }
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("");
    let path = target.split('?').next().unwrap_or("").to_string();
    let reply = {
        let mut state = state.lock().unwrap();
        state.requests.push(format!("{method} {path}"));
        state
            .routes
            .iter()
            .rev()
            .find(|r| r.method == method && path_matches(&r.path, &path))
            .map(|r| r.reply.clone())
    };
    let (status, content_type, text) = match reply {
        Some(Reply::Json(status, text)) => (status, "application/json", text),
        Some(Reply::Text(status, text)) => (status, "text/plain", text),
        Some(Reply::Echo(status)) => (
            status,
            "application/json",
            String::from_utf8_lossy(&body).into_owned(),
        ),
        Some(Reply::Hang) => {
            std::thread::sleep(Duration::from_secs(60));
            return;
        }
        None => (
            404,
            "application/json",
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}"#.to_string(),
        ),
    };
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        reason(status),
        text.len()
    );
    let _ = stream.flush();
}

/// A route's path matches segment by segment; a `*` segment matches any one segment.
fn path_matches(pattern: &str, path: &str) -> bool {
    let (pattern, path): (Vec<&str>, Vec<&str>) =
        (pattern.split('/').collect(), path.split('/').collect());
    pattern.len() == path.len() && pattern.iter().zip(&path).all(|(p, s)| *p == "*" || p == s)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        403 => "Forbidden",
        404 => "Not Found",
        _ => "Status",
    }
}
