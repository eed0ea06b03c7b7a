//! The mirror of the national OCOP registry and its CSV import.
pub mod import;
pub mod parse;
pub mod verify;

pub use import::{ImportOptions, ImportReport, import_registry};
pub use parse::{ParsedRegistry, RowProblem, parse_registry_csv};
