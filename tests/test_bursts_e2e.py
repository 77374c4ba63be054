"""End to end: the SAFEs burst mode assembles, run through the unchanged staging and topsApp rules (ISCE2 test
double) to a validated product with the same values as the same pair from its SLCs.

The demo pair (3 IW1 bursts, 2,100 samples: burst2safe needs lines wider than 8 KB, docs/inputs.md §9) is cut into
bursts by the loopback burst service; `gunw burst-safe` fetches them through the download layer and assembles one
SAFE per date; the pair then runs twice from local inputs, once from the generator's SLC zips and once from the
burst SAFEs. What this does not cover: the check and planning of burst mode with a real frame (a real frame's
extent would make the double's product grid ~100x the demo's); those are tests/test_bursts_check.py and
tests/test_dry_run.py.
"""

from __future__ import annotations

import netCDF4
import numpy as np
import pytest
import yaml

import burst_service
import loopback
from conftest import REPO
from e2e import run_snakemake
from gunw_workflow.layout import CacheDir
from inputs_support import EDL_PASS, EDL_USER, require_shared
from test_bursts_safe import REF, SAMPLES, SEC, _pair_json, _run

pytestmark = pytest.mark.e2e
LAYERS = ("unwrappedPhase", "coherence", "connectedComponents", "amplitude")


def _config(tmp_path, inputs, slc_dir, name) -> str:
    cfg = yaml.safe_load((REPO / "config" / "demo.yaml").read_text())
    cfg.pop("demo")
    cfg["results_dir"] = str(tmp_path / f"results_{name}")
    cfg["cache_dir"] = str(tmp_path / f"cache_{name}")
    cfg["download_mode"] = "slc"
    cfg["estimate_ionosphere_delay"] = False  # the SAFEs differ, not the ionosphere (test_e2e_*)
    cfg["local_inputs"].update(
        slc_dir=str(slc_dir),
        orbit_dir=str(inputs / "orbits"),
        dem=str(inputs / "dem" / "dem.wgs84"),
        geocode_dem=str(inputs / "dem" / "dem.wgs84"),
        water_mask=str(inputs / "dem" / "water_mask.tif"),
    )
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return str(path)


def _layers(results) -> dict:
    (nc_path,) = list(results.glob("*/product/gunw.nc"))
    assert (nc_path.parent / "validated.ok").exists()
    with netCDF4.Dataset(nc_path) as nc:
        data = nc["science/grids/data"]
        out = {k: np.ma.filled(data[k][:].astype(float), np.nan) for k in LAYERS}
        out["lat"], out["lon"] = np.asarray(data["latitude"][:]), np.asarray(data["longitude"][:])
    return out


def _common(a, b) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the grid nodes two products share (same 1-arcsec posting): (index in a, index in b)."""
    pos = {round(float(v), 7): i for i, v in enumerate(b)}
    pairs = [(i, pos[round(float(v), 7)]) for i, v in enumerate(a) if round(float(v), 7) in pos]
    return np.array(pairs, dtype=int).reshape(-1, 2)


def test_burst_safes_through_the_dag_give_the_slc_product(tmp_path, monkeypatch):
    require_shared()
    from gunw_workflow.demo import synth

    inputs = tmp_path / "inputs"
    synth.main(
        ["--outdir", str(inputs), "--reference-id", REF, "--secondary-id", SEC, "--swaths", "1", "--bursts", "3",
         "--samples-per-burst", str(SAMPLES)]
    )  # fmt: skip
    lb = loopback.Loopback()
    try:
        token = loopback.install_earthdata(lb, EDL_USER, EDL_PASS)
        loopback.install_cmr(lb)
        pool, files = [], {}
        for scene in (REF, SEC):
            recs, data = burst_service.cut_demo_safe(inputs / "slc" / f"{scene}.zip", 4)
            pool += recs
            files.update(data)
        burst_service.install_burst_search(lb, pool)
        burst_service.install_burst_data(lb, files, token=token)
        demo = {"root": inputs, "lb": lb, "files": files}
        pj, rec = _pair_json(demo, tmp_path)
        cache = CacheDir(tmp_path / "burst_cache")
        burst_dir = tmp_path / "burst_slc"
        burst_dir.mkdir()
        for scene, role in ((REF, "reference"), (SEC, "secondary")):
            rc, out, _record = _run(demo, tmp_path, monkeypatch, pj, rec[role]["key"], cache)
            assert rc == 0, (tmp_path / "l.log").read_text()
            (burst_dir / f"{scene}.SAFE").symlink_to(out, target_is_directory=True)
    finally:
        lb.close()
    slc_cfg = _config(tmp_path, inputs, inputs / "slc", "slc")
    burst_cfg = _config(tmp_path, inputs, burst_dir, "burst")
    run_snakemake(tmp_path / "w1", slc_cfg, timeout=1500)
    run_snakemake(tmp_path / "w2", burst_cfg, timeout=1500)
    want, got = _layers(tmp_path / "results_slc"), _layers(tmp_path / "results_burst")
    # burst2safe writes its own manifest footprint (the GCPs' minimum rotated rectangle), so ref∩sec and with it
    # the product grid of a pair without a frame are larger; on the nodes both grids hold the values must agree
    rows, cols = _common(want["lat"], got["lat"]), _common(want["lon"], got["lon"])
    assert len(rows) == len(want["lat"]) and len(cols) == len(want["lon"])  # the SLC grid lies inside
    for k in LAYERS:
        a = want[k][np.ix_(rows[:, 0], cols[:, 0])]
        b = got[k][np.ix_(rows[:, 1], cols[:, 1])]
        assert np.isfinite(a).sum() > 0.3 * a.size, k
        np.testing.assert_array_equal(np.isfinite(a), np.isfinite(b), err_msg=k)
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-6, equal_nan=True, err_msg=k)
