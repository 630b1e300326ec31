//! The security settings a coupon enforces on the order alone: its IP
//! restrictions, a required device fingerprint, and disposable email
//! domains refused where the coupon blocks suspicious patterns. VALIDATE
//! and REDEEM agree on each.

mod common;

use common::{code_of, percent_coupon, redeem_request, Server};
use couponsd_client::wire::{CouponSpec, ErrorCode, Order, RedeemRequest, SecuritySettings};
use couponsd_client::Client;

fn secured(code: &str, security: SecuritySettings) -> CouponSpec {
    CouponSpec {
        security,
        ..percent_coupon(code, 1000, None, None)
    }
}

fn request(code: &str, order_id: &str, ip: &str, device: &str, email: &str) -> RedeemRequest {
    let base = redeem_request(code, order_id, "dana", 10_000);
    RedeemRequest {
        order: Order {
            ip_address: ip.into(),
            device_fingerprint: device.into(),
            customer_email: email.into(),
            ..base.order
        },
        ..base
    }
}

/// VALIDATE's reason and REDEEM's answer for one request: they must agree.
async fn both(client: &Client, r: RedeemRequest) -> Option<ErrorCode> {
    let v = client
        .validate(&r.code, r.order.clone())
        .await
        .expect("validate answers");
    let redeemed = client.redeem(r).await;
    match redeemed {
        Ok(_) => {
            assert!(v.valid, "VALIDATE said {} but REDEEM took it", v.reason);
            None
        }
        Err(e) => {
            let code = e.code().expect("a typed refusal");
            assert_eq!(v.reason, code.as_u16(), "VALIDATE and REDEEM disagree");
            Some(code)
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_settings_refuse_with_their_own_reasons() {
    let server = Server::start().await;
    let client = server.client().await;
    let open = SecuritySettings {
        block_suspicious_patterns: false,
        ..SecuritySettings::default()
    };

    client
        .create_coupon(secured(
            "OFFICE",
            SecuritySettings {
                ip_restrictions: vec!["allow:10.0.0.0/8".into(), "deny:10.66.0.0/16".into()],
                ..open.clone()
            },
        ))
        .await
        .expect("a coupon with IP restrictions");
    assert_eq!(
        both(&client, request("OFFICE", "o1", "10.1.2.3", "", "")).await,
        None
    );
    assert_eq!(
        both(&client, request("OFFICE", "o2", "10.66.0.9", "", "")).await,
        Some(ErrorCode::IpNotAllowed),
        "in the deny range"
    );
    assert_eq!(
        both(&client, request("OFFICE", "o3", "192.0.2.1", "", "")).await,
        Some(ErrorCode::IpNotAllowed),
        "outside every allow range"
    );
    assert_eq!(
        both(&client, request("OFFICE", "o4", "", "", "")).await,
        Some(ErrorCode::IpNotAllowed),
        "no address"
    );

    client
        .create_coupon(secured(
            "DEVICE",
            SecuritySettings {
                device_fingerprinting: true,
                ..open.clone()
            },
        ))
        .await
        .expect("a coupon needing a fingerprint");
    assert_eq!(
        both(&client, request("DEVICE", "o5", "", "", "")).await,
        Some(ErrorCode::DeviceFingerprintRequired)
    );
    assert_eq!(
        both(&client, request("DEVICE", "o6", "", "fp-1", "")).await,
        None
    );

    // Suspicious patterns are blocked by default: a throwaway address.
    client
        .create_coupon(percent_coupon("WELCOME", 1000, None, None))
        .await
        .expect("a coupon with the default settings");
    assert_eq!(
        both(
            &client,
            request("WELCOME", "o7", "", "", "dana@mailinator.com")
        )
        .await,
        Some(ErrorCode::DisposableEmail)
    );
    assert_eq!(
        both(
            &client,
            request("WELCOME", "o8", "", "", "dana@example.com")
        )
        .await,
        None
    );
    client
        .create_coupon(secured("LENIENT", open.clone()))
        .await
        .expect("a coupon that does not block patterns");
    assert_eq!(
        both(
            &client,
            request("LENIENT", "o9", "", "", "dana@mailinator.com")
        )
        .await,
        None
    );

    // Restrictions that are not ranges are refused when the coupon is made.
    let bad = secured(
        "BADIPS",
        SecuritySettings {
            ip_restrictions: vec!["deny:nonsense".into()],
            ..open
        },
    );
    assert_eq!(
        code_of(client.create_coupon(bad).await),
        ErrorCode::InvalidArgument
    );
}
