//! Rebuilding the state at start: coupon definitions from their table, the
//! latest checkpoint, then every log record after the checkpoint's LSN. A
//! backup's digest is computed from a state rebuilt the same way from the
//! snapshot it streams (`recover_snapshot`).

use std::time::Instant;

use crate::state::{LogRecord, State};
use crate::storage::{write_keys, CheckpointInfo, ReadView, SnapshotSource, StorageError, Store};

/// Hands every chunk of a checkpoint to the callback, in order.
type ChunkReader<'a> = &'a dyn Fn(
    &CheckpointInfo,
    &mut dyn FnMut(&[u8]) -> Result<(), StorageError>,
) -> Result<(), StorageError>;

/// What recovery found and how long each step took, for the log. The
/// definitions and the checkpoint load at the same time, so their times
/// overlap; the replay follows both.
#[derive(Debug, Clone, Copy)]
pub struct Recovered {
    pub checkpoint_lsn: u64,
    pub replayed_records: u64,
    pub last_lsn: u64,
    pub definitions_ms: u64,
    pub checkpoint_ms: u64,
    pub replay_ms: u64,
}

pub fn recover(store: &Store) -> Result<(State, Recovered), StorageError> {
    let view = store.read()?;
    let checkpoint = store.checkpoint_info()?;
    recover_from(&view, checkpoint, &|info, f| {
        store.checkpoint_chunks(info, f)
    })
}

/// The state as of a snapshot's LSN, rebuilt from the snapshot's own
/// transactions as `recover` rebuilds a store's (a second copy of the
/// state in memory, for as long as the caller keeps it).
pub fn recover_snapshot(source: &SnapshotSource) -> Result<(State, Recovered), StorageError> {
    recover_from(source.view(), source.checkpoint_info(), &|_, f| {
        source.for_each_chunk(f)
    })
}

fn recover_from(
    view: &ReadView,
    checkpoint: Option<CheckpointInfo>,
    chunks: ChunkReader,
) -> Result<(State, Recovered), StorageError> {
    let clock_ms = i64::try_from(view.meta(write_keys::CLOCK_MS)?).unwrap_or(0);
    let state = State::new(secret(view)?, clock_ms);
    let checkpoint_lsn = checkpoint.map_or(0, |c| c.start_lsn);
    // The definitions and the checkpoint fill disjoint parts of the state
    // (definitions, codes, campaigns and reversals; counters, indexes and
    // analytics), so they load at once: together they are most of a restart.
    // Neither reads what the other fills (see `load_definitions`).
    let (definitions_ms, checkpoint_ms) = std::thread::scope(|scope| {
        let definitions = scope.spawn(|| load_definitions(view, &state));
        let started = Instant::now();
        let restored = match checkpoint {
            Some(info) => restore_checkpoint(chunks, &info, &state),
            None => Ok(()),
        };
        let checkpoint_ms = started.elapsed().as_millis() as u64;
        let definitions = definitions
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        // A bad row is reported before a bad chunk, as when they loaded in turn.
        definitions.and_then(|ms| restored.map(|()| (ms, checkpoint_ms)))
    })?;
    if checkpoint.is_some() {
        state.finish_restore();
    }
    state.set_applied_lsn(checkpoint_lsn);

    let started = Instant::now();
    let mut after = checkpoint_lsn;
    let mut replayed = 0;
    loop {
        let page = view.log_after(after, 10_000)?;
        if page.is_empty() {
            break;
        }
        for (lsn, raw) in page {
            if lsn != after + 1 {
                return Err(StorageError::Corrupt {
                    table: "log",
                    key: lsn.to_string(),
                    reason: format!("gap: record {lsn} follows {after}"),
                });
            }
            let record = LogRecord::decode(&raw).map_err(|e| StorageError::Corrupt {
                table: "log",
                key: lsn.to_string(),
                reason: e.to_string(),
            })?;
            state.apply_record(&record);
            after = lsn;
            replayed += 1;
        }
    }
    let last_lsn = view.meta(write_keys::LAST_LSN)?;
    if last_lsn != after && !(replayed == 0 && last_lsn <= checkpoint_lsn) {
        return Err(StorageError::Corrupt {
            table: "log",
            key: after.to_string(),
            reason: format!("log ends at {after} but the last committed LSN is {last_lsn}"),
        });
    }
    state.set_applied_lsn(last_lsn.max(after));
    state.raise_next_ids(
        view.meta(write_keys::NEXT_COUPON_ID)?,
        view.last_redemption_id()? + 1,
        view.meta(write_keys::NEXT_CAMPAIGN_ID)?,
    );
    let recovered = Recovered {
        checkpoint_lsn,
        replayed_records: replayed,
        last_lsn: state.applied_lsn(),
        definitions_ms,
        checkpoint_ms,
        replay_ms: started.elapsed().as_millis() as u64,
    };
    Ok((state, recovered))
}

