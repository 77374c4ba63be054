"""ISCE2's ionosphere sub-steps in separate processes (the workflow's ion jobs) through the double, against the
recording, and the project's stages on the files they leave (docs/ionosphere.md)."""

from __future__ import annotations

import fnmatch
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from gunw_workflow.ionosphere import stages
from gunw_workflow.isce_io.rasters import raster_header, read_raster
from gunw_workflow.topsapp import steps as ts

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "isce2_double"))

import mini_safe  # noqa: E402
from test_isce2_double import REC, describe, load_manifest, snapshot, topsapp  # noqa: E402

SHARED = {"isce.log", "topsProc.xml", "topsinsar.log", "PICKLE/ion", "PICKLE/ion.xml"}
ROW_KEYS = ("driver", "width", "height", "bands", "data_type", "interleave")


def _write_xml(run: Path, pair: dict, **props) -> None:
    (run / "topsApp.xml").write_text(mini_safe.topsapp_xml(pair, str(run), **props))


@pytest.fixture(scope="module")
def split_run(tmp_path_factory):
    """The demo-sized mini pair up to fineresamp, then `ion` once per sub-step group, each its own process."""
    if not REC.is_dir():
        pytest.skip("../shared/isce2-recorded not available")
    root = tmp_path_factory.mktemp("ionsplit")
    pair = mini_safe.make_pair(str(root))
    run = root / "run"
    run.mkdir()
    _write_xml(run, pair)
    for step in ts.STEP_NAMES[: ts.STEP_NAMES.index("fineresamp") + 1]:
        r = topsapp(run, "topsApp.xml", f"--dostep={step}")
        assert r.returncode == 0, (step, r.stdout[-2000:])
    manifests = {}
    groups = [
        ("subband", "subband", {}),
        ("rawion", "rawion", {}),
        ("grd2ion", "filt_gaussian", {}),
        ("ionosphere_shift", "ion2grd", {"consider burst properties in ionosphere computation": "True"}),
    ]
    for first, last, extra in groups:
        _write_xml(run, pair, **{"start ionosphere step": first, "end ionosphere step": last, **extra})
        before = snapshot(run)
        r = topsapp(run, "topsApp.xml", "--dostep=ion")
        assert r.returncode == 0, (first, r.stdout[-2000:])
        after = snapshot(run)
        manifests[first] = {
            p: describe(run / p) for p in sorted(p for p, v in after.items() if before.get(p) != v)
        }
    return pair, run, manifests


def test_split_sub_steps_write_exactly_the_recorded_ion_files(split_run):
    _, _, manifests = split_run
    rec = load_manifest("standard")["ion"]
    recorded = set(rec) - SHARED
    isce_groups = ("subband", "rawion", "grd2ion")
    union = set().union(*(set(manifests[g]) - SHARED for g in isce_groups))
    assert union == recorded, sorted(union ^ recorded)
    for group in isce_groups:
        for path, mine in manifests[group].items():
            if path in SHARED:
                continue
            assert {k: mine[k] for k in ROW_KEYS} == {k: rec[path][k] for k in ROW_KEYS}, (group, path)
    # what the workflow's ion jobs declare is what each process writes
    s = ts.topsapp_xml.topsapp_properties(_demo_cfg())
    for job, group in (("ion_subband", "subband"), ("ion_rawion", "rawion")):
        declared = set(ts.ION_SUBJOB[job].declared(s))
        assert declared <= set(manifests[group]), sorted(declared - set(manifests[group]))
        for pattern in ts.ION_SUBJOB[job].checks(s):
            assert fnmatch.filter(manifests[group], pattern), pattern


def _demo_cfg() -> dict:
    from gunw_workflow.config import load_config

    return load_config(str(HERE.parent / "config" / "demo.yaml"))


