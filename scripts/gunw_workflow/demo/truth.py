"""Truth of the synthetic pair: the injected phase on the DEM grid (``truth/phase_geo.tif``) and ``truth.json``,
which documents the formula, every parameter, the scene geometry and the files, for the end-to-end checks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from gunw_workflow import s1_ids
from gunw_workflow.demo.dem import DemGrid, write_geotiff
from gunw_workflow.demo.orbit_model import INCLINATION_DEG, ORBIT_RADIUS
from gunw_workflow.demo.scene import (
    AZIMUTH_TIME_INTERVAL,
    INVALID_LINES,
    INVALID_SAMPLES,
    RANGE_PIXEL,
    SceneModel,
)
from gunw_workflow.isce_io import orbit as og
from gunw_workflow.isce_io.times import format_time as _ts
from gunw_workflow.layout import DemoDir


def truth_phase(m: SceneModel, grid: DemGrid, dem: np.ndarray) -> np.ndarray:
    """phi at every DEM sample (pixel centre = DEM sample), NaN outside the valid data area."""
    la2, lo2 = grid.mesh()
    tg = og.geodetic_to_ecef(la2, lo2, dem.astype(float))
    t_rel, r_rel = og.zero_doppler(m.geo, tg.reshape(-1, 3), strict=False)
    (t0, t1), (r0, r1) = m.valid_t, m.r_valid
    inside = (t_rel >= t0) & (t_rel <= t1) & (r_rel >= r0) & (r_rel <= r1)
    return np.where(inside, m.phi(t_rel, r_rel), np.nan).reshape(grid.length, grid.width).astype(np.float32)


def write_phase(truth: np.ndarray, grid: DemGrid, path: Path) -> None:
    write_geotiff(
        grid,
        path,
        truth.astype(np.float32),
        nodata=float("nan"),
        units="rad",
        description="injected interferometric phase (reference * conj(secondary))",
    )


def perpendicular_baseline(m: SceneModel) -> float:
    """|Bperp| at the scene centre (``secondary_orbit_offset_m`` by construction, 0 for the same Earth-fixed
    trajectory); measured from the orbits, not assumed."""
    ps_ref, _ = m.geo.interpolate(m.geo.seconds(m.t_mid_ref))
    o_sec = m.orbit_for(m.scenes[1], 30.0)
    t_sec, _ = og.zero_doppler(o_sec, m.target[None])
    ps_sec, _ = o_sec.interpolate(t_sec[0])
    bvec = ps_sec - ps_ref
    los = (ps_ref - m.target) / np.linalg.norm(ps_ref - m.target)
    return float(np.linalg.norm(bvec - (bvec @ los) * los))


def _formulas(m: SceneModel) -> dict:
    p = m.p
    sigma_r = m.r_span / 6
    return {
        "generator": "gunw demo-pair (gunw_workflow.demo)",
        "units": "rad",
        "formula": (
            "phi(t, r) = 2*pi*ramp_cycles*(r - r0)/r_span + bump_rad*exp(-(((t - t_mid)/sigma_t)**2 + "
            "((r - r_mid)/sigma_r)**2)); t = reference zero-Doppler azimuth time (s after t_first), "
            "r = slant range (m)"
        ),
        "radar_grid_formula_first_swath": (
            f"phi[line, sample] = 2*pi*{p.ramp_cycles}*sample/{m.r_span / RANGE_PIXEL:.6f} + {p.bump_rad}*exp(-(((line - "
            f"{m.total_lines / 2})/{m.total_lines / 6:.6f})**2 + ((sample - {(m.r_mid - m.r0) / RANGE_PIXEL:.6f})/"
            f"{sigma_r / RANGE_PIXEL:.6f})**2)); line counts azimuth lines from the first line of the first "
            f"burst with consecutive bursts {m.step} lines apart (the merged full-resolution grid)"
        ),
        "sign_convention": "secondary = delay(speckle)*exp(-1j*phi) + noise, so reference*conj(secondary) has phase +phi",
        "non_dispersive": bool(p.range_delay),
        "ionosphere_note": (
            "phi is applied as a true range delay (phase proportional to frequency): split-spectrum ionosphere "
            "should be ~0"
            if p.range_delay
            else "phi is frequency independent: split-spectrum assigns about half of it to the ionosphere"
        ),
        "parameters": {
            "ramp_cycles": p.ramp_cycles,
            "bump_rad": p.bump_rad,
            "t_first": _ts(m.scenes[0].t_first),
            "t_mid_s": m.duration / 2,
            "t_mid": _ts(m.t_mid_ref),
            "sigma_t_s": m.duration / 6,
            "r0_m": m.r0,
            "r_span_m": m.r_span,
            "r_mid_m": m.r_mid,
            "sigma_r_m": sigma_r,
        },
    }


def _scene(m: SceneModel, data_snwe: list[float], footprints: dict) -> dict:
    p, ref = m.p, m.scenes[0].sid
    return {
        "reference": p.reference_id,
        "secondary": p.secondary_id,
        "mission": ref.mission,
        "track": s1_ids.relative_orbit(ref.mission, ref.absolute_orbit),
        "flight_direction": "ASCENDING" if p.ascending else "DESCENDING",
        "look_side": "right",
        "swaths": list(m.swaths),
        "polarisation": m.pol,
        "bursts": m.B,
        "lines_per_burst": m.L,
        "samples_per_burst": m.W,
        "overlap_lines": int(p.overlap_lines),
        "burst_step_lines": m.step,
        "total_lines": m.total_lines,
        "invalid_lines_each_burst_end": INVALID_LINES,
        "valid_samples": [INVALID_SAMPLES, m.W - 1 - INVALID_SAMPLES],
        "near_ranges_m": {f"IW{n}": m.near_ranges[n] for n in m.swaths},
        "range_pixel_m": RANGE_PIXEL,
        "azimuth_time_interval_s": AZIMUTH_TIME_INTERVAL,
        "centre_lat": p.centre_lat,
        "centre_lon": p.centre_lon,
        "centre_height_m": m.centre_h,
        "centre_azimuth_time": _ts(m.t_mid_ref),
        "centre_slant_range_m": m.r_mid,
        "incidence_mid_deg": {f"IW{n}": g.incidence_mid for n, g in m.swath_geometry.items()},
        "reference_first_line": _ts(m.scenes[0].t_first),
        "secondary_first_line": _ts(m.scenes[1].t_first),
        "data_area_snwe": data_snwe,
        "footprints": dict(footprints),
    }


def summary(
    m: SceneModel,
    d: DemoDir,
    grid: DemGrid,
    truth: np.ndarray,
    data_snwe: list[float],
    footprints: dict,
    zips: list[Path],
    eof_files: list[Path],
) -> dict:
    """The content of truth.json."""
    p = m.p

    def rel(path) -> str:
        return os.path.relpath(path, d.root)

    return {
        **_formulas(m),
        "phase_geo": {
            "file": "phase_geo.tif",
            "grid": "the DEM grid: pixel (i, j) centre = (lat0 - i*d, lon0 + j*d) = DEM sample (i, j)",
            "geotransform_convention": "GDAL corner convention (origin = DEM startingvalue - d/2)",
            "nodata": "NaN outside the valid data area",
            "valid_pixels": int(np.isfinite(truth).sum()),
        },
        "scene": _scene(m, data_snwe, footprints),
        "signal": {
            "seed": p.seed,
            "speckle_amplitude": p.speckle_amplitude,
            "noise_amplitude": p.noise_amplitude,
            "expected_coherence": p.speckle_amplitude**2 / (p.speckle_amplitude**2 + p.noise_amplitude**2),
        },
        "orbit": {
            "model": "circular Keplerian, Earth rotation included; the secondary repeats the reference's "
            "Earth-fixed trajectory 12 days later, displaced by secondary_orbit_offset_m perpendicular to the "
            "mid-scene line of sight and the velocity",
            "secondary_orbit_offset_m": m.p.secondary_orbit_offset_m,
            "radius_m": ORBIT_RADIUS,
            "inclination_deg": INCLINATION_DEG,
            "ascending_node_time_reference": _ts(m.anx_time),
            "perpendicular_baseline_m": perpendicular_baseline(m),
            "eof_files": [f.name for f in eof_files],
        },
        "dem": {
            "file": rel(d.dem),
            "reference": "WGS84 (ellipsoidal heights)",
            "relief": f"Gaussian hill {p.relief_m} m high, sigma {p.relief_sigma_m} m, on the scene centre; Int16",
            "posting_deg": grid.d,
            "rows": grid.length,
            "cols": grid.width,
            "lon0": grid.lon0,
            "lat0": grid.lat0,
            "startingvalue_convention": "ISCE: coordinate of the first sample (the .vrt copies it, like ISCE)",
        },
        "files": {
            "slc": [rel(z) for z in zips],
            "orbits": [rel(f) for f in eof_files],
            "dem": rel(d.dem),
            "water_mask": rel(d.water_mask),
            "truth": [rel(d.truth_phase), rel(d.truth_json)],
        },
    }


def write_summary(doc: dict, path: Path) -> None:
    path.write_text(json.dumps(doc, indent=1))
