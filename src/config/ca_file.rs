//! A model's `ca_file` (the PEM certificates of a private or corporate authority an
//! `https://` server chains to), read and checked when models.toml is loaded, so that a
//! wrong path or a file that is no certificate stops the run with the file and line
//! instead of failing every request. The http backend trusts what this returns.

use std::path::Path;

use ureq::tls::{Certificate, PemItem};

/// The certificates of a PEM file, each checked to be usable as a trust anchor.
pub fn read_ca_file(path: &Path) -> Result<Vec<Certificate<'static>>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut certs = Vec::new();
    let mut other = 0usize;
    for item in ureq::tls::parse_pem(&bytes) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => other += 1,
            Err(e) => {
                return Err(format!(
                    "{} is not a readable PEM file ({e})",
                    path.display()
                ));
            }
        }
    }
    if certs.is_empty() {
        let found = if other > 0 {
            format!(" (it holds {other} other PEM block(s), e.g. a private key)")
        } else {
            String::new()
        };
        return Err(format!(
            "{} holds no certificate{found}: ca_file wants the PEM certificate (`-----BEGIN CERTIFICATE-----`) of the authority that signed the server's certificate",
            path.display()
        ));
    }
    for (i, c) in certs.iter().enumerate() {
        let mut store = rustls::RootCertStore::empty();
        store
            .add(rustls::pki_types::CertificateDer::from(c.der()))
            .map_err(|e| {
                format!(
                    "certificate {} of {} cannot serve as a root of trust: {e}",
                    i + 1,
                    path.display()
                )
            })?;
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_must_hold_a_certificate() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("missing.pem");
        let e = read_ca_file(&missing).expect_err("missing");
        assert!(
            e.contains("cannot read") && e.contains("missing.pem"),
            "{e}"
        );

        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "just text\n").expect("write");
        let e = read_ca_file(&empty).expect_err("no certificate");
        assert!(e.contains("holds no certificate"), "{e}");

        let bad = dir.path().join("bad.pem");
        std::fs::write(
            &bad,
            "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
        )
        .expect("write");
        let e = read_ca_file(&bad).expect_err("not DER");
        assert!(
            e.contains("certificate 1 of") && e.contains("root of trust"),
            "{e}"
        );
    }
}
