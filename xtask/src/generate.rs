//! `cargo xtask gen`: specs -> checked-in Rust modules and Markdown references.

use crate::error::Error;
use crate::output;
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use similar::TextDiff;
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, IsTerminal as _};
use std::path::{Path, PathBuf};
use suricate_codegen::Diagnostics;

/// A directory of specs and where their generated files go.
struct Corpus {
    /// Workspace-relative directory holding `*.machine` files.
    specs: &'static str,
    /// Workspace-relative directory of the generated Rust modules (and their `mod.rs`).
    rust: &'static str,
    /// Workspace-relative directory of the Markdown references, if this corpus has them.
    docs: Option<&'static str>,
    /// The doc comment at the top of the generated `mod.rs`.
    mod_doc: &'static str,
}

const CORPORA: [Corpus; 2] = [
    Corpus {
        specs: "spec",
        rust: "runtime/src/generated",
        docs: Some("docs/machines"),
        mod_doc: "Kernel modules generated from `spec/*.machine` by `cargo xtask gen`; do not edit.",
    },
    Corpus {
        specs: "codegen/tests/specs",
        rust: "tests/src/generated",
        docs: None,
        mod_doc: "Example kernels generated from `codegen/tests/specs/*.machine` by \
                  `cargo xtask gen`; do not edit.",
    },
];

/// One file `gen` owns, by workspace-relative path (always with `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub content: String,
}

/// Everything `gen` would leave on disk.
#[derive(Debug, Default)]
pub struct Plan {
    /// In a stable order: corpus by corpus, spec by spec, then each `mod.rs`.
    pub files: Vec<GeneratedFile>,
    /// Generated files (first line carries `@generated`) in the generated directories
    /// that no spec produces anymore; hand-written files there are left alone.
    pub leftovers: Vec<String>,
}

