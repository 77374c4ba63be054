"""job_resources: one definition of per-rule resources, scaling with bursts / resolution, config overrides."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gunw_workflow import resources as jr
from gunw_workflow.topsapp import steps as topsapp_steps

STEP_NAMES = topsapp_steps.STEP_NAMES
STEP_RULES = [f"topsapp_{s}" for s in STEP_NAMES]
COST = {s.name: s.cost for s in topsapp_steps.STEPS}


def test_every_topsapp_step_has_a_cost_and_matches_the_step_table():
    for rule in STEP_RULES:
        step = rule[len("topsapp_") :]
        assert jr.step_of(rule) == step
        assert jr.cost_of(rule) is topsapp_steps.BY_NAME[step].cost  # the step table owns the cost
    assert jr.step_of("topsapp_nope") is None and jr.step_of("check_pair") is None


@pytest.mark.parametrize("rule", STEP_RULES + list(jr.OTHER) + ["some_future_rule"])
def test_resources_are_positive_ints_for_every_rule(rule):
    for bursts in (0, 1, 27, 200):
        for res in (90, 30):
            r = jr.resources_for(rule, bursts, res, {})
            assert set(r) == set(jr.KEYS)
            assert all(isinstance(v, int) and v >= 1 for v in r.values()), r
            assert r["runtime"] % 5 == 0 and r["mem_mb"] % 100 == 0


def test_scales_with_bursts():
    for rule in ("topsapp_topo", "topsapp_ion", "topsapp_fineresamp", "topsapp_geocode", "topsapp_unwrap"):
        small, big = jr.resources_for(rule, 3, 90), jr.resources_for(rule, 27, 90)
        assert big["mem_mb"] > small["mem_mb"], rule
        assert big["runtime"] > small["runtime"], rule
        assert big["disk_mb"] > small["disk_mb"], rule
        assert big["threads"] == small["threads"], "threads are a property of the code, not of the pair"
    # metadata-only steps do not grow
    assert jr.resources_for("topsapp_startup", 3, 90) == jr.resources_for("topsapp_startup", 60, 90)


def test_scales_with_output_resolution_only_where_the_grid_depends_on_it():
    for rule in ("topsapp_mergebursts", "topsapp_filter", "topsapp_unwrap", "topsapp_geocode"):
        r90, r30 = jr.resources_for(rule, 27, 90), jr.resources_for(rule, 27, 30)
        assert r30["runtime"] > r90["runtime"] and r30["mem_mb"] > r90["mem_mb"], rule
    for rule in ("topsapp_topo", "topsapp_fineresamp", "topsapp_ion", "topsapp_burstifg"):
        assert jr.resources_for(rule, 27, 90) == jr.resources_for(rule, 27, 30), rule
    assert jr.res_factor("looks", 30) == pytest.approx(133 / 21)
    assert jr.res_factor("geo", 30) == pytest.approx(9)
    with pytest.raises(ValueError):
        jr.resources_for("topsapp_topo", 27, 60)


def test_reference_frame_matches_the_published_figures():
    """27 bursts at 90 m: HyP3 GUNW 1.8-2.7 h with 4 OpenMP threads and ~16 GB; 100-150 GB of intermediates."""
    rows = {r["rule"][len("topsapp_") :]: r for r in jr.table(27, 90) if r["rule"].startswith("topsapp_")}
    std = [rows[s] for s in jr.standard_jobs()]
    total_h = sum(r["estimate_min"] for r in std) / 60
    assert 1.8 <= total_h <= 2.7
    assert 15000 <= max(r["mem_mb"] for r in std) <= 17000
    assert 100_000 <= sum(r["disk_mb"] for r in std) <= 150_000
    assert rows["topo"]["threads"] == 4 and rows["unwrap"]["threads"] == 1  # OpenMP 4; snaphu single-threaded
    for r in std:  # the limit leaves room over the estimate (timeouts cost a whole re-run)
        assert r["runtime"] >= jr.RUNTIME_SAFETY * r["estimate_min"] - 1e-6


def test_topo_thread_scaling_follows_the_measured_series():
    """topo on 4 bursts: 63 min (1 thread) -> 23 (4) -> 8 (16) -> 4 (64)."""
    t = {n: jr.estimate_minutes("topsapp_topo", 4, 90, n) - COST["topo"].base_min for n in (1, 4, 16, 64)}
    measured = {1: 63, 4: 23, 16: 8, 64: 4}
    for n in (4, 16, 64):
        assert t[n] / t[1] == pytest.approx(measured[n] / measured[1], rel=0.35), n


def test_relative_weights_follow_the_recorded_isce2_run(recorded_dir):
    """Steps whose recorded work (wall time minus ~0.55 s start-up) differs by > 4x keep that order.

    Each step is taken from a variant where it is active: ESD variant (2240-sample bursts) for all but the dense
    offsets steps, which come from the dense variant (540-sample bursts) scaled by the burst-width ratio."""

    def work_of(variant, scale=1.0):
        with open(recorded_dir / variant / "steps.tsv") as f:
            rows = csv.DictReader(f, delimiter="\t")
            return {r["step"]: max(float(r["wall_s"]) - 0.55, 0.0) * scale for r in rows}

    work = work_of("esd")
    dense = work_of("dense", 2240 / 540)
    for s in ("denseoffsets", "filteroffsets", "geocodeoffsets"):
        work[s] = dense[s]
    assert set(work) == set(STEP_NAMES)
    model = {s: COST[s].min_per_burst * COST[s].threads ** COST[s].parallel for s in work}
    checked = 0
    for a in work:
        for b in work:
            if work[a] > 4 * max(work[b], 0.05):
                assert model[a] > model[b], (a, b, work[a], work[b])
                checked += 1
    assert checked > 50
    top = set(sorted(work, key=work.get, reverse=True)[:4])
    assert (
        top
        == set(sorted(model, key=model.get, reverse=True)[:4])
        == {"denseoffsets", "rangecoreg", "ion", "topo"}
    )


def test_override_precedence_default_step_rule():
    over = {
        "default": {"mem_mb": 1234, "threads": 2},
        "topo": {"mem_mb": 7000},
        "topsapp_topo": {"runtime": 99},
    }
    topo = jr.resources_for("topsapp_topo", 27, 90, over)
    assert topo["mem_mb"] == 7000 and topo["runtime"] == 99 and topo["threads"] == 2
    ion = jr.resources_for("topsapp_ion", 27, 90, over)
    assert ion["mem_mb"] == 1234 and ion["threads"] == 2
    assert jr.resources_for("check_pair", 27, 90, over)["mem_mb"] == 1234
    assert jr.resources_for("check_pair", 27, 90, {"check_pair": {"disk_mb": 5}})["disk_mb"] == 5


def test_threads_override_rescales_the_modelled_runtime():
    base = jr.resources_for("topsapp_topo", 27, 90)
    more = jr.resources_for("topsapp_topo", 27, 90, {"topo": {"threads": 16}})
    fewer = jr.resources_for("topsapp_topo", 27, 90, {"topo": {"threads": 1}})
    assert more["threads"] == 16 and fewer["threads"] == 1
    assert more["runtime"] < base["runtime"] < fewer["runtime"]
    # snaphu does not speed up with threads
    un = jr.resources_for("topsapp_unwrap", 27, 90)
    assert jr.resources_for("topsapp_unwrap", 27, 90, {"unwrap": {"threads": 8}})["runtime"] == un["runtime"]


@pytest.mark.parametrize(
    "over",
    [
        {"topo": {"memory": 10}},
        {"topo": {"mem_mb": 0}},
        {"default": {"threads": "4"}},
        {"topo": {"threads": True}},
    ],
)
def test_invalid_overrides_are_rejected(over):
    with pytest.raises(ValueError):
        jr.resources_for("topsapp_topo", 27, 90, over)


def test_standard_jobs_are_the_working_steps_of_the_schema_defaults():
    std = jr.standard_jobs()
    assert "ion" in std and "topo" in std
    assert not {"esd", "denseoffsets", "geocodeoffsets", "subsetoverlaps", "startup", "verifyDEM"} & set(std)
    assert len(std) == 10


def test_slurm_groups_come_from_the_step_table_and_chain_neighbours():
    groups = topsapp_steps.slurm_groups()
    ion_jobs = [f"topsapp_{name}" for name in topsapp_steps.ION_SUBJOB]  # the rules of the ion step
    assert "topsapp_topo" not in groups and not set(ion_jobs) & set(groups)  # the heaviest steps run alone
    order = [g for s in STEP_NAMES if (g := groups.get(f"topsapp_{s}"))]
    # each group is one run of consecutive steps (a group job never waits on another group)
    assert [g for i, g in enumerate(order) if i == 0 or order[i - 1] != g] == list(dict.fromkeys(order))
    profile = (Path(__file__).parent.parent / "profiles" / "slurm" / "config.v8+.yaml").read_text()
    assert not any(f"topsapp_{s}:" in profile for s in STEP_NAMES)  # no step names typed into the profile


def test_unknown_override_keys_flags_typos():
    rules = ["all", "check_pair"] + STEP_RULES
    assert (
        jr.unknown_override_keys({"topo": {}, "topsapp_ion": {}, "default": {}, "check_pair": {}}, rules)
        == []
    )
    assert jr.unknown_override_keys({"topsapp_topoo": {}, "unwarp": {}}, rules) == ["topsapp_topoo", "unwarp"]


def test_cli_prints_table_and_json(capsys):
    assert jr.main(["--bursts", "9", "--resolution", "30"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split("\t")[:5] == ["rule", "threads", "mem_mb", "runtime", "disk_mb"]
    assert len(out) == 1 + len(STEP_NAMES) + len(jr.OTHER)
    assert jr.main(["--rule", "topsapp_topo", "--overrides", '{"topo": {"threads": 8}}']) == 0
    assert json.loads(capsys.readouterr().out)["threads"] == 8


def test_every_workflow_rule_has_its_own_cost(tmp_path):
    """A new rule must get an entry in job_resources (else it silently gets FALLBACK on a cluster)."""
    repo = Path(__file__).resolve().parent.parent
    demo = repo / "config" / "demo.yaml"
    if not demo.exists():
        pytest.skip("config/demo.yaml not there yet")
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--list-rules",
            "-s",
            str(repo / "Snakefile"),
            "--configfile",
            str(demo),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    rules = [r.split()[0] for r in res.stdout.splitlines() if r.strip() and not r.startswith(" ")]
    assert "topsapp_topo" in rules
    missing = [r for r in rules if jr.step_of(r) is None and r not in jr.OTHER]
    assert not missing, f"add these rules to job_resources.OTHER: {missing}"
    assert jr.unknown_override_keys({"topo": {}, "check_pair": {}}, rules) == []
