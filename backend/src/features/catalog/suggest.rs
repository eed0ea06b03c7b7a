//! Suggestions while typing (`GET /api/v1/suggest`) and the spelling the search page offers:
//! a vocabulary of the visible catalog ([`crate::search::suggest::Vocabulary`]) that every
//! instance keeps in memory. It is rebuilt in the background when this instance's worker has
//! applied search changes, and at least every minute (changes made through other instances);
//! a suggested product is checked against the database before it is shown, so a product
//! taken off sale is never suggested, however old the vocabulary.
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, Order};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, ExprTrait, FromQueryResult};
use tokio::sync::Notify;

use crate::db::entities::{listing, registry_certificate, seller};
use crate::domain::reference::Reference;
use crate::domain::text::{fold, vietnamese_kind};
use crate::search::suggest::{Suggestion, SuggestionKind, Vocabulary};

/// The longest a vocabulary is used before it is rebuilt.
const REFRESH_EVERY: Duration = Duration::from_secs(60);
/// The shortest time between two rebuilds, however often changes arrive.
const REBUILD_PAUSE: Duration = Duration::from_secs(2);

/// One visible listing, as the vocabulary needs it.
#[derive(Clone, Debug, FromQueryResult)]
pub struct CatalogRow {
    pub slug: String,
    pub product_name_vi: String,
    pub product_name_en: String,
    pub seller_slug: String,
    pub seller_name: String,
    pub province_code: String,
    pub stars: i16,
    pub stock: i32,
}

/// Every suggestion the visible listings give: their product kinds (with how many listings
/// each), the products, the producers and the provinces (with their former names).
pub fn entries(rows: &[CatalogRow], reference: &Reference) -> Vec<Suggestion> {
    let mut out = Vec::with_capacity(rows.len() + 64);
    // Kinds by their folded name; the label is the spelling seen most often.
    let mut kinds: BTreeMap<String, (HashMap<String, u32>, u32)> = BTreeMap::new();
    let mut producers: BTreeMap<&str, (&str, u32)> = BTreeMap::new();
    let mut provinces: HashMap<&str, u32> = HashMap::new();
    for row in rows {
        let kind = vietnamese_kind(&row.product_name_vi);
        if !kind.is_empty() {
            let entry = kinds.entry(fold(&kind)).or_default();
            *entry.0.entry(kind).or_default() += 1;
            entry.1 += 1;
        }
        producers
            .entry(row.seller_slug.as_str())
            .or_insert((row.seller_name.as_str(), 0))
            .1 += 1;
        *provinces.entry(row.province_code.as_str()).or_default() += 1;
        out.push(Suggestion {
            kind: SuggestionKind::Product,
            label: row.product_name_vi.clone(),
            label_en: row.product_name_en.clone(),
            href: format!("/products/{}", row.slug),
            count: 0,
            weight: crate::search::quality(
                row.stock > 0,
                u8::try_from(row.stars).unwrap_or(0),
                0,
                0,
            ),
            key: fold(&format!("{} {}", row.product_name_vi, row.product_name_en)),
            slug: Some(row.slug.clone()),
        });
    }
    for (key, (spellings, count)) in kinds {
        let label = spellings
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(spelling, _)| spelling)
            .unwrap_or_else(|| key.clone());
        let href = format!(
            "/search?{}",
            serde_urlencoded::to_string([("q", label.as_str())]).unwrap_or_default()
        );
        out.push(Suggestion {
            kind: SuggestionKind::Kind,
            label,
            label_en: String::new(),
            href,
            count,
            weight: i64::from(count),
            key,
            slug: None,
        });
    }
    for (slug, (name, count)) in producers {
        out.push(Suggestion {
            kind: SuggestionKind::Producer,
            label: name.to_owned(),
            label_en: String::new(),
            href: format!("/producers/{slug}"),
            count,
            weight: i64::from(count),
            key: fold(name),
            slug: None,
        });
    }
    for province in &reference.provinces {
        let Some(count) = provinces.get(province.code.as_str()).copied() else {
            continue;
        };
        // Today's name first, then the former provinces' names it took in.
        let mut key = fold(&province.name_vi);
        for name in &reference.province_names {
            if name.province_code == province.code && name.legacy {
                key.push(' ');
                key.push_str(&name.key);
            }
        }
        out.push(Suggestion {
            kind: SuggestionKind::Province,
            label: province.name_vi.clone(),
            label_en: province.name_en.clone(),
            href: format!("/provinces/{}", province.code),
            count,
            weight: i64::from(count),
            key,
            slug: None,
        });
    }
    out
}

