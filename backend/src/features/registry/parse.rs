//! Parsing and validating a registry CSV file. Pure: no database, every problem collected.
use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDate;

use crate::domain::reference::Reference;
use crate::domain::registry::{
    BusinessRegistrationNo, CertificateNo, CertificateStatus, ParticipantType, Stars, parse_email,
};

/// The columns of the registry export, in any order. Extra columns are ignored.
pub const COLUMNS: [&str; 17] = [
    "certificate_no",
    "product_name_vi",
    "product_name_en",
    "group_code",
    "subgroup_code",
    "stars",
    "province_code",
    "legacy_province",
    "commune",
    "participant_name",
    "participant_type",
    "business_registration_no",
    "contact_email",
    "recognition_decision_no",
    "recognized_on",
    "expires_on",
    "status",
];

/// One problem in the file, located by line (1-based, counting comment lines) and column.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RowProblem {
    pub line: u64,
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(f, "line {}, column {column}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParticipantRow {
    pub business_registration_no: String,
    pub name: String,
    pub participant_type: ParticipantType,
    pub province_code: String,
    pub commune: String,
    pub contact_email: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRow {
    pub line: u64,
    pub certificate_no: String,
    pub business_registration_no: String,
    pub product_name_vi: String,
    pub product_name_en: String,
    pub group_code: String,
    pub subgroup_code: String,
    pub stars: Stars,
    pub province_code: String,
    pub legacy_province: Option<String>,
    pub commune: String,
    pub recognition_decision_no: String,
    pub recognized_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub status: CertificateStatus,
}

/// A whole file that passed validation: participants in first-seen order, and certificates.
#[derive(Clone, Debug, Default)]
pub struct ParsedRegistry {
    pub participants: Vec<ParticipantRow>,
    pub certificates: Vec<CertificateRow>,
}

/// Parses a registry export. Returns every problem found, or the whole file: never part of it.
pub fn parse_registry_csv(
    bytes: &[u8],
    reference: &Reference,
) -> Result<ParsedRegistry, Vec<RowProblem>> {
    let text = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .flexible(true)
        .from_reader(text.as_bytes());

    let header_problem = |message: String| {
        vec![RowProblem {
            line: 1,
            column: None,
            message,
        }]
    };
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(header_problem(format!("cannot read the header row: {e}"))),
    };
    // The header is the first line that is neither a comment nor blank.
    let header_line = 1 + text
        .lines()
        .take_while(|l| l.starts_with('#') || l.trim().is_empty())
        .count() as u64;
    let index: HashMap<&str, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim(), i))
        .collect();
    let missing: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .filter(|c| !index.contains_key(c))
        .collect();
    if !missing.is_empty() {
        return Err(vec![RowProblem {
            line: header_line,
            column: None,
            message: format!("the header row lacks the columns: {}", missing.join(", ")),
        }]);
    }

    let mut problems = Vec::new();
    let mut parsed = ParsedRegistry::default();
    let mut certificate_lines: HashMap<String, u64> = HashMap::new();
    let mut participant_index: HashMap<String, (usize, u64)> = HashMap::new();

    for result in reader.records() {
        let record = match result {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(RowProblem {
                    line,
                    column: None,
                    message: format!("unreadable row: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != headers.len() {
            problems.push(RowProblem {
                line,
                column: None,
                message: format!(
                    "the row has {} fields, the header has {}",
                    record.len(),
                    headers.len()
                ),
            });
            continue;
        }
        let get = |column: &str| {
            index
                .get(column)
                .and_then(|&i| record.get(i))
                .unwrap_or("")
                .trim()
        };
        let mut row = RowChecker {
            line,
            problems: &mut problems,
            failed: false,
        };
        if let Some(cert) = row.check(get, reference) {
            if let Some(first) = certificate_lines.get(&cert.0.certificate_no) {
                problems.push(RowProblem {
                    line,
                    column: Some("certificate_no".into()),
                    message: format!(
                        "duplicate certificate {} (first on line {first})",
                        cert.0.certificate_no
                    ),
                });
                continue;
            }
            certificate_lines.insert(cert.0.certificate_no.clone(), line);
            let (certificate, participant) = cert;
            match participant_index.get(&participant.business_registration_no) {
                Some(&(i, first_line)) => {
                    let known = &parsed.participants[i];
                    for (column, same) in [
                        ("participant_name", known.name == participant.name),
                        (
                            "participant_type",
                            known.participant_type == participant.participant_type,
                        ),
                        (
                            "contact_email",
                            known.contact_email == participant.contact_email,
                        ),
                        (
                            "province_code",
                            known.province_code == participant.province_code,
                        ),
                    ] {
                        if !same {
                            problems.push(RowProblem {
                                line,
                                column: Some(column.into()),
                                message: format!(
                                    "participant {} has a different {column} on line {first_line}",
                                    participant.business_registration_no
                                ),
                            });
                        }
                    }
                }
                None => {
                    participant_index.insert(
                        participant.business_registration_no.clone(),
                        (parsed.participants.len(), line),
                    );
                    parsed.participants.push(participant);
                }
            }
            parsed.certificates.push(certificate);
        }
    }
    if parsed.certificates.is_empty() && problems.is_empty() {
        problems.push(RowProblem {
            line: header_line,
            column: None,
            message: "the file has no certificate rows".into(),
        });
    }
    if problems.is_empty() {
        Ok(parsed)
    } else {
        problems.sort_by_key(|a| a.line);
        Err(problems)
    }
}

/// The file must be UTF-8 (a leading BOM is accepted). Registry exports saved by spreadsheet
/// programs in UTF-16 or a Windows code page are the usual mistake.
fn decode(bytes: &[u8]) -> Result<&str, Vec<RowProblem>> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(vec![RowProblem {
            line: 1,
            column: None,
            message: "wrong encoding: the file is UTF-16; save it as CSV UTF-8".into(),
        }]);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = &bytes[..e.valid_up_to()];
        let line = 1 + valid.iter().filter(|&&b| b == b'\n').count() as u64;
        vec![RowProblem {
            line,
            column: None,
            message: format!(
                "wrong encoding: byte {} is not UTF-8; save the file as CSV UTF-8",
                e.valid_up_to() + 1
            ),
        }]
    })
}

