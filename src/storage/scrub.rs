//! Scrubbing a whole store offline (`couponsd verify`): the three files
//! opened read-only, every row checked against its checksum and decoded,
//! every log record, checkpoint chunk and Raft entry checked by the code
//! that lays it out (given by the caller: `Checkers`), and the binding of
//! the three files checked (`binding::check`). Every problem is reported,
//! not just the first.

use std::path::Path;

use redb::{Builder, DatabaseError, ReadTransaction, ReadableDatabase, TableHandle};

use super::binding::{self, CheckpointFacts, DataFacts, Facts, Present, RaftFacts, StoreFile};
use super::read::{ReadView, RowTable};
use super::records::{self, LegacyRows};
use super::{checkpoints, raft_log, StorageError};

/// Checks a stored thing laid out outside `storage`; Err says what is wrong.
pub type Check<'a> = &'a dyn Fn(&[u8]) -> Result<(), String>;

/// The checks of what `storage` stores opaque.
pub struct Checkers<'a> {
    /// Reads the index of an encoded optional Raft log id.
    pub read_index: binding::ReadIndex<'a>,
    /// A record of the data file's log.
    pub log_record: Check<'a>,
    /// A chunk of the checkpoint file.
    pub checkpoint_chunk: Check<'a>,
    /// An entry of the Raft log file.
    pub raft_entry: Check<'a>,
}

/// How many entries of one table were read, and how many were bad.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TableCount {
    pub file: &'static str,
    pub table: &'static str,
    pub entries: u64,
    pub bad: u64,
}

/// One problem: in a file, maybe at a table's key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub file: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub problem: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.table, &self.key) {
            (Some(table), Some(key)) => {
                write!(f, "{}: {table}, key {key}: {}", self.file, self.problem)
            }
            (Some(table), None) => write!(f, "{}: {table}: {}", self.file, self.problem),
            _ => write!(f, "{}: {}", self.file, self.problem),
        }
    }
}

/// What a scrub found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Report {
    /// 0: the store is not bound yet (from before store ids, never started since).
    pub store_id: u64,
    pub tables: Vec<TableCount>,
    /// Rows from before checksums in a store not bound yet: read and decoded,
    /// but without a checksum to check (the next start rewrites them).
    pub rows_without_checksum: u64,
    pub problems: Vec<Finding>,
}

impl Report {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    fn problem(
        &mut self,
        file: StoreFile,
        table: Option<&'static str>,
        key: Option<String>,
        problem: String,
    ) {
        self.problems.push(Finding {
            file: file.name(),
            table,
            key,
            problem,
        });
    }

    /// A storage error met while reading: a finding at its table and key
    /// when it is corruption.
    fn failed(&mut self, file: StoreFile, e: StorageError) {
        match e {
            StorageError::Corrupt { table, key, reason } => {
                self.problem(file, Some(table), Some(key), reason)
            }
            other => self.problem(file, None, None, other.to_string()),
        }
    }
}

/// Why a scrub could not run at all (as opposed to finding problems).
#[derive(Debug, thiserror::Error)]
pub enum ScrubError {
    #[error("{0} is not a directory")]
    NotADirectory(String),
    #[error("{file} is open in a running server: stop it first (verify reads the store offline)")]
    InUse { file: &'static str },
    #[error(
        "{file} was not closed cleanly (a crash or kill -9): start couponsd on it once, so \
         that it recovers, stop it, then verify"
    )]
    NeedsRecovery { file: &'static str },
}

/// Scrubs the store in `dir`, read-only.
pub fn scrub(dir: &Path, checkers: &Checkers) -> Result<Report, ScrubError> {
    if !dir.is_dir() {
        return Err(ScrubError::NotADirectory(dir.display().to_string()));
    }
    let mut report = Report::default();
    let present = Present::in_dir(dir);
    let mut facts = Facts {
        present,
        data: DataFacts::default(),
        checkpoint: CheckpointFacts::default(),
        raft: RaftFacts::default(),
    };
    if let Some(txn) = open(dir, StoreFile::Data, &mut report)? {
        facts.data = scrub_data(txn, checkers, &mut report);
    }
    if let Some(txn) = open(dir, StoreFile::Checkpoint, &mut report)? {
        facts.checkpoint = scrub_checkpoint(dir, &txn, checkers, &mut report);
    }
    if let Some(txn) = open(dir, StoreFile::Raft, &mut report)? {
        facts.raft = scrub_raft(dir, &txn, checkers, &mut report);
    }
    // The data file's id, else a sibling's (the data file may be missing).
    report.store_id = [
        facts.data.store_id,
        facts.checkpoint.store_id,
        facts.raft.store_id,
    ]
    .into_iter()
    .find(|id| *id != 0)
    .unwrap_or(0);
    if let Err(problems) = binding::check(&facts) {
        for p in problems {
            report.problem(p.file(), None, None, p.to_string());
        }
    }
    Ok(report)
}

