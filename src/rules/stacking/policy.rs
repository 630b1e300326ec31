//! What a coupon and the server say about stacking: a coupon's class, the
//! classes it combines with, whether it is exclusive, its priority; the
//! server's most codes per order and the base discounts are computed on.
//! The rules they drive are in the module documentation of `stacking`.

use couponsd_client::wire::{CouponSpec, DiscountType, COMBINES_WITH_ALL};

use crate::error::Error;

/// The most codes a policy may allow on one order.
pub const MAX_CODES_LIMIT: u32 = 100;
/// The most codes applied to one order unless the server says otherwise.
pub const DEFAULT_MAX_CODES: u32 = 10;

pub use couponsd_client::wire::StackClass;

/// The class of a coupon that does not set one, from its discount type and
/// criteria.
pub fn default_class(spec: &CouponSpec) -> StackClass {
    let has_criteria = !spec.applicable_products.is_empty() || !spec.excluded_products.is_empty();
    match spec.discount_type {
        DiscountType::FreeShipping => StackClass::Shipping,
        DiscountType::Product | DiscountType::BuyXGetY => StackClass::Product,
        DiscountType::Fixed if spec.apply_per_line => StackClass::Product,
        DiscountType::Percentage | DiscountType::Fixed if has_criteria => StackClass::Product,
        DiscountType::Percentage | DiscountType::Fixed => StackClass::Order,
    }
}

/// A set of classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClassSet(u8);

impl ClassSet {
    pub const NONE: ClassSet = ClassSet(0);

    pub fn of(classes: &[StackClass]) -> ClassSet {
        classes.iter().copied().collect()
    }

    pub fn contains(self, class: StackClass) -> bool {
        self.0 & class.combines_bit() != 0
    }
}

impl FromIterator<StackClass> for ClassSet {
    fn from_iter<I: IntoIterator<Item = StackClass>>(classes: I) -> ClassSet {
        ClassSet(
            classes
                .into_iter()
                .fold(0, |bits, class| bits | class.combines_bit()),
        )
    }
}

/// A coupon's stacking rules; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StackRules {
    pub class: StackClass,
    pub combines_with: ClassSet,
    pub exclusive: bool,
    pub priority: i32,
}

impl StackRules {
    /// What `spec`'s stacking settings say (CouponSpec fields 34 to 37);
    /// a class left unset is [`default_class`].
    pub fn of(spec: &CouponSpec) -> StackRules {
        let settings = &spec.stacking;
        StackRules {
            class: settings.class.unwrap_or_else(|| default_class(spec)),
            combines_with: ClassSet(settings.combines_with & COMBINES_WITH_ALL),
            exclusive: settings.exclusive,
            priority: settings.priority,
        }
    }

    /// Both ways: each one's `combines_with` has the other's class.
    pub fn combines(&self, other: &StackRules) -> bool {
        self.combines_with.contains(other.class) && other.combines_with.contains(self.class)
    }
}

/// What each discount of a stack is computed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// The initial amounts: each code's discount as it gives it alone.
    Initial,
    /// What the codes applied before it left.
    Remaining,
}

/// The server's stacking policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StackPolicy {
    max_codes: u32,
    base: Base,
}

impl StackPolicy {
    /// `max_codes` must be 1 to [`MAX_CODES_LIMIT`].
    pub fn new(max_codes: u32, base: Base) -> Result<StackPolicy, Error> {
        if !(1..=MAX_CODES_LIMIT).contains(&max_codes) {
            return Err(Error::invalid(
                "max_codes",
                format!("{max_codes} is not within 1 to {MAX_CODES_LIMIT}"),
            ));
        }
        Ok(StackPolicy { max_codes, base })
    }

    pub fn max_codes(&self) -> u32 {
        self.max_codes
    }

    pub fn base(&self) -> Base {
        self.base
    }
}

impl Default for StackPolicy {
    fn default() -> StackPolicy {
        StackPolicy {
            max_codes: DEFAULT_MAX_CODES,
            base: Base::Remaining,
        }
    }
}
