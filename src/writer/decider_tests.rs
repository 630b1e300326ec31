//! The decider's loop: how queued requests become proposals.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::decide_tests::{applier_on, create, Node};
use super::{
    Proposal, Proposed, Proposer, Standing, Writer, WriterConfig, PROPOSALS_IN_FLIGHT_MAX,
};
use crate::error::Result;

/// A consensus in which this node leads term 1 and every proposal waits
/// until the test lets it go; it then counts as applied.
#[derive(Default)]
struct HeldProposals {
    /// Each proposal's record count, and what lets it go.
    held: Mutex<Vec<(usize, Option<oneshot::Sender<()>>)>>,
}

impl HeldProposals {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(usize, Option<oneshot::Sender<()>>)>> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Record counts of the proposals so far, in order.
    fn records(&self) -> Vec<usize> {
        self.lock().iter().map(|(records, _)| *records).collect()
    }

    fn release(&self, i: usize) {
        if let Some(go) = self.lock()[i].1.take() {
            let _ = go.send(());
        }
    }

    /// Waits (up to 10 s) until `n` proposals were made.
    async fn wait_for(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.lock().len() < n {
            assert!(
                Instant::now() < deadline,
                "{n} proposals: {:?}",
                self.records()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

impl Proposer for HeldProposals {
    fn standing(&self) -> Standing {
        Standing::Leading { term: 1 }
    }

    fn wait_for_change(&self, timeout: Duration) {
        std::thread::sleep(timeout);
    }

    fn catch_up(&self) -> Result<()> {
        Ok(())
    }

    fn propose(&self, proposal: Proposal) -> Result<Proposed> {
        let (go, released) = oneshot::channel();
        self.lock().push((proposal.records.len(), Some(go)));
        Ok(Box::pin(async move {
            let _ = released.await;
            Ok(true)
        }))
    }
}

/// With the most proposals in flight, the decider takes the next request and
/// waits for room; what arrives meanwhile joins that request's batch (one
/// log write and one replication round for all of it). (Should the decider
/// be slow to take the first, all four arrive before it does and the test
/// passes as well: it cannot fail wrongly.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_that_arrive_while_proposals_commit_join_the_next_batch() {
    let (_dir, cell, _applier) = applier_on(Node::new());
    let held = Arc::new(HeldProposals::default());
    let started = Writer::start(cell, WriterConfig::default(), held.clone(), Arc::default())
        .expect("the writer starts");
    let writer = started.writer;
    let submit = |code: &str| {
        let (writer, mutation) = (writer.clone(), create(code, 10));
        tokio::spawn(async move { writer.submit(mutation).await })
    };

    let mut answers = Vec::new();
    for i in 0..PROPOSALS_IN_FLIGHT_MAX {
        answers.push(submit(&format!("FIRST{i}")));
        held.wait_for(i + 1).await;
    }
    // Taken at once, then held until there is room.
    answers.push(submit("WAITS"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    for code in ["LATE1", "LATE2", "LATE3"] {
        answers.push(submit(code));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    held.release(0);
    held.wait_for(PROPOSALS_IN_FLIGHT_MAX + 1).await;
    let mut expected = vec![1; PROPOSALS_IN_FLIGHT_MAX];
    expected.push(4);
    assert_eq!(
        held.records(),
        expected,
        "the three that came while it waited joined the waiting one"
    );

    for i in 0..=PROPOSALS_IN_FLIGHT_MAX {
        held.release(i);
    }
    for answer in answers {
        answer
            .await
            .expect("the submitting task")
            .expect("each creation is answered");
    }
}
