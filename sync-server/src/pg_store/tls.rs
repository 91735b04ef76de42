//! PostgreSQL over TLS when the connection URL asks for it, with the `sslmode` values
//! of libpq (the PostgreSQL client library every other tool uses):
//!
//! | `sslmode`          | connection                                                      |
//! |--------------------|-----------------------------------------------------------------|
//! | absent, `disable`, `prefer` | plain, as before (`prefer` falls back to plain)        |
//! | `require`          | TLS; the certificate is checked against `sslrootcert` if given, else not checked (as libpq) |
//! | `verify-ca`        | TLS; the certificate chains to `sslrootcert` (or the system's roots) |
//! | `verify-full`      | `verify-ca`, and the certificate names the host of the URL     |
//!
//! `sslrootcert=<path>` names a PEM file of trusted certificates (a private CA, or the
//! server's self-signed certificate); without it the system's roots are trusted.
//! tokio-postgres knows only `disable`/`prefer`/`require` and no `sslrootcert`, so the
//! URL is rewritten for it ([`from_url`]) and the checking is done here, with rustls
//! (tokio-postgres-rustls) on the provider the server already links (aws-lc-rs).

use anyhow::Context;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

/// What the URL's `sslmode` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// No TLS (absent, `disable`, `prefer`): as tokio-postgres does with no TLS.
    Plain,
    Require,
    VerifyCa,
    VerifyFull,
}

/// `url` as tokio-postgres reads it (`verify-ca`/`verify-full` become `require`,
/// `sslrootcert` is taken out), the mode asked for and the root file named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub url: String,
    pub mode: Mode,
    pub root_cert: Option<String>,
}

/// Reads `sslmode` and `sslrootcert` out of a connection URL (`postgres://…?k=v&…`)
/// or key-value string (`host=… sslmode=…`).
pub fn parse(url: &str) -> anyhow::Result<Parsed> {
    let (head, params, sep) = match url.find("://") {
        Some(_) => match url.split_once('?') {
            Some((head, query)) => (format!("{head}?"), query.to_owned(), '&'),
            None => (url.to_owned(), String::new(), '&'),
        },
        None => (String::new(), url.to_owned(), ' '),
    };
    let mut mode = Mode::Plain;
    let mut root_cert = None;
    let mut kept = Vec::new();
    for param in params.split(sep).filter(|p| !p.is_empty()) {
        let (key, value) = param.split_once('=').unwrap_or((param, ""));
        match key.trim() {
            "sslmode" => {
                mode = match value.trim() {
                    "disable" | "prefer" => Mode::Plain,
                    "require" => Mode::Require,
                    "verify-ca" => Mode::VerifyCa,
                    "verify-full" => Mode::VerifyFull,
                    other => anyhow::bail!(
                        "sslmode={other} is not one this server knows (disable, prefer, require, verify-ca, verify-full)"
                    ),
                };
                let to_driver = match mode {
                    Mode::Plain => value.trim(),
                    _ => "require",
                };
                kept.push(format!("sslmode={to_driver}"));
            }
            "sslrootcert" => root_cert = Some(value.trim().to_owned()),
            _ => kept.push(param.to_owned()),
        }
    }
    let url = match (head.is_empty(), kept.is_empty()) {
        // Key-value form.
        (true, _) => kept.join(" "),
        (false, true) => head.trim_end_matches('?').to_owned(),
        (false, false) => format!("{head}{}", kept.join("&")),
    };
    Ok(Parsed {
        url,
        mode,
        root_cert,
    })
}

/// The TLS connector `parsed` asks for; `None` for a plain connection.
pub fn connector(parsed: &Parsed) -> anyhow::Result<Option<MakeRustlsConnect>> {
    if parsed.mode == Mode::Plain {
        return Ok(None);
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("TLS for PostgreSQL")?;
    let config = match (parsed.mode, &parsed.root_cert) {
        (Mode::Require, None) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unchecked(provider)))
            .with_no_client_auth(),
        (mode, root_cert) => {
            let roots = Arc::new(roots(root_cert.as_deref())?);
            let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider)
                .build()
                .context("TLS for PostgreSQL: the trusted certificates")?;
            if mode == Mode::VerifyFull {
                builder.with_webpki_verifier(webpki).with_no_client_auth()
            } else {
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(ChainOnly(webpki)))
                    .with_no_client_auth()
            }
        }
    };
    Ok(Some(MakeRustlsConnect::new(config)))
}

