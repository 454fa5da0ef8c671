//! Error type of the kMC crate. Every message is one line and names the recipe key it is about.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum KmcError {
    /// A recipe value is invalid; `key` is the full recipe path, e.g. `kmc.events[2].site`.
    #[error("{key}: {message}")]
    Config { key: String, message: String },
    /// A TOML parse error (already carries file, line and what was expected).
    #[error("{0}")]
    Parse(String),
    /// A phase did not finish within the event budget (a non-terminating half-cycle).
    #[error("{key}: {message}")]
    Runaway { key: String, message: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl KmcError {
    pub(crate) fn config(key: impl Into<String>, message: impl Into<String>) -> Self {
        KmcError::Config {
            key: key.into(),
            message: message.into(),
        }
    }
}

pub type Result<T> = std::result::Result<T, KmcError>;
