"""`snakemake -n` on the default config (frame 25502) with no network and no credentials shows the whole plan."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import REPO
from e2e import planned_jobs
from gunw_workflow.config import defaults
from gunw_workflow.topsapp import steps as topsapp_steps
from gunw_workflow.topsapp.topsapp_xml import topsapp_properties


def _dry_run(tmp_path, *args: str) -> subprocess.CompletedProcess:
    """`snakemake -n` on the default config, offline and without credentials."""
    env = dict(os.environ)
    env["HOME"] = str(tmp_path)  # no ~/.netrc
    for var in ("EARTHDATA_USERNAME", "EARTHDATA_PASSWORD"):
        env.pop(var, None)
    env["http_proxy"] = env["https_proxy"] = "http://127.0.0.1:9"  # any network use would fail
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "-n",
        "--directory",
        str(tmp_path),
        "--snakefile",
        str(REPO / "Snakefile"),
    ]
    return subprocess.run([*cmd, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def test_default_config_dry_run_lists_the_whole_plan_offline(tmp_path):
    proc = _dry_run(tmp_path)
    assert proc.returncode == 0, proc.stderr[-4000:]
    jobs = planned_jobs(proc.stdout)
    # one job per step that does work (ionosphere on; ESD, dense offsets off): 10 of the 24 steps, the ion step
    # in two chained processes (subband, rawion) and the burst-ramp side job (docs/ionosphere.md)
    chain = topsapp_steps.all_jobs(topsapp_properties(defaults()))
    assert {r for r in jobs if r.startswith("topsapp_")} == {f"topsapp_{j.name}" for j in chain}
    assert len(chain) == 12
    assert {"ion_bridge", "ion_compute", "ion_filter", "ion_merge", "ion_ramps_merge"} <= set(jobs)
    for rule in ("check_pair", "burst_safe", "download_orbit", "download_dem", "stage_scenes", "stage_dem"):
        assert rule in jobs
    for rule in ("package_gunw", "validate_gunw", "all"):
        assert rule in jobs
    assert "F25502_20220212_20220131" in proc.stdout
    # a frame pair without local SLCs is in burst mode (download_mode auto): one burst2safe SAFE per date
    # instead of 4 SLC zips; 4 orbits (one per scene), one DEM for the frame
    stats = _job_counts(proc.stdout)
    assert stats["burst_safe"] == 2 and "download_slc" not in stats
    assert stats["download_orbit"] == 4 and stats["download_dem"] == 1


def _job_counts(stdout: str) -> dict[str, int]:
    return {
        line.split()[0]: int(line.split()[1])
        for line in stdout.splitlines()
        if line[:1].isalpha() and len(line.split()) == 2 and line.split()[1].isdigit()
    }


def test_slc_mode_plans_the_four_slc_downloads(tmp_path):
    """download_mode slc is today's behaviour for a frame pair: one SLC zip per scene, no burst SAFE."""
    proc = _dry_run(tmp_path, "--config", "download_mode=slc")
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats = _job_counts(proc.stdout)
    assert stats["download_slc"] == 4 and "burst_safe" not in stats and stats["download_orbit"] == 4


def test_burst_mode_without_a_frame_fails_at_planning(tmp_path):
    proc = _dry_run(tmp_path, "--config", "download_mode=burst", "frame_id=-1")
    assert proc.returncode != 0
    assert "download_mode burst needs a frame" in proc.stdout + proc.stderr


def test_a_coverage_threshold_is_a_gate_checked_at_planning(tmp_path):
    """A checked pair recorded its frame coverage: a threshold it meets re-runs nothing (not even the check);
    one it does not meet fails the plan with one line, before any job."""
    pair_json = tmp_path / "results" / "F25502_20220212_20220131" / "pair.json"
    pair_json.parent.mkdir(parents=True)
    pair_json.write_text(json.dumps({"frame_coverage": 0.85}))
    default = ("--configfile", str(REPO / "config" / "config.yaml"))
    met = _dry_run(tmp_path, *default, "--config", "min_frame_coverage=0.8")
    assert met.returncode == 0, met.stderr[-3000:]
    assert "check_pair" not in planned_jobs(met.stdout)
    unmet = _dry_run(tmp_path, *default, "--config", "min_frame_coverage=0.9")
    assert unmet.returncode != 0
    assert (
        "F25502_20220212_20220131: covers 85.0% of frame 25502, below min_frame_coverage 0.9"
        in unmet.stdout + unmet.stderr
    )