/// Generates every spec of the workspace in memory. Diagnostics are printed to stderr;
/// any error in any spec (a file that is not UTF-8, a diagnostic, a module another spec
/// already generates) fails the whole plan so that nothing half-generated is ever
/// written, but only after every spec was checked, so that all errors are shown.
pub fn plan(root: &Path) -> Result<Plan, Error> {
    ensure_workspace(root)?;
    let mut plan = Plan::default();
    let mut failed = 0;
    for corpus in &CORPORA {
        // Module name -> where the machine that produced it is written, to catch two
        // machines sharing a file.
        let mut modules: BTreeMap<String, String> = BTreeMap::new();
        for spec in spec_files(root, corpus.specs)? {
            let source = match read_spec(&root.join(&spec), &spec) {
                Ok(source) => source,
                Err(not_utf8 @ Error::NotUtf8 { .. }) => {
                    eprintln!("error: {not_utf8}");
                    failed += 1;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let output = match suricate_codegen::generate(&source, &spec) {
                Ok(output) => output,
                Err(diagnostics) => {
                    emit(&diagnostics);
                    failed += 1;
                    continue;
                }
            };
            if !output.warnings.is_empty() {
                emit(&output.warnings);
            }
            let mut clashed = false;
            for machine in output.machines {
                let at = format!("{spec}:{}:{}", machine.line, machine.column);
                if let Some(first) = modules.get(&machine.module) {
                    let clash = Error::ModuleClash {
                        first: first.clone(),
                        module: machine.module,
                        machine: machine.name,
                        at,
                    };
                    eprintln!("error: {clash}");
                    clashed = true;
                    continue;
                }
                modules.insert(machine.module.clone(), at);
                plan.files.push(GeneratedFile {
                    path: format!("{}/{}.rs", corpus.rust, machine.module),
                    content: machine.rust,
                });
                if let Some(docs) = corpus.docs {
                    plan.files.push(GeneratedFile {
                        path: format!("{docs}/{}.md", machine.module),
                        content: machine.markdown,
                    });
                }
            }
            failed += usize::from(clashed);
        }
        plan.files.push(GeneratedFile {
            path: format!("{}/mod.rs", corpus.rust),
            content: mod_rs(corpus.mod_doc, modules.keys()),
        });
    }
    if failed > 0 {
        return Err(Error::Diagnostics { specs: failed });
    }
    for corpus in &CORPORA {
        let mut dirs = vec![(corpus.rust, "rs")];
        dirs.extend(corpus.docs.map(|d| (d, "md")));
        for (dir, ext) in dirs {
            for path in files_with_extension(root, dir, ext, Links::Skip)? {
                if !plan.files.iter().any(|f| f.path == path) && is_generated(&root.join(&path))? {
                    plan.leftovers.push(path);
                }
            }
        }
    }
    Ok(plan)
}

/// `gen`: writes what changed, removes leftovers, prints one line per file touched.
///
/// A hand-written file where a machine's module would go (`helpers.rs` beside the
/// generated modules, and then `machine Helpers`) is not overwritten: the run is refused
/// before anything is written. Each generated directory's `mod.rs` is always `gen`'s.
pub fn write(root: &Path, plan: &Plan) -> Result<(), Error> {
    let mut changed = Vec::new();
    for file in &plan.files {
        let path = root.join(&file.path);
        let current = read_existing(&path)?;
        if current.as_deref() == Some(file.content.as_bytes()) {
            continue;
        }
        let hand_written = current
            .is_some_and(|c| !c.is_empty() && !has_generated_header(&String::from_utf8_lossy(&c)));
        if hand_written && !file.path.ends_with("/mod.rs") {
            return Err(Error::Refused(format!(
                "{} exists and was not generated (its first line has no `@generated`), \
                 but a spec now generates it; rename the machine or move the file away",
                file.path
            )));
        }
        changed.push((path, file));
    }
    let (written, unchanged) = (changed.len(), plan.files.len() - changed.len());
    for (path, file) in changed {
        write_file(&path, &file.content)?;
        output::print(&format!("wrote {}\n", file.path))?;
    }
    for leftover in &plan.leftovers {
        let path = root.join(leftover);
        fs::remove_file(&path).map_err(|e| Error::io("remove", path, e))?;
        output::print(&format!(
            "removed {leftover} (no spec produces it anymore)\n"
        ))?;
    }
    output::print(&format!(
        "{written} written, {} removed, {unchanged} unchanged\n",
        plan.leftovers.len()
    ))
}

/// `gen --check`: prints a unified diff per stale, missing or leftover file.
pub fn check(root: &Path, plan: &Plan) -> Result<(), Error> {
    let mut differing = 0;
    for file in &plan.files {
        let current = read_existing(&root.join(&file.path))?;
        if current.as_deref() != Some(file.content.as_bytes()) {
            differing += 1;
            let what = if current.is_some() {
                "stale"
            } else {
                "missing"
            };
            let current = String::from_utf8_lossy(current.as_deref().unwrap_or_default());
            if current.contains("\r\n") && current.replace("\r\n", "\n") == file.content {
                // A diff would show every line removed and added again, identical to the eye.
                output::print(&format!(
                    "{what}: {} (only its line endings differ: the file has CRLF, `gen` \
                     writes LF, as a checkout with core.autocrlf would change)\n",
                    file.path
                ))?;
                continue;
            }
            output::print(&format!("{what}: {}\n", file.path))?;
            print_diff(&file.path, &current, &file.content)?;
        }
    }
    for leftover in &plan.leftovers {
        differing += 1;
        output::print(&format!("leftover (no spec produces it): {leftover}\n"))?;
        let current = read_existing(&root.join(leftover))?.unwrap_or_default();
        print_diff(leftover, &String::from_utf8_lossy(&current), "")?;
    }
    if differing > 0 {
        return Err(Error::OutOfDate { files: differing });
    }
    output::print("up to date\n")
}

/// A spec's text; a file that is not UTF-8 is refused with where its first bad byte is,
/// named `shown` as in diagnostics. The column counts characters, as diagnostics do.
fn read_spec(path: &Path, shown: &str) -> Result<String, Error> {
    let bytes = fs::read(path).map_err(|e| Error::io("read", path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        Error::NotUtf8 {
            path: PathBuf::from(shown),
            line: valid.iter().filter(|b| **b == b'\n').count() + 1,
            column: String::from_utf8_lossy(&valid[line_start..])
                .chars()
                .count()
                + 1,
        }
    })
}

/// `gen SPEC --out FILE`: one spec, every machine in it, into one Rust file.
pub fn generate_one(root: &Path, spec: &Path, out: &Path) -> Result<(), Error> {
    let spec_path = display_path(root, spec);
    let source = match read_spec(spec, &spec_path) {
        Err(not_utf8 @ Error::NotUtf8 { .. }) => {
            eprintln!("error: {not_utf8}");
            return Err(Error::Diagnostics { specs: 1 });
        }
        other => other?,
    };
    let header_path = header_path(root, spec, out).unwrap_or_else(|| spec_path.clone());
    let mut output = match suricate_codegen::generate(&source, &header_path) {
        Ok(output) => output,
        Err(mut diagnostics) => {
            diagnostics.path = spec_path;
            emit(&diagnostics);
            return Err(Error::Diagnostics { specs: 1 });
        }
    };
    if !output.warnings.is_empty() {
        output.warnings.path = spec_path;
        emit(&output.warnings);
    }
    let content = output.rust_file(&header_path);
    if existing_output(spec, out)?.as_deref() == Some(content.as_bytes()) {
        // Rewriting the same text would only make the crate that includes it rebuild.
        return output::print(&format!("unchanged {}\n", out.display()));
    }
    write_file(out, &content)?;
    output::print(&format!("wrote {}\n", out.display()))
}

/// The text `gen SPEC --out FILE` would replace, if FILE exists. A slip of the command
/// line must not cost a file: FILE may not be a directory, the spec itself, or a file
/// with content that `gen` did not write (an empty file is fine).
fn existing_output(spec: &Path, out: &Path) -> Result<Option<Vec<u8>>, Error> {
    let refuse = |why: &str| Err(Error::Refused(format!("`--out` {}: {why}", out.display())));
    if out.is_dir() {
        return refuse("it is a directory, and `--out` names the file to write");
    }
    let current = match fs::read(out) {
        Ok(current) => current,
        // Nothing there, or a file where a directory of the path should be: writing
        // will say so (`cannot create directory`).
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(Error::io("read", out, e)),
    };
    let resolved = fs::canonicalize(out).ok();
    if resolved.is_some() && resolved == fs::canonicalize(spec).ok() {
        return refuse("it is the spec itself, which the Rust would replace");
    }
    if !current.is_empty() && !has_generated_header(&String::from_utf8_lossy(&current)) {
        return refuse(
            "it exists and was not generated (its first line has no `@generated`); \
             move it away or choose another file",
        );
    }
    Ok(Some(current))
}

/// Renders diagnostics to stderr, in colour when it is a terminal.
pub fn emit(diagnostics: &Diagnostics) {
    let choice = if io::stderr().is_terminal() {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    };
    let mut stream = StandardStream::stderr(choice);
    diagnostics.emit(&mut stream);
}

fn print_diff(path: &str, old: &str, new: &str) -> Result<(), Error> {
    let diff = TextDiff::from_lines(old, new);
    output::print(
        &diff
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{path}"), &format!("b/{path}"))
            .to_string(),
    )
}

fn mod_rs<'a>(doc: &str, modules: impl Iterator<Item = &'a String>) -> String {
    let mut text = format!("//! {doc}\n");
    let mut first = true;
    for module in modules {
        if first {
            text.push('\n');
            first = false;
        }
        // The module files are prettyplease output; rustfmt would reformat them.
        text.push_str(&format!("#[rustfmt::skip]\npub mod {module};\n"));
    }
    text
}

/// Refuses to write generated files into a directory that is not this workspace: one
/// without a `Cargo.toml`, or without a spec directory (`gen --root` on another project,
/// or a spec directory moved away, would otherwise litter it with `mod.rs` files or
/// remove every generated file as no longer produced).
fn ensure_workspace(root: &Path) -> Result<(), Error> {
    let missing = if root.join("Cargo.toml").is_file() {
        CORPORA
            .iter()
            .map(|c| c.specs)
            .find(|dir| !root.join(dir).is_dir())
            .map(|dir| format!("no {dir}/ directory"))
    } else {
        Some("no Cargo.toml".to_string())
    };
    match missing {
        None => Ok(()),
        Some(what) => Err(Error::not_root(root, &what)),
    }
}

/// Workspace-relative paths of the `*.machine` files in `dir`, sorted. A symbolic link to
/// a spec is a spec (one that leads nowhere is an error, as is a name that is not UTF-8):
/// no spec is ever skipped without a word.
fn spec_files(root: &Path, dir: &str) -> Result<Vec<String>, Error> {
    files_with_extension(root, dir, "machine", Links::Follow)
}

/// Whether [`files_with_extension`] lists what symbolic links point to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Links {
    /// A link is listed when it leads to a regular file, refused when it leads nowhere;
    /// a name that is not UTF-8 is refused too.
    Follow,
    /// Links and names that are not UTF-8 are not listed.
    Skip,
}

