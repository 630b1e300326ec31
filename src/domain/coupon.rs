//! A stored coupon: its definition (changes only on create and update) and its
//! counters (change on every redemption). They are kept apart so that a
//! redemption touches a few integers, never the definition.

use std::sync::Arc;

use couponsd_client::wire::{Coupon, CouponSpec, CouponStatus, DecodeError, Reader, Writer};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponDef {
    pub id: u64,
    pub revision: u64,
    pub spec: CouponSpec,
    pub created_at: i64,
    pub updated_at: i64,
    pub created_by: String,
}

/// Which CouponSpec layout an encoded definition holds. A definition is
/// followed by other fields, so its encoding cannot show where the spec ends:
/// stored rows and log records written before the discount-rule fields were
/// appended (protocol.md, CouponSpec fields 25 to 30) are marked as such by
/// their row format or effect tag. Fields 31 to 33 (the fraud settings), then
/// 34 to 45 (the order settings), are kept after the definition's last field
/// instead, where a row that predates them simply ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecLayout {
    /// Fields 1 to 24.
    Original,
    /// Fields 1 to 30.
    Rules,
    /// Fields 1 to 30, then 31 to 33 at the end.
    Fraud,
    /// Fields 1 to 30, then 31 to 33 and 34 to 45 at the end: what `write`
    /// writes.
    Current,
    /// A stored row, which ends with its definition: 31 to 33 if anything
    /// follows the definition's last field, then 34 to 45 if anything still
    /// follows (and, for a campaign, its tail if anything still follows).
    CurrentAtEnd,
    /// A campaign's: `Current`, then the campaign's own appended fields
    /// (`CampaignSpec::write_campaign_tail`). Field 46 of a template is
    /// never stored: only a REFERRAL campaign's codes have it, from their
    /// code rows.
    Campaign,
}

impl SpecLayout {
    /// Reads the fields a definition in this layout keeps after its last
    /// field into `spec`.
    pub fn read_tail(self, spec: &mut CouponSpec, r: &mut Reader) -> Result<(), DecodeError> {
        match self {
            SpecLayout::Original | SpecLayout::Rules => {}
            SpecLayout::Fraud => spec.read_fraud(r)?,
            SpecLayout::Current | SpecLayout::Campaign => {
                spec.read_fraud(r)?;
                spec.read_order_settings(r)?;
            }
            SpecLayout::CurrentAtEnd => {
                if r.remaining() > 0 {
                    spec.read_fraud(r)?;
                }
                if r.remaining() > 0 {
                    spec.read_order_settings(r)?;
                }
            }
        }
        Ok(())
    }
}

/// Writes the fields a definition keeps after its last field (fields 31 to
/// 45 of `spec`): the other side of `SpecLayout::read_tail`.
pub fn write_spec_tail(spec: &CouponSpec, w: &mut Writer) {
    spec.write_fraud(w);
    spec.write_order_settings(w);
}

/// Uses of a coupon: captured (PROCESSED) and held (PENDING); and its
/// attempts blocked by a security check or flagged for review.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub current_usage: u64,
    pub reserved_uses: u64,
    pub fraud_attempts: u64,
    pub blocked_redemptions: u64,
}

