//! Sending a campaign's codes to its recipients (CAMPAIGN_DISTRIBUTE's
//! outbox, `state::outbox`). `email.rs` is the SMTP channel and its
//! Message-ID, `sms.rs` the SMS channel (a JSON POST to a gateway), `template.rs` the email's words (discount text from minor
//! units, expiry), `rate.rs` the token bucket of a campaign's
//! `distribution_rate` and `batch_size`. The loop that takes QUEUED entries
//! and records what became of them is `server::sender`, on the leader.

pub mod email;
pub mod rate;
pub mod sms;
pub mod template;

use std::time::Duration;

/// How the sender sends (`couponsd serve` flags).
#[derive(Debug, Clone)]
pub struct DistributionConfig {
    /// None: EMAIL entries stay QUEUED (and a warning says why).
    pub smtp: Option<email::SmtpConfig>,
    /// None: SMS entries stay QUEUED (and a warning says why).
    pub sms: Option<sms::SmsConfig>,
    /// Attempts per message before it is FAILED (a permanent refusal fails
    /// at once).
    pub attempts_max: u32,
    /// The wait before the second attempt; doubled before each next one.
    pub retry_backoff: Duration,
}

impl Default for DistributionConfig {
    fn default() -> Self {
        DistributionConfig {
            smtp: None,
            sms: None,
            attempts_max: 3,
            retry_backoff: Duration::from_millis(500),
        }
    }
}
