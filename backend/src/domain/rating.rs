//! Shoppers' ratings as cards, search and sorting use them: the average of the shown
//! reviews to one decimal, kept as tenths so both search engines sort on the same integer.

/// The average rating in tenths (47 for 4.7), rounded half up; 0 when nothing is rated.
pub fn tenths(count: i32, total: i32) -> u8 {
    if count <= 0 || total <= 0 {
        return 0;
    }
    let tenths = (i64::from(total) * 20 + i64::from(count)) / (2 * i64::from(count));
    u8::try_from(tenths.clamp(0, 50)).unwrap_or(0)
}

/// Tenths as people read them in `lang`: "4,7" in Vietnamese, "4.7" in English.
pub fn text(tenths: u8, lang: crate::i18n::Lang) -> String {
    let separator = match lang {
        crate::i18n::Lang::Vi => ',',
        crate::i18n::Lang::En => '.',
    };
    format!("{}{separator}{}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_round_half_up_to_tenths() {
        assert_eq!(tenths(0, 0), 0);
        assert_eq!(tenths(1, 5), 50);
        assert_eq!(tenths(3, 14), 47); // 4.666…
        assert_eq!(tenths(4, 17), 43); // 4.25 → 4.3
        assert_eq!(tenths(2, 3), 15);
    }

    #[test]
    fn text_follows_the_language() {
        assert_eq!(text(47, crate::i18n::Lang::Vi), "4,7");
        assert_eq!(text(50, crate::i18n::Lang::En), "5.0");
    }
}
