//! The email a recipient gets: subject, plain text and HTML, each a template
//! with `{{name}}` placeholders (code, discount, expiry, customer_id,
//! campaign, locale). Built in, or read from `--email-template-dir`
//! (subject.txt, body.txt, body.html) at start. Values are put in as they
//! are in the subject and text and HTML-escaped in the HTML. Amounts are
//! integers in minor units, formatted by `couponsd_client::money`: never a
//! float.

use std::path::Path;

use couponsd_client::money;
use couponsd_client::wire::{CouponSpec, DiscountType};

const SUBJECT: &str = "Your code {{code}}: {{discount}}";
const BODY_TEXT: &str =
    "Hello,\n\nhere is your code: {{code}}\n\n{{discount}}. {{expiry}}\n\nEnter it at checkout.\n";
const BODY_HTML: &str = "<!DOCTYPE html>\n<html><body>\n<p>Hello,</p>\n<p>here is your code: <strong>{{code}}</strong></p>\n<p>{{discount}}. {{expiry}}</p>\n<p>Enter it at checkout.</p>\n</body></html>\n";

/// The three templates of an email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailTemplate {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// One email, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What a template's placeholders stand for.
#[derive(Debug, Clone, Default)]
pub struct Values {
    pub code: String,
    pub discount: String,
    pub expiry: String,
    pub customer_id: String,
    pub campaign: String,
    pub locale: String,
}

#[derive(Debug, thiserror::Error)]
#[error("--email-template-dir {dir}: {file}: {source}")]
pub struct TemplateError {
    dir: String,
    file: &'static str,
    source: std::io::Error,
}

impl Default for EmailTemplate {
    fn default() -> Self {
        EmailTemplate {
            subject: SUBJECT.into(),
            text: BODY_TEXT.into(),
            html: BODY_HTML.into(),
        }
    }
}

impl EmailTemplate {
    /// The templates of `dir` (each file must be there).
    pub fn load(dir: &Path) -> Result<EmailTemplate, TemplateError> {
        let read = |file: &'static str| {
            std::fs::read_to_string(dir.join(file)).map_err(|source| TemplateError {
                dir: dir.display().to_string(),
                file,
                source,
            })
        };
        Ok(EmailTemplate {
            subject: read("subject.txt")?.trim().to_string(),
            text: read("body.txt")?,
            html: read("body.html")?,
        })
    }

    pub fn render(&self, values: &Values) -> Rendered {
        Rendered {
            // A header holds one line.
            subject: fill(&self.subject, values, |s| s.replace(['\r', '\n'], " ")),
            text: fill(&self.text, values, str::to_string),
            html: fill(&self.html, values, html_escape),
        }
    }
}

/// An SMS's text: one line, the campaign, the code, what it gives and until when.
pub const SMS_TEXT: &str = "{{campaign}}: your code {{code}}. {{discount}}. {{expiry}}";

/// `SMS_TEXT` for one code.
pub fn sms_text(values: &Values) -> String {
    fill(SMS_TEXT, values, |s| s.replace(['\r', '\n'], " "))
}

/// The template with each known `{{name}}` replaced by its value, through
/// `escape`; unknown names stay as they are.
fn fill(template: &str, values: &Values, escape: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let value = match after[..end].trim() {
            "code" => Some(&values.code),
            "discount" => Some(&values.discount),
            "expiry" => Some(&values.expiry),
            "customer_id" => Some(&values.customer_id),
            "campaign" => Some(&values.campaign),
            "locale" => Some(&values.locale),
            _ => None,
        };
        match value {
            Some(v) => out.push_str(&escape(v)),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What a coupon gives, in words: "20% off, up to 50.00 EUR", "10.00 EUR
/// off", "free shipping". English whatever the locale (the default the
/// templates may replace).
pub fn discount_text(spec: &CouponSpec) -> String {
    let amount = |minor: i64| format!("{} {}", money::format(minor, &spec.currency), spec.currency);
    match spec.discount_type {
        DiscountType::Percentage => {
            let percent = percent_text(spec.discount_value);
            match spec.max_discount_amount {
                Some(max) if !spec.currency.is_empty() => {
                    format!("{percent} off, up to {}", amount(max))
                }
                _ => format!("{percent} off"),
            }
        }
        DiscountType::Fixed => format!("{} off", amount(spec.discount_value)),
        DiscountType::FreeShipping => "free shipping".into(),
        DiscountType::BuyXGetY => format!(
            "buy {}, get {} at {} off",
            spec.buy_quantity,
            spec.get_quantity,
            percent_text(spec.discount_value)
        ),
        DiscountType::Product => "a product discount".into(),
    }
}

/// Basis points as a percentage: 2000 -> "20%", 1250 -> "12.5%".
fn percent_text(basis_points: i64) -> String {
    let whole = basis_points / 100;
    let hundredths = (basis_points % 100).abs();
    match hundredths {
        0 => format!("{whole}%"),
        h if h % 10 == 0 => format!("{whole}.{}%", h / 10),
        h => format!("{whole}.{h:02}%"),
    }
}

/// When the code stops working: "Valid until 2026-12-31 (UTC)." or "".
pub fn expiry_text(ends_at: Option<i64>) -> String {
    let Some(ms) = ends_at else {
        return String::new();
    };
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => format!("Valid until {} (UTC).", t.strftime("%Y-%m-%d %H:%M")),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discounts_in_words_from_minor_units() {
        let spec = CouponSpec {
            discount_type: DiscountType::Percentage,
            discount_value: 2000,
            currency: "EUR".into(),
            max_discount_amount: Some(5000),
            ..CouponSpec::default()
        };
        assert_eq!(discount_text(&spec), "20% off, up to 50.00 EUR");
        let fixed = CouponSpec {
            discount_type: DiscountType::Fixed,
            discount_value: 1050,
            currency: "JPY".into(),
            ..spec.clone()
        };
        assert_eq!(discount_text(&fixed), "1050 JPY off");
        assert_eq!(percent_text(1250), "12.5%");
        assert_eq!(percent_text(1234), "12.34%");
        assert_eq!(
            expiry_text(Some(1_798_675_200_000)),
            "Valid until 2026-12-31 00:00 (UTC)."
        );
    }

    #[test]
    fn render_escapes_html_only() {
        let t = EmailTemplate {
            subject: "{{code}} {{customer_id}}".into(),
            text: "{{code}} {{unknown}} {{".into(),
            html: "<b>{{code}}</b>".into(),
        };
        let r = t.render(&Values {
            code: "A<B".into(),
            customer_id: "x\ny".into(),
            ..Values::default()
        });
        assert_eq!(r.text, "A<B {{unknown}} {{");
        assert_eq!(r.html, "<b>A&lt;B</b>");
        assert_eq!(r.subject, "A<B x y");
    }
}
