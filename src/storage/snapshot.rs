//! Whole-store snapshots, for a node that joins or falls too far behind.
//!
//! Leader side, `SnapshotSource`: a read transaction on the checkpoint file
//! (the latest checkpoint, as of its LSN) and one on the main file (rows,
//! meta, the `cluster` table and the log after the checkpoint). Together they
//! are a consistent copy: rows as of the main file's last LSN (and Raft log
//! id), and the state as of the checkpoint plus the log records between.
//!
//! Receiving side, `Staging`: a fresh store in `incoming/` inside the data
//! directory that the parts are written into. `install` then moves its two
//! files over the live ones. A marker file makes the move restartable: the
//! marker is written only once the install is decided (the staged files are
//! complete and durable by then), and `Store::open` finishes a move that a
//! crash interrupted. A staged snapshot that is never installed (refused: an
//! older leader's, say) has no marker and is thrown away.

use std::path::{Path, PathBuf};

use redb::{Durability, ReadTransaction, ReadableDatabase};

use super::binding;
use super::checkpoints::{self, CheckpointInfo, ChunkFileWriter, ChunkSource};
use super::read::{ReadView, RowTable};
use super::records;
use super::tables;
use super::{Result, StorageError, Store, CHECKPOINT_FILE, DATA_FILE};

const STAGING_DIR: &str = "incoming";
/// Present once the staged files are complete: the move may be (re)done.
const COMPLETE_MARKER: &str = "COMPLETE";
/// How far above every checkpoint file in the data directory the staged
/// checkpoint's id is. The live store's checkpointer may still be storing
/// checkpoints (ids counting up from its latest) while a snapshot is received
/// and installed, and unlinking the previous one's file: the installed
/// checkpoint's file must never have an id it could reach.
const STAGED_ID_GAP: u64 = 1 << 32;

pub struct SnapshotSource {
    checkpoint_txn: ReadTransaction,
    checkpoint: Option<(CheckpointInfo, ChunkSource)>,
    view: ReadView,
    lsn: u64,
}

impl Store {
    /// A consistent snapshot of everything stored. Retries while a new
    /// checkpoint lets the log be cut between opening the two transactions.
    pub fn snapshot_source(&self) -> Result<SnapshotSource> {
        for _ in 0..10 {
            let checkpoint_txn = self.checkpoints.get()?.begin_read()?;
            let checkpoint = match checkpoints::latest_in(&checkpoint_txn)? {
                Some(info) => match checkpoints::open_chunks(&self.dir, &info) {
                    Ok(chunks) => Some((info, chunks)),
                    // A newer checkpoint replaced it meanwhile: look again.
                    Err(StorageError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                        continue
                    }
                    Err(e) => return Err(e),
                },
                None => None,
            };
            let view = self.read()?;
            let lsn = view.meta(tables::LAST_LSN)?;
            let from = checkpoint.as_ref().map_or(0, |(c, _)| c.start_lsn);
            let first = view.first_lsn()?;
            // The log must hold every record after the checkpoint.
            if lsn <= from || (first != 0 && first <= from + 1) {
                return Ok(SnapshotSource {
                    checkpoint_txn,
                    checkpoint,
                    view,
                    lsn,
                });
            }
        }
        Err(StorageError::Database(
            "no checkpoint and log pair could be read together".into(),
        ))
    }
}

impl SnapshotSource {
    /// The snapshot holds every record up to this LSN.
    pub fn lsn(&self) -> u64 {
        self.lsn
    }

    /// The LSN of the checkpoint it carries (0: none).
    pub fn checkpoint_lsn(&self) -> u64 {
        self.checkpoint.as_ref().map_or(0, |(c, _)| c.start_lsn)
    }

    /// The checkpoint it carries, if any.
    pub fn checkpoint_info(&self) -> Option<CheckpointInfo> {
        self.checkpoint.as_ref().map(|(c, _)| *c)
    }

    /// The main file as of the snapshot's LSN (rows, meta, the log).
    pub fn view(&self) -> &ReadView {
        &self.view
    }

    pub fn meta(&self) -> Result<Vec<(String, u64)>> {
        self.view.meta_entries()
    }

    /// The `cluster` table: the Raft log id and membership the copy is as of.
    pub fn cluster_entries(&self) -> Result<Vec<(String, Vec<u8>)>> {
        self.view.cluster_entries()
    }

    pub fn cluster_value(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.view.cluster_value(key)
    }

    pub fn for_each_row(
        &self,
        table: RowTable,
        f: impl FnMut(u64, &[u8]) -> Result<()>,
    ) -> Result<()> {
        self.view.for_each_raw(table, f)
    }

    pub fn for_each_chunk(&self, f: impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
        match &self.checkpoint {
            Some((info, chunks)) => checkpoints::read_chunks(chunks, &self.checkpoint_txn, info, f),
            None => Ok(()),
        }
    }

