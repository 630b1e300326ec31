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
            // Public, so a refusal says why (a private code's refusal for its
            // own state answers as an unknown code: tests/guessing.rs).
            is_public: true,
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
    let c = client
        .generate_codes(campaign.id, CODES, campaign.revision)
        .await
        .unwrap();
    assert_eq!(c.generation_target, CODES);
    // A retry of that request (its reply lost, say) cannot double the codes.
    assert_eq!(
        code_of(
            client
                .generate_codes(campaign.id, CODES, campaign.revision)
                .await
        ),
        Some(ErrorCode::Conflict)
    );
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
        client.generate_codes(campaign.id, 1_000, 0).await.unwrap();
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
    // Rules that hold no code at all are refused when the campaign is made:
    // 6 of the 5 unambiguous digits (34679) is 15,625 random parts.
    let mut digits = spec("digits", "D-", None, CodeCheck::None);
    digits.rules.include_letters = false;
    digits.rules.code_length = 6;
    let refused = client.create_campaign(digits).await.unwrap_err();
    assert_eq!(
        refused.code(),
        Some(ErrorCode::InvalidArgument),
        "{refused}"
    );
    assert!(
        refused.to_string().contains("5-character alphabet"),
        "{refused}"
    );
    // A code space too small for the count is refused, with the arithmetic:
    // 5 of 25 characters hold 9 codes.
    let mut tiny = spec("tiny", "T-", None, CodeCheck::None);
    tiny.rules.code_length = 5;
    let campaign = client.create_campaign(tiny).await.unwrap();
    let refused = client
        .generate_codes(campaign.id, 1_000, 0)
        .await
        .unwrap_err();
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
        code_of(client.generate_codes(campaign.id, 11, 0).await),
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
    client.generate_codes(campaign.id, 5, 0).await.unwrap();
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
    client.generate_codes(campaign.id, 10, 0).await.unwrap();
    generated(&client, campaign.id, 10).await;
    client
        .set_campaign_status(campaign.id, CampaignStatus::Active)
        .await
        .unwrap();
    let code = export(&client, campaign.id).await.remove(0);
    // 10% of 200.00: 20.00 off, 180.00 paid. Refunds are of what was paid.
    let r = client
        .redeem(redeem_request(&code, "order-1", "c1", 20_000))
        .await
        .unwrap()
        .redemption;
    assert_eq!((r.discount_amount, r.final_amount), (2_000, 18_000));
    let used = |c: &Campaign| (c.budget_used, c.redemptions);
    assert_eq!(
        used(&client.get_campaign(campaign.id).await.unwrap()),
        (2_000, 1)
    );
    let by_id = RedemptionRef::Id(r.id);

    // 60.00 of the 180.00 paid refunded gives back a third of the discount,
    // rounded down (6.66); the use stays.
    let reply = client
        .refund(by_id.clone(), 6_000, "re_1", "one item")
        .await
        .unwrap();
    assert_eq!(
        reply.redemption.status,
        couponsd_client::wire::RedemptionStatus::Processed
    );
    assert_eq!(
        used(&client.get_campaign(campaign.id).await.unwrap()),
        (1_334, 1)
    );
    // A retry of the same refund changes nothing.
    let again = client
        .refund(by_id.clone(), 6_000, "re_1", "one item")
        .await
        .unwrap();
    assert!(again.replayed);
    assert_eq!(
        used(&client.get_campaign(campaign.id).await.unwrap()),
        (1_334, 1)
    );
    // The same refund id with another amount is a conflict.
    assert_eq!(
        code_of(client.refund(by_id.clone(), 4_000, "re_1", "").await),
        Some(ErrorCode::Conflict)
    );
    // More than is left of what was paid is refused.
    assert_eq!(
        code_of(client.refund(by_id.clone(), 12_001, "re_2", "").await),
        Some(ErrorCode::InvalidArgument)
    );
    client
        .refund(by_id.clone(), 6_000, "re_2", "another")
        .await
        .unwrap();
    assert_eq!(
        used(&client.get_campaign(campaign.id).await.unwrap()),
        (667, 1)
    );
    // Refunding the rest of the payment is the full reversal: the whole
    // discount is back, and the use.
    let last = client
        .refund(by_id.clone(), 6_000, "re_3", "the rest")
        .await
        .unwrap();
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
            (6_000, 666, false, "re_1"),
            (6_000, 667, false, "re_2"),
            (6_000, 667, true, "re_3")
        ]
    );

    // A redemption takes at most 100 reversals: 99 partial refunds, then
    // only the full one.
    let r = client
        .redeem(redeem_request(&code, "order-2", "c2", 20_000))
        .await
        .unwrap()
        .redemption;
    let by_id = RedemptionRef::Id(r.id);
    for i in 0..99 {
        client
            .refund(by_id.clone(), 1, &format!("cent-{i}"), "")
            .await
            .unwrap();
    }
    assert_eq!(
        code_of(client.refund(by_id.clone(), 1, "cent-99", "").await),
        Some(ErrorCode::InvalidState)
    );
    let last = client.reverse(by_id.clone(), "the rest").await.unwrap();
    assert_eq!(
        last.redemption.status,
        couponsd_client::wire::RedemptionStatus::Reversed
    );
    assert_eq!(client.list_reversals(by_id).await.unwrap().len(), 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generation_resumes_after_kill_9() {
    const CODES: u64 = 300_000;
    let mut server = Server::start().await;
    let client = server.client().await;
    let mut long = spec("resume", "RES-", None, CodeCheck::None);
    long.rules.code_length = 10;
    let campaign = client.create_campaign(long).await.unwrap();
    client.generate_codes(campaign.id, CODES, 0).await.unwrap();
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

/// Codes that look alike (the same shape) coexist: a campaign's check never
/// refuses a code that exists, and the capacity rule counts every campaign
/// of the shape together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_of_one_shape_from_several_campaigns_and_by_hand() {
    let server = Server::start().await;
    let client = server.client().await;
    // Two MAC campaigns of the same shape, each with its own key.
    let mut codes = Vec::new();
    for name in ["mac-a", "mac-b"] {
        let campaign = client
            .create_campaign(spec(name, "SAME-", None, CodeCheck::Mac))
            .await
            .unwrap();
        client.generate_codes(campaign.id, 50, 0).await.unwrap();
        generated(&client, campaign.id, 50).await;
        client
            .set_campaign_status(campaign.id, CampaignStatus::Active)
            .await
            .unwrap();
        codes.extend(export(&client, campaign.id).await);
    }
    // A check-character campaign whose shape is any 9 characters of the
    // default alphabet, and coupons made by hand that have that shape: at
    // most one of these passes the check character, and all must work.
    client
        .create_campaign(spec("bare", "", None, CodeCheck::CheckCharacter))
        .await
        .unwrap();
    for code in ["HAPPYDAY3", "HAPPYDAY4", "HAPPYDAY6", "HAPPYDAY7"] {
        client
            .create_coupon(common::percent_coupon(code, 1000, None, None))
            .await
            .unwrap();
        codes.push(code.to_string());
    }
    for code in &codes {
        let v = client.validate(code, order("c", 10_000)).await.unwrap();
        assert!(v.valid, "{code}: {v:?}");
    }

    // The capacity rule: 6 characters of 25 hold 244 codes per shape.
    let mut small = spec("small-a", "CAP-", None, CodeCheck::None);
    small.rules.code_length = 6;
    let a = client.create_campaign(small.clone()).await.unwrap();
    client.generate_codes(a.id, 200, 0).await.unwrap();
    small.name = "small-b".into();
    let b = client.create_campaign(small.clone()).await.unwrap();
    let refused = client.generate_codes(b.id, 100, 0).await.unwrap_err();
    assert_eq!(
        refused.code(),
        Some(ErrorCode::InvalidArgument),
        "{refused}"
    );
    assert!(
        refused.to_string().contains("200 asked for already"),
        "{refused}"
    );
    // Another prefix is another shape.
    small.name = "small-c".into();
    small.rules.prefix = "CAQ-".into();
    let c = client.create_campaign(small).await.unwrap();
    client.generate_codes(c.id, 100, 0).await.unwrap();
    // Prefixes that would break a CSV export or read as a formula are refused.
    for prefix in ["=1+1", "A,B", "\"Q", "-X", "@X"] {
        assert_eq!(
            code_of(
                client
                    .create_campaign(spec("bad", prefix, None, CodeCheck::None))
                    .await
            ),
            Some(ErrorCode::InvalidArgument),
            "{prefix}"
        );
    }
}

/// A generated code is changed, stopped or ended through its campaign only;
/// a coupon made by hand may join a campaign when it is created, and then
/// counts against its budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coupons_and_their_campaigns() {
    use couponsd_client::wire::CouponRef;
    let server = Server::start().await;
    let client = server.client().await;
    let campaign = client
        .create_campaign(spec("links", "LNK-", Some(2_500), CodeCheck::None))
        .await
        .unwrap();
    client.generate_codes(campaign.id, 5, 0).await.unwrap();
    generated(&client, campaign.id, 5).await;
    client
        .set_campaign_status(campaign.id, CampaignStatus::Active)
        .await
        .unwrap();
    let mut codes = export(&client, campaign.id).await;
    let code = codes.remove(0);
    client
        .redeem(redeem_request(&code, "o-1", "c-1", 10_000))
        .await
        .unwrap();
    let coupon = client
        .get_coupon(CouponRef::Code(code.clone()))
        .await
        .unwrap();
    // Neither deleted nor changed on its own: its single use stays used.
    assert_eq!(
        code_of(client.delete_coupon(coupon.id).await),
        Some(ErrorCode::InvalidState)
    );
    assert_eq!(
        code_of(
            client
                .update_coupon(coupon.id, 0, coupon.spec.clone())
                .await
        ),
        Some(ErrorCode::InvalidState)
    );
    assert_eq!(
        code_of(
            client
                .redeem(redeem_request(&code, "o-2", "c-2", 10_000))
                .await
        ),
        Some(ErrorCode::Exhausted)
    );

    // A coupon made by hand joins an existing campaign, in its budget's currency.
    let mut by_hand = common::percent_coupon("HAND-1", 1000, None, None);
    by_hand.campaign_id = Some(999);
    assert_eq!(
        code_of(client.create_coupon(by_hand.clone()).await),
        Some(ErrorCode::NotFound)
    );
    by_hand.campaign_id = Some(campaign.id);
    by_hand.currency = "EUR".into();
    assert_eq!(
        code_of(client.create_coupon(by_hand.clone()).await),
        Some(ErrorCode::InvalidArgument)
    );
    // Also when the campaign has no budget: the template's currency is the
    // campaign's (protocol.md, COUPON_CREATE).
    let unbudgeted = client
        .create_campaign(spec("nobudget", "NB-", None, CodeCheck::None))
        .await
        .unwrap();
    let refused = client
        .create_coupon(CouponSpec {
            code: "HAND-EUR".into(),
            campaign_id: Some(unbudgeted.id),
            ..by_hand.clone()
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::InvalidArgument));
    assert!(refused.to_string().contains("currency"), "{refused}");
    by_hand.currency = "USD".into();
    let joined = client.create_coupon(by_hand.clone()).await.unwrap();
    // 10.00 of the 25.00 budget went to the generated code; this takes 10.00
    // more, and a third is more than is left.
    client
        .redeem(redeem_request("HAND-1", "o-3", "c-3", 10_000))
        .await
        .unwrap();
    assert_eq!(
        client.get_campaign(campaign.id).await.unwrap().budget_used,
        2_000
    );
    assert_eq!(
        code_of(
            client
                .redeem(redeem_request("HAND-1", "o-4", "c-4", 10_000))
                .await
        ),
        Some(ErrorCode::BudgetExhausted)
    );
    // It never moves to another campaign, and is stopped, not deleted.
    let mut moved = joined.spec.clone();
    moved.campaign_id = None;
    assert_eq!(
        code_of(client.update_coupon(joined.id, 0, moved).await),
        Some(ErrorCode::InvalidArgument)
    );
    assert_eq!(
        code_of(client.delete_coupon(joined.id).await),
        Some(ErrorCode::InvalidState)
    );
    // Pausing the campaign stops it too.
    client
        .set_campaign_status(campaign.id, CampaignStatus::Paused)
        .await
        .unwrap();
    let v = client
        .validate("HAND-1", order("c-5", 1_000))
        .await
        .unwrap();
    assert_eq!(v.reason, ErrorCode::CampaignInactive.as_u16());
    // And its coupons show it: they redeem nothing while it is paused.
    for shown in [
        CouponRef::Code("HAND-1".into()),
        CouponRef::Code(codes.remove(0)),
    ] {
        let c = client.get_coupon(shown).await.unwrap();
        assert_eq!(c.status, couponsd_client::wire::CouponStatus::Inactive);
    }
    // The campaign's currency, which its coupons share, never changes.
    let current = client.get_campaign(campaign.id).await.unwrap();
    let mut euros = current.spec.clone();
    euros.template.currency = "EUR".into();
    assert_eq!(
        code_of(client.update_campaign(campaign.id, 0, euros).await),
        Some(ErrorCode::InvalidArgument)
    );

    // Coupons of a DRAFT campaign that is deleted stay refused, and can
    // still be changed or deleted.
    let draft = client
        .create_campaign(spec("draft", "DRF-", None, CodeCheck::None))
        .await
        .unwrap();
    let mut orphan = common::percent_coupon("ORPHAN-1", 1000, None, None);
    orphan.campaign_id = Some(draft.id);
    let orphan = client.create_coupon(orphan).await.unwrap();
    client.delete_campaign(draft.id).await.unwrap();
    let v = client
        .validate("ORPHAN-1", order("c-6", 1_000))
        .await
        .unwrap();
    assert_eq!(v.reason, ErrorCode::CampaignInactive.as_u16());
    let mut inactive = orphan.spec.clone();
    inactive.status = couponsd_client::wire::AdminStatus::Inactive;
    client
        .update_coupon(orphan.id, orphan.revision, inactive)
        .await
        .unwrap();
    client.delete_coupon(orphan.id).await.unwrap();
}

