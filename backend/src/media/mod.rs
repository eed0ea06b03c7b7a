//! Product photos: a safe decode, upright pixels, no metadata, and web-sized JPEG variants,
//! stored behind [`store::MediaStore`] under content-addressed (so immutable) keys.
pub mod store;

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// Largest upload accepted.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Largest picture decoded: 50 megapixels (a 12 MP phone photo is well within).
pub const MAX_PIXELS: u64 = 50_000_000;
/// Longest side decoded.
pub const MAX_SIDE: u32 = 12_000;
/// Memory the decoder may allocate.
pub const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;
/// Widths of the resized variants (only those narrower than the photo are made).
pub const VARIANT_WIDTHS: [u32; 3] = [320, 800, 1600];
const JPEG_QUALITY: u8 = 82;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhotoError {
    #[error("{}", crate::i18n::tr("errors.photo.too_large"))]
    TooLarge,
    #[error("{}", crate::i18n::tr("errors.photo.unsupported"))]
    Unsupported,
    #[error("{}", crate::i18n::tr("errors.photo.too_many_pixels"))]
    TooManyPixels,
    #[error("{}", crate::i18n::tr("errors.photo.corrupt"))]
    Corrupt,
}

/// A processed photo: the full-size picture and its variants, all re-encoded JPEG with no
/// metadata, upright.
#[derive(Clone, Debug)]
pub struct Processed {
    pub width: u32,
    pub height: u32,
    /// Hex SHA-256 of the upload, the basis of the storage key.
    pub digest: String,
    pub original: Vec<u8>,
    /// `(width, jpeg)`, narrowest first.
    pub variants: Vec<(u32, Vec<u8>)>,
}

/// What the bytes are, judged by content (never by file name or declared type).
pub fn sniff(bytes: &[u8]) -> Result<ImageFormat, PhotoError> {
    match image::guess_format(bytes) {
        Ok(format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => Ok(format),
        _ => Err(PhotoError::Unsupported),
    }
}

/// Decodes with limits, applies the EXIF orientation, and re-encodes. CPU-heavy: call it from
/// a blocking thread.
pub fn process(bytes: &[u8]) -> Result<Processed, PhotoError> {
    if bytes.len() > MAX_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let format = sniff(bytes)?;
    let image = decode(bytes, format)?;
    let (width, height) = (image.width(), image.height());
    // JPEG has no alpha: flatten onto white rather than black.
    let rgb = flatten(image);
    let original = encode(&rgb)?;
    let mut variants = Vec::new();
    // Each variant is made from the next larger one, which is much faster than from the
    // full picture every time and looks the same at these ratios.
    let mut source = rgb;
    for &w in VARIANT_WIDTHS.iter().rev() {
        if w >= width {
            continue;
        }
        let h = ((u64::from(height) * u64::from(w)) / u64::from(width)).max(1) as u32;
        source = image::imageops::resize(&source, w, h, FilterType::Triangle);
        variants.push((w, encode(&source)?));
    }
    variants.reverse();
    let digest = crate::domain::digest::sha256_hex(bytes);
    Ok(Processed {
        width,
        height,
        digest,
        original,
        variants,
    })
}

fn decode(bytes: &[u8], format: ImageFormat) -> Result<DynamicImage, PhotoError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(classify)?;
    // The header alone tells the size: refuse a bomb before allocating its pixels.
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS || w > MAX_SIDE || h > MAX_SIDE {
        return Err(PhotoError::TooManyPixels);
    }
    let orientation = decoder.orientation().map_err(classify)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(classify)?;
    image.apply_orientation(orientation);
    Ok(image)
}

fn classify(e: image::ImageError) -> PhotoError {
    match e {
        image::ImageError::Limits(_) => PhotoError::TooManyPixels,
        image::ImageError::Unsupported(_) => PhotoError::Unsupported,
        _ => PhotoError::Corrupt,
    }
}

fn flatten(image: DynamicImage) -> image::RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let mut rgb = image::RgbImage::new(rgba.width(), rgba.height());
    for (out, px) in rgb.pixels_mut().zip(rgba.pixels()) {
        let a = u16::from(px[3]);
        for c in 0..3 {
            out[c] = ((u16::from(px[c]) * a + 255 * (255 - a)) / 255) as u8;
        }
    }
    rgb
}

fn encode(image: &image::RgbImage) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode_image(image)
        .map_err(|_| PhotoError::Corrupt)?;
    Ok(out)
}

