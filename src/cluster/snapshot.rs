//! Snapshots on the wire: the leader cuts a `SnapshotSource` into parts of
//! at most `PART_BYTES`, each with the CRC-32 of its data and a sequence
//! number (RAFT_SNAPSHOT_PART); the receiver checks both and writes each part
//! into its staging store, then installs it once RAFT_SNAPSHOT_END says how
//! many parts there were. See protocol.md, "Snapshot parts".

use bytes::BytesMut;
use couponsd_client::wire::{DecodeError, Reader, Writer};
use couponsd_client::wire_enum;

use crate::error::Error;
use crate::storage::{self, RowTable, SnapshotSource, StagedSnapshot, Staging};

/// Rows and records are packed into parts up to about this size; checkpoint
/// chunks go one per part (they are at most about 640 KiB).
const PART_BYTES: usize = 256 << 10;

wire_enum!(
    /// What a snapshot part holds: META, meta entries (u32 count, then str
    /// name, u64 value); CLUSTER, the Raft position the copy is as of (u32
    /// count, then str name, blob value); COUPONS, REDEMPTIONS, CAMPAIGNS,
    /// CODES and REVERSALS, rows (u32 count, then u64 id, blob row);
    /// CHECKPOINT, one chunk of the checkpoint of the in-memory state; LOG,
    /// records after the checkpoint (u32 count, then u64 LSN, blob record).
    SnapshotPart {
        Meta = 1 => "META",
        Cluster = 2 => "CLUSTER",
        Coupons = 3 => "COUPONS",
        Redemptions = 4 => "REDEMPTIONS",
        Checkpoint = 5 => "CHECKPOINT",
        Log = 6 => "LOG",
        Campaigns = 7 => "CAMPAIGNS",
        Codes = 8 => "CODES",
        Reversals = 9 => "REVERSALS",
    }
);

/// The row tables a snapshot copies, and the part kind that carries each.
const ROW_PARTS: [(RowTable, SnapshotPart); 5] = [
    (RowTable::Coupons, SnapshotPart::Coupons),
    (RowTable::Redemptions, SnapshotPart::Redemptions),
    (RowTable::Campaigns, SnapshotPart::Campaigns),
    (RowTable::Codes, SnapshotPart::Codes),
    (RowTable::Reversals, SnapshotPart::Reversals),
];

/// One part: RAFT_SNAPSHOT_PART's body is u32 seq, u8 kind, u32 crc, blob data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub seq: u32,
    pub kind: SnapshotPart,
    pub crc: u32,
    pub data: Vec<u8>,
}

impl Part {
    pub fn write(&self, w: &mut Writer) {
        w.u32(self.seq);
        w.u8(self.kind.as_u8());
        w.u32(self.crc);
        w.blob(&self.data);
    }

    pub fn read(r: &mut Reader) -> Result<Part, DecodeError> {
        Ok(Part {
            seq: r.u32("seq")?,
            kind: SnapshotPart::read(r, "kind")?,
            crc: r.u32("crc")?,
            data: r.blob("data")?.to_vec(),
        })
    }
}

/// The end of a snapshot: RAFT_SNAPSHOT_END's body is u32 parts, u64
/// checkpoint_lsn (the state in the CHECKPOINT parts is as of it), u64 lsn
/// (the rows, and the state once the LOG parts are replayed, are as of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct End {
    pub parts: u32,
    pub checkpoint_lsn: u64,
    pub lsn: u64,
}

impl End {
    pub fn write(&self, w: &mut Writer) {
        w.u32(self.parts);
        w.u64(self.checkpoint_lsn);
        w.u64(self.lsn);
    }

    pub fn read(r: &mut Reader) -> Result<End, DecodeError> {
        Ok(End {
            parts: r.u32("parts")?,
            checkpoint_lsn: r.u64("checkpoint_lsn")?,
            lsn: r.u64("lsn")?,
        })
    }
}

/// Cuts the snapshot into parts and hands each to `emit`, which returns
/// false to stop (the receiver went away). None if stopped.
pub fn send(
    source: &SnapshotSource,
    mut emit: impl FnMut(Part) -> bool,
) -> storage::Result<Option<End>> {
    let mut seq = 0u32;
    let mut part = |kind: SnapshotPart, data: Vec<u8>| {
        let part = Part {
            seq,
            kind,
            crc: crc32fast::hash(&data),
            data,
        };
        seq += 1;
        emit(part)
    };
    let meta = source.meta()?;
    let mut open = part(
        SnapshotPart::Meta,
        encode_list(&meta, |w, (k, v)| {
            w.str(k);
            w.u64(*v);
        }),
    );
    let cluster = source.cluster_entries()?;
    open = open
        && part(
            SnapshotPart::Cluster,
            encode_list(&cluster, |w, (k, v)| {
                w.str(k);
                w.blob(v);
            }),
        );
    if !open {
        return Ok(None);
    }
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
            return Ok(None);
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
    Ok(open.then_some(End {
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

/// The receiver's end: checks and stores parts as they arrive.
pub struct Receiver {
    staging: Staging,
    next_seq: u32,
}

fn corrupt(what: String) -> Error {
    Error::CorruptData(what)
}

impl Receiver {
    /// Starts receiving into a staging store beside the live one, whose
    /// id (`store_id`) the staged files take.
    pub fn begin(data_dir: &std::path::Path, store_id: u64) -> Result<Receiver, Error> {
        Ok(Receiver {
            staging: Staging::begin(data_dir, store_id)?,
            next_seq: 0,
        })
    }

    pub fn part(&mut self, part: Part) -> Result<(), Error> {
        let Part {
            seq,
            kind,
            crc,
            data,
        } = part;
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
            SnapshotPart::Cluster => {
                let entries =
                    read_list(r, |r| Ok((r.str("name")?, r.blob("value")?))).map_err(bad)?;
                self.staging.put_cluster(&entries)?;
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

    /// The end: every part arrived; make the staged store durable.
    pub fn finish(self, end: End) -> Result<StagedSnapshot, Error> {
        if end.parts != self.next_seq {
            return Err(Error::LogGap(format!(
                "the snapshot has {} parts, {} arrived",
                end.parts, self.next_seq
            )));
        }
        Ok(self.staging.finish(end.lsn, end.checkpoint_lsn)?)
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
