//! Whether an IP address, or a host name, is on the public internet, where ACS fetches prompts
//! from.
//!
//! Pure functions, tested over many addresses and names: the tests never connect anywhere.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is not public, or `None` when it is a global unicast address.
pub fn non_public_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, _, _) => "unspecified or \"this network\" (0.0.0.0/8)",
        (10, _, _) => "private (10.0.0.0/8)",
        (100, 64..=127, _) => "carrier-grade NAT (100.64.0.0/10)",
        (127, _, _) => "loopback (127.0.0.0/8)",
        (169, 254, _) => "link-local (169.254.0.0/16)",
        (172, 16..=31, _) => "private (172.16.0.0/12)",
        (192, 0, 0) => "IETF protocol assignments (192.0.0.0/24)",
        (192, 0, 2) => "documentation (192.0.2.0/24)",
        (192, 88, 99) => "deprecated 6to4 relay (192.88.99.0/24)",
        (192, 168, _) => "private (192.168.0.0/16)",
        (198, 18..=19, _) => "benchmarking (198.18.0.0/15)",
        (198, 51, 100) => "documentation (198.51.100.0/24)",
        (203, 0, 113) => "documentation (203.0.113.0/24)",
        (224..=239, _, _) => "multicast (224.0.0.0/4)",
        (255, 255, 255) if ip == Ipv4Addr::BROADCAST => "broadcast (255.255.255.255)",
        (240..=255, _, _) => "reserved (240.0.0.0/4)",
        _ => return None,
    })
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_reason(v4).map(|_| "an IPv4-mapped address of a non-public IPv4 address");
    }
    let s = ip.segments();
    Some(match s {
        _ if ip.is_unspecified() => "unspecified (::)",
        _ if ip.is_loopback() => "loopback (::1)",
        [0, 0, 0, 0, 0, 0, _, _] => "IPv4-compatible (deprecated, ::/96)",
        [0x64, 0xff9b, 1, ..] => "local-use NAT64 (64:ff9b:1::/48)",
        [0x100, 0, 0, 0, ..] => "discard-only (100::/64)",
        [0x2001, 0x0db8, ..] => "documentation (2001:db8::/32)",
        [0x2001, b, ..] if b < 0x200 => "IETF protocol assignments (2001::/23)",
        [0x2002, ..] => "6to4 (2002::/16)",
        [0x3fff, b, ..] if b < 0x1000 => "documentation (3fff::/20)",
        [a, ..] if a & 0xfe00 == 0xfc00 => "unique local (fc00::/7)",
        [a, ..] if a & 0xffc0 == 0xfe80 => "link-local (fe80::/10)",
        [a, ..] if a & 0xffc0 == 0xfec0 => "site-local (deprecated, fec0::/10)",
        [a, ..] if a & 0xff00 == 0xff00 => "multicast (ff00::/8)",
        [a, ..] if a & 0xe000 != 0x2000 => "not global unicast (outside 2000::/3)",
        _ => return None,
    })
}

/// Why an address is never contacted, even where private addresses are allowed
/// (`--allow-private`): link-local addresses and the cloud platforms' own services
/// (169.254.169.254 on Azure, AWS and Google Cloud; Azure's WireServer, 168.63.129.16;
/// `fd00:ec2::254` on AWS; 100.100.100.200 on Alibaba Cloud), also when written as an IPv6
/// address that carries the IPv4 one (mapped, compatible, NAT64, 6to4, Teredo). No prompt is
/// served there, and a hostile URL or redirect aimed there would reach the machine's
/// credentials service.
pub fn never_contacted(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_never(v4),
        IpAddr::V6(v6) => {
            if v6.segments()[0] & 0xffc0 == 0xfe80 {
                return Some("link-local (fe80::/10)");
            }
            if v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
                return Some("a cloud metadata service (fd00:ec2::254)");
            }
            embedded_v4(v6).into_iter().find_map(v4_never)
        }
    }
}

fn v4_never(ip: Ipv4Addr) -> Option<&'static str> {
    match ip.octets() {
        [169, 254, ..] => Some("link-local (169.254.0.0/16), where cloud metadata services answer"),
        [100, 100, 100, 200] => Some("a cloud metadata service (100.100.100.200)"),
        [168, 63, 129, 16] => Some("Azure's platform service (WireServer, 168.63.129.16)"),
        _ => None,
    }
}

