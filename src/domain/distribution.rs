//! Valid input for distribution: CAMPAIGN_DISTRIBUTE's recipients (each
//! customer once, an address that can be used where one is given) and
//! DISTRIBUTION_REPORT's status and reason. An invalid recipient refuses
//! the request with INVALID_ARGUMENT naming it; a recipient without the
//! address the campaign's method needs is not invalid (it is queued FAILED).

use couponsd_client::wire::{DeliveryStatus, Recipient, MAX_DISTRIBUTE_RECIPIENTS};

use crate::error::{Error, Result};

/// Longest email address (RFC 5321's path limit).
const EMAIL_LENGTH_MAX: usize = 254;
/// Digits of an E.164 phone number.
const PHONE_DIGITS_MIN: usize = 7;
const PHONE_DIGITS_MAX: usize = 15;
/// Longest locale tag (BCP 47 tags in use are far shorter).
const LOCALE_LENGTH_MAX: usize = 35;
/// Longest reason of a DISTRIBUTION_REPORT.
pub const REASON_LENGTH_MAX: usize = 500;

/// CAMPAIGN_DISTRIBUTE's recipients: 1 to `MAX_DISTRIBUTE_RECIPIENTS`, each
/// customer once, every given address well formed.
pub fn recipients(recipients: &[Recipient]) -> Result<()> {
    if recipients.is_empty() {
        return Err(Error::invalid("recipients", "no recipients"));
    }
    if recipients.len() > MAX_DISTRIBUTE_RECIPIENTS {
        return Err(Error::invalid(
            "recipients",
            format!(
                "{} recipients; one request distributes to at most {MAX_DISTRIBUTE_RECIPIENTS}",
                recipients.len()
            ),
        ));
    }
    let mut seen = std::collections::HashSet::with_capacity(recipients.len());
    for (index, r) in recipients.iter().enumerate() {
        let name = |what: String| format!("recipient {index} ({:?}): {what}", r.customer_id);
        super::campaign::customer_id("customer_id", &r.customer_id)
            .map_err(|e| Error::invalid("recipients", name(e.to_string())))?;
        if !seen.insert(r.customer_id.as_str()) {
            return Err(Error::invalid(
                "recipients",
                name("the customer appears earlier in the same request".into()),
            ));
        }
        if !r.email.is_empty() && !is_email(&r.email) {
            return Err(Error::invalid(
                "recipients",
                name(format!(
                    "email {:?} is not an address (name@domain.tld)",
                    r.email
                )),
            ));
        }
        if !r.phone.is_empty() && !is_phone(&r.phone) {
            return Err(Error::invalid(
                "recipients",
                name(format!(
                    "phone {:?} is not an E.164 number (+ and {PHONE_DIGITS_MIN} to {PHONE_DIGITS_MAX} digits)",
                    r.phone
                )),
            ));
        }
        if !is_locale(&r.locale) {
            return Err(Error::invalid(
                "recipients",
                name(format!(
                    "locale {:?} is not a language tag such as en or de-DE",
                    r.locale
                )),
            ));
        }
    }
    Ok(())
}

/// DISTRIBUTION_REPORT: only BOUNCED is reported back (SENT and FAILED are
/// the sender's, REDEEMED is the code's uses).
pub fn report(status: DeliveryStatus, reason: &str) -> Result<()> {
    if status != DeliveryStatus::Bounced {
        return Err(Error::invalid(
            "status",
            format!("{status}: only BOUNCED is reported back"),
        ));
    }
    super::bounded("reason", reason, REASON_LENGTH_MAX)
}

/// A plain address: one @, a local part and a dotted domain of printable
/// ASCII without spaces, quotes or angle brackets (what can be put in a
/// header as it is).
pub fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let printable = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_graphic() && !b"@<>\"(),;:\\[]".contains(&b))
    };
    email.len() <= EMAIL_LENGTH_MAX
        && !local.is_empty()
        && printable(local)
        && printable(domain)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

/// An E.164 number: + and 7 to 15 digits.
pub fn is_phone(phone: &str) -> bool {
    let Some(digits) = phone.strip_prefix('+') else {
        return false;
    };
    (PHONE_DIGITS_MIN..=PHONE_DIGITS_MAX).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Empty (English), or letters, digits and hyphens such as "de-DE".
fn is_locale(locale: &str) -> bool {
    locale.len() <= LOCALE_LENGTH_MAX
        && locale
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        for good in ["a@b.co", "ann.lee+x@mail.example.com"] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "", "a", "a@b", "@b.co", "a b@c.de", "a@b..c", "a@.b.c", "<a@b.c>", "a@b@c.de",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
        assert!(is_phone("+4915112345678"));
        for bad in ["4915112345678", "+49 151", "+123", "+1234567890123456"] {
            assert!(!is_phone(bad), "{bad}");
        }
    }

    #[test]
    fn recipients_name_the_bad_one() {
        let ok = |id: &str, email: &str| Recipient {
            customer_id: id.into(),
            email: email.into(),
            ..Recipient::default()
        };
        assert!(recipients(&[ok("a", "a@b.co"), ok("b", "")]).is_ok());
        let e = recipients(&[ok("a", "a@b.co"), ok("b", "nope")]).expect_err("bad email");
        assert!(e.to_string().contains("recipient 1 (\"b\")"), "{e}");
        assert!(recipients(&[ok("a", ""), ok("a", "")]).is_err());
        assert!(recipients(&[]).is_err());
    }
}
