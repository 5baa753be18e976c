//! Example kernels generated from `codegen/tests/specs/*.machine` by `cargo xtask gen`; do not edit.

#[rustfmt::skip]
pub mod always_true_comparison;
#[rustfmt::skip]
pub mod beacon;
#[rustfmt::skip]
pub mod borrowed_operators;
#[rustfmt::skip]
pub mod catalog;
#[rustfmt::skip]
pub mod counter;
#[rustfmt::skip]
pub mod doc_prose;
#[rustfmt::skip]
pub mod download;
#[rustfmt::skip]
pub mod empty_branches;
#[rustfmt::skip]
pub mod empty_defaults;
#[rustfmt::skip]
pub mod entry_branches;
#[rustfmt::skip]
pub mod get_then_check;
#[rustfmt::skip]
pub mod grid;
#[rustfmt::skip]
pub mod invariants_only;
#[rustfmt::skip]
pub mod keys;
#[rustfmt::skip]
pub mod ledger;
#[rustfmt::skip]
pub mod let_only_collections;
#[rustfmt::skip]
pub mod move_entry;
#[rustfmt::skip]
pub mod obvious_comparisons;
#[rustfmt::skip]
pub mod offsets;
#[rustfmt::skip]
pub mod old_field_names;
#[rustfmt::skip]
pub mod placeholder;
#[rustfmt::skip]
pub mod quantifier_in_entry;
#[rustfmt::skip]
pub mod quantifier_labels;
#[rustfmt::skip]
pub mod reinsert;
#[rustfmt::skip]
pub mod struct_conditions;
#[rustfmt::skip]
pub mod tally;
#[rustfmt::skip]
pub mod traffic_light;
#[rustfmt::skip]
pub mod typed_lets;
