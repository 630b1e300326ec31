//! What a valid order context looks like.

use couponsd_client::wire::Order;

use super::limits::{IDENTIFIER, LINE_ITEMS};
use super::{bounded, bounded_list, currency};
use crate::error::{Error, Result};

/// Checks and normalizes an order (currency upper-cased).
pub fn validate(mut order: Order) -> Result<Order> {
    if order.amount < 0 {
        return Err(Error::invalid("amount", "negative"));
    }
    if order.shipping_amount < 0 {
        return Err(Error::invalid("shipping_amount", "negative"));
    }
    order.currency = currency("currency", &order.currency)?;
    bounded("customer_id", &order.customer_id, IDENTIFIER)?;
    // Counting keys prefix other identities with their kind and a NUL
    // (`rules::fraud::velocity`): a customer id cannot be spelled as one.
    if order.customer_id.contains('\0') {
        return Err(Error::invalid("customer_id", "contains a NUL byte"));
    }
    bounded("channel", &order.channel, IDENTIFIER)?;
    bounded("customer_email", &order.customer_email, 254)?;
    bounded("ip_address", &order.ip_address, 64)?;
    bounded("user_agent", &order.user_agent, 512)?;
    bounded("device_fingerprint", &order.device_fingerprint, IDENTIFIER)?;
    bounded(
        "payment_fingerprint",
        &order.payment_fingerprint,
        IDENTIFIER,
    )?;
    if order.provider_risk_score.is_some_and(|s| s > 1_000_000) {
        return Err(Error::invalid(
            "provider_risk_score",
            "at most 1000000 (ppm)",
        ));
    }
    bounded_list("customer_segments", &order.customer_segments)?;
    if order.items.len() > LINE_ITEMS {
        return Err(Error::invalid(
            "items",
            format!("more than {LINE_ITEMS} line items"),
        ));
    }
    for item in &order.items {
        if item.unit_price < 0 {
            return Err(Error::invalid("items.unit_price", "negative"));
        }
        bounded("items.product_id", &item.product_id, IDENTIFIER)?;
        bounded("items.sku", &item.sku, IDENTIFIER)?;
        bounded("items.category", &item.category, IDENTIFIER)?;
        bounded("items.brand", &item.brand, IDENTIFIER)?;
        bounded_list("items.tags", &item.tags)?;
    }
    Ok(order)
}

/// Order ids name an order in the caller's system: 1 to 128 bytes, kept as given.
pub fn order_id(order_id: &str) -> Result<()> {
    if order_id.is_empty() {
        return Err(Error::invalid("order_id", "empty"));
    }
    bounded("order_id", order_id, IDENTIFIER)
}
