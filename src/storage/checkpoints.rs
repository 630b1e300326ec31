//! Checkpoints: chunks of the in-memory state as of an LSN.
//!
//! Each checkpoint's chunks are a file of their own, `checkpoint-<id>.chunks`
//! beside `checkpoint.redb`; `checkpoint.redb` says which checkpoint is the
//! latest (and holds the store's binding). A checkpoint is written into its
//! file, the file is made durable, then one durable commit names it the
//! latest, and the previous checkpoint's file is unlinked. Dropping a
//! checkpoint of gigabytes is one unlink: deleting its chunks from a redb
//! table read every one of their pages back (redb visits each page it frees),
//! which took a third of the checkpointer's time on a store of 10 million
//! redemptions. A crash before the commit leaves the previous checkpoint the
//! latest; the file nobody names is removed at the next open (`sweep`).
//!
//! Stores written before chunk files keep their latest checkpoint in the
//! `chunks` table (`checkpoint_meta` has no `latest_in_file`). It is read
//! from there, and the first checkpoint stored in a file drops the table.
//!
//! Chunk file layout, integers big-endian:
//! `MAGIC | u8 FORMAT | u64 checkpoint id` (`HEADER_BYTES`), then per chunk
//! `u32 length | u32 crc32 of the chunk | chunk` (`FRAME_HEADER_BYTES` + length),
//! and nothing after the last chunk. How many chunks there are is recorded in
//! `checkpoint.redb` with the rest of the checkpoint's facts.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use redb::{Database, ReadTransaction, ReadableDatabase, TableDefinition, WriteTransaction};

use super::db_file::{nothing_to_redo, DbFile};
use super::health::Health;
use super::{Result, StorageError, CHECKPOINT_FILE};

/// Chunks of stores from before chunk files (read, then dropped).
const LEGACY_CHUNKS: TableDefinition<(u64, u32), &[u8]> = TableDefinition::new("chunks");
const META: TableDefinition<&str, u64> = TableDefinition::new("checkpoint_meta");
const LATEST_ID: &str = "latest_id";
const LATEST_START_LSN: &str = "latest_start_lsn";
const LATEST_CHUNKS: &str = "latest_chunks";
/// 1: the latest checkpoint's chunks are in its chunk file.
const LATEST_IN_FILE: &str = "latest_in_file";

const FILE_PREFIX: &str = "checkpoint-";
const FILE_SUFFIX: &str = ".chunks";
const MAGIC: [u8; 8] = *b"CPNCHUNK";
const FORMAT_V1: u8 = 1;
const HEADER_BYTES: usize = MAGIC.len() + 1 + 8;
const FRAME_HEADER_BYTES: usize = 4 + 4;
/// The largest chunk a file may hold. The state closes chunks at about
/// 640 KiB and a snapshot ships each in one frame of at most 1 MiB, so a
/// length above this is damage, not a chunk (and is never allocated).
pub const CHUNK_BYTES_MAX: usize = 4 << 20;
const _: () = assert!(HEADER_BYTES == 17 && FRAME_HEADER_BYTES == 8);
const _: () = assert!(CHUNK_BYTES_MAX <= u32::MAX as usize);
/// Writes reach the file in pieces of about this size.
const WRITE_BUFFER_BYTES: usize = 1 << 20;
/// A chunk file is written back (fdatasync) and dropped from the page cache
/// every this many bytes. Left dirty until one fsync at the end, a checkpoint
/// of gigabytes is written out all at once, and the Raft log's fsyncs (one
/// per batch, on the same disk) wait behind it; in steps, the dirty bytes
/// stay bounded. Dropped from the cache, it does not push out the data
/// file's pages (a checkpoint is read again only at a restart or to send a
/// snapshot).
const WRITEBACK_BYTES: u64 = 32 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointInfo {
    pub id: u64,
    /// The state in the checkpoint includes every record up to this LSN.
    pub start_lsn: u64,
    pub chunks: u32,
    /// False for a checkpoint stored before chunk files (in `LEGACY_CHUNKS`).
    in_file: bool,
}

