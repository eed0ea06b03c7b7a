//! What the `ocop-village` command adds to the server library, and the tests use: the demo
//! data, the benchmarks and fault injection. None of it is linked into the library the server
//! runs on (`ocop_village`).
pub mod bench;
pub mod bulk;
pub mod faults;
pub mod national;
pub mod pictures;
pub mod seed;
