"""Burst mode at the check rule: the bursts a frame needs, found by an ASF burst search before any download.

The pair is the recorded track-35 stack (real SLC records) over ARIA frame 5290; its bursts come from the
loopback burst service (tests/burst_service.py: recorded record shape, synthetic cut). Every bad input fails in
the check rule, names the bursts, writes no pair.json, and only the CMR search reached the server.
"""

from __future__ import annotations

import pytest

import burst_service
import loopback
from gunw_workflow import pair_json
from gunw_workflow.inputs import bursts, check_pair
from inputs_support import FRAME_T35, S0313, S0406, Services, edl_env

MIN_COVERAGE = "0.5"


@pytest.fixture(scope="module")
def _svc(tmp_path_factory):
    svc = Services(tmp_path_factory.mktemp("bsvc"))
    svc.slc = {r["umm"]["GranuleUR"].rsplit("-", 1)[0]: r for r in svc.records}
    svc.pool = burst_service.install_burst_search(svc.lb, [])
    yield svc
    svc.close()


@pytest.fixture
def svc(_svc):
    _svc.lb.log.clear()
    _svc.pool[:] = []
    return _svc


def _serve(svc, scene, **kw):
    svc.pool.extend(burst_service.bursts_of_slc(svc.slc[scene], **kw))


def _run(svc, tmp_path, monkeypatch, *extra, ref=S0406, sec=S0313):
    for k, v in edl_env(tmp_path).items():
        monkeypatch.setenv(k, v)
    out = tmp_path / "pair.json"
    argv = ["--name", "p", "--reference", ref, "--secondary", sec, "--frame-id", str(FRAME_T35)]
    argv += ["--min-frame-coverage", MIN_COVERAGE, "--out", str(out), "--base-url", svc.url]
    argv += ["--tries", "2", "--backoff", "0.001", *(extra or ["--burst-mode"])]
    return check_pair.main(argv), out


def test_burst_mode_records_the_bursts_each_date_uses(svc, tmp_path, monkeypatch, capsys):
    _serve(svc, S0406)
    _serve(svc, S0313)
    rc, out = _run(svc, tmp_path, monkeypatch)
    assert rc == 0, capsys.readouterr().err
    doc = pair_json.read(out)
    assert doc["download_mode"] == "burst"
    rec = doc["bursts"]
    assert rec["polarization"] == "VV" and rec["swaths"] == ["IW1", "IW2", "IW3"]
    assert rec["reference"]["key"] == f"F{FRAME_T35}_20150406_VV_IW123"
    assert rec["secondary"]["key"] == f"F{FRAME_T35}_20150313_VV_IW123"
    assert rec["reference"]["slcs"] == [S0406] and rec["secondary"]["slcs"] == [S0313]
    ids = {
        role: [(b["swath"], b["burst_id"]) for b in rec[role]["bursts"]]
        for role in ("reference", "secondary")
    }
    assert ids["reference"] == ids["secondary"]
    # only the bursts touching the frame's ROI box: fewer than the SLC holds, and every one touches it
    s, n, w, e = doc["roi_snwe"]
    all_vv = [b for b in svc.pool if "_VV_" in b["umm"]["GranuleUR"] and S0406[-4:] in b["umm"]["GranuleUR"]]
    assert 0 < len(rec["reference"]["bursts"]) < len(all_vv)
    for b in rec["reference"]["bursts"]:
        assert bursts.shape_of(b).intersects(bursts.box(w, s, e, n))
        assert b["url"].startswith(f"https://{burst_service.BURST_HOST}/{S0406}/")
    # only searches reached the server: nothing was downloaded
    assert {r["host"] for r in svc.lb.log} <= {loopback.CMR_HOST}


def test_slc_mode_makes_no_burst_search(svc, tmp_path, monkeypatch):
    rc, out = _run(svc, tmp_path, monkeypatch)  # burst mode with an empty burst catalogue fails...
    assert rc == 1 and not out.exists()
    svc.lb.log.clear()
    rc, out = _run(svc, tmp_path, monkeypatch, "--tries", "2")  # ...slc mode (no --burst-mode) does not look
    assert rc == 0
    assert "download_mode" not in pair_json.read(out) or pair_json.read(out)["download_mode"] == "slc"


