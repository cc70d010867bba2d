//! Which proxy, if any, a server is reached through: the environment's `HTTP_PROXY`
//! (for `http://` servers), `HTTPS_PROXY` (for `https://`), `ALL_PROXY` (either), each
//! also in lower case, and `NO_PROXY` for hosts to reach directly — the conventions curl,
//! Python's requests and Go share. The choice is made once per server, here, so that
//! lfmbench can say in its messages and in the run's engine info which proxy it used;
//! ureq then opens the tunnel (HTTP CONNECT, or SOCKS).
//!
//! `NO_PROXY` is a comma-separated list of host names (matching the name and its
//! subdomains; a leading `.` or `*.` is the same), IP addresses, CIDR ranges
//! (`10.0.0.0/8`), any of them with `:port`, or `*` for everything. Loopback servers get
//! no special case: with a proxy set and no `NO_PROXY`, they are reached through the
//! proxy too (and the run's engine info says so).

use std::net::IpAddr;

use crate::config::endpoint::Endpoint;

/// The proxy chosen for one server.
#[derive(Clone)]
pub struct Chosen {
    pub proxy: ureq::Proxy,
    /// The variable it came from, e.g. `HTTPS_PROXY`.
    pub var: &'static str,
    /// Its URL with any user and password replaced, for messages and run files.
    pub shown: String,
}

impl std::fmt::Debug for Chosen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (from {})", self.shown, self.var)
    }
}

impl Chosen {
    /// `http://proxy:3128 (from HTTPS_PROXY)`.
    pub fn describe(&self) -> String {
        format!("{} (from {})", self.shown, self.var)
    }
}

/// The proxy for `endpoint` from the process environment.
pub fn from_env(endpoint: &Endpoint) -> Result<Option<Chosen>, String> {
    choose(endpoint, &|k| std::env::var(k).ok())
}

/// The proxy for `endpoint`, reading variables through `env` (tests pass a map).
pub fn choose(
    endpoint: &Endpoint,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Chosen>, String> {
    let candidates: [&'static str; 4] = if endpoint.tls {
        ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
    } else {
        ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
    };
    let Some((var, url)) = candidates.iter().find_map(|v| {
        env(v)
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty())
            .map(|u| (*v, u))
    }) else {
        return Ok(None);
    };
    let no_proxy = ["no_proxy", "NO_PROXY"].iter().find_map(|v| env(v));
    if let Some(list) = no_proxy
        && bypasses(&list, &endpoint.host, endpoint.port)
    {
        return Ok(None);
    }
    let shown = hide_credentials(&url);
    let proxy = ureq::Proxy::new(&url).map_err(|e| {
        format!(
            "{var} = `{shown}` is not a proxy URL ({e})\n  help: write it as http://HOST:PORT (or socks5://HOST:PORT), or unset {var}; add `{}` to NO_PROXY to reach this server directly",
            endpoint.host
        )
    })?;
    Ok(Some(Chosen { proxy, var, shown }))
}

/// Does the `NO_PROXY` list `list` send `host:port` around the proxy?
pub fn bypasses(list: &str, host: &str, port: u16) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let host_ip: Option<IpAddr> = host.parse().ok();
    list.split(',').any(|entry| {
        let entry = entry.trim().to_ascii_lowercase();
        if entry.is_empty() {
            return false;
        }
        if entry == "*" {
            return true;
        }
        let (pattern, want_port) = split_entry_port(&entry);
        if want_port.is_some_and(|p| p != port) {
            return false;
        }
        if let Some((net, bits)) = pattern.split_once('/') {
            return match (host_ip, net.parse::<IpAddr>(), bits.parse::<u8>()) {
                (Some(ip), Ok(net), Ok(bits)) => in_cidr(ip, net, bits),
                _ => false,
            };
        }
        if let Ok(ip) = pattern.parse::<IpAddr>() {
            return host_ip == Some(ip);
        }
        let domain = pattern
            .trim_start_matches('*')
            .trim_start_matches('.')
            .trim_end_matches('.');
        !domain.is_empty()
            && (host == domain
                || host
                    .strip_suffix(domain)
                    .is_some_and(|rest| rest.ends_with('.')))
    })
}

