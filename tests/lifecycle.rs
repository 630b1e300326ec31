//! The redemption lifecycle through the real client: idempotent retries,
//! reverse exactly once, holds (reserve/confirm/release/TTL), coupon CRUD,
//! refusal reasons, and roles.

mod common;

use std::time::Duration;

use common::{code_of, order, percent_coupon, redeem_request, reserve_request, Secrets, Server};
use couponsd_client::wire::{
    AdminStatus, CouponRef, CouponSpec, CouponStatus, ErrorCode, RedemptionRef, RedemptionStatus,
};
use couponsd_client::{Client, ClientOptions};

fn by_order(code: &str, order_id: &str) -> RedemptionRef {
    RedemptionRef::Order {
        code: code.into(),
        order_id: order_id.into(),
    }
}

async fn usage(client: &Client, id: u64) -> (u64, u64) {
    let c = client.get_coupon(CouponRef::Id(id)).await.unwrap();
    (c.current_usage, c.reserved_uses)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_retries_of_one_order_give_one_redemption() {
    let server = Server::start().await;
    let admin = server.client().await;
    let coupon = admin
        .create_coupon(percent_coupon("RETRY", 2000, Some(10), None))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let client = server.client().await;
        for _ in 0..8 {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                client
                    .redeem(redeem_request("retry", "order-1", "alice", 15_000))
                    .await
                    .unwrap()
            }));
        }
    }
    let mut replies = Vec::new();
    for t in tasks {
        replies.push(t.await.unwrap());
    }
    let id = replies[0].redemption.id;
    assert!(
        replies.iter().all(|r| r.redemption.id == id),
        "every retry sees the same redemption"
    );
    assert_eq!(
        replies.iter().filter(|r| !r.replayed).count(),
        1,
        "exactly one did the work"
    );
    assert_eq!(usage(&admin, coupon.id).await, (1, 0));
    assert_eq!(replies[0].redemption.discount_amount, 3000);
    assert_eq!(replies[0].redemption.final_amount, 12_000);

    // A retry that describes a different order is a conflict, and changes nothing.
    let changed = admin
        .redeem(redeem_request("RETRY", "order-1", "alice", 9_999))
        .await;
    assert_eq!(code_of(changed), ErrorCode::Conflict);
    let other_customer = admin
        .redeem(redeem_request("RETRY", "order-1", "mallory", 15_000))
        .await;
    assert_eq!(code_of(other_customer), ErrorCode::Conflict);
    assert_eq!(usage(&admin, coupon.id).await, (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reverse_gives_the_use_back_exactly_once() {
    let server = Server::start().await;
    let client = server.client().await;
    let coupon = client
        .create_coupon(percent_coupon("ONCE", 1000, Some(1), Some(1)))
        .await
        .unwrap();
    let r = client
        .redeem(redeem_request("ONCE", "o1", "bob", 5000))
        .await
        .unwrap();
    assert_eq!(r.remaining_uses, Some(0));
    assert_eq!(
        code_of(
            client
                .redeem(redeem_request("ONCE", "o2", "carol", 5000))
                .await
        ),
        ErrorCode::Exhausted
    );

    // Racing reverses: exactly one succeeds.
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            client.reverse(by_order("once", "o1"), "refund").await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(reply) => {
                assert_eq!(reply.redemption.status, RedemptionStatus::Reversed);
                assert_eq!(reply.redemption.reverse_reason, "refund");
                ok += 1;
            }
            Err(e) => assert_eq!(e.code(), Some(ErrorCode::AlreadyReversed)),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(usage(&client, coupon.id).await, (0, 0));
    assert_eq!(
        code_of(
            client
                .reverse(RedemptionRef::Id(r.redemption.id), "again")
                .await
        ),
        ErrorCode::AlreadyReversed
    );
    assert_eq!(
        usage(&client, coupon.id).await,
        (0, 0),
        "a second reverse changes nothing"
    );

    // The use and the customer's count are back: bob can use it again.
    let again = client
        .redeem(redeem_request("ONCE", "o3", "bob", 5000))
        .await
        .unwrap();
    assert_eq!(again.redemption.status, RedemptionStatus::Processed);
    // Replaying the reversed order does not redeem it again.
    let replay = client
        .redeem(redeem_request("ONCE", "o1", "bob", 5000))
        .await
        .unwrap();
    assert!(replay.replayed);
    assert_eq!(replay.redemption.status, RedemptionStatus::Reversed);
    assert_eq!(usage(&client, coupon.id).await, (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holds_count_against_the_limit_and_release_gives_them_back() {
    let server = Server::start().await;
    let client = server.client().await;
    let coupon = client
        .create_coupon(percent_coupon("HOLD2", 1000, Some(2), None))
        .await
        .unwrap();
    let h1 = client
        .reserve(reserve_request("HOLD2", "o1", "a", 1000, 60_000))
        .await
        .unwrap();
    assert_eq!(h1.redemption.status, RedemptionStatus::Pending);
    assert!(h1.redemption.hold_expires_at.is_some());
    let again = client
        .reserve(reserve_request("HOLD2", "o1", "a", 1000, 60_000))
        .await
        .unwrap();
    assert!(
        again.replayed && again.redemption.id == h1.redemption.id,
        "reserve is idempotent"
    );
    client
        .reserve(reserve_request("HOLD2", "o2", "b", 1000, 60_000))
        .await
        .unwrap();
    assert_eq!(usage(&client, coupon.id).await, (0, 2));
    assert_eq!(
        code_of(
            client
                .redeem(redeem_request("HOLD2", "o3", "c", 1000))
                .await
        ),
        ErrorCode::Exhausted
    );
    assert_eq!(
        code_of(
            client
                .reserve(reserve_request("HOLD2", "o3", "c", 1000, 0))
                .await
        ),
        ErrorCode::Exhausted
    );
    let v = client.validate("HOLD2", order("c", 1000)).await.unwrap();
    assert!(!v.valid);
    assert_eq!(v.reason, ErrorCode::Exhausted.as_u16());

    // Payment declined: the hold is given back, once.
    let released = client.release(by_order("HOLD2", "o1")).await.unwrap();
    assert_eq!(released.redemption.status, RedemptionStatus::Released);
    assert!(
        client
            .release(by_order("HOLD2", "o1"))
            .await
            .unwrap()
            .replayed
    );
    assert_eq!(usage(&client, coupon.id).await, (0, 1));
    assert_eq!(
        code_of(client.confirm(by_order("HOLD2", "o1")).await),
        ErrorCode::InvalidState
    );

    // Payment captured: the hold becomes a use.
    let confirmed = client.confirm(by_order("HOLD2", "o2")).await.unwrap();
    assert_eq!(confirmed.redemption.status, RedemptionStatus::Processed);
    assert!(
        client
            .confirm(by_order("HOLD2", "o2"))
            .await
            .unwrap()
            .replayed
    );
    assert_eq!(
        code_of(client.release(by_order("HOLD2", "o2")).await),
        ErrorCode::InvalidState
    );
    assert_eq!(usage(&client, coupon.id).await, (1, 0));

    // The released use is available again; redeem = reserve + confirm.
    client
        .redeem(redeem_request("HOLD2", "o3", "c", 1000))
        .await
        .unwrap();
    assert_eq!(usage(&client, coupon.id).await, (2, 0));
    // A retry after decline (same order, new payment attempt) may hold again once there is room.
    client
        .reverse(by_order("HOLD2", "o3"), "cancelled")
        .await
        .unwrap();
    let rehold = client
        .reserve(reserve_request("HOLD2", "o1", "a", 1000, 60_000))
        .await
        .unwrap();
    assert_eq!(rehold.redemption.status, RedemptionStatus::Pending);
    assert_ne!(rehold.redemption.id, h1.redemption.id);
    // redeem on an open hold confirms it rather than taking a second use.
    let captured = client
        .redeem(redeem_request("HOLD2", "o1", "a", 1000))
        .await
        .unwrap();
    assert_eq!(captured.redemption.id, rehold.redemption.id);
    assert_eq!(usage(&client, coupon.id).await, (2, 0));
}

/// protocol.md, Redemption field 15: `hold_expires_at` is set only while the
/// redemption is a hold (PENDING), cleared by CONFIRM (or a REDEEM that
/// confirms the hold) and by RELEASE, kept on EXPIRED. Every reply that
/// carries the redemption shows the same, also after a restart replays it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirm_and_release_clear_hold_expires_at() {
    let mut server = Server::start_with(&["--hold-sweep-ms", "50"]).await;
    let client = server.client().await;
    let coupon = client
        .create_coupon(percent_coupon("CLEARS", 1000, None, None))
        .await
        .unwrap();
    for order_id in ["confirmed", "redeemed", "released"] {
        let hold = client
            .reserve(reserve_request("CLEARS", order_id, "a", 1000, 60_000))
            .await
            .unwrap();
        assert!(hold.redemption.hold_expires_at.is_some(), "{order_id}");
    }
    client
        .reserve(reserve_request("CLEARS", "expired", "a", 1000, 200))
        .await
        .unwrap();

    let confirmed = client
        .confirm(by_order("CLEARS", "confirmed"))
        .await
        .unwrap();
    assert_eq!(confirmed.redemption.status, RedemptionStatus::Processed);
    assert_eq!(
        confirmed.redemption.hold_expires_at, None,
        "CONFIRM's reply"
    );
    let replayed = client
        .confirm(by_order("CLEARS", "confirmed"))
        .await
        .unwrap();
    assert!(replayed.replayed);
    assert_eq!(
        replayed.redemption.hold_expires_at, None,
        "CONFIRM replayed"
    );
    assert_eq!(
        confirmed.redemption.transaction_id, "",
        "CONFIRM carries none"
    );
    let redeemed = client
        .redeem(couponsd_client::wire::RedeemRequest {
            transaction_id: "tx-9".into(),
            ..redeem_request("CLEARS", "redeemed", "a", 1000)
        })
        .await
        .unwrap();
    assert_eq!(redeemed.redemption.status, RedemptionStatus::Processed);
    assert_eq!(
        redeemed.redemption.transaction_id, "tx-9",
        "REDEEM's, once it confirms"
    );
    assert_eq!(
        redeemed.redemption.hold_expires_at, None,
        "REDEEM of a hold"
    );
    let released = client
        .release(by_order("CLEARS", "released"))
        .await
        .unwrap();
    assert_eq!(released.redemption.status, RedemptionStatus::Released);
    assert_eq!(released.redemption.hold_expires_at, None, "RELEASE's reply");

    let expected = [
        ("confirmed", RedemptionStatus::Processed, false),
        ("redeemed", RedemptionStatus::Processed, false),
        ("released", RedemptionStatus::Released, false),
        ("expired", RedemptionStatus::Expired, true),
    ];
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while client
        .get_redemption(by_order("CLEARS", "expired"))
        .await
        .unwrap()
        .redemption
        .status
        != RedemptionStatus::Expired
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the hold never expired"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // What is stored, and what a restart rebuilds from the log, agree.
    for restarted in [false, true] {
        let client = server.client().await;
        let listed = common::all_redemptions(&client, coupon.id).await;
        assert_eq!(listed.len(), expected.len());
        for (order_id, status, keeps_expiry) in expected {
            let got = client
                .get_redemption(by_order("CLEARS", order_id))
                .await
                .unwrap()
                .redemption;
            assert_eq!(got.status, status, "{order_id}");
            assert_eq!(
                got.hold_expires_at.is_some(),
                keeps_expiry,
                "REDEMPTION_GET of {order_id} (restarted: {restarted})"
            );
            let in_list = listed.iter().find(|r| r.id == got.id).unwrap();
            assert_eq!(in_list, &got, "REDEMPTION_LIST of {order_id}");
        }
        if !restarted {
            drop(client);
            server.kill9();
            server.restart().await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_holds_are_given_back_and_cannot_be_confirmed() {
    let server = Server::start_with(&["--hold-sweep-ms", "50"]).await;
    let client = server.client().await;
    let coupon = client
        .create_coupon(percent_coupon("TTL", 1000, Some(1), Some(1)))
        .await
        .unwrap();
    client
        .reserve(reserve_request("TTL", "o1", "a", 1000, 300))
        .await
        .unwrap();
    assert_eq!(
        code_of(client.redeem(redeem_request("TTL", "o2", "b", 1000)).await),
        ErrorCode::Exhausted
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        usage(&client, coupon.id).await,
        (0, 0),
        "the sweeper gave the hold back"
    );
    let expired = client.get_redemption(by_order("TTL", "o1")).await.unwrap();
    assert_eq!(expired.redemption.status, RedemptionStatus::Expired);
    assert_eq!(
        code_of(client.confirm(by_order("TTL", "o1")).await),
        ErrorCode::HoldExpired
    );
    // The customer's count came back too.
    client
        .redeem(redeem_request("TTL", "o3", "a", 1000))
        .await
        .unwrap();
    assert_eq!(usage(&client, coupon.id).await, (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holds_expire_across_a_crash() {
    let mut server = Server::start_with(&["--hold-sweep-ms", "50"]).await;
    let client = server.client().await;
    let coupon = client
        .create_coupon(percent_coupon("CRASHTTL", 1000, Some(1), None))
        .await
        .unwrap();
    client
        .reserve(reserve_request("CRASHTTL", "o1", "a", 1000, 1_000))
        .await
        .unwrap();
    drop(client);
    server.kill9();
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    server.restart().await;
    let client = server.client().await;
    // The hold survived the crash as a hold...
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while usage(&client, coupon.id).await != (0, 0) {
        assert!(
            std::time::Instant::now() < deadline,
            "the restarted server never expired the hold"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // ...and was given back by the restarted server, durably.
    assert_eq!(
        code_of(client.confirm(by_order("CRASHTTL", "o1")).await),
        ErrorCode::HoldExpired
    );
    client
        .redeem(redeem_request("CRASHTTL", "o2", "b", 1000))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coupon_crud_and_refusal_reasons() {
    let server = Server::start().await;
    let client = server.client().await;
    let spec = CouponSpec {
        max_discount_amount: Some(5000),
        min_order_amount: Some(10_000),
        ..percent_coupon("Summer20", 2000, Some(100), Some(1))
    };
    let created = client.create_coupon(spec.clone()).await.unwrap();
    assert_eq!(created.spec.code, "SUMMER20");
    assert_eq!(
        code_of(
            client
                .create_coupon(CouponSpec {
                    code: "summer20".into(),
                    ..spec.clone()
                })
                .await
        ),
        ErrorCode::AlreadyExists
    );
    let fetched = client
        .get_coupon(CouponRef::Code(" summer20 ".into()))
        .await
        .unwrap();
    assert_eq!(fetched.id, created.id);

    // The seed's example.
    let v = client
        .validate("summer20", order("customer-123", 15_000))
        .await
        .unwrap();
    assert!(v.valid, "{v:?}");
    assert_eq!(
        (v.applicable_amount, v.discount_amount, v.final_amount),
        (15_000, 3000, 12_000)
    );
    assert_eq!(v.remaining_uses, Some(100));
    // Validate reads only.
    assert_eq!(usage(&client, created.id).await, (0, 0));

    let reason = |v: couponsd_client::wire::Validation| ErrorCode::from_u16(v.reason).unwrap();
    assert_eq!(
        reason(
            client
                .validate("SUMMER20", order("c", 9_999))
                .await
                .unwrap()
        ),
        ErrorCode::MinOrderNotMet
    );
    let eur = couponsd_client::wire::Order {
        currency: "EUR".into(),
        ..order("c", 15_000)
    };
    assert_eq!(
        reason(client.validate("SUMMER20", eur).await.unwrap()),
        ErrorCode::CurrencyMismatch
    );
    assert_eq!(
        reason(client.validate("NOPE", order("c", 15_000)).await.unwrap()),
        ErrorCode::NotFound
    );
    assert_eq!(
        code_of(
            client
                .redeem(redeem_request("SUMMER20", "g1", "", 15_000))
                .await
        ),
        ErrorCode::InvalidArgument
    );

    // Update with optimistic concurrency.
    let future = CouponSpec {
        starts_at: Some(i64::MAX - 1),
        ..fetched.spec.clone()
    };
    let updated = client
        .update_coupon(created.id, fetched.revision, future)
        .await
        .unwrap();
    assert_eq!(updated.revision, fetched.revision + 1);
    assert_eq!(
        code_of(
            client
                .update_coupon(created.id, fetched.revision, fetched.spec.clone())
                .await
        ),
        ErrorCode::Conflict
    );
    assert_eq!(
        reason(
            client
                .validate("SUMMER20", order("c", 15_000))
                .await
                .unwrap()
        ),
        ErrorCode::NotStarted
    );
    let past = CouponSpec {
        starts_at: Some(1),
        ends_at: Some(2),
        ..fetched.spec.clone()
    };
    let updated = client.update_coupon(created.id, 0, past).await.unwrap();
    assert_eq!(updated.status, couponsd_client::wire::CouponStatus::Expired);
    assert_eq!(
        code_of(
            client
                .redeem(redeem_request("SUMMER20", "x", "c", 15_000))
                .await
        ),
        ErrorCode::Expired
    );
    let suspended = CouponSpec {
        status: AdminStatus::Suspended,
        ..fetched.spec.clone()
    };
    client
        .update_coupon(created.id, 0, suspended)
        .await
        .unwrap();
    assert_eq!(
        code_of(
            client
                .redeem(redeem_request("SUMMER20", "x", "c", 15_000))
                .await
        ),
        ErrorCode::Inactive
    );

    // Pagination walks every coupon once.
    for i in 0..25 {
        client
            .create_coupon(percent_coupon(&format!("PAGE{i}"), 100, None, None))
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let (page, next) = client.list_coupons(after, 7).await.unwrap();
        assert!(page.len() <= 7);
        seen.extend(page.into_iter().map(|c| c.id));
        if next == 0 {
            break;
        }
        after = next;
    }
    assert_eq!(seen.len(), 26);
    assert!(seen.windows(2).all(|w| w[0] < w[1]));

    client.delete_coupon(created.id).await.unwrap();
    assert_eq!(
        code_of(client.get_coupon(CouponRef::Id(created.id)).await),
        ErrorCode::NotFound
    );
    assert_eq!(
        code_of(client.delete_coupon(created.id).await),
        ErrorCode::NotFound
    );
}

/// protocol.md, COUPON_DELETE: a deleted coupon's redemptions stay readable
/// by id and through REDEMPTION_LIST, and operations on them keep working,
/// also after a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_coupons_redemptions_stay_listed() {
    let mut server = Server::start().await;
    let client = server.client().await;
    let coupon = client
        .create_coupon(percent_coupon("GONE", 1000, None, None))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for order_id in ["o1", "o2", "o3"] {
        let r = client
            .redeem(redeem_request("GONE", order_id, "a", 1000))
            .await
            .unwrap();
        ids.push(r.redemption.id);
    }
    client.delete_coupon(coupon.id).await.unwrap();
    let listed = |client: Client| async move {
        common::all_redemptions(&client, coupon.id)
            .await
            .into_iter()
            .map(|r| (r.id, r.status))
            .collect::<Vec<_>>()
    };
    let processed: Vec<_> = ids
        .iter()
        .map(|&id| (id, RedemptionStatus::Processed))
        .collect();
    assert_eq!(listed(client.clone()).await, processed, "after the delete");

    // A reversal still works, and the list still holds all three.
    let reversed = client
        .reverse(RedemptionRef::Id(ids[1]), "refund")
        .await
        .unwrap();
    assert_eq!(reversed.redemption.status, RedemptionStatus::Reversed);
    let mut expected = processed.clone();
    expected[1].1 = RedemptionStatus::Reversed;
    assert_eq!(listed(client.clone()).await, expected, "after a reversal");
    assert_eq!(
        client
            .get_redemption(RedemptionRef::Id(ids[0]))
            .await
            .unwrap()
            .redemption
            .coupon_id,
        coupon.id
    );

    drop(client);
    server.kill9();
    server.restart().await;
    let client = server.client().await;
    assert_eq!(listed(client).await, expected, "after a restart");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_and_roles() {
    let secrets = Secrets::new();
    let flags = secrets.token_flags(&[
        "admin:admin-secret",
        "redeem:redeem-secret",
        "read:read-secret",
    ]);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let server = Server::start_with(&flags).await;
    let as_role = |token: &str| ClientOptions {
        token: token.into(),
        ..ClientOptions::default()
    };
    let err = Client::connect(&server.addr)
        .await
        .err()
        .expect("no token, no entry");
    assert_eq!(err.code(), Some(ErrorCode::Unauthenticated));
    let err = Client::connect_with(&server.addr, as_role("wrong-secret"))
        .await
        .err()
        .expect("bad token");
    assert_eq!(err.code(), Some(ErrorCode::Unauthenticated));

    let admin = server.client_with(as_role("admin-secret")).await;
    let redeemer = server.client_with(as_role("redeem-secret")).await;
    let reader = server.client_with(as_role("read-secret")).await;
    assert_eq!(
        code_of(
            redeemer
                .create_coupon(percent_coupon("ROLE", 100, None, None))
                .await
        ),
        ErrorCode::PermissionDenied
    );
    admin
        .create_coupon(percent_coupon("ROLE", 100, None, None))
        .await
        .unwrap();
    assert_eq!(
        code_of(reader.redeem(redeem_request("ROLE", "o1", "a", 100)).await),
        ErrorCode::PermissionDenied
    );
    assert!(
        reader
            .validate("ROLE", order("a", 100))
            .await
            .unwrap()
            .valid
    );
    redeemer
        .redeem(redeem_request("ROLE", "o1", "a", 100))
        .await
        .unwrap();
    assert_eq!(reader.server_info().await.unwrap().redemptions, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_status_moves_that_would_be_expired_or_exhausted_are_refused() {
    let server = Server::start().await;
    let client = server.client().await;
    let mut spec = percent_coupon("LIFECYCLE", 1000, Some(1), None);
    let c = client.create_coupon(spec.clone()).await.unwrap();
    client
        .redeem(redeem_request("LIFECYCLE", "o1", "c1", 10_000))
        .await
        .unwrap();
    // Suspended, then back: refused while its one use is taken...
    spec.status = AdminStatus::Suspended;
    let c = client
        .update_coupon(c.id, c.revision, spec.clone())
        .await
        .unwrap();
    assert_eq!(c.status, CouponStatus::Suspended);
    spec.status = AdminStatus::Active;
    let refused = client
        .update_coupon(c.id, c.revision, spec.clone())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::InvalidState), "{refused}");
    // ...and accepted with a higher limit in the same update.
    spec.usage_limit = Some(2);
    let c = client
        .update_coupon(c.id, c.revision, spec.clone())
        .await
        .unwrap();
    assert_eq!(c.status, CouponStatus::Active);
    // A coupon whose window has ended cannot be re-activated without a new end.
    spec.status = AdminStatus::Inactive;
    spec.ends_at = Some(1_000);
    let c = client
        .update_coupon(c.id, c.revision, spec.clone())
        .await
        .unwrap();
    spec.status = AdminStatus::Active;
    assert_eq!(
        client
            .update_coupon(c.id, c.revision, spec.clone())
            .await
            .unwrap_err()
            .code(),
        Some(ErrorCode::InvalidState)
    );
    spec.ends_at = None;
    let c = client.update_coupon(c.id, c.revision, spec).await.unwrap();
    assert_eq!(c.status, CouponStatus::Active);
}
