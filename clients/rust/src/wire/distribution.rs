//! Distribution of a campaign's codes (CAMPAIGN_DISTRIBUTE,
//! DISTRIBUTION_STATUS, DISTRIBUTION_REPORT): recipients, each one's
//! delivery status, and a campaign's outbox counts. See protocol.md,
//! "Distribution".

use super::primitives::{DecodeError, Reader, Writer};
use crate::wire_enum;

/// The most recipients one CAMPAIGN_DISTRIBUTE carries (one log record,
/// one reply of about 250 KiB at most).
pub const MAX_DISTRIBUTE_RECIPIENTS: usize = 1000;
/// The most entries one DISTRIBUTION_STATUS page lists.
pub const MAX_DISTRIBUTION_PAGE: u16 = 1000;

wire_enum!(
    /// Where one recipient's code stands. QUEUED: in the outbox, not sent;
    /// SENT: the channel accepted it (or, for APP, WEBSITE, PARTNER and
    /// MANUAL, it is marked distributed); FAILED: not sent, with a reason;
    /// BOUNCED: sent, then reported undeliverable (DISTRIBUTION_REPORT);
    /// REDEEMED: its code has been redeemed (read from the code's uses,
    /// never stored).
    DeliveryStatus {
        Queued = 1 => "QUEUED",
        Sent = 2 => "SENT",
        Failed = 3 => "FAILED",
        Bounced = 4 => "BOUNCED",
        Redeemed = 5 => "REDEEMED",
    }
);

/// One recipient of CAMPAIGN_DISTRIBUTE: empty strings for what is not known.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Recipient {
    pub customer_id: String,
    pub email: String,
    pub phone: String,
    /// A BCP 47 tag such as "en" or "de-DE"; empty: English.
    pub locale: String,
}

impl Recipient {
    pub fn write(&self, w: &mut Writer) {
        w.str(&self.customer_id);
        w.str(&self.email);
        w.str(&self.phone);
        w.str(&self.locale);
    }

    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Recipient {
            customer_id: r.str("customer_id")?,
            email: r.str("email")?,
            phone: r.str("phone")?,
            locale: r.str("locale")?,
        })
    }
}

/// One recipient's entry of a campaign's outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DistributionEntry {
    /// Its place in the campaign's outbox (from 1, in the order queued).
    pub seq: u64,
    pub recipient: Recipient,
    pub coupon_id: u64,
    pub code: String,
    pub status: DeliveryStatus,
    /// Why it FAILED or BOUNCED; empty otherwise.
    pub reason: String,
    /// When its status last changed (unix ms, the cluster's time).
    pub updated_at: i64,
    /// CAMPAIGN_DISTRIBUTE: true if this request queued it, false if the
    /// recipient was in the outbox already. Always false elsewhere.
    pub created: bool,
}

impl DistributionEntry {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.seq);
        self.recipient.write(w);
        w.u64(self.coupon_id);
        w.str(&self.code);
        w.u8(self.status.as_u8());
        w.str(&self.reason);
        w.i64(self.updated_at);
        w.bool(self.created);
    }

    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(DistributionEntry {
            seq: r.u64("seq")?,
            recipient: Recipient::read(r)?,
            coupon_id: r.u64("coupon_id")?,
            code: r.str("code")?,
            status: DeliveryStatus::read(r, "status")?,
            reason: r.str("reason")?,
            updated_at: r.i64("updated_at")?,
            created: r.bool("created")?,
        })
    }
}

/// DISTRIBUTION_STATUS's reply: the campaign's counts by status, then a page
/// of its entries in outbox order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DistributionStatus {
    pub campaign_id: u64,
    /// Every entry of the campaign's outbox.
    pub total: u64,
    pub queued: u64,
    pub sent: u64,
    pub failed: u64,
    pub bounced: u64,
    /// Entries whose code was redeemed (counted here, not under SENT).
    pub redeemed: u64,
    pub entries: Vec<DistributionEntry>,
    /// The cursor for the next page (the last entry's seq); 0: no more.
    pub next_after: u64,
}

impl DistributionStatus {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.campaign_id);
        w.u64(self.total);
        w.u64(self.queued);
        w.u64(self.sent);
        w.u64(self.failed);
        w.u64(self.bounced);
        w.u64(self.redeemed);
        w.list(&self.entries, |w, e| e.write(w));
        w.u64(self.next_after);
    }

    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(DistributionStatus {
            campaign_id: r.u64("campaign_id")?,
            total: r.u64("total")?,
            queued: r.u64("queued")?,
            sent: r.u64("sent")?,
            failed: r.u64("failed")?,
            bounced: r.u64("bounced")?,
            redeemed: r.u64("redeemed")?,
            entries: r.list("entries", DistributionEntry::read)?,
            next_after: r.u64("next_after")?,
        })
    }
}
