"""Imaging-geometry cubes of the GUNW (docs/product-contract.md), computed for all nodes at once.

One vectorised zero-Doppler solve per orbit (reference and secondary) over every (height, lat, lon) node replaces the
reference implementation's node-by-node Python loop. Angle conventions:
* incidence: between the ellipsoid normal at the node and the node->satellite vector;
* look: between the satellite's geodetic nadir and the satellite->node vector;
* azimuth: direction node->satellite, degrees counter-clockwise from East, measured in the node's local
  East/North frame (= ISCE ``los.rdr`` band 2 + 90). The reference measures it in the UTM grid of the scene
  centre, which adds the meridian convergence (up to ~2 deg at zone edges); the local frame is what
  ``los.rdr`` and MintPy mean, so we use it.
Baselines: LOS = unit(node - reference satellite), B = secondary - reference satellite position (each at its own
zero-Doppler time), Bpar = LOS.B, Bperp = sign((LOS x B).v_ref) sqrt(|B|^2 - Bpar^2).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass

import numpy as np

from gunw_workflow.isce_io import orbit as og
from gunw_workflow.product.gunw_layout import CUBE_HEIGHTS, CUBE_NAMES, CUBE_SPACING


@dataclass
class CubeGrid:
    heights: np.ndarray  # (nh,) ascending
    lat: np.ndarray  # (ny,) descending
    lon: np.ndarray  # (nx,) ascending

    @property
    def shape(self) -> tuple[int, int, int]:
        return (len(self.heights), len(self.lat), len(self.lon))

    def mesh(self):
        return np.meshgrid(self.heights, self.lat, self.lon, indexing="ij")


def cube_grid(
    west: float, south: float, east: float, north: float, spacing: float = CUBE_SPACING
) -> CubeGrid:
    """Node grid of the reference rule: x0 = (int(min/s) - 2) s, x1 = (int(max/s) + 3) s (int truncates).

    Rows run north to south. Raises if the grid does not extend at least one node beyond the footprint.
    """

    def axis(lo, hi):
        k0, k1 = int(lo / spacing) - 2, int(hi / spacing) + 3
        return np.round(np.arange(k0, k1 + 1) * spacing, 10)

    lon = axis(west, east)
    lat = axis(south, north)[::-1]
    eps = 1e-9
    if lon[0] > west - spacing + eps or lon[-1] < east + spacing - eps:
        raise ValueError(f"cube longitudes {lon[0]}..{lon[-1]} do not extend one node beyond {west}..{east}")
    if lat[-1] > south - spacing + eps or lat[0] < north + spacing - eps:
        raise ValueError(f"cube latitudes {lat[-1]}..{lat[0]} do not extend one node beyond {south}..{north}")
    return CubeGrid(np.array(CUBE_HEIGHTS, dtype=float), lat, lon)


def swath_footprint(orbit: og.Orbit, swaths) -> list[np.ndarray]:
    """Per swath, the (lon, lat) corners at height 0 of (first start, last stop) x (near, far range)."""
    quads = []
    for s in swaths:
        t0, t1 = orbit.seconds(s.sensing_start), orbit.seconds(s.sensing_stop)
        r0 = min(b.starting_range for b in s.bursts)
        r1 = max(b.far_range for b in s.bursts)
        t = np.array([t0, t0, t1, t1])
        r = np.array([r0, r1, r1, r0])
        lat, lon, _ = og.rdr2geo(orbit, t, r, 0.0)
        quads.append(np.column_stack([lon, lat]))
    return quads


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def compute_geometry(ref_orbit: og.Orbit, sec_orbit: og.Orbit, lat, lon, hgt) -> dict[str, np.ndarray]:
    """Angles and baselines at arbitrary nodes (arrays of equal shape). Also returns the reference zero-Doppler
    time (``t_ref``, s from ``ref_orbit.epoch``), slant range and the ENU LOS for the tide projection."""
    targets = og.geodetic_to_ecef(lat, lon, hgt)
    t_ref, rng = og.zero_doppler(ref_orbit, targets)
    p_ref, v_ref = ref_orbit.interpolate(t_ref)
    t_sec, _ = og.zero_doppler(sec_orbit, targets)
    p_sec, _ = sec_orbit.interpolate(t_sec)

    los = _unit(targets - p_ref)  # satellite -> node
    b = p_sec - p_ref
    bpar = np.einsum("...i,...i->...", los, b)
    bperp_abs = np.sqrt(np.maximum(np.einsum("...i,...i->...", b, b) - bpar**2, 0.0))
    sign = np.sign(np.einsum("...i,...i->...", np.cross(los, b), v_ref))
    bperp = np.where(sign == 0, 1.0, sign) * bperp_abs

    enu = og.los_enu(targets, p_ref)  # node -> satellite, local East/North/Up
    azimuth = np.degrees(np.arctan2(enu[..., 1], enu[..., 0]))
    return {
        "perpendicularBaseline": bperp,
        "parallelBaseline": bpar,
        "incidenceAngle": og.incidence_angle_deg(targets, p_ref),
        "lookAngle": og.look_angle_deg(targets, p_ref),
        "azimuthAngle": azimuth,
        "t_ref": t_ref,
        "t_sec": t_sec,
        "slant_range": rng,
        "los_enu": enu,
    }


def compute_cubes(ref_orbit: og.Orbit, sec_orbit: og.Orbit, grid: CubeGrid) -> dict[str, np.ndarray]:
    """All five cubes (float32, (height, lat, lon)) plus the zero-Doppler times and LOS used by the tides."""
    h, la, lo = grid.mesh()
    out = compute_geometry(ref_orbit, sec_orbit, la, lo, h)
    for k in ("perpendicularBaseline", "parallelBaseline", "incidenceAngle", "lookAngle", "azimuthAngle"):
        if not np.all(np.isfinite(out[k])):
            raise RuntimeError(f"{k}: non-finite cube nodes")
        out[k] = out[k].astype(np.float32)
    return out


def synthetic_orbit(epoch, lat0=35.0, lon_track=-122.0, radius=7071e3, speed=7500.0, span=600.0, step=10.0):
    """A circular polar Earth-fixed orbit like the recorded synthetic scene (for the benchmark and tests)."""
    t = np.arange(-span, span + step, step)
    w = speed / radius
    ang = np.radians(lat0) + w * t
    lon = np.radians(lon_track)
    pos = radius * np.stack([np.cos(ang) * np.cos(lon), np.cos(ang) * np.sin(lon), np.sin(ang)], axis=-1)
    vel = (
        radius * w * np.stack([-np.sin(ang) * np.cos(lon), -np.sin(ang) * np.sin(lon), np.cos(ang)], axis=-1)
    )
    return og.Orbit(epoch, t - t[0], pos, vel)


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Compute GUNW geometry cubes from ISCE swath XMLs (prints a summary)."
    )
    p.add_argument("--reference", required=True, help="directory with reference IW*.xml")
    p.add_argument("--secondary", required=True, help="directory with secondary IW*.xml")
    a = p.parse_args(argv)
    from gunw_workflow.isce_io import rasters as isce_io

    ref_sw = isce_io.read_swaths(a.reference)
    sec_sw = isce_io.read_swaths(a.secondary)
    ref_orbit = og.read_isce_product_orbit(ref_sw[0].path)
    sec_orbit = og.read_isce_product_orbit(sec_sw[0].path)
    quads = swath_footprint(ref_orbit, ref_sw)
    pts = np.vstack(quads)
    grid = cube_grid(pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max())
    t = time.perf_counter()
    cubes = compute_cubes(ref_orbit, sec_orbit, grid)
    el = time.perf_counter() - t
    summary = {
        "shape": grid.shape,
        "seconds": round(el, 4),
        **{k: [float(cubes[k].min()), float(cubes[k].max())] for k in CUBE_NAMES},
    }
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
