"""Burst mode's SAFE per date: bursts fetched through the download layer from the loopback burst service (cut
from the demo generator's SAFEs), assembled with burst2safe, read by the ISCE2 double like the original SAFE."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import burst_service
import loopback
from gunw_workflow import pair_json
from gunw_workflow.inputs import burst_safe, bursts
from gunw_workflow.layout import CacheDir
from inputs_support import EDL_PASS, EDL_USER, pair_json_doc, require_shared

REF = "S1A_IW_SLC__1SDV_20200113T015202_20200113T015205_030176_037499_8C2B"
SEC = "S1A_IW_SLC__1SDV_20200101T015202_20200101T015205_030001_036EA1_5E1A"
TRACK = 4
FRAME = 9999  # any id: the key only needs one
SAMPLES = 2100


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo pair (3 IW1 bursts per date) and a loopback burst service serving its bursts."""
    require_shared()
    from gunw_workflow.demo import synth

    root = tmp_path_factory.mktemp("demo")
    synth_main = getattr(synth, "main", None)
    assert synth_main is not None
    # >= 2048 samples: burst2safe needs one TIFF line per strip, GDAL's default only for lines of > 8 KB (real
    # bursts are ~20,000 samples wide; the demo default of 540 is not)
    synth_main(
        [
            "--outdir",
            str(root),
            "--reference-id",
            REF,
            "--secondary-id",
            SEC,
            "--swaths",
            "1",
            "--bursts",
            "3",
            "--samples-per-burst",
            str(SAMPLES),
        ]
    )
    lb = loopback.Loopback()
    token = loopback.install_earthdata(lb, EDL_USER, EDL_PASS)
    loopback.install_cmr(lb)
    pool, files = [], {}
    for scene in (REF, SEC):
        recs, data = burst_service.cut_demo_safe(root / "slc" / f"{scene}.zip", TRACK)
        pool += recs
        files.update(data)
    burst_service.install_burst_search(lb, pool)
    burst_service.install_burst_data(lb, files, token=token)
    yield {"root": root, "lb": lb, "files": files}
    lb.close()


def _search(demo, scene):
    """The real asf_search parse path over the loopback records: every burst of the date's pass."""
    day = scene[17:25]
    start, end = f"{day[:4]}-{day[4:6]}-{day[6:]}T00:00:00Z", f"{day[:4]}-{day[4:6]}-{day[6:]}T23:59:59Z"
    return bursts.search_bursts(TRACK, [30, 40, -125, -110], start, end, base_url=demo["lb"].base_url)


def _pair_json(demo, tmp_path):
    found = {"reference": _search(demo, REF), "secondary": _search(demo, SEC)}
    dates = {"reference": REF[17:25], "secondary": SEC[17:25]}
    roi = [30, 40, -125, -110]
    needed = bursts.check_date_pair(dates, found, roi, [1], "vv", FRAME, TRACK)
    rec = {
        "polarization": "VV",
        "swaths": ["IW1"],
        **{
            role: {
                "date": dates[role],
                "key": bursts.date_key(FRAME, dates[role], "vv", [1]),
                "slcs": sorted({b["slc"] for b in needed[role]}),
                "bursts": needed[role],
            }
            for role in ("reference", "secondary")
        },
    }
    doc = pair_json_doc({REF: {}, SEC: {}}, download_mode="burst", bursts=rec, frame_id=FRAME)
    path = tmp_path / "pair.json"
    pair_json.write(path, doc)
    return path, rec


def _run(demo, tmp_path, monkeypatch, pj, key, cache):
    monkeypatch.setenv("EARTHDATA_USERNAME", EDL_USER)
    monkeypatch.setenv("EARTHDATA_PASSWORD", EDL_PASS)
    monkeypatch.setenv("NETRC", str(tmp_path / "no.netrc"))
    out, rec = cache.burst_safe(key), cache.burst_safe_record(key)
    argv = ["--pair-json", str(pj), "--key", key, "--cache-dir", cache.root, "--out", out, "--record", rec]
    argv += [
        "--base-url",
        demo["lb"].base_url,
        "--tries",
        "3",
        "--backoff",
        "0.001",
        "--log",
        str(tmp_path / "l.log"),
    ]
    return burst_safe.main(argv), out, rec


