//! A model's `base_url`, checked once at config load and parsed into the [`Endpoint`] the
//! http backend connects to: scheme, host, port and path prefix, with a message that
//! says what is wrong when it is not usable (credentials in the URL, a query, a bad port).

/// Where a server is: host, port and an optional path prefix (from `base_url`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    /// Path before `/v1/…`, without a trailing slash ("" for most servers).
    pub prefix: String,
}

impl Endpoint {
    /// Parse `base_url`: `http://host[:port][/prefix]`. A trailing `/v1` is accepted and
    /// dropped (OpenAI clients are often configured with it), since endpoints are
    /// addressed as `/v1/…` below the prefix.
    pub fn parse(base_url: &str) -> Result<Endpoint, String> {
        let s = base_url.trim();
        let lower = s.to_ascii_lowercase();
        let rest = if lower.starts_with("http://") {
            &s["http://".len()..]
        } else if lower.starts_with("https://") {
            return Err(format!(
                "`{s}`: https is not supported (the http backend speaks plain HTTP/1.1, as local llama-server, Ollama and LM Studio do); use http://, or put a TLS-terminating proxy on 127.0.0.1 in front of a remote server"
            ));
        } else {
            return Err(format!(
                "`{s}` is not an http:// URL; write it as http://HOST:PORT, e.g. http://127.0.0.1:8080"
            ));
        };
        if rest.contains(['?', '#']) {
            return Err(format!(
                "`{s}`: base_url takes no query or fragment; give only http://HOST:PORT[/prefix]"
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
        let (host, port) = split_host_port(authority).map_err(|e| format!("`{s}`: {e}"))?;
        let mut prefix = path.trim_end_matches('/').to_string();
        if prefix.ends_with("/v1") {
            prefix.truncate(prefix.len() - 3);
        }
        Ok(Endpoint { host, port, prefix })
    }

    /// `http://host:port<prefix><path>`, for messages.
    pub fn url(&self, path: &str) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("http://{host}:{}{}{path}", self.port, self.prefix)
    }

    /// `host:port` as a request's Host header and a socket address take it.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

fn split_host_port(authority: &str) -> Result<(String, u16), String> {
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
        None => 80,
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
            (e.host.as_str(), e.port, e.prefix.as_str()),
            ("127.0.0.1", 8080, "")
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
    fn bad_base_urls_say_why() {
        for (url, want) in [
            ("https://api.example.com", "https is not supported"),
            ("127.0.0.1:8080", "not an http:// URL"),
            ("http://user:pw@127.0.0.1:1", "credentials"),
            ("http://127.0.0.1:99999", "port `99999`"),
            ("http://:80", "no host"),
            ("http://h:1/x?y=1", "no query"),
        ] {
            let e = Endpoint::parse(url).expect_err(url);
            assert!(e.contains(want), "{url}: {e}");
        }
    }
}
