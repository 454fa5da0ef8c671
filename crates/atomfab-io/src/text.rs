//! Line-oriented text reading shared by the parsers: one reused buffer, line numbers for errors,
//! UTF-8 checking, a cap on line length, and number parsing that rejects NaN/inf.

use crate::error::{quote, ErrorKind, IoError};
use std::io::BufRead;
use std::str::FromStr;

/// Longest line accepted (bytes). Real structure-file lines are far shorter; the cap keeps a binary file
/// without newlines from being read into one giant buffer.
pub(crate) const MAX_LINE_BYTES: usize = 16 << 20;

/// Upper bound on capacity reserved from a count declared in a file: larger counts grow the arrays as
/// atoms actually arrive, so a corrupt header cannot make us allocate terabytes.
pub(crate) const MAX_RESERVE: usize = 1 << 20;

pub(crate) struct Lines<R> {
    reader: R,
    text: String,
    /// 1-based number of the line in `text` (0 before the first line).
    pub line_no: usize,
    pub file: String,
    eof: bool,
}

impl<R: BufRead> Lines<R> {
    pub fn new(reader: R, file: &str) -> Lines<R> {
        Lines { reader, text: String::new(), line_no: 0, file: file.to_string(), eof: false }
    }

    /// Reads the next line (without its line ending). Returns false at end of file.
    pub fn advance(&mut self) -> Result<bool, IoError> {
        if self.eof {
            return Ok(false);
        }
        let mut bytes = std::mem::take(&mut self.text).into_bytes();
        bytes.clear();
        let mut got_any = false;
        loop {
            let avail = match self.reader.fill_buf() {
                Ok(a) => a,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(IoError::io(&self.file, "cannot read", e)),
            };
            if avail.is_empty() {
                break;
            }
            got_any = true;
            match avail.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    bytes.extend_from_slice(&avail[..i]);
                    self.reader.consume(i + 1);
                    break;
                }
                None => {
                    let n = avail.len();
                    bytes.extend_from_slice(avail);
                    self.reader.consume(n);
                }
            }
            if bytes.len() > MAX_LINE_BYTES {
                break;
            }
        }
        if !got_any {
            self.eof = true;
            return Ok(false);
        }
        self.line_no += 1;
        if bytes.len() > MAX_LINE_BYTES {
            self.eof = true;
            return Err(self.err(
                ErrorKind::NotText,
                format!("a text line shorter than {} MiB", MAX_LINE_BYTES >> 20),
                "a longer line (binary data?)",
            ));
        }
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        match String::from_utf8(bytes) {
            Ok(s) => {
                self.text = s;
                Ok(true)
            }
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let mut b = e.into_bytes();
                b.clear();
                self.text = String::from_utf8(b).unwrap_or_default();
                self.eof = true;
                Err(self.err(ErrorKind::NotText, "UTF-8 text", format!("a byte that is not text at column {}", at + 1)))
            }
        }
    }

    /// The current line.
    pub fn line(&self) -> &str {
        &self.text
    }

    /// Reads the next line or fails with `Truncated`, saying what was still expected.
    pub fn require(&mut self, expected: &str) -> Result<&str, IoError> {
        if !self.advance()? {
            return Err(self.truncated(expected));
        }
        Ok(&self.text)
    }

    /// Reads the next line that is not blank (after removing `#` comments when `comments`).
    pub fn next_nonblank(&mut self, comments: bool) -> Result<bool, IoError> {
        while self.advance()? {
            let l = if comments { strip_comment(&self.text) } else { &self.text };
            if !l.trim().is_empty() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    pub fn err(&self, kind: ErrorKind, expected: impl Into<String>, found: impl Into<String>) -> IoError {
        IoError::parse(kind, &self.file, self.line_no, expected, found)
    }

    pub fn truncated(&self, expected: &str) -> IoError {
        IoError::parse(ErrorKind::Truncated, &self.file, self.line_no + 1, expected, "end of file")
    }

    /// Parses a finite float; `what` names the value for the message.
    #[inline]
    pub fn f64(&self, tok: &str, what: &str) -> Result<f64, IoError> {
        match tok.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            Ok(_) => Err(self.err(ErrorKind::NonFinite, format!("a finite number for {what}"), quote(tok))),
            Err(_) => Err(self.err(ErrorKind::Syntax, format!("a number for {what}"), quote(tok))),
        }
    }

    /// Parses an integer of type T; `what` names the value for the message.
    #[inline]
    pub fn int<T: FromStr>(&self, tok: &str, what: &str) -> Result<T, IoError> {
        tok.parse::<T>().map_err(|_| self.err(ErrorKind::Syntax, format!("an integer for {what}"), quote(tok)))
    }

    /// Fails with `ColumnCount` unless the current line has exactly `n` whitespace-separated tokens.
    pub fn check_columns(&self, n: usize, what: &str) -> Result<(), IoError> {
        self.check_columns_of(&self.text, n, what)
    }

    /// Like `check_columns` for part of the current line (e.g. without its comment).
    pub fn check_columns_of(&self, text: &str, n: usize, what: &str) -> Result<(), IoError> {
        let got = text.split_ascii_whitespace().count();
        if got != n {
            return Err(self.err(ErrorKind::ColumnCount, format!("{n} columns ({what})"), format!("{got} columns")));
        }
        Ok(())
    }
}

/// The part of a line before a `#` comment.
#[inline]
pub(crate) fn strip_comment(line: &str) -> &str {
    match line.find('#') {
        Some(i) => &line[..i],
        None => line,
    }
}

/// Counts from files are u64; clamps the capacity reserved for them.
pub(crate) fn reserve_for(count: u64) -> usize {
    (count.min(MAX_RESERVE as u64)) as usize
}

/// Formats an f64 so that it reads back bit-identically, in plain notation when that is short.
pub(crate) fn fmt_f64(x: f64) -> FloatFmt {
    FloatFmt(x)
}

pub(crate) struct FloatFmt(f64);

impl std::fmt::Display for FloatFmt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let x = self.0;
        let a = x.abs();
        // Rust's `{}` and `{:e}` both print the shortest decimal that round-trips exactly.
        if a == 0.0 || (1e-4..1e16).contains(&a) {
            write!(f, "{x}")
        } else {
            write!(f, "{x:e}")
        }
    }
}