def _measurement(path_or_zip, member_glob="measurement/*.tiff"):
    from osgeo import gdal

    if str(path_or_zip).endswith(".zip"):
        with zipfile.ZipFile(path_or_zip) as zf:
            name = next(n for n in zf.namelist() if "/measurement/" in n)
        ds = gdal.Open(f"/vsizip/{path_or_zip}/{name}")
    else:
        from pathlib import Path

        ds = gdal.Open(str(next(Path(path_or_zip).glob(member_glob))))
    return ds.GetRasterBand(1).ReadAsArray()


def test_the_date_safe_holds_the_same_bursts_as_the_slc(demo, tmp_path, monkeypatch):
    pj, rec = _pair_json(demo, tmp_path)
    cache = CacheDir(tmp_path / "cache")
    key = rec["reference"]["key"]
    rc, out, record = _run(demo, tmp_path, monkeypatch, pj, key, cache)
    assert rc == 0, (tmp_path / "l.log").read_text()
    doc = json.loads(open(record).read())
    assert doc["bursts"] == [b["granule"] for b in rec["reference"]["bursts"]] and len(doc["bursts"]) == 3
    assert doc["burst2safe_name"].startswith("S1A_IW_SLC__1SSV_20200113T0152")
    # the SAFE's measurement is the SLC's, pixel for pixel (all 3 bursts of the demo SAFE)
    original = _measurement(demo["root"] / "slc" / f"{REF}.zip")
    assembled = _measurement(out)
    assert assembled.shape == original.shape
    assert np.array_equal(assembled, original)
    # the ISCE2 double (ISCE2's reader rules) reads it like the original: same bursts, times, geometry
    import sys

    sys.path.insert(0, str(loopback.Path(__file__).parent / "isce2_double"))
    from isce2_double import safe as double_safe

    got = double_safe._read_slice(out, 1, "vv")
    want = double_safe._read_slice(str(demo["root"] / "slc" / f"{REF}.zip"), 1, "vv")
    assert [b["sensing_start"] for b in got["bursts"]] == [b["sensing_start"] for b in want["bursts"]]
    assert got["ipf"] == want["ipf"]
    # one request per file: 3 bursts + 1 metadata XML
    assert demo["lb"].count(burst_service.BURST_HOST, method="GET") == 4


def test_a_second_date_key_and_a_rerun_fetch_each_burst_once(demo, tmp_path, monkeypatch):
    pj, rec = _pair_json(demo, tmp_path)
    cache = CacheDir(tmp_path / "cache")
    demo["lb"].log.clear()
    for role in ("reference", "secondary", "reference"):
        rc, out, record = _run(demo, tmp_path, monkeypatch, pj, rec[role]["key"], cache)
        assert rc == 0
    paths = demo["lb"].paths(burst_service.BURST_HOST)
    assert len(paths) == 8 and set(paths.values()) == {1}  # 2 dates x (3 bursts + 1 XML), each once


def test_a_cut_burst_is_resumed_and_a_missing_one_fails_in_one_line(demo, tmp_path, monkeypatch, capsys):
    """A reset mid-body and a 503 are retried (the .part resumes); a 404 fails at once. Changed pixel values in
    an intact body would pass: ASF publishes no checksum of an extracted burst (docs/inputs.md section 9)."""
    pj, rec = _pair_json(demo, tmp_path)
    cache = CacheDir(tmp_path / "cache")
    key = rec["secondary"]["key"]
    demo["lb"].log.clear()
    target = rec["secondary"]["bursts"][1]["url"].split(".edu", 1)[1]
    demo["lb"].fault(burst_service.BURST_HOST, target, ["reset-mid", "503"])
    rc, out, record = _run(demo, tmp_path, monkeypatch, pj, key, cache)
    assert rc == 0
    assert demo["lb"].paths(burst_service.BURST_HOST)[target] == 3
    demo["lb"].faults.clear()
    # a burst the service no longer has: one line naming it, no SAFE left behind
    cache2 = CacheDir(tmp_path / "cache2")
    demo["lb"].fault(burst_service.BURST_HOST, target, ["404"])
    rc, out, record = _run(demo, tmp_path, monkeypatch, pj, key, cache2)
    err = capsys.readouterr().err
    assert rc == 1 and f"SAFE {key}:" in err and rec["secondary"]["bursts"][1]["granule"] in err, err
    assert not loopback.Path(out).exists() and not loopback.Path(record).exists()
    assert EDL_PASS not in err
