//! IR -> Markdown reference. (In progress.)
use crate::ir;

pub fn generate(_machine: &ir::Machine, _spec_path: &str) -> String {
    todo!("markdown")
}