/// Checks one row, recording each problem with its column.
struct RowChecker<'a> {
    line: u64,
    problems: &'a mut Vec<RowProblem>,
    failed: bool,
}

impl RowChecker<'_> {
    fn fail(&mut self, column: &str, message: String) {
        self.failed = true;
        self.problems.push(RowProblem {
            line: self.line,
            column: Some(column.into()),
            message,
        });
    }

    fn required(&mut self, column: &str, value: &str) -> String {
        if value.is_empty() {
            self.fail(column, "is empty".into());
        }
        value.to_owned()
    }

    fn parse<T>(&mut self, column: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|message| self.fail(column, message)).ok()
    }

    fn date(&mut self, column: &str, value: &str) -> Option<NaiveDate> {
        let result = NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map_err(|_| format!("{value:?} is not a date in YYYY-MM-DD form"));
        self.parse(column, result)
    }

    fn check<'v>(
        &mut self,
        get: impl Fn(&str) -> &'v str,
        reference: &Reference,
    ) -> Option<(CertificateRow, ParticipantRow)> {
        let certificate_no = self.parse(
            "certificate_no",
            CertificateNo::parse(get("certificate_no")),
        );
        let product_name_vi = self.required("product_name_vi", get("product_name_vi"));
        let product_name_en = get("product_name_en").to_owned();

        let group_code = get("group_code");
        if reference.group(group_code).is_none() {
            self.fail(
                "group_code",
                format!("unknown product group {group_code:?}"),
            );
        }
        let subgroup_code = get("subgroup_code");
        match reference.subgroup(subgroup_code) {
            None => self.fail(
                "subgroup_code",
                format!("unknown product set {subgroup_code:?}"),
            ),
            Some(s) if s.group_code != group_code && reference.group(group_code).is_some() => self
                .fail(
                    "subgroup_code",
                    format!(
                        "product set {subgroup_code:?} belongs to group {:?}",
                        s.group_code
                    ),
                ),
            Some(_) => {}
        }
        let stars = self.parse("stars", get("stars").parse::<Stars>());

        let province_code = get("province_code");
        let legacy = get("legacy_province");
        let province = match reference.province(province_code) {
            Some(p) => Some(p.code.clone()),
            // A former province name in the code column still resolves, like everywhere else.
            None => match reference.resolve_province(province_code) {
                Some(p) if !province_code.is_empty() => Some(p.code.clone()),
                _ => {
                    self.fail(
                        "province_code",
                        format!("unknown province {province_code:?}"),
                    );
                    None
                }
            },
        };
        if !legacy.is_empty() {
            match (reference.resolve_province(legacy), &province) {
                (None, _) => self.fail("legacy_province", format!("unknown province {legacy:?}")),
                (Some(p), Some(code)) if &p.code != code => self.fail(
                    "legacy_province",
                    format!("{legacy:?} is now part of {}, not {code}", p.code),
                ),
                _ => {}
            }
        }
        let commune = self.required("commune", get("commune"));

        let participant_name = self.required("participant_name", get("participant_name"));
        let participant_type = self.parse(
            "participant_type",
            get("participant_type").parse::<ParticipantType>(),
        );
        let registration = participant_type.and_then(|kind| {
            self.parse(
                "business_registration_no",
                BusinessRegistrationNo::parse(get("business_registration_no"), kind),
            )
        });
        let contact_email = match get("contact_email") {
            "" => Some(None),
            raw => self.parse("contact_email", parse_email(raw)).map(Some),
        };
        let decision = self.required("recognition_decision_no", get("recognition_decision_no"));
        let recognized_on = self.date("recognized_on", get("recognized_on"));
        let expires_on = self.date("expires_on", get("expires_on"));
        if let (Some(from), Some(to)) = (recognized_on, expires_on)
            && to <= from
        {
            self.fail(
                "expires_on",
                format!("expiry {to} is not after recognition {from}"),
            );
        }
        let status = self.parse("status", get("status").parse::<CertificateStatus>());

        if self.failed {
            return None;
        }
        let (
            Some(certificate_no),
            Some(stars),
            Some(province_code),
            Some(participant_type),
            Some(registration),
            Some(contact_email),
            Some(recognized_on),
            Some(expires_on),
            Some(status),
        ) = (
            certificate_no,
            stars,
            province,
            participant_type,
            registration,
            contact_email,
            recognized_on,
            expires_on,
            status,
        )
        else {
            return None;
        };
        let legacy_province = (!legacy.is_empty()).then(|| legacy.to_owned());
        let participant = ParticipantRow {
            business_registration_no: registration.as_ref().to_owned(),
            name: participant_name,
            participant_type,
            province_code: province_code.clone(),
            commune: commune.clone(),
            contact_email,
        };
        let certificate = CertificateRow {
            line: self.line,
            certificate_no: certificate_no.as_ref().to_owned(),
            business_registration_no: registration.as_ref().to_owned(),
            product_name_vi,
            product_name_en,
            group_code: group_code.to_owned(),
            subgroup_code: subgroup_code.to_owned(),
            stars,
            province_code,
            legacy_province,
            commune,
            recognition_decision_no: decision,
            recognized_on,
            expires_on,
            status,
        };
        Some((certificate, participant))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const HEADER: &str = "certificate_no,product_name_vi,product_name_en,group_code,subgroup_code,stars,province_code,legacy_province,commune,participant_name,participant_type,business_registration_no,contact_email,recognition_decision_no,recognized_on,expires_on,status";
    const GOOD: &str = "OCOP-TQ-2024-0001,Trà Shan Tuyết,Shan Tuyet tea,food,tea,4,tuyen-quang,Hà Giang,xã Lũng Cú,HTX Chè Lũng Cú,cooperative,2510996049,che@example.com,12/QĐ-UBND,2024-01-10,2027-01-10,active";

    fn reference() -> Reference {
        Reference::load(&BTreeMap::new()).expect("reference data")
    }

    #[test]
    fn parses_a_good_row_and_skips_the_comment_line() {
        let file = format!("# a comment, with a comma\n{HEADER}\n{GOOD}\n");
        let parsed = parse_registry_csv(file.as_bytes(), &reference()).expect("valid file");
        assert_eq!(parsed.certificates.len(), 1);
        assert_eq!(parsed.participants.len(), 1);
        let cert = &parsed.certificates[0];
        assert_eq!(cert.line, 3);
        assert_eq!(cert.province_code, "tuyen-quang");
        assert_eq!(cert.legacy_province.as_deref(), Some("Hà Giang"));
    }

    #[test]
    fn a_legacy_name_in_the_province_column_resolves_to_the_current_province() {
        let row = GOOD.replace(",tuyen-quang,Hà Giang,", ",Hà Giang,,");
        let file = format!("{HEADER}\n{row}\n");
        let parsed = parse_registry_csv(file.as_bytes(), &reference()).expect("valid file");
        assert_eq!(parsed.certificates[0].province_code, "tuyen-quang");
    }

    #[test]
    fn reports_every_problem_with_line_and_column() {
        let bad_stars = GOOD
            .replace("OCOP-TQ-2024-0001", "OCOP-TQ-2024-0003")
            .replace(",4,tuyen-quang", ",2,tuyen-quang");
        let bad_dates = GOOD
            .replace("OCOP-TQ-2024-0001", "OCOP-TQ-2024-0002")
            .replace("2027-01-10", "2023-01-10");
        let duplicate = GOOD.to_owned();
        let file = format!("{HEADER}\n{GOOD}\n{bad_stars}\n{bad_dates}\n{duplicate}\n");
        let problems = parse_registry_csv(file.as_bytes(), &reference()).expect_err("bad file");
        let located: Vec<(u64, Option<&str>)> = problems
            .iter()
            .map(|p| (p.line, p.column.as_deref()))
            .collect();
        assert_eq!(
            located,
            vec![
                (3, Some("stars")),
                (4, Some("expires_on")),
                (5, Some("certificate_no"))
            ],
            "{problems:#?}"
        );
    }

    #[test]
    fn rejects_utf16_and_latin1_files() {
        let utf16 = [0xFF, 0xFE, b'c', 0];
        let problems = parse_registry_csv(&utf16, &reference()).expect_err("utf-16");
        assert!(problems[0].message.contains("UTF-16"));
        let latin1 = format!("{HEADER}\n{GOOD}\n")
            .replace("Trà", "Tr\u{0}")
            .into_bytes();
        let mut latin1 = latin1;
        let at = latin1.iter().position(|&b| b == 0).expect("marker");
        latin1[at] = 0xE0; // 'à' in ISO-8859-1
        let problems = parse_registry_csv(&latin1, &reference()).expect_err("latin-1");
        assert_eq!(problems[0].line, 2);
        assert!(problems[0].message.contains("not UTF-8"));
    }

    #[test]
    fn rejects_a_file_missing_columns() {
        let problems = parse_registry_csv(b"certificate_no,stars\nX-1,3\n", &reference())
            .expect_err("missing columns");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 1);
        assert!(problems[0].message.contains("product_name_vi"));
        let problems = parse_registry_csv(b"# comment\ncertificate_no\n", &reference())
            .expect_err("missing columns");
        assert_eq!(problems[0].line, 2, "the header follows the comment line");
    }
}