/// The visible listings, for [`entries`].
pub async fn catalog_rows(
    db: &impl ConnectionTrait,
    today: NaiveDate,
) -> Result<Vec<CatalogRow>, DbErr> {
    use registry_certificate::Column as Cert;
    let mut q = super::queries::visible_base(today);
    q.column((listing::Entity, listing::Column::Slug))
        .column((listing::Entity, listing::Column::Stock))
        .columns([
            (registry_certificate::Entity, Cert::ProductNameVi),
            (registry_certificate::Entity, Cert::ProductNameEn),
            (registry_certificate::Entity, Cert::ProvinceCode),
            (registry_certificate::Entity, Cert::Stars),
        ])
        .expr_as(
            Expr::col((seller::Entity, seller::Column::Slug)),
            "seller_slug",
        )
        .expr_as(
            Expr::col((seller::Entity, seller::Column::DisplayName)),
            "seller_name",
        )
        .order_by((listing::Entity, listing::Column::Id), Order::Asc);
    db.query_all(&q)
        .await?
        .iter()
        .map(|row| CatalogRow::from_query_result(row, ""))
        .collect()
}

/// Which of `slugs` are visible listings today.
pub async fn on_sale(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    slugs: Vec<String>,
) -> Result<HashSet<String>, DbErr> {
    if slugs.is_empty() {
        return Ok(HashSet::new());
    }
    let mut q = super::queries::visible_base(today);
    q.column((listing::Entity, listing::Column::Slug))
        .and_where(Expr::col((listing::Entity, listing::Column::Slug)).is_in(slugs));
    db.query_all(&q)
        .await?
        .iter()
        .map(|row| row.try_get("", "slug"))
        .collect()
}

/// This instance's vocabulary, and the bell that asks for a rebuild.
#[derive(Clone, Default)]
pub struct Suggester {
    current: Arc<RwLock<Arc<Vocabulary>>>,
    wake: Arc<Notify>,
}

impl Suggester {
    pub fn vocabulary(&self) -> Arc<Vocabulary> {
        self.current
            .read()
            .map(|v| v.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Asks for a rebuild soon (the search index changed).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Rebuilds the vocabulary now; returns how many suggestions it holds.
    pub async fn refresh(
        &self,
        db: &impl ConnectionTrait,
        reference: &Reference,
        today: NaiveDate,
    ) -> Result<usize, DbErr> {
        let rows = catalog_rows(db, today).await?;
        let vocabulary = Arc::new(Vocabulary::build(entries(&rows, reference)));
        let n = vocabulary.len();
        match self.current.write() {
            Ok(mut current) => *current = vocabulary,
            Err(poisoned) => *poisoned.into_inner() = vocabulary,
        }
        Ok(n)
    }

    /// Keeps the vocabulary fresh: rebuilds at once, then when woken or every minute.
    pub async fn run(
        self,
        db: DatabaseConnection,
        reference: Arc<Reference>,
        today: impl Fn() -> NaiveDate + Send,
    ) {
        loop {
            if let Err(e) = self.refresh(&db, &reference, today()).await {
                tracing::warn!(error = %e, "rebuilding the suggestions failed");
            }
            tokio::time::sleep(REBUILD_PAUSE).await;
            let _ = tokio::time::timeout(REFRESH_EVERY, self.wake.notified()).await;
        }
    }

    /// Suggestions for what has been typed so far; products only while on sale.
    pub async fn suggest(
        &self,
        db: &impl ConnectionTrait,
        today: NaiveDate,
        typed: &str,
    ) -> Result<Vec<Suggestion>, DbErr> {
        let vocabulary = self.vocabulary();
        let found = vocabulary.lookup(typed);
        let on_sale = on_sale(db, today, Vocabulary::product_slugs(&found)).await?;
        Ok(Vocabulary::keep_on_sale(found, &on_sale)
            .into_iter()
            .cloned()
            .collect())
    }
}