impl CouponDef {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.id);
        w.u64(self.revision);
        self.spec.write_rules_layout(w);
        w.i64(self.created_at);
        w.i64(self.updated_at);
        w.str(&self.created_by);
        write_spec_tail(&self.spec, w);
    }

    pub fn read(r: &mut Reader, layout: SpecLayout) -> Result<CouponDef, DecodeError> {
        let mut def = CouponDef {
            id: r.u64("id")?,
            revision: r.u64("revision")?,
            spec: match layout {
                SpecLayout::Original => CouponSpec::read_original(r)?,
                _ => CouponSpec::read_rules_layout(r)?,
            },
            created_at: r.i64("created_at")?,
            updated_at: r.i64("updated_at")?,
            created_by: r.str("created_by")?,
        };
        layout.read_tail(&mut def.spec, r)?;
        Ok(def)
    }

    /// The wire view: definition, counters and the status at `now`.
    /// The coupon as the protocol shows it. `campaign_running`: whether its
    /// campaign (if it has one) runs now; an ACTIVE coupon of a campaign that
    /// does not is shown INACTIVE, since it redeems nothing.
    pub fn to_wire(&self, counters: Counters, now: i64, campaign_running: bool) -> Coupon {
        let status = match crate::rules::status(&self.spec, counters, now) {
            CouponStatus::Active if !campaign_running => CouponStatus::Inactive,
            status => status,
        };
        Coupon {
            id: self.id,
            revision: self.revision,
            spec: self.spec.clone(),
            status,
            current_usage: counters.current_usage,
            reserved_uses: counters.reserved_uses,
            created_at: self.created_at,
            updated_at: self.updated_at,
            created_by: self.created_by.clone(),
            fraud_attempts: counters.fraud_attempts,
            blocked_redemptions: counters.blocked_redemptions,
        }
    }
}

pub type SharedDef = Arc<CouponDef>;

#[cfg(test)]
pub mod test_support {
    use bytes::BytesMut;
    use couponsd_client::wire::{CouponSpec, Writer};

    use super::CouponDef;

    /// Bytes of CouponSpec fields 25 to 30: bool, u32, u32, u8, u16, u16.
    const APPENDED_SPEC_BYTES: usize = 14;

    /// `def` as encoded before CouponSpec fields 31 to 33 were appended (it
    /// decodes back equal to `before_fraud(def)`).
    pub fn encode_with_rules_spec(def: &CouponDef) -> Vec<u8> {
        let mut buf = BytesMut::new();
        let w = &mut Writer::new(&mut buf);
        w.u64(def.id);
        w.u64(def.revision);
        def.spec.write_rules_layout(w);
        w.i64(def.created_at);
        w.i64(def.updated_at);
        w.str(&def.created_by);
        buf.to_vec()
    }

    /// What a definition from before fields 31 to 33 decodes to: them, and
    /// the fields after them, off.
    pub fn before_fraud(mut def: CouponDef) -> CouponDef {
        def.spec.identifier_limits.clear();
        def.spec.review_score = None;
        def.spec.block_score = None;
        before_order_settings(def)
    }

    /// What a definition from before fields 34 to 45 decodes to: them off.
    pub fn before_order_settings(mut def: CouponDef) -> CouponDef {
        let fresh = CouponSpec::default();
        def.spec.stacking = fresh.stacking;
        def.spec.auto_apply = fresh.auto_apply;
        def.spec.assigned_customer_id = fresh.assigned_customer_id;
        def.spec.period_limits = fresh.period_limits;
        def.spec.reversal = fresh.reversal;
        def
    }

    /// `def` as encoded before CouponSpec fields 34 to 45 were appended (it
    /// decodes back equal to `before_order_settings(def)`).
    pub fn encode_with_fraud_spec(def: &CouponDef) -> Vec<u8> {
        let mut buf = BytesMut::from(&encode_with_rules_spec(def)[..]);
        def.spec.write_fraud(&mut Writer::new(&mut buf));
        buf.to_vec()
    }

    /// `def` as encoded before CouponSpec fields 25 to 30 were appended (its
    /// spec must leave them at their defaults to decode back equal, and it
    /// decodes with 31 to 33 off).
    pub fn encode_with_original_spec(def: &CouponDef) -> Vec<u8> {
        let buf = encode_with_rules_spec(def);
        // The spec ends just before created_at, updated_at and created_by.
        let spec_end = buf.len() - (8 + 8 + 2 + def.created_by.len());
        let mut original = buf[..spec_end - APPENDED_SPEC_BYTES].to_vec();
        original.extend_from_slice(&buf[spec_end..]);
        original
    }
}
