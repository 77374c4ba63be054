"""The step table against the real ISCE2 2.6.5 recording (../shared/isce2-recorded)."""

from __future__ import annotations

import csv
import fnmatch
import xml.etree.ElementTree as ET

import pytest

from gunw_workflow.config import load_config
from gunw_workflow.layout import pickle_files
from gunw_workflow.topsapp import steps as ts
from gunw_workflow.topsapp import topsapp_xml as tx

VARIANTS = ("standard", "esd", "dense")


def _recorded_settings(variant_dir) -> dict:
    """Settings as the recorded run had them: the recorded topsApp.xml values over our standard settings."""
    cfg = load_config()
    cfg["topsapp"]["swaths"] = [1]
    settings = tx.topsapp_properties(cfg)
    root = ET.parse(variant_dir / "topsApp.xml").getroot()
    canon = {k.replace(" ", "").lower(): k for k in list(tx.KNOWN_PROPERTIES) + ["polarization"]}
    for prop in root.find("component").findall("property"):
        name = canon[prop.get("name").replace(" ", "").lower()]
        text = prop.text.strip()
        try:
            value = eval(text, {}, {})  # ISCE's own parsing rule (literal values only here)
        except Exception:
            value = text
        settings[name] = value
    return settings


def _created(variant_dir) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    with open(variant_dir / "manifest.tsv") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["change"] in ("created", "modified"):
                out.setdefault(row["step"], set()).add(row["path"])
    return out


def test_table_has_the_24_steps_in_order():
    assert len(ts.STEPS) == 24
    assert ts.STEP_NAMES[0] == "startup" and ts.STEP_NAMES[-1] == "geocodeoffsets"
    assert ts.previous("preprocess") == "startup" and ts.previous("startup") is None


@pytest.mark.parametrize("variant", VARIANTS)
def test_declared_outputs_are_written_by_their_step(recorded_dir, variant):
    vdir = recorded_dir / variant
    settings = _recorded_settings(vdir)
    created = _created(vdir)
    for step in ts.STEPS:
        files = set(pickle_files(step.name) + step.declared(settings))
        missing = files - created.get(step.name, set())
        assert not missing, (
            f"{variant}/{step.name} declares files the real step did not write: {sorted(missing)}"
        )


@pytest.mark.parametrize("variant", VARIANTS)
def test_checks_match_real_files_and_inactive_steps_write_only_pickle(recorded_dir, variant):
    vdir = recorded_dir / variant
    settings = _recorded_settings(vdir)
    created = _created(vdir)
    for step in ts.STEPS:
        written = created.get(step.name, set()) - set(ts.SHARED_FILES) - set(pickle_files(step.name))
        written = {f for f in written if f not in ("topsinsar.log",)}
        if step.active(settings):
            for pattern in step.checks(settings):
                assert fnmatch.filter(written, pattern), f"{variant}/{step.name}: {pattern} matches nothing"
        else:
            assert not written, f"{variant}/{step.name} is marked inactive but wrote {sorted(written)[:5]}"


@pytest.mark.parametrize("variant", VARIANTS)
def test_shared_files_are_never_declared(recorded_dir, variant):
    settings = _recorded_settings(recorded_dir / variant)
    for step in ts.STEPS:
        assert not set(step.declared(settings)) & set(ts.SHARED_FILES), step.name


@pytest.mark.parametrize("variant", VARIANTS)
def test_heavy_groups_match_what_their_producer_writes(recorded_dir, variant):
    vdir = recorded_dir / variant
    settings = _recorded_settings(vdir)
    created = _created(vdir)
    for producer, last, group in ts.heavy_handoffs(settings):
        assert ts.STEP_NAMES.index(last) >= ts.STEP_NAMES.index(producer)
        for pattern in group.patterns:
            assert fnmatch.filter(created.get(producer, set()), pattern), f"{producer}: {pattern}"
        # kept products are never heavy: packaging reads them after the last step
        for kept in ("merged/filt_topophase.unw.geo", "fine_coreg/IW1.xml", "fine_interferogram/IW1.xml"):
            assert not any(fnmatch.fnmatch(kept, p) for p in group.patterns)


def test_dense_pre_clean_covers_the_materialised_slcs(recorded_dir):
    created = _created(recorded_dir / "dense")
    materialised = {f for f in created["denseoffsets"] if ".slc" in f}
    assert materialised and materialised <= set(ts.BY_NAME["denseoffsets"].pre_clean)


