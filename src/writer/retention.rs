//! How much of the log is kept. A record may be dropped once a durable
//! checkpoint covers it (restart no longer needs it), it is more than
//! `retention` records behind the last LSN (a follower that reconnects within
//! that distance resumes from the log instead of taking a snapshot), and no
//! enabled webhook endpoint still needs it, up to `webhook_lag_max` records
//! behind the last LSN (past that, the log is cut anyway and the endpoint is
//! disabled: `server::webhooks`, so one endpoint cannot hold the disk).

use crate::storage::LOG_CUT_SLICE;

/// Decides, commit by commit, through which LSN the log can be cut.
pub struct Retention {
    retention: u64,
    webhook_lag_max: u64,
    checkpoint_lsn: u64,
    /// The log holds no record at or below this LSN (as far as the cuts
    /// asked so far have gone: each drops at most `LOG_CUT_SLICE` records).
    cut_through: u64,
}

/// Cutting is a range delete; doing it in steps of at least this many records
/// keeps it off most commits.
const CUT_STEP: u64 = 1024;

impl Retention {
    /// `first_lsn`: the oldest record the log holds (0: none).
    pub fn new(
        retention: u64,
        webhook_lag_max: u64,
        checkpoint_lsn: u64,
        first_lsn: u64,
    ) -> Retention {
        Retention {
            retention,
            webhook_lag_max,
            checkpoint_lsn,
            cut_through: first_lsn.saturating_sub(1),
        }
    }

    /// A checkpoint as of `lsn` is durable.
    pub fn checkpointed(&mut self, lsn: u64) {
        self.checkpoint_lsn = self.checkpoint_lsn.max(lsn);
    }

    /// Through which LSN to cut the log in a commit whose last LSN will be
    /// `last_lsn`, if it is time to; `webhooks_need` is the oldest LSN an
    /// enabled webhook endpoint has yet to be sent (None: none). Call `cut`
    /// once that commit is durable.
    pub fn due(&self, last_lsn: u64, webhooks_need: Option<u64>) -> Option<u64> {
        let mut target = self
            .checkpoint_lsn
            .min(last_lsn.saturating_sub(self.retention));
        if let Some(needed) = webhooks_need {
            let held = needed
                .saturating_sub(1)
                .max(last_lsn.saturating_sub(self.webhook_lag_max));
            target = target.min(held);
        }
        (target >= self.cut_through + CUT_STEP).then_some(target)
    }

    /// A cut through `through` is durable: it dropped at most a slice, so
    /// what is left of it is due again at once.
    pub fn cut(&mut self, through: u64) {
        let reached = through.min(self.cut_through + LOG_CUT_SLICE as u64);
        self.cut_through = self.cut_through.max(reached);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cuts through `through` as the writer does: asking again until done.
    fn cut_all(r: &mut Retention, through: u64) {
        while r.cut_through < through {
            r.cut(through);
        }
    }

    #[test]
    fn keeps_what_the_checkpoint_or_the_window_needs() {
        let mut r = Retention::new(10_000, 5_000_000, 0, 0);
        // Nothing checkpointed: everything is kept.
        assert_eq!(r.due(1_000_000, None), None);
        r.checkpointed(500_000);
        assert_eq!(r.due(1_000_000, None), Some(500_000));
        cut_all(&mut r, 500_000);
        assert_eq!(r.due(1_000_000, None), None);
        r.checkpointed(2_000_000);
        // The window: the last 10,000 records stay.
        assert_eq!(r.due(1_020_000, None), Some(1_010_000));
        cut_all(&mut r, 1_010_000);
        assert_eq!(
            r.due(1_020_500, None),
            None,
            "less than a step since the last cut"
        );
        assert_eq!(r.due(1_021_024, None), Some(1_011_024));
    }

    #[test]
    fn a_large_cut_is_asked_again_until_it_is_done() {
        // A log from LSN 2,000,001 after a restart; a checkpoint covers
        // a hundred slices more.
        let through = 2_000_000 + 100 * LOG_CUT_SLICE as u64;
        let mut r = Retention::new(0, 5_000_000, 0, 2_000_001);
        r.checkpointed(through);
        let mut asked = 0;
        while let Some(cut) = r.due(through, None) {
            assert_eq!(cut, through);
            r.cut(cut);
            asked += 1;
        }
        assert_eq!(asked, 100);
        assert_eq!(r.cut_through, through);
    }

    #[test]
    fn keeps_what_a_webhook_needs_up_to_the_cap() {
        let mut r = Retention::new(0, 100_000, 0, 0);
        r.checkpointed(1_000_000);
        // An endpoint at LSN 950,001 keeps it and everything after it.
        assert_eq!(r.due(1_000_000, Some(950_001)), Some(950_000));
        // One far behind is held only to the cap.
        assert_eq!(r.due(1_000_000, Some(3)), Some(900_000));
        // An endpoint caught up holds nothing the rest would keep.
        assert_eq!(r.due(1_000_000, Some(1_000_001)), Some(1_000_000));
        cut_all(&mut r, 900_000);
        assert_eq!(r.due(1_000_000, Some(900_500)), None, "less than a step");
    }
}
