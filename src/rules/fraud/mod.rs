//! Fraud rules as pure functions: who a customer is (`identity`), whether
//! an address may use a coupon (`ip_rules`), how risky a request is and how
//! the model learns (`score`), how often a customer may redeem a coupon
//! (`velocity`), the suspicious patterns the score looks at
//! (`detectors`), and the fraud report over stored attempts (`report`).
//! No I/O, no clock, no floating point.

pub mod assess;
pub mod detectors;
pub mod enumeration;
pub mod identifiers;
pub mod identity;
pub mod ip_rules;
pub mod person;
pub mod report;
pub mod score;
pub mod security;
pub mod velocity;