/// Loads the coupon and campaign definitions, generated codes and reversals
/// from their tables; returns how long it took. It runs while the checkpoint
/// loads, so it must not read or write what a checkpoint chunk restores
/// (`State::restore_chunk`), nor the checkpoint what this fills.
fn load_definitions(view: &ReadView, state: &State) -> Result<u64, StorageError> {
    let started = Instant::now();
    view.for_each_coupon(|def| state.put_def(def))?;
    view.for_each_campaign(|def| state.put_campaign(def))?;
    load_codes(view, state)?;
    view.for_each_reversal(|r| state.put_reversal(r))?;
    Ok(started.elapsed().as_millis() as u64)
}

/// Loads the generated codes, a run of one campaign's chunk at a time (and
/// with them the customers' codes of PERSONALIZED campaigns).
fn load_codes(view: &ReadView, state: &State) -> Result<(), StorageError> {
    type Run = Vec<(u64, Box<str>, Box<str>)>;
    let mut run: Run = Vec::new();
    let mut run_of = (0, 0);
    let flush = |(campaign, issued_at): (u64, i64), run: &mut Run| {
        state.put_codes(
            campaign,
            issued_at,
            run.iter()
                .map(|(id, code, customer)| (*id, &**code, &**customer)),
        );
        run.clear();
    };
    view.for_each_code(|id, generated| {
        let of = (generated.campaign_id, generated.issued_at);
        if of != run_of || run.len() >= 65_536 {
            flush(run_of, &mut run);
            run_of = of;
        }
        run.push((id, generated.code, generated.customer_id));
    })?;
    flush(run_of, &mut run);
    Ok(())
}

/// Loads the checkpoint's chunks into the state, decoding on every core while
/// this thread reads them from the file.
fn restore_checkpoint(
    chunks_of: ChunkReader,
    info: &CheckpointInfo,
    state: &State,
) -> Result<(), StorageError> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    let failure: std::sync::Mutex<Option<StorageError>> = std::sync::Mutex::new(None);
    let (chunks, incoming) = std::sync::mpsc::sync_channel::<Vec<u8>>(workers * 2);
    let incoming = std::sync::Mutex::new(incoming);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let next = incoming.lock().map(|rx| rx.recv());
                let Ok(Ok(raw)) = next else { return };
                if let Err(e) = state.restore_chunk(&raw) {
                    let mut f = failure.lock().unwrap_or_else(|e| e.into_inner());
                    f.get_or_insert(StorageError::Corrupt {
                        table: "chunks",
                        key: format!("checkpoint {}", info.id),
                        reason: e.to_string(),
                    });
                }
            });
        }
        let read = chunks_of(info, &mut |raw| {
            chunks
                .send(raw.to_vec())
                .map_err(|_| StorageError::Corrupt {
                    table: "chunks",
                    key: format!("checkpoint {}", info.id),
                    reason: "loader stopped".into(),
                })
        });
        drop(chunks);
        if let Err(e) = read {
            failure
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_or_insert(e);
        }
    });
    match failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The store's key secret, if it has one yet (the first leader chooses it:
/// see `state::Effect::KeySecret`).
fn secret(view: &ReadView) -> Result<Option<[u8; 16]>, StorageError> {
    let (low, high) = (
        view.meta(write_keys::SECRET_LOW)?,
        view.meta(write_keys::SECRET_HIGH)?,
    );
    if low == 0 && high == 0 {
        return Ok(None);
    }
    let mut secret = [0u8; 16];
    secret[..8].copy_from_slice(&low.to_le_bytes());
    secret[8..].copy_from_slice(&high.to_le_bytes());
    Ok(Some(secret))
}
