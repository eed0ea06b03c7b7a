//! Table-rate shipping: a seller prices a parcel by its weight band and its zone (same
//! province as the pick-up address, same region, elsewhere), and may ship free above an order
//! size. Pure rules: the rows live in `shipping_rates`, the quoting in `features::shipping`.
use crate::domain::money::Vnd;
use crate::domain::reference::Reference;

/// Most bands a table holds, and the heaviest parcel any band may take (50 kg: above that it
/// is freight, not a parcel).
pub const MAX_BANDS: usize = 8;
pub const MAX_GRAMS: i32 = 50_000;
/// No single fee above this (a typo of an extra zero is caught).
pub const MAX_FEE: Vnd = Vnd::new(2_000_000);

/// How far a parcel travels, from the seller's pick-up province to the shopper's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Zone {
    SameProvince,
    SameRegion,
    Elsewhere,
}

impl Zone {
    /// The zone between two of today's provinces (by code); an unknown province is
    /// `Elsewhere`, the dearest.
    pub fn between(reference: &Reference, from: &str, to: &str) -> Self {
        if from == to {
            return Self::SameProvince;
        }
        let region = |code: &str| reference.province(code).map(|p| p.region_code.clone());
        match (region(from), region(to)) {
            (Some(a), Some(b)) if a == b => Self::SameRegion,
            _ => Self::Elsewhere,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SameProvince => "same_province",
            Self::SameRegion => "same_region",
            Self::Elsewhere => "elsewhere",
        }
    }
}

/// Parcels up to `max_grams` (and heavier than the band before) cost these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Band {
    pub max_grams: i32,
    pub same_province: Vnd,
    pub same_region: Vnd,
    pub elsewhere: Vnd,
}

impl Band {
    pub const fn fee(&self, zone: Zone) -> Vnd {
        match zone {
            Zone::SameProvince => self.same_province,
            Zone::SameRegion => self.same_region,
            Zone::Elsewhere => self.elsewhere,
        }
    }
}

/// Why a table cannot price a parcel.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RateError {
    #[error("the parcel weighs {grams} g, more than the heaviest band ({max} g)")]
    TooHeavy { grams: i32, max: i32 },
}

/// A problem with a table a seller submitted: the row (1-based, 0 for the whole table) and
/// the dictionary key of the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableProblem {
    pub row: usize,
    pub key: &'static str,
}

/// A seller's rates: bands in increasing weight, and the order size that ships free.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RateTable {
    pub bands: Vec<Band>,
    pub free_over: Option<Vnd>,
}

impl RateTable {
    /// The platform's standard table, for a seller who has not set one: a national parcel
    /// service's 2025 public prices, rounded.
    pub fn standard() -> Self {
        let band = |max_grams, a, b, c| Band {
            max_grams,
            same_province: Vnd::new(a),
            same_region: Vnd::new(b),
            elsewhere: Vnd::new(c),
        };
        Self {
            bands: vec![
                band(500, 18_000, 25_000, 32_000),
                band(1_000, 22_000, 30_000, 38_000),
                band(3_000, 30_000, 42_000, 55_000),
                band(10_000, 55_000, 75_000, 95_000),
                band(30_000, 120_000, 160_000, 200_000),
            ],
            free_over: None,
        }
    }

    /// The fee for a parcel of `grams` going to `zone`, for an order of `subtotal`.
    pub fn price(&self, grams: i32, zone: Zone, subtotal: Vnd) -> Result<Vnd, RateError> {
        if self.free_over.is_some_and(|limit| subtotal >= limit) {
            return Ok(Vnd::ZERO);
        }
        self.bands
            .iter()
            .find(|band| grams <= band.max_grams)
            .map(|band| band.fee(zone))
            .ok_or(RateError::TooHeavy {
                grams,
                max: self.bands.last().map_or(0, |b| b.max_grams),
            })
    }

