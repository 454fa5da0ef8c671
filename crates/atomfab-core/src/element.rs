//! Chemical elements: symbol, atomic number and standard atomic mass (amu, IUPAC 2021 abridged values).

/// (symbol, atomic number, mass in amu).
const ELEMENTS: &[(&str, u32, f64)] = &[
    ("H", 1, 1.008), ("He", 2, 4.002602), ("Li", 3, 6.94), ("Be", 4, 9.0121831), ("B", 5, 10.81),
    ("C", 6, 12.011), ("N", 7, 14.007), ("O", 8, 15.999), ("F", 9, 18.998403163), ("Ne", 10, 20.1797),
    ("Na", 11, 22.98976928), ("Mg", 12, 24.305), ("Al", 13, 26.9815385), ("Si", 14, 28.085),
    ("P", 15, 30.973761998), ("S", 16, 32.06), ("Cl", 17, 35.45), ("Ar", 18, 39.948), ("K", 19, 39.0983),
    ("Ca", 20, 40.078), ("Sc", 21, 44.955908), ("Ti", 22, 47.867), ("V", 23, 50.9415), ("Cr", 24, 51.9961),
    ("Mn", 25, 54.938044), ("Fe", 26, 55.845), ("Co", 27, 58.933194), ("Ni", 28, 58.6934), ("Cu", 29, 63.546),
    ("Zn", 30, 65.38), ("Ga", 31, 69.723), ("Ge", 32, 72.630), ("As", 33, 74.921595), ("Se", 34, 78.971),
    ("Br", 35, 79.904), ("Kr", 36, 83.798), ("Rb", 37, 85.4678), ("Sr", 38, 87.62), ("Y", 39, 88.90584),
    ("Zr", 40, 91.224), ("Nb", 41, 92.90637), ("Mo", 42, 95.95), ("Tc", 43, 98.0), ("Ru", 44, 101.07),
    ("Rh", 45, 102.90550), ("Pd", 46, 106.42), ("Ag", 47, 107.8682), ("Cd", 48, 112.414), ("In", 49, 114.818),
    ("Sn", 50, 118.710), ("Sb", 51, 121.760), ("Te", 52, 127.60), ("I", 53, 126.90447), ("Xe", 54, 131.293),
    ("Cs", 55, 132.90545196), ("Ba", 56, 137.327), ("La", 57, 138.90547), ("Ce", 58, 140.116),
    ("Pr", 59, 140.90766), ("Nd", 60, 144.242), ("Pm", 61, 145.0), ("Sm", 62, 150.36), ("Eu", 63, 151.964),
    ("Gd", 64, 157.25), ("Tb", 65, 158.92535), ("Dy", 66, 162.500), ("Ho", 67, 164.93033), ("Er", 68, 167.259),
    ("Tm", 69, 168.93422), ("Yb", 70, 173.045), ("Lu", 71, 174.9668), ("Hf", 72, 178.49), ("Ta", 73, 180.94788),
    ("W", 74, 183.84), ("Re", 75, 186.207), ("Os", 76, 190.23), ("Ir", 77, 192.217), ("Pt", 78, 195.084),
    ("Au", 79, 196.966569), ("Hg", 80, 200.592), ("Tl", 81, 204.38), ("Pb", 82, 207.2), ("Bi", 83, 208.98040),
    ("Po", 84, 209.0), ("At", 85, 210.0), ("Rn", 86, 222.0), ("Fr", 87, 223.0), ("Ra", 88, 226.0),
    ("Ac", 89, 227.0), ("Th", 90, 232.0377), ("Pa", 91, 231.03588), ("U", 92, 238.02891),
];

/// A chemical element from the periodic table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Element {
    pub symbol: &'static str,
    pub atomic_number: u32,
    /// Standard atomic mass in amu.
    pub mass: f64,
}

impl Element {
    /// Looks an element up by symbol (case-sensitive, as written in structure files: "Si", not "SI").
    pub fn from_symbol(symbol: &str) -> Option<Element> {
        ELEMENTS
            .iter()
            .find(|(s, _, _)| *s == symbol)
            .map(|&(symbol, atomic_number, mass)| Element { symbol, atomic_number, mass })
    }

    pub fn from_atomic_number(z: u32) -> Option<Element> {
        ELEMENTS
            .iter()
            .find(|(_, n, _)| *n == z)
            .map(|&(symbol, atomic_number, mass)| Element { symbol, atomic_number, mass })
    }

    /// The element whose standard mass is closest to `mass` (amu), if within `tolerance` amu.
    /// Used to name LAMMPS atom types that only carry a mass.
    pub fn from_mass(mass: f64, tolerance: f64) -> Option<Element> {
        ELEMENTS
            .iter()
            .map(|&(symbol, atomic_number, m)| Element { symbol, atomic_number, mass: m })
            .filter(|e| (e.mass - mass).abs() <= tolerance)
            .min_by(|a, b| (a.mass - mass).abs().total_cmp(&(b.mass - mass).abs()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_by_symbol_number_and_mass() {
        let si = Element::from_symbol("Si").unwrap();
        assert_eq!(si.atomic_number, 14);
        assert!((si.mass - 28.085).abs() < 1e-12);
        assert_eq!(Element::from_atomic_number(29).unwrap().symbol, "Cu");
        assert_eq!(Element::from_mass(63.55, 0.1).unwrap().symbol, "Cu");
        assert!(Element::from_symbol("Xx").is_none());
        assert!(Element::from_symbol("si").is_none());
        // Table is dense from 1 to 92.
        for z in 1..=92 {
            assert_eq!(Element::from_atomic_number(z).unwrap().atomic_number, z);
        }
    }
}