def test_every_rendered_setting_invalidates_some_step():
    """A config change must never be silently ignored: each property belongs to the step it first affects."""
    cfg = load_config()
    cfg["esd_coherence_threshold"] = 0.7
    claimed = {k for step in ts.STEPS for k in step.invalidated_by}
    settings = tx.topsapp_properties(cfg)
    # constant properties we always write the same way are still claimed (a future key could expose them)
    assert set(settings) <= claimed, sorted(set(settings) - claimed)
    assert claimed <= tx.KNOWN_PROPERTIES | set(tx.COMPONENT_LEVEL), sorted(claimed - tx.KNOWN_PROPERTIES)


def test_filter_power_and_resolution_invalidate_the_documented_first_steps():
    cfg = load_config()
    base = tx.topsapp_properties(cfg)

    def changed_steps(**overrides):
        new = tx.topsapp_properties({**cfg, **overrides})
        return [s.name for s in ts.STEPS if ts.step_params(s.name, base) != ts.step_params(s.name, new)]

    assert changed_steps(goldstein_filter_power=0.3) == ["filter"]
    assert changed_steps(output_resolution=30) == ["mergebursts"]
    assert changed_steps(estimate_ionosphere_delay=False) == ["ion", "geocode"]
    assert changed_steps(esd_coherence_threshold=0.8) == ["subsetoverlaps", "prepesd", "esd"]
    assert changed_steps(dense_offsets=True) == ["denseoffsets"]


def test_the_double_and_the_table_name_the_same_steps_in_order():
    """The ISCE2 double is an independent imitation of topsApp; its step list must equal our table's."""
    import sys

    from conftest import REPO

    sys.path.insert(0, str(REPO / "tests" / "isce2_double"))
    import isce2_double.steps as double_steps

    assert tuple(double_steps.STEP_NAMES) == ts.STEP_NAMES


def _props(**overrides) -> dict:
    return tx.topsapp_properties({**load_config(), **overrides})


def test_jobs_cut_the_chain_into_one_working_step_each():
    for settings in (_props(), _props(esd_coherence_threshold=0.8, dense_offsets=True)):
        chain = ts.jobs(settings)
        # every step once, in order; the ion step runs in one process per group of ionosphere sub-steps
        steps = [s for j in chain for s in j.steps]
        assert [s for i, s in enumerate(steps) if s != "ion" or steps[i - 1] != "ion"] == list(ts.STEP_NAMES)
        assert steps.count("ion") == len([j for j in ts.ION_SUBJOBS if not j.side])
        for job in chain:
            if job.ion is None:
                assert [s for s in job.steps if ts.BY_NAME[s].works(settings)] == [job.name]
            else:
                assert [s for s in job.steps if ts.BY_NAME[s].works(settings)] == ["ion"]
    names = [j.name for j in ts.jobs(_props())]
    assert names == [
        "preprocess", "topo", "fineoffsets", "fineresamp", "ion_subband", "ion_rawion", "burstifg",
        "mergebursts", "filter", "unwrap", "geocode",
    ]  # fmt: skip
    # the burst-ramp sub-steps run beside the chain (their PICKLE goes elsewhere): a filter change re-runs them
    # and geocode, never burstifg or mergebursts
    assert [j.name for j in ts.side_jobs(_props())] == ["ion_ramps"]
    assert ts.side_jobs(_props(estimate_ionosphere_delay=False)) == ()
    # each ion process renders its own range of ISCE's ionosphere sub-steps, in runIon's order, none twice
    ranges = [(j.ion.first, j.ion.last) for j in ts.all_jobs(_props()) if j.ion]
    spans = [(ts.ION_SUBSTEPS.index(a), ts.ION_SUBSTEPS.index(b)) for a, b in ranges]
    assert all(a <= b for a, b in spans) and all(p[1] < n[0] for p, n in zip(spans, spans[1:], strict=False))
    ramps = ts.job_named("ion_ramps", _props())
    assert ts.job_overrides(ramps)["consider burst properties in ionosphere computation"] is True
    assert ts.job_overrides(ramps)["pickle dump directory"] == ts.SIDE_PICKLE_DIR
    # only the last chained ion process declares PICKLE/ion (every one of them rewrites it)
    assert [j.name for j in ts.all_jobs(_props()) if "ion" in ts.job_pickle_steps(j, _props())] == [
        "ion_rawion"
    ]
    # the steps after ion run without ionosphere: the project's ion_merge makes merged/topophase.ion
    assert ts.job_overrides(ts.job_named("mergebursts", _props())) == {"do ionosphere correction": False}
    assert ts.job_overrides(ts.job_named("fineresamp", _props())) == {}
    # idle steps join the next job (a change to them re-runs what follows anyway), unwrap2stage joins unwrap's
    assert ts.job_of("verifyDEM", _props()).name == "topo"
    assert ts.job_of("subsetoverlaps", _props()).name == "fineoffsets"
    assert ts.job_of("unwrap2stage", _props()).name == "unwrap"
    assert ts.job_of("geocodeoffsets", _props()).name == "geocode"  # no job follows
    assert ts.job_of("ion", _props(estimate_ionosphere_delay=False)).name == "burstifg"
    esd = [j.name for j in ts.jobs(_props(esd_coherence_threshold=0.8))]
    assert esd[2:10] == [
        "subsetoverlaps", "coarseoffsets", "coarseresamp", "overlapifg", "prepesd", "esd", "rangecoreg", "fineoffsets",
    ]  # fmt: skip


