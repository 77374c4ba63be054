"""The offline demo (config/demo.yaml) end to end with real ISCE2 (marked `isce2`: only where topsApp.py is on PATH):
synthetic pair -> validated GUNW, checked against the truth. Through the ISCE2 test double the same demo is the
matrix variant demo_30m (tests/test_e2e_matrix.py::test_demo_30m).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import netCDF4
import numpy as np
import pytest
import rasterio

from conftest import REPO
from e2e import snakemake_cmd

pytestmark = pytest.mark.e2e
DEMO = REPO / "config" / "demo.yaml"


def phase_minus_truth(work: Path) -> dict:
    """Unwrapped phase of the GUNW minus the injected truth, on pixels with connected component >= 1."""
    (pair_dir,) = [p for p in (work / "demo" / "results").iterdir() if (p / "product").is_dir()]
    with netCDF4.Dataset(pair_dir / "product" / "gunw.nc") as nc:
        data = nc["science/grids/data"]
        unw = np.ma.filled(data["unwrappedPhase"][:].astype(float), np.nan)
        ccomp = np.ma.filled(data["connectedComponents"][:], -1)
        lon, lat = data["longitude"][:], data["latitude"][:]
    with rasterio.open(work / "demo" / "inputs" / "truth" / "phase_geo.tif") as src:
        truth = src.read(1).astype(float)
        t = src.transform
    # truth pixel (i, j) is the value at the DEM sample centre t * (j + 0.5, i + 0.5)
    cols = np.rint((np.asarray(lon) - (t.c + 0.5 * t.a)) / t.a).astype(int)
    rows = np.rint((np.asarray(lat) - (t.f + 0.5 * t.e)) / t.e).astype(int)
    inside_c = (cols >= 0) & (cols < truth.shape[1])
    inside_r = (rows >= 0) & (rows < truth.shape[0])
    sampled = np.full(unw.shape, np.nan)
    rr, cc = np.meshgrid(rows[inside_r], cols[inside_c], indexing="ij")
    sampled[np.ix_(inside_r, inside_c)] = truth[rr, cc]
    ok = (ccomp >= 1) & np.isfinite(unw) & np.isfinite(sampled)
    diff = unw[ok] - sampled[ok]
    diff -= diff.mean()
    return {"pixels": int(ok.sum()), "std_rad": float(diff.std()), "fraction": float(ok.mean())}


def _run_demo(work: Path, env: dict, timeout: int) -> subprocess.CompletedProcess:
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--directory",
        str(work),
        "--configfile",
        str(DEMO),
        "--cores",
        "2",
    ]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


def _check_validated(work: Path) -> Path:
    (pair_dir,) = [p for p in (work / "demo" / "results").iterdir() if (p / "product").is_dir()]
    assert (pair_dir / "product" / "validated.ok").exists()
    name = (pair_dir / "product" / "product_name.txt").read_text().strip().removesuffix(".nc")
    assert name.startswith("S1-GUNW_CUSTOM-A-R-004-tops-20200113_20200101-"), name
    delivered = work / "demo" / "results" / "products" / name / f"{name}.nc"
    assert delivered.exists()
    return pair_dir


@pytest.mark.isce2
@pytest.mark.skipif(shutil.which("topsApp.py") is None, reason="real ISCE2 (topsApp.py) is not on PATH")
def test_demo_with_real_isce2(tmp_path):
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    proc = _run_demo(tmp_path, env, timeout=3600)
    assert proc.returncode == 0, proc.stderr[-5000:]
    _check_validated(tmp_path)
    result = phase_minus_truth(tmp_path)
    print("real ISCE2 demo: unwrapped phase - truth:", result)
    assert result["std_rad"] < 0.5, result


def test_snakemake_cmd_helper_targets_the_repo_snakefile(tmp_path):
    assert str(REPO / "Snakefile") in snakemake_cmd(tmp_path, DEMO)
