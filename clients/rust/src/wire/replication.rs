//! Replication messages: what a follower and its leader say to each other, and
//! the PROMOTE and REPL_STATUS requests operators use. See protocol.md,
//! "Replication".
//!
//! A follower opens an ordinary connection (HELLO with an admin token) and
//! sends REPL_SUBSCRIBE. Once the leader accepts it, the connection is a stream:
//! the leader sends REPL_RECORDS (and, when the follower needs one, a snapshot
//! as REPL_SNAPSHOT parts and a REPL_SNAPSHOT_END), the follower sends REPL_ACK.
//! Stream frames carry the subscribe's request id. Every one carries the
//! sender's epoch, so a replaced leader is recognised at its first frame.

use bytes::BytesMut;

use super::frame;
use super::messages::opcode;
use super::primitives::{DecodeError, Reader, Writer};
use super::types::NodeRole;
use crate::wire_enum;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeRequest {
    /// The dataset the follower holds (0: none yet).
    pub cluster_id: u64,
    /// The highest epoch the follower knows.
    pub epoch: u64,
    /// The follower's last durable LSN.
    pub last_lsn: u64,
    /// The epoch of the record at `last_lsn` (0 when `last_lsn` is 0).
    pub last_epoch: u64,
    /// The follower's own address, for REPL_STATUS.
    pub name: String,
}

wire_enum!(
    /// How the leader will bring a follower up to date: LOG, records from the
    /// follower's LSN + 1 follow; SNAPSHOT, a snapshot follows, then the records
    /// after it.
    CatchUp {
        Log = 1 => "LOG",
        Snapshot = 2 => "SNAPSHOT",
    }
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeReply {
    pub cluster_id: u64,
    /// The leader's epoch.
    pub epoch: u64,
    pub mode: CatchUp,
    /// The follower's records after this LSN are not in the leader's history:
    /// they diverged (possible only with --sync-replicas 0). Equal to the
    /// follower's `last_lsn` when nothing diverged.
    pub keep_through: u64,
}

wire_enum!(
    /// What a snapshot part holds: META, meta entries (u32 count, then str
    /// name, u64 value); EPOCHS, the epoch history (u32 count, then u64 epoch,
    /// u64 first LSN); COUPONS and REDEMPTIONS, rows (u32 count, then u64 id,
    /// blob row); CHECKPOINT, one chunk of the leader's checkpoint of its
    /// in-memory state; LOG, records after the checkpoint (u32 count, then u64
    /// LSN, blob record); CAMPAIGNS, CODES and REVERSALS, rows like COUPONS.
    SnapshotPart {
        Meta = 1 => "META",
        Epochs = 2 => "EPOCHS",
        Coupons = 3 => "COUPONS",
        Redemptions = 4 => "REDEMPTIONS",
        Checkpoint = 5 => "CHECKPOINT",
        Log = 6 => "LOG",
        Campaigns = 7 => "CAMPAIGNS",
        Codes = 8 => "CODES",
        Reversals = 9 => "REVERSALS",
    }
);

/// One message on an established replication stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamMessage {
    /// Leader -> follower: consecutive log records, each as stored (with its
    /// own format byte and CRC). No records is a heartbeat.
    Records {
        epoch: u64,
        /// The leader's last durable LSN when it sent this.
        leader_lsn: u64,
        leader_time_ms: i64,
        records: Vec<Vec<u8>>,
    },
    /// Leader -> follower: one part of a snapshot, with the CRC-32 of `data`.
    Snapshot {
        epoch: u64,
        seq: u32,
        kind: SnapshotPart,
        crc: u32,
        data: Vec<u8>,
    },
    /// Leader -> follower: the snapshot is complete. It holds the state as of
    /// `lsn`; its checkpoint parts hold the state as of `checkpoint_lsn`, and
    /// its log parts the records between.
    SnapshotEnd {
        epoch: u64,
        parts: u32,
        checkpoint_lsn: u64,
        lsn: u64,
    },
    /// Follower -> leader: everything up to `durable_lsn` is durable here.
    Ack { epoch: u64, durable_lsn: u64 },
}

impl StreamMessage {
    pub fn opcode(&self) -> u16 {
        match self {
            StreamMessage::Records { .. } => opcode::REPL_RECORDS,
            StreamMessage::Snapshot { .. } => opcode::REPL_SNAPSHOT,
            StreamMessage::SnapshotEnd { .. } => opcode::REPL_SNAPSHOT_END,
            StreamMessage::Ack { .. } => opcode::REPL_ACK,
        }
    }

    /// The sender's epoch.
    pub fn epoch(&self) -> u64 {
        match self {
            StreamMessage::Records { epoch, .. }
            | StreamMessage::Snapshot { epoch, .. }
            | StreamMessage::SnapshotEnd { epoch, .. }
            | StreamMessage::Ack { epoch, .. } => *epoch,
        }
    }