    /// A table from a seller's rows, sorted by weight; every problem, by row.
    pub fn checked(
        mut bands: Vec<Band>,
        free_over: Option<Vnd>,
    ) -> Result<Self, Vec<TableProblem>> {
        let mut problems = Vec::new();
        if bands.is_empty() {
            problems.push(TableProblem {
                row: 0,
                key: "shipping.error.no_bands",
            });
        }
        if bands.len() > MAX_BANDS {
            problems.push(TableProblem {
                row: 0,
                key: "shipping.error.too_many_bands",
            });
        }
        for (n, band) in bands.iter().enumerate() {
            if !(1..=MAX_GRAMS).contains(&band.max_grams) {
                problems.push(TableProblem {
                    row: n + 1,
                    key: "shipping.error.weight",
                });
            }
            let fees = [band.same_province, band.same_region, band.elsewhere];
            if fees.iter().any(|fee| *fee < Vnd::ZERO || *fee > MAX_FEE) {
                problems.push(TableProblem {
                    row: n + 1,
                    key: "shipping.error.fee",
                });
            }
        }
        bands.sort_by_key(|b| b.max_grams);
        if bands.windows(2).any(|w| w[0].max_grams == w[1].max_grams) {
            problems.push(TableProblem {
                row: 0,
                key: "shipping.error.duplicate_band",
            });
        }
        if free_over.is_some_and(|limit| limit <= Vnd::ZERO) {
            problems.push(TableProblem {
                row: 0,
                key: "shipping.error.free_over",
            });
        }
        if problems.is_empty() {
            Ok(Self { bands, free_over })
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parcel_takes_the_first_band_that_holds_it() {
        let table = RateTable::standard();
        let fee = |grams, zone| table.price(grams, zone, Vnd::new(100_000));
        assert_eq!(fee(1, Zone::SameProvince), Ok(Vnd::new(18_000)));
        assert_eq!(fee(500, Zone::SameProvince), Ok(Vnd::new(18_000)));
        assert_eq!(fee(501, Zone::SameProvince), Ok(Vnd::new(22_000)));
        assert_eq!(fee(501, Zone::SameRegion), Ok(Vnd::new(30_000)));
        assert_eq!(fee(2_500, Zone::Elsewhere), Ok(Vnd::new(55_000)));
        assert_eq!(
            fee(30_001, Zone::Elsewhere),
            Err(RateError::TooHeavy {
                grams: 30_001,
                max: 30_000
            })
        );
    }

    #[test]
    fn free_shipping_starts_at_the_threshold() {
        let table = RateTable {
            free_over: Some(Vnd::new(500_000)),
            ..RateTable::standard()
        };
        assert_eq!(
            table.price(800, Zone::Elsewhere, Vnd::new(499_999)),
            Ok(Vnd::new(38_000))
        );
        assert_eq!(
            table.price(800, Zone::Elsewhere, Vnd::new(500_000)),
            Ok(Vnd::ZERO)
        );
    }

    #[test]
    fn a_submitted_table_is_sorted_and_its_problems_named_by_row() {
        let band = |max_grams, fee| Band {
            max_grams,
            same_province: Vnd::new(fee),
            same_region: Vnd::new(fee),
            elsewhere: Vnd::new(fee),
        };
        let table = RateTable::checked(vec![band(2_000, 30_000), band(500, 15_000)], None)
            .expect("a good table");
        assert_eq!(table.bands[0].max_grams, 500);
        let problems = RateTable::checked(
            vec![
                band(500, 1),
                band(0, 1),
                band(500, -5),
                band(900, 3_000_000),
            ],
            Some(Vnd::ZERO),
        )
        .expect_err("a bad table");
        let keys: Vec<_> = problems.iter().map(|p| (p.row, p.key)).collect();
        assert!(keys.contains(&(2, "shipping.error.weight")), "{keys:?}");
        assert!(keys.contains(&(3, "shipping.error.fee")), "{keys:?}");
        assert!(keys.contains(&(4, "shipping.error.fee")), "{keys:?}");
        assert!(
            keys.contains(&(0, "shipping.error.duplicate_band")),
            "{keys:?}"
        );
        assert!(keys.contains(&(0, "shipping.error.free_over")), "{keys:?}");
        assert!(RateTable::checked(Vec::new(), None).is_err());
    }
}