/// `host:port` → (host, port); `[v6]:port` and bare IPv6 addresses understood.
fn split_entry_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[') {
        if let Some((h, after)) = rest.split_once(']') {
            return (h, after.strip_prefix(':').and_then(|p| p.parse().ok()));
        }
        return (entry, None);
    }
    // More than one ':' without brackets: an IPv6 address (or range), no port.
    if entry.matches(':').count() == 1
        && let Some((h, p)) = entry.split_once(':')
        && let Ok(p) = p.parse::<u16>()
    {
        return (h, Some(p));
    }
    (entry, None)
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if bits <= 32 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if bits <= 128 => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits))
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// The URL with `user:password@` replaced by `***@`.
fn hide_credentials(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (format!("{s}://"), r),
        None => (String::new(), url),
    };
    let end = rest.find('/').unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}***@{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(url: &str) -> Endpoint {
        Endpoint::parse(url).expect("url")
    }

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    fn chosen(url: &str, vars: &[(&str, &str)]) -> Option<(&'static str, String)> {
        choose(&ep(url), &env(vars))
            .expect("valid")
            .map(|c| (c.var, c.shown))
    }

    #[test]
    fn the_scheme_picks_the_variable() {
        let vars = [
            ("HTTP_PROXY", "http://plain:3128"),
            ("HTTPS_PROXY", "http://secure:3128"),
        ];
        assert_eq!(
            chosen("http://10.1.2.3:8080", &vars),
            Some(("HTTP_PROXY", "http://plain:3128".into()))
        );
        assert_eq!(
            chosen("https://api.example.com", &vars),
            Some(("HTTPS_PROXY", "http://secure:3128".into()))
        );
        // Lower case first, ALL_PROXY as the fallback, empty values ignored.
        let vars = [
            ("https_proxy", ""),
            ("ALL_PROXY", "socks5://gw:1080"),
            ("http_proxy", "http://lower:1"),
            ("HTTP_PROXY", "http://upper:1"),
        ];
        assert_eq!(
            chosen("https://h", &vars),
            Some(("ALL_PROXY", "socks5://gw:1080".into()))
        );
        assert_eq!(
            chosen("http://h", &vars),
            Some(("http_proxy", "http://lower:1".into()))
        );
        assert_eq!(chosen("http://h", &[]), None);
    }

    #[test]
    fn no_proxy_sends_matching_hosts_direct() {
        let p = ("HTTP_PROXY", "http://proxy:3128");
        for (list, url, direct) in [
            ("localhost,127.0.0.1", "http://127.0.0.1:8080", true),
            (" example.com ", "http://api.example.com", true),
            (".example.com", "http://example.com", true),
            ("*.example.com", "http://a.b.example.com", true),
            ("example.com", "http://notexample.com", false),
            ("10.0.0.0/8", "http://10.20.30.40:1", true),
            ("10.0.0.0/8", "http://11.0.0.1:1", false),
            ("fd00::/8", "http://[fd12::1]:80", true),
            ("::1", "http://[::1]:80", true),
            ("[::1]:81", "http://[::1]:80", false),
            ("127.0.0.1:8080", "http://127.0.0.1:8080", true),
            ("127.0.0.1:9090", "http://127.0.0.1:8080", false),
            ("*", "http://anything", true),
            ("", "http://127.0.0.1", false),
        ] {
            let got = chosen(url, &[p, ("NO_PROXY", list)]);
            assert_eq!(got.is_none(), direct, "NO_PROXY={list:?} {url}");
        }
    }

    #[test]
    fn credentials_of_a_proxy_are_never_shown() {
        let c = choose(
            &ep("http://h"),
            &env(&[("HTTP_PROXY", "http://alice:s3cret@proxy:3128")]),
        )
        .expect("valid")
        .expect("proxy");
        assert_eq!(c.shown, "http://***@proxy:3128");
        assert!(!format!("{c:?} {}", c.describe()).contains("s3cret"));
    }

    #[test]
    fn a_bad_proxy_url_names_its_variable() {
        let e = choose(
            &ep("https://h"),
            &env(&[("HTTPS_PROXY", "gopher://user:pw@proxy:70")]),
        )
        .expect_err("bad scheme");
        assert!(e.contains("HTTPS_PROXY = `gopher://***@proxy:70`"), "{e}");
        assert!(e.contains("NO_PROXY"), "{e}");
        assert!(!e.contains("pw"), "{e}");
    }
}
