//! The qualification index (QUALIFY, issue 12): coupons by what they target,
//! so "which coupons apply to this cart" looks at the coupons a cart could
//! meet instead of scanning them all.
//!
//! Derived state: built from coupon definitions wherever one is installed
//! or removed (`State::put_def`, the delete effect), so recovery and a
//! snapshot install, which install every definition again, rebuild it. It
//! is never stored, checkpointed or digested.
//!
//! # What is listed
//!
//! Only coupons a shopper may be told about: ACTIVE ones that are public,
//! automatic promotions (`auto_apply`) or assigned to a customer. A private
//! coupon (not public, not automatic, not assigned) is never listed, nor is
//! a campaign's generated code (one code per recipient). A coupon is
//! listed under one currency (its own; empty: any) and one target, the
//! most selective it has, since a cart it applies to meets every one:
//!
//! 1. its assigned customer: found only by that customer's carts;
//! 2. else one applicable product criterion of a text type (product id,
//!    sku, category, brand, tag) with `in` or `equals`, under each value it
//!    names (the criterion with the fewest values);
//! 3. else its customer segments, under each;
//! 4. else untargeted.
//!
//! A cart looks under its customer, each of its lines' product ids, skus,
//! categories, brands and tags, its segments and the untargeted bucket, in
//! its currency and in "any currency". Names compare ignoring ASCII case,
//! as the rules compare them; customer ids exactly.
//!
//! # Bounded: best first, at most `max` candidates
//!
//! Each bucket keeps its coupons by how their discount is computed (`Kind`),
//! each kind by discount value descending. For one cart, every kind's value
//! gives an upper bound of the discount (the cap and every other check
//! ignored) that never decreases with the value: a percentage of the order
//! amount, a fixed amount, a fixed amount per line or per unit, or the
//! shipping, at most the order amount. A request merges the buckets it
//! looks under by that bound, descending (then coupon id ascending), and
//! takes at most `max` distinct coupons; `truncated` says that more were
//! left. So the candidates a bound cuts are the ones that could give the
//! least, and the work per request is O(max × log buckets), whatever the
//! store holds.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap, HashSet};

use couponsd_client::wire::{
    AdminStatus, CouponSpec, CriteriaOperator, CriteriaType, DiscountType, Order,
};

use crate::domain::coupon::CouponDef;
use crate::rules::discount::percent_of;

/// How a coupon's discount grows with its value, for its upper bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Basis points of the order (PERCENTAGE, BUY_X_GET_Y).
    Percent = 0,
    /// A fixed amount off the order.
    Fixed = 1,
    /// A fixed amount off each line.
    FixedPerLine = 2,
    /// A fixed amount off each unit (PRODUCT).
    PerUnit = 3,
    /// The shipping (FREE_SHIPPING): the value plays no part.
    Shipping = 4,
}

const KINDS: usize = 5;

impl Kind {
    fn of(spec: &CouponSpec) -> Kind {
        match spec.discount_type {
            DiscountType::Percentage | DiscountType::BuyXGetY => Kind::Percent,
            DiscountType::Fixed if spec.apply_per_line => Kind::FixedPerLine,
            DiscountType::Fixed => Kind::Fixed,
            DiscountType::Product => Kind::PerUnit,
            DiscountType::FreeShipping => Kind::Shipping,
        }
    }

    fn rank(self, spec: &CouponSpec) -> i64 {
        match self {
            Kind::Shipping => 0,
            _ => spec.discount_value,
        }
    }

    /// The most a coupon of this kind and `value` could take off `order`.
    fn bound(self, value: i64, order: &Order) -> i128 {
        let amount = i128::from(order.amount.max(0));
        let value = i128::from(value.max(0));
        let lines = order.items.len().max(1) as i128;
        let units: i128 = order.items.iter().map(|l| i128::from(l.quantity)).sum();
        let raw = match self {
            Kind::Percent => percent_of(amount, value as i64),
            Kind::Fixed => value,
            Kind::FixedPerLine => value * lines,
            Kind::PerUnit => value * units,
            Kind::Shipping => i128::from(order.shipping_amount.max(0)),
        };
        raw.clamp(0, amount)
    }
}