/// The IPv4 addresses an IPv6 address carries, by the schemes that carry one: IPv4-mapped and
/// -translated (`::ffff:0:0/96`, `::ffff:0:0:0/96`), IPv4-compatible (`::/96`), NAT64
/// (`64:ff9b::/96`, `64:ff9b:1::/48`), 6to4 (`2002::/16`) and Teredo (`2001::/32`: server and
/// client).
fn embedded_v4(ip: Ipv6Addr) -> Vec<Ipv4Addr> {
    let s = ip.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    let last = v4(s[6], s[7]);
    match s {
        [0, 0, 0, 0, 0, 0xffff, ..] | [0, 0, 0, 0, 0xffff, 0, ..] | [0, 0, 0, 0, 0, 0, ..] => {
            vec![last]
        }
        [0x64, 0xff9b, 0, 0, 0, 0, ..] | [0x64, 0xff9b, 1, ..] => vec![last],
        [0x2002, a, b, ..] => vec![v4(a, b)],
        [0x2001, 0, a, b, ..] => vec![v4(a, b), v4(!s[6], !s[7])],
        _ => Vec::new(),
    }
}

/// Why a host name can never be reached from the public internet, or `None` when it may be: a
/// special-use name (RFC 6761 and its successors) or a single label, which public DNS never
/// answers for a host. Such a name is refused before any lookup: no DNS query is sent for it.
pub fn non_public_name(host: &str) -> Option<&'static str> {
    classify_name(host).map(|(reason, _)| reason)
}

/// Why a host name resolves nowhere at all, not even on a private network (`.example`,
/// `.invalid`, `.alt`, `.onion`): refused before any lookup even when private addresses are
/// allowed (`--allow-private`).
pub fn unresolvable_name(host: &str) -> Option<&'static str> {
    classify_name(host)
        .filter(|(_, nowhere)| *nowhere)
        .map(|(reason, _)| reason)
}

