//! Error type of the metrology crate. Parse errors print as one line `FILE:LINE: expected …, found …`.

use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum MetrologyError {
    /// A text or binary file did not have the expected content. `line` is 1-based (0 = not line oriented;
    /// binary formats put the byte offset in the message).
    #[error("{file}:{line}: {msg}")]
    Parse { file: String, line: usize, msg: String },
    /// An argument or a data set is not valid for the requested operation.
    #[error("{0}")]
    Invalid(String),
    /// The OS error is part of the one-line message (not a chained source, which would print it twice).
    #[error("{file}: {err}")]
    Io { file: String, err: std::io::Error },
}

pub type Result<T> = std::result::Result<T, MetrologyError>;

impl MetrologyError {
    pub fn parse(file: impl AsRef<Path>, line: usize, msg: impl Into<String>) -> Self {
        MetrologyError::Parse { file: file.as_ref().display().to_string(), line, msg: msg.into() }
    }
    pub fn io(file: impl AsRef<Path>, err: std::io::Error) -> Self {
        MetrologyError::Io { file: file.as_ref().display().to_string(), err }
    }
    pub fn invalid(msg: impl Into<String>) -> Self {
        MetrologyError::Invalid(msg.into())
    }
}
