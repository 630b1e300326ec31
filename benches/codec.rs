//! Wire codec: what a connection does per request, without the socket.
//!
//! For REDEEM and VALIDATE (the seed's SUMMER20 order: customer, 150.00 USD,
//! no line items):
//! - `encode_frame`: `Request::encode_frame` into a reused buffer (the client side);
//! - `read_frame`: the bytes land in a read buffer, then `frame::check`,
//!   `frame::parse` (CRC-32) and `Request::decode` (the server side);
//! - `decode_body`: `Request::decode` alone, on the body bytes.
//!
//! And the reply to a redemption: `Response::encode_frame` of a RedemptionReply.
//!
//! Run: `cargo bench --bench codec` (add `-- --quick` for a short run).

use std::hint::black_box;

use bytes::BytesMut;
use couponsd_client::wire::{
    frame, opcode, Order, RedeemRequest, Redemption, RedemptionReply, RedemptionStatus, Request,
    Response, MAX_FRAME_LENGTH,
};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn order() -> Order {
    Order {
        customer_id: "customer-123".into(),
        amount: 15_000,
        currency: "USD".into(),
        ..Order::default()
    }
}

fn redeem() -> Request {
    Request::Redeem(RedeemRequest {
        code: "SUMMER20".into(),
        order_id: "order-456".into(),
        transaction_id: String::new(),
        order: order(),
    })
}

fn validate() -> Request {
    Request::Validate {
        code: "SUMMER20".into(),
        order: order(),
    }
}

fn redemption_reply() -> Response {
    Response::Redemption(RedemptionReply {
        redemption: Redemption {
            id: 1,
            coupon_id: 1,
            code: "SUMMER20".into(),
            customer_id: "customer-123".into(),
            order_id: "order-456".into(),
            transaction_id: String::new(),
            status: RedemptionStatus::Processed,
            original_amount: 15_000,
            discount_amount: 3_000,
            final_amount: 12_000,
            currency: "USD".into(),
            channel: String::new(),
            created_at: 1_750_000_000_000,
            updated_at: 1_750_000_000_000,
            hold_expires_at: None,
            reverse_reason: String::new(),
            security: Default::default(),
            fraud_outcome: None,
            identifiers: Default::default(),
            counted: 0,
        },
        remaining_uses: Some(999),
        replayed: false,
    })
}

fn bench_request(c: &mut Criterion, name: &str, request: Request) {
    let mut encoded = BytesMut::new();
    request.encode_frame(7, &mut encoded);
    let encoded = encoded.freeze();
    // Sanity: the bytes decode back to the request.
    {
        let mut buf = BytesMut::from(&encoded[..]);
        let total = frame::check(&buf, MAX_FRAME_LENGTH).unwrap().unwrap();
        let f = frame::parse(&mut buf, total).unwrap();
        assert_eq!(Request::decode(f.opcode, &f.body).unwrap(), request);
    }
    let body = encoded.slice(frame::HEADER_LEN..);
    let op = request.opcode();

    let mut group = c.benchmark_group(format!("codec/{name}"));
    group.throughput(Throughput::Elements(1));

    let mut out = BytesMut::with_capacity(256);
    group.bench_function("encode_frame", |b| {
        b.iter(|| {
            out.clear();
            black_box(&request).encode_frame(black_box(7), &mut out);
            black_box(out.len())
        })
    });

    let mut read_buf = BytesMut::with_capacity(64 * 1024);
    group.bench_function("read_frame", |b| {
        b.iter(|| {
            read_buf.extend_from_slice(black_box(&encoded));
            let total = frame::check(&read_buf, MAX_FRAME_LENGTH).unwrap().unwrap();
            let f = frame::parse(&mut read_buf, total).unwrap();
            Request::decode(f.opcode, &f.body).unwrap()
        })
    });

    group.bench_function("decode_body", |b| {
        b.iter(|| Request::decode(black_box(op), black_box(&body)).unwrap())
    });
    group.finish();
}

fn codec(c: &mut Criterion) {
    bench_request(c, "redeem", redeem());
    bench_request(c, "validate", validate());

    let reply = redemption_reply();
    let mut group = c.benchmark_group("codec/redemption_reply");
    group.throughput(Throughput::Elements(1));
    let mut out = BytesMut::with_capacity(256);
    group.bench_function("encode_frame", |b| {
        b.iter(|| {
            out.clear();
            black_box(&reply).encode_frame(black_box(7), opcode::REDEEM, &mut out);
            black_box(out.len())
        })
    });
    group.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
