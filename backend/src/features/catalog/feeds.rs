//! Catalog feeds, so a seller lists once and sells elsewhere: the visible products of a seller
//! or a province in three formats.
//!
//! - **Google Merchant Center**, RSS 2.0 with the `g:` namespace (`id`, `title`,
//!   `description`, `link`, `image_link`, up to ten `additional_image_link`, `availability`,
//!   `price` as `120000 VND`, `brand`, `condition`, `identifier_exists`, `item_group_id` for
//!   pack sizes, `product_type`, `shipping_weight`, and the OCOP certificate in
//!   `custom_label_0`–`custom_label_4`).
//! - **Meta catalogue** CSV (the columns of Meta's data-feed template: `id`, `title`,
//!   `description`, `availability`, `condition`, `price`, `link`, `image_link`, `brand`,
//!   `additional_image_link`, `item_group_id`, `quantity_to_sell_on_facebook`,
//!   `custom_label_0`–`custom_label_4`).
//! - **The postal platform's bulk upload**, a CSV in the column layout of [`POSTAL_COLUMNS`]
//!   (Vietnamese headers, documented in the README), since its own template is not public.
//!
//! Only what a shopper may see today is in a feed (certified, published, seller active), read
//! from the database on every request, so a delisted product leaves every feed at once. A
//! listing with pack sizes is one item per size, grouped by the listing.
use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::photos::photo_view;
use super::queries::{self, ListingDetail, ListingFilter};
use crate::db::entities::{listing_photo, listing_variant};
use crate::domain::ids::{ListingId, SellerId};
use crate::domain::reference::Reference;

/// Most items one feed carries.
pub const MAX_ITEMS: u64 = 20_000;
/// Google's limits: titles of 150 characters, descriptions of 5,000, ten extra images.
const MAX_TITLE: usize = 150;
const MAX_DESCRIPTION: usize = 5_000;
const MAX_EXTRA_IMAGES: usize = 10;

/// Whose products a feed carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    Seller(SellerId),
    Province(String),
}

/// One item of a feed: a listing, or one pack size of it.
#[derive(Clone, Debug)]
pub struct FeedItem {
    /// The listing's slug, or `{slug}-{size id}` for a pack size.
    pub id: String,
    /// The listing's slug when the item is one of its pack sizes.
    pub group_id: Option<String>,
    /// The product's title, with the size's label after it.
    pub title: String,
    pub product: ListingDetail,
    pub price_vnd: i64,
    pub stock: i32,
    pub weight_grams: i32,
    /// Photos' addresses on this site (`/media/…`), the cover first.
    pub images: Vec<String>,
}

