"""The check rule: every bad input fails in check_pair (before any download) with a message naming the problem."""

from __future__ import annotations

import json

import pytest
import yaml
from shapely.geometry import shape

import loopback
from gunw_workflow import pair_json
from gunw_workflow.config import defaults
from gunw_workflow.inputs import check_pair
from gunw_workflow.inputs import offline_checks as pair_rules
from inputs_support import (
    FAIRBANKS,
    FRAME_T35,
    GRD,
    L0406,
    L0418,
    LOCAL_SLC_DIR,
    S0313,
    S0325,
    S0406,
    S0418,
    edl_env,
    require_shared,
)


def _with(scene: str, **repl) -> str:
    """A scene id with some fields replaced (by `_`-index) — for ids that cannot exist."""
    parts = scene.split("_")
    for idx, value in repl.items():
        parts[int(idx[1:])] = value
    return "_".join(parts)


S0325_T37 = _with(S0325, i7="005184")  # absolute orbit -> track 37 (the stack is track 35)
S1B_0406 = "S1B_IW_SLC__1SDV_20150406T020800_20150406T020827_005357_006CC2_AAAA"
UNKNOWN = _with(S0406, i9="FFFF")

# (id, reference, secondary, frame_id, extra CLI args, env override or None, expected message part)
MIN_COVERAGE = defaults()["min_frame_coverage"]  # what the rule passes unless the config says otherwise

