//! Table definitions of the main database file.

use redb::{TableDefinition, WriteTransaction};

pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
pub const COUPONS: TableDefinition<u64, &[u8]> = TableDefinition::new("coupons");
pub const REDEMPTIONS: TableDefinition<u64, &[u8]> = TableDefinition::new("redemptions");
pub const LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("log");
pub const CAMPAIGNS: TableDefinition<u64, &[u8]> = TableDefinition::new("campaigns");
/// Generated codes: coupon id -> campaign id and code.
pub const CODES: TableDefinition<u64, &[u8]> = TableDefinition::new("codes");
/// Reversals (full and partial refunds): reversal id -> record.
pub const REVERSALS: TableDefinition<u64, &[u8]> = TableDefinition::new("reversals");
/// The state machine's place in the Raft log: name -> value, encoded by
/// `cluster::codec` (opaque here). See `cluster_keys`.
pub const CLUSTER: TableDefinition<&str, &[u8]> = TableDefinition::new("cluster");
/// The epoch history of the replication before Raft: only removed, when a
/// store from then is migrated.
pub const LEGACY_EPOCHS: TableDefinition<u64, u64> = TableDefinition::new("epochs");

/// Meta keys.
pub const LAST_LSN: &str = "last_lsn";
pub const NEXT_COUPON_ID: &str = "next_coupon_id";
pub const NEXT_CAMPAIGN_ID: &str = "next_campaign_id";
pub const SECRET_LOW: &str = "key_secret_low";
pub const SECRET_HIGH: &str = "key_secret_high";
/// (term, seq) of the last proposal applied: the chain the next one must follow.
pub const LAST_BATCH_TERM: &str = "last_batch_term";
pub const LAST_BATCH_SEQ: &str = "last_batch_seq";
/// The cluster's time: the batch time of the last record applied (UTC ms).
pub const CLOCK_MS: &str = "clock_ms";
/// Meta keys of the replication before Raft: read once when such a store is
/// migrated (its cluster id carries over), then removed.
pub const LEGACY_CLUSTER_ID: &str = "cluster_id";
pub const LEGACY_KEYS: [&str; 3] = ["cluster_id", "epoch", "fenced_epoch"];

/// Keys of the `cluster` table.
pub mod cluster_keys {
    /// The log id of the last entry applied.
    pub const APPLIED: &str = "applied";
    /// The last membership applied, with its log id.
    pub const MEMBERSHIP: &str = "membership";
}

pub fn create_all(txn: &WriteTransaction) -> Result<(), redb::TableError> {
    txn.open_table(META)?;
    txn.open_table(COUPONS)?;
    txn.open_table(REDEMPTIONS)?;
    txn.open_table(LOG)?;
    txn.open_table(CLUSTER)?;
    txn.open_table(CAMPAIGNS)?;
    txn.open_table(CODES)?;
    txn.open_table(REVERSALS)?;
    Ok(())
}
