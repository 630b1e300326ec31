//! Table definitions. Keys that must sort numerically are big integers; text
//! keys are normalized before they get here.

use redb::{TableDefinition, WriteTransaction};

pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
pub const COUPONS: TableDefinition<u64, &[u8]> = TableDefinition::new("coupons");
pub const CODES: TableDefinition<&str, u64> = TableDefinition::new("codes");
pub const CUSTOMER_USAGE: TableDefinition<(u64, &str), u64> =
    TableDefinition::new("customer_usage");
pub const REDEMPTIONS: TableDefinition<u64, &[u8]> = TableDefinition::new("redemptions");
pub const ORDERS: TableDefinition<(u64, &str), u64> = TableDefinition::new("orders");
pub const COUPON_REDEMPTIONS: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("coupon_redemptions");
pub const HOLDS: TableDefinition<(i64, u64), ()> = TableDefinition::new("holds");
pub const LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("log");

/// Meta keys.
pub const NEXT_COUPON_ID: &str = "next_coupon_id";
pub const NEXT_REDEMPTION_ID: &str = "next_redemption_id";
pub const LAST_LSN: &str = "last_lsn";
pub const EPOCH: &str = "epoch";

pub fn create_all(txn: &WriteTransaction) -> Result<(), redb::TableError> {
    txn.open_table(META)?;
    txn.open_table(COUPONS)?;
    txn.open_table(CODES)?;
    txn.open_table(CUSTOMER_USAGE)?;
    txn.open_table(REDEMPTIONS)?;
    txn.open_table(ORDERS)?;
    txn.open_table(COUPON_REDEMPTIONS)?;
    txn.open_table(HOLDS)?;
    txn.open_table(LOG)?;
    Ok(())
}