/// Workspace-relative paths of the regular files in `dir` ending in `.ext`, sorted.
fn files_with_extension(
    root: &Path,
    dir: &str,
    ext: &str,
    links: Links,
) -> Result<Vec<String>, Error> {
    let full = root.join(dir);
    let entries = match fs::read_dir(&full) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("list", full, e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("list", &full, e))?;
        let path = entry.path();
        if path.extension().is_none_or(|x| x != ext) {
            continue;
        }
        let mut kind = entry
            .file_type()
            .map_err(|e| Error::io("inspect", &path, e))?;
        if kind.is_symlink() && links == Links::Follow {
            kind = fs::metadata(&path)
                .map_err(|e| Error::io("read", &path, e))?
                .file_type();
        }
        if !kind.is_file() {
            continue;
        }
        match path.file_name().and_then(|n| n.to_str()) {
            Some(name) => names.push(format!("{dir}/{name}")),
            None if links == Links::Follow => {
                let e = io::Error::new(io::ErrorKind::InvalidData, "its name is not UTF-8");
                return Err(Error::io("read", path, e));
            }
            None => {}
        }
    }
    names.sort();
    Ok(names)
}

/// Whether the file's first line carries the `@generated` header that every file `gen`
/// writes but `mod.rs` has (`// @generated ...` in Rust, `<!-- @generated ... -->` in
/// Markdown).
fn is_generated(path: &Path) -> Result<bool, Error> {
    let bytes = read_existing(path)?.unwrap_or_default();
    Ok(has_generated_header(&String::from_utf8_lossy(&bytes)))
}

