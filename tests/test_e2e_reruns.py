"""End-to-end: the real Snakemake DAG through the ISCE2 test double, from local (generated) inputs.

1. a copy of the session's double demo (config/demo.yaml, finished; mtimes and .snakemake metadata kept);
2. change goldstein_filter_power: `snakemake -n` reasons and the actual re-run show only filter -> geocode (and the
   render of topsApp.xml) re-run, nothing upstream;
3. kill a run mid-way; `--rerun-incomplete` finishes it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from conftest import DOUBLE_BIN, REPO
from e2e import double_env, executed_rules, planned_jobs, run_snakemake, snakemake_cmd

pytestmark = pytest.mark.e2e

DEMO = REPO / "config" / "demo.yaml"
DEMO_RUN = [DEMO, REPO / "config" / "test" / "demo_30m.yaml"]  # the session's demo_double
# the demo's jobs (one per step that does work; the idle steps run inside them)
UPSTREAM = [
    "topsapp_preprocess",
    "topsapp_topo",
    "topsapp_fineoffsets",
    "topsapp_fineresamp",
    "topsapp_ion",
    "topsapp_burstifg",
    "topsapp_mergebursts",
]
FROM_FILTER = ["topsapp_filter", "topsapp_unwrap", "topsapp_geocode"]
STEPS_OF = {"topsapp_unwrap": ["unwrap", "unwrap2stage"], "topsapp_preprocess": ["startup", "preprocess"]}


def _steps(rules: list[str]) -> list[str]:
    return [s for r in rules for s in STEPS_OF.get(r, [r.removeprefix("topsapp_")])]


def _pickles(pair_dir: Path) -> dict[str, float]:
    return {p.name: p.stat().st_mtime for p in (pair_dir / "topsapp" / "PICKLE").iterdir()}


@pytest.fixture(scope="module")
def geocoded(demo_double, tmp_path_factory):
    """A copy of the session's finished demo: these tests change it."""
    work = tmp_path_factory.mktemp("e2e") / "work"
    shutil.copytree(demo_double.workdir, work, symlinks=True)
    return work, work / demo_double.pair_dir.relative_to(demo_double.workdir)


def test_first_run_reaches_geocode_with_real_outputs(geocoded):
    work, pair_dir = geocoded
    merged = pair_dir / "topsapp" / "merged"
    for f in ("filt_topophase.unw.geo", "phsig.cor.geo", "topophase.cor.geo", "los.rdr.geo"):
        assert (merged / f).stat().st_size > 0 and (merged / (f + ".xml")).exists()
    # default keep_intermediates: false -> burst interferograms were removed after mergebursts
    assert not list((pair_dir / "topsapp" / "fine_interferogram").glob("IW*/burst_*.int"))
    assert (pair_dir / "topsapp" / "fine_interferogram" / "IW1.xml").exists()
    proc = run_snakemake(work, DEMO_RUN, "-n", "--until", "topsapp_geocode")
    assert planned_jobs(proc.stdout) == {}, proc.stdout


def test_filter_power_change_reruns_only_filter_and_later(geocoded):
    work, pair_dir = geocoded
    before = _pickles(pair_dir)
    change = {"goldstein_filter_power": 0.3}
    plan = run_snakemake(work, DEMO_RUN, "-n", "--until", "topsapp_geocode", config=change)
    jobs = planned_jobs(plan.stdout)
    assert set(jobs) == set(FROM_FILTER), jobs
    assert "Params have changed" in jobs["topsapp_filter"] and "filter strength" in jobs["topsapp_filter"]
    for rule in FROM_FILTER[1:]:
        assert "Input files updated by another job" in jobs[rule], (rule, jobs[rule])
    done = run_snakemake(work, DEMO_RUN, "--until", "topsapp_geocode", config=change)
    assert set(executed_rules(done.stdout + done.stderr)) == set(FROM_FILTER)
    after = _pickles(pair_dir)
    for step in _steps(UPSTREAM):
        assert after[step] == before[step], f"{step} re-ran"
    for step in _steps(FROM_FILTER):
        assert after[step] > before[step], f"{step} did not re-run"
    assert (
        '<property name="filter strength">0.3</property>'
        in (pair_dir / "topsapp" / "topsApp.xml").read_text()
    )


