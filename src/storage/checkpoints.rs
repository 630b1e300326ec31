//! The checkpoint file: chunks of the in-memory state as of an LSN.
//!
//! A checkpoint is written in several transactions that are not made durable
//! on their own (redb `Durability::None`); the last one records it as the
//! latest, deletes the previous checkpoint's chunks, and is committed durably.
//! A crash before that leaves the previous checkpoint in place.

use redb::{
    Database, Durability, ReadTransaction, ReadableDatabase, TableDefinition, WriteTransaction,
};

use super::db_file::{nothing_to_redo, DbFile};
use super::health::Health;
use super::Result;

const CHUNKS: TableDefinition<(u64, u32), &[u8]> = TableDefinition::new("chunks");
const META: TableDefinition<&str, u64> = TableDefinition::new("checkpoint_meta");
const LATEST_ID: &str = "latest_id";
const LATEST_START_LSN: &str = "latest_start_lsn";
const LATEST_CHUNKS: &str = "latest_chunks";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointInfo {
    pub id: u64,
    /// The state in the checkpoint includes every record up to this LSN.
    pub start_lsn: u64,
    pub chunks: u32,
}

pub(super) fn create_all(txn: &WriteTransaction) -> std::result::Result<(), redb::TableError> {
    txn.open_table(CHUNKS)?;
    txn.open_table(META)?;
    Ok(())
}

pub(super) fn latest(db: &Database) -> Result<Option<CheckpointInfo>> {
    latest_in(&db.begin_read()?)
}

pub(super) fn latest_in(txn: &ReadTransaction) -> Result<Option<CheckpointInfo>> {
    let meta = txn.open_table(META)?;
    let get = |k: &str| -> Result<u64> { Ok(meta.get(k)?.map_or(0, |v| v.value())) };
    let id = get(LATEST_ID)?;
    if id == 0 {
        return Ok(None);
    }
    Ok(Some(CheckpointInfo {
        id,
        start_lsn: get(LATEST_START_LSN)?,
        chunks: get(LATEST_CHUNKS)? as u32,
    }))
}

pub(super) fn chunks(
    db: &Database,
    info: &CheckpointInfo,
    f: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    chunks_in(&db.begin_read()?, info, f)
}

pub(super) fn chunks_in(
    txn: &ReadTransaction,
    info: &CheckpointInfo,
    mut f: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    let table = txn.open_table(CHUNKS)?;
    let mut seen = 0u32;
    for entry in table.range((info.id, 0)..=(info.id, u32::MAX))? {
        let (_, raw) = entry?;
        f(raw.value())?;
        seen += 1;
    }
    if seen != info.chunks {
        return Err(super::StorageError::Corrupt {
            table: "chunks",
            key: format!("checkpoint {}", info.id),
            reason: format!(
                "checkpoint {} has {seen} chunks, expected {}",
                info.id, info.chunks
            ),
        });
    }
    Ok(())
}

/// Writes one checkpoint, chunk by chunk. After an I/O error the attempt
/// is over (the file is reopened as of the latest complete checkpoint, and
/// the chunks written without fsync are gone): begin a new one.
pub struct CheckpointWriter<'d> {
    file: &'d DbFile,
    health: &'d Health,
    id: u64,
    previous: Option<CheckpointInfo>,
    chunks: u32,
}

impl<'d> CheckpointWriter<'d> {
    pub(super) fn begin(file: &'d DbFile, health: &'d Health) -> Result<CheckpointWriter<'d>> {
        // Leftovers of an unfinished earlier attempt at this id.
        let (id, previous) = file.write(health, true, &nothing_to_redo, |db| {
            let previous = latest(db)?;
            let id = previous.map_or(1, |p| p.id + 1);
            let mut txn = db.begin_write()?;
            // Rare (once a checkpoint): the allocator state saved with them
            // spares a restart after a crash the check of the whole file.
            txn.set_quick_repair(true);
            txn.open_table(CHUNKS)?
                .retain_in((id, 0)..=(id, u32::MAX), |_, _| false)?;
            txn.commit()?;
            Ok((id, previous))
        })?;
        Ok(CheckpointWriter {
            file,
            health,
            id,
            previous,
            chunks: 0,
        })
    }

    /// Stores a batch of chunks (not yet durable).
    pub fn add(&mut self, batch: &[Vec<u8>]) -> Result<()> {
        let (id, first) = (self.id, self.chunks);
        self.file
            .write(self.health, false, &nothing_to_redo, |db| {
                put_chunks(db, id, first, batch)
            })?;
        self.chunks += batch.len() as u32;
        Ok(())
    }

    /// Makes this checkpoint the latest, durably, and drops the previous one.
    pub fn finish(self, start_lsn: u64) -> Result<CheckpointInfo> {
        let info = CheckpointInfo {
            id: self.id,
            start_lsn,
            chunks: self.chunks,
        };
        self.file.write(self.health, true, &nothing_to_redo, |db| {
            mark_latest(db, &info, self.previous)
        })?;
        Ok(info)
    }
}

/// Stores chunks `first..` of checkpoint `id`, not yet durably.
pub(super) fn put_chunks(db: &Database, id: u64, first: u32, chunks: &[Vec<u8>]) -> Result<()> {
    let mut txn = db.begin_write()?;
    txn.set_durability(Durability::None)?;
    {
        let mut table = txn.open_table(CHUNKS)?;
        for (i, chunk) in chunks.iter().enumerate() {
            table.insert((id, first + i as u32), chunk.as_slice())?;
        }
    }
    txn.commit()?;
    Ok(())
}

/// Durably records `info` as the latest checkpoint and drops `previous`'s chunks.
pub(super) fn mark_latest(
    db: &Database,
    info: &CheckpointInfo,
    previous: Option<CheckpointInfo>,
) -> Result<()> {
    let mut txn = db.begin_write()?;
    txn.set_quick_repair(true);
    {
        let mut meta = txn.open_table(META)?;
        meta.insert(LATEST_ID, info.id)?;
        meta.insert(LATEST_START_LSN, info.start_lsn)?;
        meta.insert(LATEST_CHUNKS, u64::from(info.chunks))?;
        if let Some(prev) = previous {
            txn.open_table(CHUNKS)?
                .retain_in((prev.id, 0)..=(prev.id, u32::MAX), |_, _| false)?;
        }
    }
    txn.commit()?;
    Ok(())
}
