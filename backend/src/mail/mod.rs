//! E-mail with lettre, behind one small interface: SMTP (`SMTP_URL`) in production, `.eml`
//! files under `DATA_DIR/mail` by default (nothing is lost in development), and an in-memory
//! mailer for tests. Mail is queued in the outbox, in the transaction of the change that causes
//! it, and sent by the background worker: an SMTP outage delays mail, it never loses it.
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::{ConnectionTrait, DbErr};
use serde::{Deserialize, Serialize};

use crate::i18n::{self, Lang};
use crate::jobs::outbox;
use crate::render::{RenderError, render_raw};

/// A rendered message, as it waits in the outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Set by the worker from the outbox entry (`<outbox-{id}@{site}>`): the same on every
    /// attempt, so a message sent twice after a crash can be told apart and deduplicated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the mail server is unavailable: {0}")]
    Unavailable(String),
    #[error("the message was refused: {0}")]
    Invalid(String),
}

#[async_trait]
pub trait Mailer: Send + Sync {
    fn kind(&self) -> &'static str;
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError>;
}

fn message(from: &Mailbox, mail: &OutgoingMail) -> Result<Message, MailError> {
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|e| MailError::Invalid(format!("recipient {:?}: {e}", mail.to)))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .message_id(mail.message_id.clone())
        .multipart(MultiPart::alternative_plain_html(
            mail.text.clone(),
            mail.html.clone(),
        ))
        .map_err(|e| MailError::Invalid(e.to_string()))
}

/// A lettre transport (SMTP, or `.eml` files) with the sender address.
pub struct LettreMailer<T> {
    transport: T,
    from: Mailbox,
    kind: &'static str,
}

#[async_trait]
impl<T> Mailer for LettreMailer<T>
where
    T: AsyncTransport + Send + Sync + 'static,
    T::Error: std::fmt::Display,
{
    fn kind(&self) -> &'static str {
        self.kind
    }
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        let message = message(&self.from, mail)?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| MailError::Unavailable(e.to_string()))
    }
}

/// Keeps sent mail in memory; can be switched off to simulate an outage. For tests.
#[derive(Default)]
pub struct MemoryMailer {
    sent: Mutex<Vec<OutgoingMail>>,
    down: AtomicBool,
}

impl MemoryMailer {
    pub fn sent(&self) -> Vec<OutgoingMail> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }
}

#[async_trait]
impl Mailer for MemoryMailer {
    fn kind(&self) -> &'static str {
        "memory"
    }
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(MailError::Unavailable("injected outage".into()));
        }
        self.sent
            .lock()
            .map_err(|_| MailError::Unavailable("poisoned".into()))?
            .push(mail.clone());
        Ok(())
    }
}

/// The mailer the settings ask for.
pub fn build_mailer(
    smtp_url: Option<&str>,
    from: &str,
    mail_dir: PathBuf,
) -> anyhow::Result<Arc<dyn Mailer>> {
    use anyhow::Context;
    let from: Mailbox = from.parse().context("MAIL_FROM is not a valid address")?;
    Ok(match smtp_url {
        Some(url) => Arc::new(LettreMailer {
            transport: AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .context("SMTP_URL is not a valid smtp:// or smtps:// URL")?
                .build(),
            from,
            kind: "smtp",
        }),
        None => {
            std::fs::create_dir_all(&mail_dir)
                .with_context(|| format!("creating {}", mail_dir.display()))?;
            Arc::new(LettreMailer {
                transport: AsyncFileTransport::<Tokio1Executor>::new(mail_dir),
                from,
                kind: "files",
            })
        }
    })
}

/// Renders `mail/{name}.subject|text|html` with `data` in the current language.
pub fn compose(
    name: &str,
    to: &str,
    data: &serde_json::Value,
) -> Result<OutgoingMail, RenderError> {
    compose_in(i18n::current(), name, to, data)
}

/// Renders `mail/{name}.subject|text|html` with `data` in `lang` (templates take their
/// strings from the dictionaries with `{{t …}}`, like pages).
pub fn compose_in(
    lang: Lang,
    name: &str,
    to: &str,
    data: &serde_json::Value,
) -> Result<OutgoingMail, RenderError> {
    let mut data = data.clone();
    if let Some(map) = data.as_object_mut() {
        map.entry("lang").or_insert(lang.code().into());
    }
    i18n::in_lang(lang, || {
        Ok(OutgoingMail {
            to: to.to_owned(),
            subject: render_raw(&format!("mail/{name}.subject"), &data)?
                .trim()
                .to_owned(),
            text: render_raw(&format!("mail/{name}.text"), &data)?,
            html: render_raw(&format!("mail/{name}.html"), &data)?,
            message_id: None,
        })
    })
}

/// Composes `mail/{name}` in the current language and queues it in the caller's
/// transaction. A template that fails to render is a programming error and fails the
/// transaction like a database error.
pub async fn queue(
    db: &impl ConnectionTrait,
    name: &str,
    to: &str,
    data: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    queue_in(db, i18n::current(), name, to, data, now).await
}

/// Like [`queue`], in `lang`.
pub async fn queue_in(
    db: &impl ConnectionTrait,
    lang: Lang,
    name: &str,
    to: &str,
    data: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mail = compose_in(lang, name, to, data)
        .map_err(|e| DbErr::Custom(format!("composing {name}: {e}")))?;
    enqueue(db, &mail, now).await
}

