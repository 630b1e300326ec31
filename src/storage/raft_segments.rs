//! The Raft log's entries on disk: append-only segment files in the
//! directory `raft-log` of the data directory, beside `raft.redb` (which
//! keeps the vote, the purged and committed log ids and the binding).
//!
//! Why not a redb table, as before: a durable redb commit of one entry cost
//! some 250,000 instructions (page checksums, freed-page lists, the
//! allocator's state) and several page writes, and after a crash redb's
//! repair read every entry the log held before the file could be opened. An
//! append here is one positional write of the batch's records and one
//! `fdatasync`; opening reads the records once, checking each checksum.
//!
//! Layout (little-endian):
//! - a segment file is named by the index of its first entry (20 decimal
//!   digits, `.seg`) and begins with `SEGMENT_MAGIC` (its last byte is the
//!   layout's version);
//! - then records, back to back: payload length (u32), CRC-32 of the index
//!   and the payload (u32), index (u64), payload (the entry as
//!   `cluster::codec` encodes it: opaque here).
//!
//! Invariants:
//! - the entries of all segments, in file order, are at consecutive indexes
//!   (an append that would leave a gap, after a snapshot was installed over
//!   a short log, first removes every segment: all of it was purged);
//! - only the newest segment is written, and only at its end; a segment is
//!   closed once it holds `SEGMENT_BYTES_TARGET` bytes;
//! - a record that fails its checksum or its index can only be the tail of
//!   the newest segment (a write a crash cut short, never acknowledged): it
//!   is cut off at open. Anywhere else it is corruption, and opening fails.
//!
//! One thread writes (the log store's writer); readers read under the same
//! lock, so a truncation never changes bytes while they are being read.

use std::collections::{BTreeMap, VecDeque};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use super::{Result, StorageError};

/// The directory inside the data directory.
pub const SEGMENTS_DIR: &str = "raft-log";
/// The first bytes of every segment file; the last is the layout's version.
const SEGMENT_MAGIC: [u8; 8] = *b"cpnraft\x01";
const SEGMENT_HEADER_BYTES: u64 = SEGMENT_MAGIC.len() as u64;
/// Payload length, checksum, index.
const RECORD_HEADER_BYTES: usize = 4 + 4 + 8;
const _: () = assert!(RECORD_HEADER_BYTES == 16);
/// A segment that reaches this size is closed; the next entry begins a new
/// one. Small against the log's bound in bytes (`--raft-log-keep-mib`, 256
/// MiB by default), so that a purge frees most of what it drops.
const SEGMENT_BYTES_TARGET: u64 = 8 << 20;
/// The largest payload a record may claim: a bigger length is a torn or
/// corrupt header, not an entry (a batch is bounded far below this).
const ENTRY_BYTES_MAX: u32 = 256 << 20;
const SEGMENT_SUFFIX: &str = ".seg";

/// Where an entry's record is.
#[derive(Debug, Clone, Copy)]
struct Location {
    /// The segment: the index of its first entry.
    segment: u64,
    /// The record's offset in the segment file.
    offset: u64,
    payload_bytes: u32,
}

struct Segment {
    file: Arc<File>,
    /// Bytes of whole records (with the header): where the next one goes.
    end: u64,
}

#[derive(Default)]
struct Inner {
    /// By the index of each one's first entry.
    segments: BTreeMap<u64, Segment>,
    /// The index of `locations[0]`.
    first_index: u64,
    locations: VecDeque<Location>,
}

impl Inner {
    fn last_index(&self) -> Option<u64> {
        (!self.locations.is_empty()).then(|| self.first_index + self.locations.len() as u64 - 1)
    }

    fn location(&self, index: u64) -> Option<Location> {
        let at = usize::try_from(index.checked_sub(self.first_index)?).ok()?;
        self.locations.get(at).copied()
    }

