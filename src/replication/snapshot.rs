//! Snapshots on the wire: the leader cuts a `SnapshotSource` into parts of
//! at most `PART_BYTES`, each with the CRC-32 of its data and a sequence
//! number; the follower checks both and writes each part into its staging
//! store. See protocol.md, "Snapshot parts".

use bytes::BytesMut;
use couponsd_client::wire::{DecodeError, Reader, SnapshotPart, StreamMessage, Writer};

use crate::error::Error;
use crate::storage::{self, RowTable, SnapshotSource, StagedSnapshot, Staging};

/// Rows and records are packed into parts up to about this size; checkpoint
/// chunks go one per part (they are at most about 640 KiB).
const PART_BYTES: usize = 256 << 10;

/// The row tables a snapshot copies, and the part kind that carries each.
const ROW_PARTS: [(RowTable, SnapshotPart); 5] = [
    (RowTable::Coupons, SnapshotPart::Coupons),
    (RowTable::Redemptions, SnapshotPart::Redemptions),
    (RowTable::Campaigns, SnapshotPart::Campaigns),
    (RowTable::Codes, SnapshotPart::Codes),
    (RowTable::Reversals, SnapshotPart::Reversals),
];

/// Cuts the snapshot into messages and hands each to `emit`, which returns
/// false to stop (the follower went away).
pub fn send(
    source: &SnapshotSource,
    epoch: u64,
    mut emit: impl FnMut(StreamMessage) -> bool,
) -> storage::Result<bool> {
    let mut seq = 0u32;
    let mut part = |kind: SnapshotPart, data: Vec<u8>| {
        let message = StreamMessage::Snapshot {
            epoch,
            seq,
            kind,
            crc: crc32fast::hash(&data),
            data,
        };
        seq += 1;
        emit(message)
    };
    let meta = source.meta()?;
    if !part(
        SnapshotPart::Meta,
        encode_list(&meta, |w, (k, v)| {
            w.str(k);
            w.u64(*v);
        }),
    ) {
        return Ok(false);
    }
    let epochs = source.epochs()?;
    if !part(
        SnapshotPart::Epochs,
        encode_list(&epochs, |w, (e, first)| {
            w.u64(*e);
            w.u64(*first);
        }),
    ) {
        return Ok(false);
    }
    let mut open = true;
    for (table, kind) in ROW_PARTS {
        let mut packer = Packer::default();
        source.for_each_row(table, |id, row| {
            if let Some(full) = packer.add(id, row) {
                open = open && part(kind, full);
            }
            Ok(())
        })?;
        if let Some(rest) = packer.finish() {
            open = open && part(kind, rest);
        }
        if !open {
            return Ok(false);
        }
    }
    source.for_each_chunk(|chunk| {
        open = open && part(SnapshotPart::Checkpoint, chunk.to_vec());
        Ok(())
    })?;
    source.for_each_log_page(|page| {
        let mut packer = Packer::default();
        for (lsn, raw) in &page {
            if let Some(full) = packer.add(*lsn, raw) {
                open = open && part(SnapshotPart::Log, full);
            }
        }
        if let Some(rest) = packer.finish() {
            open = open && part(SnapshotPart::Log, rest);
        }
        Ok(())
    })?;
    if !open {
        return Ok(false);
    }
    Ok(emit(StreamMessage::SnapshotEnd {
        epoch,
        parts: seq,
        checkpoint_lsn: source.checkpoint_lsn(),
        lsn: source.lsn(),
    }))
}

fn encode_list<T>(items: &[T], mut each: impl FnMut(&mut Writer, &T)) -> Vec<u8> {
    let mut buf = BytesMut::new();
    let mut w = Writer::new(&mut buf);
    w.u32(items.len() as u32);
    for item in items {
        each(&mut w, item);
    }
    buf.to_vec()
}

/// Packs (id, blob) entries: u32 count, then u64 id and blob each.
#[derive(Default)]
struct Packer {
    body: BytesMut,
    count: u32,
}

