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
/// Epoch history: epoch -> the first LSN written in it.
pub const EPOCHS: TableDefinition<u64, u64> = TableDefinition::new("epochs");

/// Meta keys.
pub const LAST_LSN: &str = "last_lsn";
pub const NEXT_COUPON_ID: &str = "next_coupon_id";
pub const NEXT_CAMPAIGN_ID: &str = "next_campaign_id";
pub const EPOCH: &str = "epoch";
pub const SECRET_LOW: &str = "key_secret_low";
pub const SECRET_HIGH: &str = "key_secret_high";
/// Names the dataset: a follower of another cluster is refused.
pub const CLUSTER_ID: &str = "cluster_id";
/// Set when this node learned of a newer epoch than its own while leader: it
/// takes no writes until it rejoins as a follower.
pub const FENCED_EPOCH: &str = "fenced_epoch";

pub fn create_all(txn: &WriteTransaction) -> Result<(), redb::TableError> {
    txn.open_table(META)?;
    txn.open_table(COUPONS)?;
    txn.open_table(REDEMPTIONS)?;
    txn.open_table(LOG)?;
    txn.open_table(EPOCHS)?;
    txn.open_table(CAMPAIGNS)?;
    txn.open_table(CODES)?;
    txn.open_table(REVERSALS)?;
    Ok(())
}