    fn read(&self, index: u64) -> Result<Option<Vec<u8>>> {
        let Some(at) = self.location(index) else {
            return Ok(None);
        };
        let Some(segment) = self.segments.get(&at.segment) else {
            return Err(corrupt(at.segment, index, "its segment is missing"));
        };
        let file = &segment.file;
        let mut raw = vec![0; RECORD_HEADER_BYTES + at.payload_bytes as usize];
        file.read_exact_at(&mut raw, at.offset)?;
        match parse_record(&raw) {
            Some((got, payload))
                if got == index && payload.len() == raw.len() - RECORD_HEADER_BYTES =>
            {
                raw.drain(..RECORD_HEADER_BYTES);
                Ok(Some(raw))
            }
            _ => Err(corrupt(at.segment, index, "the record fails its checksum")),
        }
    }
}

/// The entries of a Raft log, in segment files (see the module comment).
pub struct Segments {
    dir: PathBuf,
    inner: Mutex<Inner>,
}

impl Segments {
    /// Opens the segments in `dir` (creating it), cutting off a torn tail.
    pub fn open(dir: &Path) -> Result<Segments> {
        if !dir.exists() {
            std::fs::create_dir_all(dir)?;
            if let Some(parent) = dir.parent() {
                sync_dir(parent)?;
            }
        }
        let mut inner = Inner::default();
        let names = segment_names(dir)?;
        for (n, &first) in names.iter().enumerate() {
            let newest = n + 1 == names.len();
            let path = segment_path(dir, first);
            let file = OpenOptions::new().read(true).write(true).open(&path)?;
            let scan = scan(&file, first)?;
            if let Some(index) = scan.bad {
                return Err(corrupt(first, index, "a record fails its checksum"));
            }
            if newest && scan.locations.is_empty() {
                // Begun just before a crash (or a failed append): it holds
                // nothing of the log.
                drop(file);
                std::fs::remove_file(&path)?;
                sync_dir(dir)?;
                break;
            }
            if let Some(expected) = inner.last_index().map(|last| last + 1) {
                if first != expected {
                    return Err(corrupt(first, expected, "the segments leave a gap"));
                }
            }
            if scan.torn {
                let at = first + scan.locations.len() as u64;
                if !newest {
                    return Err(corrupt(first, at, "a record is cut short"));
                }
                // A write a crash cut short: never acknowledged.
                tracing::warn!(
                    segment = first,
                    index = at,
                    bytes = scan.bytes - scan.end,
                    "cutting off the end of the Raft log's newest segment: a write cut short"
                );
                file.set_len(scan.end)?;
                file.sync_data()?;
            }
            if inner.locations.is_empty() {
                inner.first_index = first;
            }
            inner.locations.extend(scan.locations);
            let segment = Segment {
                file: Arc::new(file),
                end: scan.end,
            };
            inner.segments.insert(first, segment);
        }
        Ok(Segments {
            dir: dir.to_path_buf(),
            inner: Mutex::new(inner),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The index of the first entry and of the last, if there is one.
    pub fn bounds(&self) -> Option<(u64, u64)> {
        let inner = self.lock();
        inner.last_index().map(|last| (inner.first_index, last))
    }

    /// The last entry, if there is one.
    pub fn last(&self) -> Result<Option<(u64, Vec<u8>)>> {
        let inner = self.lock();
        let Some(last) = inner.last_index() else {
            return Ok(None);
        };
        Ok(inner.read(last)?.map(|raw| (last, raw)))
    }

    /// Entries from `start` up to (not including) `end`, in order, at most
    /// `max`.
    pub fn entries(&self, start: u64, end: u64, max: usize) -> Result<Vec<(u64, Vec<u8>)>> {
        let inner = self.lock();
        let Some(last) = inner.last_index() else {
            return Ok(Vec::new());
        };
        let end = end.min(last.saturating_add(1));
        let start = start.max(inner.first_index);
        let mut out = Vec::new();
        for index in (start..end).take(max) {
            if let Some(raw) = inner.read(index)? {
                out.push((index, raw));
            }
        }
        Ok(out)
    }

    /// Appends entries at consecutive indexes, not durably (see `sync`). An
    /// entry at an index the log holds replaces it and everything after
    /// (a write tried again after a failure). On an error nothing of them
    /// is in the log, and the segments end where they did.
    pub fn append(&self, entries: &[(u64, Vec<u8>)]) -> Result<()> {
        let Some(&(first, _)) = entries.first() else {
            return Ok(());
        };
        debug_assert!(entries.windows(2).all(|w| w[1].0 == w[0].0 + 1));
        match self.bounds() {
            Some((_, last)) if first == last + 1 => {}
            Some((log_first, last)) if first > log_first && first <= last => {
                self.truncate_from(first)?
            }
            // An empty log, a gap (everything before was purged), or every
            // entry replaced: the new entries begin a segment of their own.
            _ => self.remove_all()?,
        }
        let mut created = Vec::new();
        let result = self.write_records(entries, &mut created);
        if result.is_err() {
            // Nothing of it is in the log: leave no file behind that could
            // look like part of it.
            for first in created {
                let _ = std::fs::remove_file(segment_path(&self.dir, first));
            }
        }
        result
    }

    fn write_records(&self, entries: &[(u64, Vec<u8>)], created: &mut Vec<u64>) -> Result<()> {
        // The segment written to: its first index, its file, and where the
        // buffered records go in it.
        let mut current: Option<(u64, Arc<File>, u64)> = self
            .lock()
            .segments
            .last_key_value()
            .map(|(&first, s)| (first, s.file.clone(), s.end));
        let original = current.as_ref().map(|(_, file, end)| (file.clone(), *end));
        let result = (|| {
            let mut end = current.as_ref().map_or(0, |c| c.2);
            let mut buffer = Vec::new();
            let mut locations = Vec::with_capacity(entries.len());
            let mut new_segments = Vec::new();
            for (index, payload) in entries {
                let payload_bytes = u32::try_from(payload.len())
                    .ok()
                    .filter(|&n| n <= ENTRY_BYTES_MAX)
                    .ok_or_else(|| {
                        StorageError::Database(format!("Raft entry {index} is too big to store"))
                    })?;
                let segment = match &current {
                    Some((segment, _, _)) if end < SEGMENT_BYTES_TARGET => *segment,
                    _ => {
                        // Close the segment written so far (durably: the
                        // final `sync` reaches only the newest one).
                        if let Some((_, file, start)) = &current {
                            file.write_all_at(&buffer, *start)?;
                            file.sync_data()?;
                        }
                        buffer.clear();
                        let file = Arc::new(self.create_segment(*index)?);
                        created.push(*index);
                        new_segments.push((*index, file.clone()));
                        end = SEGMENT_HEADER_BYTES;
                        current = Some((*index, file, end));
                        *index
                    }
                };
                locations.push(Location {
                    segment,
                    offset: end,
                    payload_bytes,
                });
                encode_record(&mut buffer, *index, payload);
                end += (RECORD_HEADER_BYTES + payload.len()) as u64;
            }
            if let Some((_, file, start)) = &current {
                file.write_all_at(&buffer, *start)?;
            }
            Ok::<_, StorageError>((locations, new_segments))
        })();
        let (locations, new_segments) = match result {
            Ok(done) => done,
            Err(e) => {
                // Bytes past the old end are not the log, but a crash would
                // have the scan at open read them: cut them off again.
                if let Some((file, end)) = original {
                    let _ = file.set_len(end);
                }
                return Err(e);
            }
        };
        let mut inner = self.lock();
        for (first, file) in new_segments {
            let end = SEGMENT_HEADER_BYTES;
            inner.segments.insert(first, Segment { file, end });
        }
        if inner.locations.is_empty() {
            inner.first_index = entries[0].0;
        }
        for location in locations {
            let record_end =
                location.offset + RECORD_HEADER_BYTES as u64 + u64::from(location.payload_bytes);
            if let Some(s) = inner.segments.get_mut(&location.segment) {
                s.end = s.end.max(record_end);
            }
            inner.locations.push_back(location);
        }
        Ok(())
    }

    /// A new, empty segment for entries from `first` on, durable in the
    /// directory.
    fn create_segment(&self, first: u64) -> Result<File> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(segment_path(&self.dir, first))?;
        file.write_all_at(&SEGMENT_MAGIC, 0)?;
        file.sync_data()?;
        sync_dir(&self.dir)?;
        Ok(file)
    }

    /// Makes every append so far durable.
    pub fn sync(&self) -> Result<()> {
        let file = self
            .lock()
            .segments
            .last_key_value()
            .map(|(_, s)| s.file.clone());
        if let Some(file) = file {
            file.sync_data()?;
        }
        Ok(())
    }

    /// Removes the entry at `index` and every one after, durably.
    pub fn truncate_from(&self, index: u64) -> Result<()> {
        let mut inner = self.lock();
        let Some(at) = inner.location(index) else {
            return Ok(());
        };
        let later: Vec<u64> = inner
            .segments
            .range(at.segment + 1..)
            .map(|(&k, _)| k)
            .collect();
        // Newest first: a crash midway leaves a log without a gap.
        for first in later.iter().rev() {
            remove_segment(&self.dir, *first)?;
            inner.segments.remove(first);
        }
        if !later.is_empty() {
            sync_dir(&self.dir)?;
        }
        let Some(segment) = inner.segments.get_mut(&at.segment) else {
            return Err(corrupt(at.segment, index, "its segment is missing"));
        };
        segment.file.set_len(at.offset)?;
        segment.file.sync_data()?;
        segment.end = at.offset;
        let keep = (index - inner.first_index) as usize;
        inner.locations.truncate(keep);
        Ok(())
    }

    /// Removes the segments whose every entry is at or below `index` (the
    /// newest one stays, to be appended to). Entries at or below it may
    /// remain in the others: the log starts after the purged index anyway.
    pub fn drop_through(&self, index: u64) -> Result<()> {
        let mut inner = self.lock();
        let firsts: Vec<u64> = inner.segments.keys().copied().collect();
        let mut dropped = false;
        for pair in firsts.windows(2) {
            let (first, next_first) = (pair[0], pair[1]);
            if next_first > index.saturating_add(1) {
                break;
            }
            remove_segment(&self.dir, first)?;
            inner.segments.remove(&first);
            let gone =
                (next_first.saturating_sub(inner.first_index) as usize).min(inner.locations.len());
            inner.locations.drain(..gone);
            inner.first_index = next_first;
            dropped = true;
        }
        if dropped {
            sync_dir(&self.dir)?;
        }
        Ok(())
    }

    /// Removes every segment (all of the log was purged).
    fn remove_all(&self) -> Result<()> {
        let mut inner = self.lock();
        // Newest first: a crash midway leaves a log without a gap.
        for first in inner.segments.keys().rev() {
            remove_segment(&self.dir, *first)?;
        }
        *inner = Inner::default();
        sync_dir(&self.dir)
    }

    /// The bytes the segment files hold.
    pub fn bytes(&self) -> u64 {
        self.lock().segments.values().map(|s| s.end).sum()
    }
}

/// Calls `f` with every entry of the segments in `dir`, in order, reading
/// only (`couponsd verify`); a torn tail of the newest segment ends the
/// walk, as it would be cut off at open.
pub fn for_each_entry_in(dir: &Path, mut f: impl FnMut(u64, &[u8])) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    let names = segment_names(dir)?;
    let mut expected = None;
    for (n, &first) in names.iter().enumerate() {
        let file = File::open(segment_path(dir, first))?;
        let scan = scan(&file, first)?;
        let at = first + scan.locations.len() as u64;
        if let Some(index) = scan.bad {
            return Err(corrupt(first, index, "a record fails its checksum"));
        }
        if scan.torn && n + 1 < names.len() {
            return Err(corrupt(first, at, "a record is cut short"));
        }
        if scan.locations.is_empty() && n + 1 == names.len() {
            break;
        }
        if expected.is_some_and(|expected| expected != first) {
            return Err(corrupt(first, first, "the segments leave a gap"));
        }
        expected = Some(at);
        for (i, location) in scan.locations.iter().enumerate() {
            let mut raw = vec![0; RECORD_HEADER_BYTES + location.payload_bytes as usize];
            file.read_exact_at(&mut raw, location.offset)?;
            f(first + i as u64, &raw[RECORD_HEADER_BYTES..]);
        }
    }
    Ok(())
}

struct Scan {
    locations: Vec<Location>,
    /// Where the good records end.
    end: u64,
    /// The file's size.
    bytes: u64,
    /// Whether the bytes after them are what a crash mid-write leaves.
    torn: bool,
    /// The index of a whole record after them that fails its checksum or
    /// its index: corruption.
    bad: Option<u64>,
}

/// Reads a segment's records, checking each.
fn scan(file: &File, first: u64) -> Result<Scan> {
    let bytes = read_all(file)?;
    let mut scan = Scan {
        locations: Vec::new(),
        end: 0,
        bytes: 0,
        torn: false,
        bad: None,
    };
    if bytes.len() < SEGMENT_MAGIC.len() {
        // Torn as it was begun: no record.
        scan.torn = true;
        return Ok(scan);
    }
    if bytes[..SEGMENT_MAGIC.len()] != SEGMENT_MAGIC {
        return Err(corrupt(
            first,
            first,
            "the segment does not begin with couponsd's magic",
        ));
    }
    let mut offset = SEGMENT_MAGIC.len();
    let mut index = first;
    while offset < bytes.len() {
        match parse_record(&bytes[offset..]) {
            Some((got, payload)) if got == index => {
                scan.locations.push(Location {
                    segment: first,
                    offset: offset as u64,
                    payload_bytes: payload.len() as u32,
                });
                offset += RECORD_HEADER_BYTES + payload.len();
                index += 1;
            }
            _ => {
                // What a crash leaves at the end of a write: a record cut
                // short by the end of the file, or zeros to it. A whole
                // record that fails its checksum or its index is not.
                let rest = &bytes[offset..];
                let claimed = rest
                    .get(..4)
                    .and_then(|b| b.try_into().ok())
                    .map_or(0, u32::from_le_bytes) as usize;
                let cut_short = RECORD_HEADER_BYTES.saturating_add(claimed) > rest.len();
                if cut_short || rest.iter().all(|&b| b == 0) {
                    scan.torn = true;
                } else {
                    scan.bad = Some(index);
                }
                break;
            }
        }
    }
    scan.end = offset as u64;
    scan.bytes = bytes.len() as u64;
    Ok(scan)
}

fn read_all(file: &File) -> std::io::Result<Vec<u8>> {
    let len = file.metadata()?.len();
    let mut bytes = vec![0; usize::try_from(len).map_err(std::io::Error::other)?];
    file.read_exact_at(&mut bytes, 0)?;
    Ok(bytes)
}

fn encode_record(out: &mut Vec<u8>, index: u64, payload: &[u8]) {
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&checksum(index, payload).to_le_bytes());
    out.extend_from_slice(&index.to_le_bytes());
    out.extend_from_slice(payload);
}