pub(super) fn create_all(txn: &WriteTransaction) -> std::result::Result<(), redb::TableError> {
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
        in_file: get(LATEST_IN_FILE)? == 1,
    }))
}

fn file_name(id: u64) -> String {
    format!("{FILE_PREFIX}{id}{FILE_SUFFIX}")
}

fn file_path(dir: &Path, id: u64) -> PathBuf {
    dir.join(file_name(id))
}

/// The checkpoint id a chunk file's name carries, if it is one.
fn file_id(name: &str) -> Option<u64> {
    name.strip_prefix(FILE_PREFIX)?
        .strip_suffix(FILE_SUFFIX)?
        .parse()
        .ok()
}

/// Every chunk file in `dir`, with its checkpoint id.
pub(super) fn files_in(dir: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if let Some(id) = entry.file_name().to_str().and_then(file_id) {
            found.push((id, entry.path()));
        }
    }
    Ok(found)
}

/// Removes the chunk files that `latest` does not name: an unfinished
/// checkpoint's, or a previous one's whose unlink a crash cut short. Call
/// only with the store's files open (no checkpointer can be writing).
pub(super) fn sweep(dir: &Path, latest: Option<CheckpointInfo>) -> Result<()> {
    let keep = latest.filter(|i| i.in_file).map(|i| i.id);
    for (id, path) in files_in(dir)? {
        if Some(id) != keep {
            // Left there, it only takes space: never a reason not to start.
            match std::fs::remove_file(&path) {
                Ok(()) => {
                    tracing::info!(file = %path.display(), "removed a checkpoint file no checkpoint names")
                }
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %e, "cannot remove a checkpoint file no checkpoint names")
                }
            }
        }
    }
    Ok(())
}

/// Where a checkpoint's chunks are read from. Opened while a transaction on
/// `checkpoint.redb` that names the checkpoint is held: the open file stays
/// readable after a newer checkpoint unlinks it.
pub(super) enum ChunkSource {
    File(File),
    /// The `LEGACY_CHUNKS` table, read in that same transaction.
    Table,
}

pub(super) fn open_chunks(dir: &Path, info: &CheckpointInfo) -> Result<ChunkSource> {
    if !info.in_file {
        return Ok(ChunkSource::Table);
    }
    Ok(ChunkSource::File(File::open(file_path(dir, info.id))?))
}

/// Calls `f` with every chunk of checkpoint `info`, checking each.
pub(super) fn chunks_in(
    dir: &Path,
    txn: &ReadTransaction,
    info: &CheckpointInfo,
    f: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    let source = open_chunks(dir, info).map_err(|e| match e {
        StorageError::Io(e) if e.kind() == std::io::ErrorKind::NotFound => {
            corrupt(info, format!("{} is missing", file_name(info.id)))
        }
        e => e,
    })?;
    read_chunks(&source, txn, info, f)
}

pub(super) fn read_chunks(
    source: &ChunkSource,
    txn: &ReadTransaction,
    info: &CheckpointInfo,
    f: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    match source {
        ChunkSource::File(file) => read_file(file, info, f),
        ChunkSource::Table => read_table(txn, info, f),
    }
}

fn corrupt(info: &CheckpointInfo, reason: String) -> StorageError {
    StorageError::Corrupt {
        table: "checkpoint file",
        key: format!("checkpoint {}", info.id),
        reason,
    }
}

