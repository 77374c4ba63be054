"""Frame + dates pairs in the real Snakemake DAG: the plan before and after the resolve_pair checkpoint, one
download per scene whatever the number of pairs, and a bad date failing in resolve_pair before any download."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import loopback
from frame_dates_support import GeoCmr
from inputs_support import S0325, S0406, S0418, Services, edl_env

REPO = Path(__file__).resolve().parent.parent
FRAME = 5290  # track 35 ascending; one recorded slice per date covers 71 % of it
A, B = f"F{FRAME}_20150406_20150325", f"F{FRAME}_20150418_20150325"


@pytest.fixture
def services(tmp_path):
    svc = Services(
        tmp_path,
        served_scenes=(S0325, S0406, S0418),
        synthetic_orbit_days=("20150325", "20150406", "20150418"),
    )
    GeoCmr(svc.lb, svc.records)  # geo searches as well as name searches, over the same (md5-patched) records
    svc.lb.routes.insert(0, svc.lb.routes.pop())  # answer before tests/loopback.py's name-only CMR route
    yield svc
    svc.close()


def _config(tmp_path: Path, services, pairs: list[dict]) -> Path:
    cfg = {
        "pairs": pairs,
        "min_frame_coverage": 0.5,  # the recorded single slices cover 71 % of the frame
        "download_mode": "slc",  # whole SLCs: what this test counts (burst mode: tests/test_bursts_*.py)
        "results_dir": "results",
        "cache_dir": "cache",
        "downloads": {
            "retries": 1,
            "asf_search_url": services.url,
            "slc_base_url": services.url,
            "orbit_base_url": services.url,
            "dem_base_url": services.url,
        },
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def _run(tmp_path: Path, config: Path, *args: str) -> subprocess.CompletedProcess:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    env = {**os.environ, **edl_env(tmp_path), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    cmd = [
        sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(work),
        "--configfile", str(config), "--workflow-profile", "none", "--cores", "2", *args,
        "--resources", "downloads=4",
    ]  # fmt: skip
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def job_counts(text: str) -> dict[str, int]:
    """The 'Job stats' table of a Snakemake plan."""
    table = text.split("Job stats:", 1)[1].split("total", 1)[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}


def test_plan_before_and_after_the_checkpoint_and_shared_downloads(services, tmp_path):
    pairs = [
        {"frame_id": FRAME, "reference_date": "2015-04-06", "secondary_date": "2015-03-25"},
        {"frame_id": FRAME, "reference_date": "2015-04-18", "secondary_date": "2015-03-25"},
        {"name": "ids", "frame_id": -1, "reference_scenes": [S0418], "secondary_scenes": [S0406]},
    ]
    config = _config(tmp_path, services, pairs)
    before = _run(tmp_path, config, "-n")
    assert before.returncode == 0, before.stderr[-3000:]
    counts = job_counts(before.stdout)
    # two checkpoints; the date pairs' scenes are not known yet: only the id-given pair's two scenes are planned
    assert counts["resolve_pair"] == 2 and counts["check_pair"] == 3
    assert counts["download_slc"] == 2 and counts["download_orbit"] == 2 and counts["stage_scenes"] == 3
    assert "DAG of jobs will be updated after completion." in before.stdout
    assert services.lb.log == []  # planning contacts nobody

    resolved = _run(tmp_path, config, f"results/{A}/scenes.json", f"results/{B}/scenes.json")
    assert resolved.returncode == 0, resolved.stderr[-3000:]
    assert services.lb.count(loopback.DATAPOOL_HOST) == 0
    after = _run(tmp_path, config, "-n")
    assert after.returncode == 0, after.stderr[-3000:]
    counts = job_counts(after.stdout)
    # three dates, three scenes: one download each, although five pair/date uses share them
    assert "resolve_pair" not in counts and counts["download_slc"] == 3 and counts["download_orbit"] == 3

    scenes = [S0325, S0406, S0418]
    targets = [f"cache/slc/{s}.zip" for s in scenes] + [f"cache/orbits/{s}.EOF" for s in scenes]
    done = _run(tmp_path, config, *targets)
    assert done.returncode == 0, done.stderr[-5000:]
    for s in scenes:
        assert services.lb.count(loopback.DATAPOOL_HOST, s) == 1
        assert (tmp_path / "work/cache/slc" / f"{s}.zip").stat().st_size == services.size
    # each download waited for the check of the first configured pair that needs it (A, A, B)
    for name in (A, B):
        doc = yaml.safe_load((tmp_path / f"work/results/{name}/pair.json").read_text())
        assert doc["resolution"]["reference"]["search"]["relativeOrbit"] == [35]
    assert not (tmp_path / "work/results/ids/pair.json").exists()


def test_bad_date_fails_in_resolve_pair_before_any_download(services, tmp_path):
    pairs = [{"frame_id": FRAME, "reference_date": "2015-04-07", "secondary_date": "2015-03-25"}]
    proc = _run(tmp_path, _config(tmp_path, services, pairs), "--keep-going")
    assert proc.returncode != 0
    line = (
        f"error: pair F{FRAME}_20150407_20150325: reference_date 2015-04-07: no Sentinel-1 IW SLC acquisition on "
        "track 35 ASCENDING that day"
    )
    assert line in proc.stderr, proc.stderr[-3000:]
    assert "Error in rule resolve_pair" in proc.stderr
    assert services.lb.count(loopback.DATAPOOL_HOST) == 0 and services.lb.count(loopback.ORBIT_HOST) == 0
    assert not list((tmp_path / "work").glob("results/*/scenes.json"))
