//! The rows a log record stands for. The leader and (for replication) a
//! follower both derive them from the record's effects with this one function,
//! so their files hold the same rows by construction.

use crate::state::{Effect, LogRecord};
use crate::storage::{write_keys, Changes};

/// Adds the record (as `encoded`) and the rows its effects imply to `changes`.
pub fn for_record(record: &LogRecord, encoded: bytes::Bytes, changes: &mut Changes) {
    for effect in &record.effects {
        match effect {
            Effect::CouponPut(def) => {
                changes.put_coupon(def);
                if def.revision == 1 {
                    // Creations take ids in order: the next id follows the newest.
                    changes.set_meta(write_keys::NEXT_COUPON_ID, def.id + 1);
                }
            }
            Effect::CouponDeleted { id, .. } => changes.delete_coupon(*id),
            Effect::Redemption(r) => changes.put_redemption(r),
            Effect::Reversal(r) => changes.put_reversal(r),
            Effect::CampaignDeleted { id } => changes.delete_campaign(*id),
            Effect::CampaignPut(def) => {
                changes.put_campaign(def);
                if def.revision == 1 {
                    changes.set_meta(write_keys::NEXT_CAMPAIGN_ID, def.id + 1);
                }
            }
            Effect::CodesGenerated {
                campaign_id,
                issued_at,
                codes,
            } => {
                for (id, code) in codes {
                    changes.put_code(*id, *campaign_id, code, *issued_at, "");
                }
                if let Some(last) = codes.iter().map(|(id, _)| *id).max() {
                    changes.set_meta(write_keys::NEXT_COUPON_ID, last + 1);
                }
            }
            Effect::CodesAssigned {
                campaign_id,
                issued_at,
                codes,
            } => {
                for (id, code, customer) in codes {
                    changes.put_code(*id, *campaign_id, code, *issued_at, customer);
                }
                if let Some(last) = codes.iter().map(|(id, _, _)| *id).max() {
                    changes.set_meta(write_keys::NEXT_COUPON_ID, last + 1);
                }
            }
            // In-memory state, rebuilt from checkpoints and the log.
            Effect::Outbox { .. } => {}
            Effect::KeySecret(secret) => {
                let half = |i: usize| {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(&secret[i..i + 8]);
                    u64::from_le_bytes(b)
                };
                changes.set_meta(write_keys::SECRET_LOW, half(0));
                changes.set_meta(write_keys::SECRET_HIGH, half(8));
            }
            // Kept in memory: in the log and in checkpoints, not in rows.
            Effect::Counters { .. }
            | Effect::CustomerUses { .. }
            | Effect::Velocity { .. }
            | Effect::Seen { .. }
            | Effect::CodeRate { .. }
            | Effect::Model(_)
            | Effect::OrderCodes { .. }
            | Effect::OrderSet { .. }
            | Effect::PeriodUses { .. }
            // A marker for the event stream; the redemption's row comes from its own effect.
            | Effect::HoldConfirmed { .. }
            | Effect::CampaignCounters { .. }
            | Effect::Usage(_)
            | Effect::Views(_)
            | Effect::HoldProducts { .. }
            | Effect::WebhookPut(_)
            | Effect::WebhookRemoved { .. }
            | Effect::WebhookProgress { .. } => {}
        }
    }
    changes.append_log(record.lsn, encoded);
}