/// Whether `text` starts with a line carrying `@generated`.
fn has_generated_header(text: &str) -> bool {
    text.lines()
        .next()
        .is_some_and(|l| l.contains("@generated"))
}

/// The file's current content, or `None` if it does not exist. Bytes, not text: a file is
/// up to date only when it is byte for byte what `gen` writes (read as text with the
/// invalid bytes replaced, a damaged file could compare equal).
fn read_existing(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("read", path, e)),
    }
}

fn write_file(path: &Path, content: &str) -> Result<(), Error> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|e| Error::io("create directory", parent, e))?;
    }
    fs::write(path, content).map_err(|e| Error::io("write", path, e))
}

/// How a spec outside the generated corpora is named in diagnostics (and in headers, see
/// [`header_path`]): workspace-relative when it lies inside the workspace (so output does
/// not depend on the current directory), otherwise as given.
fn display_path(root: &Path, spec: &Path) -> String {
    let relative: Option<PathBuf> = match (fs::canonicalize(root), fs::canonicalize(spec)) {
        (Ok(root), Ok(spec)) => spec.strip_prefix(&root).ok().map(Path::to_path_buf),
        _ => None,
    };
    match relative {
        Some(relative) => relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        None => spec.to_string_lossy().into_owned(),
    }
}

/// How the generated file `out` names a spec outside the workspace: from `out`'s own
/// directory (`../specs/jobs.machine`), so that the file is the same whatever the current
/// directory, however the paths were written, and wherever the checkouts are (an
/// absolute path would put the author's home directory into it). `None` for a spec
/// inside the workspace (named workspace-relative, as in diagnostics) or when the two
/// share no root.
fn header_path(root: &Path, spec: &Path, out: &Path) -> Option<String> {
    let spec = fs::canonicalize(spec).ok()?;
    if fs::canonicalize(root).is_ok_and(|root| spec.starts_with(root)) {
        return None;
    }
    let from = resolved(out.parent().unwrap_or(Path::new("")))?;
    let common = from
        .components()
        .zip(spec.components())
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return None;
    }
    let up = (common..from.components().count()).map(|_| "..".into());
    let down = spec
        .components()
        .skip(common)
        .map(|c| c.as_os_str().to_string_lossy());
    Some(up.chain(down).collect::<Vec<_>>().join("/"))
}

/// `dir` as an absolute path with symbolic links resolved as far as it exists (the rest,
/// which `gen` is about to create, taken as written, `..` included).
fn resolved(dir: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    })
    .ok()?;
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    let mut path = loop {
        if let Ok(path) = fs::canonicalize(existing) {
            break path;
        }
        rest.push(existing.file_name()?);
        existing = existing.parent()?;
    };
    for part in rest.iter().rev() {
        if *part == ".." {
            path.pop();
        } else {
            path.push(part);
        }
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mod_rs_lists_modules() {
        let modules = ["a".to_string(), "b_c".to_string()];
        assert_eq!(
            mod_rs("Doc.", modules.iter()),
            "//! Doc.\n\n#[rustfmt::skip]\npub mod a;\n#[rustfmt::skip]\npub mod b_c;\n"
        );
        assert_eq!(mod_rs("Doc.", [].iter()), "//! Doc.\n");
    }

    #[test]
    fn display_path_is_workspace_relative_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("spec")).unwrap();
        let spec = dir.path().join("spec/a.machine");
        fs::write(&spec, "").unwrap();
        assert_eq!(display_path(dir.path(), &spec), "spec/a.machine");
        let other = tempfile::tempdir().unwrap();
        let outside = other.path().join("b.machine");
        fs::write(&outside, "").unwrap();
        assert_eq!(
            display_path(dir.path(), &outside),
            outside.to_string_lossy()
        );
    }
}
