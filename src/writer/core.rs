//! The store and the state built from it. Installing a snapshot replaces
//! both at once, under running connections: everyone loads the current pair
//! from the `CoreCell` for each piece of work and keeps it for that piece.

use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::state::State;
use crate::storage::Store;

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
