//! Opt-in active network checks. Nothing here runs unless the user named the
//! targets (`--egress-target`, `--metadata-target`, `--internal-target`); every
//! attempt has a short timeout, and response bodies are never kept.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// What happened when connecting to a target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// A TCP connection was established.
    Connected,
    /// The target answered with a reset: the host is reachable but refused (or a firewall rejected).
    Refused,
    /// No answer before the timeout, or no route: blocked.
    Blocked(String),
    /// The target could not be resolved or parsed.
    Invalid(String),
}

/// The outcome of one active check.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// The target as given.
    pub target: String,
    /// What happened.
    pub reach: Reach,
    /// For metadata checks: the HTTP status line's code, when one came back.
    pub http_status: Option<u16>,
}

/// Parses `HOST:PORT` (or `[v6]:PORT`) into addresses, resolving names.
pub fn resolve(target: &str) -> Result<Vec<SocketAddr>, String> {
    target
        .to_socket_addrs()
        .map(|a| a.collect::<Vec<_>>())
        .map_err(|e| format!("cannot resolve `{target}`: {e}"))
        .and_then(|v| if v.is_empty() { Err(format!("`{target}` resolves to no address")) } else { Ok(v) })
}

/// Tries a TCP connection to `target`.
pub fn connect(target: &str, timeout: Duration) -> Attempt {
    let addrs = match resolve(target) {
        Ok(a) => a,
        Err(e) => return Attempt { target: target.into(), reach: Reach::Invalid(e), http_status: None },
    };
    let mut last = Reach::Blocked("no address tried".into());
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeout) {
            Ok(_) => return Attempt { target: target.into(), reach: Reach::Connected, http_status: None },
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => last = Reach::Refused,
            Err(e) => {
                if last != Reach::Refused {
                    last = Reach::Blocked(e.to_string());
                }
            }
        }
    }
    Attempt { target: target.into(), reach: last, http_status: None }
}

/// Probes a cloud metadata service at `addr` (`HOST` or `HOST:PORT`, port 80 by default):
/// connects, and sends one unauthenticated IMDSv1-style request to learn whether it answers
/// without a session token. Only the status code is kept.
pub fn metadata(addr: &str, timeout: Duration) -> Attempt {
    let target = metadata_target(addr);
    let addrs = match resolve(&target) {
        Ok(a) => a,
        Err(e) => return Attempt { target, reach: Reach::Invalid(e), http_status: None },
    };
    let mut attempt = Attempt {
        target: target.clone(),
        reach: Reach::Blocked("no address tried".into()),
        http_status: None,
    };
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeout) {
            Ok(mut s) => {
                attempt.reach = Reach::Connected;
                let _ = s.set_read_timeout(Some(timeout));
                let _ = s.set_write_timeout(Some(timeout));
                let host = target.rsplit_once(':').map(|(h, _)| h).unwrap_or(&target);
                let req = format!(
                    "GET /latest/meta-data/ HTTP/1.0\r\nHost: {host}\r\nUser-Agent: stance-probe\r\n\r\n"
                );
                if s.write_all(req.as_bytes()).is_ok() {
                    let mut head = [0u8; 64];
                    let mut n = 0;
                    while n < head.len() {
                        match s.read(&mut head[n..]) {
                            Ok(0) | Err(_) => break,
                            Ok(k) => n += k,
                        }
                    }
                    attempt.http_status = parse_status(&head[..n]);
                }
                return attempt;
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => attempt.reach = Reach::Refused,
            Err(e) => {
                if attempt.reach != Reach::Refused {
                    attempt.reach = Reach::Blocked(e.to_string());
                }
            }
        }
    }
    attempt
}

/// `addr` with port 80 added when it has none (a bare IPv4 address, `[v6]`, or a name).
pub fn metadata_target(addr: &str) -> String {
    if addr.parse::<SocketAddr>().is_ok() {
        addr.to_string()
    } else if let Ok(ip) = addr.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>() {
        SocketAddr::new(ip, 80).to_string()
    } else if addr.contains(':') {
        addr.to_string()
    } else {
        format!("{addr}:80")
    }
}

fn parse_status(head: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(head).ok()?;
    let mut parts = text.split_whitespace();
    let proto = parts.next()?;
    if !proto.starts_with("HTTP/") {
        return None;
    }
    parts.next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines() {
        assert_eq!(parse_status(b"HTTP/1.1 200 OK\r\n"), Some(200));
        assert_eq!(parse_status(b"HTTP/1.0 401 Unauthorized"), Some(401));
        assert_eq!(parse_status(b"SSH-2.0-OpenSSH"), None);
    }

    #[test]
    fn loopback_listener_is_connected_and_closed_port_is_refused() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        assert_eq!(connect(&format!("127.0.0.1:{port}"), Duration::from_secs(1)).reach, Reach::Connected);
        drop(l);
        assert_eq!(connect(&format!("127.0.0.1:{port}"), Duration::from_secs(1)).reach, Reach::Refused);
        assert!(matches!(connect("not a target", Duration::from_secs(1)).reach, Reach::Invalid(_)));
    }

    #[test]
    fn metadata_probe_reads_only_the_status() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let t = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut buf = [0u8; 512];
            let _ = s.read(&mut buf);
            s.write_all(b"HTTP/1.0 200 OK\r\n\r\nsecret-role-credentials").unwrap();
        });
        let a = metadata(&format!("127.0.0.1:{port}"), Duration::from_secs(2));
        t.join().unwrap();
        assert_eq!(a.reach, Reach::Connected);
        assert_eq!(a.http_status, Some(200));
        assert!(!format!("{a:?}").contains("secret-role"));
    }
}
