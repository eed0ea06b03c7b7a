//! Voucher arithmetic: what a code takes off the goods it applies to, how that discount is
//! shared among the lines (so each order line, refund and sell-through figure carries its own
//! part), and how a code is written. Nothing here reads the database.
use crate::domain::money::Vnd;

/// Shortest and longest code.
pub const CODE_LEN: std::ops::RangeInclusive<usize> = 4..=20;
/// A percentage voucher takes off at most this much.
pub const MAX_PERCENT: i32 = 90;

/// What a voucher gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Benefit {
    /// A share of the goods, at most `cap` when set.
    Percent { percent: i32, cap: Option<Vnd> },
    /// A fixed amount, at most the goods themselves.
    Amount(Vnd),
}

impl Benefit {
    /// The discount on `goods` (the lines the voucher applies to), never more than them.
    pub fn discount(self, goods: Vnd) -> Vnd {
        let off = match self {
            Self::Percent { percent, cap } => {
                let share = Vnd::new(goods.dong() * i64::from(percent) / 100);
                cap.map_or(share, |cap| share.min(cap))
            }
            Self::Amount(amount) => amount,
        };
        off.min(goods).max(Vnd::ZERO)
    }
}

/// A code as the shopper may type it (spaces around, lower case) written the one way it is
/// stored: upper-case letters, digits and dashes, 4 to 20 of them. `None` when it cannot be a
/// code.
pub fn normalize_code(raw: &str) -> Option<String> {
    let code = raw.trim().to_uppercase();
    let fine = CODE_LEN.contains(&code.chars().count())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
    fine.then_some(code)
}

/// `discount` shared among lines worth `lines` in proportion to them, each share whole đồng
/// and at most its line (a discount above the lines' total is cut to it): see [`apportion`].
pub fn split(discount: Vnd, lines: &[Vnd]) -> Vec<Vnd> {
    let total: i64 = lines.iter().map(|l| l.dong()).sum();
    apportion(discount.min(Vnd::new(total)), lines)
}

/// `amount` shared among `weights` in proportion to them, each share whole đồng: the đồng
/// left by rounding down go to the largest remainders (the earlier one on a tie), so the
/// shares add up to `amount` exactly. Nothing to share, or no weight: every share is 0.
pub fn apportion(amount: Vnd, weights: &[Vnd]) -> Vec<Vnd> {
    let total: i128 = weights.iter().map(|l| i128::from(l.dong().max(0))).sum();
    if total <= 0 || amount <= Vnd::ZERO {
        return vec![Vnd::ZERO; weights.len()];
    }
    let amount = i128::from(amount.dong());
    let mut shares: Vec<i128> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    for (n, weight) in weights.iter().enumerate() {
        let exact = amount * i128::from(weight.dong().max(0));
        shares.push(exact / total);
        remainders.push((exact % total, n));
    }
    let left = usize::try_from(amount - shares.iter().sum::<i128>()).unwrap_or(0);
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, n) in remainders.into_iter().take(left) {
        shares[n] += 1;
    }
    shares
        .into_iter()
        .map(|s| Vnd::new(i64::try_from(s).unwrap_or(i64::MAX)))
        .collect()
}

