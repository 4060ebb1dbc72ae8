//! Network facts: listening sockets from `/proc/net`, and the nftables ruleset of the
//! probe's network namespace read over netlink (read-only dumps; needs CAP_NET_ADMIN).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::host::Host;

/// A listening socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listener {
    /// `tcp`, `tcp6`, `udp` or `udp6`.
    pub proto: &'static str,
    /// Local address.
    pub addr: IpAddr,
    /// Local port.
    pub port: u16,
    /// Owner uid.
    pub uid: u32,
}

impl Listener {
    /// Whether it is bound to loopback only.
    pub fn is_loopback(&self) -> bool {
        match self.addr {
            IpAddr::V4(a) => a.is_loopback(),
            IpAddr::V6(a) => a.is_loopback() || a.to_ipv4_mapped().is_some_and(|m| m.is_loopback()),
        }
    }
}

/// Reads TCP listeners and bound UDP sockets: on the live host through sock_diag netlink
/// (only the listening sockets are walked; `/proc/net/tcp` walks every hash bucket and is
/// slow on large machines), elsewhere from the tree's `/proc/net`. `None` when unavailable.
pub fn listeners(host: &Host) -> Option<Vec<Listener>> {
    if host.is_live()
        && let Some(mut v) = diag::listeners()
    {
        v.sort_by(|a, b| (a.port, a.proto).cmp(&(b.port, b.proto)));
        v.dedup();
        return Some(v);
    }
    proc_listeners(host)
}

fn proc_listeners(host: &Host) -> Option<Vec<Listener>> {
    let mut out = Vec::new();
    let mut any = false;
    for (proto, path, listen_state) in [
        ("tcp", "/proc/net/tcp", "0A"),
        ("tcp6", "/proc/net/tcp6", "0A"),
        ("udp", "/proc/net/udp", "07"),
        ("udp6", "/proc/net/udp6", "07"),
    ] {
        let Ok(text) = host.read_string(path) else { continue };
        any = true;
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 8 || f[3] != listen_state {
                continue;
            }
            // UDP sockets in state 07 include connected clients; a listener has no peer.
            if proto.starts_with("udp") && !f[2].ends_with(":0000") {
                continue;
            }
            let Some((addr, port)) = parse_endpoint(f[1]) else { continue };
            let uid = f[7].parse().unwrap_or(u32::MAX);
            out.push(Listener { proto, addr, port, uid });
        }
    }
    out.sort_by(|a, b| (a.port, a.proto).cmp(&(b.port, b.proto)));
    out.dedup();
    any.then_some(out)
}

fn parse_endpoint(s: &str) -> Option<(IpAddr, u16)> {
    if !s.is_ascii() {
        return None;
    }
    let (a, p) = s.split_once(':')?;
    let port = u16::from_str_radix(p, 16).ok()?;
    let addr = match a.len() {
        8 => IpAddr::V4(Ipv4Addr::from(u32::from_str_radix(a, 16).ok()?.swap_bytes())),
        32 => {
            let mut bytes = [0u8; 16];
            for i in 0..4 {
                let word = u32::from_str_radix(a.get(i * 8..i * 8 + 8)?, 16).ok()?.swap_bytes();
                bytes[i * 4..i * 4 + 4].copy_from_slice(&word.to_be_bytes());
            }
            IpAddr::V6(Ipv6Addr::from(bytes))
        }
        _ => return None,
    };
    Some((addr, port))
}

/// A base chain of the nftables ruleset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseChain {
    /// `ip`, `ip6`, `inet`, `netdev`, …
    pub family: &'static str,
    /// Table name.
    pub table: String,
    /// Chain name.
    pub name: String,
    /// Hook number (inet: 0 prerouting, 1 input, 2 forward, 3 output, 4 postrouting).
    pub hook: u32,
    /// Chain type (`filter`, `nat`, `route`).
    pub kind: String,
    /// Whether the default policy drops.
    pub policy_drop: bool,
    /// Number of rules in the chain.
    pub rules: usize,
}

impl BaseChain {
    /// Whether this is a filter chain on the way out of this namespace (the output or
    /// postrouting hook, or netdev egress).
    pub fn is_egress_filter(&self) -> bool {
        let out_hook = match self.family {
            "ip" | "ip6" | "inet" => self.hook == 3 || self.hook == 4,
            "netdev" => self.hook == 1,
            _ => false,
        };
        out_hook && self.kind == "filter"
    }

