//! VietQR (NAPAS) payloads: EMVCo merchant-presented QR data for a bank transfer to an account,
//! with the amount and the order code, which any Vietnamese banking app can scan.
//!
//! Layout (ID, two-digit length, value): `00` format "01"; `01` "12" (dynamic: carries an
//! amount); `38` merchant account: `00` GUID "A000000727", `01` beneficiary (`00` the bank's
//! 6-digit BIN, `01` the account number), `02` service "QRIBFTTA" (transfer to an account);
//! `53` currency "704" (VND); `54` amount; `58` country "VN"; `62` additional data with `08` the
//! purpose (the order code); `63` the CRC-16/CCITT-FALSE of everything before it, "6304"
//! included, as 4 upper-case hex digits.
use crate::domain::money::Vnd;

/// A bank a seller can be paid into: its NAPAS BIN and short name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bank {
    pub bin: &'static str,
    pub name: &'static str,
}

/// The banks offered in the seller's payment settings (NAPAS BINs of the largest banks).
pub const BANKS: &[Bank] = &[
    Bank {
        bin: "970436",
        name: "Vietcombank",
    },
    Bank {
        bin: "970415",
        name: "VietinBank",
    },
    Bank {
        bin: "970418",
        name: "BIDV",
    },
    Bank {
        bin: "970405",
        name: "Agribank",
    },
    Bank {
        bin: "970407",
        name: "Techcombank",
    },
    Bank {
        bin: "970422",
        name: "MB Bank",
    },
    Bank {
        bin: "970416",
        name: "ACB",
    },
    Bank {
        bin: "970432",
        name: "VPBank",
    },
    Bank {
        bin: "970423",
        name: "TPBank",
    },
    Bank {
        bin: "970403",
        name: "Sacombank",
    },
    Bank {
        bin: "970441",
        name: "VIB",
    },
    Bank {
        bin: "970443",
        name: "SHB",
    },
];

/// The bank with `bin`, if offered.
pub fn bank(bin: &str) -> Option<&'static Bank> {
    BANKS.iter().find(|b| b.bin == bin)
}

/// A transfer to request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// The bank's 6-digit NAPAS BIN, e.g. `970436` (Vietcombank).
    pub bank_bin: String,
    pub account_no: String,
    pub amount_vnd: Vnd,
    /// Shown in the transfer's description: the order code.
    pub message: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VietQrError {
    #[error("the bank BIN must be 6 digits")]
    BadBin,
    #[error("the account number must be 1 to 19 letters or digits")]
    BadAccount,
    #[error("the amount must be a positive number of đồng, at most 13 digits")]
    BadAmount,
    #[error("the message must be 1 to 25 ASCII letters, digits, spaces or dashes")]
    BadMessage,
    #[error("not a well-formed EMVCo payload")]
    Malformed,
    #[error("the checksum does not match")]
    BadChecksum,
}

/// CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR.
pub fn crc16_ccitt_false(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &byte in data {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

fn field(id: &str, value: &str) -> String {
    format!("{id}{:02}{value}", value.len())
}

impl Transfer {
    /// The payload to put in the QR code.
    pub fn payload(&self) -> Result<String, VietQrError> {
        if self.bank_bin.len() != 6 || !self.bank_bin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(VietQrError::BadBin);
        }
        if !(1..=19).contains(&self.account_no.len())
            || !self.account_no.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(VietQrError::BadAccount);
        }
        let amount = self.amount_vnd.dong().to_string();
        if self.amount_vnd <= Vnd::ZERO || amount.len() > 13 {
            return Err(VietQrError::BadAmount);
        }
        if !(1..=25).contains(&self.message.len())
            || !self
                .message
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b' ' || b == b'-')
        {
            return Err(VietQrError::BadMessage);
        }
        let beneficiary = field("00", &self.bank_bin) + &field("01", &self.account_no);
        let merchant =
            field("00", "A000000727") + &field("01", &beneficiary) + &field("02", "QRIBFTTA");
        let mut payload = field("00", "01")
            + &field("01", "12")
            + &field("38", &merchant)
            + &field("53", "704")
            + &field("54", &amount)
            + &field("58", "VN")
            + &field("62", &field("08", &self.message))
            + "6304";
        let crc = crc16_ccitt_false(payload.as_bytes());
        payload.push_str(&format!("{crc:04X}"));
        Ok(payload)
    }
}

/// The QR code of a payload (error correction M: a quarter of the code may be smudged).
fn qr_code(payload: &str) -> Option<qrcode::QrCode> {
    qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::M).ok()
}

/// The payload as a QR code in SVG, to inline in a page (no script, no external request).
pub fn svg(payload: &str) -> Option<String> {
    let document = qr_code(payload)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    // Inline in HTML: no XML declaration.
    document.find("<svg").map(|at| document[at..].to_owned())
}