/// What a bucket is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Target {
    Customer(String),
    Product(CriteriaType, String),
    Segment(String),
    Untargeted,
}

/// A bucket: a currency (empty: any) and a target.
type BucketKey = (String, Target);

/// Each kind's coupons, by discount value descending, then id.
#[derive(Debug, Default)]
struct Bucket {
    kinds: [BTreeSet<(Reverse<i64>, u64)>; KINDS],
}

impl Bucket {
    fn is_empty(&self) -> bool {
        self.kinds.iter().all(BTreeSet::is_empty)
    }
}

/// Where a coupon is listed, to take it out again.
#[derive(Debug)]
struct Listing {
    buckets: Vec<BucketKey>,
    kind: Kind,
    rank: i64,
}

/// The coupons a request should judge, best first, and whether the bound
/// left some out.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Candidates {
    pub coupon_ids: Vec<u64>,
    pub truncated: bool,
}

#[derive(Debug, Default)]
pub struct TargetIndex {
    buckets: HashMap<BucketKey, Bucket>,
    listed: HashMap<u64, Listing>,
}

impl TargetIndex {
    /// Lists `def` as it is now (taking out what it was).
    pub fn put(&mut self, def: &CouponDef) {
        self.remove(def.id);
        let Some(targets) = targets_of(&def.spec) else {
            return;
        };
        let kind = Kind::of(&def.spec);
        let rank = kind.rank(&def.spec);
        let buckets: Vec<BucketKey> = targets
            .into_iter()
            .map(|t| (def.spec.currency.clone(), t))
            .collect();
        for key in &buckets {
            let bucket = self.buckets.entry(key.clone()).or_default();
            bucket.kinds[kind as usize].insert((Reverse(rank), def.id));
        }
        let listing = Listing {
            buckets,
            kind,
            rank,
        };
        self.listed.insert(def.id, listing);
    }

    /// Takes coupon `id` out, if it is listed.
    pub fn remove(&mut self, id: u64) {
        let Some(listing) = self.listed.remove(&id) else {
            return;
        };
        for key in listing.buckets {
            if let Some(bucket) = self.buckets.get_mut(&key) {
                let removed =
                    bucket.kinds[listing.kind as usize].remove(&(Reverse(listing.rank), id));
                debug_assert!(removed, "a listed coupon is in each of its buckets");
                if bucket.is_empty() {
                    self.buckets.remove(&key);
                }
            }
        }
    }

    /// The coupons `order` could meet, best bound first, at most `max`.
    pub fn candidates(&self, order: &Order, max: usize) -> Candidates {
        let mut streams = Vec::new();
        for key in lookups(order) {
            let Some(bucket) = self.buckets.get(&key) else {
                continue;
            };
            for (kind, set) in KIND_ORDER.iter().zip(&bucket.kinds) {
                if !set.is_empty() {
                    streams.push((*kind, set.iter()));
                }
            }
        }
        // The head of each stream: (bound, id ascending, stream).
        let mut heads = BinaryHeap::with_capacity(streams.len());
        for (n, (kind, stream)) in streams.iter_mut().enumerate() {
            if let Some(&(Reverse(rank), id)) = stream.next() {
                heads.push((kind.bound(rank, order), Reverse(id), n));
            }
        }
        let mut seen = HashSet::new();
        let mut coupon_ids = Vec::new();
        let mut truncated = false;
        // Each step takes one head and pushes at most one: at most `max`
        // new coupons and as many repeats (a coupon listed under several
        // keys the cart meets); past either, the answer says truncated.
        let mut steps_left = max.saturating_mul(2);
        while let Some((_, Reverse(id), n)) = heads.pop() {
            let new = !seen.contains(&id);
            if (new && coupon_ids.len() == max) || steps_left == 0 {
                truncated = true;
                break;
            }
            if new {
                seen.insert(id);
                coupon_ids.push(id);
            }
            steps_left -= 1;
            let (kind, stream) = &mut streams[n];
            if let Some(&(Reverse(rank), next)) = stream.next() {
                heads.push((kind.bound(rank, order), Reverse(next), n));
            }
        }
        assert!(coupon_ids.len() <= max);
        Candidates {
            coupon_ids,
            truncated,
        }
    }
}

