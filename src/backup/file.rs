//! The backup file. Big-endian, as the protocol:
//!
//! ```text
//! offset     size  field
//! 0          8     magic "CPNDBKUP"
//! 8          2     format version (1)
//! 10         40    header: cluster_id u64, node_id u64, lsn u64, term u64,
//!                  created_ms i64 (BACKUP_BEGIN's reply)
//! 50         ...   records, each u8 kind, u32 length, `length` bytes:
//!                  kind 1 PART: a RAFT_SNAPSHOT_PART body (seq, kind, crc,
//!                    data), seq 0, 1, 2, ... in order;
//!                  kind 2 END: a BACKUP_END reply body (parts,
//!                    checkpoint_lsn, lsn, digest), once, last
//! end - 32   32    SHA-256 of every byte before it
//! ```
//!
//! Why SHA-256 over the whole file, when each part already has a CRC-32: a
//! backup is kept for months and copied between machines and storage
//! systems; a CRC-32 misses one damage in 2^32 and is easy to match by
//! accident or on purpose, a SHA-256 misses none that matter, and anyone can
//! check it without couponsd (`head -c -32 F | sha256sum` against
//! `tail -c 32 F | xxd -p -c 32`). It costs well under the time to read the
//! file. `verify` checks it, every part's own CRC and sequence, and the
//! layout, before anything is written.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use aws_lc_rs::digest::{Context, SHA256, SHA256_OUTPUT_LEN};
use couponsd_client::wire::{BackupEnd, BackupHeader, Reader, Writer, MAX_FRAME_LENGTH};

use crate::cluster::snapshot::Part;

pub const MAGIC: [u8; 8] = *b"CPNDBKUP";
/// The format this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;
const VERSION_OFFSET: usize = MAGIC.len();
const HEADER_OFFSET: usize = VERSION_OFFSET + 2;
/// Where the records start.
pub const RECORDS_OFFSET: usize = HEADER_OFFSET + BackupHeader::LEN;
const _: () = assert!(RECORDS_OFFSET == 50);
const RECORD_PART: u8 = 1;
const RECORD_END: u8 = 2;
/// A record's kind and length.
const RECORD_HEAD_LEN: usize = 5;
/// No record is longer than a frame's body could carry: a longer length is
/// damage, not a record to allocate for.
const RECORD_LEN_MAX: usize = MAX_FRAME_LENGTH as usize;
pub const CHECKSUM_LEN: usize = SHA256_OUTPUT_LEN;

/// Why a file is not a backup this build can restore.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}: not a couponsd backup (its first bytes are not CPNDBKUP)")]
    NotABackup(String),
    #[error("{path}: backup format version {found}; this couponsd reads version {FORMAT_VERSION}")]
    UnknownVersion { path: String, found: u16 },
    #[error("{path}: truncated: the file ends after {bytes} bytes, inside {inside} (an interrupted copy or backup?)")]
    Truncated {
        path: String,
        bytes: u64,
        inside: &'static str,
    },
    #[error("{path}: checksum mismatch: the file's SHA-256 is {computed}, it says {stored}: the file was changed or damaged")]
    ChecksumMismatch {
        path: String,
        stored: String,
        computed: String,
    },
    #[error("{path}: damaged at byte {offset}: {what}")]
    Damaged {
        path: String,
        offset: u64,
        what: String,
    },
}

/// Writes a backup file: to `FILE.tmp`, renamed to `FILE` once complete
/// and durable, so `FILE` is never a partial backup.
pub struct BackupWriter {
    out: BufWriter<File>,
    hash: Context,
    tmp: PathBuf,
    path: PathBuf,
    bytes: u64,
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> FileError + '_ {
    move |source| FileError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// `FILE.tmp` beside `FILE`.
pub fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".tmp");
    PathBuf::from(name)
}

impl BackupWriter {
    pub fn create(path: &Path, header: &BackupHeader) -> Result<BackupWriter, FileError> {
        let tmp = tmp_path(path);
        let file = File::create(&tmp).map_err(io_error(&tmp))?;
        let mut writer = BackupWriter {
            out: BufWriter::with_capacity(1 << 20, file),
            hash: Context::new(&SHA256),
            tmp,
            path: path.to_path_buf(),
            bytes: 0,
        };
        let mut head = Vec::with_capacity(RECORDS_OFFSET);
        head.extend_from_slice(&MAGIC);
        head.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
        head.extend_from_slice(&encode(|w| header.write(w)));
        debug_assert_eq!(head.len(), RECORDS_OFFSET);
        writer.write(&head)?;
        Ok(writer)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), FileError> {
        self.hash.update(bytes);
        self.bytes += bytes.len() as u64;
        self.out.write_all(bytes).map_err(io_error(&self.tmp))
    }