    /// Which address families a drop policy on this chain closes by default: (IPv4, IPv6).
    pub fn drops_by_default(&self) -> (bool, bool) {
        if !self.is_egress_filter() || !self.policy_drop {
            return (false, false);
        }
        match self.family {
            "ip" => (true, false),
            "ip6" => (false, true),
            _ => (true, true),
        }
    }

    /// `family table chain` for evidence.
    pub fn label(&self) -> String {
        format!("{} {} {}", self.family, self.table, self.name)
    }
}

/// Why the nftables ruleset could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NftError {
    /// The kernel refused the dump (no CAP_NET_ADMIN in this namespace).
    PermissionDenied,
    /// Not the live host: there is no ruleset to read.
    NotLive,
    /// Anything else.
    Other(String),
}

/// Dumps chains and rules of every family through netlink.
pub fn nft_base_chains(host: &Host) -> Result<Vec<BaseChain>, NftError> {
    if !host.is_live() {
        return Err(NftError::NotLive);
    }
    netlink::dump()
}

mod nl {
    //! The one netlink exchange the probe needs: send a dump request, read every reply
    //! message until the kernel says done. Read-only requests only; replies parsed
    //! defensively (lengths checked, bounded number of reads).

    use std::os::fd::OwnedFd;
    use std::time::Duration;

    use rustix::net::netlink::SocketAddrNetlink;
    use rustix::net::{AddressFamily, Protocol, RecvFlags, SendFlags, SocketType};

    const NLMSG_ERROR: u16 = 2;
    const NLMSG_DONE: u16 = 3;
    const NLM_F_REQUEST: u16 = 1;
    const NLM_F_DUMP: u16 = 0x300;

    /// Why a dump failed.
    #[derive(Debug)]
    pub(super) enum DumpError {
        /// The kernel refused (EPERM/EACCES): no CAP_NET_ADMIN here.
        PermissionDenied,
        /// Anything else.
        Other(String),
    }

    /// A netlink socket of `protocol` with a receive timeout.
    pub(super) fn socket(ty: SocketType, protocol: Protocol) -> Result<OwnedFd, DumpError> {
        let fd = rustix::net::socket(AddressFamily::NETLINK, ty, Some(protocol))
            .map_err(|e| DumpError::Other(format!("netlink socket: {e}")))?;
        let _ = rustix::net::sockopt::set_socket_timeout(
            &fd,
            rustix::net::sockopt::Timeout::Recv,
            Some(Duration::from_secs(2)),
        );
        Ok(fd)
    }

    /// Sends a dump request of `msg_type` carrying `payload`, and calls `each` with the body of
    /// every reply of `reply_type` until the kernel's done message.
    pub(super) fn dump(
        fd: &OwnedFd,
        msg_type: u16,
        seq: u32,
        payload: &[u8],
        reply_type: u16,
        mut each: impl FnMut(&[u8]),
    ) -> Result<(), DumpError> {
        let len = 16 + payload.len();
        let mut req = Vec::with_capacity(len);
        req.extend_from_slice(&(len as u32).to_ne_bytes());
        req.extend_from_slice(&msg_type.to_ne_bytes());
        req.extend_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
        req.extend_from_slice(&seq.to_ne_bytes());
        req.extend_from_slice(&0u32.to_ne_bytes());
        req.extend_from_slice(payload);
        rustix::net::sendto(fd, &req, SendFlags::empty(), &SocketAddrNetlink::new(0, 0))
            .map_err(|e| DumpError::Other(format!("netlink send: {e}")))?;
        let mut buf = vec![0u8; 64 * 1024];
        // Bounded: a dump longer than this many reads is not a runner's.
        for _ in 0..10_000 {
            let (n, _) = rustix::net::recv(fd, &mut buf, RecvFlags::empty())
                .map_err(|e| DumpError::Other(format!("netlink receive: {e}")))?;
            let mut data = &buf[..n.min(buf.len())];
            if data.is_empty() {
                return Ok(());
            }
            while data.len() >= 16 {
                let len = u32::from_ne_bytes([data[0], data[1], data[2], data[3]]) as usize;
                let ty = u16::from_ne_bytes([data[4], data[5]]);
                if len < 16 || len > data.len() {
                    return Err(DumpError::Other("malformed netlink message".into()));
                }
                let body = &data[16..len];
                match ty {
                    NLMSG_DONE => return Ok(()),
                    NLMSG_ERROR => {
                        let code =
                            body.get(..4).map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]])).unwrap_or(0);
                        return match code {
                            0 => Ok(()),
                            -1 | -13 => Err(DumpError::PermissionDenied),
                            c => Err(DumpError::Other(format!("netlink error {}", -c))),
                        };
                    }
                    t if t == reply_type => each(body),
                    _ => {}
                }
                data = data.get(((len + 3) & !3)..).unwrap_or(&[]);
            }
        }
        Err(DumpError::Other("netlink dump did not end".into()))
    }
}