/// A read transaction on one of the files, None when it is missing or
/// cannot be opened (a finding).
fn open(
    dir: &Path,
    file: StoreFile,
    report: &mut Report,
) -> Result<Option<ReadTransaction>, ScrubError> {
    let path = dir.join(file.name());
    if !path.exists() {
        // `binding::check` names it, if the store needs it.
        return Ok(None);
    }
    let db = match Builder::new().open_read_only(&path) {
        Ok(db) => db,
        Err(DatabaseError::DatabaseAlreadyOpen) => {
            return Err(ScrubError::InUse { file: file.name() })
        }
        Err(DatabaseError::RepairAborted) => {
            return Err(ScrubError::NeedsRecovery { file: file.name() })
        }
        Err(e) => {
            report.problem(
                file,
                None,
                None,
                format!("cannot be read as a store file: {e}"),
            );
            return Ok(None);
        }
    };
    match db.begin_read() {
        Ok(txn) => Ok(Some(txn)),
        Err(e) => {
            report.problem(file, None, None, format!("cannot be read: {e}"));
            Ok(None)
        }
    }
}

fn has_table(txn: &ReadTransaction, name: &str) -> bool {
    txn.list_tables()
        .map(|mut tables| tables.any(|t| t.name() == name))
        .unwrap_or(false)
}

fn scrub_data(txn: ReadTransaction, checkers: &Checkers, report: &mut Report) -> DataFacts {
    let file = StoreFile::Data;
    let bound = binding::read_binding(&txn, binding::keys::STORE_ID).unwrap_or(0) != 0;
    // In a bound store a row without a checksum is a finding (corrupt).
    let legacy = if bound {
        LegacyRows::Corrupt
    } else {
        LegacyRows::Readable
    };
    let view = ReadView::new(txn, legacy);
    for table in RowTable::ALL {
        let mut count = TableCount {
            file: file.name(),
            table: table.name(),
            entries: 0,
            bad: 0,
        };
        if has_table(view.txn(), table.name()) {
            let walked = view.walk(table, |key, raw| {
                count.entries += 1;
                if !bound && !records::is_current(raw) {
                    report.rows_without_checksum += 1;
                }
                if let Err(e) = records::check_decodes(table, key, raw, legacy) {
                    count.bad += 1;
                    report.failed(file, e);
                }
                Ok(())
            });
            if let Err(e) = walked {
                report.failed(file, e);
            }
        }
        report.tables.push(count);
    }
    let mut log = TableCount {
        file: file.name(),
        table: "log",
        entries: 0,
        bad: 0,
    };
    let mut previous: Option<u64> = None;
    let walked = view.for_each_log_after(0, usize::MAX, |lsn, raw| {
        log.entries += 1;
        let mut bad = (checkers.log_record)(raw).err();
        if let Some(prev) = previous.filter(|p| lsn != p + 1) {
            bad.get_or_insert(format!("gap: record {lsn} follows {prev}"));
        }
        if let Some(problem) = bad {
            log.bad += 1;
            report.problem(file, Some("log"), Some(lsn.to_string()), problem);
        }
        previous = Some(lsn);
        true
    });
    if let Err(e) = walked {
        report.failed(file, e);
    }
    report.tables.push(log);
    match binding::data_facts(&view, checkers.read_index) {
        Ok(facts) => facts,
        Err(e) => {
            report.failed(file, e);
            DataFacts::default()
        }
    }
}

fn scrub_checkpoint(
    dir: &Path,
    txn: &ReadTransaction,
    checkers: &Checkers,
    report: &mut Report,
) -> CheckpointFacts {
    let file = StoreFile::Checkpoint;
    let mut count = TableCount {
        file: file.name(),
        table: "chunks",
        entries: 0,
        bad: 0,
    };
    let latest = checkpoints::latest_in(txn);
    if let Ok(Some(info)) = &latest {
        let key = format!("checkpoint {}", info.id);
        let walked = checkpoints::chunks_in(dir, txn, info, |raw| {
            count.entries += 1;
            if let Err(problem) = (checkers.checkpoint_chunk)(raw) {
                count.bad += 1;
                report.problem(
                    file,
                    Some("chunks"),
                    Some(format!("{key}, chunk {}", count.entries - 1)),
                    problem,
                );
            }
            Ok(())
        });
        if let Err(e) = walked {
            report.failed(file, e);
        }
    }
    report.tables.push(count);
    match binding::checkpoint_facts(txn) {
        Ok(facts) => facts,
        Err(e) => {
            report.failed(file, e);
            CheckpointFacts::default()
        }
    }
}

fn scrub_raft(
    dir: &Path,
    txn: &ReadTransaction,
    checkers: &Checkers,
    report: &mut Report,
) -> RaftFacts {
    let file = StoreFile::Raft;
    let mut count = TableCount {
        file: raft_log::SEGMENTS_DIR,
        table: "raft_entries",
        entries: 0,
        bad: 0,
    };
    let mut problems = Vec::new();
    let walked = raft_log::for_each_entry_in(dir, txn, |index, raw| {
        count.entries += 1;
        if let Err(problem) = (checkers.raft_entry)(raw) {
            count.bad += 1;
            problems.push((index, problem));
        }
    });
    for (index, problem) in problems {
        report.problem(file, Some("raft_entries"), Some(index.to_string()), problem);
    }
    let last_index = match walked {
        Ok(last) => last,
        Err(e) => {
            report.failed(file, e);
            None
        }
    };
    report.tables.push(count);
    match raft_log::facts_in(txn, checkers.read_index, last_index) {
        Ok(facts) => facts,
        Err(e) => {
            report.failed(file, e);
            RaftFacts::default()
        }
    }
}
