//! One frame: a fixed 16-byte header and a body. This file knows nothing about
//! what the body means (see `messages.rs`).
//!
//! ```text
//! offset size field
//! 0      4    length      bytes after this field: 12 + body length
//! 4      4    checksum    CRC-32 (IEEE) of bytes 8 .. 4+length
//! 8      4    request_id  chosen by the client, echoed by the reply
//! 12     2    opcode      what the request asks; a reply repeats it
//! 14     2    status      0 in requests; in replies 0 = OK, else an error code
//! 16     ..   body
//! ```

use bytes::{Buf, BufMut, Bytes, BytesMut};

/// Header bytes counted by `length` (everything after the length field).
pub const HEADER_AFTER_LENGTH: usize = 12;
/// Whole header, length field included.
pub const HEADER_LEN: usize = 16;
/// The default and largest accepted value of `length`: 1 MiB.
pub const MAX_FRAME_LENGTH: u32 = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub request_id: u32,
    pub opcode: u16,
    pub status: u16,
    pub body: Bytes,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("frame length {length} is over the maximum {max}")]
    TooLarge { length: u32, max: u32 },
    #[error("frame length {0} is shorter than the 12-byte header")]
    TooShort(u32),
    #[error("frame checksum mismatch: header says {expected:08x}, bytes give {actual:08x}")]
    Checksum { expected: u32, actual: u32 },
}

/// Cheap first step of decoding: is a whole frame buffered? Allocates nothing.
/// `Ok(None)` means "not enough bytes yet", which is not an error.
pub fn check(buf: &[u8], max_length: u32) -> Result<Option<usize>, FrameError> {
    if buf.len() < 4 {
        return Ok(None);
    }
    let length = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
    if length > max_length {
        return Err(FrameError::TooLarge {
            length,
            max: max_length,
        });
    }
    if (length as usize) < HEADER_AFTER_LENGTH {
        return Err(FrameError::TooShort(length));
    }
    let total = 4 + length as usize;
    Ok((buf.len() >= total).then_some(total))
}

/// Second step: split one checked frame off the buffer and verify its checksum.
pub fn parse(buf: &mut BytesMut, total: usize) -> Result<Frame, FrameError> {
    let mut raw = buf.split_to(total).freeze();
    raw.advance(4);
    let expected = raw.get_u32();
    let actual = crc32fast::hash(&raw);
    if expected != actual {
        return Err(FrameError::Checksum { expected, actual });
    }
    let request_id = raw.get_u32();
    let opcode = raw.get_u16();
    let status = raw.get_u16();
    Ok(Frame {
        request_id,
        opcode,
        status,
        body: raw,
    })
}

/// Appends one frame whose body `write_body` produces; fills in length and checksum.
pub fn encode(
    dst: &mut BytesMut,
    request_id: u32,
    opcode: u16,
    status: u16,
    write_body: impl FnOnce(&mut BytesMut),
) {
    let start = begin(dst, request_id, opcode, status);
    write_body(dst);
    finish(dst, start);
}

/// Appends a frame header with length and checksum left blank; returns where
/// the frame starts. Append the body, then call `finish`.
pub fn begin(dst: &mut BytesMut, request_id: u32, opcode: u16, status: u16) -> usize {
    let start = dst.len();
    dst.put_u32(0);
    dst.put_u32(0);
    dst.put_u32(request_id);
    dst.put_u16(opcode);
    dst.put_u16(status);
    start
}

/// Fills in the length and checksum of the frame that starts at `start`.
pub fn finish(dst: &mut BytesMut, start: usize) {
    let length = (dst.len() - start - 4) as u32;
    dst[start..start + 4].copy_from_slice(&length.to_be_bytes());
    let crc = crc32fast::hash(&dst[start + 8..]);
    dst[start + 4..start + 8].copy_from_slice(&crc.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_partial_reads() {
        let mut buf = BytesMut::new();
        encode(&mut buf, 7, 0x0002, 0, |b| b.put_slice(b"hi"));
        let whole = buf.clone();
        for cut in 0..whole.len() {
            assert_eq!(
                check(&whole[..cut], MAX_FRAME_LENGTH),
                Ok(None),
                "cut {cut}"
            );
        }
        let total = check(&buf, MAX_FRAME_LENGTH).unwrap().unwrap();
        let frame = parse(&mut buf, total).unwrap();
        assert_eq!(frame.request_id, 7);
        assert_eq!(&frame.body[..], b"hi");
        assert!(buf.is_empty());
    }

    #[test]
    fn rejects_bad_lengths_and_checksums() {
        assert_eq!(
            check(&[0, 0x20, 0, 0], MAX_FRAME_LENGTH),
            Err(FrameError::TooLarge {
                length: 0x0020_0000,
                max: MAX_FRAME_LENGTH
            })
        );
        assert_eq!(
            check(&[0, 0, 0, 3], MAX_FRAME_LENGTH),
            Err(FrameError::TooShort(3))
        );
        let mut buf = BytesMut::new();
        encode(&mut buf, 1, 2, 0, |_| {});
        buf[10] ^= 1;
        let total = check(&buf, MAX_FRAME_LENGTH).unwrap().unwrap();
        assert!(matches!(
            parse(&mut buf, total),
            Err(FrameError::Checksum { .. })
        ));
    }
}
