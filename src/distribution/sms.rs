//! The SMS channel: each message is one JSON POST to the operator's SMS
//! gateway (`--sms-gateway-url`), through the one outbound HTTP client
//! (`outbound::http`). The body is `--sms-body-template` with `{{phone}}`
//! (E.164, as queued) and `{{text}}` (`template::sms_text`) put in as JSON
//! string contents; `--sms-gateway-auth-header` (`Name: value`) is sent
//! with every request. A 2xx is sent; a 4xx other than 408 and 429 is the
//! gateway refusing the message for good; anything else (5xx, 408, 429, no
//! answer) is tried again.

use std::time::Duration;

use bytes::Bytes;

use super::email::SendError;
use super::template::{self, Values};
use crate::outbound::http::{HttpClient, Target};

/// The body the gateway gets unless `--sms-body-template` says otherwise.
pub const DEFAULT_BODY_TEMPLATE: &str = r#"{"to":"{{phone}}","text":"{{text}}"}"#;
/// How long one POST may take, connecting included.
const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct SmsConfig {
    pub gateway: Target,
    /// (name, value) sent with every request, e.g. an API key.
    pub auth_header: Option<(String, String)>,
    pub body_template: String,
}

impl SmsConfig {
    /// From the flags: the URL checked, the header split at its first `:`,
    /// the template's placeholders checked.
    pub fn new(
        url: &str,
        auth_header: Option<&str>,
        body_template: &str,
    ) -> Result<SmsConfig, String> {
        let gateway = Target::parse(url).map_err(|e| format!("--sms-gateway-url {url}: {e}"))?;
        let auth_header = auth_header
            .map(|h| {
                let (name, value) = h.split_once(':').ok_or_else(|| {
                    "--sms-gateway-auth-header: expected `Name: value`".to_string()
                })?;
                let name = name.trim();
                if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                {
                    return Err(format!(
                        "--sms-gateway-auth-header: {name:?} is not a header name"
                    ));
                }
                Ok((name.to_string(), value.trim().to_string()))
            })
            .transpose()?;
        if !body_template.contains("{{phone}}") || !body_template.contains("{{text}}") {
            return Err("--sms-body-template: needs both {{phone}} and {{text}}".into());
        }
        Ok(SmsConfig {
            gateway,
            auth_header,
            body_template: body_template.to_string(),
        })
    }
}

pub struct SmsGateway {
    client: HttpClient,
    config: SmsConfig,
}

impl SmsGateway {
    pub fn new(config: SmsConfig) -> SmsGateway {
        SmsGateway {
            client: HttpClient::default(),
            config,
        }
    }

    /// Sends one code's message to `phone`.
    pub async fn send(&self, phone: &str, values: &Values) -> Result<(), SendError> {
        let body = body(
            &self.config.body_template,
            phone,
            &template::sms_text(values),
        );
        let mut headers = vec![("content-type", "application/json")];
        if let Some((name, value)) = &self.config.auth_header {
            headers.push((name.as_str(), value.as_str()));
        }
        match self
            .client
            .post(&self.config.gateway, &headers, Bytes::from(body), TIMEOUT)
            .await
        {
            Ok(status) if (200..300).contains(&status) => Ok(()),
            Ok(status) => Err(SendError {
                permanent: (400..500).contains(&status) && status != 408 && status != 429,
                reason: format!("SMS gateway answered HTTP {status}"),
            }),
            Err(e) => Err(SendError {
                permanent: false,
                reason: format!("SMS gateway: {e}"),
            }),
        }
    }
}

/// The request body: `template` with `{{phone}}` and `{{text}}` replaced by
/// their values escaped as JSON string contents.
fn body(template: &str, phone: &str, text: &str) -> String {
    template
        .replace("{{phone}}", &json_contents(phone))
        .replace("{{text}}", &json_contents(text))
}

fn json_contents(s: &str) -> String {
    let quoted = serde_json::Value::from(s).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_the_template_with_json_escaped_values() {
        let b = body(DEFAULT_BODY_TEMPLATE, "+15551234567", "say \"hi\"\nnow");
        let parsed: serde_json::Value = serde_json::from_str(&b).unwrap();
        assert_eq!(parsed["to"], "+15551234567");
        assert_eq!(parsed["text"], "say \"hi\"\nnow");
    }

    #[test]
    fn flags_are_checked() {
        assert!(SmsConfig::new("ftp://x", None, DEFAULT_BODY_TEMPLATE).is_err());
        assert!(SmsConfig::new(
            "http://127.0.0.1:1/sms",
            Some("no colon"),
            DEFAULT_BODY_TEMPLATE
        )
        .is_err());
        assert!(SmsConfig::new("http://127.0.0.1:1/sms", None, r#"{"to":"{{phone}}"}"#).is_err());
        let c = SmsConfig::new(
            "http://127.0.0.1:1/sms",
            Some("X-Api-Key: k1"),
            DEFAULT_BODY_TEMPLATE,
        )
        .unwrap();
        assert_eq!(c.auth_header, Some(("X-Api-Key".into(), "k1".into())));
    }
}