    pub fn write_body(&self, w: &mut Writer) {
        match self {
            StreamMessage::Records {
                epoch,
                leader_lsn,
                leader_time_ms,
                records,
            } => {
                write_records_head(
                    w,
                    *epoch,
                    *leader_lsn,
                    *leader_time_ms,
                    records.len() as u32,
                );
                for r in records {
                    w.blob(r);
                }
            }
            StreamMessage::Snapshot {
                epoch,
                seq,
                kind,
                crc,
                data,
            } => {
                w.u64(*epoch);
                w.u32(*seq);
                w.u8(kind.as_u8());
                w.u32(*crc);
                w.blob(data);
            }
            StreamMessage::SnapshotEnd {
                epoch,
                parts,
                checkpoint_lsn,
                lsn,
            } => {
                w.u64(*epoch);
                w.u32(*parts);
                w.u64(*checkpoint_lsn);
                w.u64(*lsn);
            }
            StreamMessage::Ack { epoch, durable_lsn } => {
                w.u64(*epoch);
                w.u64(*durable_lsn);
            }
        }
    }

    /// Decodes a stream frame's body; None if `op` is not a stream opcode.
    pub fn decode(op: u16, body: &[u8]) -> Option<Result<StreamMessage, DecodeError>> {
        let r = &mut Reader::new(body);
        let decoded = match op {
            opcode::REPL_RECORDS => (|| {
                let epoch = r.u64("epoch")?;
                let leader_lsn = r.u64("leader_lsn")?;
                let leader_time_ms = r.i64("leader_time_ms")?;
                let count = r.u32("count")? as usize;
                // Each record takes at least its 4-byte length.
                let mut records = Vec::with_capacity(count.min(r.remaining() / 4));
                for _ in 0..count {
                    records.push(r.blob("record")?.to_vec());
                }
                Ok(StreamMessage::Records {
                    epoch,
                    leader_lsn,
                    leader_time_ms,
                    records,
                })
            })(),
            opcode::REPL_SNAPSHOT => (|| {
                Ok(StreamMessage::Snapshot {
                    epoch: r.u64("epoch")?,
                    seq: r.u32("seq")?,
                    kind: SnapshotPart::read(r, "kind")?,
                    crc: r.u32("crc")?,
                    data: r.blob("data")?.to_vec(),
                })
            })(),
            opcode::REPL_SNAPSHOT_END => (|| {
                Ok(StreamMessage::SnapshotEnd {
                    epoch: r.u64("epoch")?,
                    parts: r.u32("parts")?,
                    checkpoint_lsn: r.u64("checkpoint_lsn")?,
                    lsn: r.u64("lsn")?,
                })
            })(),
            opcode::REPL_ACK => (|| {
                Ok(StreamMessage::Ack {
                    epoch: r.u64("epoch")?,
                    durable_lsn: r.u64("durable_lsn")?,
                })
            })(),
            _ => return None,
        };
        Some(decoded)
    }

    /// Appends this message as one frame on the stream opened by `request_id`.
    pub fn encode_frame(&self, request_id: u32, dst: &mut BytesMut) {
        frame::encode(dst, request_id, self.opcode(), 0, |b| {
            self.write_body(&mut Writer::new(b))
        });
    }
}

fn write_records_head(
    w: &mut Writer,
    epoch: u64,
    leader_lsn: u64,
    leader_time_ms: i64,
    count: u32,
) {
    w.u64(epoch);
    w.u64(leader_lsn);
    w.i64(leader_time_ms);
    w.u32(count);
}

/// Builds a REPL_RECORDS frame record by record, straight into the output
/// buffer, for a leader streaming from its log without collecting first.
pub struct RecordsFrame {
    start: usize,
    count_at: usize,
    count: u32,
}

impl RecordsFrame {
    pub fn begin(
        dst: &mut BytesMut,
        request_id: u32,
        epoch: u64,
        leader_lsn: u64,
        leader_time_ms: i64,
    ) -> RecordsFrame {
        let start = frame::begin(dst, request_id, opcode::REPL_RECORDS, 0);
        let count_at = dst.len() + 24;
        write_records_head(&mut Writer::new(dst), epoch, leader_lsn, leader_time_ms, 0);
        RecordsFrame {
            start,
            count_at,
            count: 0,
        }
    }

    pub fn push(&mut self, dst: &mut BytesMut, record: &[u8]) {
        Writer::new(dst).blob(record);
        self.count += 1;
    }