/// `validity_days`: each code's window ends that many days after it was
/// generated, or at the template's end if that comes first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_codes_are_valid_for_their_days() {
    use couponsd_client::wire::CouponRef;
    const DAY_MS: i64 = 86_400_000;
    let server = Server::start().await;
    let client = server.client().await;
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64
    };
    let mut week = spec("week", "WK-", None, CodeCheck::None);
    week.validity_days = 7;
    let mut short = spec("short", "SH-", None, CodeCheck::None);
    short.validity_days = 7;
    let template_end = now() + DAY_MS;
    short.template.ends_at = Some(template_end);
    let before = now();
    let mut ends = Vec::new();
    for campaign in [week, short] {
        let campaign = client.create_campaign(campaign).await.unwrap();
        client.generate_codes(campaign.id, 3, 0).await.unwrap();
        generated(&client, campaign.id, 3).await;
        let code = export(&client, campaign.id).await.remove(0);
        let coupon = client.get_coupon(CouponRef::Code(code)).await.unwrap();
        ends.push(coupon.spec.ends_at.expect("an end"));
        // A code's creation time is its generation, where its days count from.
        assert!(
            coupon.created_at >= before && coupon.created_at <= now(),
            "{}",
            coupon.created_at
        );
    }
    let after = now();
    assert!(
        (before + 7 * DAY_MS..=after + 7 * DAY_MS).contains(&ends[0]),
        "{ends:?}"
    );
    assert_eq!(ends[1], template_end);
    let mut too_long = spec("long", "LG-", None, CodeCheck::None);
    too_long.validity_days = 3_651;
    assert_eq!(
        code_of(client.create_campaign(too_long).await),
        Some(ErrorCode::InvalidArgument)
    );
}

