"""Benchmark: imaging-geometry cubes + both solid-earth-tide cubes for a 4 x 30 x 40 node frame.

Reports the wall time and the ratio to the reference implementation's ~55 s per acquisition for the tide alone
(isce2_topsapp 0.3.8 loops node by node in Python). Not a timed test: run it by hand or in CI for the record.

    python benchmarks/bench_cubes.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import numpy as np  # noqa: E402

from gunw_workflow.product import cubes as gc  # noqa: E402
from gunw_workflow.product import solid_earth_tide as set_mod  # noqa: E402

REFERENCE_SET_SECONDS_PER_ACQUISITION = 55.0


def frame(ny=30, nx=40):
    """A 30 x 40 node (3.0 x 4.0 deg) grid east of a polar ground track, like a Sentinel-1 IW frame's cube."""
    lat = np.round(37.4 - 0.1 * np.arange(ny), 10)
    lon = np.round(-119.5 + 0.1 * np.arange(nx), 10)
    return gc.CubeGrid(np.array([-1500.0, 0.0, 3000.0, 9000.0]), lat, lon)


def run_once(grid, ref, sec, wavelength=0.05546576):
    t0 = time.perf_counter()
    cubes = gc.compute_cubes(ref, sec, grid)
    t1 = time.perf_counter()
    tides = [
        set_mod.set_cube(
            grid.lat, grid.lon, o.epoch, cubes[k], cubes["incidenceAngle"], cubes["azimuthAngle"], wavelength
        )
        for o, k in ((ref, "t_ref"), (sec, "t_sec"))
    ]
    t2 = time.perf_counter()
    assert all(np.all(np.isfinite(t)) for t in tides)
    return t1 - t0, t2 - t1


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=5)
    a = p.parse_args(argv)
    grid = frame()
    # polar Earth-fixed orbits 12 days apart, the secondary offset by ~150 m (a realistic perpendicular baseline)
    ref = gc.synthetic_orbit(dt.datetime(2020, 1, 13, 13, 50), lat0=33.0, lon_track=-124.0, span=1200)
    sec = gc.synthetic_orbit(dt.datetime(2020, 1, 1, 13, 50), lat0=33.0, lon_track=-124.0012, span=1200)
    run_once(grid, ref, sec)  # warm-up (imports, first Fortran call)
    geo, tide = zip(*(run_once(grid, ref, sec) for _ in range(a.repeat)), strict=True)
    total = [g + t for g, t in zip(geo, tide, strict=True)]
    med = statistics.median(total)
    out = {
        "nodes": list(grid.shape),
        "repeat": a.repeat,
        "geometry_cubes_s": round(statistics.median(geo), 4),
        "both_tide_cubes_s": round(statistics.median(tide), 4),
        "total_s": round(med, 4),
        "target_s": 1.0,
        "speed-up_vs_reference_tide_for_two_acquisitions": round(
            2 * REFERENCE_SET_SECONDS_PER_ACQUISITION / med, 1
        ),
    }
    print(json.dumps(out, indent=1))
    return 0 if med < 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
