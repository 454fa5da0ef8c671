//! A run killed mid-way and resumed from its checkpoint ends bit-identical to an uninterrupted run:
//! same final checkpoint bytes (positions, velocities, images, forces, thermostat and RNG states) and
//! the same thermo, force and trajectory files.

use atomfab_md::{resume_md, run_md, MdConfig};
use std::path::Path;

fn config() -> MdConfig {
    // LJ liquid slab with every kind of stateful fix: fixed base, Langevin layer (RNG), Nosé–Hoover chain
    // with a ramp, a vibrating tool with force recording, a rigid cluster.
    toml::from_str(
        r#"
        units = "lj"
        lattice = { kind = "fcc", density = 0.8442, species = ["Ar"], repeats = [5, 5, 6] }
        potential = "lj:epsilon=1,sigma=1,cutoff=2.5"
        dt = 0.005
        steps = 300
        velocity = { temperature = 1.0, seed = 12345 }
        neighbor = { skin = 0.3, every = 1, check = true }
        ensemble = { kind = "nvt", thermostat = "nose_hoover", temperature = 1.0, t_stop = 1.2, damp = 0.5, group = "mid" }
        groups = [
            { name = "base", region = { shape = "block", lo = [-inf, -inf, -inf], hi = [inf, inf, 1.5] } },
            { name = "layer", region = { shape = "block", lo = [-inf, -inf, 1.5], hi = [inf, inf, 3.0] } },
            { name = "mid", region = { shape = "block", lo = [-inf, -inf, 3.0], hi = [inf, inf, 7.5] } },
            { name = "blob", region = { shape = "sphere", center = [4.2, 4.2, 8.4], radius = 1.3 } },
            { name = "tool", region = { shape = "block", lo = [-inf, -inf, 9.0], hi = [inf, inf, inf] } },
        ]
        fixes = [
            { kind = "fixed", group = "base" },
            { kind = "thermostat", style = "langevin", group = "layer", temperature = 1.0, damp = 0.2, seed = 99 },
            { kind = "move", group = "tool", velocity = [0.05, 0.0, 0.0], vibration = { amplitude = [0.02, 0.0, 0.01], frequency = 0.5, phase_deg = [0, 0, 90] } },
            { kind = "rigid", group = "blob" },
            { kind = "record_force", group = "tool", every = 10, file = "tool_force.csv" },
        ]
        thermo = { every = 10, group_forces = ["tool", "base"] }
        dumps = [ { every = 50, file = "traj.xyz" }, { every = 50, file = "traj.dump" } ]
        checkpoint = { every = 100 }
        "#,
    )
    .unwrap()
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn killed_and_resumed_run_is_bit_identical() {
    let mut cfg = config();
    cfg.threads = Some(2);
    let full = tempfile::tempdir().unwrap();
    run_md(&cfg, full.path(), &mut |_| {}).unwrap();

    // Kill the run at step 170 (after the checkpoint at step 100, with outputs written past it).
    let cut = tempfile::tempdir().unwrap();
    let killed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_md(&cfg, cut.path(), &mut |p| {
            if p.step == 170 {
                panic!("simulated kill at step 170");
            }
        })
    }));
    assert!(killed.is_err());
    let partial = String::from_utf8(read(cut.path(), "thermo.csv")).unwrap();
    assert!(partial.lines().last().unwrap().starts_with("170,") || partial.contains("\n160,"));

    // Force sums are deterministic for a given thread count (both runs use the same one).
    let s = resume_md(&cfg, cut.path(), &mut |_| {}).unwrap();
    assert_eq!(s.steps_run, 200);
    for f in ["thermo.csv", "checkpoint.bin", "tool_force.csv", "traj.xyz", "traj.dump"] {
        assert!(read(full.path(), f) == read(cut.path(), f), "{f} differs after resume");
    }
    // The thermostats, fixes and recorders did act.
    let thermo = String::from_utf8(read(full.path(), "thermo.csv")).unwrap();
    assert_eq!(thermo.lines().count(), 1 + 31);
    let forces = String::from_utf8(read(full.path(), "tool_force.csv")).unwrap();
    assert_eq!(forces.lines().count(), 1 + 30);
}

#[test]
fn resume_rejects_a_changed_configuration() {
    let mut cfg = config();
    cfg.steps = 100;
    let dir = tempfile::tempdir().unwrap();
    run_md(&cfg, dir.path(), &mut |_| {}).unwrap();
    let mut changed = cfg.clone();
    changed.dt = 0.004;
    let err = resume_md(&changed, dir.path(), &mut |_| {}).unwrap_err().to_string();
    assert!(err.contains("different [md] configuration"), "{err}");
    // A corrupt checkpoint is a clear error, not a panic.
    std::fs::write(dir.path().join("checkpoint.bin"), b"ATOMFAB-MD-CKPT1\x05\x00").unwrap();
    let err = resume_md(&cfg, dir.path(), &mut |_| {}).unwrap_err().to_string();
    assert!(err.contains("checkpoint") && err.contains("truncated"), "{err}");
}