fn read_file(
    file: &File,
    info: &CheckpointInfo,
    mut f: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    let len = file.metadata()?.len();
    let mut header = [0u8; HEADER_BYTES];
    file.read_exact_at(&mut header, 0)
        .map_err(|e| corrupt(info, format!("header: {e}")))?;
    let expected = header_bytes(info.id);
    if header != expected {
        return Err(corrupt(info, "the header is not this checkpoint's".into()));
    }
    let mut at = HEADER_BYTES as u64;
    let mut chunk = Vec::new();
    for index in 0..info.chunks {
        let mut frame = [0u8; FRAME_HEADER_BYTES];
        file.read_exact_at(&mut frame, at)
            .map_err(|e| corrupt(info, format!("chunk {index}: {e}")))?;
        let [l0, l1, l2, l3, c0, c1, c2, c3] = frame;
        let bytes = u32::from_be_bytes([l0, l1, l2, l3]) as usize;
        if bytes > CHUNK_BYTES_MAX {
            return Err(corrupt(info, format!("chunk {index}: length {bytes}")));
        }
        chunk.resize(bytes, 0);
        file.read_exact_at(&mut chunk, at + FRAME_HEADER_BYTES as u64)
            .map_err(|e| corrupt(info, format!("chunk {index}: {e}")))?;
        if crc32fast::hash(&chunk) != u32::from_be_bytes([c0, c1, c2, c3]) {
            return Err(corrupt(info, format!("chunk {index}: checksum mismatch")));
        }
        f(&chunk)?;
        at += (FRAME_HEADER_BYTES + bytes) as u64;
    }
    if at != len {
        return Err(corrupt(
            info,
            format!(
                "{} bytes after its {} chunks",
                len.saturating_sub(at),
                info.chunks
            ),
        ));
    }
    Ok(())
}

