//! Money is a whole number of đồng (VND has no minor unit).
use std::fmt;

/// An amount in Vietnamese đồng: a JSON number and an integer column as it is, a type of its
/// own in the code so a price is never added to a count.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    sea_orm::DeriveValueType,
)]
#[serde(transparent)]
pub struct Vnd(i64);

impl Vnd {
    pub const ZERO: Self = Self(0);

    pub const fn new(dong: i64) -> Self {
        Self(dong)
    }

    pub const fn dong(self) -> i64 {
        self.0
    }
}

impl std::ops::Add for Vnd {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self(self.0 + other.0)
    }
}

impl std::ops::AddAssign for Vnd {
    fn add_assign(&mut self, other: Self) {
        self.0 += other.0;
    }
}

impl std::ops::Sub for Vnd {
    type Output = Self;

    fn sub(self, other: Self) -> Self {
        Self(self.0 - other.0)
    }
}

/// A unit price times a quantity.
impl std::ops::Mul<i64> for Vnd {
    type Output = Self;

    fn mul(self, quantity: i64) -> Self {
        Self(self.0 * quantity)
    }
}

impl std::iter::Sum for Vnd {
    fn sum<I: Iterator<Item = Self>>(amounts: I) -> Self {
        Self(amounts.map(|a| a.0).sum())
    }
}

impl From<Vnd> for i64 {
    fn from(amount: Vnd) -> Self {
        amount.0
    }
}

/// Vietnamese formatting: `150.000 ₫`.
impl fmt::Display for Vnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.unsigned_abs().to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push('.');
            }
            grouped.push(c);
        }
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}{grouped} ₫")
    }
}

#[cfg(test)]
mod tests {
    use super::Vnd;

    #[test]
    fn formats_with_dots_between_thousands() {
        let cases = [
            (0, "0 ₫"),
            (999, "999 ₫"),
            (1_000, "1.000 ₫"),
            (150_000, "150.000 ₫"),
            (12_345_678, "12.345.678 ₫"),
            (-5_000, "-5.000 ₫"),
        ];
        for (dong, expected) in cases {
            assert_eq!(Vnd::new(dong).to_string(), expected, "formatting {dong}");
        }
    }
}
