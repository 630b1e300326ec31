//! Campaigns end to end, through the real binary and the Rust client: create,
//! generate 100,000 codes, export them, redeem under concurrency within the
//! campaign's budget, pause (every code refused at once), resume, reverse,
//! cancel, and a restart that keeps it all.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::{order, redeem_request, Server};
use couponsd_client::wire::{
    Campaign, CampaignSpec, CampaignStatus, CodeCheck, CouponSpec, ErrorCode, GenerationRules,
    RedemptionRef,
};
use couponsd_client::Client;

fn spec(name: &str, prefix: &str, budget: Option<i64>, check: CodeCheck) -> CampaignSpec {
    CampaignSpec {
        name: name.into(),
        template: CouponSpec {
            name: format!("{name} code"),
            // 10% off, one use per code.
            discount_value: 1000,
            currency: "USD".into(),
            usage_limit: Some(1),
            ..CouponSpec::default()
        },
        rules: GenerationRules {
            prefix: prefix.into(),
            check,
            mac_length: if check == CodeCheck::Mac { 4 } else { 0 },
            ..GenerationRules::default()
        },
        budget_limit: budget,
        ..CampaignSpec::default()
    }
}

async fn generated(client: &Client, id: u64, count: u64) -> Campaign {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let c = client.get_campaign(id).await.expect("campaign");
        if c.coupons_generated >= count {
            return c;
        }
        assert!(
            Instant::now() < deadline,
            "generation stalled at {}",
            c.coupons_generated
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn export(client: &Client, id: u64) -> Vec<String> {
    let mut codes = Vec::new();
    let mut after = 0;
    loop {
        let (page, next) = client.list_campaign_codes(id, after, 10_000).await.unwrap();
        codes.extend(page.into_iter().map(|c| c.code));
        if next == 0 {
            return codes;
        }
        after = next;
    }
}

fn code_of(
    result: Result<impl std::fmt::Debug, couponsd_client::ClientError>,
) -> Option<ErrorCode> {
    result.err().and_then(|e| e.code())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_campaign_from_generation_to_cancellation() {
    const CODES: u64 = 100_000;
    let mut server = Server::start().await;
    let client = server.client().await;
    // Budget: 1,000.00; each redemption of 100.00 takes 10.00, so 100 fit.
    let campaign = client
        .create_campaign(spec("spring", "SPR-", Some(100_000), CodeCheck::None))
        .await
        .unwrap();
    assert_eq!(campaign.status, CampaignStatus::Draft);

    let started = Instant::now();
    let c = client.generate_codes(campaign.id, CODES).await.unwrap();
    assert_eq!(c.generation_target, CODES);
    let c = generated(&client, campaign.id, CODES).await;
    assert_eq!(c.coupons_generated, CODES);
    println!("generated {CODES} codes in {:?}", started.elapsed());

    let codes = export(&client, campaign.id).await;
    assert_eq!(codes.len() as u64, CODES);
    let unique: HashSet<&String> = codes.iter().collect();
    assert_eq!(unique.len() as u64, CODES, "duplicate codes");
    for code in &codes {
        assert!(code.starts_with("SPR-") && code.len() == 12, "{code}");
        assert!(
            !code.contains(['0', 'O', '1', 'I', 'L']),
            "ambiguous: {code}"
        );
    }

    // A DRAFT campaign's codes do not redeem yet.
    let v = client
        .validate(&codes[0], order("c", 10_000))
        .await
        .unwrap();
    assert!(!v.valid);
    assert_eq!(v.reason, ErrorCode::CampaignInactive.as_u16());
    client
        .set_campaign_status(campaign.id, CampaignStatus::Active)
        .await
        .unwrap();
    let v = client
        .validate(&codes[0], order("c", 10_000))
        .await
        .unwrap();
    assert!(v.valid, "{v:?}");
    assert_eq!(v.discount_amount, 1_000);

    // 300 redemptions of distinct codes race for a budget that covers 100.
    let mut tasks = Vec::new();
    for t in 0..30 {
        let client = server.client().await;
        let mine: Vec<String> = codes[t * 10..t * 10 + 10].to_vec();
        tasks.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            for (i, code) in mine.iter().enumerate() {
                let r = client
                    .redeem(redeem_request(
                        code,
                        &format!("o-{t}-{i}"),
                        &format!("c-{t}-{i}"),
                        10_000,
                    ))
                    .await;
                outcomes.push(r.map(|r| r.redemption.id).map_err(|e| e.code()));
            }
            outcomes
        }));
    }
    let mut ok = Vec::new();
    let mut exhausted = 0;
    for t in tasks {
        for outcome in t.await.unwrap() {
            match outcome {
                Ok(id) => ok.push(id),
                Err(Some(ErrorCode::BudgetExhausted)) => exhausted += 1,
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
    }
    assert_eq!(ok.len(), 100, "the budget must cover exactly 100");
    assert_eq!(exhausted, 200);
    let c = client.get_campaign(campaign.id).await.unwrap();
    assert_eq!(c.budget_used, 100_000);
    assert_eq!(c.redemptions, 100);

    // Reversing one gives its discount back to the budget: one more fits.
    client
        .reverse(RedemptionRef::Id(ok[0]), "refund")
        .await
        .unwrap();
    assert_eq!(
        client.get_campaign(campaign.id).await.unwrap().budget_used,
        99_000
    );
    client
        .redeem(redeem_request(&codes[500], "after-refund", "z", 10_000))
        .await
        .unwrap();
    assert_eq!(
        code_of(
            client
                .redeem(redeem_request(&codes[501], "over", "y", 10_000))
                .await
        ),
        Some(ErrorCode::BudgetExhausted)
    );

    // Pausing stops every code at once; resuming brings them back.
    client
        .set_campaign_status(campaign.id, CampaignStatus::Paused)
        .await
        .unwrap();
    let v = client.validate(&codes[900], order("c", 100)).await.unwrap();
    assert_eq!(v.reason, ErrorCode::CampaignInactive.as_u16());
    assert_eq!(
        code_of(
            client
                .redeem(redeem_request(&codes[900], "paused", "p", 100))
                .await
        ),
        Some(ErrorCode::CampaignInactive)
    );
    client
        .set_campaign_status(campaign.id, CampaignStatus::Active)
        .await
        .unwrap();
    // The budget is full again; a refund makes room for the resumed code.
    let v = client
        .validate(&codes[900], order("c", 10_000))
        .await
        .unwrap();
    assert_eq!(v.reason, ErrorCode::BudgetExhausted.as_u16());
    client
        .reverse(RedemptionRef::Id(ok[1]), "refund")
        .await
        .unwrap();
    client
        .redeem(redeem_request(&codes[900], "resumed", "p", 10_000))
        .await
        .unwrap();

    // A restart keeps the campaign, its counters and its codes.
    let before = client.get_campaign(campaign.id).await.unwrap();
    let digest = client.digest().await.unwrap();
    server.restart().await;
    let client = server.client().await;
    assert_eq!(client.get_campaign(campaign.id).await.unwrap(), before);
    assert_eq!(client.digest().await.unwrap(), digest);
    assert_eq!(export(&client, campaign.id).await, codes);

    // Cancelled is final.
    client
        .set_campaign_status(campaign.id, CampaignStatus::Cancelled)
        .await
        .unwrap();
    assert_eq!(
        code_of(
            client
                .set_campaign_status(campaign.id, CampaignStatus::Active)
                .await
        ),
        Some(ErrorCode::InvalidState)
    );
    assert_eq!(
        code_of(
            client
                .redeem(redeem_request(&codes[901], "cancelled", "q", 100))
                .await
        ),
        Some(ErrorCode::CampaignInactive)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mistyped_codes_fail_their_check_without_a_lookup() {
    let server = Server::start().await;
    let client = server.client().await;
    for (check, prefix) in [
        (CodeCheck::CheckCharacter, "CHK-"),
        (CodeCheck::Mac, "MAC-"),
    ] {
        let campaign = client
            .create_campaign(spec("checked", prefix, None, check))
            .await
            .unwrap();
        client.generate_codes(campaign.id, 1_000).await.unwrap();
        generated(&client, campaign.id, 1_000).await;
        client
            .set_campaign_status(campaign.id, CampaignStatus::Active)
            .await
            .unwrap();
        let codes = export(&client, campaign.id).await;
        let good = &codes[0];
        assert!(
            client
                .validate(good, order("c", 10_000))
                .await
                .unwrap()
                .valid
        );
        // Change one character of the random part to another of the alphabet
        // (the characters the generated codes use).
        let alphabet: std::collections::BTreeSet<char> = codes
            .iter()
            .flat_map(|c| c[prefix.len()..].chars())
            .collect();
        let mut bad: Vec<char> = good.chars().collect();
        let at = prefix.len() + 2;
        bad[at] = *alphabet.iter().find(|&&c| c != bad[at]).unwrap();
        let bad: String = bad.into_iter().collect();
        if codes.contains(&bad) {
            continue;
        }
        let v = client.validate(&bad, order("c", 10_000)).await.unwrap();
        assert_eq!(
            v.reason,
            ErrorCode::CodeCheckFailed.as_u16(),
            "{check:?} {bad}"
        );
        assert_eq!(
            code_of(client.redeem(redeem_request(&bad, "o", "c", 10_000)).await),
            Some(ErrorCode::CodeCheckFailed)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_requests_are_checked() {
    let server = Server::start().await;
    let client = server.client().await;
    // A code space too small for the count is refused, with the arithmetic.
    let mut tiny = spec("tiny", "T-", None, CodeCheck::None);
    tiny.rules.code_length = 4;
    let campaign = client.create_campaign(tiny).await.unwrap();
    let refused = client.generate_codes(campaign.id, 1_000).await.unwrap_err();
    assert_eq!(
        refused.code(),
        Some(ErrorCode::InvalidArgument),
        "{refused}"
    );
    // A coupon limit caps generation.
    let mut limited = spec("limited", "LIM-", None, CodeCheck::None);
    limited.coupon_limit = Some(10);
    let campaign = client.create_campaign(limited).await.unwrap();
    assert_eq!(
        code_of(client.generate_codes(campaign.id, 11).await),
        Some(ErrorCode::InvalidArgument)
    );
    // Lifecycle moves that make no sense are refused.
    assert_eq!(
        code_of(
            client
                .set_campaign_status(campaign.id, CampaignStatus::Paused)
                .await
        ),
        Some(ErrorCode::InvalidState)
    );
    assert_eq!(
        code_of(
            client
                .set_campaign_status(campaign.id, CampaignStatus::Completed)
                .await
        ),
        Some(ErrorCode::InvalidState)
    );
    // A budget needs a currency.
    let mut no_currency = spec("nocur", "NC-", Some(100), CodeCheck::None);
    no_currency.template.currency.clear();
    assert_eq!(
        code_of(client.create_campaign(no_currency).await),
        Some(ErrorCode::InvalidArgument)
    );
    assert_eq!(
        code_of(client.get_campaign(999).await),
        Some(ErrorCode::NotFound)
    );
    // Only a DRAFT campaign without codes can be deleted; others are cancelled.
    let draft = client
        .create_campaign(spec("draft", "DR-", None, CodeCheck::None))
        .await
        .unwrap();
    client.delete_campaign(draft.id).await.unwrap();
    assert_eq!(
        code_of(client.get_campaign(draft.id).await),
        Some(ErrorCode::NotFound)
    );
    client.generate_codes(campaign.id, 5).await.unwrap();
    assert_eq!(
        code_of(client.delete_campaign(campaign.id).await),
        Some(ErrorCode::InvalidState)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_refunds_give_back_their_share_of_the_discount() {
    let server = Server::start().await;
    let client = server.client().await;
    let campaign = client
        .create_campaign(spec("refunds", "REF-", Some(1_000_000), CodeCheck::None))
        .await
        .unwrap();
    client.generate_codes(campaign.id, 10).await.unwrap();
    generated(&client, campaign.id, 10).await;
    client
        .set_campaign_status(campaign.id, CampaignStatus::Active)
        .await
        .unwrap();
    let code = export(&client, campaign.id).await.remove(0);
    // 10% of 150.00: 15.00 off.
    let r = client
        .redeem(redeem_request(&code, "order-1", "c1", 15_000))
        .await
        .unwrap()
        .redemption;
    let used = |c: &Campaign| (c.budget_used, c.redemptions);
    assert_eq!(
        used(&client.get_campaign(campaign.id).await.unwrap()),
        (1_500, 1)
    );
    let by_id = RedemptionRef::Id(r.id);

    // 50.00 of 150.00 refunded gives back a third of the discount; the use stays.
    let reply = client
        .refund(by_id.clone(), 5_000, "re_1", "one item")
        .await
        .unwrap();
    assert_eq!(
        reply.redemption.status,
        couponsd_client::wire::RedemptionStatus::Processed
    );
    assert_eq!(
        used(&client.get_campaign(campaign.id).await.unwrap()),
        (1_000, 1)
    );
    // A retry of the same refund changes nothing.
    let again = client
        .refund(by_id.clone(), 5_000, "re_1", "one item")
        .await
        .unwrap();
    assert!(again.replayed);
    assert_eq!(
        used(&client.get_campaign(campaign.id).await.unwrap()),
        (1_000, 1)
    );
    // The same refund id with another amount is a conflict.
    assert_eq!(
        code_of(client.refund(by_id.clone(), 4_000, "re_1", "").await),
        Some(ErrorCode::Conflict)
    );
    // More than is left is refused.
    assert_eq!(
        code_of(client.refund(by_id.clone(), 10_001, "re_2", "").await),
        Some(ErrorCode::InvalidArgument)
    );
    client
        .refund(by_id.clone(), 5_000, "re_2", "another")
        .await
        .unwrap();
    assert_eq!(
        used(&client.get_campaign(campaign.id).await.unwrap()),
        (500, 1)
    );
    // The rest, as a full reversal: the whole discount is back, and the use.
    let last = client.reverse(by_id.clone(), "cancelled").await.unwrap();
    assert_eq!(
        last.redemption.status,
        couponsd_client::wire::RedemptionStatus::Reversed
    );
    assert_eq!(
        used(&client.get_campaign(campaign.id).await.unwrap()),
        (0, 0)
    );
    let coupon = client
        .get_coupon(couponsd_client::wire::CouponRef::Code(code.clone()))
        .await
        .unwrap();
    assert_eq!(coupon.current_usage, 0);
    assert_eq!(
        code_of(client.reverse(by_id.clone(), "again").await),
        Some(ErrorCode::AlreadyReversed)
    );

    let reversals = client.list_reversals(by_id).await.unwrap();
    let shape: Vec<(i64, i64, bool, &str)> = reversals
        .iter()
        .map(|r| {
            (
                r.refund_amount,
                r.discount_returned,
                r.full,
                r.refund_id.as_str(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            (5_000, 500, false, "re_1"),
            (5_000, 500, false, "re_2"),
            (5_000, 500, true, "")
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generation_resumes_after_kill_9() {
    const CODES: u64 = 300_000;
    let mut server = Server::start().await;
    let client = server.client().await;
    let mut long = spec("resume", "RES-", None, CodeCheck::None);
    long.rules.code_length = 10;
    let campaign = client.create_campaign(long).await.unwrap();
    client.generate_codes(campaign.id, CODES).await.unwrap();
    // Kill it part way through.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let c = client.get_campaign(campaign.id).await.unwrap();
        if c.coupons_generated > 0 {
            assert!(
                c.coupons_generated < CODES,
                "generation finished before the kill"
            );
            break;
        }
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill9();
    server.restart().await;
    let client = server.client().await;
    let c = generated(&client, campaign.id, CODES).await;
    assert_eq!(
        c.coupons_generated, CODES,
        "generation resumed to its target"
    );
    let codes = export(&client, campaign.id).await;
    assert_eq!(codes.len() as u64, CODES);
    assert_eq!(codes.iter().collect::<HashSet<_>>().len() as u64, CODES);
}
