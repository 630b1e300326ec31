//! `couponsd restore`: a backup file into a data directory, offline.
//!
//! The file is checked whole first (`file::verify`: checksum, layout, every
//! part), then the target is checked (empty, or `--force`), and only then
//! is anything written: the parts go through the code that installs a
//! snapshot a node receives (`cluster::snapshot::Receiver` into a staging
//! store, then `StagedSnapshot::install`), with one step more: the copy
//! forgets the Raft position it was taken at, so its first start makes it a
//! new cluster of one at that state (see `StagedSnapshot::forget_raft_position`).

use std::path::Path;

use couponsd_client::wire::{BackupEnd, BackupHeader};

use super::file::{self, FileError};
use crate::cluster::snapshot::{End, Receiver};
use crate::error::Error;
use crate::storage::{self, StorageError};

/// Why a restore did not happen, each with its exit status.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{0} is not empty: restore into an empty or new directory, or give --force to replace the store in it")]
    NotEmpty(String),
    #[error("{dir}: {source}")]
    Target { dir: String, source: std::io::Error },
    #[error("writing the store: {0}")]
    Store(#[from] Error),
}

impl From<StorageError> for RestoreError {
    fn from(e: StorageError) -> Self {
        RestoreError::Store(Error::Storage(e))
    }
}

impl RestoreError {
    /// 3 truncated; 4 damaged (checksum mismatch, a broken layout); 5 not a
    /// backup this build reads (magic, version); 6 the target is not
    /// empty; 1 anything else (I/O, the store).
    pub fn exit_code(&self) -> u8 {
        match self {
            RestoreError::File(FileError::Truncated { .. }) => 3,
            RestoreError::File(FileError::ChecksumMismatch { .. } | FileError::Damaged { .. }) => 4,
            RestoreError::File(FileError::NotABackup(_) | FileError::UnknownVersion { .. }) => 5,
            RestoreError::NotEmpty(_) => 6,
            RestoreError::File(FileError::Io { .. })
            | RestoreError::Target { .. }
            | RestoreError::Store(_) => 1,
        }
    }

    /// The error's name in `--json` output.
    pub fn kind(&self) -> &'static str {
        match self {
            RestoreError::File(FileError::Truncated { .. }) => "truncated",
            RestoreError::File(FileError::ChecksumMismatch { .. }) => "checksum_mismatch",
            RestoreError::File(FileError::Damaged { .. }) => "damaged",
            RestoreError::File(FileError::NotABackup(_)) => "not_a_backup",
            RestoreError::File(FileError::UnknownVersion { .. }) => "unknown_version",
            RestoreError::NotEmpty(_) => "not_empty",
            RestoreError::File(FileError::Io { .. }) | RestoreError::Target { .. } => "io",
            RestoreError::Store(_) => "store",
        }
    }
}

/// What was restored.
#[derive(Debug, Clone)]
pub struct Restored {
    pub header: BackupHeader,
    pub end: BackupEnd,
    pub sha256: String,
}

/// Restores `backup` into `dir` (created if missing). `force` replaces a
/// stopped store already there.
pub fn restore(backup: &Path, dir: &Path, force: bool) -> Result<Restored, RestoreError> {
    let verified = file::verify(backup)?;
    prepare(dir, force)?;
    // A new store: its first start binds it a new id (`Staging` with id 0).
    let mut receiver = Receiver::begin(dir, 0)?;
    let end = file::for_each_part(backup, |part| {
        receiver.part(part).map_err(RestoreError::from)
    })?;
    assert_eq!(end, verified.end, "the file did not change between reads");
    let staged = receiver.finish(End {
        parts: end.parts,
        checkpoint_lsn: end.checkpoint_lsn,
        lsn: end.lsn,
    })?;
    staged.forget_raft_position()?;
    staged.install(dir)?;
    Ok(Restored {
        header: verified.header,
        end,
        sha256: verified.sha256,
    })
}

/// The target: created if missing; empty, or with `force` emptied of a
/// stopped store (other files in it stay).
fn prepare(dir: &Path, force: bool) -> Result<(), RestoreError> {
    let target = |source| RestoreError::Target {
        dir: dir.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(target)?;
    let occupied = std::fs::read_dir(dir).map_err(target)?.next().is_some();
    if !occupied {
        return Ok(());
    }
    if !force {
        return Err(RestoreError::NotEmpty(dir.display().to_string()));
    }
    storage::remove_store(dir)?;
    Ok(())
}