    /// Bytes of the frame so far.
    pub fn len(&self, dst: &BytesMut) -> usize {
        dst.len() - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Writes the record count and the header's length and checksum. Call it
    /// before anything else is appended to `dst`: the frame covers every byte
    /// from its start to the end of `dst`.
    pub fn finish(&self, dst: &mut BytesMut) {
        dst[self.count_at..self.count_at + 4].copy_from_slice(&self.count.to_be_bytes());
        frame::finish(dst, self.start);
    }
}

/// One follower as its leader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FollowerStatus {
    /// The address the follower gave in REPL_SUBSCRIBE.
    pub name: String,
    /// The follower's address as this node sees the connection.
    pub peer: String,
    pub acked_lsn: u64,
    /// Records the leader has that the follower has not acknowledged.
    pub lag_records: u64,
    /// How long ago the oldest unacknowledged batch committed (0 when caught up).
    pub lag_ms: u64,
    /// Commit-to-acknowledgement time over this connection: median and 99th percentile.
    pub ack_p50_ms: u64,
    pub ack_p99_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicationStatus {
    pub role: NodeRole,
    pub epoch: u64,
    pub lsn: u64,
    /// A follower's leader (empty on a leader).
    pub leader: String,
    /// A follower: whether its stream to the leader is up.
    pub connected: bool,
    /// A follower: the leader's LSN as last heard; a leader: its own.
    pub leader_lsn: u64,
    pub sync_replicas: u8,
    /// A leader that learned of a newer epoch and takes no writes.
    pub fenced: bool,
    pub followers: Vec<FollowerStatus>,
}

impl ReplicationStatus {
    pub fn write(&self, w: &mut Writer) {
        w.u8(self.role.as_u8());
        w.u64(self.epoch);
        w.u64(self.lsn);
        w.str(&self.leader);
        w.bool(self.connected);
        w.u64(self.leader_lsn);
        w.u8(self.sync_replicas);
        w.bool(self.fenced);
        w.list(&self.followers, |w, f| {
            w.str(&f.name);
            w.str(&f.peer);
            w.u64(f.acked_lsn);
            w.u64(f.lag_records);
            w.u64(f.lag_ms);
            w.u64(f.ack_p50_ms);
            w.u64(f.ack_p99_ms);
        });
    }

    pub fn read(r: &mut Reader) -> Result<ReplicationStatus, DecodeError> {
        Ok(ReplicationStatus {
            role: NodeRole::read(r, "role")?,
            epoch: r.u64("epoch")?,
            lsn: r.u64("lsn")?,
            leader: r.str("leader")?,
            connected: r.bool("connected")?,
            leader_lsn: r.u64("leader_lsn")?,
            sync_replicas: r.u8("sync_replicas")?,
            fenced: r.bool("fenced")?,
            followers: r.list("followers", |r| {
                Ok(FollowerStatus {
                    name: r.str("name")?,
                    peer: r.str("peer")?,
                    acked_lsn: r.u64("acked_lsn")?,
                    lag_records: r.u64("lag_records")?,
                    lag_ms: r.u64("lag_ms")?,
                    ack_p50_ms: r.u64("ack_p50_ms")?,
                    ack_p99_ms: r.u64("ack_p99_ms")?,
                })
            })?,
        })
    }
}

impl SubscribeRequest {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.cluster_id);
        w.u64(self.epoch);
        w.u64(self.last_lsn);
        w.u64(self.last_epoch);
        w.str(&self.name);
    }

    pub fn read(r: &mut Reader) -> Result<SubscribeRequest, DecodeError> {
        Ok(SubscribeRequest {
            cluster_id: r.u64("cluster_id")?,
            epoch: r.u64("epoch")?,
            last_lsn: r.u64("last_lsn")?,
            last_epoch: r.u64("last_epoch")?,
            name: r.str("name")?,
        })
    }
}

impl SubscribeReply {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.cluster_id);
        w.u64(self.epoch);
        w.u8(self.mode.as_u8());
        w.u64(self.keep_through);
    }

    pub fn read(r: &mut Reader) -> Result<SubscribeReply, DecodeError> {
        Ok(SubscribeReply {
            cluster_id: r.u64("cluster_id")?,
            epoch: r.u64("epoch")?,
            mode: CatchUp::read(r, "mode")?,
            keep_through: r.u64("keep_through")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_messages_roundtrip() {
        let messages = [
            StreamMessage::Records {
                epoch: 2,
                leader_lsn: 9,
                leader_time_ms: -1,
                records: vec![vec![1, 2, 3], vec![]],
            },
            StreamMessage::Snapshot {
                epoch: 2,
                seq: 7,
                kind: SnapshotPart::Checkpoint,
                crc: 0xdead_beef,
                data: vec![9; 10],
            },
            StreamMessage::SnapshotEnd {
                epoch: 2,
                parts: 8,
                checkpoint_lsn: 3,
                lsn: 9,
            },
            StreamMessage::Ack {
                epoch: 2,
                durable_lsn: 9,
            },
        ];
        for m in messages {
            let mut buf = BytesMut::new();
            m.write_body(&mut Writer::new(&mut buf));
            let back = StreamMessage::decode(m.opcode(), &buf).unwrap().unwrap();
            assert_eq!(back, m);
            for cut in 0..buf.len() {
                assert!(StreamMessage::decode(m.opcode(), &buf[..cut])
                    .unwrap()
                    .is_err());
            }
        }
    }

    #[test]
    fn records_frame_builder_matches_the_message() {
        let records = vec![vec![1, 2, 3], vec![], vec![9; 300]];
        let message = StreamMessage::Records {
            epoch: 3,
            leader_lsn: 77,
            leader_time_ms: 5,
            records: records.clone(),
        };
        let mut expected = BytesMut::new();
        message.encode_frame(4, &mut expected);
        let mut built = BytesMut::new();
        let mut f = RecordsFrame::begin(&mut built, 4, 3, 77, 5);
        for r in &records {
            f.push(&mut built, r);
        }
        f.finish(&mut built);
        assert_eq!(built, expected);
    }
}
