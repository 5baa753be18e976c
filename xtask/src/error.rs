//! The ways a task can fail, each with its exit status.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Exit status: the specs or the checked-in files are not what they should be.
pub const EXIT_FAILED: u8 = 1;
/// Exit status: the command line was wrong, the file system refused, the task refused to
/// overwrite a file, or a program it ran failed.
pub const EXIT_USAGE_OR_IO: u8 = 2;

#[derive(Debug)]
pub enum Error {
    /// A malformed command line; the message says what is wrong.
    Usage(String),
    /// The command would destroy a file it should not; the message says which and why.
    Refused(String),
    /// A program the task runs failed; its own output says why.
    CommandFailed { command: &'static str, dir: PathBuf },
    /// A file-system operation failed.
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    /// A spec file is not UTF-8; `line` and `column` (from 1, the column in characters,
    /// as in diagnostics) are where its first invalid byte is. Printed like a diagnostic;
    /// the run then fails with [`Error::Diagnostics`].
    NotUtf8 {
        path: PathBuf,
        line: usize,
        column: usize,
    },
    /// Some specs have errors; their diagnostics (and any [`Error::NotUtf8`] or
    /// [`Error::ModuleClash`]) have already been printed.
    Diagnostics { specs: usize },
    /// A machine would be generated into the module file of another machine (printed like
    /// a diagnostic; the run then fails with [`Error::Diagnostics`]). `at` is where
    /// its name is written (`spec/b.machine:4:9`), `first` where the other's is. (`mod.rs`
    /// cannot clash: the checker refuses `Mod`, since `mod` is a keyword.)
    ModuleClash {
        module: String,
        machine: String,
        at: String,
        first: String,
    },
    /// `gen --check` found files that differ from what `gen` would write.
    OutOfDate { files: usize },
}

impl Error {
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// `root` lacks `what` (`no Cargo.toml`), so it is not this workspace's root.
    pub fn not_root(root: &Path, what: &str) -> Self {
        Error::Usage(format!(
            "{} is not the workspace root (it has {what})",
            root.display()
        ))
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_)
            | Error::Refused(_)
            | Error::CommandFailed { .. }
            | Error::Io { .. } => EXIT_USAGE_OR_IO,
            Error::NotUtf8 { .. }
            | Error::Diagnostics { .. }
            | Error::ModuleClash { .. }
            | Error::OutOfDate { .. } => EXIT_FAILED,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(message) => write!(f, "{message} (see `cargo xtask help`)"),
            Error::Refused(message) => write!(f, "{message}; nothing was written"),
            Error::CommandFailed { command, dir } => write!(
                f,
                "`{command}` failed in {} (its output is above)",
                dir.display()
            ),
            Error::Io {
                action,
                path,
                source,
            } => write!(f, "cannot {action} {}: {source}", path.display()),
            Error::NotUtf8 { path, line, column } => write!(
                f,
                "{}:{line}:{column}: not UTF-8 (a spec must be UTF-8 text)",
                path.display()
            ),
            Error::Diagnostics { specs: 1 } => {
                write!(f, "1 spec has errors; no file was changed")
            }
            Error::Diagnostics { specs } => {
                write!(f, "{specs} specs have errors; no file was changed")
            }
            Error::ModuleClash {
                module,
                machine,
                at,
                first,
            } => write!(
                f,
                "{at}: machine `{machine}` generates module `{module}`, as does the machine at {first}; rename one"
            ),
            Error::OutOfDate { files: 1 } => {
                write!(f, "1 generated file is out of date; run `cargo xtask gen`")
            }
            Error::OutOfDate { files } => {
                write!(
                    f,
                    "{files} generated files are out of date; run `cargo xtask gen`"
                )
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