fn read_table(
    txn: &ReadTransaction,
    info: &CheckpointInfo,
    mut f: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    let table = txn.open_table(LEGACY_CHUNKS)?;
    let mut seen = 0u32;
    for entry in table.range((info.id, 0)..=(info.id, u32::MAX))? {
        let (_, raw) = entry?;
        f(raw.value())?;
        seen += 1;
    }
    if seen != info.chunks {
        return Err(StorageError::Corrupt {
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

fn header_bytes(id: u64) -> [u8; HEADER_BYTES] {
    let mut header = [0u8; HEADER_BYTES];
    header[..MAGIC.len()].copy_from_slice(&MAGIC);
    header[MAGIC.len()] = FORMAT_V1;
    header[MAGIC.len() + 1..].copy_from_slice(&id.to_be_bytes());
    header
}

/// One checkpoint's chunk file being written. Dropped unfinished (after an
/// error), it removes its file: a full disk gets the space back at once.
pub(super) struct ChunkFileWriter {
    path: PathBuf,
    out: Option<BufWriter<File>>,
    id: u64,
    chunks: u32,
    /// Bytes handed to `out` so far, and how many of them are written back.
    written_bytes: u64,
    synced_bytes: u64,
}

impl ChunkFileWriter {
    /// Creates (or truncates: an unfinished earlier attempt) checkpoint `id`'s file in `dir`.
    pub(super) fn create(dir: &Path, id: u64) -> Result<ChunkFileWriter> {
        let path = file_path(dir, id);
        let mut writer = ChunkFileWriter {
            out: Some(BufWriter::with_capacity(
                WRITE_BUFFER_BYTES,
                File::create(&path)?,
            )),
            path,
            id,
            chunks: 0,
            written_bytes: HEADER_BYTES as u64,
            synced_bytes: 0,
        };
        writer.out()?.write_all(&header_bytes(id))?;
        Ok(writer)
    }

    fn out(&mut self) -> Result<&mut BufWriter<File>> {
        self.out
            .as_mut()
            .ok_or_else(|| StorageError::Database("checkpoint file already finished".into()))
    }

    pub(super) fn add(&mut self, chunk: &[u8]) -> Result<()> {
        if chunk.len() > CHUNK_BYTES_MAX {
            return Err(StorageError::Database(format!(
                "a checkpoint chunk of {} bytes (at most {CHUNK_BYTES_MAX})",
                chunk.len()
            )));
        }
        let out = self.out()?;
        out.write_all(&(chunk.len() as u32).to_be_bytes())?;
        out.write_all(&crc32fast::hash(chunk).to_be_bytes())?;
        out.write_all(chunk)?;
        self.chunks += 1;
        self.written_bytes += (FRAME_HEADER_BYTES + chunk.len()) as u64;
        if self.written_bytes - self.synced_bytes >= WRITEBACK_BYTES {
            self.write_back()?;
        }
        Ok(())
    }

    /// Makes what is written so far durable and drops it from the page cache.
    fn write_back(&mut self) -> Result<()> {
        let (from, to) = (self.synced_bytes, self.written_bytes);
        let out = self.out()?;
        out.flush()?;
        let file = out.get_ref();
        file.sync_data()?;
        // Advice only: a kernel that ignores it keeps the pages cached.
        let _ = rustix::fs::fadvise(
            file,
            from,
            std::num::NonZeroU64::new(to - from),
            rustix::fs::Advice::DontNeed,
        );
        self.synced_bytes = to;
        Ok(())
    }

    /// Makes the file durable (its directory entry too): it may be named
    /// the latest from here on.
    pub(super) fn finish(mut self, start_lsn: u64) -> Result<CheckpointInfo> {
        self.write_back()?;
        let out = self.out.take().expect("finished once: `finish` takes self");
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        if let Some(dir) = self.path.parent() {
            File::open(dir)?.sync_all()?;
        }
        Ok(CheckpointInfo {
            id: self.id,
            start_lsn,
            chunks: self.chunks,
            in_file: true,
        })
    }
}

impl Drop for ChunkFileWriter {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            // Unfinished: nothing names this file.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Writes one checkpoint, chunk by chunk, for the checkpointer thread.
pub struct CheckpointWriter<'d> {
    dir: &'d Path,
    meta: &'d DbFile,
    health: &'d Health,
    chunks: ChunkFileWriter,
    previous: Option<CheckpointInfo>,
}

impl<'d> CheckpointWriter<'d> {
    pub(super) fn begin(
        dir: &'d Path,
        meta: &'d DbFile,
        health: &'d Health,
    ) -> Result<CheckpointWriter<'d>> {
        let previous = latest(&*meta.get()?)?;
        let id = previous.map_or(1, |p| p.id + 1);
        let chunks =
            ChunkFileWriter::create(dir, id).inspect_err(|e| health.failed(CHECKPOINT_FILE, e))?;
        Ok(CheckpointWriter {
            dir,
            meta,
            health,
            chunks,
            previous,
        })
    }

    /// Appends a batch of chunks (durable at `finish`).
    pub fn add(&mut self, batch: &[Vec<u8>]) -> Result<()> {
        for chunk in batch {
            self.chunks
                .add(chunk)
                .inspect_err(|e| self.health.failed(CHECKPOINT_FILE, e))?;
        }
        Ok(())
    }

    /// Makes this checkpoint the latest, durably, and drops the previous one.
    pub fn finish(self, start_lsn: u64) -> Result<CheckpointInfo> {
        let (dir, health, previous) = (self.dir, self.health, self.previous);
        let info = self
            .chunks
            .finish(start_lsn)
            .inspect_err(|e| health.failed(CHECKPOINT_FILE, e))?;
        self.meta.write(health, true, &nothing_to_redo, |db| {
            mark_latest(db, &info, previous)
        })?;
        if let Some(previous) = previous.filter(|p| p.in_file) {
            let path = file_path(dir, previous.id);
            // Left behind, it is removed at the next open (`sweep`).
            if let Err(e) = std::fs::remove_file(&path) {
                tracing::warn!(file = %path.display(), error = %e, "cannot remove the previous checkpoint's file");
            }
        }
        Ok(info)
    }
}

/// Durably records `info` (whose chunk file is durable) as the latest
/// checkpoint. The first checkpoint in a file drops the legacy chunks table.
pub(super) fn mark_latest(
    db: &Database,
    info: &CheckpointInfo,
    previous: Option<CheckpointInfo>,
) -> Result<()> {
    assert!(info.in_file, "checkpoints are stored in chunk files");
    let mut txn = db.begin_write()?;
    txn.set_quick_repair(true);
    {
        let mut meta = txn.open_table(META)?;
        meta.insert(LATEST_ID, info.id)?;
        meta.insert(LATEST_START_LSN, info.start_lsn)?;
        meta.insert(LATEST_CHUNKS, u64::from(info.chunks))?;
        meta.insert(LATEST_IN_FILE, 1)?;
    }
    if previous.is_some_and(|p| !p.in_file) {
        txn.delete_table(LEGACY_CHUNKS)?;
    }
    txn.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::storage::binding::StoreFile;

    fn db(dir: &Path) -> DbFile {
        DbFile::open(dir, StoreFile::Checkpoint, 1 << 20, |db| {
            let txn = db.begin_write()?;
            create_all(&txn)?;
            txn.commit()?;
            Ok(())
        })
        .unwrap()
    }

    fn read_all(dir: &Path, db: &DbFile) -> Result<Vec<Vec<u8>>> {
        let db = db.get()?;
        let txn = db.begin_read()?;
        let info = latest_in(&txn)?.expect("a checkpoint");
        let mut seen = Vec::new();
        chunks_in(dir, &txn, &info, |raw| {
            seen.push(raw.to_vec());
            Ok(())
        })?;
        Ok(seen)
    }

    fn store(dir: &Path, db: &DbFile, chunks: &[&[u8]], start_lsn: u64) -> CheckpointInfo {
        let health = Health::default();
        let mut writer = CheckpointWriter::begin(dir, db, &health).unwrap();
        let batch: Vec<Vec<u8>> = chunks.iter().map(|c| c.to_vec()).collect();
        writer.add(&batch).unwrap();
        writer.finish(start_lsn).unwrap()
    }

    #[test]
    fn chunks_read_back_in_order_and_the_header_is_as_documented() {
        let dir = tempfile::tempdir().unwrap();
        let db = db(dir.path());
        let info = store(dir.path(), &db, &[b"one", b"", b"three"], 42);
        assert_eq!((info.id, info.start_lsn, info.chunks), (1, 42, 3));
        assert_eq!(
            read_all(dir.path(), &db).unwrap(),
            [b"one".to_vec(), vec![], b"three".to_vec()]
        );
        let raw = std::fs::read(dir.path().join("checkpoint-1.chunks")).unwrap();
        assert_eq!(&raw[..8], b"CPNCHUNK");
        assert_eq!(raw[8], FORMAT_V1);
        assert_eq!(raw[9..17], 1u64.to_be_bytes());
        assert_eq!(raw[17..21], 3u32.to_be_bytes());
        assert_eq!(raw[21..25], crc32fast::hash(b"one").to_be_bytes());
        assert_eq!(&raw[25..28], b"one");
        assert_eq!(raw.len(), HEADER_BYTES + 3 * FRAME_HEADER_BYTES + 8);
    }

    #[test]
    fn a_file_written_back_in_steps_reads_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let db = db(dir.path());
        let chunks: Vec<Vec<u8>> = (0..10u8).map(|i| vec![i; CHUNK_BYTES_MAX]).collect();
        let health = Health::default();
        let mut writer = CheckpointWriter::begin(dir.path(), &db, &health).unwrap();
        writer.add(&chunks).unwrap();
        assert!(
            writer.chunks.synced_bytes >= WRITEBACK_BYTES,
            "written back on the way"
        );
        writer.finish(5).unwrap();
        assert_eq!(read_all(dir.path(), &db).unwrap(), chunks);
    }

    #[test]
    fn a_new_checkpoint_unlinks_the_previous_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = db(dir.path());
        store(dir.path(), &db, &[b"a"], 1);
        let second = store(dir.path(), &db, &[b"b", b"c"], 2);
        assert_eq!(second.id, 2);
        let files: Vec<u64> = files_in(dir.path())
            .unwrap()
            .into_iter()
            .map(|f| f.0)
            .collect();
        assert_eq!(files, [2]);
        assert_eq!(
            read_all(dir.path(), &db).unwrap(),
            [b"b".to_vec(), b"c".to_vec()]
        );
    }

    #[test]
    fn an_unfinished_file_is_removed_and_never_read() {
        let dir = tempfile::tempdir().unwrap();
        let db = db(dir.path());
        store(dir.path(), &db, &[b"kept"], 1);
        let mut unfinished = ChunkFileWriter::create(dir.path(), 2).unwrap();
        unfinished.add(b"lost").unwrap();
        drop(unfinished);
        assert!(!dir.path().join("checkpoint-2.chunks").exists());
        // One a crash left behind goes at the next open.
        std::fs::write(dir.path().join("checkpoint-7.chunks"), b"junk").unwrap();
        std::fs::write(dir.path().join("checkpoint-x.chunks"), b"not ours").unwrap();
        sweep(dir.path(), latest(&db.get().unwrap()).unwrap()).unwrap();
        assert!(!dir.path().join("checkpoint-7.chunks").exists());
        assert!(dir.path().join("checkpoint-x.chunks").exists());
        assert_eq!(read_all(dir.path(), &db).unwrap(), [b"kept".to_vec()]);
    }

    #[test]
    fn damage_is_reported_as_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let db = db(dir.path());
        store(dir.path(), &db, &[b"payload", b"more"], 1);
        let path = dir.path().join("checkpoint-1.chunks");
        let good = std::fs::read(&path).unwrap();
        let damaged = |at: usize, byte: u8| {
            let mut raw = good.clone();
            raw[at] = byte;
            raw
        };
        let cases: [(&str, Vec<u8>, &str); 6] = [
            ("missing", vec![], "checkpoint-1.chunks is missing"),
            (
                "a flipped payload byte",
                damaged(HEADER_BYTES + 8, b'P'),
                "checksum mismatch",
            ),
            ("another checkpoint's header", damaged(16, 9), "header"),
            ("a huge length", damaged(HEADER_BYTES, 0xFF), "length"),
            ("cut short", good[..good.len() - 2].to_vec(), "chunk 1"),
            (
                "bytes after the end",
                [good.as_slice(), b"x"].concat(),
                "after its 2 chunks",
            ),
        ];
        for (what, raw, expected) in cases {
            if raw.is_empty() {
                std::fs::remove_file(&path).unwrap();
            } else {
                std::fs::write(&path, raw).unwrap();
            }
            match read_all(dir.path(), &db) {
                Err(StorageError::Corrupt { reason, .. }) => {
                    assert!(reason.contains(expected), "{what}: {reason}")
                }
                other => panic!("{what}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_checkpoint_from_before_chunk_files_is_read_then_its_table_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let db = db(dir.path());
        // As the previous version stored one.
        let txn = db.get().unwrap().begin_write().unwrap();
        {
            let mut table = txn.open_table(LEGACY_CHUNKS).unwrap();
            table.insert((3, 0), b"old-0".as_slice()).unwrap();
            table.insert((3, 1), b"old-1".as_slice()).unwrap();
            let mut meta = txn.open_table(META).unwrap();
            meta.insert(LATEST_ID, 3).unwrap();
            meta.insert(LATEST_START_LSN, 30).unwrap();
            meta.insert(LATEST_CHUNKS, 2).unwrap();
        }
        txn.commit().unwrap();
        sweep(dir.path(), latest(&db.get().unwrap()).unwrap()).unwrap();
        assert_eq!(
            read_all(dir.path(), &db).unwrap(),
            [b"old-0".to_vec(), b"old-1".to_vec()]
        );

        let next = store(dir.path(), &db, &[b"new"], 40);
        assert_eq!((next.id, next.in_file), (4, true));
        assert_eq!(read_all(dir.path(), &db).unwrap(), [b"new".to_vec()]);
        let txn = db.get().unwrap().begin_read().unwrap();
        assert!(
            txn.open_table(LEGACY_CHUNKS).is_err(),
            "the legacy table is dropped"
        );
    }
}