/// The budget counts holds: reserves race for it, and released, expired and
/// confirmed holds leave it exactly right.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn holds_count_against_the_budget() {
    let server = Server::start_with(&["--hold-sweep-ms", "50"]).await;
    let client = server.client().await;
    // 10.00 of budget; each order of 10.00 gets 1.00 off: 10 fit.
    let campaign = client
        .create_campaign(spec("holds", "HLD-", Some(1_000), CodeCheck::None))
        .await
        .unwrap();
    client.generate_codes(campaign.id, 60, 0).await.unwrap();
    generated(&client, campaign.id, 60).await;
    client
        .set_campaign_status(campaign.id, CampaignStatus::Active)
        .await
        .unwrap();
    let codes = export(&client, campaign.id).await;
    let reserve = |client: Client, code: String, order: String, ttl_ms: u32| async move {
        client
            .reserve(common::reserve_request(
                &code, &order, &order, 1_000, ttl_ms,
            ))
            .await
            .map(|r| r.redemption.id)
            .map_err(|e| e.code())
    };
    let used = |c: Campaign| (c.budget_used, c.redemptions);
    let mut tasks = Vec::new();
    for (i, code) in codes.iter().take(40).enumerate() {
        let client = server.client().await;
        tasks.push(tokio::spawn(reserve(
            client,
            code.clone(),
            format!("o-{i}"),
            60_000,
        )));
    }
    let mut held = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(id) => held.push(id),
            Err(Some(ErrorCode::BudgetExhausted)) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(held.len(), 10, "the budget holds exactly 10");
    let get = || client.get_campaign(campaign.id);
    assert_eq!(used(get().await.unwrap()), (1_000, 10));

    // A confirmed hold keeps its share; a released one gives it back.
    client.confirm(RedemptionRef::Id(held[0])).await.unwrap();
    client.release(RedemptionRef::Id(held[1])).await.unwrap();
    assert_eq!(used(get().await.unwrap()), (900, 9));
    // A short hold takes it again, and expires: the sweeper gives it back.
    reserve(client.clone(), codes[40].clone(), "s-0".into(), 300)
        .await
        .unwrap();
    assert_eq!(used(get().await.unwrap()), (1_000, 10));
    assert_eq!(
        reserve(client.clone(), codes[41].clone(), "s-1".into(), 300).await,
        Err(Some(ErrorCode::BudgetExhausted))
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while used(get().await.unwrap()) != (900, 9) {
        assert!(Instant::now() < deadline, "the short hold never expired");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // What was given back can be taken again, and no more.
    let mut ok = 0;
    for (i, code) in codes[42..].iter().enumerate() {
        match client
            .redeem(redeem_request(code, &format!("r-{i}"), "z", 1_000))
            .await
        {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e.code(), Some(ErrorCode::BudgetExhausted)),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(used(get().await.unwrap()), (1_000, 10));
}
