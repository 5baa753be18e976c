//! Command-line parsing (hand-rolled: four commands do not need a parser crate).

use crate::error::Error;
use crate::synth;
use std::num::IntErrorKind;
use std::path::{Path, PathBuf};

pub const USAGE: &str = "\
Usage: cargo xtask <command> [--root DIR]

Commands:
  gen                       Generate every spec/*.machine into runtime/src/generated/ and
                            docs/machines/, and every codegen/tests/specs/*.machine into
                            tests/src/generated/. Rewrites only files whose content
                            changed and removes generated files no spec produces anymore;
                            never overwrites a hand-written file.
  gen --check               Generate in memory and compare with the files on disk; print a
                            diff for every difference and exit 1 if there is any.
  gen SPEC --out FILE       Generate one spec (any path) into one Rust file, each machine
                            as `pub mod <module> { ... }`. Never replaces the spec, or a
                            FILE that exists and was not generated.
  synth --inputs N --fields N --transitions N [--out FILE]
                            Write a deterministic synthetic spec of that size (to stdout
                            without --out), for benchmarks.
  check-time [--inputs N --fields N --transitions N]
                            Time `cargo check` of the kernel generated from a synthetic
                            spec (default 300 inputs, 150 fields, 800 transitions).
  help                      Print this help.

Options:
  --root DIR                The workspace root (default: the directory above xtask/).

Exit status: 0 success, 1 spec errors or out-of-date files, 2 usage or I/O error, a file
gen will not overwrite, or a failed cargo check.
";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Help,
    /// Regenerate (or with `check`, verify) every generated file of the workspace.
    Gen {
        root: PathBuf,
        check: bool,
    },
    /// Generate one spec into one file.
    GenOne {
        root: PathBuf,
        spec: PathBuf,
        out: PathBuf,
    },
    Synth {
        params: synth::Params,
        out: Option<PathBuf>,
    },
    /// Time `cargo check` of the kernel generated from a synthetic spec.
    CheckTime {
        root: PathBuf,
        params: synth::Params,
    },
}

/// Parses the arguments after the program name. `default_root` is used without `--root`.
pub fn parse(args: &[String], default_root: &Path) -> Result<Command, Error> {
    let mut root: Option<PathBuf> = None;
    let mut out: Option<PathBuf> = None;
    let mut check = false;
    let mut numbers: [Option<usize>; 3] = [None; 3];
    let mut positional: Vec<&str> = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        // An empty value (`--out ""`) is as good as none: it names no file.
        let mut value = |name: &str| {
            iter.next()
                .filter(|v| !v.is_empty())
                .cloned()
                .ok_or_else(|| Error::Usage(format!("`{name}` needs a value")))
        };
        match arg.as_str() {
            "--root" => set_once(&mut root, "--root", PathBuf::from(value("--root")?))?,
            "--out" => set_once(&mut out, "--out", PathBuf::from(value("--out")?))?,
            "--check" => check = true,
            "-h" | "--help" => return Ok(Command::Help),
            flag @ ("--inputs" | "--fields" | "--transitions") => {
                let slot = match flag {
                    "--inputs" => 0,
                    "--fields" => 1,
                    _ => 2,
                };
                let text = value(flag)?;
                let n = text.parse::<usize>().map_err(|e| {
                    Error::Usage(match e.kind() {
                        IntErrorKind::PosOverflow => format!("`{flag}` is at most {}", synth::MAX),
                        _ => format!("`{flag}` needs a whole number, got `{text}`"),
                    })
                })?;
                set_once(&mut numbers[slot], flag, n)?;
            }
            other if other.starts_with('-') => {
                return Err(Error::Usage(format!("unknown option `{other}`")));
            }
            other => positional.push(other),
        }
    }
    let root = root.unwrap_or_else(|| default_root.to_path_buf());
    let Some((&command, rest)) = positional.split_first() else {
        return Err(Error::Usage("no command given".into()));
    };
    let synth_flags = numbers.iter().any(Option::is_some);
    match command {
        "help" if rest.is_empty() => Ok(Command::Help),
        "help" => Err(Error::Usage(format!(
            "`help` takes no arguments, got `{}`",
            rest.join(" ")
        ))),
        "gen" => {
            if synth_flags {
                return Err(Error::Usage(
                    "`--inputs`, `--fields` and `--transitions` belong to `synth`".into(),
                ));
            }
            match (rest, out) {
                ([], None) => Ok(Command::Gen { root, check }),
                ([], Some(_)) => Err(Error::Usage("`--out` needs a SPEC to generate".into())),
                ([spec], Some(out)) if !check => Ok(Command::GenOne {
                    root,
                    spec: PathBuf::from(spec),
                    out,
                }),
                ([_], Some(_)) => Err(Error::Usage(
                    "`--check` applies to the whole workspace, not to `gen SPEC --out FILE`".into(),
                )),
                ([_], None) => Err(Error::Usage("`gen SPEC` needs `--out FILE`".into())),
                _ => Err(Error::Usage("`gen` takes at most one SPEC".into())),
            }
        }
        "synth" => {
            if !rest.is_empty() {
                return Err(Error::Usage(format!(
                    "`synth` takes no arguments besides its options, got `{}`",
                    rest.join(" ")
                )));
            }
            if check {
                return Err(Error::Usage("`--check` belongs to `gen`".into()));
            }
            let [Some(inputs), Some(fields), Some(transitions)] = numbers else {
                return Err(Error::Usage(
                    "`synth` needs `--inputs N --fields N --transitions N`".into(),
                ));
            };
            let params = synth::Params {
                inputs,
                fields,
                transitions,
            };
            params.validate().map_err(Error::Usage)?;
            Ok(Command::Synth { params, out })
        }
        "check-time" if rest.is_empty() && !check && out.is_none() => {
            let [inputs, fields, transitions] = numbers;
            let params = synth::Params {
                inputs: inputs.unwrap_or(300),
                fields: fields.unwrap_or(150),
                transitions: transitions.unwrap_or(800),
            };
            params.validate().map_err(Error::Usage)?;
            Ok(Command::CheckTime { root, params })
        }
        "check-time" => Err(Error::Usage(
            "`check-time` takes only `--inputs`, `--fields`, `--transitions` and `--root`".into(),
        )),
        other => Err(Error::Usage(format!("unknown command `{other}`"))),
    }
}

fn set_once<T>(slot: &mut Option<T>, name: &str, value: T) -> Result<(), Error> {
    if slot.is_some() {
        return Err(Error::Usage(format!("`{name}` given twice")));
    }
    *slot = Some(value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(line: &str) -> Result<Command, Error> {
        let args: Vec<String> = line.split_whitespace().map(String::from).collect();
        parse(&args, Path::new("/ws"))
    }

    #[test]
    fn gen_variants() {
        assert_eq!(
            parse_str("gen").unwrap(),
            Command::Gen {
                root: "/ws".into(),
                check: false
            }
        );
        assert_eq!(
            parse_str("gen --check --root /tmp/x").unwrap(),
            Command::Gen {
                root: "/tmp/x".into(),
                check: true
            }
        );
        assert_eq!(
            parse_str("gen a.machine --out b.rs").unwrap(),
            Command::GenOne {
                root: "/ws".into(),
                spec: "a.machine".into(),
                out: "b.rs".into()
            }
        );
    }

    #[test]
    fn synth_options() {
        assert_eq!(
            parse_str("synth --inputs 3 --fields 4 --transitions 5").unwrap(),
            Command::Synth {
                params: synth::Params {
                    inputs: 3,
                    fields: 4,
                    transitions: 5
                },
                out: None
            }
        );
    }

    #[test]
    fn usage_errors() {
        for line in [
            "",
            "frobnicate",
            "gen --out x.rs",
            "gen a.machine",
            "gen a b --out c",
            "gen a.machine --out x --check",
            "gen --root",
            "gen --bogus",
            "gen --inputs 3",
            "synth --inputs 3 --fields 2",
            "synth --inputs x --fields 2 --transitions 1",
            "synth --inputs 1 --inputs 2 --fields 2 --transitions 1",
            "help me",
        ] {
            let err = parse_str(line).expect_err(line);
            assert!(matches!(err, Error::Usage(_)), "{line}: {err:?}");
            assert_eq!(err.exit_code(), 2);
        }
    }

    #[test]
    fn help_with_an_argument_is_not_an_unknown_command() {
        let err = parse_str("help gen").expect_err("help gen");
        assert_eq!(
            err.to_string(),
            "`help` takes no arguments, got `gen` (see `cargo xtask help`)"
        );
    }

    #[test]
    fn a_number_too_large_is_called_that() {
        let err = parse_str("synth --inputs 99999999999999999999999 --fields 1 --transitions 1")
            .expect_err("too large");
        assert_eq!(
            err.to_string(),
            "`--inputs` is at most 100000 (see `cargo xtask help`)"
        );
    }

    #[test]
    fn an_empty_value_is_no_value() {
        let args = ["gen", "a.machine", "--out", ""].map(String::from);
        let err = parse(&args, Path::new("/ws")).expect_err("empty --out");
        assert_eq!(
            err.to_string(),
            "`--out` needs a value (see `cargo xtask help`)"
        );
        let args = ["gen", "--root", ""].map(String::from);
        let err = parse(&args, Path::new("/ws")).expect_err("empty --root");
        assert!(matches!(err, Error::Usage(_)), "{err:?}");
    }

    #[test]
    fn help() {
        assert_eq!(parse_str("help").unwrap(), Command::Help);
        assert_eq!(parse_str("gen --help").unwrap(), Command::Help);
    }
}
