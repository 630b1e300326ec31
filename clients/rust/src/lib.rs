//! Rust client for couponsd.
//!
//! ```no_run
//! # async fn demo() -> Result<(), couponsd_client::ClientError> {
//! use couponsd_client::{Client, wire::{Order, RedeemRequest}};
//! let client = Client::connect("127.0.0.1:7878").await?;
//! let order = Order { customer_id: "customer-123".into(), amount: 15000, currency: "USD".into(), ..Default::default() };
//! let reply = client.redeem(RedeemRequest {
//!     code: "SUMMER20".into(), order_id: "order-456".into(), transaction_id: String::new(), order,
//! }).await?;
//! println!("discount {} final {}", reply.redemption.discount_amount, reply.redemption.final_amount);
//! # Ok(()) }
//! ```
//!
//! # Layout
//! - `wire`: the protocol's bytes (frames, fields, messages, error codes); shared with the server.
//! - `frame_io`: reads whole frames from a stream.
//! - `client`: the pipelined connection.
//! - `money`: decimal strings <-> minor units, per ISO 4217 currency.
//! - `tls`: TLS options (rustls): the CA trusted, the client certificate.

pub mod client;
pub mod error;
pub mod frame_io;
pub mod money;
pub mod tls;
pub mod wire;

pub use client::{Client, ClientOptions};
pub use error::ClientError;
pub use tls::TlsOptions;