BAD = [
    ("short-id", [S0406[:-1]], [S0325], -1, [], None, "it has 66 characters"),
    ("zip-suffix", [S0406 + ".zip"], [S0325], -1, [], None, "without the file extension"),
    (
        "garbage-id",
        ["S1A_IW_SLC__1SDV_2015xx06T020744_20150406T020811_005357_006CC2_FDC7"],
        [S0325],
        -1,
        [],
        None,
        "grammar",
    ),
    ("not-IW", [S0406.replace("_IW_", "_EW_")], [S0325], -1, [], None, "is not an IW scene"),
    ("not-SLC", [GRD], [S0325], -1, [], None, "is not an SLC"),
    ("HH-pol", [S0406.replace("1SSV", "1SDH")], [S0325], -1, [], None, "no VV channel"),
    ("annotation-only", [S0406.replace("1SSV", "1ASV")], [S0325], -1, [], None, "not a level-1 standard"),
    ("dup-in-list", [S0406, S0406], [S0325], -1, [], None, "duplicate scene"),
    ("dup-across", [S0406], [S0406], -1, [], None, "in both reference and secondary"),
    ("ref-before-sec", [S0325], [S0406], -1, [], None, "reference is not after secondary"),
    ("same-date", [S0406], [S0406.replace("FDC7", "FDC8")], -1, [], None, "reference is not after secondary"),
    (
        "other-track",
        [S0406],
        [FAIRBANKS.replace("20210102", "20150102").replace("20210102", "20150102")],
        -1,
        [],
        None,
        "different tracks",
    ),
    ("non-adjacent-track", [S0406], [S0325_T37], -1, [], None, "different tracks [35, 37]"),
    ("dates-apart", [S0406, S0418], [S0325], -1, [], None, "more than 120 s after"),
    ("mixed-mission-date", [S0406, S1B_0406], [S0325], -1, [], None, "mix missions S1A/S1B"),
    ("unknown-scene", [UNKNOWN], [S0325], -1, [], None, "unknown scene"),
    ("frame-unknown", [S0406], [S0325], 99999, [], None, "does not exist"),
    ("frame-negative", [S0406], [S0325], -7, [], None, "is invalid"),
    ("frame-wrong-track", [S0406], [S0325], 25502, [], None, "is on track 164"),
    ("frame-no-overlap", [S0406], [S0325], 5285, [], None, "does not overlap"),
    ("frame-coverage", [S0406], [S0325], FRAME_T35, [], None, "frame coverage too low"),
    (
        "coverage-out-of-range",
        [S0406],
        [S0325],
        FRAME_T35,
        ["--min-frame-coverage", "1.5"],
        None,
        "between 0 and 1",
    ),
    ("no-credentials", [S0406], [S0325], -1, [], {}, "missing credentials for urs.earthdata.nasa.gov"),
    (
        "local-missing",
        [L0418],
        [L0406.replace("93A7", "93A8")],
        -1,
        ["--slc-dir", str(LOCAL_SLC_DIR)],
        None,
        "not found as",
    ),
    (
        "local-no-manifest",
        ["S1A_IW_SLC__1SDV_20200511T135117_20200511T135144_032518_03C421_7768"],
        ["S1A_IW_SLC__1SDV_20200429T135116_20200429T135143_032343_03BE0A_AAAA"],
        -1,
        ["--slc-dir", str(loopback.DATA / "s1-reader/tests/data")],
        None,
        "manifest",
    ),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_input_fails_in_check_rule(case, services, tmp_path, monkeypatch, capsys):
    _id, ref, sec, frame_id, extra, env, expected = case
    for k, v in (edl_env(tmp_path) if env is None else {"NETRC": str(tmp_path / "no.netrc")}).items():
        monkeypatch.setenv(k, v)
    if env is not None:
        monkeypatch.delenv("EARTHDATA_USERNAME", raising=False)
        monkeypatch.delenv("EARTHDATA_PASSWORD", raising=False)
    out = tmp_path / "pair.json"
    argv = [
        "--name",
        "p",
        "--reference",
        *ref,
        "--secondary",
        *sec,
        "--frame-id",
        str(frame_id),
        "--min-frame-coverage",
        str(MIN_COVERAGE),
        "--out",
        str(out),
    ]
    argv += ["--base-url", services.url, "--tries", "2", "--backoff", "0.001", *extra]
    assert check_pair.main(argv) == 1
    err = capsys.readouterr().err
    assert expected in err, err
    assert "error: pair p:" in err
    assert not out.exists()
    # nothing was downloaded: only the metadata search (if any) reached the server
    assert {r["host"] for r in services.lb.log} <= {loopback.CMR_HOST}
    assert EDL_SECRET_FREE(err)


def EDL_SECRET_FREE(text: str) -> bool:
    from inputs_support import EDL_PASS

    return EDL_PASS not in text


def test_at_least_twenty_bad_cases():
    assert len(BAD) >= 20


def test_offline_checks_need_no_network(services):
    """pair_rules (run at config validation) catches the id-decidable cases with the server untouched."""
    pairs = [
        {"name": "a", "reference_scenes": [S0325], "secondary_scenes": [S0406], "frame_id": -1},
        {"name": "b", "reference_scenes": [S0406], "secondary_scenes": [S0325_T37], "frame_id": 25502},
        {"name": "ok", "reference_scenes": [S0406], "secondary_scenes": [S0325], "frame_id": FRAME_T35},
    ]
    errors = pair_rules.check_pairs_offline(pairs)
    assert any(e.startswith("pair a: reference is not after secondary") for e in errors)
    assert any(e.startswith("pair b:") and "different tracks" in e for e in errors)
    assert not any(e.startswith("pair ok") for e in errors)
    assert services.lb.log == []


def test_good_pair_from_asf_writes_contract(services, tmp_path, monkeypatch):
    for k, v in edl_env(tmp_path).items():
        monkeypatch.setenv(k, v)
    out = tmp_path / "r" / "pair.json"
    argv = ["--name", "good", "--reference", S0406, "--secondary", S0313, "--frame-id", str(FRAME_T35)]
    argv += [
        "--min-frame-coverage",
        "0.5",
        "--out",
        str(out),
        "--base-url",
        services.url,
        "--backoff",
        "0.001",
    ]
    assert check_pair.main(argv) == 0
    doc = pair_json.read(out)  # the schema holds the contract
    for key in (
        "pair reference_scenes secondary_scenes frame_id mission track flight_direction reference_start "
        "reference_stop secondary_start secondary_stop roi_snwe extent_wkt extent_snwe frame_coverage scenes"
    ).split():
        assert key in doc
    assert doc["track"] == 35 and doc["flight_direction"] == "ASCENDING" and doc["mission"] == "S1A"
    assert doc["reference_start"].startswith("2015-04-06T02:07:4") and doc["reference_start"].endswith("Z")
    assert 0.5 < doc["frame_coverage"] < 0.9
    s, n, w, e = doc["roi_snwe"]
    assert s < n and w < e
    assert doc["needs_aux_cal"] is True  # 2015-03-13 is IPF 002.36
    rec = doc["scenes"][S0313]
    assert rec["source"] == "asf" and rec["url"].endswith(S0313 + ".zip") and rec["ipf_version"] == "002.36"
    assert doc["dem_bounds_wsen"] == [float(int(v)) for v in doc["dem_bounds_wsen"]]
    assert services.lb.count(loopback.CMR_HOST) == 1  # one search for the whole pair


def test_good_local_pair_needs_no_network_or_credentials(tmp_path, monkeypatch):
    require_shared()
    monkeypatch.delenv("EARTHDATA_USERNAME", raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "none"))
    out = tmp_path / "pair.json"
    argv = ["--name", "loc", "--reference", L0418, "--secondary", L0406, "--frame-id", "16739"]
    argv += ["--min-frame-coverage", str(MIN_COVERAGE)]
    argv += ["--slc-dir", str(LOCAL_SLC_DIR), "--out", str(out), "--base-url", "http://127.0.0.1:9"]
    assert check_pair.main(argv) == 0
    doc = json.loads(out.read_text())
    assert doc["track"] == 108 and doc["scenes"][L0406]["source"] == "local"
    assert doc["scenes"][L0406]["ipf_version"] == "003.91" and doc["frame_coverage"] > 0.9
    assert (
        doc["roi_snwe"][0] > 51 and doc["extent_snwe"][0] < doc["roi_snwe"][0]
    )  # footprint larger than frame