    /// The log records after the checkpoint, up to the snapshot's LSN, in pages.
    pub fn for_each_log_page(
        &self,
        mut f: impl FnMut(Vec<(u64, Vec<u8>)>) -> Result<()>,
    ) -> Result<()> {
        let mut after = self.checkpoint_lsn();
        while after < self.lsn {
            let mut page = self.view.log_after(after, 1024)?;
            page.retain(|(lsn, _)| *lsn <= self.lsn);
            let Some((last, _)) = page.last() else { break };
            after = *last;
            f(page)?;
        }
        Ok(())
    }
}

/// A store being filled from a snapshot, beside the live one.
pub struct Staging {
    dir: PathBuf,
    store: Store,
    /// The id the staged checkpoint takes (see `STAGED_ID_GAP`).
    checkpoint_id: u64,
    /// The snapshot's checkpoint, once its first chunk arrived.
    checkpoint: Option<ChunkFileWriter>,
    /// The receiving store's id: the staged files replace its own, so they
    /// take its id, not the sender's (see `binding`).
    store_id: u64,
}

impl Staging {
    /// Starts an empty staging store in `data_dir/incoming`, replacing any
    /// unfinished one, for the store `store_id` (the live one's).
    pub fn begin(data_dir: &Path, store_id: u64) -> Result<Staging> {
        let dir = data_dir.join(STAGING_DIR);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        // Its writes go straight to its files: a failure is the snapshot's,
        // answered to the leader, not this node's to report.
        let store = Store::open_files(&dir, false, Default::default())?;
        let highest = checkpoints::files_in(data_dir)?
            .into_iter()
            .map(|(id, _)| id)
            .max();
        Ok(Staging {
            dir,
            store,
            checkpoint_id: highest.unwrap_or(0).saturating_add(STAGED_ID_GAP),
            checkpoint: None,
            store_id,
        })
    }

    fn write(&self, f: impl FnOnce(&redb::WriteTransaction) -> Result<()>) -> Result<()> {
        let mut txn = self.store.main.get()?.begin_write()?;
        // Durable once, at `finish`.
        txn.set_durability(Durability::None)?;
        f(&txn)?;
        txn.commit()?;
        Ok(())
    }

    pub fn put_meta(&self, entries: &[(String, u64)]) -> Result<()> {
        self.write(|txn| {
            let mut meta = txn.open_table(tables::META)?;
            for (k, v) in entries {
                meta.insert(k.as_str(), v)?;
            }
            Ok(())
        })
    }

    pub fn put_cluster(&self, entries: &[(String, &[u8])]) -> Result<()> {
        self.write(|txn| {
            let mut cluster = txn.open_table(tables::CLUSTER)?;
            for (k, v) in entries {
                cluster.insert(k.as_str(), *v)?;
            }
            Ok(())
        })
    }

    /// Stores rows as the sender stored them, each checked against its
    /// checksum first.
    pub fn put_rows(&self, table: RowTable, rows: &[(u64, &[u8])]) -> Result<()> {
        for (id, row) in rows {
            records::check_row(table, *id, row, records::LegacyRows::Corrupt)?;
        }
        self.write(|txn| {
            let mut t = txn.open_table(table.definition())?;
            for (id, row) in rows {
                t.insert(id, *row)?;
            }
            Ok(())
        })
    }

    pub fn put_log(&self, records: &[(u64, &[u8])]) -> Result<()> {
        self.write(|txn| {
            let mut log = txn.open_table(tables::LOG)?;
            for (lsn, raw) in records {
                log.insert(lsn, *raw)?;
            }
            Ok(())
        })
    }

    /// Stores the next chunk of the snapshot's checkpoint.
    pub fn put_checkpoint_chunk(&mut self, chunk: Vec<u8>) -> Result<()> {
        let writer = match &mut self.checkpoint {
            Some(writer) => writer,
            None => self
                .checkpoint
                .insert(ChunkFileWriter::create(&self.dir, self.checkpoint_id)?),
        };
        writer.add(&chunk)
    }

    /// Makes the staged store durable and complete: its last LSN is `lsn`, and
    /// its checkpoint (if the snapshot had one) is as of `checkpoint_lsn`.
    pub fn finish(mut self, lsn: u64, checkpoint_lsn: u64) -> Result<StagedSnapshot> {
        // A checkpoint may hold no chunks (a state with no entries yet); it
        // still says where the snapshot's log starts.
        if self.checkpoint.is_none() && checkpoint_lsn > 0 {
            self.checkpoint = Some(ChunkFileWriter::create(&self.dir, self.checkpoint_id)?);
        }
        if let Some(writer) = self.checkpoint.take() {
            let info = writer.finish(checkpoint_lsn)?;
            checkpoints::mark_latest(&*self.store.checkpoints.get()?, &info, None)?;
        }
        if self.store_id != 0 {
            let txn = self.store.checkpoints.get()?.begin_write()?;
            txn.open_table(binding::BINDING)?
                .insert(binding::keys::STORE_ID, self.store_id)?;
            txn.commit()?;
        }
        let txn = self.store.main.get()?.begin_write()?;
        txn.open_table(tables::META)?
            .insert(tables::LAST_LSN, lsn)?;
        {
            let mut bound = txn.open_table(binding::BINDING)?;
            if self.store_id != 0 {
                bound.insert(binding::keys::STORE_ID, self.store_id)?;
            }
            bound.insert(binding::keys::CHECKPOINT_LSN, checkpoint_lsn)?;
        }
        txn.commit()?;
        drop(self.store);
        Ok(StagedSnapshot { dir: self.dir })
    }
}