mod diag {
    //! Listening sockets over NETLINK_SOCK_DIAG (what `ss -l` uses): one dump per
    //! family and protocol, filtered by state in the kernel.

    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    use rustix::net::SocketType;
    use rustix::net::netlink;

    use super::{Listener, nl};

    const SOCK_DIAG_BY_FAMILY: u16 = 20;
    const TCP_LISTEN: u32 = 10;
    const TCP_CLOSE: u32 = 7;

    /// Every listener, or `None` if sock_diag is unavailable.
    pub(super) fn listeners() -> Option<Vec<Listener>> {
        let fd = nl::socket(SocketType::DGRAM, netlink::SOCK_DIAG).ok()?;
        let mut out = Vec::new();
        for (seq, (family, proto, state, name)) in [
            (2u8, 6u8, TCP_LISTEN, "tcp"),
            (10, 6, TCP_LISTEN, "tcp6"),
            (2, 17, TCP_CLOSE, "udp"),
            (10, 17, TCP_CLOSE, "udp6"),
        ]
        .into_iter()
        .enumerate()
        {
            // inet_diag_req_v2: family, protocol, ext, pad, states, then a zeroed socket id.
            let mut req = Vec::with_capacity(56);
            req.extend_from_slice(&[family, proto, 0, 0]);
            req.extend_from_slice(&(1u32 << state).to_ne_bytes());
            req.extend_from_slice(&[0u8; 48]);
            nl::dump(&fd, SOCK_DIAG_BY_FAMILY, seq as u32 + 1, &req, SOCK_DIAG_BY_FAMILY, |body| {
                out.extend(parse(body, name));
            })
            .ok()?;
        }
        Some(out)
    }

    /// inet_diag_msg: family, state, timer, retrans, id {sport, dport, src[16], dst[16], if,
    /// cookie[8]}, expires, rqueue, wqueue, uid, inode.
    fn parse(b: &[u8], proto: &'static str) -> Option<Listener> {
        if b.len() < 72 {
            return None;
        }
        let family = b[0];
        let port = u16::from_be_bytes([b[4], b[5]]);
        let dport = u16::from_be_bytes([b[6], b[7]]);
        if proto.starts_with("udp") && dport != 0 {
            return None; // a connected UDP socket is a client, not a listener
        }
        let src = &b[8..24];
        let addr = if family == 2 {
            IpAddr::V4(Ipv4Addr::new(src[0], src[1], src[2], src[3]))
        } else {
            IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(src).ok()?))
        };
        let uid = u32::from_ne_bytes(b[64..68].try_into().ok()?);
        Some(Listener { proto, addr, port, uid })
    }
}

mod netlink {
    //! The nftables ruleset over nfnetlink: two read-only dumps (chains, rules).

    use std::collections::HashMap;

    use rustix::net::SocketType;
    use rustix::net::netlink as proto;

    use super::nl::{self, DumpError};
    use super::{BaseChain, NftError};

    const NFNL_SUBSYS_NFTABLES: u16 = 10;
    const NFT_MSG_GETCHAIN: u16 = 4;
    const NFT_MSG_NEWCHAIN: u16 = 3;
    const NFT_MSG_GETRULE: u16 = 7;
    const NFT_MSG_NEWRULE: u16 = 6;

