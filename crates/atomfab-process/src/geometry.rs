//! Geometry of a cutting setup: a crystalline workpiece block and a rigid diamond tool with rake angle,
//! clearance angle and a rounded cutting edge. Lengths in Å. Cutting runs along −x, the machined
//! surface normal is +z, the width y is periodic.

use crate::error::ProcessError;
use atomfab_core::cell::Vec3;
use atomfab_core::{LatticeKind, LatticeSpec, System, UnitSystem};

/// Tool cross-section in the xz plane, relative to its cutting edge point E = (0, 0).
#[derive(Debug, Clone, Copy)]
pub struct ToolShape {
    /// Rake angle, radians.
    pub rake: f64,
    /// Clearance angle, radians.
    pub clearance: f64,
    /// Edge radius, Å.
    pub edge_radius: f64,
    /// Extent along +x and +z from the edge, Å.
    pub length: f64,
    pub height: f64,
}

impl ToolShape {
    /// Inward normals (x, z) of the rake face (facing −x, the chip) and of the flank face (facing −z).
    fn normals(&self) -> ([f64; 2], [f64; 2]) {
        ([self.rake.cos(), -self.rake.sin()], [-self.clearance.sin(), self.clearance.cos()])
    }

    /// Centre of the edge arc, tangent to both faces.
    fn arc_centre(&self) -> [f64; 2] {
        let (nr, nf) = self.normals();
        let k = self.edge_radius / (1.0 + nr[0] * nf[0] + nr[1] * nf[1]);
        [k * (nr[0] + nf[0]), k * (nr[1] + nf[1])]
    }

    /// Height above the edge's lowest point up to which the edge arc runs into the rake face (Å): the
    /// tangent point, where a negative rake face starts to lean forward.
    pub fn edge_height(&self) -> f64 {
        self.edge_radius * (1.0 + self.rake.sin())
    }

    /// Depth of the point (x, z) inside the tool (distance to the nearest working face, > 0 inside);
    /// negative outside.
    pub fn depth(&self, x: f64, z: f64) -> f64 {
        let (nr, nf) = self.normals();
        let d_rake = x * nr[0] + z * nr[1];
        let d_flank = x * nf[0] + z * nf[1];
        if d_rake < 0.0 || d_flank < 0.0 || z > self.height || x > self.length {
            return -1.0;
        }
        let c = self.arc_centre();
        let (cx, cz) = (x - c[0], z - c[1]);
        if cx * nr[0] + cz * nr[1] < 0.0 && cx * nf[0] + cz * nf[1] < 0.0 {
            return self.edge_radius - (cx * cx + cz * cz).sqrt();
        }
        d_rake.min(d_flank)
    }
}

/// A workpiece block of `repeats` lattice periods, origin at 0. Returns the system (fully periodic cell
/// for now; the caller sets the final box) and the lattice periods (Å).
pub fn workpiece(kind: LatticeKind, a: f64, element: &str, orient: [[i32; 3]; 3], size: Vec3) -> Result<(System, Vec3), ProcessError> {
    let spec = LatticeSpec::new(kind, a, &[element]).oriented(orient);
    let (repeats, periods) = repeats(&spec, size)?;
    let system = spec.build(repeats, UnitSystem::Metal).map_err(|e| ProcessError::Config(format!("workpiece: {e}")))?;
    Ok((system, periods))
}

/// Whole lattice periods along x, y, z nearest to `size` (Å), at least one, and the periods (Å).
fn repeats(spec: &LatticeSpec, size: Vec3) -> Result<([usize; 3], Vec3), ProcessError> {
    let periods = spec.periods().map_err(|e| ProcessError::Config(format!("workpiece.orient: {e}")))?;
    Ok(([0, 1, 2].map(|k| ((size[k] / periods[k]).round() as usize).max(1)), periods))
}

/// The size (Å) of the workpiece `workpiece` builds for a requested `size` (Å): whole lattice periods, so
/// up to half a period more or less than asked. Checks of the recipe against the slab use this.
pub fn built_size(kind: LatticeKind, a: f64, element: &str, orient: [[i32; 3]; 3], size: Vec3) -> Result<Vec3, ProcessError> {
    let (n, periods) = repeats(&LatticeSpec::new(kind, a, &[element]).oriented(orient), size)?;
    Ok([0, 1, 2].map(|k| n[k] as f64 * periods[k]))
}

