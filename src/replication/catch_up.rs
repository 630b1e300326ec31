//! How a leader answers REPL_SUBSCRIBE: a pure decision over the follower's
//! position and the leader's history.

use couponsd_client::wire::{CatchUp, SubscribeReply, SubscribeRequest};

use crate::error::Error;

/// What the leader knows about itself.
#[derive(Debug, Clone)]
pub struct LeaderPosition {
    pub cluster_id: u64,
    pub epoch: u64,
    pub last_lsn: u64,
    /// The oldest LSN still in the log (0: the log is empty).
    pub first_log_lsn: u64,
    /// (epoch, first LSN), oldest first.
    pub epochs: Vec<(u64, u64)>,
}

impl LeaderPosition {
    /// The last LSN of this leader's history written in an epoch no newer
    /// than `epoch`: where a follower whose last record has `epoch` can at
    /// most agree with us.
    fn end_of_epoch(&self, epoch: u64) -> u64 {
        self.epochs
            .iter()
            .filter(|(e, _)| *e > epoch)
            .map(|(_, first)| first.saturating_sub(1))
            .min()
            .unwrap_or(self.last_lsn)
            .min(self.last_lsn)
    }
}

/// A follower that knows a newer epoch than ours: we are a replaced leader.
pub fn check_epoch(request: &SubscribeRequest, leader_epoch: u64) -> Result<(), Error> {
    if request.epoch > leader_epoch {
        return Err(Error::StaleEpoch(format!(
            "this node's epoch {leader_epoch} is older than the follower's {}: a newer leader exists",
            request.epoch
        )));
    }
    Ok(())
}

/// Decides how to bring the follower up to date, or why not to.
pub fn plan(request: &SubscribeRequest, leader: &LeaderPosition) -> Result<SubscribeReply, Error> {
    check_epoch(request, leader.epoch)?;
    let reply = |mode, keep_through| SubscribeReply {
        cluster_id: leader.cluster_id,
        epoch: leader.epoch,
        mode,
        keep_through,
    };
    if request.cluster_id != leader.cluster_id {
        if request.last_lsn == 0 {
            return Ok(reply(CatchUp::Snapshot, 0));
        }
        return Err(Error::WrongCluster(format!(
            "the follower holds cluster {:016x}'s data up to LSN {}, this is cluster {:016x}; \
             start it with an empty data directory",
            request.cluster_id, request.last_lsn, leader.cluster_id
        )));
    }
    let agreed = request
        .last_lsn
        .min(leader.end_of_epoch(request.last_epoch));
    if agreed < request.last_lsn {
        // The follower has records this leader never had: they are cut off
        // (the follower keeps them in a divergence file) and it starts over.
        return Ok(reply(CatchUp::Snapshot, agreed));
    }
    let in_log = leader.first_log_lsn != 0 && leader.first_log_lsn <= request.last_lsn + 1;
    if request.last_lsn == leader.last_lsn || in_log {
        Ok(reply(CatchUp::Log, request.last_lsn))
    } else {
        Ok(reply(CatchUp::Snapshot, request.last_lsn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use couponsd_client::wire::ErrorCode;

    fn leader() -> LeaderPosition {
        // Epoch 1 wrote 1..=100, epoch 3 (after a failover) wrote 101..=150.
        LeaderPosition {
            cluster_id: 7,
            epoch: 3,
            last_lsn: 150,
            first_log_lsn: 40,
            epochs: vec![(1, 1), (3, 101)],
        }
    }

    fn follower(cluster_id: u64, epoch: u64, last_lsn: u64, last_epoch: u64) -> SubscribeRequest {
        SubscribeRequest {
            cluster_id,
            epoch,
            last_lsn,
            last_epoch,
            name: "f".into(),
        }
    }

    fn check(request: SubscribeRequest, expected: Result<(CatchUp, u64), ErrorCode>) {
        let got = plan(&request, &leader())
            .map(|r| (r.mode, r.keep_through))
            .map_err(|e| e.code());
        assert_eq!(got, expected, "{request:?}");
    }

    #[test]
    fn decisions() {
        use CatchUp::*;
        // Up to date, or behind within the log: the log.
        check(follower(7, 3, 150, 3), Ok((Log, 150)));
        check(follower(7, 1, 39, 1), Ok((Log, 39)));
        check(follower(7, 3, 120, 3), Ok((Log, 120)));
        // Behind the retained log: a snapshot, nothing cut.
        check(follower(7, 1, 38, 1), Ok((Snapshot, 38)));
        // A new follower: a snapshot.
        check(follower(0, 0, 0, 0), Ok((Snapshot, 0)));
        // The old leader of epoch 1 wrote 101..=104 that nobody acked.
        check(follower(7, 1, 104, 1), Ok((Snapshot, 100)));
        // A newer epoch than ours: we are the stale one.
        check(follower(7, 4, 150, 3), Err(ErrorCode::StaleEpoch));
        // Someone else's data.
        check(follower(8, 1, 10, 1), Err(ErrorCode::WrongCluster));
    }
}
