//! Name resolution and type checking: AST -> IR plus diagnostics. (In progress.)
use crate::{ast, diagnostics::Diagnostic, ir};

pub fn check(_file: &ast::File) -> (Option<ir::Spec>, Vec<Diagnostic>) {
    todo!("checker")
}