    fn record(&mut self, kind: u8, body: &[u8]) -> Result<(), FileError> {
        assert!(body.len() <= RECORD_LEN_MAX, "a record fits a frame");
        let mut head = [0u8; RECORD_HEAD_LEN];
        head[0] = kind;
        head[1..].copy_from_slice(&(body.len() as u32).to_be_bytes());
        self.write(&head)?;
        self.write(body)
    }

    /// The next part, a RAFT_SNAPSHOT_PART body as the node sent it.
    pub fn part(&mut self, part: &[u8]) -> Result<(), FileError> {
        self.record(RECORD_PART, part)
    }

    /// Writes the end and the checksum, makes the file durable and gives it
    /// its name. Returns its size and SHA-256 (hex).
    pub fn finish(mut self, end: &BackupEnd) -> Result<(u64, String), FileError> {
        self.record(RECORD_END, &encode(|w| end.write(w)))?;
        let sum = self.hash.clone().finish();
        self.out
            .write_all(sum.as_ref())
            .map_err(io_error(&self.tmp))?;
        let size = self.bytes + CHECKSUM_LEN as u64;
        let file = self
            .out
            .into_inner()
            .map_err(|e| io_error(&self.tmp)(e.into_error()))?;
        file.sync_all().map_err(io_error(&self.tmp))?;
        drop(file);
        std::fs::rename(&self.tmp, &self.path).map_err(io_error(&self.path))?;
        // The rename is durable once the directory is.
        let dir = match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(io_error(&dir))?;
        Ok((size, hex(sum.as_ref())))
    }

    /// Gives up: the partial `FILE.tmp` goes.
    pub fn discard(self) {
        let tmp = self.tmp.clone();
        drop(self);
        let _ = std::fs::remove_file(tmp);
    }
}

fn encode(write: impl FnOnce(&mut Writer)) -> Vec<u8> {
    crate::cluster::codec::encode(write)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a checked file holds.
#[derive(Debug, Clone)]
pub struct Verified {
    pub header: BackupHeader,
    pub end: BackupEnd,
    pub bytes: u64,
    pub sha256: String,
}

/// Reads a file's records in order, hashing every byte it reads.
struct RecordReader {
    input: BufReader<File>,
    hash: Context,
    offset: u64,
    path: String,
}

impl RecordReader {
    fn open(path: &Path) -> Result<RecordReader, FileError> {
        let file = File::open(path).map_err(io_error(path))?;
        Ok(RecordReader {
            input: BufReader::with_capacity(1 << 20, file),
            hash: Context::new(&SHA256),
            offset: 0,
            path: path.display().to_string(),
        })
    }

    /// Exactly `buf.len()` bytes, or Truncated naming what was being read.
    fn fill(
        &mut self,
        buf: &mut [u8],
        inside: &'static str,
        hashed: bool,
    ) -> Result<(), FileError> {
        let mut filled = 0;
        while filled < buf.len() {
            match self.input.read(&mut buf[filled..]) {
                Ok(0) => {
                    return Err(FileError::Truncated {
                        path: self.path.clone(),
                        bytes: self.offset + filled as u64,
                        inside,
                    })
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(FileError::Io {
                        path: self.path.clone(),
                        source,
                    })
                }
            }
        }
        if hashed {
            self.hash.update(buf);
        }
        self.offset += buf.len() as u64;
        Ok(())
    }

    fn damaged(&self, offset: u64, what: String) -> FileError {
        FileError::Damaged {
            path: self.path.clone(),
            offset,
            what,
        }
    }

    /// The magic, the version and the header.
    fn header(&mut self) -> Result<BackupHeader, FileError> {
        let mut head = [0u8; RECORDS_OFFSET];
        self.fill(&mut head[..VERSION_OFFSET], "the magic", true)?;
        if head[..VERSION_OFFSET] != MAGIC {
            return Err(FileError::NotABackup(self.path.clone()));
        }
        self.fill(
            &mut head[VERSION_OFFSET..HEADER_OFFSET],
            "the format version",
            true,
        )?;
        let found = u16::from_be_bytes([head[VERSION_OFFSET], head[VERSION_OFFSET + 1]]);
        if found != FORMAT_VERSION {
            return Err(FileError::UnknownVersion {
                path: self.path.clone(),
                found,
            });
        }
        self.fill(&mut head[HEADER_OFFSET..], "the header", true)?;
        BackupHeader::read(&mut Reader::new(&head[HEADER_OFFSET..]))
            .map_err(|e| self.damaged(HEADER_OFFSET as u64, e.to_string()))
    }

    /// The next record: its kind, its body and where it starts.
    fn record(&mut self) -> Result<(u8, Vec<u8>, u64), FileError> {
        let at = self.offset;
        let mut head = [0u8; RECORD_HEAD_LEN];
        self.fill(&mut head, "a record's kind and length", true)?;
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        if !matches!(head[0], RECORD_PART | RECORD_END) || len > RECORD_LEN_MAX {
            return Err(self.damaged(at, format!("a record of kind {} and {len} bytes", head[0])));
        }
        let mut body = vec![0u8; len];
        let inside = if head[0] == RECORD_PART {
            "a part"
        } else {
            "the end"
        };
        self.fill(&mut body, inside, true)?;
        Ok((head[0], body, at))
    }
}

/// Checks a whole file without writing anything: the magic and version,
/// every record's layout, each part's sequence and CRC-32, the end (the
/// count of parts), the SHA-256, and that nothing follows it. Damage that
/// breaks the layout is reported as the checksum mismatch it also is,
/// unless the file simply ends early (Truncated).
pub fn verify(path: &Path) -> Result<Verified, FileError> {
    let mut reader = RecordReader::open(path)?;
    let header = reader.header()?;
    let walked = walk(&mut reader, |_| Ok::<(), FileError>(()));
    let end = match walked {
        Ok(end) => end,
        Err(damaged @ FileError::Damaged { .. }) => {
            return Err(mismatch_at_end(path, &reader.path, damaged))
        }
        Err(e) => return Err(e),
    };
    let computed = reader.hash.clone().finish();
    let mut stored = [0u8; CHECKSUM_LEN];
    reader.fill(&mut stored, "the checksum", false)?;
    if stored != computed.as_ref() {
        return Err(FileError::ChecksumMismatch {
            path: reader.path,
            stored: hex(&stored),
            computed: hex(computed.as_ref()),
        });
    }
    let mut extra = [0u8; 1];
    if reader.input.read(&mut extra).map_err(io_error(path))? != 0 {
        return Err(reader.damaged(reader.offset, "bytes after the checksum".into()));
    }
    if end.lsn != header.lsn {
        return Err(reader.damaged(
            reader.offset,
            format!(
                "the end is at LSN {}, the header at LSN {}",
                end.lsn, header.lsn
            ),
        ));
    }
    Ok(Verified {
        header,
        end,
        bytes: reader.offset,
        sha256: hex(&stored),
    })
}

/// The layout broke: hash the file as stored (all but its last 32 bytes)
/// and report the mismatch, which is what it is to someone who checks it
/// with `sha256sum`; `damaged` if the sums agree (a file written wrong).
fn mismatch_at_end(path: &Path, path_text: &str, damaged: FileError) -> FileError {
    match sums_as_stored(path) {
        Ok((stored, computed)) if stored != computed => FileError::ChecksumMismatch {
            path: path_text.to_string(),
            stored,
            computed,
        },
        Ok(_) => damaged,
        Err(source) => FileError::Io {
            path: path_text.to_string(),
            source,
        },
    }
}

/// The SHA-256 a file ends with, and the one of every byte before it (hex).
fn sums_as_stored(path: &Path) -> std::io::Result<(String, String)> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let hashed = len.saturating_sub(CHECKSUM_LEN as u64);
    let mut hash = Context::new(&SHA256);
    let mut input = BufReader::with_capacity(1 << 20, (&mut file).take(hashed));
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        hash.update(chunk);
        let n = chunk.len();
        input.consume(n);
    }
    drop(input);
    let mut stored = Vec::new();
    file.read_to_end(&mut stored)?;
    Ok((hex(&stored), hex(hash.finish().as_ref())))
}

