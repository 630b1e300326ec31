//! The store and the state built from it. Installing a snapshot replaces
//! both at once, under running connections: everyone loads the current pair
//! from the `CoreCell` for each piece of work and keeps it for that piece.

use std::sync::Arc;

use arc_swap::ArcSwap;

use couponsd_client::wire::DigestReply;

use crate::state::digest::Digest;
use crate::state::State;
use crate::storage::{ReadView, StorageError, Store};

pub struct Core {
    pub store: Arc<Store>,
    pub state: Arc<State>,
}

pub struct CoreCell(ArcSwap<Core>);

impl CoreCell {
    pub fn new(core: Core) -> CoreCell {
        CoreCell(ArcSwap::from_pointee(core))
    }

    pub fn load(&self) -> Arc<Core> {
        self.0.load_full()
    }

    pub fn replace(&self, core: Core) {
        self.0.store(Arc::new(core));
    }
}

/// DIGEST of a state and the rows of the store it was rebuilt from or
/// applied to; the caller makes sure both are as of `lsn`.
pub fn digest_of(state: &State, view: &ReadView, lsn: u64) -> Result<DigestReply, StorageError> {
    let mut d = Digest::default();
    state.add_to_digest(&mut d);
    view.for_each_row(|tag, key, row| {
        d.add(tag, |w| {
            w.u64(key);
            w.bytes(row);
        })
    })?;
    Ok(DigestReply {
        lsn,
        digest: d.value(),
        entries: d.entries(),
    })
}