/// A whole record at the start of `bytes`: its index and payload.
fn parse_record(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let header = bytes.get(..RECORD_HEADER_BYTES)?;
    let payload_bytes = u32::from_le_bytes(header[0..4].try_into().ok()?);
    if payload_bytes > ENTRY_BYTES_MAX {
        return None;
    }
    let crc = u32::from_le_bytes(header[4..8].try_into().ok()?);
    let index = u64::from_le_bytes(header[8..16].try_into().ok()?);
    let payload = bytes.get(RECORD_HEADER_BYTES..RECORD_HEADER_BYTES + payload_bytes as usize)?;
    (checksum(index, payload) == crc).then_some((index, payload))
}

fn checksum(index: u64, payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&index.to_le_bytes());
    hasher.update(payload);
    hasher.finalize()
}

fn segment_path(dir: &Path, first: u64) -> PathBuf {
    dir.join(format!("{first:020}{SEGMENT_SUFFIX}"))
}

/// The first indexes of the segment files in `dir`, in order.
fn segment_names(dir: &Path) -> Result<Vec<u64>> {
    let mut names = Vec::new();
    for item in std::fs::read_dir(dir)? {
        let name = item?.file_name();
        let Some(first) = name
            .to_str()
            .and_then(|n| n.strip_suffix(SEGMENT_SUFFIX))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        names.push(first);
    }
    names.sort_unstable();
    Ok(names)
}