/// Reads every record after the header, hands each part to `each`, checks
/// the sequence and CRCs and returns the end.
fn walk<E: From<FileError>>(
    reader: &mut RecordReader,
    mut each: impl FnMut(Part) -> Result<(), E>,
) -> Result<BackupEnd, E> {
    let mut next_seq = 0u32;
    loop {
        let (kind, body, at) = reader.record()?;
        if kind == RECORD_END {
            let end = BackupEnd::read(&mut Reader::new(&body))
                .map_err(|e| reader.damaged(at, format!("the end: {e}")))?;
            if end.parts != next_seq {
                return Err(reader
                    .damaged(
                        at,
                        format!(
                            "the end counts {} parts, the file has {next_seq}",
                            end.parts
                        ),
                    )
                    .into());
            }
            return Ok(end);
        }
        let part = Part::read(&mut Reader::new(&body))
            .map_err(|e| reader.damaged(at, format!("part {next_seq}: {e}")))?;
        if part.seq != next_seq {
            return Err(reader
                .damaged(
                    at,
                    format!("part {} where part {next_seq} belongs", part.seq),
                )
                .into());
        }
        if crc32fast::hash(&part.data) != part.crc {
            return Err(reader
                .damaged(at, format!("part {next_seq} fails its CRC-32"))
                .into());
        }
        next_seq += 1;
        each(part)?;
    }
}

/// Hands every part of a file `verify` passed to `each`, in order.
pub fn for_each_part<E: From<FileError>>(
    path: &Path,
    each: impl FnMut(Part) -> Result<(), E>,
) -> Result<BackupEnd, E> {
    let mut reader = RecordReader::open(path)?;
    reader.header()?;
    walk(&mut reader, each)
}
