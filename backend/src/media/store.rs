//! Where photo files live. Local disk (under `DATA_DIR/media`) is the default; an
//! S3-compatible bucket is the scale-out option, so every app instance sees every photo.
//! Keys are content-addressed, so a stored object never changes and is served with
//! `Cache-Control: immutable`.
use std::path::{Component, Path, PathBuf};

use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("invalid media key")]
    BadKey,
    #[error("media store: {0}")]
    Io(String),
}

#[async_trait]
pub trait MediaStore: Send + Sync {
    /// Stores `bytes` under `key` (overwriting is harmless: keys are content-addressed).
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StoreError>;
    /// The object, or `None` if there is none.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// Cheap reachability check for `/readyz`.
    async fn ready(&self) -> Result<(), StoreError>;
}

/// Only `a-z0-9`, `-`, `_`, `.` and `/`-separated segments; no `..`, no absolute paths.
pub fn check_key(key: &str) -> Result<(), StoreError> {
    let ok = !key.is_empty()
        && key.len() <= 200
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_./".contains(&b))
        && Path::new(key)
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    if ok { Ok(()) } else { Err(StoreError::BadKey) }
}

/// The store the settings name.
pub fn build(
    settings: &crate::config::MediaSettings,
) -> Result<std::sync::Arc<dyn MediaStore>, StoreError> {
    use crate::config::MediaSettings;
    Ok(match settings {
        MediaSettings::Local { dir } => std::sync::Arc::new(LocalStore::new(dir.clone())),
        MediaSettings::S3 {
            bucket,
            endpoint,
            region,
        } => std::sync::Arc::new(S3Store::new(bucket, endpoint.as_deref(), region)?),
    })
}

/// Files under a directory.
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    fn path(&self, key: &str) -> Result<PathBuf, StoreError> {
        check_key(key)?;
        Ok(self.root.join(key))
    }
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Io(e.to_string())
}

#[async_trait]
impl MediaStore for LocalStore {
    async fn put(&self, key: &str, bytes: Vec<u8>, _content_type: &str) -> Result<(), StoreError> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(io)?;
        }
        // Write then rename, so a reader never sees half a file.
        let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
        tokio::fs::write(&tmp, bytes).await.map_err(io)?;
        tokio::fs::rename(&tmp, &path).await.map_err(io)
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match tokio::fs::read(self.path(key)?).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(e)),
        }
    }

    async fn ready(&self) -> Result<(), StoreError> {
        tokio::fs::create_dir_all(&self.root).await.map_err(io)
    }
}

/// An S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, Viettel/FPT object storage…),
/// shared by every app instance. Credentials come from the standard `AWS_*` environment
/// variables.
pub struct S3Store {
    store: object_store::aws::AmazonS3,
}

impl S3Store {
    pub fn new(bucket: &str, endpoint: Option<&str>, region: &str) -> Result<Self, StoreError> {
        let mut builder = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_region(region);
        if let Some(endpoint) = endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                // MinIO and most S3-compatible services address buckets by path.
                .with_virtual_hosted_style_request(false);
        }
        let store = builder.build().map_err(|e| StoreError::Io(e.to_string()))?;
        Ok(Self { store })
    }
}

fn s3(e: object_store::Error) -> StoreError {
    StoreError::Io(e.to_string())
}

#[async_trait]
impl MediaStore for S3Store {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StoreError> {
        use object_store::{Attribute, Attributes, ObjectStore, PutOptions};
        check_key(key)?;
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, content_type.to_owned().into());
        attributes.insert(
            Attribute::CacheControl,
            "public, max-age=31536000, immutable".into(),
        );
        let options = PutOptions {
            attributes,
            ..Default::default()
        };
        self.store
            .put_opts(&object_store::path::Path::from(key), bytes.into(), options)
            .await
            .map(|_| ())
            .map_err(s3)
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        use object_store::ObjectStore;
        check_key(key)?;
        match self.store.get(&object_store::path::Path::from(key)).await {
            Ok(found) => Ok(Some(found.bytes().await.map_err(s3)?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(s3(e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        use object_store::ObjectStore;
        check_key(key)?;
        match self
            .store
            .delete(&object_store::path::Path::from(key))
            .await
        {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(s3(e)),
        }
    }

    async fn ready(&self) -> Result<(), StoreError> {
        use object_store::ObjectStore;
        match self
            .store
            .head(&object_store::path::Path::from("ready-check"))
            .await
        {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(s3(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_escape_the_store() {
        assert!(check_key("photos/ab/abcd/320.jpg").is_ok());
        for bad in [
            "../etc/passwd",
            "/etc/passwd",
            "photos/../../x",
            "Photos/A.jpg",
            "",
            "a\\b",
        ] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn local_store_round_trip() {
        let dir = tempfile::tempdir().expect("dir");
        let store = LocalStore::new(dir.path().to_path_buf());
        store
            .put("photos/ab/x/320.jpg", b"jpeg".to_vec(), "image/jpeg")
            .await
            .expect("put");
        assert_eq!(
            store
                .get("photos/ab/x/320.jpg")
                .await
                .expect("get")
                .as_deref(),
            Some(&b"jpeg"[..])
        );
        store.delete("photos/ab/x/320.jpg").await.expect("delete");
        assert_eq!(store.get("photos/ab/x/320.jpg").await.expect("get"), None);
    }
}
