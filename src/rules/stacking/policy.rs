//! What a coupon and the server say about stacking: a coupon's class, the
//! classes it combines with, whether it is exclusive, its priority; the
//! server's most codes per order and the base discounts are computed on.
//! The rules they drive are in the module documentation of `stacking`.

use couponsd_client::wire::{CouponSpec, DiscountType};

use crate::error::Error;

/// The most codes a policy may allow on one order.
pub const MAX_CODES_LIMIT: u32 = 100;
/// The most codes applied to one order unless the server says otherwise.
pub const DEFAULT_MAX_CODES: u32 = 10;

/// What kind of discount a code is, for deciding which codes combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StackClass {
    Order,
    Product,
    Shipping,
}

impl StackClass {
    pub const ALL: [StackClass; 3] = [StackClass::Order, StackClass::Product, StackClass::Shipping];

    /// The default class of a coupon, from its discount type and criteria.
    pub fn of(spec: &CouponSpec) -> StackClass {
        let has_criteria =
            !spec.applicable_products.is_empty() || !spec.excluded_products.is_empty();
        match spec.discount_type {
            DiscountType::FreeShipping => StackClass::Shipping,
            DiscountType::Product | DiscountType::BuyXGetY => StackClass::Product,
            DiscountType::Fixed if spec.apply_per_line => StackClass::Product,
            DiscountType::Percentage | DiscountType::Fixed if has_criteria => StackClass::Product,
            DiscountType::Percentage | DiscountType::Fixed => StackClass::Order,
        }
    }

    fn bit(self) -> u8 {
        match self {
            StackClass::Order => 1,
            StackClass::Product => 2,
            StackClass::Shipping => 4,
        }
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
        self.0 & class.bit() != 0
    }
}

impl FromIterator<StackClass> for ClassSet {
    fn from_iter<I: IntoIterator<Item = StackClass>>(classes: I) -> ClassSet {
        ClassSet(
            classes
                .into_iter()
                .fold(0, |bits, class| bits | class.bit()),
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
    /// The defaults: the class from the discount type, combines with
    /// nothing, not exclusive, priority 0.
    pub fn default_for(spec: &CouponSpec) -> StackRules {
        StackRules {
            class: StackClass::of(spec),
            combines_with: ClassSet::NONE,
            exclusive: false,
            priority: 0,
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
