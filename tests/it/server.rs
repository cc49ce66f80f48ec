//! A small scripted HTTP/1.1 server on 127.0.0.1 for the URL tests. Every behaviour a prompt
//! host can show is a `Reply`; the server records each request and how many body bytes it could
//! write. Every connection closes after one answer, and every wait is bounded, so a test's
//! threads always end.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// What the server does for one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A complete answer.
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// The file, answering a `Range: bytes=A-B` request with 206 when `honour_range`.
    File { body: Vec<u8>, honour_range: bool },
    /// 200 with a body of `len` bytes streamed in 16 KiB writes; counts what it could write.
    Endless { len: usize },
    /// Reads the request and says nothing for `for_ms`.
    Silent { for_ms: u64 },
    /// Headers, then one body byte every `every_ms` for `count` bytes.
    Drip { every_ms: u64, count: usize },
    /// Closes the connection with a reset (RST) after reading the request.
    Reset,
    /// Declares `content_length` but sends only `body`, then closes.
    Short {
        content_length: usize,
        body: Vec<u8>,
    },
    /// Writes these bytes as they are (garbage, HTTP/0.9, a huge header line), then closes.
    Raw(Vec<u8>),
    /// A status line, then header lines without end (up to `max` bytes).
    EndlessHeaders { max: usize },
    /// Waits `ms` after reading the request, then gives `then`.
    After { ms: u64, then: Box<Reply> },
}

impl Reply {
    pub fn status(status: u16) -> Reply {
        Reply::Full {
            status,
            headers: vec![],
            body: vec![],
        }
    }

    pub fn with_headers(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        Reply::Full {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.to_vec(),
        }
    }

    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::with_headers(status, &[("Location", location)], b"")
    }

    pub fn file(body: Vec<u8>) -> Reply {
        Reply::File {
            body,
            honour_range: true,
        }
    }
}

/// A request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub at: Instant,
}

#[derive(Default)]
struct State {
    routes: HashMap<String, Vec<Reply>>,
    seen: Vec<Seen>,
    written: HashMap<String, usize>,
}

/// The running server.
pub struct Server {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    connections: Arc<AtomicUsize>,
}

