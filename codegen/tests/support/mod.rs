//! Shared by the snapshot tests.

use std::panic::{UnwindSafe, catch_unwind};

/// Collects the snapshot assertions of one test and fails once, at the end: a change that
/// alters several snapshots shows every diff (insta prints each as it fails), not only the
/// first.
#[derive(Default)]
pub struct Snapshots {
    differing: Vec<String>,
}

impl Snapshots {
    /// Runs `assert`, one `insta::assert_snapshot!`, and notes `name` if it fails.
    pub fn check(&mut self, name: &str, assert: impl FnOnce() + UnwindSafe) {
        if catch_unwind(assert).is_err() {
            self.differing.push(name.to_string());
        }
    }

    /// Fails if any snapshot differed, naming them.
    pub fn finish(self) {
        assert!(
            self.differing.is_empty(),
            "{} snapshot(s) differ: {}",
            self.differing.len(),
            self.differing.join(", ")
        );
    }
}
