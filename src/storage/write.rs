//! The write side of the main file. The writer's decider thread collects a
//! batch's rows, already encoded, in `Changes`; the committer thread writes them
//! in one transaction with `Store::commit`.

use couponsd_client::wire::{Redemption, Reversal};

use super::records::{
    encode_campaign, encode_code, encode_coupon, encode_redemption, encode_reversal,
};
use crate::domain::campaign::CampaignDef;
use crate::domain::coupon::CouponDef;

/// Rows to write in one transaction.
#[derive(Debug, Default)]
pub struct Changes {
    pub(super) log: Vec<(u64, bytes::Bytes)>,
    pub(super) redemptions: Vec<(u64, Vec<u8>)>,
    /// None deletes the coupon.
    pub(super) coupons: Vec<(u64, Option<Vec<u8>>)>,
    pub(super) meta: Vec<(&'static str, u64)>,
    /// None deletes the campaign.
    pub(super) campaigns: Vec<(u64, Option<Vec<u8>>)>,
    pub(super) codes: Vec<(u64, Vec<u8>)>,
    pub(super) reversals: Vec<(u64, Vec<u8>)>,
    /// The state machine's place in the Raft log (see `tables::CLUSTER`).
    pub(super) cluster: Vec<(&'static str, Vec<u8>)>,
    /// What this file knows of its siblings (see `binding`).
    pub(super) binding: Vec<(&'static str, u64)>,
    pub(super) truncate_log_through: Option<u64>,
}

impl Changes {
    pub fn put_redemption(&mut self, r: &Redemption) {
        self.redemptions.push((r.id, encode_redemption(r)));
    }

    pub fn put_coupon(&mut self, c: &CouponDef) {
        self.coupons.push((c.id, Some(encode_coupon(c))));
    }

    pub fn put_campaign(&mut self, c: &CampaignDef) {
        self.campaigns.push((c.id, Some(encode_campaign(c))));
    }

    pub fn delete_campaign(&mut self, id: u64) {
        self.campaigns.push((id, None));
    }

    /// A generated code's row; `customer_id` the customer it is bound to
    /// ("" for none).
    pub fn put_code(
        &mut self,
        coupon_id: u64,
        campaign_id: u64,
        code: &str,
        issued_at: i64,
        customer_id: &str,
    ) {
        self.codes.push((
            coupon_id,
            encode_code(coupon_id, campaign_id, code, issued_at, customer_id),
        ));
    }

    pub fn put_reversal(&mut self, r: &Reversal) {
        self.reversals.push((r.id, encode_reversal(r)));
    }

    pub fn delete_coupon(&mut self, id: u64) {
        self.coupons.push((id, None));
    }

    /// Appends a log record; the last one appended becomes the last LSN.
    pub fn append_log(&mut self, lsn: u64, record: bytes::Bytes) {
        self.log.push((lsn, record));
    }

    /// Whether these changes cut the log (see `truncate_log_through`).
    pub(super) fn cuts_log(&self) -> bool {
        self.truncate_log_through.is_some()
    }

    pub fn set_meta(&mut self, key: &'static str, value: u64) {
        self.meta.push((key, value));
    }

    /// Sets a value of the `cluster` table (bytes encoded by the cluster).
    pub fn set_cluster(&mut self, key: &'static str, value: Vec<u8>) {
        self.cluster.push((key, value));
    }

    /// Records that a checkpoint as of `lsn` is durable in `checkpoint.redb`:
    /// an older checkpoint file is refused at start from then on.
    pub fn note_checkpoint(&mut self, lsn: u64) {
        self.binding
            .push((super::binding::keys::CHECKPOINT_LSN, lsn));
    }

    /// Records that `raft.redb` durably holds the log through `index` (the
    /// commit must be durable to say so): an older Raft log file is refused
    /// at start from then on.
    pub fn note_raft_durable(&mut self, index: u64) {
        self.binding
            .push((super::binding::keys::RAFT_DURABLE_INDEX, index));
    }

    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.log.is_empty()
            && self.redemptions.is_empty()
            && self.coupons.is_empty()
            && self.meta.is_empty()
            && self.cluster.is_empty()
            && self.binding.is_empty()
            && self.campaigns.is_empty()
            && self.codes.is_empty()
            && self.reversals.is_empty()
            && self.truncate_log_through.is_none()
    }

    /// Drops log records with LSN <= `lsn` (covered by a durable checkpoint).
    pub fn truncate_log_through(&mut self, lsn: u64) {
        self.truncate_log_through = Some(lsn);
    }
}

/// Meta keys the writer and recovery use.
pub mod keys {
    pub use super::super::tables::{
        cluster_keys, CLOCK_MS, LAST_BATCH_SEQ, LAST_BATCH_TERM, LAST_LSN, LEGACY_CLUSTER_ID,
        NEXT_CAMPAIGN_ID, NEXT_COUPON_ID, SECRET_HIGH, SECRET_LOW,
    };
}