def _slow_unwrap_shim(bin_dir: Path, started: Path) -> Path:
    """A topsApp.py in front of the double that makes `unwrap` take long enough to be killed mid-step."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    shim = bin_dir / "topsApp.py"
    shim.write_text(
        "#!/usr/bin/env python3\nimport os, sys, time\n"
        "if '--start=unwrap' in sys.argv:\n"
        f"    open({str(started)!r}, 'w').close()\n    time.sleep(120)\n"
        f"os.execv({str(DOUBLE_BIN / 'topsApp.py')!r}, [sys.argv[0]] + sys.argv[1:])\n"
    )
    shim.chmod(0o755)
    return bin_dir


def test_killed_run_is_finished_by_rerun_incomplete(geocoded):
    work, pair_dir = geocoded
    change = {"goldstein_filter_power": 0.6}
    started = work / "unwrap.started"
    shim_dir = _slow_unwrap_shim(work / "shim", started)
    proc = subprocess.Popen(
        snakemake_cmd(work, DEMO_RUN, "--until", "topsapp_geocode", config=change),
        env=double_env([shim_dir]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 300
    while not started.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert started.exists(), "the unwrap job never started"
    os.killpg(proc.pid, signal.SIGKILL)  # snakemake and its running job, like a node failure
    proc.wait()
    # a killed Snakemake leaves its lock behind; `--unlock` is what the user runs (Snakemake says so)
    locked = run_snakemake(work, DEMO_RUN, "-n", "--until", "topsapp_geocode", config=change)
    assert "cannot be locked" in locked.stdout + locked.stderr
    run_snakemake(work, DEMO_RUN, "--unlock", config=change)
    # the interrupted step and everything after it are planned again (the step runner invalidated the later
    # steps when unwrap started, so no stale geocode result can pass as up to date), nothing before it
    plan = planned_jobs(
        run_snakemake(work, DEMO_RUN, "-n", "--until", "topsapp_geocode", config=change).stdout
    )
    assert {"topsapp_unwrap", "topsapp_geocode"} <= set(plan), plan
    assert not set(plan) & set(UPSTREAM + ["topsapp_filter"]), plan
    done = run_snakemake(work, DEMO_RUN, "--until", "topsapp_geocode", "--rerun-incomplete", config=change)
    ran = executed_rules(done.stdout + done.stderr)
    assert "topsapp_unwrap" in ran and "topsapp_geocode" in ran
    assert not set(ran) & set(UPSTREAM + ["topsapp_filter"])
    final = run_snakemake(work, DEMO_RUN, "-n", "--until", "topsapp_geocode", config=change)
    assert planned_jobs(final.stdout) == {}, final.stdout


# the merged interferogram changes grid: the ionosphere is interpolated onto it again (docs/ionosphere.md)
FROM_MERGE = ["topsapp_mergebursts", "ion_merge", "ion_ramps_merge", *FROM_FILTER]


def _demo_variant(path: Path, keep: bool, range_looks: int = 8) -> Path:
    """A config file on top of the demo's: another range looks (an output-resolution change), keep_intermediates."""
    path.write_text(yaml.safe_dump({"keep_intermediates": keep, "topsapp": {"range_looks": range_looks}}))
    return path


def test_looks_change_without_kept_intermediates_recomputes_the_deleted_groups(geocoded):
    """keep_intermediates off: burst products are gone, so their producers come back (from topo on)."""
    work, _ = geocoded
    variant = _demo_variant(work / "looks4.yaml", keep=False, range_looks=4)
    plan = planned_jobs(run_snakemake(work, [*DEMO_RUN, variant], "-n", "--until", "topsapp_geocode").stdout)
    assert (
        "Params have changed" in plan["topsapp_mergebursts"] and "range looks" in plan["topsapp_mergebursts"]
    )
    assert {"topsapp_topo", "topsapp_fineresamp", "topsapp_burstifg"} <= set(plan), plan
    assert "topsapp_preprocess" not in plan


def test_looks_change_with_kept_intermediates_reruns_only_from_mergebursts(tmp_path):
    run_snakemake(
        tmp_path, [DEMO, _demo_variant(tmp_path / "keep.yaml", keep=True)], "--until", "topsapp_geocode"
    )
    (pair_dir,) = [p for p in (tmp_path / "demo" / "results").iterdir() if (p / "topsapp").is_dir()]
    assert list((pair_dir / "topsapp" / "fine_interferogram").glob("IW*/burst_*.int"))
    before = _pickles(pair_dir)
    variant = _demo_variant(tmp_path / "keep_looks4.yaml", keep=True, range_looks=4)
    plan = planned_jobs(run_snakemake(tmp_path, [DEMO, variant], "-n", "--until", "topsapp_geocode").stdout)
    assert set(plan) == set(FROM_MERGE), plan
    done = run_snakemake(tmp_path, [DEMO, variant], "--until", "topsapp_geocode")
    assert set(executed_rules(done.stdout + done.stderr)) == set(FROM_MERGE)
    after = _pickles(pair_dir)
    assert all(
        after[s] == before[s] for s in ("startup", "preprocess", "topo", "fineresamp", "ion", "burstifg")
    )
    assert '<property name="range looks">4</property>' in (pair_dir / "topsapp" / "topsApp.xml").read_text()


def test_a_second_run_on_the_same_results_dir_is_refused(tmp_path):
    """Two runs from different working directories on one results_dir: the second stops before any job, and
    the running pair's files are not touched."""
    results = tmp_path / "shared-results"
    started = tmp_path / "unwrap.started"
    shim_dir = _slow_unwrap_shim(tmp_path / "shim", started)
    first = subprocess.Popen(
        snakemake_cmd(tmp_path / "a", DEMO, "--until", "topsapp_unwrap", config={"results_dir": results}),
        env=double_env([shim_dir]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 300
        while not started.exists() and time.time() < deadline and first.poll() is None:
            time.sleep(0.1)
        assert started.exists(), "the first run never reached unwrap"
        (pair_json,) = results.glob("*/pair.json")
        before = pair_json.stat().st_mtime_ns
        second = run_snakemake(
            tmp_path / "b", DEMO, config={"results_dir": results}, check=False, timeout=300
        )
        assert second.returncode != 0
        assert (
            "another Snakemake run is writing into" in second.stderr and str(tmp_path / "a") in second.stderr
        )
        assert pair_json.stat().st_mtime_ns == before
        assert not list((tmp_path / "b").glob("demo/inputs/slc/*.zip"))  # refused before any job ran
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
