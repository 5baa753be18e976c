//! IR -> Rust module. (In progress.)
use crate::{MachineOutput, ir};

pub fn module_name(machine: &str) -> String {
    heck::ToSnakeCase::to_snake_case(machine)
}

pub fn generate(_machine: &ir::Machine, _spec_path: &str) -> String {
    todo!("rust generator")
}

pub fn combined_file(_spec_path: &str, _machines: &[MachineOutput]) -> String {
    todo!("combined file")
}
