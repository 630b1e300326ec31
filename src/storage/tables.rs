//! Table definitions of the main database file.

use redb::{TableDefinition, WriteTransaction};

pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
pub const COUPONS: TableDefinition<u64, &[u8]> = TableDefinition::new("coupons");
pub const REDEMPTIONS: TableDefinition<u64, &[u8]> = TableDefinition::new("redemptions");
pub const LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("log");

/// Meta keys.
pub const LAST_LSN: &str = "last_lsn";
pub const NEXT_COUPON_ID: &str = "next_coupon_id";
pub const EPOCH: &str = "epoch";
pub const SECRET_LOW: &str = "key_secret_low";
pub const SECRET_HIGH: &str = "key_secret_high";

pub fn create_all(txn: &WriteTransaction) -> Result<(), redb::TableError> {
    txn.open_table(META)?;
    txn.open_table(COUPONS)?;
    txn.open_table(REDEMPTIONS)?;
    txn.open_table(LOG)?;
    Ok(())
}