impl Packer {
    /// Adds an entry; returns a full part when one is ready.
    fn add(&mut self, id: u64, blob: &[u8]) -> Option<Vec<u8>> {
        let mut w = Writer::new(&mut self.body);
        w.u64(id);
        w.blob(blob);
        self.count += 1;
        (self.body.len() >= PART_BYTES).then(|| self.take())
    }

    fn finish(mut self) -> Option<Vec<u8>> {
        (self.count > 0).then(|| self.take())
    }

    fn take(&mut self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.body.len() + 4);
        out.extend_from_slice(&self.count.to_be_bytes());
        out.extend_from_slice(&self.body);
        self.body.clear();
        self.count = 0;
        out
    }
}

/// The follower's end: checks and stores parts as they arrive.
pub struct Receiver {
    staging: Staging,
    next_seq: u32,
}

fn corrupt(what: String) -> Error {
    Error::CorruptData(what)
}

impl Receiver {
    pub fn begin(data_dir: &std::path::Path) -> Result<Receiver, Error> {
        Ok(Receiver {
            staging: Staging::begin(data_dir)?,
            next_seq: 0,
        })
    }

    pub fn part(
        &mut self,
        seq: u32,
        kind: SnapshotPart,
        crc: u32,
        data: Vec<u8>,
    ) -> Result<(), Error> {
        if seq != self.next_seq {
            return Err(Error::LogGap(format!(
                "snapshot part {seq} arrived, expected {}",
                self.next_seq
            )));
        }
        let actual = crc32fast::hash(&data);
        if actual != crc {
            return Err(corrupt(format!(
                "snapshot part {seq}: checksum {actual:08x} does not match {crc:08x}"
            )));
        }
        self.next_seq += 1;
        let bad = |e: DecodeError| corrupt(format!("snapshot part {seq}: {e}"));
        let r = &mut Reader::new(&data);
        match kind {
            SnapshotPart::Meta => {
                let entries =
                    read_list(r, |r| Ok((r.str("name")?, r.u64("value")?))).map_err(bad)?;
                self.staging.put_meta(&entries)?;
            }
            SnapshotPart::Epochs => {
                let entries =
                    read_list(r, |r| Ok((r.u64("epoch")?, r.u64("first_lsn")?))).map_err(bad)?;
                self.staging.put_epochs(&entries)?;
            }
            SnapshotPart::Checkpoint => self.staging.put_checkpoint_chunk(data)?,
            SnapshotPart::Log => {
                let entries =
                    read_list(r, |r| Ok((r.u64("lsn")?, r.blob("record")?))).map_err(bad)?;
                self.staging.put_log(&entries)?;
            }
            rows => {
                let entries = read_list(r, |r| Ok((r.u64("id")?, r.blob("row")?))).map_err(bad)?;
                let table = ROW_PARTS
                    .iter()
                    .find(|(_, kind)| *kind == rows)
                    .map(|(table, _)| *table)
                    .ok_or_else(|| corrupt(format!("snapshot part {seq}: unexpected kind")))?;
                self.staging.put_rows(table, &entries)?;
            }
        }
        Ok(())
    }

    /// The end message: every part arrived; make the staged store durable.
    pub fn finish(
        self,
        parts: u32,
        checkpoint_lsn: u64,
        lsn: u64,
    ) -> Result<StagedSnapshot, Error> {
        if parts != self.next_seq {
            return Err(Error::LogGap(format!(
                "the snapshot has {parts} parts, {} arrived",
                self.next_seq
            )));
        }
        Ok(self.staging.finish(lsn, checkpoint_lsn)?)
    }
}

fn read_list<'a, T>(
    r: &mut Reader<'a>,
    mut each: impl FnMut(&mut Reader<'a>) -> Result<T, DecodeError>,
) -> Result<Vec<T>, DecodeError> {
    let count = r.u32("count")? as usize;
    let mut out = Vec::with_capacity(count.min(r.remaining()));
    for _ in 0..count {
        out.push(each(r)?);
    }
    Ok(out)
}