/// The kinds in the order of `Bucket::kinds`.
const KIND_ORDER: [Kind; KINDS] = [
    Kind::Percent,
    Kind::Fixed,
    Kind::FixedPerLine,
    Kind::PerUnit,
    Kind::Shipping,
];

/// Whether a coupon may be listed at all, and under which targets.
fn targets_of(spec: &CouponSpec) -> Option<Vec<Target>> {
    let assigned = spec.assigned_customer_id.as_str();
    let listable = spec.is_public || spec.auto_apply || !assigned.is_empty();
    if !listable || spec.status != AdminStatus::Active {
        return None;
    }
    if !assigned.is_empty() {
        return Some(vec![Target::Customer(assigned.to_string())]);
    }
    let product = spec
        .applicable_products
        .iter()
        .filter_map(|c| {
            let kind = c.criteria_type.filter(|&k| k != CriteriaType::PriceRange)?;
            let values: &[String] = match c.operator? {
                CriteriaOperator::In => &c.values,
                CriteriaOperator::Equals => c.values.get(..1)?,
                _ => return None,
            };
            Some((kind, values))
        })
        .min_by_key(|(_, values)| values.len());
    if let Some((kind, values)) = product {
        let mut targets: Vec<Target> = values
            .iter()
            .map(|v| Target::Product(kind, v.to_ascii_lowercase()))
            .collect();
        targets.dedup();
        return Some(targets);
    }
    if !spec.customer_segments.is_empty() {
        let mut segments: Vec<String> = spec
            .customer_segments
            .iter()
            .map(|s| s.to_ascii_lowercase())
            .collect();
        segments.sort();
        segments.dedup();
        return Some(segments.into_iter().map(Target::Segment).collect());
    }
    Some(vec![Target::Untargeted])
}

