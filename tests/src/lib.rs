//! Generated example kernels, compiled and exercised by the tests in `tests/tests/`.
// As in a library that embeds a generated kernel and enforces documentation: the generated
// modules must compile under it, whatever their specs leave undocumented. `forbid`, not
// `deny`: no `allow(missing_docs)` inside a module can override it, so the generated code
// must document every public item itself.
#![forbid(missing_docs)]
pub mod generated;
