//! End-to-end tests of the `xtask` binary on a throwaway copy of the workspace layout.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use suricate_codegen::Code;

const DOWNLOAD: &str = include_str!("../../codegen/tests/specs/download.machine");

/// A small second machine for the example corpus.
const LIGHT: &str = "\
/// A light switch.
machine Light {
    phases { Off, On }
    initial Off;
    state { flips: u64 = 0 }
    input Flip;
    effect Flipped { flips: u64 }
    transition switch_on on Flip from Off -> On {
        guard below: self.flips < 1000;
        update { self.flips += 1; }
        emit Flipped { flips: self.flips };
    }
    transition switch_off on Flip from On -> Off {
        emit Flipped { flips: self.flips };
    }
}
";

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    /// `Cargo.toml`, `spec/download.machine` and `codegen/tests/specs/light.machine`.
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let ws = Workspace { dir };
        ws.write("Cargo.toml", "[workspace]\n");
        ws.write("spec/download.machine", DOWNLOAD);
        ws.write("codegen/tests/specs/light.machine", LIGHT);
        ws
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_in(".", args)
    }

    /// Runs xtask from `cwd`, a workspace-relative directory (created if missing).
    fn run_in(&self, cwd: &str, args: &[&str]) -> Run {
        let dir = self.path(cwd);
        fs::create_dir_all(&dir).expect("mkdir");
        let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
        command.args(args).arg("--root").arg(self.root());
        command.current_dir(dir);
        Run::from(command.output().expect("run xtask"))
    }

    /// Runs xtask with a standard output nobody reads: the pipe's read end is closed
    /// before the process starts (as `| head` does once it has its lines), so every
    /// write to stdout fails.
    fn run_with_closed_stdout(&self, args: &[&str]) -> Run {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
        command.args(args).arg("--root").arg(self.root());
        command.current_dir(self.root()).stdout(writer);
        Run::from(command.output().expect("run xtask"))
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().expect("exit code"),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

#[test]
fn gen_writes_every_generated_file_then_nothing() {
    let ws = Workspace::new();
    let run = ws.run(&["gen"]);
    assert_eq!(run.code, 0, "{run:?}");
    for file in [
        "runtime/src/generated/download.rs",
        "runtime/src/generated/mod.rs",
        "docs/machines/download.md",
        "tests/src/generated/light.rs",
        "tests/src/generated/mod.rs",
    ] {
        assert!(
            run.stdout.contains(&format!("wrote {file}\n")),
            "{file}: {run:?}"
        );
    }
    assert!(!ws.path("docs/machines/light.md").exists());
    assert!(
        ws.read("runtime/src/generated/download.rs")
            .starts_with("// @generated from spec/download.machine by `cargo xtask gen`")
    );
    assert!(
        ws.read("docs/machines/download.md")
            .starts_with("<!-- @generated from spec/download.machine by `cargo xtask gen`")
    );
    assert!(
        ws.read("runtime/src/generated/mod.rs")
            .contains("pub mod download;\n")
    );
    assert!(
        ws.read("tests/src/generated/mod.rs")
            .contains("pub mod light;\n")
    );

    let again = ws.run(&["gen"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(!again.stdout.contains("wrote"), "{again:?}");
    assert!(
        again.stdout.contains("0 written, 0 removed, 5 unchanged"),
        "{again:?}"
    );
}

#[test]
fn check_passes_after_gen_and_fails_with_a_diff_after_an_edit() {
    let ws = Workspace::new();
    assert_eq!(ws.run(&["gen"]).code, 0);
    let check = ws.run(&["gen", "--check"]);
    assert_eq!(check.code, 0, "{check:?}");
    assert!(check.stdout.contains("up to date"), "{check:?}");

    ws.write(
        "spec/download.machine",
        &DOWNLOAD.replace(
            "/// Lifecycle of a single download job.",
            "/// Lifecycle of one download job.",
        ),
    );
    let stale = ws.run(&["gen", "--check"]);
    assert_eq!(stale.code, 1, "{stale:?}");
    assert!(
        stale.stdout.contains("--- a/docs/machines/download.md\n"),
        "{stale:?}"
    );
    assert!(
        stale.stdout.contains("+++ b/docs/machines/download.md\n"),
        "{stale:?}"
    );
    assert!(
        stale
            .stdout
            .contains("-Lifecycle of a single download job.\n"),
        "{stale:?}"
    );
    assert!(
        stale.stdout.contains("+Lifecycle of one download job.\n"),
        "{stale:?}"
    );
    assert!(
        stale.stdout.contains("a/runtime/src/generated/download.rs"),
        "{stale:?}"
    );
    assert!(stale.stderr.contains("out of date"), "{stale:?}");
    assert!(!stale.stdout.contains("up to date"), "{stale:?}");
    // Checking never writes.
    assert!(
        ws.read("docs/machines/download.md")
            .contains("a single download")
    );
}

#[test]
fn missing_and_leftover_files_are_reported_and_fixed() {
    let ws = Workspace::new();
    assert_eq!(ws.run(&["gen"]).code, 0);
    fs::remove_file(ws.path("tests/src/generated/light.rs")).unwrap();
    ws.write(
        "runtime/src/generated/old_machine.rs",
        "// @generated from spec/old.machine by `cargo xtask gen`; do not edit.\n// gone\n",
    );
    ws.write(
        "docs/machines/old_machine.md",
        "<!-- @generated from spec/old.machine by `cargo xtask gen`; do not edit. -->\n# Gone\n",
    );
    ws.write("docs/machines/notes.txt", "not ours\n");
    // Hand-written files in the generated directories are never leftovers.
    ws.write("docs/machines/README.md", "# Machines\n");
    ws.write("runtime/src/generated/helpers.rs", "//! Hand-written.\n");

    let check = ws.run(&["gen", "--check"]);
    assert_eq!(check.code, 1, "{check:?}");
    assert!(
        check
            .stdout
            .contains("missing: tests/src/generated/light.rs"),
        "{check:?}"
    );
    assert!(
        check.stdout.contains("+++ b/tests/src/generated/light.rs"),
        "{check:?}"
    );
    assert!(
        check
            .stdout
            .contains("runtime/src/generated/old_machine.rs"),
        "{check:?}"
    );
    assert!(check.stdout.contains("-// gone"), "{check:?}");
    assert!(
        check.stderr.contains("3 generated files are out of date"),
        "{check:?}"
    );

    let fix = ws.run(&["gen"]);
    assert_eq!(fix.code, 0, "{fix:?}");
    assert!(
        fix.stdout.contains("wrote tests/src/generated/light.rs"),
        "{fix:?}"
    );
    assert!(
        fix.stdout
            .contains("removed runtime/src/generated/old_machine.rs"),
        "{fix:?}"
    );
    assert!(!ws.path("docs/machines/old_machine.md").exists());
    assert!(ws.path("docs/machines/notes.txt").exists());
    assert!(ws.path("docs/machines/README.md").exists());
    assert!(ws.path("runtime/src/generated/helpers.rs").exists());
    assert_eq!(ws.run(&["gen", "--check"]).code, 0);
}

#[test]
fn a_spec_with_errors_is_rendered_and_nothing_is_written() {
    let ws = Workspace::new();
    ws.write(
        "spec/broken.machine",
        "machine Broken {\n    phases { A }\n    initial B;\n    state {}\n}\n",
    );
    let run = ws.run(&["gen"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("spec/broken.machine:3:"), "{run:?}");
    assert!(run.stderr.contains("E0101"), "{run:?}");
    assert!(run.stderr.contains("initial B;"), "{run:?}");
    assert!(
        run.stderr
            .contains("1 spec has errors; no file was changed"),
        "{run:?}"
    );
    // No colour codes when stderr is not a terminal.
    assert!(!run.stderr.contains('\u{1b}'), "{run:?}");
    assert!(!ws.path("runtime/src/generated").exists());
    assert_eq!(ws.run(&["gen", "--check"]).code, 1);
}

#[test]
fn two_machines_generating_one_module_are_refused_with_where_both_are() {
    let ws = Workspace::new();
    // `Download` again: the module `download` is already spec/download.machine's.
    ws.write(
        "spec/again.machine",
        "// A second download.\nmachine  Download {\n    phases { A }\n    initial A;\n    state {}\n}\n",
    );
    let run = ws.run(&["gen"]);
    assert_eq!(run.code, 1, "{run:?}");
    // Specs are read in name order, so the clash is found at download.machine.
    assert!(
        run.stderr.contains(
            "spec/download.machine:2:9: machine `Download` generates module `download`, \
             as does the machine at spec/again.machine:2:10; rename one"
        ),
        "{run:?}"
    );
    assert!(!ws.path("runtime/src/generated").exists());
}

#[test]
fn gen_one_spec_to_one_file() {
    let ws = Workspace::new();
    let run = ws.run(&["gen", "spec/download.machine", "--out", "out/all.rs"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("wrote out/all.rs"), "{run:?}");
    let text = ws.read("out/all.rs");
    assert!(
        text.starts_with("// @generated from spec/download.machine"),
        "{text}"
    );
    assert!(text.contains("pub mod download {"), "{text}");

    let missing = ws.run(&["gen", "spec/nope.machine", "--out", "out/x.rs"]);
    assert_eq!(missing.code, 2, "{missing:?}");
    assert!(missing.stderr.contains("cannot read"), "{missing:?}");
    assert!(missing.stderr.contains("nope.machine"), "{missing:?}");

    // A spec that is not UTF-8: where its first bad byte is, and nothing written.
    std::fs::write(
        ws.path("spec/latin1.machine"),
        b"machine M {\n    phases { A }\n    // caf\xe9\n}\n",
    )
    .unwrap();
    let latin1 = ws.run(&["gen", "spec/latin1.machine", "--out", "out/l.rs"]);
    assert_eq!(latin1.code, 1, "{latin1:?}");
    assert!(
        latin1
            .stderr
            .contains("spec/latin1.machine:3:11: not UTF-8"),
        "{latin1:?}"
    );
    assert!(!ws.path("out/l.rs").exists());
    let all = ws.run(&["gen"]);
    assert_eq!(all.code, 1, "{all:?}");
    assert!(all.stderr.contains("latin1.machine:3:11"), "{all:?}");
}

#[test]
fn usage_and_io_errors_exit_2() {
    let ws = Workspace::new();
    let help = ws.run(&["help"]);
    assert_eq!(help.code, 0, "{help:?}");
    assert!(help.stdout.contains("cargo xtask gen --check") || help.stdout.contains("gen --check"));

    let bad = ws.run(&["frobnicate"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(
        bad.stderr.contains("unknown command `frobnicate`"),
        "{bad:?}"
    );
    assert!(bad.stderr.contains("Usage:"), "{bad:?}");

    let empty = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command.args(["gen", "--root"]).arg(empty.path());
    let not_root = Run::from(command.output().unwrap());
    assert_eq!(not_root.code, 2, "{not_root:?}");
    assert!(
        not_root.stderr.contains("not the workspace root"),
        "{not_root:?}"
    );
}

#[test]
fn synth_output_checks_clean() {
    let ws = Workspace::new();
    for (inputs, fields, transitions) in [
        (1, 0, 1),
        (3, 1, 2),
        (5, 7, 20),
        (40, 30, 120),
        (300, 150, 800),
    ] {
        let args = [
            "synth".to_string(),
            "--inputs".into(),
            inputs.to_string(),
            "--fields".into(),
            fields.to_string(),
            "--transitions".into(),
            transitions.to_string(),
            "--out".into(),
            "synthetic.machine".into(),
        ];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = ws.run(&args);
        assert_eq!(run.code, 0, "{run:?}");
        let text = ws.read("synthetic.machine");
        let counted = |prefix: &str| {
            text.lines()
                .filter(|l| l.trim_start().starts_with(prefix))
                .count()
        };
        assert_eq!(counted("input "), inputs);
        assert_eq!(counted("transition "), transitions);
        match suricate_codegen::check(&text, "synthetic.machine") {
            Ok((spec, warnings)) => {
                // With fewer transitions than inputs some inputs are necessarily
                // unhandled; nothing else may be warned about.
                let expected_unhandled = inputs.saturating_sub(transitions);
                assert_eq!(
                    warnings.items.len(),
                    expected_unhandled,
                    "{inputs}/{fields}/{transitions}:\n{}",
                    warnings.render()
                );
                assert!(
                    warnings
                        .items
                        .iter()
                        .all(|w| w.code == Code::UnhandledInput),
                    "{}",
                    warnings.render()
                );
                let machine = &spec.machines[0];
                assert_eq!(machine.inputs.len(), inputs);
                assert_eq!(machine.fields.len(), fields);
                assert_eq!(machine.transitions.len(), transitions);
            }
            Err(d) => panic!("{inputs}/{fields}/{transitions}:\n{}", d.render()),
        }
    }
    // Same parameters, same spec; and stdout without --out.
    let a = ws.run(&[
        "synth",
        "--inputs",
        "4",
        "--fields",
        "5",
        "--transitions",
        "9",
    ]);
    let b = ws.run(&[
        "synth",
        "--inputs",
        "4",
        "--fields",
        "5",
        "--transitions",
        "9",
    ]);
    assert_eq!(a.code, 0, "{a:?}");
    assert_eq!(a.stdout, b.stdout);
    assert!(a.stdout.starts_with("/// Synthetic machine"), "{a:?}");
}

#[test]
fn check_fails_on_a_single_hand_edited_file_and_gen_rewrites_only_it() {
    let ws = Workspace::new();
    assert_eq!(ws.run(&["gen"]).code, 0);
    let path = "runtime/src/generated/download.rs";
    ws.write(path, &format!("{}// hand edit\n", ws.read(path)));

    let check = ws.run(&["gen", "--check"]);
    assert_eq!(check.code, 1, "{check:?}");
    assert!(
        check.stdout.contains(&format!("stale: {path}\n")),
        "{check:?}"
    );
    assert!(check.stdout.contains("-// hand edit\n"), "{check:?}");
    assert!(
        check.stderr.contains("1 generated file is out of date"),
        "{check:?}"
    );

    let fix = ws.run(&["gen"]);
    assert_eq!(fix.code, 0, "{fix:?}");
    assert!(fix.stdout.contains(&format!("wrote {path}\n")), "{fix:?}");
    assert!(
        fix.stdout.contains("1 written, 0 removed, 4 unchanged"),
        "{fix:?}"
    );
    assert_eq!(ws.run(&["gen", "--check"]).code, 0);
}

#[test]
fn gen_one_resolves_paths_against_the_current_directory() {
    let ws = Workspace::new();
    // From a subdirectory, as `cargo xtask gen ../spec/x.machine --out k.rs` would be.
    let run = ws.run_in(
        "app",
        &["gen", "../spec/download.machine", "--out", "kernel.rs"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!ws.path("kernel.rs").exists(), "not relative to --root");
    let text = ws.read("app/kernel.rs");
    // Named workspace-relative in the header, whatever the current directory.
    assert!(
        text.starts_with("// @generated from spec/download.machine"),
        "{}",
        text.lines().next().unwrap_or_default()
    );
}

#[test]
fn every_broken_spec_is_reported_not_only_the_first() {
    let ws = Workspace::new();
    let broken = "machine Broken {\n    phases { A }\n    initial B;\n    state {}\n}\n";
    ws.write("spec/a_broken.machine", broken);
    ws.write(
        "codegen/tests/specs/b_broken.machine",
        &broken.replace("Broken", "Other"),
    );
    let run = ws.run(&["gen"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("spec/a_broken.machine:3:"), "{run:?}");
    assert!(
        run.stderr
            .contains("codegen/tests/specs/b_broken.machine:3:"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("2 specs have errors; no file was changed"),
        "{run:?}"
    );
    assert!(!ws.path("runtime/src/generated").exists());
}

#[test]
fn a_closed_stdout_neither_panics_nor_changes_the_exit_status() {
    let ws = Workspace::new();
    let synth = ws.run_with_closed_stdout(&[
        "synth",
        "--inputs",
        "4",
        "--fields",
        "5",
        "--transitions",
        "9",
    ]);
    assert_eq!(synth.code, 0, "{synth:?}");
    assert!(!synth.stderr.contains("panicked"), "{synth:?}");
    let help = ws.run_with_closed_stdout(&["help"]);
    assert_eq!(help.code, 0, "{help:?}");

    // `gen --check | head` in CI: out of date is still exit 1, not a crash.
    let check = ws.run_with_closed_stdout(&["gen", "--check"]);
    assert_eq!(check.code, 1, "{check:?}");
    assert!(check.stderr.contains("out of date"), "{check:?}");
    assert!(!check.stderr.contains("panicked"), "{check:?}");
    let gen_run = ws.run_with_closed_stdout(&["gen"]);
    assert_eq!(gen_run.code, 0, "{gen_run:?}");
    assert_eq!(ws.run(&["gen", "--check"]).code, 0);
}

#[cfg(unix)]
#[test]
fn a_symlinked_spec_is_generated_and_a_broken_one_is_an_error() {
    use std::os::unix::ffi::OsStrExt as _;
    let ws = Workspace::new();
    let shared = tempfile::tempdir().unwrap();
    let lamp = shared.path().join("lamp.machine");
    fs::write(&lamp, LIGHT.replace("Light", "Lamp")).unwrap();
    std::os::unix::fs::symlink(&lamp, ws.path("spec/lamp.machine")).unwrap();
    let run = ws.run(&["gen"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("wrote runtime/src/generated/lamp.rs\n"),
        "{run:?}"
    );
    assert!(
        ws.read("runtime/src/generated/mod.rs")
            .contains("pub mod lamp;\n")
    );

    // A link that leads nowhere is not skipped in silence (nor its module removed).
    fs::remove_file(&lamp).unwrap();
    let dangling = ws.run(&["gen"]);
    assert_eq!(dangling.code, 2, "{dangling:?}");
    assert!(
        dangling.stderr.contains("cannot read") && dangling.stderr.contains("lamp.machine"),
        "{dangling:?}"
    );
    assert!(ws.path("runtime/src/generated/lamp.rs").exists());
    assert_eq!(ws.run(&["gen", "--check"]).code, 2);
    fs::remove_file(ws.path("spec/lamp.machine")).unwrap();

    // Nor is a spec whose name is not UTF-8.
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.machine");
    fs::write(ws.path("spec").join(name), LIGHT).unwrap();
    let latin1 = ws.run(&["gen"]);
    assert_eq!(latin1.code, 2, "{latin1:?}");
    assert!(latin1.stderr.contains("not UTF-8"), "{latin1:?}");
}

#[test]
fn a_root_without_the_spec_directories_is_refused_and_left_untouched() {
    // Another Cargo project: nothing may be created in it.
    let other = tempfile::tempdir().unwrap();
    fs::write(other.path().join("Cargo.toml"), "[package]\n").unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command.args(["gen", "--root"]).arg(other.path());
    let run = Run::from(command.output().unwrap());
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("is not the workspace root (it has no spec/ directory)"),
        "{run:?}"
    );
    let entries: Vec<_> = fs::read_dir(other.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries, ["Cargo.toml"]);

    // This workspace with its spec directory moved away: its generated files stay.
    let ws = Workspace::new();
    assert_eq!(ws.run(&["gen"]).code, 0);
    fs::rename(ws.path("spec"), ws.path("specs")).unwrap();
    for args in [&["gen"][..], &["gen", "--check"]] {
        let run = ws.run(args);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(run.stderr.contains("no spec/ directory"), "{run:?}");
    }
    assert!(ws.path("runtime/src/generated/download.rs").exists());
    fs::remove_dir_all(ws.path("codegen/tests/specs")).unwrap();
    fs::rename(ws.path("specs"), ws.path("spec")).unwrap();
    let run = ws.run(&["gen"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("no codegen/tests/specs/ directory"),
        "{run:?}"
    );
    assert!(ws.path("tests/src/generated/light.rs").exists());
}

#[test]
fn a_module_clash_or_a_file_that_is_not_utf8_does_not_hide_other_errors() {
    let ws = Workspace::new();
    // Read in name order: the clash (at download.machine) comes first, then a file that is
    // not UTF-8, then, in the other corpus, a spec with a diagnostic.
    ws.write(
        "spec/again.machine",
        "machine Download {\n    phases { A }\n    initial A;\n    state {}\n}\n",
    );
    fs::write(
        ws.path("spec/e_latin1.machine"),
        b"machine M {\n    // caf\xc3\xa9 \xe9\n}\n",
    )
    .unwrap();
    ws.write(
        "codegen/tests/specs/z_broken.machine",
        "machine Broken {\n    phases { A }\n    initial B;\n    state {}\n}\n",
    );
    let run = ws.run(&["gen"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("error: spec/download.machine:2:9: machine `Download` generates module"),
        "{run:?}"
    );
    // The column counts characters, as a diagnostic's does: `é` is one.
    assert!(
        run.stderr
            .contains("error: spec/e_latin1.machine:2:13: not UTF-8 (a spec must be UTF-8 text)\n"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("codegen/tests/specs/z_broken.machine:3:13"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("3 specs have errors; no file was changed"),
        "{run:?}"
    );
    assert!(!ws.path("runtime/src/generated").exists());
    assert!(!ws.path("tests/src/generated").exists());
}

#[test]
fn gen_one_never_overwrites_the_spec_or_a_hand_written_file() {
    let ws = Workspace::new();
    let spec = "spec/download.machine";
    let refused = ws.run(&["gen", spec, "--out", spec]);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(
        refused.stderr.contains(
            "`--out` spec/download.machine: it is the spec itself, which the Rust would \
             replace; nothing was written"
        ),
        "{refused:?}"
    );
    // No usage text: the command line was well-formed.
    assert!(!refused.stderr.contains("Usage:"), "{refused:?}");
    assert_eq!(ws.read(spec), DOWNLOAD);
    // The same file by another name.
    let other_name = ws.run(&["gen", spec, "--out", "spec/../spec/download.machine"]);
    assert_eq!(other_name.code, 2, "{other_name:?}");
    assert_eq!(ws.read(spec), DOWNLOAD);

    ws.write("app/src/main.rs", "fn main() {}\n");
    let hand_written = ws.run(&["gen", spec, "--out", "app/src/main.rs"]);
    assert_eq!(hand_written.code, 2, "{hand_written:?}");
    assert!(
        hand_written.stderr.contains("was not generated"),
        "{hand_written:?}"
    );
    assert_eq!(ws.read("app/src/main.rs"), "fn main() {}\n");

    let dir = ws.run(&["gen", spec, "--out", "app"]);
    assert_eq!(dir.code, 2, "{dir:?}");
    assert!(dir.stderr.contains("it is a directory"), "{dir:?}");
    // A file where a directory of the path should be.
    let under_file = ws.run(&["gen", spec, "--out", "app/src/main.rs/kernel.rs"]);
    assert_eq!(under_file.code, 2, "{under_file:?}");
    assert!(
        under_file
            .stderr
            .contains("cannot create directory app/src/main.rs"),
        "{under_file:?}"
    );

    // An empty file, or one gen wrote, is replaced.
    ws.write("app/src/kernel.rs", "");
    let fresh = ws.run(&["gen", spec, "--out", "app/src/kernel.rs"]);
    assert_eq!(fresh.code, 0, "{fresh:?}");
    assert!(
        fresh.stdout.contains("wrote app/src/kernel.rs"),
        "{fresh:?}"
    );
    let stale = ws.read("app/src/kernel.rs").replace("Lifecycle", "Life");
    ws.write("app/src/kernel.rs", &stale);
    let rewritten = ws.run(&["gen", spec, "--out", "app/src/kernel.rs"]);
    assert_eq!(rewritten.code, 0, "{rewritten:?}");
    assert!(ws.read("app/src/kernel.rs").contains("Lifecycle"));
}

#[test]
fn gen_one_leaves_an_unchanged_file_alone() {
    let ws = Workspace::new();
    let args = ["gen", "spec/download.machine", "--out", "out/kernel.rs"];
    assert_eq!(ws.run(&args).code, 0);
    // Dated in the past: any write would move the modification time to now.
    let path = ws.path("out/kernel.rs");
    let past = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(past)
        .unwrap();
    let again = ws.run(&args);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again.stdout.contains("unchanged out/kernel.rs"),
        "{again:?}"
    );
    assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), past);
}

#[test]
fn check_time_refuses_a_root_without_the_kernel_crate() {
    let ws = Workspace::new();
    let run = ws.run(&[
        "check-time",
        "--inputs",
        "1",
        "--fields",
        "0",
        "--transitions",
        "1",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("is not the workspace root (it has no kernel/Cargo.toml)"),
        "{run:?}"
    );
    assert!(!ws.path("target").exists());
}

#[test]
fn a_failed_cargo_check_in_check_time_is_not_a_usage_error() {
    let ws = Workspace::new();
    // A kernel crate cargo cannot even load: `cargo check` fails before building anything.
    ws.write("kernel/Cargo.toml", "this is not a manifest\n");
    let run = ws.run(&[
        "check-time",
        "--inputs",
        "1",
        "--fields",
        "0",
        "--transitions",
        "1",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("error: `cargo check` failed in")
            && run.stderr.contains("(its output is above)"),
        "{run:?}"
    );
    assert!(!run.stderr.contains("Usage:"), "{run:?}");
    assert!(!run.stderr.contains("cargo xtask help"), "{run:?}");
}

#[test]
fn a_generated_file_is_up_to_date_only_when_it_is_the_same_bytes() {
    let ws = Workspace::new();
    // The replacement character, written as such in a doc comment, reaches the output.
    ws.write(
        "codegen/tests/specs/light.machine",
        &LIGHT.replace("/// A light switch.", "/// A light switch \u{fffd}."),
    );
    assert_eq!(ws.run(&["gen"]).code, 0);
    let path = ws.path("tests/src/generated/light.rs");
    let good = fs::read(&path).unwrap();
    // A damaged copy: an invalid byte where the character was. Read with invalid bytes
    // replaced, it would equal the generated text.
    let text = String::from_utf8(good.clone()).unwrap();
    let at = text
        .find('\u{fffd}')
        .expect("the character is in the output");
    let mut damaged = good[..at].to_vec();
    damaged.push(0xff);
    damaged.extend_from_slice(&good[at + '\u{fffd}'.len_utf8()..]);
    fs::write(&path, &damaged).unwrap();

    let check = ws.run(&["gen", "--check"]);
    assert_eq!(check.code, 1, "{check:?}");
    assert!(
        check.stdout.contains("stale: tests/src/generated/light.rs"),
        "{check:?}"
    );
    let fix = ws.run(&["gen"]);
    assert_eq!(fix.code, 0, "{fix:?}");
    assert_eq!(fs::read(&path).unwrap(), good);
}

#[test]
fn check_says_when_only_line_endings_differ() {
    let ws = Workspace::new();
    assert_eq!(ws.run(&["gen"]).code, 0);
    let path = "tests/src/generated/mod.rs";
    ws.write(path, &ws.read(path).replace('\n', "\r\n"));
    let check = ws.run(&["gen", "--check"]);
    assert_eq!(check.code, 1, "{check:?}");
    assert!(
        check.stdout.contains(&format!(
            "stale: {path} (only its line endings differ: the file has CRLF, `gen` writes LF"
        )),
        "{check:?}"
    );
    // No diff of lines that look the same.
    assert!(!check.stdout.contains("--- a/"), "{check:?}");

    // A file with CRLF and a real change still gets its diff.
    ws.write(path, &format!("{}// edit\r\n", ws.read(path)));
    let edited = ws.run(&["gen", "--check"]);
    assert_eq!(edited.code, 1, "{edited:?}");
    assert!(
        edited.stdout.contains(&format!("stale: {path}\n")),
        "{edited:?}"
    );
    assert!(edited.stdout.contains("-// edit"), "{edited:?}");
}

#[test]
fn gen_never_overwrites_a_hand_written_file_a_new_machine_would_generate() {
    let ws = Workspace::new();
    ws.write("runtime/src/generated/helpers.rs", "//! Hand-written.\n");
    ws.write("spec/helpers.machine", &LIGHT.replace("Light", "Helpers"));
    let run = ws.run(&["gen"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains(
            "runtime/src/generated/helpers.rs exists and was not generated (its first line \
             has no `@generated`), but a spec now generates it; rename the machine or move \
             the file away; nothing was written"
        ),
        "{run:?}"
    );
    assert_eq!(
        ws.read("runtime/src/generated/helpers.rs"),
        "//! Hand-written.\n"
    );
    // Refused before anything was written.
    assert!(!ws.path("runtime/src/generated/download.rs").exists());
    assert!(!ws.path("docs/machines/helpers.md").exists());

    // Once the file is out of the way, gen writes everything.
    fs::remove_file(ws.path("runtime/src/generated/helpers.rs")).unwrap();
    assert_eq!(ws.run(&["gen"]).code, 0);
    assert!(
        ws.read("runtime/src/generated/helpers.rs")
            .starts_with("// @generated")
    );
}

#[test]
fn gen_one_names_a_spec_outside_the_workspace_from_the_generated_file() {
    let ws = Workspace::new();
    let app = tempfile::tempdir().unwrap();
    fs::create_dir_all(app.path().join("specs")).unwrap();
    fs::write(app.path().join("specs/jobs.machine"), DOWNLOAD).unwrap();
    let kernel = app.path().join("src/kernel.rs");

    // From the app's directory, with relative paths.
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command
        .args([
            "gen",
            "specs/jobs.machine",
            "--out",
            "src/kernel.rs",
            "--root",
        ])
        .arg(ws.root())
        .current_dir(app.path());
    let relative = Run::from(command.output().unwrap());
    assert_eq!(relative.code, 0, "{relative:?}");
    let first = fs::read_to_string(&kernel).unwrap();
    assert!(
        first.starts_with("// @generated from ../specs/jobs.machine by `cargo xtask gen`"),
        "{}",
        first.lines().next().unwrap_or_default()
    );
    let app_dir = app.path().to_string_lossy().into_owned();
    assert!(!first.contains(&app_dir), "an absolute path in the output");

    // From inside the workspace, with absolute paths: the same file.
    let spec = app.path().join("specs/jobs.machine");
    let absolute = ws.run_in(
        "runtime",
        &[
            "gen",
            spec.to_str().unwrap(),
            "--out",
            kernel.to_str().unwrap(),
        ],
    );
    assert_eq!(absolute.code, 0, "{absolute:?}");
    assert!(absolute.stdout.contains("unchanged"), "{absolute:?}");
    assert_eq!(fs::read_to_string(&kernel).unwrap(), first);

    // Diagnostics still name the spec as it was given.
    fs::write(
        app.path().join("specs/bad.machine"),
        "machine Bad {\n    phases { A }\n    initial B;\n    state {}\n}\n",
    )
    .unwrap();
    let bad = app.path().join("specs/bad.machine");
    let run = ws.run(&["gen", bad.to_str().unwrap(), "--out", "x.rs"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains(&format!("{}:3:13", bad.display())),
        "{run:?}"
    );
}
