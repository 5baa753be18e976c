//! Kernel modules generated from `spec/*.machine` by `cargo xtask gen`; do not edit.

#[rustfmt::skip]
pub mod session;