/// The active seller with the producer page `slug`: its id and name.
pub async fn active_seller(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<(SellerId, String)>, DbErr> {
    use crate::db::entities::seller;
    Ok(seller::Entity::find()
        .filter(seller::Column::Slug.eq(slug))
        .filter(seller::Column::State.eq(super::SellerState::Active))
        .one(db)
        .await?
        .map(|s| (s.id, s.display_name)))
}

/// The items of `scope`, by product title.
pub async fn items(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    scope: &Scope,
) -> Result<Vec<FeedItem>, DbErr> {
    let filter = match scope {
        Scope::Seller(id) => ListingFilter {
            seller_id: Some(*id),
            ..ListingFilter::default()
        },
        Scope::Province(code) => ListingFilter {
            province_code: Some(code.clone()),
            ..ListingFilter::default()
        },
    };
    let products = queries::visible_details(db, today, &filter, MAX_ITEMS).await?;
    let ids: Vec<ListingId> = products.iter().map(|p| p.internal_id).collect();
    let mut photos: HashMap<ListingId, Vec<String>> = HashMap::new();
    let mut sizes: HashMap<ListingId, Vec<listing_variant::Model>> = HashMap::new();
    for chunk in ids.chunks(500) {
        for p in listing_photo::Entity::find()
            .filter(listing_photo::Column::ListingId.is_in(chunk.iter().copied()))
            .order_by_asc(listing_photo::Column::Position)
            .order_by_asc(listing_photo::Column::Id)
            .all(db)
            .await?
        {
            photos
                .entry(p.listing_id)
                .or_default()
                .push(photo_view(&p).url);
        }
        for v in listing_variant::Entity::find()
            .filter(listing_variant::Column::ListingId.is_in(chunk.iter().copied()))
            .order_by_asc(listing_variant::Column::Position)
            .all(db)
            .await?
        {
            sizes.entry(v.listing_id).or_default().push(v);
        }
    }
    let mut out = Vec::with_capacity(products.len());
    for product in products {
        let images = photos.remove(&product.internal_id).unwrap_or_default();
        match sizes.remove(&product.internal_id) {
            Some(sizes) if !sizes.is_empty() => {
                for size in sizes {
                    out.push(FeedItem {
                        id: format!("{}-{}", product.slug, size.id),
                        group_id: Some(product.slug.clone()),
                        title: format!("{} – {}", product.title_vi, size.label),
                        price_vnd: size.price_vnd.dong(),
                        stock: size.stock,
                        weight_grams: size.weight_grams,
                        images: images.clone(),
                        product: product.clone(),
                    });
                }
            }
            _ => out.push(FeedItem {
                id: product.slug.clone(),
                group_id: None,
                title: product.title_vi.clone(),
                price_vnd: product.price_vnd.dong(),
                stock: product.stock,
                weight_grams: product.weight_grams,
                images,
                product,
            }),
        }
    }
    Ok(out)
}

/// At most `max` characters of `text`.
fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// `text` as XML character data: escaped, without the control characters XML 1.0 forbids.
fn xml(text: &str) -> String {
    let clean: String = text
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .collect();
    quick_xml::escape::escape(clean.as_str()).into_owned()
}

fn group_label(reference: &Reference, p: &ListingDetail) -> String {
    let group = reference
        .group(&p.group_code)
        .map_or(p.group_code.clone(), |g| g.name_vi.clone());
    match reference.subgroup(&p.subgroup_code) {
        Some(sub) => format!("{group} > {}", sub.name_vi),
        None => group,
    }
}

/// The certificate in five labels: stars, number, province, group, expiry.
fn labels(reference: &Reference, p: &ListingDetail) -> [String; 5] {
    [
        format!("OCOP {} sao", p.stars),
        p.certificate_no.clone(),
        p.province_name_vi.clone(),
        reference
            .group(&p.group_code)
            .map_or(p.group_code.clone(), |g| g.name_vi.clone()),
        format!("Hiệu lực đến {}", p.expires_on.format("%d/%m/%Y")),
    ]
}

/// What a feed's title and links need.
pub struct FeedSite<'a> {
    /// `https://…`, no trailing slash.
    pub base: &'a str,
    /// The feed's title: the seller's or the province's name.
    pub title: &'a str,
    /// The page the feed is about.
    pub link: &'a str,
}

fn description(p: &ListingDetail, site: &FeedSite<'_>) -> String {
    clip(
        &format!(
            "{} Sản phẩm OCOP {} sao, giấy chứng nhận {} ({}), tra cứu tại {}/verify/{}.",
            p.description_vi.trim(),
            p.stars,
            p.certificate_no,
            p.recognition_decision_no,
            site.base,
            p.certificate_no
        ),
        MAX_DESCRIPTION,
    )
}