def _features(name):
    return json.loads((loopback.DATA / "s1_frame_enumerator/tests/data" / name).read_text())


def _meta_from_feature(f):
    p = f["properties"]
    return {
        "start": p["startTime"],
        "stop": p["stopTime"],
        "footprint_wkt": shape(f["geometry"]).wkt,
        "flight_direction": p["flightDirection"],
        "track": p["pathNumber"],
        "processing_level": "SLC",
        "polarization": p["polarization"],
    }


def test_metadata_rules_on_real_asf_records():
    """Mixed directions, non-contiguous slices and empty ref∩sec on real ASF footprints (frame 9847 results)."""
    require_shared()
    feats = _features("frame_9847_asf_results.json")
    by_date = {}
    for f in feats:
        by_date.setdefault(f["properties"]["startTime"][:10], []).append(f)
    two = sorted(d for d, fs in by_date.items() if len(fs) == 2)
    ref_date, sec_date = two[-1], two[-2]
    meta = {}
    ref = [f["properties"]["sceneName"] for f in by_date[ref_date]]
    sec = [f["properties"]["sceneName"] for f in by_date[sec_date]]
    for f in by_date[ref_date] + by_date[sec_date]:
        meta[f["properties"]["sceneName"]] = _meta_from_feature(f)
    check_pair.check_metadata(ref, sec, meta, -1, 0.9)  # the real pair passes
    flipped = {k: dict(v) for k, v in meta.items()}
    flipped[sec[0]]["flight_direction"] = "DESCENDING"
    with pytest.raises(check_pair.PairCheckError, match="mixed flight directions"):
        check_pair.check_metadata(ref, sec, flipped, -1, 0.9)
    # slices of one date that do not touch: the northern slice of one date with a far-shifted copy of it
    far = {k: dict(v) for k, v in meta.items()}
    from shapely import affinity, wkt

    far[ref[1]]["footprint_wkt"] = affinity.translate(wkt.loads(far[ref[1]]["footprint_wkt"]), 0, 5).wkt
    with pytest.raises(check_pair.PairCheckError, match="not contiguous"):
        check_pair.check_metadata(ref, sec, far, -1, 0.9)
    apart = {k: dict(v) for k, v in meta.items()}
    for s in sec:
        apart[s]["footprint_wkt"] = affinity.translate(wkt.loads(apart[s]["footprint_wkt"]), 20, 0).wkt
    with pytest.raises(check_pair.PairCheckError, match="do not overlap"):
        check_pair.check_metadata(ref, sec, apart, -1, 0.9)


def test_asf_search_drops_non_slc_products(services):
    from gunw_workflow.inputs import scene_metadata
    from inputs_support import fast_policy

    out = scene_metadata.search_asf([S0406, GRD], base_url=services.url, policy=fast_policy())
    assert set(out) == {S0406}
    assert yaml  # (resources are YAML: keep the import meaningful for readers)
