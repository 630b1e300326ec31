//! Pacing the next attempt of a write that failed with an I/O error: wait
//! with exponential backoff, and while the data directory clearly has no
//! room (a scratch file of `PROBE_BYTES` cannot be written), do not try the
//! real write at all. A real attempt that fails costs a reopen of its file
//! (redb verifies the file on open, seconds for gigabytes) and makes the
//! file unreadable for that long; the probe costs a few milliseconds. At
//! least every `FORCED_ATTEMPT` the real write is tried anyway, in case it
//! needs less room than the probe.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The first wait after a failure; doubled after each one.
const FIRST_DELAY: Duration = Duration::from_millis(50);
/// The longest wait between two attempts.
const MAX_DELAY: Duration = Duration::from_secs(2);
/// Room the probe asks for: more than one batch of the log needs.
const PROBE_BYTES: usize = 4 << 20;
/// The real write is tried at least this often, whatever the probe says.
const FORCED_ATTEMPT: Duration = Duration::from_secs(30);
/// The probe's scratch file, in the data directory.
const PROBE_FILE: &str = ".space-probe";

/// Exponential backoff: 50 ms, 100 ms, ... up to 2 s.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { next: FIRST_DELAY }
    }
}

impl Backoff {
    /// The wait before the next attempt (each call doubles the one after).
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(MAX_DELAY);
        delay
    }
}

/// Paces the attempts of one write that keeps failing.
pub struct Retry {
    dir: PathBuf,
    backoff: Backoff,
    last_attempt: Instant,
}

impl Retry {
    /// After a failed attempt of a write of a file in `dir`.
    pub fn new(dir: &Path) -> Retry {
        Retry {
            dir: dir.to_path_buf(),
            backoff: Backoff::default(),
            last_attempt: Instant::now(),
        }
    }

    /// Blocks until the next attempt is due: after the backoff, once the
    /// probe finds room (or the forced interval passed).
    pub fn pause(&mut self) {
        loop {
            std::thread::sleep(self.backoff.next_delay());
            if self.last_attempt.elapsed() >= FORCED_ATTEMPT || has_room(&self.dir) {
                self.last_attempt = Instant::now();
                return;
            }
        }
    }
}

/// Runs `op` until it does not fail with an I/O error, pacing the attempts
/// with a `Retry` on `dir`. For writes whose failure must not be given up
/// on (the Raft log, the state machine): any other error is returned.
pub fn until_done<T>(dir: &Path, mut op: impl FnMut() -> super::Result<T>) -> super::Result<T> {
    let mut retry: Option<Retry> = None;
    loop {
        match op() {
            Err(e) if e.is_unavailable() => retry.get_or_insert_with(|| Retry::new(dir)).pause(),
            result => return result,
        }
    }
}

/// Whether `PROBE_BYTES` can be written (and synced) in `dir` now.
pub fn has_room(dir: &Path) -> bool {
    let path = dir.join(PROBE_FILE);
    let written = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&path)?;
        let chunk = vec![0u8; 64 << 10];
        for _ in 0..PROBE_BYTES / chunk.len() {
            file.write_all(&chunk)?;
        }
        file.sync_data()
    })();
    let _ = std::fs::remove_file(&path);
    written.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_bound() {
        let mut b = Backoff::default();
        let delays: Vec<u64> = (0..8).map(|_| b.next_delay().as_millis() as u64).collect();
        assert_eq!(delays, vec![50, 100, 200, 400, 800, 1600, 2000, 2000]);
    }

    #[test]
    fn the_probe_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        assert!(has_room(dir.path()));
        assert!(!dir.path().join(PROBE_FILE).exists());
        assert!(!has_room(&dir.path().join("missing")));
    }
}
