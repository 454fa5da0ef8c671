use thiserror::Error;

/// Errors of the cluster crate; each prints as one line.
#[derive(Debug, Error)]
pub enum ClusterError {
    #[error("{0}")]
    Potential(String),
    #[error("invalid cluster settings: {0}")]
    Config(String),
    #[error("{path}: {msg}")]
    Io { path: String, msg: String },
}
