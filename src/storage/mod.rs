//! Storage: the only module that touches redb.
//!
//! One file, `couponsd.redb`, in the data directory. Tables (keys -> values):
//! - `meta`: name -> u64 (next ids, last LSN, epoch)
//! - `coupons`: coupon id -> coupon record (spec and counters)
//! - `codes`: normalized code -> coupon id
//! - `customer_usage`: (coupon id, customer id) -> active uses (held or captured)
//! - `redemptions`: redemption id -> redemption record
//! - `orders`: (coupon id, order id) -> redemption id, for idempotency
//! - `coupon_redemptions`: (coupon id, redemption id) -> (), to list a coupon's redemptions
//! - `holds`: (expires_at ms, redemption id) -> (), PENDING holds by expiry
//! - `log`: LSN -> log record: every row written by one mutation, with its CRC
//!
//! Writes happen only through [`WriteBatch`], which records each row it writes
//! into the log record of the mutation, so the log alone can rebuild every
//! table (replication ships it).

mod log;
mod read;
mod records;
mod tables;
mod write;

use std::path::Path;

use redb::{Database, ReadableDatabase};

pub use log::{LogOp, LogRecord};
pub use read::ReadView;
pub use write::WriteBatch;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database: {0}")]
    Database(String),
    #[error("corrupt record in {table}: {reason}")]
    Corrupt { table: &'static str, reason: String },
    #[error("data directory: {0}")]
    Io(#[from] std::io::Error),
}

macro_rules! from_redb {
    ($($t:ty),+) => {$(
        impl From<$t> for StorageError {
            fn from(e: $t) -> Self { StorageError::Database(e.to_string()) }
        }
    )+};
}
from_redb!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

pub type Result<T> = std::result::Result<T, StorageError>;

/// The database file name inside the data directory.
pub const DATA_FILE: &str = "couponsd.redb";

pub struct Store {
    db: Database,
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, and makes sure every table exists.
    pub fn open(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir)?;
        let db = Database::builder()
            .set_cache_size(256 << 20)
            .create(dir.join(DATA_FILE))?;
        let txn = db.begin_write()?;
        tables::create_all(&txn)?;
        txn.commit()?;
        Ok(Store { db })
    }

    /// A consistent snapshot for reads; never waits for the writer.
    pub fn read(&self) -> Result<ReadView> {
        Ok(ReadView::new(self.db.begin_read()?))
    }

    /// Runs `f` in one write transaction and commits it durably (fsync) if `f`
    /// succeeds. Only the writer thread calls this.
    pub fn write<T>(&self, f: impl FnOnce(&mut WriteBatch) -> Result<T>) -> Result<T> {
        let txn = self.db.begin_write()?;
        let out = {
            let mut batch = WriteBatch::open(&txn)?;
            let out = f(&mut batch)?;
            batch.finish(crate::domain::now_ms())?;
            out
        };
        txn.commit()?;
        Ok(out)
    }
}
