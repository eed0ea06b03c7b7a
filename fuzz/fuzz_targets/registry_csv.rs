//! Any bytes given to the registry importer's parser: it must return the whole file or a list
//! of problems with line numbers, never panic, and never accept a row it would reject.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ocop_village::domain::reference::Reference;
use ocop_village::features::registry::parse::parse_registry_csv;

fn reference() -> &'static Reference {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    REFERENCE.get_or_init(|| Reference::load(&Default::default()).expect("reference data"))
}

fuzz_target!(|bytes: &[u8]| {
    match parse_registry_csv(bytes, reference()) {
        Ok(parsed) => {
            for c in &parsed.certificates {
                assert!(
                    (3..=5).contains(&c.stars.get()),
                    "stars out of range accepted"
                );
                assert!(
                    c.expires_on > c.recognized_on,
                    "expiry before recognition accepted"
                );
            }
        }
        Err(problems) => {
            assert!(!problems.is_empty(), "a rejected file names its problems");
            assert!(
                problems.iter().all(|p| p.line >= 1),
                "every problem has a line"
            );
        }
    }
});
