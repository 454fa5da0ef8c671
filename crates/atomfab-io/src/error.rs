//! The error type of every reader and writer: one line, `FILE:LINE: expected …, found …`.

use std::fmt;
use thiserror::Error;

/// Class of a parse failure, so callers and tests can tell them apart without matching on text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file ended before the data it declared (atoms, section lines, header items).
    Truncated,
    /// A line has more or fewer columns than the format requires.
    ColumnCount,
    /// A number is NaN or infinite.
    NonFinite,
    /// An atom lies outside the box along a non-periodic axis.
    OutsideBox,
    /// A species name or atom type does not name a chemical element.
    UnknownElement,
    /// The file holds no structure at all.
    Empty,
    /// The bytes are not UTF-8 text.
    NotText,
    /// A declared count (atoms, types) is negative, absurdly large or inconsistent.
    BadCount,
    /// Anything else that is not the expected syntax (a word where a number belongs, a missing key…).
    Syntax,
}

/// Errors of atomfab-io. Every message is one line naming the file (and the line when there is one).
#[derive(Debug, Error)]
pub enum IoError {
    #[error("{}", ParseDisplay(.file, *.line, .expected, .found))]
    Parse {
        kind: ErrorKind,
        file: String,
        /// 1-based line number; 0 when the problem is not tied to one line.
        line: usize,
        expected: String,
        found: String,
    },
    #[error("{file}: {action}: {source}")]
    Io {
        file: String,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{file}: expected a structure file name ending in .xyz/.extxyz, .data/.lmp/.lammps or .dump/.lammpstrj \
         (or an explicit format), found '{file}'"
    )]
    UnknownFormat { file: String },
}

struct ParseDisplay<'a>(&'a String, usize, &'a String, &'a String);

impl fmt::Display for ParseDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ParseDisplay(file, line, expected, found) = self;
        if *line == 0 {
            write!(f, "{file}: expected {expected}, found {found}")
        } else {
            write!(f, "{file}:{line}: expected {expected}, found {found}")
        }
    }
}

impl IoError {
    /// The parse error class, if this is a parse error.
    pub fn kind(&self) -> Option<ErrorKind> {
        match self {
            IoError::Parse { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// The line number of a parse error (0 when not tied to a line).
    pub fn line(&self) -> Option<usize> {
        match self {
            IoError::Parse { line, .. } => Some(*line),
            _ => None,
        }
    }

    pub(crate) fn parse(kind: ErrorKind, file: &str, line: usize, expected: impl Into<String>, found: impl Into<String>) -> IoError {
        IoError::Parse { kind, file: file.to_string(), line, expected: expected.into(), found: found.into() }
    }

    pub(crate) fn io(file: &str, action: &'static str, source: std::io::Error) -> IoError {
        IoError::Io { file: file.to_string(), action, source }
    }
}

/// A token quoted for an error message, shortened so one message stays one readable line.
pub(crate) fn quote(token: &str) -> String {
    const MAX: usize = 40;
    let mut s: String = token.chars().take(MAX).flat_map(char::escape_default).collect();
    if token.chars().count() > MAX {
        s.push('…');
    }
    format!("'{s}'")
}