/// Queues a message in the caller's transaction.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    mail: &OutgoingMail,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let payload = serde_json::to_value(mail).map_err(|e| DbErr::Custom(e.to_string()))?;
    outbox::enqueue(db, outbox::MAIL_SEND, [payload], now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> OutgoingMail {
        OutgoingMail {
            to: "lan@example.com".into(),
            subject: "Xác minh e-mail".into(),
            text: "Xin chào".into(),
            html: "<p>Xin chào</p>".into(),
            message_id: Some("<outbox-7@ocop.example>".into()),
        }
    }

    #[tokio::test]
    async fn the_default_mailer_writes_eml_files() {
        let dir = tempfile::tempdir().expect("dir");
        let mailer = build_mailer(
            None,
            "OCOP Village <no-reply@ocop.example>",
            dir.path().to_path_buf(),
        )
        .expect("mailer");
        mailer.send(&sample()).await.expect("sent");
        let files: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .flatten()
            .collect();
        assert_eq!(files.len(), 1);
        let eml = std::fs::read_to_string(files[0].path()).expect("eml");
        let header = |name: &str| {
            eml.lines()
                .find(|l| l.starts_with(name))
                .unwrap_or("")
                .to_owned()
        };
        assert!(header("To:").contains("lan@example.com"), "{eml}");
        assert_eq!(header("Message-ID:"), "Message-ID: <outbox-7@ocop.example>");
        let from = header("From:");
        assert!(
            from.contains("OCOP Village") && from.contains("<no-reply@ocop.example>"),
            "{from}"
        );
    }

    #[test]
    fn every_mail_is_written_in_vietnamese_and_in_english() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../storefront/templates/mail");
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("mail templates")
            .flatten()
            .filter_map(|e| {
                let file = e.file_name().to_string_lossy().into_owned();
                file.strip_suffix(".subject.hbs").map(str::to_owned)
            })
            .collect();
        names.sort();
        assert!(names.len() >= 11, "{names:?}");
        // Every value any mail template reads.
        let item = serde_json::json!({ "title": "Trà", "quantity": 2, "unit": "hộp", "total": "100.000 ₫" });
        let data = serde_json::json!({
            "name": "Lan", "link": "https://ocop.example/x", "participant": "HTX Trà",
            "reason": "đủ điều kiện", "province": "Thái Nguyên", "why": "kiểm tra",
            "certificate_no": "OCOP-1", "product": "Trà", "seller": "HTX Trà",
            "expires_on": "01/01/2027", "days": 30, "applicant": "Minh",
            "applicant_email": "minh@example.vn", "registration_no": "0101", "minutes": 30,
            "code": "123456", "reference": "OV-ABCDEFGH", "total": "100.000 ₫",
            "payment_method": "COD", "expires_at": null, "items": [item.clone()],
            "orders": [{ "code": "OV-ABCDEFGH-1", "seller": "HTX Trà", "items": [item], "subtotal": "100.000 ₫", "shipping": "30.000 ₫" }],
            "subtotal": "100.000 ₫", "shipping": "30.000 ₫", "order_total": "130.000 ₫", "state": "shipped", "state_label": "Shipped",
            "payment_label": "paid", "carrier": "GHN", "tracking_no": "GHN1",
            "outlet": "Điểm bán OCOP Huế", "inviter": "Quản trị",
            "invoice": { "company": "Công ty TNHH Quà Quê", "tax_code": "0312345678", "address": "12 Lê Lợi" },
            "refund_amount": "30.000 ₫", "refund_method": "stripe", "refund_reason": "Một hũ bị vỡ",
            "refunded_total": "30.000 ₫",
        });
        // The returns' values (one macro call would pass serde_json's recursion limit).
        let returns = serde_json::json!({
            "return_code": "THABCDEFGH", "return_state": "refused", "return_note": "Hàng còn nguyên",
            "return_amount": "50.000 ₫", "return_reason": "Hũ bị vỡ",
            "question": "Đề nghị kiểm tra nhãn", "outcome": "Đã thu hồi lô hàng", "delisted": false,
        });
        let mut data = data;
        if let (Some(all), serde_json::Value::Object(more)) = (data.as_object_mut(), returns) {
            all.extend(more);
        }
        for name in names {
            let vi = compose_in(Lang::Vi, &name, "lan@example.vn", &data).expect("Vietnamese");
            let en = compose_in(Lang::En, &name, "lan@example.vn", &data).expect("English");
            assert_ne!(vi.subject, en.subject, "{name}: the subject is translated");
            assert_ne!(vi.text, en.text, "{name}: the text is translated");
            assert!(en.html.contains("<html lang=\"en\">"), "{name}");
            assert!(vi.html.contains("<html lang=\"vi\">"), "{name}");
            for mail in [&vi, &en] {
                assert!(
                    !mail.subject.is_empty() && mail.text.contains("OCOP Village"),
                    "{name}"
                );
                assert!(
                    !mail.text.contains("mail."),
                    "{name}: a missing string: {}",
                    mail.text
                );
            }
        }
    }

    #[tokio::test]
    async fn a_bad_recipient_is_refused_not_retried_forever() {
        let dir = tempfile::tempdir().expect("dir");
        let mailer =
            build_mailer(None, "no-reply@ocop.example", dir.path().to_path_buf()).expect("mailer");
        let bad = OutgoingMail {
            to: "not an address".into(),
            ..sample()
        };
        assert!(matches!(
            mailer.send(&bad).await,
            Err(MailError::Invalid(_))
        ));
        assert!(
            build_mailer(
                Some("ftp://x"),
                "no-reply@ocop.example",
                dir.path().to_path_buf()
            )
            .is_err()
        );
    }
}
