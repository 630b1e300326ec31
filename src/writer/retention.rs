//! How much of the log is kept. A record may be dropped once a durable
//! checkpoint covers it (restart no longer needs it) and it is more than
//! `retention` records behind the last LSN (a follower that reconnects within
//! that distance resumes from the log instead of taking a snapshot).

/// Decides, commit by commit, through which LSN the log can be cut.
pub struct Retention {
    retention: u64,
    checkpoint_lsn: u64,
    cut_through: u64,
}

/// Cutting is a range delete; doing it in steps of at least this many records
/// keeps it off most commits.
const CUT_STEP: u64 = 1024;

impl Retention {
    pub fn new(retention: u64, checkpoint_lsn: u64) -> Retention {
        Retention {
            retention,
            checkpoint_lsn,
            cut_through: 0,
        }
    }

    /// A checkpoint as of `lsn` is durable.
    pub fn checkpointed(&mut self, lsn: u64) {
        self.checkpoint_lsn = self.checkpoint_lsn.max(lsn);
    }

    /// Through which LSN to cut the log in a commit whose last LSN will be
    /// `last_lsn`, if it is time to. Call `cut` once that commit is durable.
    pub fn due(&self, last_lsn: u64) -> Option<u64> {
        let target = self
            .checkpoint_lsn
            .min(last_lsn.saturating_sub(self.retention));
        (target >= self.cut_through + CUT_STEP).then_some(target)
    }

    pub fn cut(&mut self, through: u64) {
        self.cut_through = self.cut_through.max(through);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_what_the_checkpoint_or_the_window_needs() {
        let mut r = Retention::new(10_000, 0);
        // Nothing checkpointed: everything is kept.
        assert_eq!(r.due(1_000_000), None);
        r.checkpointed(500_000);
        assert_eq!(r.due(1_000_000), Some(500_000));
        r.cut(500_000);
        assert_eq!(r.due(1_000_000), None);
        r.checkpointed(2_000_000);
        // The window: the last 10,000 records stay.
        assert_eq!(r.due(1_020_000), Some(1_010_000));
        r.cut(1_010_000);
        assert_eq!(
            r.due(1_020_500),
            None,
            "less than a step since the last cut"
        );
        assert_eq!(r.due(1_021_024), Some(1_011_024));
    }
}
