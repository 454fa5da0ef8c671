use thiserror::Error;

/// Errors from reading potential files and spec strings. Messages are one line with file and line.
#[derive(Debug, Error)]
pub enum PotentialError {
    #[error("{file}:{line}: {message}")]
    File { file: String, line: usize, message: String },
    #[error("potential spec '{spec}': {message}")]
    Spec { spec: String, message: String },
    #[error("{0}")]
    Other(String),
}