/// The Google Merchant Center feed (RSS 2.0).
pub fn google_rss(items: &[FeedItem], reference: &Reference, site: &FeedSite<'_>) -> String {
    let mut out = String::with_capacity(1_024 + items.len() * 1_500);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:g=\"http://base.google.com/ns/1.0\">\n<channel>\n");
    out.push_str(&format!(
        "<title>{}</title>\n<link>{}{}</link>\n<description>{}</description>\n",
        xml(site.title),
        xml(site.base),
        xml(site.link),
        xml(&format!(
            "Sản phẩm OCOP của {} trên OCOP Village",
            site.title
        )),
    ));
    for item in items {
        let p = &item.product;
        out.push_str("<item>\n");
        let mut tag = |name: &str, value: &str| {
            out.push_str(&format!("<{name}>{}</{name}>\n", xml(value)));
        };
        tag("g:id", &item.id);
        tag("title", &clip(&item.title, MAX_TITLE));
        tag("description", &description(p, site));
        tag("link", &format!("{}/products/{}", site.base, p.slug));
        if let Some(first) = item.images.first() {
            tag("g:image_link", &format!("{}{first}", site.base));
        }
        for extra in item.images.iter().skip(1).take(MAX_EXTRA_IMAGES) {
            tag("g:additional_image_link", &format!("{}{extra}", site.base));
        }
        tag(
            "g:availability",
            if item.stock > 0 {
                "in_stock"
            } else {
                "out_of_stock"
            },
        );
        tag("g:price", &format!("{} VND", item.price_vnd));
        tag("g:brand", &p.seller_name);
        tag("g:condition", "new");
        tag("g:identifier_exists", "no");
        if let Some(group) = &item.group_id {
            tag("g:item_group_id", group);
        }
        tag("g:product_type", &group_label(reference, p));
        if item.weight_grams > 0 {
            tag("g:shipping_weight", &format!("{} g", item.weight_grams));
        }
        for (i, label) in labels(reference, p).iter().enumerate() {
            tag(&format!("g:custom_label_{i}"), label);
        }
        out.push_str("</item>\n");
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

fn csv_bytes(header: &[&str], rows: Vec<Vec<String>>) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for row in rows {
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// The cover's full address (empty without a photo).
fn first_image(item: &FeedItem, site: &FeedSite<'_>) -> String {
    item.images
        .first()
        .map(|i| format!("{}{i}", site.base))
        .unwrap_or_default()
}

/// Up to ten further photos' full addresses, joined by `separator`.
fn extra_images(item: &FeedItem, site: &FeedSite<'_>, separator: &str) -> String {
    item.images
        .iter()
        .skip(1)
        .take(MAX_EXTRA_IMAGES)
        .map(|i| format!("{}{i}", site.base))
        .collect::<Vec<_>>()
        .join(separator)
}

/// The Meta (Facebook, Instagram) catalogue data feed.
pub fn meta_csv(
    items: &[FeedItem],
    reference: &Reference,
    site: &FeedSite<'_>,
) -> Result<Vec<u8>, csv::Error> {
    let header = [
        "id",
        "title",
        "description",
        "availability",
        "condition",
        "price",
        "link",
        "image_link",
        "brand",
        "additional_image_link",
        "item_group_id",
        "quantity_to_sell_on_facebook",
        "product_type",
        "custom_label_0",
        "custom_label_1",
        "custom_label_2",
        "custom_label_3",
        "custom_label_4",
    ];
    let rows = items
        .iter()
        .map(|item| {
            let p = &item.product;
            let mut row = vec![
                item.id.clone(),
                clip(&item.title, MAX_TITLE),
                description(p, site),
                if item.stock > 0 {
                    "in stock"
                } else {
                    "out of stock"
                }
                .to_owned(),
                "new".to_owned(),
                format!("{} VND", item.price_vnd),
                format!("{}/products/{}", site.base, p.slug),
                first_image(item, site),
                p.seller_name.clone(),
                extra_images(item, site, ","),
                item.group_id.clone().unwrap_or_default(),
                item.stock.max(0).to_string(),
                group_label(reference, p),
            ];
            row.extend(labels(reference, p));
            row
        })
        .collect();
    csv_bytes(&header, rows)
}

/// The postal platform's bulk-upload columns, in order.
pub const POSTAL_COLUMNS: [&str; 22] = [
    "ma_san_pham",
    "ten_san_pham",
    "mo_ta",
    "gia_ban_vnd",
    "so_luong_ton",
    "don_vi_tinh",
    "khoi_luong_gram",
    "nhom_san_pham",
    "hang_sao_ocop",
    "so_giay_chung_nhan",
    "quyet_dinh_cong_nhan",
    "ngay_cong_nhan",
    "ngay_het_han",
    "tinh_thanh",
    "xa_phuong",
    "chu_the_ocop",
    "loai_hinh_chu_the",
    "lien_ket_san_pham",
    "lien_ket_tra_cuu_chung_nhan",
    "anh_chinh",
    "anh_phu",
    "ma_nhom_quy_cach",
];

/// The postal platform's bulk-upload CSV ([`POSTAL_COLUMNS`]; dates `YYYY-MM-DD`, further
/// photos separated by `|`).
pub fn postal_csv(
    items: &[FeedItem],
    reference: &Reference,
    site: &FeedSite<'_>,
) -> Result<Vec<u8>, csv::Error> {
    let rows = items
        .iter()
        .map(|item| {
            let p = &item.product;
            vec![
                item.id.clone(),
                item.title.clone(),
                p.description_vi.trim().to_owned(),
                item.price_vnd.to_string(),
                item.stock.max(0).to_string(),
                p.unit.clone(),
                item.weight_grams.to_string(),
                group_label(reference, p),
                p.stars.to_string(),
                p.certificate_no.clone(),
                p.recognition_decision_no.clone(),
                p.recognized_on.to_string(),
                p.expires_on.to_string(),
                p.province_name_vi.clone(),
                p.commune.clone(),
                p.seller_name.clone(),
                p.participant_type.clone(),
                format!("{}/products/{}", site.base, p.slug),
                format!("{}/verify/{}", site.base, p.certificate_no),
                first_image(item, site),
                extra_images(item, site, "|"),
                item.group_id.clone().unwrap_or_default(),
            ]
        })
        .collect();
    csv_bytes(&POSTAL_COLUMNS, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_is_escaped_and_stripped_of_forbidden_characters() {
        assert_eq!(
            xml("Trà & \"mật\" <ong>\u{0b}\n"),
            "Trà &amp; &quot;mật&quot; &lt;ong&gt;\n"
        );
    }

    #[test]
    fn titles_are_clipped_by_characters_not_bytes() {
        let long = "ắ".repeat(200);
        assert_eq!(clip(&long, MAX_TITLE).chars().count(), 150);
    }
}
