use thiserror::Error;

/// Errors of the system model. Messages are one line and say what was expected.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum CoreError {
    #[error("invalid cell: {0}")]
    InvalidCell(String),
    #[error("unknown element '{0}': expected a chemical symbol such as Si, Cu or C")]
    UnknownElement(String),
    #[error("invalid lattice: {0}")]
    InvalidLattice(String),
    #[error("invalid region: {0}")]
    InvalidRegion(String),
    #[error("invalid system: {0}")]
    InvalidSystem(String),
    #[error("too many groups: at most {0} groups can be defined")]
    TooManyGroups(usize),
    #[error("unknown group '{0}'")]
    UnknownGroup(String),
}