    fn family_name(f: u8) -> &'static str {
        match f {
            1 => "inet",
            2 => "ip",
            3 => "arp",
            5 => "netdev",
            7 => "bridge",
            10 => "ip6",
            _ => "other",
        }
    }

    struct Attrs<'a> {
        buf: &'a [u8],
    }

    impl<'a> Iterator for Attrs<'a> {
        type Item = (u16, &'a [u8]);
        fn next(&mut self) -> Option<Self::Item> {
            if self.buf.len() < 4 {
                return None;
            }
            let len = u16::from_ne_bytes([self.buf[0], self.buf[1]]) as usize;
            let ty = u16::from_ne_bytes([self.buf[2], self.buf[3]]) & 0x3fff;
            if len < 4 || len > self.buf.len() {
                return None;
            }
            let payload = &self.buf[4..len];
            let advance = (len + 3) & !3;
            self.buf = self.buf.get(advance..).unwrap_or(&[]);
            Some((ty, payload))
        }
    }

    fn string(b: &[u8]) -> String {
        String::from_utf8_lossy(b.split(|c| *c == 0).next().unwrap_or(b)).into_owned()
    }

    fn be32(b: &[u8]) -> Option<u32> {
        Some(u32::from_be_bytes(b.get(..4)?.try_into().ok()?))
    }

    fn convert(e: DumpError) -> NftError {
        match e {
            DumpError::PermissionDenied => NftError::PermissionDenied,
            DumpError::Other(m) => NftError::Other(m),
        }
    }

    /// Dumps one kind of object; `each` gets the family and the attributes of each reply.
    fn request(msg: u16, reply: u16, seq: u32, mut each: impl FnMut(u8, &[u8])) -> Result<(), NftError> {
        let fd = nl::socket(SocketType::RAW, proto::NETFILTER).map_err(convert)?;
        // nfgenmsg: family unspec, version 0, resource id 0.
        nl::dump(
            &fd,
            (NFNL_SUBSYS_NFTABLES << 8) | msg,
            seq,
            &[0, 0, 0, 0],
            (NFNL_SUBSYS_NFTABLES << 8) | reply,
            |body| {
                if body.len() >= 4 {
                    each(body[0], &body[4..]);
                }
            },
        )
        .map_err(convert)
    }

    pub(super) fn dump() -> Result<Vec<BaseChain>, NftError> {
        let mut chains: Vec<BaseChain> = Vec::new();
        request(NFT_MSG_GETCHAIN, NFT_MSG_NEWCHAIN, 1, |family, attrs| {
            let (mut table, mut name, mut kind, mut hook, mut policy_drop) =
                (String::new(), String::new(), String::new(), None, false);
            for (ty, v) in (Attrs { buf: attrs }) {
                match ty {
                    1 => table = string(v),
                    3 => name = string(v),
                    4 => hook = (Attrs { buf: v }).find(|(t, _)| *t == 1).and_then(|(_, h)| be32(h)),
                    5 => policy_drop = be32(v) == Some(0),
                    7 => kind = string(v),
                    _ => {}
                }
            }
            if let Some(hook) = hook {
                chains.push(BaseChain {
                    family: family_name(family),
                    table,
                    name,
                    hook,
                    kind,
                    policy_drop,
                    rules: 0,
                });
            }
        })?;
        let mut counts: HashMap<(&'static str, String, String), usize> = HashMap::new();
        request(NFT_MSG_GETRULE, NFT_MSG_NEWRULE, 2, |family, attrs| {
            let (mut table, mut chain) = (String::new(), String::new());
            for (ty, v) in (Attrs { buf: attrs }) {
                match ty {
                    1 => table = string(v),
                    2 => chain = string(v),
                    _ => {}
                }
            }
            *counts.entry((family_name(family), table, chain)).or_default() += 1;
        })?;
        for c in &mut chains {
            c.rules = counts.get(&(c.family, c.table.clone(), c.name.clone())).copied().unwrap_or(0);
        }
        Ok(chains)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_listeners_include_a_socket_we_open() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let u = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let uport = u.local_addr().unwrap().port();
        let found = listeners(&Host::live()).unwrap();
        assert!(found.iter().any(|x| x.port == port && x.proto == "tcp" && x.is_loopback()), "{found:?}");
        assert!(found.iter().any(|x| x.port == uport && x.proto == "udp"), "{found:?}");
        // The same sockets, read the slow way, agree.
        let slow = proc_listeners(&Host::live()).unwrap();
        assert!(slow.iter().any(|x| x.port == port && x.proto == "tcp"));
    }

    #[test]
    fn parses_proc_net_endpoints() {
        assert_eq!(parse_endpoint("0100007F:0277"), Some((IpAddr::V4(Ipv4Addr::LOCALHOST), 631)));
        assert_eq!(parse_endpoint("00000000:0016"), Some((IpAddr::V4(Ipv4Addr::UNSPECIFIED), 22)));
        assert_eq!(
            parse_endpoint("00000000000000000000000001000000:1F90"),
            Some((IpAddr::V6(Ipv6Addr::LOCALHOST), 8080))
        );
        assert_eq!(parse_endpoint("zz:1"), None);
        // Review finding: a non-ASCII address field must not panic on byte slicing.
        assert_eq!(parse_endpoint("0000000é0000000000000000000000000:0016"), None);
    }
}
