//! Requests this server makes to others: `http.rs` POSTs a body to a URL
//! (webhooks; any other outbound HTTP, such as an SMS gateway, uses it too).

pub mod http;
