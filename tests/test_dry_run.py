"""`snakemake -n` on the default config (frame 25502) with no network and no credentials shows the whole plan."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO
from e2e import planned_jobs
from gunw_workflow.config import defaults
from gunw_workflow.topsapp import steps as topsapp_steps
from gunw_workflow.topsapp.topsapp_xml import topsapp_properties


def test_default_config_dry_run_lists_the_whole_plan_offline(tmp_path):
    env = dict(os.environ)
    env["HOME"] = str(tmp_path)  # no ~/.netrc
    for var in ("EARTHDATA_USERNAME", "EARTHDATA_PASSWORD"):
        env.pop(var, None)
    env["http_proxy"] = env["https_proxy"] = "http://127.0.0.1:9"  # any network use would fail
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "-n",
            "--directory",
            str(tmp_path),
            "--snakefile",
            str(REPO / "Snakefile"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    jobs = planned_jobs(proc.stdout)
    # one job per step that does work (ionosphere on; ESD, dense offsets off): 10 of the 24 steps
    chain = topsapp_steps.jobs(topsapp_properties(defaults()))
    assert {r for r in jobs if r.startswith("topsapp_")} == {f"topsapp_{j.name}" for j in chain}
    assert len(chain) == 10
    for rule in ("check_pair", "download_slc", "download_orbit", "download_dem", "stage_scenes", "stage_dem"):
        assert rule in jobs
    for rule in ("package_gunw", "validate_gunw", "all"):
        assert rule in jobs
    assert "F25502_20220212_20220131" in proc.stdout
    # 4 SLCs and 4 orbits (one per scene), one DEM for the frame
    stats = {
        line.split()[0]: int(line.split()[1])
        for line in proc.stdout.splitlines()
        if line[:1].isalpha() and len(line.split()) == 2 and line.split()[1].isdigit()
    }
    assert stats["download_slc"] == 4 and stats["download_orbit"] == 4 and stats["download_dem"] == 1
