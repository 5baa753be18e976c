//! Kernel modules generated from `spec/*.machine` by `cargo xtask gen`.
