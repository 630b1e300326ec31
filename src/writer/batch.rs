//! One batch as the writer sees it: the committed state, plus what earlier
//! mutations of this batch changed (the overlay), plus the write transaction.
//! Every change goes through `emit`, which updates the overlay, writes the rows
//! that live on disk, and collects the effect for the mutation's log record.
//! Nothing reaches the shared state until the batch is durable.

use std::collections::HashMap;

use couponsd_client::wire::Redemption;

use crate::domain::coupon::{Counters, CouponDef, SharedDef};
use crate::state::keys::Key;
use crate::state::{Effect, LogRecord, State};
use crate::storage::{self, WriteBatch};

#[derive(Default)]
struct Overlay {
    defs: HashMap<u64, Option<SharedDef>>,
    codes: HashMap<String, Option<u64>>,
    counters: HashMap<u64, Counters>,
    customers: HashMap<(u64, Key), u64>,
    orders: HashMap<(u64, Key), u64>,
}

pub struct Batch<'a, 't> {
    state: &'a State,
    store: &'a mut WriteBatch<'t>,
    overlay: Overlay,
    /// Effects of the mutation in progress.
    effects: Vec<Effect>,
    /// Sealed records of this batch, applied to the state after commit.
    records: Vec<LogRecord>,
    epoch: u64,
    next_lsn: u64,
    next_coupon_id: u64,
    next_redemption_id: u64,
    pub now: i64,
}

impl<'a, 't> Batch<'a, 't> {
    pub fn new(
        state: &'a State,
        store: &'a mut WriteBatch<'t>,
        epoch: u64,
        next_lsn: u64,
        now: i64,
    ) -> Self {
        Batch {
            next_coupon_id: state.next_coupon_id(),
            next_redemption_id: state.next_redemption_id(),
            state,
            store,
            overlay: Overlay::default(),
            effects: Vec::new(),
            records: Vec::new(),
            epoch,
            next_lsn,
            now,
        }
    }

    // Reads: this batch's changes first, then the committed state.

    pub fn key(&self, id: &str) -> Key {
        self.state.key(id)
    }

    pub fn coupon_id(&self, code: &str) -> Option<u64> {
        match self.overlay.codes.get(code) {
            Some(id) => *id,
            None => self.state.coupon_id(code),
        }
    }

    pub fn def(&self, id: u64) -> Option<SharedDef> {
        match self.overlay.defs.get(&id) {
            Some(def) => def.clone(),
            None => self.state.coupon(id).map(|(def, _)| def),
        }
    }

    pub fn counters(&self, id: u64) -> Counters {
        match self.overlay.counters.get(&id) {
            Some(c) => *c,
            None => self.state.counters(id),
        }
    }

    pub fn customer_uses(&self, coupon_id: u64, customer: Key) -> u64 {
        match self.overlay.customers.get(&(coupon_id, customer)) {
            Some(n) => *n,
            None => self.state.customer_uses(coupon_id, customer),
        }
    }

    pub fn order(&self, coupon_id: u64, order: Key) -> Option<u64> {
        match self.overlay.orders.get(&(coupon_id, order)) {
            Some(id) => Some(*id),
            None => self.state.order(coupon_id, order),
        }
    }

    pub fn redemption(&self, id: u64) -> storage::Result<Option<Redemption>> {
        self.store.redemption(id)
    }

    /// Holds past their TTL as of the committed state (callers re-check status).
    pub fn due_holds(&self, limit: usize) -> Vec<(i64, u64)> {
        self.state.due_holds(self.now, limit)
    }

    // Ids.

    pub fn allocate_coupon_id(&mut self) -> u64 {
        let id = self.next_coupon_id;
        self.next_coupon_id += 1;
        id
    }

    pub fn allocate_redemption_id(&mut self) -> u64 {
        let id = self.next_redemption_id;
        self.next_redemption_id += 1;
        id
    }

    // Changes.

    pub fn put_def(&mut self, def: CouponDef) -> storage::Result<()> {
        self.store.put_coupon(&def)?;
        if let Some(old) = self.def(def.id) {
            if old.spec.code != def.spec.code {
                self.overlay.codes.insert(old.spec.code.clone(), None);
            }
        }
        self.overlay
            .codes
            .insert(def.spec.code.clone(), Some(def.id));
        self.store
            .set_meta(storage::write_keys::NEXT_COUPON_ID, self.next_coupon_id)?;
        let shared = SharedDef::new(def);
        self.overlay.defs.insert(shared.id, Some(shared.clone()));
        self.effects.push(Effect::CouponPut((*shared).clone()));
        Ok(())
    }

    pub fn delete_def(&mut self, id: u64) -> storage::Result<()> {
        if let Some(old) = self.def(id) {
            self.overlay.codes.insert(old.spec.code.clone(), None);
        }
        self.store.delete_coupon(id)?;
        self.overlay.defs.insert(id, None);
        self.overlay.counters.insert(id, Counters::default());
        self.effects.push(Effect::CouponDeleted { id });
        Ok(())
    }

    pub fn set_counters(&mut self, coupon_id: u64, counters: Counters) {
        self.overlay.counters.insert(coupon_id, counters);
        self.effects.push(Effect::Counters {
            coupon_id,
            counters,
        });
    }

    pub fn set_customer_uses(&mut self, coupon_id: u64, customer: Key, uses: u64) {
        self.overlay.customers.insert((coupon_id, customer), uses);
        self.effects.push(Effect::CustomerUses {
            coupon_id,
            customer,
            uses,
        });
    }

    pub fn put_redemption(&mut self, r: Redemption) -> storage::Result<()> {
        self.store.put_redemption(&r)?;
        let order = self.key(&r.order_id);
        self.overlay.orders.insert((r.coupon_id, order), r.id);
        self.effects.push(Effect::Redemption(r));
        Ok(())
    }

    /// True when the mutation in progress changed something not yet sealed.
    pub fn has_unsealed(&self) -> bool {
        !self.effects.is_empty()
    }

    /// Ends the mutation in progress: its effects become one log record under
    /// the next LSN, in this transaction.
    pub fn seal(&mut self) -> storage::Result<()> {
        if self.effects.is_empty() {
            return Ok(());
        }
        let record = LogRecord {
            epoch: self.epoch,
            lsn: self.next_lsn,
            timestamp: self.now,
            effects: std::mem::take(&mut self.effects),
        };
        self.store.append_log(record.lsn, &record.encode())?;
        self.next_lsn += 1;
        self.records.push(record);
        Ok(())
    }

    /// The sealed records, to apply once the transaction is durable.
    pub fn into_records(self) -> Vec<LogRecord> {
        self.records
    }
}
