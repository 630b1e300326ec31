//! A digest of everything a node stores, so that two nodes can be compared:
//! equal digests at the same LSN mean equal state. It is an order-independent
//! sum (mod 2^128) of a 128-bit hash of every entry, tagged by kind, so hash
//! maps can be walked in any order.

use bytes::BytesMut;
use couponsd_client::wire::Writer;
use siphasher::sip128::{Hasher128, SipHasher13};
use std::hash::Hasher;

use super::analytics;
use super::effect::{write_code_rate, write_key, write_model, write_period_count};
use super::State;

/// Accumulates entries. The hash key is fixed (not the database secret):
/// digests must agree across nodes and versions.
#[derive(Default)]
pub struct Digest {
    sum: u128,
    entries: u64,
    scratch: BytesMut,
}

impl Digest {
    /// Adds one entry of kind `tag`, written by `write`.
    pub fn add(&mut self, tag: u8, write: impl FnOnce(&mut Writer)) {
        self.scratch.clear();
        let mut w = Writer::new(&mut self.scratch);
        w.u8(tag);
        write(&mut w);
        let mut h = SipHasher13::new_with_keys(0, 0);
        h.write(&self.scratch);
        self.sum = self.sum.wrapping_add(h.finish128().as_u128());
        self.entries += 1;
    }

    pub fn value(&self) -> u128 {
        self.sum
    }

    pub fn entries(&self) -> u64 {
        self.entries
    }
}

impl State {
    /// Adds every entry of the in-memory state (definitions, counters, customer
    /// uses, the idempotency index, redemption lists, campaigns, their
    /// counters and generated codes, holds, velocity windows, seen sets and
    /// code rates, the fraud model once it learned, multi-code orders' sets).
    pub fn add_to_digest(&self, d: &mut Digest) {
        for def in super::read(&self.defs).values() {
            d.add(1, |w| def.write(w));
        }
        self.counters.for_each(|id, c| {
            d.add(2, |w| {
                w.u64(*id);
                w.u64(c.current_usage);
                w.u64(c.reserved_uses);
                // Absent while 0, so that a store from before them digests as it did.
                if c.fraud_attempts != 0 || c.blocked_redemptions != 0 {
                    w.u64(c.fraud_attempts);
                    w.u64(c.blocked_redemptions);
                }
            })
        });
        self.customers.for_each(|(id, key), uses| {
            d.add(3, |w| {
                w.u64(*id);
                write_key(w, *key);
                w.u64(*uses);
            })
        });
        self.orders.for_each(|(id, key), rid| {
            d.add(4, |w| {
                w.u64(*id);
                write_key(w, *key);
                w.u64(*rid);
            })
        });
        self.order_sets.for_each(|order, set| {
            d.add(20, |w| {
                write_key(w, *order);
                set.write(w);
            })
        });
        self.lists.for_each(|id, ids| {
            d.add(5, |w| {
                w.u64(*id);
                ids.iter().for_each(|rid| w.u64(*rid));
            })
        });
        for def in super::read(&self.campaigns).values() {
            d.add(9, |w| def.write(w));
        }
        self.campaign_counters.for_each(|id, c| {
            d.add(10, |w| {
                w.u64(*id);
                w.i64(c.budget_used);
                w.u64(c.redemptions);
                w.u64(c.coupons_generated);
            })
        });
        for (id, g) in super::read(&self.generated).iter() {
            d.add(11, |w| {
                w.u64(*id);
                w.u64(g.campaign_id);
                w.str(&g.code);
                w.i64(g.issued_at);
                // Absent when bound to no one, so stores from before bound
                // codes digest as they did.
                if !g.customer_id.is_empty() {
                    w.str(&g.customer_id);
                }
            })
        }
        self.reversals.for_each(|rid, list| {
            d.add(14, |w| {
                w.u64(*rid);
                list.iter().for_each(|r| r.write(w));
            })
        });
        self.velocity.for_each(|(id, key), created_at| {
            d.add(16, |w| {
                w.u64(*id);
                write_key(w, *key);
                created_at.iter().for_each(|t| w.i64(*t));
            })
        });
        self.seen.for_each(|(kind, key), members| {
            d.add(17, |w| {
                w.u8(kind.code());
                write_key(w, *key);
                for (member, seen_at) in members {
                    write_key(w, *member);
                    w.i64(*seen_at);
                }
            })
        });
        self.code_rates.for_each(|id, rate| {
            d.add(18, |w| {
                w.u64(*id);
                write_code_rate(w, rate);
            })
        });
        self.period_uses.for_each(|(id, who, kind), count| {
            d.add(22, |w| {
                w.u64(*id);
                write_key(w, *who);
                write_period_count(w, *kind, count);
            })
        });
        // Absent while it is the starting model, so a store from before
        // outcomes digests as it did.
        let model = self.model();
        if *model != crate::rules::fraud::score::Model::default() {
            d.add(19, |w| write_model(w, &model));
        }
        // Analytics, with the position each counted to (kinds 31 to 33:
        // the numbers around them are other state's).
        self.coupon_analytics.for_each(|id, (at, a)| {
            d.add(31, |w| {
                w.u64(*id);
                analytics::write_position(w, *at);
                analytics::write_coupon(w, a);
            })
        });
        self.campaign_analytics.for_each(|id, (at, g)| {
            d.add(32, |w| {
                w.u64(*id);
                analytics::write_position(w, *at);
                analytics::write_group(w, g);
            })
        });
        let (at, store) = *self
            .store_analytics
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if store != crate::rules::analytics::GroupAnalytics::default() {
            d.add(33, |w| {
                analytics::write_position(w, at);
                analytics::write_group(w, &store);
            });
        }
        // Webhook endpoints whole, secret and progress included (kind 40;
        // 41 to 44 are kept for them).
        for endpoint in super::read(&self.webhooks).values() {
            d.add(40, |w| endpoint.write(w));
        }
        // The distribution outbox (kind 45; 46 to 49 are kept for it).
        self.outbox.for_each(|(campaign_id, customer), entry| {
            d.add(45, |w| {
                w.u64(*campaign_id);
                write_key(w, *customer);
                entry.write(w);
            })
        });
        self.holds.for_each(|rid, hold| {
            d.add(6, |w| {
                w.u64(*rid);
                w.u64(hold.coupon_id);
                w.i64(hold.expires_at);
            })
        });
        // Pending holds' order lines (kind 50).
        self.hold_products.for_each(|rid, products| {
            d.add(50, |w| {
                w.u64(*rid);
                analytics::write_products(w, products);
            })
        });
    }
}
