//! The Park–Miller minimal-standard generator exactly as LAMMPS `RanPark`, so that
//! `velocity ... loop geom` produces the same velocities as LAMMPS bit for bit.

const IA: i32 = 16807;
const IM: i32 = 2147483647;
const AM: f64 = 1.0 / IM as f64;
const IQ: i32 = 127773;
const IR: i32 = 2836;

#[derive(Debug, Clone)]
pub struct RanPark {
    seed: i32,
    /// Second Gaussian deviate of the last polar-method pair, as LAMMPS caches it.
    second: Option<f64>,
}

impl RanPark {
    /// A generator seeded as LAMMPS `RanPark(lmp, seed)` (seed must be > 0).
    pub fn new(seed: i32) -> RanPark {
        RanPark { seed: seed.max(1), second: None }
    }

    /// Uniform number in (0, 1).
    pub fn uniform(&mut self) -> f64 {
        let k = self.seed / IQ;
        self.seed = IA.wrapping_mul(self.seed - k * IQ).wrapping_sub(IR.wrapping_mul(k));
        if self.seed < 0 {
            self.seed += IM;
        }
        AM * self.seed as f64
    }

    /// Reseeds from a base seed and a position, as LAMMPS `RanPark::reset(int, double *)`: a Jenkins
    /// one-at-a-time hash over the bytes of the int and the three doubles (chars are signed on x86).
    pub fn reset(&mut self, ibase: i32, coord: [f64; 3]) {
        let mut hash: u32 = 0;
        let mut mix = |byte: u8| {
            // `char` is signed in LAMMPS' build, so bytes ≥ 0x80 are sign-extended before the add.
            hash = hash.wrapping_add(byte as i8 as i32 as u32);
            hash = hash.wrapping_add(hash << 10);
            hash ^= hash >> 6;
        };
        for b in ibase.to_le_bytes() {
            mix(b);
        }
        for c in coord {
            for b in c.to_le_bytes() {
                mix(b);
            }
        }
        hash = hash.wrapping_add(hash << 3);
        hash ^= hash >> 11;
        hash = hash.wrapping_add(hash << 15);
        // LAMMPS keeps 27 bits (mask 0x7ffffff) and forbids seed 0.
        self.seed = (hash & 0x7ffffff) as i32;
        if self.seed == 0 {
            self.seed = 1;
        }
        for _ in 0..5 {
            self.uniform();
        }
        self.second = None;
    }

    /// Gaussian deviate (Marsaglia polar method, caching the second value as LAMMPS does).
    pub fn gaussian(&mut self) -> f64 {
        if let Some(g) = self.second.take() {
            return g;
        }
        loop {
            let v1 = 2.0 * self.uniform() - 1.0;
            let v2 = 2.0 * self.uniform() - 1.0;
            let rsq = v1 * v1 + v2 * v2;
            if rsq < 1.0 && rsq != 0.0 {
                let fac = (-2.0 * rsq.ln() / rsq).sqrt();
                self.second = Some(v1 * fac);
                return v2 * fac;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn park_miller_sequence() {
        // Minimal standard check value: seed 1 → after 10000 draws the state is 1043618065.
        let mut r = RanPark::new(1);
        for _ in 0..10000 {
            r.uniform();
        }
        assert_eq!(r.seed, 1043618065);
    }
}
