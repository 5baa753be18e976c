//! Generated example kernels, compiled and exercised by the tests in `tests/tests/`.
// As in a library that embeds a generated kernel and enforces documentation: the generated
// modules must compile under it, whatever their specs leave undocumented.
#![deny(missing_docs)]
pub mod generated;