/// Positions (Å) of a diamond tool: a shell `shell` Å thick under the working faces (deeper atoms never
/// touch the workpiece of a rigid tool), spanning y ∈ [0, width) with the lattice stretched to fit the
/// periodic width exactly. Edge point at the origin.
pub fn tool_atoms(shape: &ToolShape, width: f64, shell: f64) -> Result<Vec<Vec3>, ProcessError> {
    let a = crate::material::DIAMOND_A;
    let ny = ((width / a).round() as usize).max(1);
    // The block must cover the wedge, which leans back over x < 0 for negative rake.
    let x_lo = -shape.height * (-shape.rake).tan().max(0.0) - a;
    let nx = ((shape.length - x_lo) / a).ceil() as usize + 1;
    let nz = (shape.height / a).ceil() as usize + 1;
    let block = LatticeSpec::new(LatticeKind::Diamond, a, &["C"])
        .build([nx, ny, nz], UnitSystem::Metal)
        .map_err(|e| ProcessError::Config(format!("tool lattice: {e}")))?;
    let stretch = width / (ny as f64 * a);
    let mut out = Vec::new();
    for r in &block.positions {
        let (x, y, z) = (r[0] + x_lo, r[1] * stretch, r[2]);
        let d = shape.depth(x, z);
        if d >= 0.0 && d < shell {
            out.push([x, y, z]);
        }
    }
    if out.is_empty() {
        return Err(ProcessError::Config("tool: the shape holds no atoms (check tool.size_nm and angles)".into()));
    }
    Ok(out)
}

/// An axisymmetric rigid indenter / abrasive along z, tip (lowest point) at the origin. Lengths Å.
#[derive(Debug, Clone, Copy)]
pub enum Indenter {
    /// Sphere of radius `radius` (centre at z = radius), cut at height `height` above the tip
    /// (2·radius = the whole sphere).
    Sphere { radius: f64, height: f64 },
    /// Cone of half-angle `half_angle` (radians) with a spherical tip of radius `tip_radius` tangent to
    /// it, up to `height` above the tip.
    Cone { half_angle: f64, tip_radius: f64, height: f64 },
}

impl Indenter {
    /// Depth of the point inside the body (distance to its surface or its flat top at `height`, > 0
    /// inside; negative outside).
    pub fn depth(&self, p: Vec3) -> f64 {
        let r = (p[0] * p[0] + p[1] * p[1]).sqrt();
        match *self {
            Indenter::Sphere { radius, height } => {
                if p[2] > height {
                    return -1.0;
                }
                // Closed by a lid at the top, so that material cannot flow into the hollow shell.
                (radius - (r * r + (p[2] - radius).powi(2)).sqrt()).min(height - p[2])
            }
            Indenter::Cone { half_angle, tip_radius, height } => {
                if p[2] > height {
                    return -1.0;
                }
                let c = tip_radius;
                // The tip sphere covers directions (from its centre) within 90° − α of −z.
                let below = c - p[2];
                let lid = height - p[2];
                if below > 0.0 && r <= below * (std::f64::consts::FRAC_PI_2 - half_angle).tan() {
                    return (tip_radius - (r * r + below * below).sqrt()).min(lid);
                }
                let z_apex = c - tip_radius / half_angle.sin();
                (((p[2] - z_apex) * half_angle.tan() - r) * half_angle.cos()).min(lid)
            }
        }
    }

    /// Radius of the body's horizontal section at height z above the tip (Å; 0 below the tip).
    pub fn section_radius(&self, z: f64) -> f64 {
        match *self {
            Indenter::Sphere { radius, .. } => {
                let z = z.clamp(0.0, radius);
                (2.0 * radius * z - z * z).max(0.0).sqrt()
            }
            Indenter::Cone { half_angle, tip_radius, .. } => {
                let z_tangent = tip_radius * (1.0 - half_angle.sin());
                if z <= z_tangent {
                    let z = z.max(0.0);
                    (2.0 * tip_radius * z - z * z).max(0.0).sqrt()
                } else {
                    let z_apex = tip_radius - tip_radius / half_angle.sin();
                    (z - z_apex) * half_angle.tan()
                }
            }
        }
    }

    pub fn height(&self) -> f64 {
        match *self {
            Indenter::Sphere { height, .. } | Indenter::Cone { height, .. } => height,
        }
    }
}

