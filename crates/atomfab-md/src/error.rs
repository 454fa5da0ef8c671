use thiserror::Error;

/// Errors of the MD engine. Messages are one line and say what was expected.
#[derive(Debug, Error)]
pub enum MdError {
    #[error("md config: {0}")]
    Config(String),
    #[error(transparent)]
    Core(#[from] atomfab_core::CoreError),
    #[error(transparent)]
    Potential(#[from] atomfab_potentials::PotentialError),
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("checkpoint {path}: {message}")]
    Checkpoint { path: String, message: String },
    #[error("simulation became unstable at step {step}: {message}")]
    Unstable { step: u64, message: String },
}

impl MdError {
    pub fn io(path: impl AsRef<std::path::Path>, source: std::io::Error) -> MdError {
        MdError::Io { path: path.as_ref().display().to_string(), source }
    }
}

pub type Result<T> = std::result::Result<T, MdError>;
