//! Suricate runtime: generated session kernels plus the tokio shell that runs them.

pub mod generated;
