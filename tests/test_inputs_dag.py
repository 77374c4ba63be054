"""The real Snakemake DAG for the input targets: two pairs sharing a date fetch that date once; no secret leaks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import loopback
from inputs_support import EDL_PASS, EDL_USER, S0313, S0325, S0406, Services, edl_env

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def services(tmp_path):
    svc = Services(tmp_path, synthetic_orbit_days=("20150313", "20150325", "20150406"))
    yield svc
    svc.close()


def _run(workdir: Path, config: Path, targets: list[str], env: dict) -> subprocess.CompletedProcess:
    cmd = [
        sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(workdir),
        "--configfile", str(config), "--workflow-profile", "none", "--cores", "2",
        "--resources", "downloads=4", "--printshellcmds", *targets,
    ]  # fmt: skip
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)


def test_shared_date_downloaded_once_and_no_secret_leaks(services, tmp_path):
    cfg = {
        # pair A as the top-level pair (demo.smk reads the top-level scene lists whenever `demo` is filled in
        # by the schema defaults), pair B in `pairs:`
        "reference_scenes": [S0406],
        "secondary_scenes": [S0325],
        "frame_id": -1,
        "pairs": [{"name": "pB", "reference_scenes": [S0406], "secondary_scenes": [S0313], "frame_id": -1}],
        "results_dir": "results",
        "cache_dir": "cache",
        "downloads": {
            "retries": 2,
            "asf_search_url": services.url,
            "slc_base_url": services.url,
            "orbit_base_url": services.url,
            "dem_base_url": services.url,
        },
    }
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(cfg))
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, **edl_env(tmp_path), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    env.pop("GUNW_BASE_URL", None)
    services.lb.fault(loopback.DATAPOOL_HOST, S0406, ["500"])  # one transient failure on the shared scene
    scenes = [S0406, S0325, S0313]
    targets = [f"cache/slc/{s}.zip" for s in scenes] + [f"cache/orbits/{s}.EOF" for s in scenes]
    proc = _run(work, config, targets, env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    for s in scenes:
        assert (work / "cache/slc" / f"{s}.zip").stat().st_size == services.size
        assert (work / "cache/orbits" / f"{s}.EOF.json").is_file()
    # the shared reference date: one successful SLC transfer (plus the injected 500), one orbit file download
    assert services.lb.count(loopback.DATAPOOL_HOST, S0406) == 2
    assert services.lb.count(loopback.DATAPOOL_HOST, S0325) == 1
    assert services.lb.count(loopback.DATAPOOL_HOST, S0313) == 1
    eof_gets = [p for p in services.lb.paths(loopback.ORBIT_HOST) if p.endswith(".EOF")]
    assert len(eof_gets) == 3 and all(services.lb.paths(loopback.ORBIT_HOST)[p] == 1 for p in eof_gets)
    assert services.lb.count(loopback.CMR_HOST) == 2  # one search per pair check
    assert len(list(work.glob("results/*/pair.json"))) == 2 and (work / "results/pB/pair.json").is_file()

    # a second run has nothing to do and contacts nobody
    services.lb.log.clear()
    again = _run(work, config, targets, env)
    assert again.returncode == 0 and services.lb.log == []

    # credentials never appear in logs, outputs, config dumps or Snakemake's own records
    leaks = []
    for path in work.rglob("*"):
        if path.is_file() and path.suffix not in (".zip",):
            data = path.read_bytes()
            if EDL_PASS.encode() in data or EDL_USER.encode() in data:
                leaks.append(str(path.relative_to(work)))
    for text in (proc.stdout, proc.stderr, again.stdout, again.stderr):
        assert EDL_PASS not in text and EDL_USER not in text
    assert leaks == []


def test_dry_run_reports_offline_errors_without_network(services, tmp_path):
    cfg = {
        "reference_scenes": [S0325],
        "secondary_scenes": [S0406],
        "frame_id": 99999,
        "downloads": {"asf_search_url": services.url},
    }
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(cfg))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(tmp_path), "-n"]
    cmd += ["--configfile", str(config), "--workflow-profile", "none"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "reference is not after secondary" in out and "frame_id 99999 does not exist" in out
    assert services.lb.log == []