/// A photo processed and written to the store: what a database row needs to point at it.
#[derive(Clone, Debug)]
pub struct Stored {
    pub digest: String,
    pub width: u32,
    pub height: u32,
    /// Widths of the stored variants, narrowest first.
    pub widths: Vec<u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Photo(#[from] PhotoError),
    #[error("media store: {0}")]
    Store(String),
}

/// Processes an upload on a blocking thread and writes the picture and its variants. Files are
/// written before any row refers to them: a crash leaves at worst unreferenced files.
pub async fn ingest(
    store: &std::sync::Arc<dyn store::MediaStore>,
    bytes: Vec<u8>,
) -> Result<Stored, IngestError> {
    let processed = tokio::task::spawn_blocking(move || process(&bytes))
        .await
        .map_err(|e| IngestError::Store(e.to_string()))??;
    store_processed(store, processed).await
}

/// Writes a photo [`process`] made (its original and every variant) to the store.
pub async fn store_processed(
    store: &std::sync::Arc<dyn store::MediaStore>,
    processed: Processed,
) -> Result<Stored, IngestError> {
    let put = |key: String, body: Vec<u8>| async move {
        store
            .put(&key, body, "image/jpeg")
            .await
            .map_err(|e| IngestError::Store(e.to_string()))
    };
    put(key(&processed.digest, None), processed.original).await?;
    let widths: Vec<u32> = processed.variants.iter().map(|(w, _)| *w).collect();
    for (w, body) in processed.variants {
        put(key(&processed.digest, Some(w)), body).await?;
    }
    Ok(Stored {
        digest: processed.digest,
        width: processed.width,
        height: processed.height,
        widths,
    })
}

/// The addresses of a stored photo `width` pixels wide: the full picture, and the narrowest
/// variant it has (the full picture when it is narrower than every variant), for thumbnails.
pub fn urls(digest: &str, width: i32) -> (String, String) {
    let full = format!("/media/{}", key(digest, None));
    let thumb = VARIANT_WIDTHS
        .iter()
        .find(|w| i64::from(**w) < i64::from(width))
        .map_or_else(
            || full.clone(),
            |w| format!("/media/{}", key(digest, Some(*w))),
        );
    (full, thumb)
}

/// Storage keys of a photo: `photos/{digest[..2]}/{digest}/{size}.jpg`, where size is a
/// width or `full`. The digest makes every key immutable.
pub fn key(digest: &str, size: Option<u32>) -> String {
    let shard = digest.get(..2).unwrap_or("00");
    match size {
        Some(w) => format!("photos/{shard}/{digest}/{w}.jpg"),
        None => format!("photos/{shard}/{digest}/full.jpg"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        encode(&img).expect("encode")
    }

    #[test]
    fn variants_are_made_only_below_the_photo_width() {
        let done = process(&jpeg(1000, 500)).expect("processed");
        assert_eq!((done.width, done.height), (1000, 500));
        let widths: Vec<u32> = done.variants.iter().map(|(w, _)| *w).collect();
        assert_eq!(widths, [320, 800]);
        let small = image::load_from_memory(&done.variants[0].1).expect("jpeg");
        assert_eq!((small.width(), small.height()), (320, 160));
    }

    #[test]
    fn content_decides_not_the_name() {
        assert_eq!(
            sniff(b"GIF89a\x01\x00\x01\x00"),
            Err(PhotoError::Unsupported)
        );
        assert_eq!(sniff(b"%PDF-1.7 hello"), Err(PhotoError::Unsupported));
        assert_eq!(sniff(&jpeg(4, 4)), Ok(ImageFormat::Jpeg));
        assert_eq!(
            process(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]).err(),
            Some(PhotoError::Corrupt)
        );
    }

    #[test]
    fn oversized_uploads_are_refused_before_decoding() {
        let mut big = jpeg(8, 8);
        big.resize(MAX_BYTES + 1, 0);
        assert_eq!(process(&big).err(), Some(PhotoError::TooLarge));
    }

    #[test]
    fn keys_are_content_addressed() {
        let digest = "ab".repeat(32);
        assert_eq!(
            key(&digest, Some(320)),
            format!("photos/ab/{digest}/320.jpg")
        );
        assert_eq!(key(&digest, None), format!("photos/ab/{digest}/full.jpg"));
    }
}
