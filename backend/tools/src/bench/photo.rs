//! `ocop-village bench photo`: the time to process a phone photo (decode, rotate by EXIF,
//! resize to every variant, re-encode), on a synthetic 12-megapixel JPEG.
use std::time::{Duration, Instant};

use image::codecs::jpeg::JpegEncoder;
use indicatif::ProgressBar;

use ocop_village::media::{PhotoError, process};

/// A `w`×`h` JPEG with texture like a photo's (so it compresses like one), carrying an EXIF
/// Orientation of 6, as a phone held upright writes it.
pub fn synthetic_photo(w: u32, h: u32) -> Result<Vec<u8>, PhotoError> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let n = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) >> 27;
        image::Rgb([
            ((x * 255 / w) as u8).wrapping_add(n as u8),
            ((y * 255 / h) as u8).wrapping_add((n >> 1) as u8),
            (((x + y) % 256) as u8) / 2 + 60,
        ])
    });
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, 92)
        .encode_image(&img)
        .map_err(|_| PhotoError::Corrupt)?;
    // APP1 "Exif", big-endian TIFF with one IFD0 entry: Orientation (0x0112) = 6.
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08\x00\x01".to_vec();
    tiff.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0x00, 0x06, 0, 0]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    out.extend_from_slice(b"Exif\x00\x00");
    out.extend_from_slice(&tiff);
    out.extend_from_slice(&jpeg[2..]);
    Ok(out)
}

/// Processes the photo `runs` times and reports the figures.
pub fn run(width: u32, height: u32, runs: usize, progress: ProgressBar) -> anyhow::Result<String> {
    let input = synthetic_photo(width, height).map_err(|e| anyhow::anyhow!("{e}"))?;
    progress.set_length(runs as u64);
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let done = process(&input).map_err(|e| anyhow::anyhow!("{e}"))?;
        times.push(started.elapsed());
        last = Some(done);
        progress.inc(1);
    }
    progress.finish_and_clear();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let done = last.ok_or_else(|| anyhow::anyhow!("no run"))?;
    let mut report = format!(
        "photo pipeline: {}×{} JPEG ({:.1} MP, {:.1} MB, EXIF orientation 6), {} runs on one core\n",
        width,
        height,
        f64::from(width) * f64::from(height) / 1e6,
        input.len() as f64 / 1e6,
        times.len()
    );
    report.push_str(&format!(
        "  per photo: min {:.0} ms, median {:.0} ms, max {:.0} ms\n",
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1])
    ));
    report.push_str(&format!(
        "  output: full {}×{} {:.0} KB",
        done.width,
        done.height,
        done.original.len() as f64 / 1e3
    ));
    for (w, bytes) in &done.variants {
        report.push_str(&format!(", {w} px {:.0} KB", bytes.len() as f64 / 1e3));
    }
    report.push('\n');
    Ok(report)
}
