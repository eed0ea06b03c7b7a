//! VAT invoices a buyer asks for at checkout: the company (or person) invoiced, its tax code
//! and address; and the e-invoice the seller records once it has issued it.
/// A checked request. Messages are dictionary keys, by field.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct InvoiceRequest {
    pub company: String,
    pub tax_code: String,
    pub address: String,
}

/// A Vietnamese tax code: an organisation's 10 digits, a branch's 10 digits, a dash and 3, or
/// (since 1 July 2025) a person's 12-digit identification number. Spaces are ignored.
pub fn parse_tax_code(raw: &str) -> Option<String> {
    let code: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let ok = match code.split_once('-') {
        Some((main, branch)) => digits(main, 10) && digits(branch, 3),
        None => digits(&code, 10) || digits(&code, 12),
    };
    (ok && code.bytes().any(|b| b != b'0' && b != b'-')).then_some(code)
}

impl InvoiceRequest {
    /// Every problem, by field (the value is a dictionary key).
    pub fn parse(
        company: &str,
        tax_code: &str,
        address: &str,
    ) -> Result<Self, Vec<(&'static str, &'static str)>> {
        let mut problems = Vec::new();
        let company = company.trim();
        if !(2..=200).contains(&company.chars().count()) {
            problems.push(("invoice_company", "invoice.error.company"));
        }
        let tax_code = parse_tax_code(tax_code);
        if tax_code.is_none() {
            problems.push(("invoice_tax_code", "invoice.error.tax_code"));
        }
        let address = address.trim();
        if !(5..=300).contains(&address.chars().count()) {
            problems.push(("invoice_address", "invoice.error.address"));
        }
        match tax_code {
            Some(tax_code) if problems.is_empty() => Ok(Self {
                company: company.to_owned(),
                tax_code,
                address: address.to_owned(),
            }),
            _ => Err(problems),
        }
    }
}

/// An issued e-invoice as the seller records it: its number and an `https://` link where the
/// buyer reads it (the e-invoice provider's lookup page). The dictionary key of the problem.
pub fn parse_issued(number: &str, link: &str) -> Result<(String, String), &'static str> {
    let number = number.trim();
    if number.is_empty() || number.chars().count() > 50 {
        return Err("invoice.error.number");
    }
    let link = link.trim();
    let ok = link.starts_with("https://")
        && link.len() > "https://".len() + 3
        && link.len() <= 500
        && !link
            .chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '<' || c == '>');
    if !ok {
        return Err("invoice.error.link");
    }
    Ok((number.to_owned(), link.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_codes_of_organisations_branches_and_people() {
        for (raw, expected) in [
            ("0101234567", Some("0101234567")),
            ("0101 234 567", Some("0101234567")),
            ("0101234567-001", Some("0101234567-001")),
            ("001234567890", Some("001234567890")),
            ("010123456", None),
            ("0101234567-01", None),
            ("01012345678", None),
            ("0000000000", None),
            ("01012345ab", None),
        ] {
            assert_eq!(parse_tax_code(raw).as_deref(), expected, "{raw}");
        }
    }

    #[test]
    fn a_request_names_every_bad_field() {
        let problems = InvoiceRequest::parse(" ", "123", "x").expect_err("bad");
        let fields: Vec<_> = problems.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            ["invoice_company", "invoice_tax_code", "invoice_address"]
        );
        let ok = InvoiceRequest::parse(
            "Công ty TNHH Quà Quê",
            "0312345678",
            "12 Lê Lợi, Phường Sài Gòn, Hồ Chí Minh",
        )
        .expect("good");
        assert_eq!(ok.tax_code, "0312345678");
    }

    #[test]
    fn an_issued_invoice_needs_a_number_and_an_https_link() {
        assert!(parse_issued("C25TAA-0000123", "https://hoadon.example.vn/tra-cuu?ma=ABC").is_ok());
        assert_eq!(
            parse_issued("", "https://x.vn/a"),
            Err("invoice.error.number")
        );
        assert_eq!(
            parse_issued("1", "http://x.vn/a"),
            Err("invoice.error.link")
        );
        assert_eq!(
            parse_issued("1", "javascript:alert(1)"),
            Err("invoice.error.link")
        );
        assert_eq!(
            parse_issued("1", "https://x.vn/\"><script>"),
            Err("invoice.error.link")
        );
    }
}
