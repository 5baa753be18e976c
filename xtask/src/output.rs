//! Standard output that a closed pipe cannot crash.
//!
//! `print!` panics when stdout is gone, so `cargo xtask synth ... | head` or
//! `cargo xtask gen --check | head` would die with a backtrace and exit 101. Everything the
//! tasks print goes through [`print()`] instead.

use crate::error::Error;
use std::io::{self, Write as _};

/// Writes `text` to stdout. A reader that went away (`| head`) is not an error: the rest
/// of the output is dropped and the command's own outcome (its exit status) stands. Any
/// other failure (a full disk behind `> file`) is an I/O error.
pub fn print(text: &str) -> Result<(), Error> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(Error::io("write", "standard output", e))
        }
        _ => Ok(()),
    }
}