/// The reason a name is not public, and whether it resolves nowhere.
fn classify_name(host: &str) -> Option<(&'static str, bool)> {
    // `localhost` itself resolves on this machine, without a query: the resolver refuses it
    // as loopback. Any other spelling (`localhost.`) could be sent to DNS.
    if host.eq_ignore_ascii_case("localhost") {
        return None;
    }
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let under = |suffix: &str| host == suffix || host.ends_with(&format!(".{suffix}"));
    Some(if under("localhost") {
        ("a loopback name (localhost, RFC 6761)", false)
    } else if under("example") {
        (
            "a documentation name (.example, RFC 2606) that never resolves",
            true,
        )
    } else if under("invalid") {
        (
            "an invalid name (.invalid, RFC 2606) that never resolves",
            true,
        )
    } else if under("alt") {
        (
            "a name outside DNS (.alt, RFC 9476) that never resolves",
            true,
        )
    } else if under("onion") {
        ("a Tor onion name (.onion, RFC 7686)", true)
    } else if under("test") {
        ("a testing name (.test, RFC 2606), not in public DNS", false)
    } else if under("local") {
        (
            "a multicast DNS name (.local, RFC 6762), resolved on the local link only",
            false,
        )
    } else if under("home.arpa") {
        ("a home network name (.home.arpa, RFC 8375)", false)
    } else if under("internal") {
        (
            "a private-use name (.internal, reserved by ICANN for private networks)",
            false,
        )
    } else if !host.contains('.') {
        (
            "a single-label name, resolved on a local network only",
            false,
        )
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Link-local and metadata addresses are never contacted; private ones may be.
    #[test]
    fn metadata_and_link_local_addresses_are_never_contacted() {
        for ip in [
            "169.254.169.254",
            "169.254.0.1",
            "::ffff:169.254.169.254",
            "fe80::1",
            "fd00:ec2::254",
            "100.100.100.200",
            "168.63.129.16",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::a9fe:a9fe",
            "64:ff9b::6464:64c8",
            "2002:a9fe:a9fe::",
            "::a9fe:a9fe",
            "::ffff:0:a9fe:a9fe",
            "2001:0:a9fe:a9fe::1",
            "2001:0:4136:e378:8000:63bf:5601:5601",
        ] {
            assert!(never_contacted(ip.parse().unwrap()).is_some(), "{ip}");
        }
        for ip in [
            "127.0.0.1",
            "::1",
            "10.0.0.1",
            "192.168.1.1",
            "fd00::1",
            "100.64.0.1",
            "20.1.2.3",
            "2001:db8::1",
            "64:ff9b::808:808",
            "2603:1030::1",
        ] {
            assert_eq!(never_contacted(ip.parse().unwrap()), None, "{ip}");
        }
    }

    fn reason(s: &str) -> Option<&'static str> {
        non_public_reason(s.parse().unwrap())
    }

    #[test]
    fn public_addresses_pass() {
        for a in [
            "8.8.8.8",
            "1.1.1.1",
            "20.60.1.1",  // Azure Storage range
            "52.239.1.1", // Azure Storage range
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.167.1.1",
            "198.17.255.255",
            "223.255.255.255",
            "2603:1030::1", // Azure
            "2001:4860:4860::8888",
            "2a00:1450::1",
            "::ffff:8.8.8.8",
        ] {
            assert_eq!(reason(a), None, "{a}");
        }
    }

    #[test]
    fn non_public_addresses_are_named() {
        let cases = [
            ("0.0.0.0", "unspecified"),
            ("10.1.2.3", "private"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("100.127.255.255", "carrier-grade NAT"),
            ("127.0.0.1", "loopback"),
            ("127.255.255.254", "loopback"),
            ("169.254.169.254", "link-local"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.0.0.8", "IETF"),
            ("192.0.2.10", "documentation"),
            ("192.168.1.1", "private"),
            ("198.18.0.1", "benchmarking"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.9", "documentation"),
            ("224.0.0.251", "multicast"),
            ("239.255.255.250", "multicast"),
            ("240.0.0.1", "reserved"),
            ("255.255.255.255", "broadcast"),
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("::ffff:127.0.0.1", "IPv4-mapped"),
            ("::ffff:10.0.0.1", "IPv4-mapped"),
            ("::ffff:169.254.169.254", "IPv4-mapped"),
            ("::127.0.0.1", "IPv4-compatible"),
            ("64:ff9b:1::1", "NAT64"),
            ("100::1", "discard"),
            ("2001:db8::1", "documentation"),
            ("2001::1", "IETF"),
            ("2002:c0a8:101::1", "6to4"),
            ("3fff::1", "documentation"),
            ("fc00::1", "unique local"),
            ("fd12:3456::1", "unique local"),
            ("fe80::1", "link-local"),
            ("febf::1", "link-local"),
            ("fec0::1", "site-local"),
            ("ff02::1", "multicast"),
            ("4000::1", "not global"),
        ];
        for (a, want) in cases {
            let got = reason(a).unwrap_or_else(|| panic!("{a} passed as public"));
            assert!(got.contains(want), "{a}: {got}");
        }
    }

    #[test]
    fn special_use_and_single_label_names_are_named() {
        for (host, want) in [
            ("api.LOCALHOST.", "loopback"),
            ("localhost.", "loopback"),
            ("LOCALHOST..", "loopback"),
            ("h.example", "documentation"),
            ("contoso.example", "documentation"),
            ("x.invalid", "invalid"),
            ("svc.test", "testing"),
            ("printer.local", "multicast DNS"),
            ("nas.home.arpa", "home network"),
            ("blob.internal", "private-use"),
            ("abc.onion", "onion"),
            ("c.alt", "outside DNS"),
            ("intranet", "single-label"),
        ] {
            let got = non_public_name(host).unwrap_or_else(|| panic!("{host} passed as public"));
            assert!(got.contains(want), "{host}: {got}");
        }
    }

    #[test]
    fn public_names_pass() {
        for host in [
            // Resolved locally, then refused by the resolver as loopback.
            "localhost",
            "contoso.blob.core.windows.net",
            "example.com",
            "www.example.org",
            "localhost.contoso.com",
            "test.contoso.com",
            "my-example.net",
            "cdn.local-prompts.com",
        ] {
            assert_eq!(non_public_name(host), None, "{host}");
        }
    }

    #[test]
    fn names_that_resolve_nowhere_are_refused_even_for_private_networks() {
        for host in ["h.example", "x.invalid", "c.alt", "abc.onion", "H.EXAMPLE."] {
            assert!(unresolvable_name(host).is_some(), "{host}");
        }
        for host in [
            "svc.test",
            "printer.local",
            "blob.internal",
            "intranet",
            "a.localhost",
        ] {
            assert!(
                non_public_name(host).is_some() && unresolvable_name(host).is_none(),
                "{host}"
            );
        }
    }
}
