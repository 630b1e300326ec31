//! EMAIL: one message per recipient over SMTP (`lettre`, its tokio
//! transport with a connection pool; TLS by rustls on the aws-lc-rs
//! provider): multipart plain text and HTML from the template, with a
//! stable Message-ID per (campaign, customer) so a receiver can drop the
//! copy a crash may cause (see `server::sender`).

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::template::{EmailTemplate, Values};

/// How long one SMTP command may take before the attempt fails.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain SMTP (a relay on loopback or a trusted network).
    None,
    /// Plain, then STARTTLS, required.
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

impl SmtpTls {
    pub fn from_name(name: &str) -> Option<SmtpTls> {
        match name {
            "none" => Some(SmtpTls::None),
            "starttls" => Some(SmtpTls::Starttls),
            "tls" => Some(SmtpTls::Tls),
            _ => None,
        }
    }
}

/// `--smtp-*`, `--mail-from`, `--email-template-dir`.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    /// The password, read once at start (first line, without its newline).
    pub password_file: Option<PathBuf>,
    /// CA certificates (PEM) trusted besides the system's.
    pub ca_file: Option<PathBuf>,
    pub mail_from: String,
    pub template_dir: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("--mail-from {0:?} is not an address")]
    From(String),
    #[error("{flag} {path}: {source}")]
    File {
        flag: &'static str,
        path: String,
        source: std::io::Error,
    },
    #[error("--smtp-ca-file: {0}")]
    Certificate(String),
    #[error("--smtp-tls: {0}")]
    Tls(String),
    #[error("--smtp-username needs --smtp-password-file")]
    NoPassword,
    #[error(transparent)]
    Template(#[from] super::template::TemplateError),
}

/// Why one message was not sent.
#[derive(Debug, Clone)]
pub struct SendError {
    /// The server refused it for good (a 5xx reply, a bad address): no retry.
    pub permanent: bool,
    pub reason: String,
}

/// One email to send.
pub struct Outgoing<'a> {
    pub campaign_id: u64,
    pub to: &'a str,
    pub values: Values,
}

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    template: EmailTemplate,
}

impl Mailer {
    pub fn new(config: &SmtpConfig) -> Result<Mailer, SetupError> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|_| SetupError::From(config.mail_from.clone()))?;
        let template = match &config.template_dir {
            Some(dir) => EmailTemplate::load(dir)?,
            None => EmailTemplate::default(),
        };
        let tls = match config.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Starttls => Tls::Required(tls_parameters(config)?),
            SmtpTls::Tls => Tls::Wrapper(tls_parameters(config)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(SMTP_TIMEOUT));
        if let Some(username) = &config.username {
            let path = config
                .password_file
                .as_ref()
                .ok_or(SetupError::NoPassword)?;
            let password = std::fs::read_to_string(path).map_err(|source| SetupError::File {
                flag: "--smtp-password-file",
                path: path.display().to_string(),
                source,
            })?;
            let password = password.lines().next().unwrap_or_default().to_string();
            builder = builder.credentials(Credentials::new(username.clone(), password));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
            template,
        })
    }

    /// Sends one message once.
    pub async fn send(&self, outgoing: &Outgoing<'_>) -> Result<(), SendError> {
        let to: Mailbox = outgoing.to.parse().map_err(|e| SendError {
            permanent: true,
            reason: format!("address {:?}: {e}", outgoing.to),
        })?;
        let rendered = self.template.render(&outgoing.values);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject)
            .message_id(Some(message_id(
                outgoing.campaign_id,
                &outgoing.values.customer_id,
            )))
            .multipart(MultiPart::alternative_plain_html(
                rendered.text,
                rendered.html,
            ))
            .map_err(|e| SendError {
                permanent: true,
                reason: format!("message: {e}"),
            })?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) => Err(SendError {
                permanent: e.is_permanent(),
                reason: format!("smtp: {e}"),
            }),
        }
    }
}

fn tls_parameters(config: &SmtpConfig) -> Result<TlsParameters, SetupError> {
    let mut builder =
        TlsParameters::builder(config.host.clone()).certificate_store(CertificateStore::Default);
    if let Some(path) = &config.ca_file {
        let pem = std::fs::read(path).map_err(|source| SetupError::File {
            flag: "--smtp-ca-file",
            path: path.display().to_string(),
            source,
        })?;
        let certificate =
            Certificate::from_pem(&pem).map_err(|e| SetupError::Certificate(e.to_string()))?;
        builder = builder.add_root_certificate(certificate);
    }
    builder
        .build_rustls()
        .map_err(|e| SetupError::Tls(e.to_string()))
}

/// `<CAMPAIGN.CUSTOMER@couponsd>`: the same for every copy of one
/// recipient's message. Characters of the customer id a Message-ID may not
/// hold are written %XX.
pub fn message_id(campaign_id: u64, customer_id: &str) -> String {
    let mut id = format!("<{campaign_id}.");
    for b in customer_id.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.+=".contains(&b) {
            id.push(char::from(b));
        } else {
            id.push_str(&format!("%{b:02X}"));
        }
    }
    id.push_str("@couponsd>");
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_stable_and_header_safe() {
        assert_eq!(message_id(7, "ann"), "<7.ann@couponsd>");
        assert_eq!(message_id(7, "a b@c<d>"), "<7.a%20b%40c%3Cd%3E@couponsd>");
    }
}
