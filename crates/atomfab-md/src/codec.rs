//! A tiny little-endian binary codec for checkpoints: exact f64 round trip (bits), lengths checked.

use atomfab_core::Vec3;

#[derive(Default)]
pub struct Enc {
    pub buf: Vec<u8>,
}

impl Enc {
    pub fn u64(&mut self, x: u64) {
        self.buf.extend_from_slice(&x.to_le_bytes());
    }
    pub fn f64(&mut self, x: f64) {
        self.u64(x.to_bits());
    }
    pub fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.buf.extend_from_slice(b);
    }
    pub fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    pub fn f64s(&mut self, v: &[f64]) {
        self.u64(v.len() as u64);
        for &x in v {
            self.f64(x);
        }
    }
    pub fn vec3s(&mut self, v: &[Vec3]) {
        self.u64(v.len() as u64);
        for r in v {
            for &x in r {
                self.f64(x);
            }
        }
    }
    pub fn u64s(&mut self, v: impl ExactSizeIterator<Item = u64>) {
        self.u64(v.len() as u64);
        for x in v {
            self.u64(x);
        }
    }
}

pub struct Dec<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// Decoding failure: what was being read.
#[derive(Debug)]
pub struct Truncated(pub &'static str);

impl std::fmt::Display for Truncated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "truncated or invalid data while reading {}", self.0)
    }
}

impl<'a> Dec<'a> {
    pub fn new(buf: &'a [u8]) -> Dec<'a> {
        Dec { buf, pos: 0 }
    }
    pub fn at_end(&self) -> bool {
        self.pos == self.buf.len()
    }
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], Truncated> {
        if self.buf.len() - self.pos < n {
            return Err(Truncated(what));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    pub fn u64(&mut self, what: &'static str) -> Result<u64, Truncated> {
        Ok(u64::from_le_bytes(self.take(8, what)?.try_into().unwrap()))
    }
    pub fn f64(&mut self, what: &'static str) -> Result<f64, Truncated> {
        Ok(f64::from_bits(self.u64(what)?))
    }
    fn len(&mut self, what: &'static str, item: usize) -> Result<usize, Truncated> {
        let n = self.u64(what)? as usize;
        if n.saturating_mul(item) > self.buf.len() - self.pos {
            return Err(Truncated(what));
        }
        Ok(n)
    }
    pub fn bytes(&mut self, what: &'static str) -> Result<&'a [u8], Truncated> {
        let n = self.len(what, 1)?;
        self.take(n, what)
    }
    pub fn str(&mut self, what: &'static str) -> Result<String, Truncated> {
        String::from_utf8(self.bytes(what)?.to_vec()).map_err(|_| Truncated(what))
    }
    pub fn f64s(&mut self, what: &'static str) -> Result<Vec<f64>, Truncated> {
        let n = self.len(what, 8)?;
        (0..n).map(|_| self.f64(what)).collect()
    }
    pub fn vec3s(&mut self, what: &'static str) -> Result<Vec<Vec3>, Truncated> {
        let n = self.len(what, 24)?;
        (0..n).map(|_| Ok([self.f64(what)?, self.f64(what)?, self.f64(what)?])).collect()
    }
    pub fn u64s(&mut self, what: &'static str) -> Result<Vec<u64>, Truncated> {
        let n = self.len(what, 8)?;
        (0..n).map(|_| self.u64(what)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_exact() {
        let mut e = Enc::default();
        let xs = [0.1, -0.0, f64::MIN_POSITIVE, 1e308, std::f64::consts::PI];
        e.f64s(&xs);
        e.vec3s(&[[1.0 / 3.0, 2.0, -7.5e-300]]);
        e.str("tool");
        let mut d = Dec::new(&e.buf);
        let back = d.f64s("x").unwrap();
        assert!(back.iter().zip(&xs).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert_eq!(d.vec3s("v").unwrap()[0][0].to_bits(), (1.0f64 / 3.0).to_bits());
        assert_eq!(d.str("s").unwrap(), "tool");
        assert!(d.at_end());
        assert!(Dec::new(&e.buf[..5]).f64s("x").is_err());
    }
}