impl Server {
    /// Starts a server; `routes` maps a path (with its query, or without to match any query) to
    /// the replies for its 1st, 2nd, ... request (the last one repeats).
    pub fn start(routes: Vec<(&str, Vec<Reply>)>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            routes: routes.into_iter().map(|(p, r)| (p.to_owned(), r)).collect(),
            ..State::default()
        }));
        let connections = Arc::new(AtomicUsize::new(0));
        let (st, conns) = (state.clone(), connections.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                conns.fetch_add(1, Ordering::SeqCst);
                let st = st.clone();
                thread::spawn(move || serve(stream, st));
            }
        });
        Server {
            addr,
            state,
            connections,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn seen(&self, path: &str) -> Vec<Seen> {
        let st = self.state.lock().unwrap();
        st.seen.iter().filter(|s| s.path == path).cloned().collect()
    }

    pub fn hits(&self, path: &str) -> usize {
        self.seen(path).len()
    }

    pub fn written(&self, path: &str) -> usize {
        *self.state.lock().unwrap().written.get(path).unwrap_or(&0)
    }

    /// Like [`Server::written`], but waits (up to 5 s) for the serving thread to record it: the
    /// client can finish reading before the server's last write returns.
    pub fn written_eventually(&self, path: &str) -> usize {
        let until = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(&n) = self.state.lock().unwrap().written.get(path) {
                return n;
            }
            if Instant::now() > until {
                return 0;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// TCP connections accepted, requests or not.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

fn status_text(code: u16) -> &'static str {
    match code {
        200 => "OK",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

fn serve(stream: TcpStream, state: Arc<Mutex<State>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let reply = {
        let mut st = state.lock().unwrap();
        let n = st.seen.iter().filter(|s| s.path == path).count();
        st.seen.push(Seen {
            path: path.clone(),
            headers: headers.clone(),
            at: Instant::now(),
        });
        let bare = path.split('?').next().unwrap_or(&path);
        st.routes
            .get(&path)
            .or_else(|| st.routes.get(bare))
            .map(|r| r[n.min(r.len() - 1)].clone())
            .unwrap_or(Reply::status(404))
    };
    let reply = match reply {
        Reply::After { ms, then } => {
            thread::sleep(Duration::from_millis(ms));
            *then
        }
        other => other,
    };
    let mut out = stream;
    let head = |status: u16, extra: &[(String, String)], len: Option<usize>| {
        let mut h = format!(
            "HTTP/1.1 {status} {}\r\nConnection: close\r\n",
            status_text(status)
        );
        for (k, v) in extra {
            h.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(len) = len {
            h.push_str(&format!("Content-Length: {len}\r\n"));
        }
        h.push_str("\r\n");
        h.into_bytes()
    };
    match reply {
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let _ = out.write_all(&head(status, &headers, Some(body.len())));
            let _ = out.write_all(&body);
        }
        Reply::File { body, honour_range } => {
            let range = headers
                .get("range")
                .and_then(|r| r.strip_prefix("bytes="))
                .and_then(|r| r.split_once('-'))
                .and_then(|(a, b)| Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?)));
            match range {
                Some((a, b)) if honour_range && a < body.len() => {
                    let end = b.min(body.len() - 1);
                    let part = &body[a..=end];
                    let cr = vec![
                        ("Content-Type".to_owned(), "audio/wav".to_owned()),
                        (
                            "Content-Range".to_owned(),
                            format!("bytes {a}-{end}/{}", body.len()),
                        ),
                    ];
                    let _ = out.write_all(&head(206, &cr, Some(part.len())));
                    let _ = out.write_all(part);
                    state.lock().unwrap().written.insert(path, part.len());
                }
                _ => {
                    let ct = vec![("Content-Type".to_owned(), "audio/wav".to_owned())];
                    let _ = out.write_all(&head(200, &ct, Some(body.len())));
                    let _ = out.write_all(&body);
                    state.lock().unwrap().written.insert(path, body.len());
                }
            }
        }
        Reply::Endless { len } => {
            let mut body = super::support::valid(8);
            body.resize(16 * 1024, 0x11);
            let ct = vec![("Content-Type".to_owned(), "audio/wav".to_owned())];
            let _ = out.write_all(&head(200, &ct, Some(len)));
            let mut written = 0;
            let mut first = true;
            while written < len {
                let chunk: &[u8] = if first { &body } else { &[0x22; 16 * 1024] };
                first = false;
                let n = chunk.len().min(len - written);
                if out.write_all(&chunk[..n]).is_err() {
                    break;
                }
                written += n;
            }
            state.lock().unwrap().written.insert(path, written);
        }
        Reply::Silent { for_ms } => {
            thread::sleep(Duration::from_millis(for_ms));
        }
        Reply::Drip { every_ms, count } => {
            let _ = out.write_all(&head(200, &[], Some(count)));
            for _ in 0..count {
                if out.write_all(b"R").is_err() {
                    break;
                }
                let _ = out.flush();
                thread::sleep(Duration::from_millis(every_ms));
            }
        }
        Reply::Reset => {
            let sock = socket2::SockRef::from(&out);
            let _ = sock.set_linger(Some(Duration::ZERO));
            drop(out);
        }
        Reply::Raw(bytes) => {
            let _ = out.write_all(&bytes);
        }
        Reply::EndlessHeaders { max } => {
            let mut written = 0;
            if out.write_all(b"HTTP/1.1 200 OK\r\n").is_ok() {
                while written < max {
                    if out
                        .write_all(b"X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n")
                        .is_err()
                    {
                        break;
                    }
                    written += 45;
                }
            }
            state.lock().unwrap().written.insert(path, written);
        }
        Reply::Short {
            content_length,
            body,
        } => {
            let _ = out.write_all(&head(200, &[], Some(content_length)));
            let _ = out.write_all(&body);
            let _ = out.shutdown(Shutdown::Both);
        }
        Reply::After { .. } => {}
    }
}