/// The certificates in the PEM file `path`, or the system's roots.
fn roots(path: Option<&str>) -> anyhow::Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    match path {
        Some(path) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .with_context(|| format!("cannot read sslrootcert {path}"))?
                .collect::<Result<_, _>>()
                .with_context(|| format!("sslrootcert {path} is not a PEM file of certificates"))?;
            anyhow::ensure!(!certs.is_empty(), "sslrootcert {path} holds no certificate");
            for cert in certs {
                store
                    .add(cert)
                    .with_context(|| format!("a certificate of sslrootcert {path}"))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = store.add_parsable_certificates(found.certs);
            anyhow::ensure!(
                added > 0,
                "no system root certificates found: name the server's CA with sslrootcert=<file>"
            );
        }
    }
    Ok(store)
}

/// `sslmode=require` without `sslrootcert`: encrypted, the certificate not checked
/// (libpq's meaning; `verify-full` is the mode that stops a machine in the middle).
/// The handshake's signatures are still checked.
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the certificate must chain to a trusted root; the name in it is
/// not compared with the host.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_sslrootcert_are_read_and_rewritten_for_the_driver() {
        let p = parse("postgres://u:p@h/db").unwrap();
        assert_eq!(
            (p.url.as_str(), p.mode),
            ("postgres://u:p@h/db", Mode::Plain)
        );
        let p = parse("postgres://u:p@h/db?sslmode=disable").unwrap();
        assert_eq!(p.mode, Mode::Plain);
        assert_eq!(p.url, "postgres://u:p@h/db?sslmode=disable");
        let p = parse("postgres://u:p@h/db?sslmode=require&application_name=x").unwrap();
        assert_eq!(p.mode, Mode::Require);
        assert_eq!(
            p.url,
            "postgres://u:p@h/db?sslmode=require&application_name=x"
        );
        let p = parse("postgres://u@h/db?sslrootcert=/etc/ca.pem&sslmode=verify-full").unwrap();
        assert_eq!(p.mode, Mode::VerifyFull);
        assert_eq!(p.root_cert.as_deref(), Some("/etc/ca.pem"));
        assert_eq!(p.url, "postgres://u@h/db?sslmode=require");
        let p = parse("postgres://u@h/db?sslmode=verify-ca&sslrootcert=/c.pem").unwrap();
        assert_eq!(p.mode, Mode::VerifyCa);
        assert_eq!(p.url, "postgres://u@h/db?sslmode=require");
        let p = parse("host=h user=u sslmode=verify-full sslrootcert=/c.pem").unwrap();
        assert_eq!(p.mode, Mode::VerifyFull);
        assert_eq!(p.url, "host=h user=u sslmode=require");
        assert!(parse("postgres://h/db?sslmode=allowed").is_err());
        // The rewritten URLs are ones tokio-postgres reads.
        for url in [
            "postgres://u@h/db?sslmode=verify-full&sslrootcert=/c.pem",
            "host=h user=u sslmode=verify-ca sslrootcert=/c.pem",
        ] {
            let p = parse(url).unwrap();
            let config: tokio_postgres::Config = p.url.parse().unwrap();
            assert_eq!(
                config.get_ssl_mode(),
                tokio_postgres::config::SslMode::Require
            );
        }
    }

    #[test]
    fn a_plain_url_gets_no_connector_and_a_missing_root_file_is_an_error() {
        assert!(connector(&parse("postgres://h/db").unwrap())
            .unwrap()
            .is_none());
        assert!(
            connector(&parse("postgres://h/db?sslmode=require").unwrap())
                .unwrap()
                .is_some()
        );
        let missing =
            parse("postgres://h/db?sslmode=verify-full&sslrootcert=/nonexistent.pem").unwrap();
        assert!(connector(&missing).is_err());
    }
}
