//! JSON as the vectors write it: every integer a decimal string.

use couponsd_client::wire::*;
use serde_json::{json, Map, Value};

/// `value` with every number turned into its decimal string, so that no JSON
/// reader rounds a 64-bit integer (JavaScript's numbers hold 53 bits).
pub fn plain(value: Value) -> Value {
    match value {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Array(items) => Value::Array(items.into_iter().map(plain).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, plain(v))).collect()),
        other => other,
    }
}

macro_rules! enums {
    ($($name:ident),+ $(,)?) => {
        /// Every one-byte enum of protocol.md section 5: name to number.
        pub fn enums() -> Map<String, Value> {
            let mut out = Map::new();
            $(
                let values: Map<String, Value> = $name::ALL
                    .iter()
                    .map(|v| (v.name().to_owned(), json!(v.as_u8().to_string())))
                    .collect();
                out.insert(stringify!($name).to_owned(), Value::Object(values));
            )+
            out
        }
    };
}

enums!(
    CampaignType,
    CampaignStatus,
    CodeCheck,
    DeliveryStatus,
    EventType,
    OrderMode,
    CouponType,
    DiscountType,
    AdminStatus,
    CouponStatus,
    DistributionMethod,
    CriteriaType,
    CriteriaOperator,
    RedemptionStatus,
    RiskLevel,
    Identifier,
    FraudLabel,
    NodeRole,
    StackClass,
    RefundBelowMinimum,
);
