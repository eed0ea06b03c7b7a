//! Money is a whole number of đồng (VND has no minor unit).
use std::fmt;

/// An amount in Vietnamese đồng.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Vnd(i64);

impl Vnd {
    pub const fn new(dong: i64) -> Self {
        Self(dong)
    }

    pub const fn dong(self) -> i64 {
        self.0
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
