//! The arithmetic of the settlement ledger: periods (a month in Vietnam's time), rates in
//! hundredths of a percent rounded to the đồng, the goods part of a refund, and the tax a
//! platform withholds for a household seller (Decree 117/2025/NĐ-CP: 1 % VAT and 0.5 %
//! personal income tax on goods).
use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::money::Vnd;
use super::time::{vietnam_date, vietnam_midnight};

/// VAT withheld on a household seller's goods: 1 %.
pub const VAT_BPS: i32 = 100;
/// Personal income tax withheld on a household seller's goods: 0.5 %.
pub const PIT_BPS: i32 = 50;

/// What the platform takes from a card sale, in hundredths of a percent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rates {
    /// The platform's commission on goods (`PLATFORM_COMMISSION_BPS`, 0 by default).
    pub commission_bps: i32,
    /// Stripe's fee on the amount charged (`STRIPE_FEE_BPS`).
    pub stripe_fee_bps: i32,
}

/// `bps` hundredths of a percent of `base`, rounded half up to the đồng (a negative base
/// rounds the same way away from zero).
pub fn share(base: Vnd, bps: i32) -> Vnd {
    let scaled = i128::from(base.dong()) * i128::from(bps);
    let rounded = if scaled >= 0 {
        (scaled + 5_000) / 10_000
    } else {
        (scaled - 5_000) / 10_000
    };
    Vnd::new(i64::try_from(rounded).unwrap_or(i64::MAX))
}

/// The goods part of a refund of `amount` on an order of `goods` (its subtotal), after
/// `refunded_before` was refunded: refunds return goods first, the delivery fee last.
pub fn goods_part(goods: Vnd, refunded_before: Vnd, amount: Vnd) -> Vnd {
    let covered = |refunded: Vnd| refunded.min(goods).max(Vnd::ZERO);
    covered(refunded_before + amount) - covered(refunded_before)
}

/// Whether a participant of this type has its tax withheld by the platform: households and
/// individuals do; enterprises, cooperatives and cooperative groups declare their own.
pub fn withheld_for(participant_type: &str) -> bool {
    participant_type == "household_business"
}

/// A settlement period: one calendar month in Vietnam's time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: i32,
    month: u32,
}

impl Period {
    /// `YYYY-MM`.
    pub fn parse(raw: &str) -> Option<Self> {
        let (year, month) = raw.trim().split_once('-')?;
        if year.len() != 4 || month.len() != 2 {
            return None;
        }
        let period = Self {
            year: year.parse().ok()?,
            month: month.parse().ok()?,
        };
        (1..=12).contains(&period.month).then_some(period)
    }

    /// The month `instant` falls in, in Vietnam.
    pub fn of(instant: DateTime<Utc>) -> Self {
        let day = vietnam_date(instant);
        Self {
            year: day.year(),
            month: day.month(),
        }
    }

    pub const fn previous(self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    pub const fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    /// When it begins, and when the next one begins.
    pub fn bounds(self) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            vietnam_midnight(self.first_day()),
            vietnam_midnight(self.next().first_day()),
        )
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_round_half_up_to_the_dong() {
        assert_eq!(share(Vnd::new(150_000), VAT_BPS), Vnd::new(1_500));
        assert_eq!(share(Vnd::new(150_100), PIT_BPS), Vnd::new(751));
        assert_eq!(share(Vnd::new(149), VAT_BPS), Vnd::new(1));
        assert_eq!(share(Vnd::new(-150_100), PIT_BPS), Vnd::new(-751));
        assert_eq!(share(Vnd::new(182_000), 0), Vnd::ZERO);
    }

    #[test]
    fn refunds_return_goods_first_and_the_delivery_last() {
        let goods = Vnd::new(150_000);
        assert_eq!(
            goods_part(goods, Vnd::ZERO, Vnd::new(30_000)),
            Vnd::new(30_000)
        );
        assert_eq!(
            goods_part(goods, Vnd::new(140_000), Vnd::new(42_000)),
            Vnd::new(10_000)
        );
        assert_eq!(
            goods_part(goods, Vnd::new(150_000), Vnd::new(32_000)),
            Vnd::ZERO
        );
    }

    #[test]
    fn periods_are_months_in_vietnam() {
        let p = Period::parse("2026-11").expect("a period");
        assert_eq!(p.to_string(), "2026-11");
        assert_eq!(p.previous().to_string(), "2026-10");
        assert_eq!(
            Period::parse("2026-01")
                .map(|p| p.previous().to_string())
                .as_deref(),
            Some("2025-12")
        );
        for bad in ["2026-13", "2026-1", "26-11", "x", ""] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
        // 30 November 2026, 18:00 UTC is already 1 December in Vietnam.
        let late = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 30, 18, 0, 0).unwrap();
        assert_eq!(Period::of(late).to_string(), "2026-12");
        assert!(withheld_for("household_business") && !withheld_for("cooperative"));
    }
}
