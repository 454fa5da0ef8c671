use thiserror::Error;

/// Errors of structure identification; each prints as one line.
#[derive(Debug, Error)]
pub enum StructureError {
    /// The input system cannot be analysed (non-finite positions, too many atoms, …).
    #[error("{0}")]
    Input(String),
    /// A parameter is out of range (cutoff, bin width, normal, threshold).
    #[error("{0}")]
    Parameter(String),
}