def test_an_idle_steps_own_properties_change_no_job():
    """With 2-stage unwrapping off, its solver is irrelevant: no job's params hold it, nothing re-runs."""
    base = _props()
    solver = dict(base, **{"SOLVER_2STAGE": "glpk"})
    assert [ts.job_params(j, base) for j in ts.jobs(base)] == [
        ts.job_params(j, solver) for j in ts.jobs(base)
    ]
    assert ts.first_rerun_job(base, solver, keep_intermediates=False) is None
    # switched on, it runs in unwrap's job, which then re-runs
    on = dict(solver, **{"do unwrap 2 stage": True})
    assert ts.first_rerun_job(base, on, keep_intermediates=True) == "unwrap"


@pytest.mark.parametrize(
    "overrides, keep, first",
    [
        ({"goldstein_filter_power": 0.3}, False, "filter"),
        ({"output_resolution": 30}, True, "mergebursts"),
        # mergebursts reads heavy groups of topo, fineresamp and burstifg, deleted after it last ran
        ({"output_resolution": 30}, False, "topo"),
        ({"esd_coherence_threshold": 0.8}, True, "subsetoverlaps"),
        ({"dense_offsets": True}, True, "denseoffsets"),
        # denseoffsets becomes the last reader of fineresamp's fine_coreg bursts (deleted); fineresamp's re-run
        # re-runs mergebursts, the last reader of topo's geometry (deleted too)
        ({"dense_offsets": True}, False, "topo"),
        # the idle ion step folds into burstifg's job; PICKLE/ion was made by the ion job
        ({"estimate_ionosphere_delay": False}, True, "burstifg"),
        ({"min_frame_coverage": 0.5}, False, None),
    ],
)
def test_first_rerun_job_follows_the_jobs_as_snakemake_sees_them(overrides, keep, first):
    assert ts.first_rerun_job(_props(), _props(**overrides), keep) == first


@pytest.mark.parametrize(
    "overrides, keep, expected",
    [
        # the project's filter only: the burst-ramp side job and geocode, nothing of the chain before geocode
        ({"topsapp": {"ion_max_filter_window": 25}}, False, ["ion_ramps", "geocode"]),
        ({"goldstein_filter_power": 0.3}, False, ["filter", "unwrap", "geocode"]),
        # the ionosphere looks re-run ISCE's rawion, so every stage after it and the side job
        (
            {"topsapp": {"ion_total_range_looks": 80}},
            True,
            ["ion_rawion", "burstifg", "mergebursts", "filter", "unwrap", "geocode", "ion_ramps"],
        ),
        ({"min_frame_coverage": 0.5}, False, []),
    ],
)
def test_rerun_jobs_include_the_ionosphere_side_job(overrides, keep, expected):
    cfg = load_config()
    for key, value in overrides.items():
        cfg[key] = {**cfg[key], **value} if isinstance(value, dict) else value
    assert ts.rerun_jobs(_props(), tx.topsapp_properties(cfg), keep) == expected
