//! Write-ahead log records. One record per mutation, appended under its LSN in
//! the same transaction as the rows it describes. A record lists the rows the
//! mutation wrote (physical redo), so applying records in LSN order to empty
//! tables rebuilds every table exactly.
//!
//! ```text
//! u8  format (1)
//! u32 crc32 of every byte after this field
//! u64 epoch, u64 lsn, i64 timestamp (unix ms)
//! u32 op count, then ops: u8 tag and the tag's fields
//! ```

use bytes::BytesMut;
use couponsd_client::wire::{DecodeError, Reader, Writer};

use super::StorageError;

const LOG_FORMAT_V1: u8 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogOp {
    PutMeta {
        key: String,
        value: u64,
    },
    PutCoupon {
        id: u64,
        row: Vec<u8>,
    },
    DeleteCoupon {
        id: u64,
    },
    PutCode {
        code: String,
        coupon_id: u64,
    },
    DeleteCode {
        code: String,
    },
    /// uses == 0 deletes the row.
    PutCustomerUsage {
        coupon_id: u64,
        customer_id: String,
        uses: u64,
    },
    PutRedemption {
        id: u64,
        row: Vec<u8>,
    },
    PutOrder {
        coupon_id: u64,
        order_id: String,
        redemption_id: u64,
    },
    PutCouponRedemption {
        coupon_id: u64,
        redemption_id: u64,
    },
    PutHold {
        expires_at: i64,
        redemption_id: u64,
    },
    DeleteHold {
        expires_at: i64,
        redemption_id: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    pub epoch: u64,
    pub lsn: u64,
    pub timestamp: i64,
    pub ops: Vec<LogOp>,
}

impl LogRecord {
    pub fn encode(&self) -> Vec<u8> {
        let mut buf = BytesMut::with_capacity(128);
        {
            let mut w = Writer::new(&mut buf);
            w.u8(LOG_FORMAT_V1);
            w.u32(0);
            w.u64(self.epoch);
            w.u64(self.lsn);
            w.i64(self.timestamp);
            w.u32(self.ops.len() as u32);
            for op in &self.ops {
                op.write(&mut w);
            }
        }
        let crc = crc32fast::hash(&buf[5..]);
        buf[1..5].copy_from_slice(&crc.to_be_bytes());
        buf.to_vec()
    }

    /// Decodes and verifies a record; a checksum mismatch is corruption.
    pub fn decode(raw: &[u8]) -> Result<LogRecord, StorageError> {
        let corrupt = |reason: String| StorageError::Corrupt {
            table: "log",
            reason,
        };
        if raw.len() < 5 {
            return Err(corrupt("record shorter than its header".into()));
        }
        if raw[0] != LOG_FORMAT_V1 {
            return Err(corrupt(format!("unknown log format {}", raw[0])));
        }
        let expected = u32::from_be_bytes([raw[1], raw[2], raw[3], raw[4]]);
        let actual = crc32fast::hash(&raw[5..]);
        if expected != actual {
            return Err(corrupt(format!(
                "checksum {actual:08x} does not match {expected:08x}"
            )));
        }
        let r = &mut Reader::new(&raw[5..]);
        let read = |r: &mut Reader| -> Result<LogRecord, DecodeError> {
            let epoch = r.u64("epoch")?;
            let lsn = r.u64("lsn")?;
            let timestamp = r.i64("timestamp")?;
            let count = r.u32("op_count")? as usize;
            let mut ops = Vec::with_capacity(count.min(r.remaining()));
            for _ in 0..count {
                ops.push(LogOp::read(r)?);
            }
            Ok(LogRecord {
                epoch,
                lsn,
                timestamp,
                ops,
            })
        };
        read(r).map_err(|e| corrupt(e.to_string()))
    }
}

impl LogOp {
    fn write(&self, w: &mut Writer) {
        match self {
            LogOp::PutMeta { key, value } => {
                w.u8(1);
                w.str(key);
                w.u64(*value);
            }
            LogOp::PutCoupon { id, row } => {
                w.u8(2);
                w.u64(*id);
                blob(w, row);
            }
            LogOp::DeleteCoupon { id } => {
                w.u8(3);
                w.u64(*id);
            }
            LogOp::PutCode { code, coupon_id } => {
                w.u8(4);
                w.str(code);
                w.u64(*coupon_id);
            }
            LogOp::DeleteCode { code } => {
                w.u8(5);
                w.str(code);
            }
            LogOp::PutCustomerUsage {
                coupon_id,
                customer_id,
                uses,
            } => {
                w.u8(6);
                w.u64(*coupon_id);
                w.str(customer_id);
                w.u64(*uses);
            }
            LogOp::PutRedemption { id, row } => {
                w.u8(7);
                w.u64(*id);
                blob(w, row);
            }
            LogOp::PutOrder {
                coupon_id,
                order_id,
                redemption_id,
            } => {
                w.u8(8);
                w.u64(*coupon_id);
                w.str(order_id);
                w.u64(*redemption_id);
            }
            LogOp::PutCouponRedemption {
                coupon_id,
                redemption_id,
            } => {
                w.u8(9);
                w.u64(*coupon_id);
                w.u64(*redemption_id);
            }
            LogOp::PutHold {
                expires_at,
                redemption_id,
            } => {
                w.u8(10);
                w.i64(*expires_at);
                w.u64(*redemption_id);
            }
            LogOp::DeleteHold {
                expires_at,
                redemption_id,
            } => {
                w.u8(11);
                w.i64(*expires_at);
                w.u64(*redemption_id);
            }
        }
    }

    fn read(r: &mut Reader) -> Result<LogOp, DecodeError> {
        Ok(match r.u8("op")? {
            1 => LogOp::PutMeta {
                key: r.str("key")?,
                value: r.u64("value")?,
            },
            2 => LogOp::PutCoupon {
                id: r.u64("id")?,
                row: read_blob(r)?,
            },
            3 => LogOp::DeleteCoupon { id: r.u64("id")? },
            4 => LogOp::PutCode {
                code: r.str("code")?,
                coupon_id: r.u64("coupon_id")?,
            },
            5 => LogOp::DeleteCode {
                code: r.str("code")?,
            },
            6 => LogOp::PutCustomerUsage {
                coupon_id: r.u64("coupon_id")?,
                customer_id: r.str("customer_id")?,
                uses: r.u64("uses")?,
            },
            7 => LogOp::PutRedemption {
                id: r.u64("id")?,
                row: read_blob(r)?,
            },
            8 => LogOp::PutOrder {
                coupon_id: r.u64("coupon_id")?,
                order_id: r.str("order_id")?,
                redemption_id: r.u64("redemption_id")?,
            },
            9 => LogOp::PutCouponRedemption {
                coupon_id: r.u64("coupon_id")?,
                redemption_id: r.u64("redemption_id")?,
            },
            10 => LogOp::PutHold {
                expires_at: r.i64("expires_at")?,
                redemption_id: r.u64("redemption_id")?,
            },
            11 => LogOp::DeleteHold {
                expires_at: r.i64("expires_at")?,
                redemption_id: r.u64("redemption_id")?,
            },
            v => {
                return Err(DecodeError::UnknownValue {
                    field: "op",
                    value: u64::from(v),
                })
            }
        })
    }
}

fn blob(w: &mut Writer, bytes: &[u8]) {
    w.u32(bytes.len() as u32);
    w.bytes(bytes);
}

fn read_blob(r: &mut Reader) -> Result<Vec<u8>, DecodeError> {
    let len = r.u32("row_length")? as usize;
    Ok(r.bytes(len, "row")?.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_detects_corruption() {
        let record = LogRecord {
            epoch: 1,
            lsn: 42,
            timestamp: 1_700_000_000_000,
            ops: vec![
                LogOp::PutCode {
                    code: "SUMMER20".into(),
                    coupon_id: 7,
                },
                LogOp::PutRedemption {
                    id: 9,
                    row: vec![1, 2, 3],
                },
                LogOp::DeleteHold {
                    expires_at: -5,
                    redemption_id: 9,
                },
            ],
        };
        let raw = record.encode();
        assert_eq!(LogRecord::decode(&raw).unwrap(), record);
        for i in 0..raw.len() {
            let mut bad = raw.clone();
            bad[i] ^= 0x40;
            assert!(
                LogRecord::decode(&bad).is_err(),
                "flip at byte {i} went unnoticed"
            );
        }
    }
}