def test_burst_ramp_sub_steps_write_isce_layouts(split_run):
    """ionosphere_shift's azshift.ion has filt.ion's layout; ion2grd writes one FLOAT raster per burst of the
    burst's size (runIon.py); neither is in the recording (burst properties were off there)."""
    _, run, manifests = split_run
    files = manifests["ionosphere_shift"]
    filt = describe(run / "ion/ion_cal/filt.ion")
    assert {k: files["ion/ion_cal/azshift.ion"][k] for k in ROW_KEYS} == {k: filt[k] for k in ROW_KEYS}
    bursts = sorted(fnmatch.filter(files, "ion/ion_burst/IW1/burst_[0-9][0-9].ion"))
    assert bursts == [f"ion/ion_burst/IW1/burst_0{n}.ion" for n in (1, 2, 3)]
    burst_ifg = load_manifest("standard")["ion"]["ion/lower/fine_interferogram/IW1/burst_01.int"]
    for b in bursts:
        row = files[b]
        assert (row["width"], row["height"], row["bands"], row["data_type"]) == (
            burst_ifg["width"],
            burst_ifg["height"],
            "1",
            "Float32",
        )
    s = ts.topsapp_xml.topsapp_properties(_demo_cfg())
    assert set(ts.ION_SUBJOB["ion_ramps"].declared(s)) <= set(files)
    assert not any(f.startswith("ion/esd/") for f in files)  # esd is not part of the workflow's ramps job


def test_project_stages_on_the_doubles_files(split_run, tmp_path):
    """bridge -> compute -> filter on ISCE's rawion files, then the burst-ramp merge after mergebursts."""
    pair, run, _ = split_run
    rec = stages.run_bridge(run, 8, 2, 40, 10)
    assert set(rec) == {"lower", "upper"} and all(r["components"] >= 1 for r in rec.values())
    h = raster_header(run / stages.BRIDGED["lower"])
    assert (h.width, h.length, h.bands, h.scheme) == (13, 141, 2, "BIL")
    stages.run_compute(run)
    raw = read_raster(run / stages.RAW, 2)
    isce_raw = read_raster(run / "ion/ion_cal/raw_no_projection.ion", 2)
    both = (raw != 0) & (isce_raw != 0)
    assert both.mean() > 0.5 and np.corrcoef(raw[both], isce_raw[both])[0, 1] > 0.95
    stages.run_filter(run, 31, 11, True, stages.MASKED_COHERENCE_THRESHOLD, stages.MASKED_SIGMA_RULE)
    filt = read_raster(run / stages.FILT)
    assert (
        filt.shape == (2, 141, 13)
        and np.all(np.isfinite(filt[1]))
        and np.count_nonzero(filt[1]) > 0.5 * 141 * 13
    )
    # ISCE reads our filt.ion by its header
    assert raster_header(run / stages.FILT).path.name == "filt.ion"
    # ISCE's later sub-steps and mergebursts run on it
    _write_xml(
        run,
        pair,
        **{
            "start ionosphere step": "ionosphere_shift",
            "consider burst properties in ionosphere computation": "True",
        },
    )
    assert topsapp(run, "topsApp.xml", "--dostep=ion").returncode == 0
    _write_xml(run, pair)
    # the steps after ion run with the ionosphere off (the workflow's override): mergebursts leaves
    # merged/topophase.ion to the project's merge
    _write_xml(run, pair, **{"do ionosphere correction": "False"})
    (run / "merged" / "topophase.ion").unlink(missing_ok=True)
    for step in ("burstifg", "mergebursts"):
        assert topsapp(run, "topsApp.xml", f"--dostep={step}").returncode == 0
    assert not (run / "merged" / "topophase.ion").exists()
    stages.run_merge(run, 8, 3, 40, 10)
    merged = read_raster(run / stages.MERGED, 1)
    h = raster_header(run / stages.MERGED)
    assert (h.width, h.length, h.data_type, h.bands) == (67, 470, "FLOAT", 1)  # the recorded topophase.ion
    assert np.isfinite(merged).all()
    stages.run_ramps(run, 8, 3)
    az = read_raster(run / stages.AZ_SHIFT, 1)
    ion = read_raster(run / "merged/topophase.ion", 1)
    flat = read_raster(run / "merged/topophase.flat", 1)
    data = flat != 0
    assert az.shape == ion.shape and np.isfinite(az[data]).all() and (az[data] != 0).mean() > 0.95
    ramp = (az - ion)[data & (az != 0)]
    assert 0.0 < np.std(ramp) < 1.0  # a ramp per burst, not a copy of the ionosphere or noise
    assert json.loads((run / stages.BRIDGE_RECORD).read_text())["lower"]["components"] >= 1
