use thiserror::Error;

#[derive(Debug, Error)]
pub enum ProcessError {
    /// A recipe value that cannot work, named by its key.
    #[error("[process] {0}")]
    Config(String),
    #[error("{0}")]
    Md(#[from] atomfab_md::MdError),
    #[error("{0}")]
    Io(String),
    #[error("analysis: {0}")]
    Analysis(String),
}