/// What `units` of a line of `quantity` units at `unit_price` with `discount` off the whole
/// line were paid for: their price less their share of the discount, rounded down (all the
/// units together are exactly the line after its discount).
pub fn paid_for(unit_price: Vnd, quantity: i32, discount: Vnd, units: i32) -> Vnd {
    let units = units.clamp(0, quantity.max(0));
    if quantity <= 0 {
        return Vnd::ZERO;
    }
    let share = discount.dong() * i64::from(units) / i64::from(quantity);
    unit_price * i64::from(units) - Vnd::new(share)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vnd(list: &[i64]) -> Vec<Vnd> {
        list.iter().copied().map(Vnd::new).collect()
    }

    #[test]
    fn a_percentage_is_capped_and_an_amount_never_passes_the_goods() {
        let ten = Benefit::Percent {
            percent: 10,
            cap: None,
        };
        assert_eq!(ten.discount(Vnd::new(345_000)), Vnd::new(34_500));
        let capped = Benefit::Percent {
            percent: 10,
            cap: Some(Vnd::new(20_000)),
        };
        assert_eq!(capped.discount(Vnd::new(345_000)), Vnd::new(20_000));
        assert_eq!(
            Benefit::Amount(Vnd::new(50_000)).discount(Vnd::new(30_000)),
            Vnd::new(30_000)
        );
        assert_eq!(
            Benefit::Amount(Vnd::new(50_000)).discount(Vnd::new(80_000)),
            Vnd::new(50_000)
        );
        assert_eq!(ten.discount(Vnd::ZERO), Vnd::ZERO);
    }

    #[test]
    fn shares_follow_the_lines_and_add_up_exactly() {
        assert_eq!(
            split(Vnd::new(30_000), &vnd(&[100_000, 200_000])),
            vnd(&[10_000, 20_000])
        );
        // 100 over three equal lines: the first line takes the extra đồng.
        assert_eq!(
            split(Vnd::new(100), &vnd(&[50, 50, 50])),
            vnd(&[34, 33, 33])
        );
        let odd = split(Vnd::new(12_345), &vnd(&[99_999, 1, 45_000, 7_777]));
        assert_eq!(odd.iter().copied().sum::<Vnd>(), Vnd::new(12_345));
        for (share, line) in odd.iter().zip(vnd(&[99_999, 1, 45_000, 7_777])) {
            assert!(*share <= line);
        }
        // Never more than the goods, nothing for nothing.
        assert_eq!(split(Vnd::new(500), &vnd(&[100, 200])), vnd(&[100, 200]));
        assert_eq!(split(Vnd::new(500), &[]), Vec::<Vnd>::new());
    }

    #[test]
    fn a_combo_price_is_apportioned_even_above_its_parts() {
        // A gift box dearer than its parts (the box itself costs something).
        assert_eq!(
            apportion(Vnd::new(130_000), &vnd(&[50_000, 50_000])),
            vnd(&[65_000, 65_000])
        );
        // Below them, each part gives up the same fraction; every đồng is placed.
        let shares = apportion(Vnd::new(100_001), &vnd(&[120_000, 45_000, 35_000]));
        assert_eq!(shares.iter().copied().sum::<Vnd>(), Vnd::new(100_001));
        assert_eq!(shares, vnd(&[60_001, 22_500, 17_500]));
        assert_eq!(apportion(Vnd::new(5), &vnd(&[0, 0])), vnd(&[0, 0]));
    }

    #[test]
    fn codes_are_written_one_way() {
        assert_eq!(normalize_code("  tet2027 "), Some("TET2027".into()));
        assert_eq!(normalize_code("live-mat-ong"), Some("LIVE-MAT-ONG".into()));
        assert_eq!(normalize_code("abc"), None);
        assert_eq!(normalize_code("tết2027"), None);
        assert_eq!(normalize_code("A B C D"), None);
        assert_eq!(normalize_code(&"A".repeat(21)), None);
    }

    #[test]
    fn returned_units_give_back_what_they_cost() {
        // 3 jars at 100,000 with 30,001 off: all three cost 269,999.
        let price = Vnd::new(100_000);
        assert_eq!(paid_for(price, 3, Vnd::new(30_001), 3), Vnd::new(269_999));
        assert_eq!(paid_for(price, 3, Vnd::new(30_001), 1), Vnd::new(90_000));
        assert_eq!(paid_for(price, 3, Vnd::ZERO, 2), Vnd::new(200_000));
        assert_eq!(paid_for(price, 3, Vnd::new(30_001), 7), Vnd::new(269_999));
    }
}
