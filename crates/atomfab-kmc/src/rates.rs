//! Rate laws (all results in 1/s).

/// Boltzmann constant (eV/K), CODATA 2018.
pub const KB_EV_PER_K: f64 = 8.617_333_262e-5;
/// Boltzmann constant (J/K), CODATA 2018 (exact).
pub const KB_J_PER_K: f64 = 1.380_649e-23;
/// Atomic mass unit (kg), CODATA 2018.
pub const AMU_KG: f64 = 1.660_539_066_60e-27;

/// ν·exp(−Ea/kT): `prefactor_hz` (1/s), `barrier_ev` (eV), `temperature_k` (K).
pub fn arrhenius(prefactor_hz: f64, barrier_ev: f64, temperature_k: f64) -> f64 {
    prefactor_hz * (-barrier_ev / (KB_EV_PER_K * temperature_k)).exp()
}

/// Hertz–Knudsen impingement rate on one site per pascal of partial pressure (1/(s·Pa)):
/// Φ/p = 1/sqrt(2π m kT), times the site area. `mass_amu` (amu), `temperature_k` (K), `site_area_angstrom2` (Å²).
pub fn impingement_per_pa(mass_amu: f64, temperature_k: f64, site_area_angstrom2: f64) -> f64 {
    let m = mass_amu * AMU_KG;
    let flux_per_pa_m2 = 1.0 / (2.0 * std::f64::consts::PI * m * KB_J_PER_K * temperature_k).sqrt();
    flux_per_pa_m2 * site_area_angstrom2 * 1e-20
}

/// Ion-induced yield per ion, Y(E) = A·(√E − √E_th) above threshold, 0 below (Steinbrüchel form).
pub fn ion_yield(yield_prefactor: f64, threshold_ev: f64, energy_ev: f64) -> f64 {
    if energy_ev <= threshold_ev {
        0.0
    } else {
        yield_prefactor * (energy_ev.sqrt() - threshold_ev.sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impingement_matches_hand_value() {
        // N2 at 300 K: Φ = p / sqrt(2π m kT) = 2.87e22 m⁻² s⁻¹ Pa⁻¹ (textbook value 2.9e22).
        let per_site = impingement_per_pa(28.0134, 300.0, 1e20);
        assert!((per_site - 2.872e22).abs() / 2.872e22 < 2e-3, "{per_site}");
    }

    #[test]
    fn arrhenius_and_yield() {
        assert!((arrhenius(1e13, 0.0, 500.0) - 1e13).abs() < 1.0);
        let k = arrhenius(1e13, 1.0, 1000.0);
        assert!((k - 1e13 * (-1.0f64 / (KB_EV_PER_K * 1000.0)).exp()).abs() < 1e-6 * k);
        assert_eq!(ion_yield(0.1, 25.0, 20.0), 0.0);
        assert!((ion_yield(0.1, 25.0, 100.0) - 0.5).abs() < 1e-12);
    }
}
