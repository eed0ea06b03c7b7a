//! Vietnamese text folding: the one place that decides when two spellings are "the same".
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-cases, removes diacritics (including đ → d) and turns every run of
/// non-alphanumeric characters into one space.
///
/// `"Thừa Thiên - Huế"` and `"thua thien hue"` fold to the same key.
pub fn fold(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            _ => c,
        };
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// A URL slug: folded text with hyphens, at most `max` bytes, cut at a word boundary.
pub fn slugify(input: &str, max: usize) -> String {
    let folded = fold(input);
    let mut slug = String::new();
    for word in folded.split(' ') {
        let extra = if slug.is_empty() {
            word.len()
        } else {
            word.len() + 1
        };
        if slug.len() + extra > max {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(word);
    }
    slug
}

/// Whether `s` is a plain slug: 3 to 60 lower-case ASCII letters, digits and hyphens (safe in
/// URLs, search filters and file names).
pub fn is_slug(s: &str) -> bool {
    (3..=60).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// "Lan N.": the buyer's given name (the last word of a Vietnamese name) and the initial of
/// the family name, so a review or a report shows who wrote it without the full name.
pub fn public_name(full: &str) -> String {
    let words: Vec<&str> = full.split_whitespace().collect();
    match words.as_slice() {
        [] => crate::i18n::tr("reviews.anonymous"),
        [one] => (*one).to_owned(),
        [family, .., given] => {
            let initial: String = family.chars().take(1).collect();
            format!("{given} {initial}.")
        }
    }
}

/// The product kind a Vietnamese title names, folded: its leading words up to the first
/// capitalised one after the first word ("Trà đinh Tân Cương …" → "tra dinh", "Bánh tráng Trà
/// Cuôn" → "banh trang"). Registry titles put the kind first and capitalise places and
/// producers, so this separates "trà" the product from "Trà" the place for search ranking.
pub fn product_kind(title_vi: &str) -> String {
    fold(&vietnamese_kind(title_vi))
}

/// The Vietnamese title's leading words naming the product kind, as written ("Trà đinh").
pub fn vietnamese_kind(title_vi: &str) -> String {
    let mut kind: Vec<&str> = Vec::new();
    for (i, word) in title_vi.split_whitespace().enumerate() {
        if i > 0 && (starts_upper(word) || word.chars().any(|c| c.is_ascii_digit())) {
            break;
        }
        kind.push(word);
    }
    kind.join(" ")
}

fn starts_upper(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_is_the_title_before_its_places_and_producers() {
        assert_eq!(product_kind("Trà đinh Tân Cương Nhật Vượng"), "tra dinh");
        assert_eq!(product_kind("Bánh tráng Trà Cuôn"), "banh trang");
        assert_eq!(product_kind("Gạo ST25 hữu cơ Toàn Đạt"), "gao");
        assert_eq!(
            product_kind("Mật ong hoa nhãn Hưng Yên"),
            "mat ong hoa nhan"
        );
        assert_eq!(vietnamese_kind("Hồng trà Phú Thọ"), "Hồng trà");
        assert_eq!(product_kind(""), "");
    }

    #[test]
    fn slugs_are_plain_lower_case_ascii() {
        for ok in ["ocop-ha-noi", "abc", "a1-b2"] {
            assert!(is_slug(ok), "{ok}");
        }
        for bad in ["ab", "Ha-Noi", "hà-nội", "a b c", "x\"y", &"a".repeat(61)] {
            assert!(!is_slug(bad), "{bad}");
        }
    }

    #[test]
    fn fold_removes_vietnamese_diacritics_and_case() {
        let cases = [
            ("Trà Shan Tuyết", "tra shan tuyet"),
            ("ĐẮK LẮK", "dak lak"),
            ("Thừa Thiên - Huế", "thua thien hue"),
            ("  TP. Hồ Chí Minh ", "tp ho chi minh"),
            ("Bà Rịa–Vũng Tàu", "ba ria vung tau"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(fold(input), expected, "folding {input:?}");
        }
    }

    #[test]
    fn slugify_cuts_at_word_boundaries() {
        assert_eq!(slugify("Cam sành Hà Giang", 80), "cam-sanh-ha-giang");
        assert_eq!(slugify("Cam sành Hà Giang", 12), "cam-sanh-ha");
        assert_eq!(slugify("!!!", 10), "");
    }
}
