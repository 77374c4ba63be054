"""Solid-earth-tide (SET) LOS cubes for the GUNW, vectorised (docs/product-contract.md).

pysolid's Fortran ``solid_grid`` evaluates the tide (east/north/up, metres) on a lat/lon grid at one UTC time with
whole-second resolution. Every cube node has its own zero-Doppler time, so we evaluate the whole node grid once per
whole second spanned by the nodes' times (a frame spans ~30-60 s: a few dozen ~2 ms calls) and interpolate each node
linearly in time between the two bracketing seconds. Over one second the tide changes by < 5e-5 m and its curvature
error is < 1e-9 m, so this equals a per-node evaluation at the exact time (the reference loops node by node in Python
and truncates to the second, ~55 s per acquisition).

The tide depends on lat/lon only (pysolid evaluates at the ellipsoid); height enters through each node's
zero-Doppler time and its LOS. LOS projection, positive toward the satellite:
``e sin(inc) sin(az) (-1) + n sin(inc) cos(az) + u cos(inc)`` with ``az = azimuthAngle - 90`` (i.e. the ISCE
north-based azimuth), converted to radians by dividing by ``wavelength / (4 pi)``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time

import numpy as np
from pysolid.solid import solid_grid

from gunw_workflow.isce_io.times import parse_time


def _tide_grid(when: dt.datetime, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """(ny, nx, 3) east/north/up tide at a whole UTC second on the node grid (lat descending, lon ascending)."""
    dlat = float(lat[1] - lat[0]) if len(lat) > 1 else -0.1
    dlon = float(lon[1] - lon[0]) if len(lon) > 1 else 0.1
    e, n, u = solid_grid(
        when.year, when.month, when.day, when.hour, when.minute, when.second,
        float(lat[0]), dlat, len(lat), float(lon[0]), dlon, len(lon),
    )  # fmt: skip
    return np.stack([e, n, u], axis=-1)


def tide_enu(lat: np.ndarray, lon: np.ndarray, epoch: dt.datetime, t_seconds: np.ndarray) -> np.ndarray:
    """East/north/up tide (m) at each node (..., ny, nx) at its own time ``epoch + t_seconds``.

    ``lat``/``lon`` are the 1-D regular node axes; ``t_seconds`` has shape (..., ny, nx). Returns (..., ny, nx, 3).
    """
    t_seconds = np.asarray(t_seconds, dtype=float)
    if not np.all(np.isfinite(t_seconds)):
        raise ValueError("non-finite node times")
    if len(lat) > 2 and not np.allclose(np.diff(lat), lat[1] - lat[0]):
        raise ValueError("latitude nodes must be regularly spaced")
    if len(lon) > 2 and not np.allclose(np.diff(lon), lon[1] - lon[0]):
        raise ValueError("longitude nodes must be regularly spaced")
    base = epoch.replace(microsecond=0)
    offset = (epoch - base).total_seconds()
    abs_t = t_seconds + offset  # seconds from the whole-second ``base``
    s0 = int(np.floor(abs_t.min()))
    s1 = int(np.floor(abs_t.max())) + 1
    grids = np.stack([_tide_grid(base + dt.timedelta(seconds=s), lat, lon) for s in range(s0, s1 + 1)])
    k = np.clip(np.floor(abs_t).astype(int) - s0, 0, len(grids) - 2)
    frac = (abs_t - (s0 + k))[..., None]
    iy, ix = np.meshgrid(np.arange(len(lat)), np.arange(len(lon)), indexing="ij")
    iy = np.broadcast_to(iy, abs_t.shape)
    ix = np.broadcast_to(ix, abs_t.shape)
    return (1.0 - frac) * grids[k, iy, ix] + frac * grids[k + 1, iy, ix]


def los_projection(enu: np.ndarray, incidence_deg: np.ndarray, azimuth_gunw_deg: np.ndarray) -> np.ndarray:
    """Project ENU displacement on the LOS (positive toward the satellite) with the GUNW angle conventions."""
    inc = np.radians(incidence_deg)
    az = np.radians(np.asarray(azimuth_gunw_deg) - 90.0)
    return (
        -enu[..., 0] * np.sin(inc) * np.sin(az)
        + enu[..., 1] * np.sin(inc) * np.cos(az)
        + enu[..., 2] * np.cos(inc)
    )


def set_cube(lat, lon, epoch, t_seconds, incidence_deg, azimuth_gunw_deg, wavelength) -> np.ndarray:
    """SET LOS phase cube (radians, float32) for one acquisition."""
    enu = tide_enu(np.asarray(lat), np.asarray(lon), epoch, t_seconds)
    los_m = los_projection(enu, incidence_deg, azimuth_gunw_deg)
    out = (los_m / (wavelength / (4.0 * np.pi))).astype(np.float32)
    if not np.all(np.isfinite(out)):
        raise RuntimeError("non-finite solid-earth-tide nodes")
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description="Solid-earth tide (ENU, m) on a lat/lon grid at one UTC time.")
    p.add_argument("--time", required=True, help="UTC, ISO-8601")
    p.add_argument("--snwe", nargs=4, type=float, required=True, metavar=("S", "N", "W", "E"))
    p.add_argument("--spacing", type=float, default=0.1)
    a = p.parse_args(argv)
    s, n, w, e = a.snwe
    lat = np.arange(n, s - 1e-9, -a.spacing)
    lon = np.arange(w, e + 1e-9, a.spacing)
    when = parse_time(a.time)
    t0 = time.perf_counter()
    enu = tide_enu(lat, lon, when, np.zeros((len(lat), len(lon))))
    out = {
        "shape": list(enu.shape[:2]),
        "seconds": round(time.perf_counter() - t0, 4),
        **{c: [float(enu[..., i].min()), float(enu[..., i].max())] for i, c in enumerate("enu")},
    }
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
