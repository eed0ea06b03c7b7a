//! Catalog feeds on the demo catalog: a seller's and a province's Google Merchant RSS parse as
//! XML with every field Google requires on every item, the Meta and postal CSVs have their
//! documented columns and the same items, pack sizes are grouped items, and a delisted or
//! sold-out product leaves (or shows out of stock) at once.
use std::collections::HashMap;

use ocop_village::db::entities::{listing, seller};
use ocop_village::features::catalog::feeds::POSTAL_COLUMNS;
use ocop_village::features::catalog::lifecycle::{self, DelistedBy};
use quick_xml::events::Event;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};

use crate::helpers::{TestApp, spawn_app};

/// The items of an RSS feed, each as its tags' texts (a tag may repeat).
fn rss_items(xml: &str) -> Vec<HashMap<String, Vec<String>>> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut items = Vec::new();
    let mut current: Option<HashMap<String, Vec<String>>> = None;
    let mut open: Option<String> = None;
    let mut saw_rss = false;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).expect("utf-8");
                if name == "rss" {
                    saw_rss = e.attributes().flatten().any(|a| {
                        a.key.as_ref() == b"xmlns:g"
                            && a.value.as_ref() == b"http://base.google.com/ns/1.0"
                    });
                }
                if name == "item" {
                    current = Some(HashMap::new());
                } else {
                    open = Some(name);
                }
            }
            Event::Text(t) => {
                if let (Some(item), Some(tag)) = (current.as_mut(), open.as_ref()) {
                    let text = t.decode().expect("text").into_owned();
                    let text = quick_xml::escape::unescape(&text)
                        .expect("entities")
                        .into_owned();
                    item.entry(tag.clone()).or_default().push(text);
                }
            }
            Event::GeneralRef(r) => {
                // An entity inside a text: append it to the tag's last text.
                if let (Some(item), Some(tag)) = (current.as_mut(), open.as_ref()) {
                    let name = String::from_utf8(r.to_vec()).expect("utf-8");
                    let text = quick_xml::escape::unescape(&format!("&{name};"))
                        .expect("entity")
                        .into_owned();
                    let texts = item.entry(tag.clone()).or_default();
                    match texts.last_mut() {
                        Some(last) => last.push_str(&text),
                        None => texts.push(text),
                    }
                }
            }
            Event::End(e) => {
                if e.name().as_ref() == b"item" {
                    items.push(current.take().expect("an open item"));
                }
                open = None;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(saw_rss, "an RSS 2.0 document with Google's namespace");
    items
}

fn one<'a>(item: &'a HashMap<String, Vec<String>>, tag: &str) -> &'a str {
    let texts = item.get(tag).unwrap_or_else(|| panic!("{tag} in {item:?}"));
    assert_eq!(texts.len(), 1, "{tag} once in {item:?}");
    &texts[0]
}

fn csv_rows(text: &str) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            let r = r.expect("a CSV row");
            assert_eq!(r.len(), header.len(), "every row has every column");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_owned))
                .collect()
        })
        .collect();
    (header, rows)
}

async fn fetch(app: &TestApp, path: &str) -> (u16, String, String) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, response.text().await.expect("body"))
}