def _needed_ids(svc, tmp_path, monkeypatch):
    _serve(svc, S0406)
    _serve(svc, S0313)
    rc, out = _run(svc, tmp_path, monkeypatch)
    assert rc == 0
    svc.pool[:] = []
    svc.lb.log.clear()
    ids = [b["full_burst_id"] for b in pair_json.read(out)["bursts"]["secondary"]["bursts"]]
    out.unlink()
    return ids


def _fails(svc, tmp_path, monkeypatch, capsys, *extra):
    rc, out = _run(svc, tmp_path, monkeypatch, *extra)
    err = capsys.readouterr().err
    assert rc == 1, err
    assert not out.exists()
    assert {r["host"] for r in svc.lb.log} <= {loopback.CMR_HOST}  # before any download
    assert "error: pair p:" in err
    return err


def test_a_missing_burst_on_one_date_names_it(svc, tmp_path, monkeypatch, capsys):
    needed = _needed_ids(svc, tmp_path, monkeypatch)
    gone = [i for i in needed if i.endswith("IW2")][1]
    _serve(svc, S0406)
    _serve(svc, S0313, drop=(gone,))
    err = _fails(svc, tmp_path, monkeypatch, capsys)
    assert "partial coverage" in err and "20150313 (secondary)" in err and gone in err, err
    assert err.count("partial coverage") == 1


def test_a_burst_id_mismatch_between_dates_names_both_sets(svc, tmp_path, monkeypatch, capsys):
    _serve(svc, S0406)
    _serve(svc, S0313, id_shift=500)  # the same ground numbered differently (not the same track's ids)
    err = _fails(svc, tmp_path, monkeypatch, capsys)
    assert "burst-id mismatch between dates in IW1" in err, err
    assert "none in common" in err


def test_an_unavailable_polarisation_names_the_bursts(svc, tmp_path, monkeypatch, capsys):
    _serve(svc, S0406)
    _serve(svc, S0313)
    err = _fails(svc, tmp_path, monkeypatch, capsys, "--burst-mode", "--polarization", "vh")
    assert "polarisation VH is not available" in err and "(available: VV)" in err, err
    assert "035_" in err and "_IW1" in err  # the bursts it looked at


def test_a_frame_with_no_bursts_on_the_track_fails(svc, tmp_path, monkeypatch, capsys):
    err = _fails(svc, tmp_path, monkeypatch, capsys)
    assert f"frame {FRAME_T35} has no bursts on track 35" in err, err


def test_download_mode_resolution():
    assert bursts.resolve_mode("auto", 25502, "") == "burst"
    assert bursts.resolve_mode("auto", 25502, "/data/slc") == "slc"
    assert bursts.resolve_mode("auto", -1, "") == "slc"
    assert bursts.resolve_mode("slc", 25502, "") == "slc"
    assert bursts.resolve_mode("burst", 25502, "") == "burst"
    with pytest.raises(ValueError, match="needs a frame"):
        bursts.resolve_mode("burst", -1, "")
    with pytest.raises(ValueError, match="slc_dir is set"):
        bursts.resolve_mode("burst", 25502, "/data/slc")


def test_provenance_lists_the_bursts_and_keeps_l1_input_granules_slc_ids(svc, tmp_path, monkeypatch):
    """workflow_config gains input_bursts (granules + their SLC ids); L1InputGranules stays SLC ids, the
    grammar ARIA-tools ([17:25] = date) and RAiDER (`_`-field 5 = start) parse."""
    from gunw_workflow.product import provenance

    _serve(svc, S0406)
    _serve(svc, S0313)
    rc, out = _run(svc, tmp_path, monkeypatch)
    assert rc == 0
    doc = pair_json.read(out)
    record = provenance.for_pair({"download_mode": "auto"}, doc)
    got = record["input_bursts"]
    assert got["reference"]["slcs"] == [S0406] and got["secondary"]["slcs"] == [S0313]
    assert got["reference"]["bursts"] == [b["granule"] for b in doc["bursts"]["reference"]["bursts"]]
    assert all(g.endswith("-BURST") for g in got["secondary"]["bursts"])
    assert "input_bursts" not in provenance.for_pair({}, {k: doc[k] for k in provenance.PAIR_KEYS})