/// Removes a segment file; one already gone is removed (a retry).
fn remove_segment(dir: &Path, first: u64) -> Result<()> {
    match std::fs::remove_file(segment_path(dir, first)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)?.sync_all()?;
    Ok(())
}

fn corrupt(segment: u64, index: u64, reason: &str) -> StorageError {
    StorageError::Corrupt {
        table: SEGMENTS_DIR,
        key: format!("segment {segment}, index {index}"),
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(first: u64, n: u64, bytes: usize) -> Vec<(u64, Vec<u8>)> {
        (first..first + n)
            .map(|i| (i, vec![i as u8; bytes]))
            .collect()
    }

    fn indexes(segments: &Segments) -> Vec<u64> {
        let all = segments.entries(0, u64::MAX, usize::MAX).unwrap();
        all.into_iter().map(|(i, _)| i).collect()
    }

    fn files(dir: &Path) -> Vec<u64> {
        segment_names(dir).unwrap()
    }

    /// A fresh log in a temporary directory holding `entries(first, n, bytes)`.
    fn log_of(first: u64, n: u64, bytes: usize) -> (tempfile::TempDir, Segments) {
        let dir = tempfile::tempdir().unwrap();
        let segments = Segments::open(dir.path()).unwrap();
        segments.append(&entries(first, n, bytes)).unwrap();
        (dir, segments)
    }

    /// Writes `bytes` at `offset` of the segment that begins at `first`.
    fn overwrite(dir: &Path, first: u64, offset: u64, bytes: &[u8]) {
        let file = OpenOptions::new()
            .write(true)
            .open(segment_path(dir, first))
            .unwrap();
        file.write_all_at(bytes, offset).unwrap();
    }

    #[test]
    fn entries_survive_a_reopen_across_segments() {
        let dir = tempfile::tempdir().unwrap();
        let segments = Segments::open(dir.path()).unwrap();
        // 1 MiB each: a segment holds 8.
        for first in (1..=20).step_by(5) {
            segments.append(&entries(first, 5, 1 << 20)).unwrap();
        }
        segments.sync().unwrap();
        assert!(files(dir.path()).len() >= 3, "{:?}", files(dir.path()));
        drop(segments);
        let segments = Segments::open(dir.path()).unwrap();
        assert_eq!(segments.bounds(), Some((1, 20)));
        let got = segments.entries(7, 10, 10).unwrap();
        assert_eq!(got, entries(7, 3, 1 << 20));
        assert_eq!(segments.last().unwrap().map(|(i, _)| i), Some(20));
    }

    #[test]
    fn a_torn_tail_is_cut_off_at_open_and_appends_go_on_after_it() {
        let (dir, segments) = log_of(1, 10, 100);
        segments.sync().unwrap();
        drop(segments);
        // Half of an eleventh record, as a crash mid-write leaves it.
        let path = segment_path(dir.path(), 1);
        let mut record = Vec::new();
        encode_record(&mut record, 11, &[11; 100]);
        let len = std::fs::metadata(&path).unwrap().len();
        overwrite(dir.path(), 1, len, &record[..60]);

        let segments = Segments::open(dir.path()).unwrap();
        assert_eq!(segments.bounds(), Some((1, 10)));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), len, "cut off");
        segments.append(&entries(11, 2, 100)).unwrap();
        drop(segments);
        let segments = Segments::open(dir.path()).unwrap();
        assert_eq!(indexes(&segments), (1..=12).collect::<Vec<_>>());
    }

    #[test]
    fn a_bad_record_before_the_newest_segment_refuses_to_open() {
        let (dir, segments) = log_of(1, 12, 1 << 20);
        drop(segments);
        assert_eq!(files(dir.path()), [1, 9]);
        overwrite(dir.path(), 1, 5 << 20, b"rot");
        let err = Segments::open(dir.path()).err().expect("corrupt");
        assert!(err.to_string().contains("fails its checksum"), "{err}");
    }

    #[test]
    fn a_bad_whole_record_in_the_newest_segment_refuses_to_open() {
        let (dir, segments) = log_of(1, 10, 100);
        drop(segments);
        // A flipped byte in entry 4's payload, the records after it whole.
        let at = SEGMENT_HEADER_BYTES + 3 * (RECORD_HEADER_BYTES as u64 + 100) + 20;
        overwrite(dir.path(), 1, at, &[0xff]);
        let err = Segments::open(dir.path()).err().expect("corrupt");
        assert!(err.to_string().contains("index 4"), "{err}");
        assert!(for_each_entry_in(dir.path(), |_, _| {}).is_err());
    }

    #[test]
    fn truncating_and_appending_again_replaces_the_suffix() {
        let (dir, segments) = log_of(1, 20, 1 << 20);
        assert_eq!(files(dir.path()), [1, 9, 17]);
        segments.truncate_from(6).unwrap();
        assert_eq!(files(dir.path()), [1]);
        assert_eq!(segments.bounds(), Some((1, 5)));
        // A retried append of entries the log holds replaces them.
        segments.append(&entries(4, 3, 10)).unwrap();
        segments.append(&entries(4, 3, 20)).unwrap();
        drop(segments);
        let segments = Segments::open(dir.path()).unwrap();
        assert_eq!(indexes(&segments), (1..=6).collect::<Vec<_>>());
        assert_eq!(segments.last().unwrap(), Some((6, vec![6; 20])));
    }

    #[test]
    fn purges_remove_whole_segments_and_a_gap_begins_anew() {
        let (dir, segments) = log_of(1, 20, 1 << 20);
        segments.drop_through(12).unwrap();
        assert_eq!(files(dir.path()), [9, 17], "the one holding 13 stays");
        assert_eq!(segments.bounds(), Some((9, 20)));
        segments.drop_through(100).unwrap();
        assert_eq!(files(dir.path()), [17], "the newest stays");
        // A snapshot installed past the log: the next entry is at 101.
        segments.append(&entries(101, 2, 10)).unwrap();
        assert_eq!(files(dir.path()), [101]);
        drop(segments);
        let segments = Segments::open(dir.path()).unwrap();
        assert_eq!(indexes(&segments), [101, 102]);
    }

    #[test]
    fn an_empty_newest_segment_is_removed_at_open() {
        let (dir, segments) = log_of(1, 3, 10);
        drop(segments);
        // Begun just before a crash, at an index that does not follow.
        std::fs::write(segment_path(dir.path(), 50), &SEGMENT_MAGIC[..3]).unwrap();
        let segments = Segments::open(dir.path()).unwrap();
        assert_eq!(files(dir.path()), [1]);
        assert_eq!(indexes(&segments), [1, 2, 3]);
    }

    #[test]
    fn verify_walks_every_entry() {
        let (dir, _segments) = log_of(3, 10, 1 << 20);
        let mut seen = Vec::new();
        for_each_entry_in(dir.path(), |i, raw| {
            assert_eq!(raw, vec![i as u8; 1 << 20]);
            seen.push(i);
        })
        .unwrap();
        assert_eq!(seen, (3..=12).collect::<Vec<_>>());
    }
}
