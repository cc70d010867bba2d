//! Where a server is: `base_url` from models.toml, checked and split into scheme, host,
//! port and path prefix, with messages that say how to write it instead.
//!
//! `http://` and `https://` are accepted; a trailing `/v1` is dropped (OpenAI clients are
//! often configured with it), since endpoints are addressed as `/v1/…` below the prefix.
//! Credentials in the URL are refused: they would be stored with every run.

/// A server's address, from `base_url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `https://` (TLS, certificate verified) rather than `http://`.
    pub tls: bool,
    /// Host name or address; an IPv6 address without its brackets.
    pub host: String,
    pub port: u16,
    /// Path before `/v1/…`, without a trailing slash ("" for most servers).
    pub prefix: String,
}

impl Endpoint {
    /// Parse `base_url`: `http[s]://host[:port][/prefix]`.
    pub fn parse(base_url: &str) -> Result<Endpoint, String> {
        let s = base_url.trim();
        let lower = s.to_ascii_lowercase();
        let (tls, rest) = if lower.starts_with("http://") {
            (false, &s["http://".len()..])
        } else if lower.starts_with("https://") {
            (true, &s["https://".len()..])
        } else {
            return Err(format!(
                "`{s}` is not an http:// or https:// URL; write it as http://HOST:PORT, e.g. http://127.0.0.1:8080 (https://HOST[:PORT] for a server behind TLS)"
            ));
        };
        if rest.contains(['?', '#']) {
            return Err(format!(
                "`{s}`: base_url takes no query or fragment; give only http[s]://HOST:PORT[/prefix]"
            ));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err(format!(
                "`{s}` carries credentials; they would be stored with every run. Remove them and name an environment variable in `api_key_env` instead"
            ));
        }
        let default_port = if tls { 443 } else { 80 };
        let (host, port) =
            split_host_port(authority, default_port).map_err(|e| format!("`{s}`: {e}"))?;
        let mut prefix = path.trim_end_matches('/').to_string();
        if prefix.ends_with("/v1") {
            prefix.truncate(prefix.len() - 3);
        }
        Ok(Endpoint {
            tls,
            host,
            port,
            prefix,
        })
    }

    pub fn scheme(&self) -> &'static str {
        if self.tls { "https" } else { "http" }
    }

    /// `scheme://host:port<prefix><path>`: the URL requested, and the one messages show.
    pub fn url(&self, path: &str) -> String {
        format!(
            "{}://{}{}{path}",
            self.scheme(),
            self.authority(),
            self.prefix
        )
    }

    /// `host:port`, an IPv6 address in brackets.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

fn split_host_port(authority: &str, default_port: u16) -> Result<(String, u16), String> {
    if authority.is_empty() {
        return Err("no host".into());
    }
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (h, after) = rest
            .split_once(']')
            .ok_or_else(|| "unclosed `[` in an IPv6 address".to_string())?;
        (h.to_string(), after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (authority.to_string(), None),
        }
    };
    if host.is_empty() {
        return Err("no host".into());
    }
    let port = match port {
        None => default_port,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("port `{p}` is not a number from 1 to 65535"))?,
    };
    Ok((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_parse_with_and_without_v1() {
        let e = Endpoint::parse("http://127.0.0.1:8080").expect("plain");
        assert_eq!(
            (e.tls, e.host.as_str(), e.port, e.prefix.as_str()),
            (false, "127.0.0.1", 8080, "")
        );
        let e = Endpoint::parse("http://localhost:11434/v1/").expect("with /v1");
        assert_eq!((e.port, e.prefix.as_str()), (11434, ""));
        let e = Endpoint::parse("HTTP://[::1]:9000/api/v1").expect("ipv6 + prefix");
        assert_eq!(
            (e.host.as_str(), e.port, e.prefix.as_str()),
            ("::1", 9000, "/api")
        );
        assert_eq!(e.url("/v1/models"), "http://[::1]:9000/api/v1/models");
        assert_eq!(Endpoint::parse("http://h").expect("default port").port, 80);
    }

    #[test]
    fn https_urls_parse_with_their_default_port() {
        let e = Endpoint::parse("https://api.example.com/v1").expect("https");
        assert_eq!(
            (e.tls, e.host.as_str(), e.port, e.prefix.as_str()),
            (true, "api.example.com", 443, "")
        );
        assert_eq!(
            e.url("/v1/chat/completions"),
            "https://api.example.com:443/v1/chat/completions"
        );
        let e = Endpoint::parse("HTTPS://10.0.0.5:8443/llm").expect("port + prefix");
        assert_eq!((e.tls, e.port, e.prefix.as_str()), (true, 8443, "/llm"));
    }

    #[test]
    fn bad_base_urls_say_why() {
        for (url, want) in [
            ("ftp://api.example.com", "not an http:// or https:// URL"),
            ("127.0.0.1:8080", "not an http:// or https:// URL"),
            ("http://user:pw@127.0.0.1:1", "credentials"),
            ("https://user:pw@example.com", "credentials"),
            ("http://127.0.0.1:99999", "port `99999`"),
            ("http://:80", "no host"),
            ("http://h:1/x?y=1", "no query"),
            ("http://[::1:80", "unclosed `[`"),
        ] {
            let e = Endpoint::parse(url).expect_err(url);
            assert!(e.contains(want), "{url}: {e}");
        }
    }
}