/// A complete, durable staged store, ready to replace the live files.
pub struct StagedSnapshot {
    dir: PathBuf,
}

impl StagedSnapshot {
    /// Makes the staged store the start of a new history (a restored
    /// backup): the Raft position it was copied at (its `cluster` table:
    /// the last entry applied and the membership) goes, so its first start
    /// makes it a cluster of one at index 0, as a store from before clusters
    /// is (`cluster::migrate`). Done before `install`, so the data
    /// directory never holds the copy with a position no Raft log backs.
    pub fn forget_raft_position(&self) -> Result<()> {
        let db = redb::Database::create(self.dir.join(DATA_FILE))?;
        let txn = db.begin_write()?;
        txn.delete_table(tables::CLUSTER)?;
        txn.open_table(tables::CLUSTER)?;
        txn.commit()?;
        Ok(())
    }

    /// Moves the staged files over the live ones in `data_dir`. The live store
    /// must not be written meanwhile (readers of the old files are harmless:
    /// they keep the old files open). Open the store again afterwards. May
    /// be called again after an error: a move already done is not redone.
    pub fn install(&self, data_dir: &Path) -> Result<()> {
        if !self.dir.exists() {
            return Ok(());
        }
        // From here on the move is decided: a crash midway is finished at
        // the next start.
        std::fs::File::create(self.dir.join(COMPLETE_MARKER))?.sync_all()?;
        std::fs::File::open(&self.dir)?.sync_all()?;
        finish_install(data_dir, &self.dir)
    }
}

/// Completes (or discards) a staged install found at start.
pub(super) fn recover_staging(data_dir: &Path) -> Result<()> {
    let dir = data_dir.join(STAGING_DIR);
    if !dir.exists() {
        return Ok(());
    }
    if dir.join(COMPLETE_MARKER).exists() {
        tracing::warn!("finishing a snapshot install that was interrupted");
        finish_install(data_dir, &dir)
    } else {
        // An incomplete staging store: the live files were never touched.
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    }
}

fn finish_install(data_dir: &Path, staged: &Path) -> Result<()> {
    // The checkpoint's chunk file first: the staged `checkpoint.redb` names it.
    for (_, from) in checkpoints::files_in(staged)? {
        if let Some(name) = from.file_name() {
            std::fs::rename(&from, data_dir.join(name))?;
        }
    }
    for file in [CHECKPOINT_FILE, DATA_FILE] {
        let from = staged.join(file);
        if from.exists() {
            std::fs::rename(&from, data_dir.join(file))?;
        }
    }
    std::fs::File::open(data_dir)?.sync_all()?;
    std::fs::remove_dir_all(staged)?;
    Ok(())
}

/// Removes a stopped store's files from `data_dir` (the three files, the
/// checkpoints' chunk files and an unfinished staging store; nothing else),
/// so a restore can take their place. Refused if a running server has any
/// of them open.
pub fn remove_store(data_dir: &Path) -> Result<()> {
    for file in binding::StoreFile::ALL {
        let path = data_dir.join(file.name());
        if !path.exists() {
            continue;
        }
        // A file damaged or not closed cleanly goes all the same; only one
        // a running server holds is refused.
        if let Err(redb::DatabaseError::DatabaseAlreadyOpen) =
            redb::Builder::new().open_read_only(&path)
        {
            return Err(StorageError::Database(format!(
                "{} is open in a running server: stop it first",
                path.display()
            )));
        }
    }
    for file in binding::StoreFile::ALL {
        let path = data_dir.join(file.name());
        if path.exists() {
            std::fs::remove_file(&path)?;
        }
    }
    for (_, path) in checkpoints::files_in(data_dir)? {
        std::fs::remove_file(&path)?;
    }
    let staging = data_dir.join(STAGING_DIR);
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The live store's checkpointer may go on storing (and unlinking)
    /// checkpoints while a snapshot is received: the staged checkpoint's
    /// file takes an id none of them can reach.
    #[test]
    fn a_staged_checkpoint_takes_an_id_far_above_the_live_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("checkpoint-5.chunks"), b"live").unwrap();
        let mut staging = Staging::begin(dir.path(), 0).unwrap();
        staging.put_checkpoint_chunk(b"chunk".to_vec()).unwrap();
        let staged = staging.finish(10, 9).unwrap();
        let ids: Vec<u64> = checkpoints::files_in(&staged.dir)
            .unwrap()
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(ids, [5 + STAGED_ID_GAP]);
    }
}