/// The top-level `(id, value)` fields of a payload, after checking its CRC.
pub fn decode(payload: &str) -> Result<Vec<(String, String)>, VietQrError> {
    let body = payload
        .len()
        .checked_sub(4)
        .and_then(|n| payload.get(..n))
        .ok_or(VietQrError::Malformed)?;
    let given = payload.get(body.len()..).ok_or(VietQrError::Malformed)?;
    if !body.ends_with("6304") {
        return Err(VietQrError::Malformed);
    }
    let expected = format!("{:04X}", crc16_ccitt_false(body.as_bytes()));
    if !given.eq_ignore_ascii_case(&expected) {
        return Err(VietQrError::BadChecksum);
    }
    fields(&payload[..payload.len() - 8])
}

/// Splits EMVCo TLV data into `(id, value)` pairs.
pub fn fields(mut data: &str) -> Result<Vec<(String, String)>, VietQrError> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let id = data.get(..2).ok_or(VietQrError::Malformed)?;
        let len: usize = data
            .get(2..4)
            .and_then(|l| l.parse().ok())
            .ok_or(VietQrError::Malformed)?;
        let value = data.get(4..4 + len).ok_or(VietQrError::Malformed)?;
        out.push((id.to_owned(), value.to_owned()));
        data = &data[4 + len..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Transfer {
        Transfer {
            bank_bin: "970436".into(),
            account_no: "0011001234567".into(),
            amount_vnd: Vnd::new(150_000),
            message: "OV-ABCD2345-1".into(),
        }
    }

    #[test]
    fn the_crc_is_ccitt_false() {
        // The catalogued check value of CRC-16/CCITT-FALSE.
        assert_eq!(crc16_ccitt_false(b"123456789"), 0x29B1);
    }

    #[test]
    fn a_transfer_encodes_to_the_expected_payload() {
        // Computed independently (a separate Python implementation of the same rules).
        assert_eq!(
            sample().payload().expect("valid"),
            "00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA\
             530370454061500005802VN62170813OV-ABCD2345-163041B9C"
        );
    }

    #[test]
    fn a_payload_decodes_to_its_fields() {
        let payload = sample().payload().expect("valid");
        let top = decode(&payload).expect("checksum ok");
        let get = |id: &str| {
            top.iter()
                .find(|(i, _)| i == id)
                .map(|(_, v)| v.clone())
                .expect("field")
        };
        assert_eq!(get("00"), "01");
        assert_eq!(get("01"), "12");
        assert_eq!(get("53"), "704");
        assert_eq!(get("54"), "150000");
        assert_eq!(get("58"), "VN");
        let merchant = fields(&get("38")).expect("merchant");
        assert_eq!(merchant[0], ("00".into(), "A000000727".into()));
        assert_eq!(merchant[2], ("02".into(), "QRIBFTTA".into()));
        let beneficiary = fields(&merchant[1].1).expect("beneficiary");
        assert_eq!(beneficiary[0].1, "970436");
        assert_eq!(beneficiary[1].1, "0011001234567");
        assert_eq!(fields(&get("62")).expect("extra")[0].1, "OV-ABCD2345-1");
    }

    #[test]
    fn tampering_is_caught_and_bad_input_refused() {
        let payload = sample().payload().expect("valid");
        let tampered = payload.replace("150000", "950000");
        assert_eq!(decode(&tampered), Err(VietQrError::BadChecksum));
        assert_eq!(decode("0002"), Err(VietQrError::Malformed));
        let bad = |f: fn(&mut Transfer)| {
            let mut t = sample();
            f(&mut t);
            t.payload().expect_err("refused")
        };
        assert_eq!(bad(|t| t.bank_bin = "97043".into()), VietQrError::BadBin);
        assert_eq!(
            bad(|t| t.account_no = "12 34".into()),
            VietQrError::BadAccount
        );
        assert_eq!(bad(|t| t.amount_vnd = Vnd::ZERO), VietQrError::BadAmount);
        assert_eq!(
            bad(|t| t.message = "Đơn hàng".into()),
            VietQrError::BadMessage
        );
    }

    #[test]
    fn the_qr_code_a_phone_scans_holds_the_payload() {
        let payload = sample().payload().expect("payload");
        let code = qr_code(&payload).expect("a code");
        // Draw the modules as a phone camera would see them: 4 pixels each, a quiet zone.
        let (width, scale, margin) = (code.width(), 4usize, 16usize);
        let side = width * scale + 2 * margin;
        let colors = code.to_colors();
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
            let inside = |v: usize| v >= margin && v < margin + width * scale;
            if inside(x) && inside(y) {
                let module = colors[((y - margin) / scale) * width + (x - margin) / scale];
                if module == qrcode::Color::Dark {
                    0
                } else {
                    255
                }
            } else {
                255
            }
        });
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().expect("decodes");
        assert_eq!(content, payload);
        let document = svg(&payload).expect("svg");
        assert!(document.starts_with("<svg") && !document.contains("<?xml"));
    }
}