/// The buckets a cart looks under, each once.
fn lookups(order: &Order) -> Vec<BucketKey> {
    let mut targets = vec![Target::Untargeted];
    if !order.customer_id.is_empty() {
        targets.push(Target::Customer(order.customer_id.clone()));
    }
    for segment in &order.customer_segments {
        targets.push(Target::Segment(segment.to_ascii_lowercase()));
    }
    for line in order.items.iter().filter(|l| l.quantity > 0) {
        let named = [
            (CriteriaType::ProductId, &line.product_id),
            (CriteriaType::Sku, &line.sku),
            (CriteriaType::Category, &line.category),
            (CriteriaType::Brand, &line.brand),
        ];
        let tags = line.tags.iter().map(|t| (CriteriaType::Tag, t));
        for (kind, value) in named.into_iter().chain(tags) {
            if !value.is_empty() {
                targets.push(Target::Product(kind, value.to_ascii_lowercase()));
            }
        }
    }
    let mut currencies = vec![String::new()];
    if !order.currency.is_empty() {
        currencies.push(order.currency.clone());
    }
    let mut seen = HashSet::new();
    let mut keys = Vec::new();
    for target in targets {
        if seen.insert(target.clone()) {
            for currency in &currencies {
                keys.push((currency.clone(), target.clone()));
            }
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use couponsd_client::wire::{LineItem, ProductCriteria};

    use super::*;

    fn def(id: u64, f: impl FnOnce(&mut CouponSpec)) -> CouponDef {
        let mut spec = CouponSpec {
            code: format!("C{id}"),
            discount_value: 1000,
            currency: "USD".into(),
            is_public: true,
            ..CouponSpec::default()
        };
        f(&mut spec);
        CouponDef {
            id,
            revision: 1,
            spec,
            created_at: 0,
            updated_at: 0,
            created_by: String::new(),
        }
    }

    fn cart(amount: i64, products: &[&str]) -> Order {
        Order {
            customer_id: "alice".into(),
            amount,
            currency: "USD".into(),
            items: products
                .iter()
                .map(|p| LineItem {
                    product_id: p.to_string(),
                    unit_price: amount,
                    quantity: 1,
                    ..LineItem::default()
                })
                .collect(),
            ..Order::default()
        }
    }

    fn ids(index: &TargetIndex, order: &Order, max: usize) -> (Vec<u64>, bool) {
        let c = index.candidates(order, max);
        (c.coupon_ids, c.truncated)
    }

    fn for_product(product: &str) -> impl FnOnce(&mut CouponSpec) + '_ {
        move |s| {
            s.applicable_products = vec![ProductCriteria {
                criteria_type: Some(CriteriaType::ProductId),
                operator: Some(CriteriaOperator::In),
                values: vec![product.into(), "OTHER".into()],
            }]
        }
    }

    #[test]
    fn private_and_inactive_coupons_are_never_listed() {
        let mut index = TargetIndex::default();
        index.put(&def(1, |s| s.is_public = false));
        index.put(&def(2, |s| s.status = AdminStatus::Inactive));
        index.put(&def(3, |_| {}));
        assert_eq!(ids(&index, &cart(10000, &[]), 10), (vec![3], false));
        // Made private by an update: taken out.
        index.put(&def(3, |s| s.is_public = false));
        assert_eq!(ids(&index, &cart(10000, &[]), 10), (vec![], false));
    }

    #[test]
    fn automatic_and_assigned_coupons_are_listed_though_not_public() {
        let mut index = TargetIndex::default();
        index.put(&def(1, |s| {
            s.is_public = false;
            s.auto_apply = true;
        }));
        // Public or not, an assigned coupon is its customer's alone.
        index.put(&def(2, |s| {
            s.is_public = false;
            s.assigned_customer_id = "alice".into();
        }));
        index.put(&def(3, |s| s.assigned_customer_id = "bob".into()));
        assert_eq!(ids(&index, &cart(10000, &[]), 10), (vec![1, 2], false));
        let bob = Order {
            customer_id: "bob".into(),
            ..cart(10000, &[])
        };
        assert_eq!(ids(&index, &bob, 10), (vec![1, 3], false));
        let guest = Order {
            customer_id: String::new(),
            ..cart(10000, &[])
        };
        assert_eq!(ids(&index, &guest, 10), (vec![1], false));
    }

    #[test]
    fn product_targeted_coupons_are_found_only_by_carts_with_the_product() {
        let mut index = TargetIndex::default();
        index.put(&def(1, for_product("shoe")));
        index.put(&def(2, for_product("HAT")));
        assert_eq!(ids(&index, &cart(10000, &["SHOE"]), 10), (vec![1], false));
        assert_eq!(ids(&index, &cart(10000, &["sock"]), 10), (vec![], false));
        // A cart meeting both values of one coupon lists it once.
        assert_eq!(
            ids(&index, &cart(10000, &["shoe", "other"]), 10),
            (vec![1, 2], false)
        );
        index.remove(1);
        assert_eq!(ids(&index, &cart(10000, &["shoe"]), 10), (vec![], false));
    }

    #[test]
    fn currencies_and_segments_pick_their_carts() {
        let mut index = TargetIndex::default();
        index.put(&def(1, |s| s.currency = "EUR".into()));
        index.put(&def(2, |s| s.currency = String::new()));
        index.put(&def(3, |s| s.customer_segments = vec!["VIP".into()]));
        let mut order = cart(10000, &[]);
        assert_eq!(ids(&index, &order, 10), (vec![2], false));
        order.customer_segments = vec!["vip".into()];
        assert_eq!(ids(&index, &order, 10), (vec![2, 3], false));
    }

    #[test]
    fn the_best_bounds_come_first_and_the_bound_truncates() {
        let mut index = TargetIndex::default();
        // 20 % of 100.00 is 20.00; a fixed 25.00; a fixed 5.00; 10 %.
        index.put(&def(1, |s| s.discount_value = 2000));
        index.put(&def(2, |s| {
            s.discount_type = DiscountType::Fixed;
            s.discount_value = 2500;
        }));
        index.put(&def(3, |s| {
            s.discount_type = DiscountType::Fixed;
            s.discount_value = 500;
        }));
        index.put(&def(4, |s| s.discount_value = 1000));
        let order = cart(10000, &[]);
        assert_eq!(ids(&index, &order, 10), (vec![2, 1, 4, 3], false));
        assert_eq!(ids(&index, &order, 2), (vec![2, 1], true));
        // On 10.00, the fixed 25.00 is bounded by the amount: ties by id.
        assert_eq!(ids(&index, &cart(1000, &[]), 4), (vec![2, 3, 1, 4], false));
    }
}
