//! `cargo xtask check-time`: how long `cargo check` takes on a generated kernel.
//!
//! Generates the synthetic benchmark spec, puts the module in a throwaway crate under
//! `target/check-time/`, warms its dependencies with one `cargo check`, then times a
//! second `cargo check` after touching the module: the cost a user pays per edit.

use crate::error::Error;
use crate::output;
use crate::synth;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// The throwaway crate's manifest: what any crate compiling a generated kernel needs.
fn manifest(kernel_crate: &Path) -> String {
    format!(
        r#"[package]
name = "check-time"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
serde = {{ version = "1", features = ["derive"] }}
suricate-kernel = {{ path = {} }}

# Standalone: not part of the surrounding workspace.
[workspace]
"#,
        toml_string(&kernel_crate.to_string_lossy())
    )
}

/// `text` as a TOML basic string: a path may hold `'` (which ends a literal string), `"`
/// or `\`.
fn toml_string(text: &str) -> String {
    let mut out = String::from('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn run(root: &Path, params: synth::Params) -> Result<(), Error> {
    // Checked before anything is created under `root`.
    let kernel = root.join("kernel");
    if !kernel.join("Cargo.toml").is_file() {
        return Err(Error::not_root(root, "no kernel/Cargo.toml"));
    }
    let spec = synth::spec(params);
    let path = "target/check-time/synthetic.machine";
    let output = suricate_codegen::generate(&spec, path).map_err(|d| {
        eprint!("{}", d.render());
        Error::Diagnostics { specs: 1 }
    })?;
    let dir = root.join("target/check-time");
    let src = dir.join("src");
    std::fs::create_dir_all(&src).map_err(|e| Error::io("create", &src, e))?;
    let write = |name: &Path, text: &str| {
        std::fs::write(name, text).map_err(|e| Error::io("write", name, e))
    };
    write(&dir.join("Cargo.toml"), &manifest(&kernel))?;
    // Reuse the workspace's resolved versions so the run stays offline-friendly.
    let lock = root.join("Cargo.lock");
    if lock.exists() {
        std::fs::copy(&lock, dir.join("Cargo.lock")).map_err(|e| Error::io("copy", &lock, e))?;
    }
    let lines: usize = output.machines.iter().map(|m| m.rust.lines().count()).sum();
    let mut lib = String::new();
    for m in &output.machines {
        write(&src.join(format!("{}.rs", m.module)), &m.rust)?;
        lib.push_str(&format!("pub mod {};\n", m.module));
    }
    write(&src.join("lib.rs"), &lib)?;

    cargo_check(&dir)?;
    // Touch the generated module so the timed run re-checks it (and only it).
    for m in &output.machines {
        write(
            &src.join(format!("{}.rs", m.module)),
            &format!("{}\n", m.rust),
        )?;
    }
    let started = Instant::now();
    cargo_check(&dir)?;
    let elapsed = started.elapsed();
    output::print(&format!(
        "cargo check of the generated kernel ({} inputs, {} fields, {} transitions; {lines} lines): {:.2} s\n",
        params.inputs,
        params.fields,
        params.transitions,
        elapsed.as_secs_f64()
    ))
}

fn cargo_check(dir: &Path) -> Result<(), Error> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = Command::new(cargo)
        .args(["check", "--quiet"])
        .current_dir(dir)
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .map_err(|e| Error::io("run cargo check in", dir, e))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::CommandFailed {
            command: "cargo check",
            dir: dir.to_path_buf(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernel_path_is_quoted_whatever_it_holds() {
        let text = manifest(Path::new("/home/o'brien/a \"b\" c\\d/kernel"));
        assert!(
            text.contains(
                "suricate-kernel = { path = \"/home/o'brien/a \\\"b\\\" c\\\\d/kernel\" }\n"
            ),
            "{text}"
        );
        assert_eq!(toml_string("a\tb\u{7f}"), "\"a\\u0009b\\u007F\"");
    }
}
