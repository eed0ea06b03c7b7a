//! One conformance suite for every media store: local disk always, an S3-compatible bucket
//! when `TEST_S3_BUCKET` is set (with `TEST_S3_ENDPOINT`, and credentials in `AWS_*`).
use std::sync::Arc;

use ocop_village::config::MediaSettings;
use ocop_village::media::store::{MediaStore, build};

async fn conformance(store: Arc<dyn MediaStore>) {
    store.ready().await.expect("ready");
    let key = format!("photos/te/{}/320.jpg", uuid::Uuid::new_v4().simple());
    assert_eq!(store.get(&key).await.expect("get"), None, "absent at first");
    store
        .put(&key, b"first".to_vec(), "image/jpeg")
        .await
        .expect("put");
    assert_eq!(
        store.get(&key).await.expect("get").as_deref(),
        Some(&b"first"[..])
    );
    // Putting the same key again is harmless (keys are content-addressed).
    store
        .put(&key, b"first".to_vec(), "image/jpeg")
        .await
        .expect("put again");
    store.delete(&key).await.expect("delete");
    assert_eq!(store.get(&key).await.expect("get"), None, "gone");
    store.delete(&key).await.expect("deleting twice is fine");
    for bad in ["../escape.jpg", "/abs.jpg", "photos/../../x.jpg"] {
        assert!(
            store.put(bad, vec![1], "image/jpeg").await.is_err(),
            "{bad}"
        );
        assert!(store.get(bad).await.is_err(), "{bad}");
    }
}

#[tokio::test]
async fn local_disk_store() {
    let dir = tempfile::tempdir().expect("dir");
    let store = build(&MediaSettings::Local {
        dir: dir.path().join("media"),
    })
    .expect("store");
    conformance(store).await;
}

#[tokio::test]
async fn s3_compatible_store() {
    let Ok(bucket) = std::env::var("TEST_S3_BUCKET") else {
        eprintln!(
            "SKIPPED: S3 media store conformance (set TEST_S3_BUCKET, TEST_S3_ENDPOINT and AWS_* to run it)"
        );
        return;
    };
    let store = build(&MediaSettings::S3 {
        bucket,
        endpoint: std::env::var("TEST_S3_ENDPOINT").ok(),
        region: std::env::var("TEST_S3_REGION").unwrap_or_else(|_| "us-east-1".into()),
    })
    .expect("store");
    conformance(store).await;
}