#[tokio::test]
async fn feeds_carry_only_visible_products_in_their_formats() {
    let app = spawn_app().await;
    let report = app.seed_demo().await;
    let honey = report.pack_sizes.clone().expect("the demo pack sizes");
    let honey = listing::Entity::find()
        .filter(listing::Column::Slug.eq(&honey))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the honey");
    let shop = seller::Entity::find_by_id(honey.seller_id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("its seller");
    let (status, kind, xml) =
        fetch(&app, &format!("/feeds/sellers/{}/google.xml", shop.slug)).await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("application/rss+xml"), "{kind}");
    let items = rss_items(&xml);
    assert!(!items.is_empty());
    for item in &items {
        for tag in [
            "g:id",
            "title",
            "description",
            "link",
            "g:availability",
            "g:price",
            "g:brand",
            "g:condition",
            "g:custom_label_1",
        ] {
            assert!(!one(item, tag).is_empty(), "{tag} in {item:?}");
        }
        let price = one(item, "g:price");
        let amount = price.strip_suffix(" VND").expect("a price in VND");
        assert!(amount.parse::<i64>().is_ok_and(|n| n > 0), "{price}");
        assert!(["in_stock", "out_of_stock"].contains(&one(item, "g:availability")));
        assert!(one(item, "title").chars().count() <= 150);
        assert!(one(item, "link").contains("/products/"));
        assert!(
            one(item, "g:custom_label_0").starts_with("OCOP "),
            "the stars"
        );
        let page = format!("/verify/{}.", one(item, "g:custom_label_1"));
        assert!(
            one(item, "description").contains("://") && one(item, "description").contains(&page),
            "the description names the certificate's public page: {item:?}"
        );
    }
    // The honey is three items of one group, each with its size's price.
    let sizes: Vec<&HashMap<String, Vec<String>>> = items
        .iter()
        .filter(|i| i.get("g:item_group_id").is_some_and(|g| g[0] == honey.slug))
        .collect();
    assert_eq!(sizes.len(), 3, "{sizes:?}");
    let prices: std::collections::HashSet<&str> = sizes.iter().map(|i| one(i, "g:price")).collect();
    assert_eq!(prices.len(), 3, "each size its price: {prices:?}");
    // A product with a photo has its image link.
    assert!(
        items.iter().any(|i| i
            .get("g:image_link")
            .is_some_and(|l| l[0].contains("/media/photos/"))),
        "{xml}"
    );
    // The same items in Meta's and the postal platform's CSVs.
    let (status, _, meta) = fetch(&app, &format!("/feeds/sellers/{}/meta.csv", shop.slug)).await;
    assert_eq!(status, 200);
    let (header, rows) = csv_rows(&meta);
    for column in [
        "id",
        "title",
        "description",
        "availability",
        "condition",
        "price",
        "link",
        "image_link",
        "brand",
    ] {
        assert!(header.iter().any(|h| h == column), "{column} in {header:?}");
    }
    assert_eq!(rows.len(), items.len());
    let ids: Vec<&str> = items.iter().map(|i| one(i, "g:id")).collect();
    assert_eq!(
        rows.iter().map(|r| r["id"].as_str()).collect::<Vec<_>>(),
        ids
    );
    assert!(
        rows.iter()
            .all(|r| ["in stock", "out of stock"].contains(&r["availability"].as_str()))
    );
    let (status, _, postal) =
        fetch(&app, &format!("/feeds/sellers/{}/postal.csv", shop.slug)).await;
    assert_eq!(status, 200);
    let (header, rows) = csv_rows(&postal);
    assert_eq!(header, POSTAL_COLUMNS);
    assert_eq!(rows.len(), items.len());
    for row in &rows {
        assert!(
            row["lien_ket_tra_cuu_chung_nhan"]
                .ends_with(&format!("/verify/{}", row["so_giay_chung_nhan"]))
        );
        assert!(["3", "4", "5"].contains(&row["hang_sao_ocop"].as_str()));
        assert!(row["gia_ban_vnd"].parse::<i64>().is_ok_and(|n| n > 0));
    }

    // Sold out: still listed, out of stock. Delisted: gone from every feed at once.
    let other = listing::Entity::find()
        .filter(listing::Column::SellerId.eq(shop.id))
        .filter(listing::Column::Id.ne(honey.id))
        .filter(listing::Column::State.eq(ocop_village::features::catalog::ListingState::Published))
        .one(&app.db)
        .await
        .expect("query")
        .expect("another product of the seller");
    let mut empty = other.clone().into_active_model();
    empty.stock = Set(0);
    empty.update(&app.db).await.expect("sold out");
    let xml = fetch(&app, &format!("/feeds/sellers/{}/google.xml", shop.slug))
        .await
        .2;
    let sold_out = rss_items(&xml)
        .into_iter()
        .find(|i| one(i, "g:id") == other.slug)
        .expect("still in the feed");
    assert_eq!(one(&sold_out, "g:availability"), "out_of_stock");
    lifecycle::delist(
        &app.db,
        &[other.id],
        DelistedBy::Officer,
        "nhãn sai",
        app.now,
    )
    .await
    .expect("delisted");
    let province = fetch(
        &app,
        &format!("/feeds/provinces/{}/google.xml", report.roles.province_code),
    )
    .await;
    assert_eq!(province.0, 200);
    let google = rss_items(
        &fetch(&app, &format!("/feeds/sellers/{}/google.xml", shop.slug))
            .await
            .2,
    );
    let ids: Vec<String> = google.iter().map(|i| one(i, "g:id").to_owned()).collect();
    assert!(
        !ids.contains(&other.slug),
        "delisted: gone from Google's feed"
    );
    assert_eq!(ids.len(), items.len() - 1, "the others stay");
    let (_, meta) = csv_rows(
        &fetch(&app, &format!("/feeds/sellers/{}/meta.csv", shop.slug))
            .await
            .2,
    );
    assert_eq!(
        meta.iter().map(|r| r["id"].clone()).collect::<Vec<_>>(),
        ids
    );
    let (_, postal) = csv_rows(
        &fetch(&app, &format!("/feeds/sellers/{}/postal.csv", shop.slug))
            .await
            .2,
    );
    assert_eq!(
        postal
            .iter()
            .map(|r| r["ma_san_pham"].clone())
            .collect::<Vec<_>>(),
        ids
    );
    let province_items = rss_items(&province.2);
    assert!(province_items.iter().all(|i| one(i, "g:id") != other.slug));
    assert!(
        province_items.len() >= items.len() - 1,
        "the province holds the seller's products"
    );

    // Unknown formats, sellers and provinces: 404.
    for path in [
        format!("/feeds/sellers/{}/feed.json", shop.slug),
        "/feeds/sellers/no-such-seller/google.xml".to_owned(),
        "/feeds/provinces/atlantis/meta.csv".to_owned(),
    ] {
        assert_eq!(fetch(&app, &path).await.0, 404, "{path}");
    }
}
