"""The real download_dem rule (Snakemake, shell command, `gunw download-dem`) on a machine without network.

"No network" is a base URL where nothing listens (connection refused for every host), so the test can never
reach a real host even where the machine is online. The tile cache holds the staged real GLO-30 tile (as a
previous run would have left it); the geoid is the staged EGM96 grid re-encoded as GeoTIFF (tests/loopback.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

import loopback
from gunw_workflow.inputs import dem
from inputs_support import S0313, S0406, pair_json_doc, require_shared

REPO = Path(__file__).resolve().parent.parent
TILE = "Copernicus_DSM_COG_10_N54_00_W165_00_DEM"
CLOSED = "http://127.0.0.1:9"
PAIR = "pdem"


def _snakemake(work: Path, cfg: dict, target: str) -> subprocess.CompletedProcess:
    config = work / "config.yaml"
    config.write_text(yaml.safe_dump(cfg))
    cmd = [
        sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(work),
        "--configfile", str(config), "--workflow-profile", "none", "--cores", "1", target,
    ]  # fmt: skip
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    env.pop("GUNW_BASE_URL", None)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)


@pytest.fixture
def work(tmp_path):
    require_shared()
    work = tmp_path / "work"
    # the pair's check already ran (its pair.json is what the DEM rule reads: the bounds of the staged tile)
    doc = pair_json_doc(
        {S0406: {}, S0313: {}},
        pair=PAIR,
        dem_bounds_wsen=[-165.0, 54.8, -164.8, 55.0],  # a corner of the staged tile (fast to stitch)
        reference_scenes=[S0406],
        secondary_scenes=[S0313],
    )
    pj = work / "results" / PAIR / "pair.json"
    pj.parent.mkdir(parents=True)
    pj.write_text(json.dumps(doc))
    tiles = work / "cache/dem/tiles/glo_30"
    tiles.mkdir(parents=True)
    shutil.copyfile(loopback.GLO30_DIR / f"{TILE}.tif", tiles / f"{TILE}.tif")
    return work


def _config(dem_base_url: str, geoid: str = "", retries: int = 0) -> dict:
    return {
        "pairs": [{"name": PAIR, "reference_scenes": [S0406], "secondary_scenes": [S0313], "frame_id": -1}],
        "results_dir": "results",
        "cache_dir": "cache",
        "local_inputs": {"geoid": geoid},
        "downloads": {"retries": retries, "dem_base_url": dem_base_url},
    }


TARGET = f"cache/dem/pair_{PAIR}/topo_1arcsec.dem.wgs84"


def test_offline_dem_job_needs_a_local_geoid(work, tmp_path):
    # without network and without a local geoid: one clear console line, no traceback, no output
    proc = _snakemake(work, _config(CLOSED), TARGET)
    assert proc.returncode != 0
    # one line per job attempt (the rule has Snakemake retries for long outages), always the same one
    errors = sorted({line for line in proc.stderr.splitlines() if line.startswith("error: ")})
    assert len(errors) == 1, proc.stderr[-3000:]
    assert "error: DEM: geoid: download us_nga_egm2008_1_4326__agisoft.tif" in errors[0]
    assert (
        "aria-geoid.s3.us-west-2.amazonaws.com: no network on this machine, or the service is down"
        in errors[0]
    )
    assert errors[0].endswith("or give a local EGM2008 geoid grid (config local_inputs.geoid)")
    assert "Traceback" not in proc.stderr
    assert not (work / TARGET).exists() and not list((work / "cache").rglob("*.part"))

    # the same offline machine with local_inputs.geoid: the DEM is built
    geoid = loopback.geoid_standin(tmp_path / "local" / "egm.tif")
    proc = _snakemake(work, _config(CLOSED, str(geoid)), TARGET)
    assert proc.returncode == 0, proc.stderr[-3000:]
    xml = (work / (TARGET + ".xml")).read_text()
    assert '<property name="reference">\n        <value>WGS84</value>' in xml
    # 1" square posting, also north of 50 deg where the GLO-30 tile has 1.5" longitude spacing
    arr, x0, dx, y0, dy = dem.read_isce_dem(work / TARGET)
    assert dx == -dy == pytest.approx(1 / 3600) and arr.shape == (721, 721)  # pixel centres on both edges
    assert (x0, y0) == (pytest.approx(-165.0, abs=1e-9), pytest.approx(55.0, abs=1e-9))  # on whole degrees
    # this corner is sea (GLO-30 height 0): the ellipsoidal height is the geoid undulation there, so the geoid
    # given in the config was applied
    assert np.isfinite(arr).all() and 10 < arr.min() and arr.max() < 25
    assert not list((work / "cache/dem/geoid").glob("*.tif"))  # nothing was downloaded


def test_dem_rule_fetches_the_geoid_through_the_download_layer(work, tmp_path):
    lb = loopback.Loopback()
    try:
        served = loopback.install_geoid(lb, tmp_path)
        lb.fault(loopback.GEOID_HOST, loopback.GEOID_PATH, ["reset-mid"])  # retried and resumed
        proc = _snakemake(work, _config(lb.base_url, retries=1), TARGET)
        assert proc.returncode == 0, proc.stderr[-3000:]
        cached = work / "cache/dem/geoid/us_nga_egm2008_1_4326__agisoft.tif"
        assert cached.read_bytes() == served.read_bytes()
        assert lb.count(loopback.GEOID_HOST, loopback.GEOID_PATH) == 2
        assert lb.count(loopback.GLO30_HOST) == 0  # the cached tile was verified, not fetched
        assert (work / TARGET).is_file()
    finally:
        lb.close()
