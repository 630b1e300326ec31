//! The distribution outbox (CAMPAIGN_DISTRIBUTE): one entry per (campaign,
//! customer), with the code queued for them and where its delivery stands.
//! Entries are state like counters: changed only by `Effect::Outbox`, which
//! carries each changed entry whole, checkpointed (kind 17) and in DIGEST
//! (kind 45). The order of a campaign's entries and which are still QUEUED
//! are derived from the entries (`CampaignOutbox`), never stored.

use std::collections::{BTreeMap, BTreeSet};

use couponsd_client::wire::{
    DecodeError, DeliveryStatus, DistributionEntry, Reader, Recipient, Writer,
};

use super::keys::Key;

/// The most entries the outbox holds over every campaign, sent ones
/// included (a full outbox refuses CAMPAIGN_DISTRIBUTE with OUTBOX_FULL).
/// An entry is about 200 bytes of memory (strings of a typical recipient),
/// so the bound is about 200 MiB.
pub const ENTRIES_MAX: u64 = 1_000_000;

/// One recipient's entry. `status` is never REDEEMED (that is read from the
/// code's uses when shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Its place in its campaign's outbox, from 1, in the order queued.
    pub seq: u64,
    pub recipient: Recipient,
    pub coupon_id: u64,
    pub code: String,
    pub status: DeliveryStatus,
    pub reason: String,
    /// The batch time of its last change (unix ms).
    pub updated_at: i64,
}

impl OutboxEntry {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.seq);
        self.recipient.write(w);
        w.u64(self.coupon_id);
        w.str(&self.code);
        w.u8(self.status.as_u8());
        w.str(&self.reason);
        w.i64(self.updated_at);
    }

    pub fn read(r: &mut Reader) -> Result<OutboxEntry, DecodeError> {
        Ok(OutboxEntry {
            seq: r.u64("seq")?,
            recipient: Recipient::read(r)?,
            coupon_id: r.u64("coupon_id")?,
            code: r.str("code")?,
            status: DeliveryStatus::read(r, "status")?,
            reason: r.str("reason")?,
            updated_at: r.i64("updated_at")?,
        })
    }

    /// As the wire shows it: `redeemed` replaces a SENT (or QUEUED) status
    /// by REDEEMED; `created` says whether the request answered queued it.
    pub fn to_wire(&self, redeemed: bool, created: bool) -> DistributionEntry {
        let status = match self.status {
            DeliveryStatus::Sent | DeliveryStatus::Queued if redeemed => DeliveryStatus::Redeemed,
            s => s,
        };
        DistributionEntry {
            seq: self.seq,
            recipient: self.recipient.clone(),
            coupon_id: self.coupon_id,
            code: self.code.clone(),
            status,
            reason: self.reason.clone(),
            updated_at: self.updated_at,
            created,
        }
    }
}

/// A campaign's entries in outbox order and the ones still QUEUED: derived
/// from the entries wherever one is put (apply, checkpoint restore).
#[derive(Debug, Default, Clone)]
pub struct CampaignOutbox {
    /// seq -> the customer's key.
    pub order: BTreeMap<u64, Key>,
    /// The seqs of QUEUED entries.
    pub queued: BTreeSet<u64>,
    /// Entries by stored status (index: `DeliveryStatus::as_u8`).
    counts: [u64; 6],
}

impl CampaignOutbox {
    /// Notes an entry put (whole) under `customer`, in place of `old`.
    pub fn put(&mut self, customer: Key, old: Option<DeliveryStatus>, entry: &OutboxEntry) {
        if let Some(old) = old {
            let count = &mut self.counts[usize::from(old.as_u8())];
            debug_assert!(*count > 0, "an entry replaced was counted");
            *count = count.saturating_sub(1);
        }
        self.counts[usize::from(entry.status.as_u8())] += 1;
        self.order.insert(entry.seq, customer);
        if entry.status == DeliveryStatus::Queued {
            self.queued.insert(entry.seq);
        } else {
            self.queued.remove(&entry.seq);
        }
    }

    /// Entries whose stored status is `status`.
    pub fn count(&self, status: DeliveryStatus) -> u64 {
        self.counts[usize::from(status.as_u8())]
    }

    /// The seq the next entry takes.
    pub fn next_seq(&self) -> u64 {
        self.order.last_key_value().map_or(1, |(seq, _)| seq + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BytesMut;

    #[test]
    fn entry_roundtrip_and_order() {
        let entry = OutboxEntry {
            seq: 3,
            recipient: Recipient {
                customer_id: "ann".into(),
                email: "ann@example.com".into(),
                phone: String::new(),
                locale: "en".into(),
            },
            coupon_id: 7,
            code: "ABC".into(),
            status: DeliveryStatus::Queued,
            reason: String::new(),
            updated_at: 5,
        };
        let mut buf = BytesMut::new();
        entry.write(&mut Writer::new(&mut buf));
        let back = OutboxEntry::read(&mut Reader::new(&buf)).expect("reads back");
        assert_eq!(back, entry);
        let mut outbox = CampaignOutbox::default();
        outbox.put([1, 2], None, &entry);
        assert_eq!(outbox.next_seq(), 4);
        assert!(outbox.queued.contains(&3));
        let sent = OutboxEntry {
            status: DeliveryStatus::Sent,
            ..entry
        };
        outbox.put([1, 2], Some(DeliveryStatus::Queued), &sent);
        assert!(outbox.queued.is_empty());
        assert_eq!(outbox.count(DeliveryStatus::Queued), 0);
        assert_eq!(outbox.count(DeliveryStatus::Sent), 1);
        assert_eq!(sent.to_wire(true, false).status, DeliveryStatus::Redeemed);
    }
}
