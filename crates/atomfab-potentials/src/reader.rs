//! Line-oriented reader for potential files with `FILE:LINE: expected …` errors.

use crate::PotentialError;
use std::path::Path;

pub(crate) struct Reader {
    file: String,
    lines: Vec<String>,
    /// Index of the next unread line.
    next: usize,
}

impl Reader {
    pub fn open(path: &Path) -> Result<Reader, PotentialError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| PotentialError::Other(format!("{file}: cannot read: {e}")))?;
        let text = String::from_utf8_lossy(&bytes);
        Ok(Reader { file, lines: text.lines().map(str::to_string).collect(), next: 0 })
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    /// Error at 1-based line `line`.
    pub fn error(&self, line: usize, message: impl Into<String>) -> PotentialError {
        PotentialError::File { file: self.file.clone(), line, message: message.into() }
    }

    /// The next line and its 1-based number; `what` names what was expected at end of file.
    pub fn line(&mut self, what: &str) -> Result<(usize, String), PotentialError> {
        if self.next >= self.lines.len() {
            return Err(self.error(self.lines.len() + 1, format!("expected {what}, found end of file")));
        }
        self.next += 1;
        Ok((self.next, self.lines[self.next - 1].clone()))
    }

    /// Fills `out` with numbers read from the following lines (several per line; the rest of the last
    /// line is ignored, as LAMMPS does).
    pub fn numbers(&mut self, out: &mut [f64], what: &str) -> Result<(), PotentialError> {
        let mut k = 0;
        while k < out.len() {
            let (ln, line) = self.line(&format!("{} more values of {what}", out.len() - k))?;
            for tok in line.split_whitespace() {
                if k == out.len() {
                    break;
                }
                out[k] = parse_f64(tok).ok_or_else(|| {
                    self.error(ln, format!("expected a number ({what}), found '{tok}'"))
                })?;
                k += 1;
            }
        }
        Ok(())
    }
}

/// Parses a number the way C's atof accepts it (also Fortran `D` exponents).
pub(crate) fn parse_f64(tok: &str) -> Option<f64> {
    tok.parse::<f64>().ok().or_else(|| tok.replace(['D', 'd'], "e").parse::<f64>().ok()).filter(|x| x.is_finite())
}
