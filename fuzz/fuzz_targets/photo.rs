//! Any bytes uploaded as a photo: the pipeline must refuse or process them within its limits,
//! never panic, and what it makes must be a JPEG no larger than the original's sides.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocop_village::media::{VARIANT_WIDTHS, process};

fuzz_target!(|bytes: &[u8]| {
    if let Ok(done) = process(bytes) {
        assert!(
            done.original.starts_with(&[0xFF, 0xD8]),
            "the output is a JPEG"
        );
        for (w, jpeg) in &done.variants {
            assert!(
                VARIANT_WIDTHS.contains(w) && *w < done.width,
                "variant width {w}"
            );
            assert!(jpeg.starts_with(&[0xFF, 0xD8]));
        }
    }
});