/// Positions (Å) of a diamond indenter: the atoms of a diamond lattice within `shell` Å under its surface
/// (a rigid body's deeper atoms never touch the workpiece), tip at the origin.
pub fn indenter_atoms(body: &Indenter, shell: f64) -> Result<Vec<Vec3>, ProcessError> {
    let a = crate::material::DIAMOND_A;
    let h = body.height();
    let w = body.section_radius(h) + a;
    let n = ((2.0 * w) / a).ceil() as usize + 1;
    let nz = (h / a).ceil() as usize + 1;
    let block = LatticeSpec::new(LatticeKind::Diamond, a, &["C"])
        .build([n, n, nz], UnitSystem::Metal)
        .map_err(|e| ProcessError::Config(format!("indenter lattice: {e}")))?;
    // Centre the block on the axis so the lattice is symmetric about it.
    let off = (n as f64 * a) / 2.0;
    let out: Vec<Vec3> = block
        .positions
        .iter()
        .map(|r| [r[0] - off, r[1] - off, r[2]])
        .filter(|&p| {
            let d = body.depth(p);
            d >= 0.0 && d < shell
        })
        .collect();
    if out.is_empty() {
        return Err(ProcessError::Config("indenter: the shape holds no atoms (check its radius and height)".into()));
    }
    Ok(out)
}

/// Lowest and leftmost coordinates of a point set (min x, min z).
pub fn min_xz(points: &[Vec3]) -> (f64, f64) {
    points.iter().fold((f64::INFINITY, f64::INFINITY), |(x, z), r| (x.min(r[0]), z.min(r[2])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(rake_deg: f64, radius: f64) -> ToolShape {
        ToolShape { rake: rake_deg.to_radians(), clearance: 10f64.to_radians(), edge_radius: radius, length: 20.0, height: 20.0 }
    }

    #[test]
    fn sharp_wedge_faces() {
        let s = shape(0.0, 0.0);
        assert!(s.depth(1.0, 1.0) > 0.0);
        assert!(s.depth(-0.1, 5.0) < 0.0, "left of a zero-rake face is outside");
        // Below the flank face (10° clearance) is outside.
        assert!(s.depth(10.0, 10.0 * 10f64.to_radians().tan() - 0.1) < 0.0);
        assert!(s.depth(10.0, 10.0 * 10f64.to_radians().tan() + 0.1) > 0.0);
    }

    #[test]
    fn rounded_edge_removes_the_corner() {
        let sharp = shape(0.0, 0.0);
        let round = shape(0.0, 5.0);
        assert!(sharp.depth(0.3, 0.3) > 0.0);
        assert!(round.depth(0.3, 0.3) < 0.0, "corner lies outside the arc");
        let c = round.arc_centre();
        assert!((round.depth(c[0], c[1]) - 5.0).abs() < 1e-9);
        // The arc is tangent to both faces: distance from centre to each face equals the radius.
        let (nr, nf) = round.normals();
        assert!((c[0] * nr[0] + c[1] * nr[1] - 5.0).abs() < 1e-9);
        assert!((c[0] * nf[0] + c[1] * nf[1] - 5.0).abs() < 1e-9);
    }

    #[test]
    fn indenter_depths() {
        let s = Indenter::Sphere { radius: 10.0, height: 20.0 };
        assert!((s.depth([0.0, 0.0, 10.0]) - 10.0).abs() < 1e-12);
        assert!(s.depth([0.0, 0.0, -0.1]) < 0.0 && s.depth([0.0, 0.0, 0.1]) > 0.0);
        assert!((s.section_radius(10.0) - 10.0).abs() < 1e-12);
        let c = Indenter::Cone { half_angle: 60f64.to_radians(), tip_radius: 5.0, height: 30.0 };
        assert!(c.depth([0.0, 0.0, -0.01]) < 0.0 && c.depth([0.0, 0.0, 0.01]) > 0.0);
        // Continuous across the sphere–cone tangent circle, and the section matches the surface.
        for z in [1.0, 2.0, 5.0, 10.0, 20.0] {
            let r = c.section_radius(z);
            assert!(c.depth([r, 0.0, z]).abs() < 1e-9, "z {z}: depth {}", c.depth([r, 0.0, z]));
            assert!(c.depth([r - 0.5, 0.0, z]) > 0.0 && c.depth([r + 0.5, 0.0, z]) < 0.0);
        }
        let atoms = indenter_atoms(&s, 4.0).unwrap();
        assert!(atoms.iter().all(|&p| (0.0..4.0).contains(&s.depth(p))));
        assert!(atoms.iter().map(|p| p[2]).fold(f64::INFINITY, f64::min) < 1.0);
    }

    #[test]
    fn tool_shell_spans_width() {
        let atoms = tool_atoms(&shape(-10.0, 3.0), 21.724, 6.0).unwrap();
        let ymax = atoms.iter().map(|r| r[1]).fold(0.0, f64::max);
        assert!(ymax < 21.724 && ymax > 21.724 - 2.0);
        assert!(atoms.iter().all(|r| shape(-10.0, 3.0).depth(r[0], r[2]) < 6.0));
        assert!(atoms.len() > 100);
    }
}
