//! How much of the log is kept. A record may be dropped once a durable
//! checkpoint covers it (restart no longer needs it), it is more than
//! `retention` records behind the last LSN (a follower that reconnects within
//! that distance resumes from the log instead of taking a snapshot), and no
//! enabled webhook endpoint still needs it, up to `webhook_lag_max` records
//! behind the last LSN (past that, the log is cut anyway and the endpoint is
//! disabled: `server::webhooks`, so one endpoint cannot hold the disk).

/// Decides, commit by commit, through which LSN the log can be cut.
pub struct Retention {
    retention: u64,
    webhook_lag_max: u64,
    checkpoint_lsn: u64,
    cut_through: u64,
}

/// Cutting is a range delete; doing it in steps of at least this many records
/// keeps it off most commits.
const CUT_STEP: u64 = 1024;
// Each cut drops at most a slice: more than a step, or the backlog would grow.
const _: () = assert!(CUT_STEP < crate::storage::LOG_CUT_SLICE as u64);

impl Retention {
    pub fn new(retention: u64, webhook_lag_max: u64, checkpoint_lsn: u64) -> Retention {
        Retention {
            retention,
            webhook_lag_max,
            checkpoint_lsn,
            cut_through: 0,
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

    pub fn cut(&mut self, through: u64) {
        self.cut_through = self.cut_through.max(through);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_what_the_checkpoint_or_the_window_needs() {
        let mut r = Retention::new(10_000, 5_000_000, 0);
        // Nothing checkpointed: everything is kept.
        assert_eq!(r.due(1_000_000, None), None);
        r.checkpointed(500_000);
        assert_eq!(r.due(1_000_000, None), Some(500_000));
        r.cut(500_000);
        assert_eq!(r.due(1_000_000, None), None);
        r.checkpointed(2_000_000);
        // The window: the last 10,000 records stay.
        assert_eq!(r.due(1_020_000, None), Some(1_010_000));
        r.cut(1_010_000);
        assert_eq!(
            r.due(1_020_500, None),
            None,
            "less than a step since the last cut"
        );
        assert_eq!(r.due(1_021_024, None), Some(1_011_024));
    }

    #[test]
    fn keeps_what_a_webhook_needs_up_to_the_cap() {
        let mut r = Retention::new(0, 100_000, 0);
        r.checkpointed(1_000_000);
        // An endpoint at LSN 950,001 keeps it and everything after it.
        assert_eq!(r.due(1_000_000, Some(950_001)), Some(950_000));
        // One far behind is held only to the cap.
        assert_eq!(r.due(1_000_000, Some(3)), Some(900_000));
        // An endpoint caught up holds nothing the rest would keep.
        assert_eq!(r.due(1_000_000, Some(1_000_001)), Some(1_000_000));
        r.cut(900_000);
        assert_eq!(r.due(1_000_000, Some(900_500)), None, "less than a step");
    }
}
