//! Which certificates an `https://` server must chain to: the system's root certificates
//! (rustls-native-certs: the distribution's bundle, or `SSL_CERT_FILE` / `SSL_CERT_DIR`
//! when set) plus, when the model's http table names one, the certificates of its
//! `ca_file` (a PEM file, e.g. a private or corporate CA). Verification is always on:
//! there is no setting that accepts any certificate.
//!
//! The `ca_file` is checked when models.toml is loaded (`config::ca_file`), so that a
//! wrong path or a file that is no certificate stops the run with the file and line
//! instead of failing every request.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ureq::tls::{Certificate, RootCerts};

pub use crate::config::ca_file::read_ca_file;

/// The trust anchors of one client, and where they came from (for messages).
#[derive(Clone)]
pub struct Trust {
    pub roots: RootCerts,
    /// Certificates found in the system's store.
    pub system: usize,
    /// What went wrong reading the system's store, if anything.
    pub system_errors: Vec<String>,
    /// The model's ca_file and how many certificates it holds.
    pub ca_file: Option<(PathBuf, usize)>,
}

impl Trust {
    /// The system's roots plus those of `ca_file`.
    pub fn load(ca_file: Option<&Path>) -> Result<Trust, String> {
        let native = rustls_native_certs::load_native_certs();
        let mut certs: Vec<Certificate<'static>> = native
            .certs
            .iter()
            .map(|c| Certificate::from_der(c.as_ref()).to_owned())
            .collect();
        let system = certs.len();
        let system_errors = native.errors.iter().map(|e| e.to_string()).collect();
        let ca_file = match ca_file {
            Some(p) => {
                let own = read_ca_file(p)?;
                let n = own.len();
                certs.extend(own);
                Some((p.to_path_buf(), n))
            }
            None => None,
        };
        Ok(Trust {
            roots: RootCerts::Specific(Arc::new(certs)),
            system,
            system_errors,
            ca_file,
        })
    }

    /// "N system root certificates and the 1 of ca_file /etc/x.pem", for messages.
    pub fn describe(&self) -> String {
        let mut s = format!("{} system root certificates", self.system);
        if let Some((p, n)) = &self.ca_file {
            s.push_str(&format!(" and the {n} of ca_file {}", p.display()));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_roots_are_loaded_and_counted() {
        let t = Trust::load(None).expect("no ca_file cannot fail");
        assert!(
            t.describe()
                .starts_with(&format!("{} system root", t.system))
        );
        match &t.roots {
            RootCerts::Specific(c) => assert_eq!(c.len(), t.system),
            _ => panic!("the system's roots are given to ureq explicitly"),
        }
    }
}
