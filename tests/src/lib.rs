//! Generated example kernels, compiled and exercised by the tests in `tests/tests/`.
pub mod generated;
