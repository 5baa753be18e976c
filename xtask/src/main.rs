//! Workspace tasks: `cargo xtask gen`, `gen --check`, `gen SPEC --out FILE`, `synth`,
//! `check-time`.

mod check_time;
mod cli;
mod error;
mod generate;
mod output;
mod synth;

use cli::Command;
use error::Error;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            if let Error::Usage(_) = e {
                eprintln!();
                eprint!("{}", cli::USAGE);
            }
            ExitCode::from(e.exit_code())
        }
    }
}

fn run(args: &[String]) -> Result<(), Error> {
    match cli::parse(args, &default_root())? {
        Command::Help => output::print(cli::USAGE),
        Command::Gen { root, check } => {
            let plan = generate::plan(&root)?;
            if check {
                generate::check(&root, &plan)
            } else {
                generate::write(&root, &plan)
            }
        }
        Command::GenOne { root, spec, out } => generate::generate_one(&root, &spec, &out),
        Command::CheckTime { root, params } => check_time::run(&root, params),
        Command::Synth { params, out } => {
            let text = synth::spec(params);
            match out {
                Some(path) => std::fs::write(&path, text).map_err(|e| Error::io("write", path, e)),
                None => output::print(&text),
            }
        }
    }
}

/// The workspace root: the parent of this crate's directory.
fn default_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}
