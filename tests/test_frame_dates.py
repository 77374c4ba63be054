"""Frame + dates pairs: config forms, the date / pass logic, and resolve_pair against a loopback ASF search that
replays the recorded UMM-G records (asf_search test resources: one slice per date, track 35 ascending, frame 5290
covered 71 %, so the good cases lower min_frame_coverage to 0.5 and the default 0.9 is a failing case)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import loopback
from frame_dates_support import GeoCmr, shifted_copy
from gunw_workflow import pair_json, pair_list
from gunw_workflow.config import defaults
from gunw_workflow.inputs import check_pair, frame_dates
from inputs_support import FRAME_T35, S0313, S0325, S0406, require_shared

REF = "S1A_IW_SLC__1SDV_20220212T222803_20220212T222830_041886_04FCA3_2B3E"
SEC = "S1A_IW_SLC__1SDV_20220131T222803_20220131T222830_041711_04F690_8F5F"
ENV = {"EARTHDATA_USERNAME": "loopback-user", "EARTHDATA_PASSWORD": "never-logged", "NETRC": "/nonexistent"}


def _cfg(**keys) -> dict:
    return {**defaults(), **keys}


# ------------------------------------------------------------------------------------------------ config forms
@pytest.mark.parametrize(
    "ref, sec", [("2022-02-12", "2022-01-31"), ("20220212", "20220131"), (20220212, 20220131)]
)
def test_date_formats_of_the_reference_tool(ref, sec):
    (pair,) = pair_list.pairs_from_config(_cfg(frame_id=25502, reference_date=ref, secondary_date=sec))
    assert pair == {
        "name": "F25502_20220212_20220131",
        "frame_id": 25502,
        "reference_date": "2022-02-12",
        "secondary_date": "2022-01-31",
    }
    assert pair_list.is_date_pair(pair)


def test_yaml_dates_are_normalised_before_validation():
    cfg = {"reference_date": dt.date(2022, 2, 12), "pairs": [{"secondary_date": dt.date(2022, 1, 31)}]}
    pair_list.normalise_dates(cfg)
    assert cfg == {"reference_date": "2022-02-12", "pairs": [{"secondary_date": "2022-01-31"}]}


def test_date_pair_name_equals_the_id_pair_name():
    """Known offline and stable: the name an id-given pair of the frame and dates gets."""
    (ids,) = pair_list.pairs_from_config(_cfg(frame_id=25502, reference_scenes=[REF], secondary_scenes=[SEC]))
    (dates,) = pair_list.pairs_from_config(
        _cfg(frame_id=25502, reference_date="2022-02-12", secondary_date="2022-01-31")
    )
    assert ids["name"] == dates["name"] == "F25502_20220212_20220131"


def test_pairs_items_and_tsv_rows_of_both_kinds(tmp_path):
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text(
        "frame_id\treference_date\tsecondary_date\treference_scenes\tsecondary_scenes\tname\n"
        "5290\t2015-04-06\t2015-03-25\t\t\t\n"
        f"5290\t\t\t{S0406}\t{S0313}\tids\n"
        "5290\t20150418\t20150406\t\t\tlate\n"
    )
    cfg = _cfg(
        pairs=[{"frame_id": 5290, "reference_date": "2015-04-06", "secondary_date": "2015-03-13"}],
        pairs_tsv=str(tsv),
    )
    got = pair_list.pairs_from_config(cfg)
    assert [p["name"] for p in got] == ["F5290_20150406_20150313", "F5290_20150406_20150325", "ids", "late"]
    assert got[2]["reference_scenes"] == [S0406] and "reference_date" not in got[2]
    assert got[3]["reference_date"] == "2015-04-18" and "reference_scenes" not in got[3]
    # an unnamed id-given pair of the same frame and dates would get the same name: rejected, one line
    tsv.write_text(f"reference_scenes\tsecondary_scenes\tframe_id\n{S0406}\t{S0313}\t5290\n")
    with pytest.raises(pair_list.PairConfigError, match="give one of them an explicit `name`"):
        pair_list.pairs_from_config(cfg)


def test_dates_only_tsv(tmp_path):
    tsv = tmp_path / "stack.tsv"
    tsv.write_text("frame_id\treference_date\tsecondary_date\n9847\t2021-09-15\t2021-09-03\n")
    (pair,) = pair_list.pairs_from_config(_cfg(pairs_tsv=str(tsv)))
    assert pair["name"] == "F9847_20210915_20210903" and pair["frame_id"] == 9847


BAD_CONFIG = [
    (
        "dates-without-frame",
        {"reference_date": "2022-02-12", "secondary_date": "2022-01-31"},
        "need a frame_id",
    ),
    (
        "dates-and-ids",
        {
            "frame_id": 1,
            "reference_date": "2022-02-12",
            "secondary_date": "2022-01-31",
            "reference_scenes": [REF],
        },
        "both dates and scene ids",
    ),
    ("one-date", {"frame_id": 1, "reference_date": "2022-02-12"}, "secondary_date is missing"),
    (
        "ref-not-later",
        {"frame_id": 1, "reference_date": "2022-01-31", "secondary_date": "2022-02-12"},
        "is not later than secondary_date",
    ),
    (
        "same-date",
        {"frame_id": 1, "reference_date": "2022-01-31", "secondary_date": "20220131"},
        "is not later than secondary_date",
    ),
    (
        "bad-format",
        {"frame_id": 1, "reference_date": "12/02/2022", "secondary_date": "2022-01-31"},
        "not a date",
    ),
    (
        "bad-day",
        {"frame_id": 1, "reference_date": "2022-02-30", "secondary_date": "2022-01-31"},
        "not a date",
    ),
    (
        "time-not-date",
        {"frame_id": 1, "reference_date": dt.datetime(2022, 2, 12, 3), "secondary_date": "2022-01-31"},
        "date and time",
    ),
]


@pytest.mark.parametrize("case, keys, fragment", BAD_CONFIG, ids=[c[0] for c in BAD_CONFIG])
def test_bad_date_pairs_fail_at_config_time_with_one_line(case, keys, fragment):
    with pytest.raises(pair_list.PairConfigError) as err:
        pair_list.pairs_from_config(_cfg(**keys))
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_tsv_row_with_dates_and_ids_names_the_row(tmp_path):
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text(
        "frame_id\treference_date\tsecondary_date\treference_scenes\tsecondary_scenes\n"
        f"5290\t2015-04-06\t2015-03-25\t{S0406}\t{S0325}\n"
    )
    with pytest.raises(pair_list.PairConfigError, match=r"pairs.tsv:2: both dates and scene ids"):
        pair_list.pairs_from_config(_cfg(pairs_tsv=str(tsv)))


def test_unknown_frame_is_an_offline_problem():
    pairs = pair_list.pairs_from_config(
        _cfg(frame_id=99999, reference_date="2022-02-12", secondary_date="2022-01-31")
    )
    (line,) = frame_dates.offline_problems(pairs)
    assert "frame_id 99999 does not exist" in line and line.startswith("pair F99999_20220212_20220131:")


# ------------------------------------------------------------------------------------------------ date / pass logic
def _rec(scene_id: str, start: str) -> dict:
    return {"id": scene_id, "start": start}


def test_a_pass_across_midnight_belongs_to_the_date_of_its_first_slice():
    recs = [
        _rec("a", "2021-01-01T23:59:31Z"),
        _rec("b", "2021-01-01T23:59:56Z"),
        _rec("c", "2021-01-02T00:00:21Z"),
        _rec("late", "2021-01-13T23:59:40Z"),
    ]
    passes = frame_dates.group_passes(list(reversed(recs)))
    assert [(p.date, p.scenes) for p in passes] == [
        (dt.date(2021, 1, 1), ["a", "b", "c"]),
        (dt.date(2021, 1, 13), ["late"]),
    ]


def test_search_window_covers_the_utc_day_and_margins():
    start, end = frame_dates.search_window(dt.date(2021, 1, 2))
    assert start == dt.datetime(2021, 1, 1, 23, 30) and end == dt.datetime(2021, 1, 3, 0, 30)


def test_pass_dates_agree_with_s1_frame_enumerator_on_the_recorded_frame_9847_results():
    """Our pass date (first slice's UTC date) is s1_frame_enumerator's repeat_pass_timestamp, on 496 real results."""
    path = loopback.DATA / "s1_frame_enumerator/tests/data/frame_9847_asf_results.json"
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    from s1_frame_enumerator.s1_stack_formatter import format_results_for_sent1_stack

    features = json.loads(path.read_text())
    df = format_results_for_sent1_stack(features)
    theirs = {row.slc_id: row.repeat_pass_timestamp.date() for row in df.itertuples()}
    ours = {
        sid: p.date
        for p in frame_dates.group_passes(
            [
                _rec(f["properties"]["fileID"].replace("-SLC", ""), f["properties"]["startTime"])
                for f in features
            ]
        )
        for sid in p.scenes
    }
    assert len(theirs) > 400 and ours == theirs


# ------------------------------------------------------------------------------------------------ resolve_pair
@pytest.fixture
def asf(tmp_path):
    require_shared()
    lb = loopback.Loopback()
    cmr = GeoCmr(lb)
    yield lb, cmr
    lb.close()


def _run(lb, tmp_path, frame, ref, sec, cov=0.5, env=ENV, monkeypatch=None, extra=()):
    out = tmp_path / "scenes.json"
    argv = [
        "--name", f"F{frame}_x", "--frame-id", str(frame), "--reference-date", ref, "--secondary-date", sec,
        "--min-frame-coverage", str(cov), "--out", str(out), "--log", str(tmp_path / "resolve.log"),
        "--base-url", lb.base_url, "--tries", "2", "--backoff", "0.001", *extra,
    ]  # fmt: skip
    return frame_dates.main(argv), out


def _only_searches(lb) -> bool:
    """Nothing but ASF/CMR search requests reached the server (no SLC, orbit or DEM download)."""
    return all(r["host"] == loopback.CMR_HOST and r["method"] == "POST" for r in lb.log)


def test_resolves_the_scenes_of_each_date_and_records_why(asf, tmp_path, monkeypatch, capsys):
    lb, cmr = asf
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    rc, out = _run(lb, tmp_path, FRAME_T35, "2015-04-06", "2015-03-25")
    assert rc == 0, capsys.readouterr().err
    doc = frame_dates.read(out)
    assert doc["reference_scenes"] == [S0406] and doc["secondary_scenes"] == [S0325]
    ref = doc["reference"]
    assert ref["search"]["relativeOrbit"] == [35] and ref["search"]["flightDirection"] == "ASCENDING"
    assert ref["search"]["polarization"] == ["VV", "VV+VH"] and ref["search"]["beamMode"] == ["IW"]
    assert ref["search"]["start"] == "2015-04-05T23:30:00Z" and ref["search"]["end"] == "2015-04-07T00:30:00Z"
    assert "track 35 ASCENDING pass starting 2015-04-06T02:07:44Z" in ref["why"]
    assert 0.7 < doc["frame_coverage"] < 0.72 and ref["dropped"] == []
    # the CMR query asf_search sent: the frame polygon, the track, the direction, IW SLC, the window
    (geo,) = [q for q in cmr.queries if "polygon" in q and "VV" in ",".join(q["attribute[]"])][:1]
    assert (
        "int,PATH_NUMBER,35" in geo["attribute[]"]
        and "string,ASCENDING_DESCENDING,ASCENDING" in geo["attribute[]"]
    )
    assert geo["temporal"] == ["2015-04-05T23:30:00Z,2015-04-07T00:30:00Z,"]
    assert _only_searches(lb)

    # check_pair then checks these scenes like id-given ones and keeps the record in pair.json
    pj = tmp_path / "pair.json"
    argv = [
        "--name", "F5290_x", "--reference", "2015-04-06", "--secondary", "2015-03-25", "--frame-id", "5290",
        "--min-frame-coverage", "0.5", "--out", str(pj), "--resolution", str(out), "--base-url", lb.base_url,
    ]  # fmt: skip
    assert check_pair.main(argv) == 0, capsys.readouterr().err
    got = pair_json.read(pj)
    assert got["reference_scenes"] == [S0406] and got["secondary_scenes"] == [S0325]
    assert got["reference_date"] == "2015-04-06" and got["resolution"]["reference"]["scenes"] == [S0406]
    assert got["resolution"]["secondary"]["search"]["start"] == "2015-03-24T23:30:00Z"


def _midnight_records(cmr):
    """A real 2015-04-18 record re-timed as a pass that starts at 23:59:50 on 2015-04-17 and ends after midnight."""
    base = next(r for r in cmr.records if r["umm"]["GranuleUR"].startswith("S1A_IW_SLC__1SSV_20150418"))
    sid = "S1A_IW_SLC__1SSV_20150417T235950_20150418T000017_005532_00712C_0000"
    cmr.records.append(shifted_copy(base, sid, "2015-04-17T23:59:50.000Z", "2015-04-18T00:00:17.000Z"))
    cmr.records.remove(base)
    return sid


def test_midnight_pass_is_found_on_its_first_date(asf, tmp_path, monkeypatch):
    lb, cmr = asf
    sid = _midnight_records(cmr)
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    rc, out = _run(lb, tmp_path, FRAME_T35, "2015-04-17", "2015-04-06")
    assert rc == 0 and frame_dates.read(out)["reference_scenes"] == [sid]


# (id, frame, reference date, secondary date, coverage, record change, expected message part)
BAD_RESOLVE = [
    (
        "no-acquisition",
        FRAME_T35,
        "2015-04-07",
        "2015-03-25",
        0.5,
        None,
        "no Sentinel-1 IW SLC acquisition on track 35",
    ),
    (
        "coverage-below",
        FRAME_T35,
        "2015-04-06",
        "2015-03-25",
        0.9,
        None,
        "frame coverage too low: ref∩sec covers 71.2%",
    ),
    (
        "track-misses-frame",
        5300,
        "2015-04-06",
        "2015-03-25",
        0.5,
        None,
        "none of its slices covers frame 5300",
    ),
    ("frame-unknown", 99999, "2015-04-06", "2015-03-25", 0.5, None, "frame_id 99999 does not exist"),
    ("descending-frame", 17886, "2015-04-06", "2015-03-25", 0.5, None, "acquisition on track 115 DESCENDING"),
    ("midnight-previous-day", FRAME_T35, "2015-04-18", "2015-04-06", 0.5, "midnight", "starts on 2015-04-17"),
    ("asf-empty", FRAME_T35, "2015-04-06", "2015-03-25", 0.5, "empty", "no Sentinel-1 IW SLC acquisition"),
    (
        "asf-garbage",
        FRAME_T35,
        "2015-04-06",
        "2015-03-25",
        0.5,
        "garbage",
        "ASF search for the scenes of 2015-04-05",
    ),
    ("asf-down", FRAME_T35, "2015-04-06", "2015-03-25", 0.5, "503", "may be down"),
    (
        "wrong-track-answer",
        FRAME_T35,
        "2015-04-06",
        "2015-03-25",
        0.5,
        "track36",
        "track 36 is not the frame's track",
    ),
    ("hh-only", FRAME_T35, "2015-04-06", "2015-03-25", 0.5, "hh", "acquired in HH only that day (no VV)"),
    (
        "s1c-uncalibrated",
        FRAME_T35,
        "2015-04-06",
        "2015-03-25",
        0.5,
        "s1c",
        "Sentinel-1C before its calibration date",
    ),
    (
        "no-credentials",
        FRAME_T35,
        "2015-04-06",
        "2015-03-25",
        0.5,
        "nocreds",
        "missing credentials for urs.earthdata",
    ),
    ("antimeridian-frame", 69, "2015-04-06", "2015-03-25", 0.5, None, "crosses the antimeridian"),
    ("two-passes-one-date", FRAME_T35, "2015-04-06", "2015-03-25", 0.5, "twopasses", "2 separate passes"),
]


def _set_attr(rec, name, value):
    for attr in rec["umm"]["AdditionalAttributes"]:
        if attr["Name"] == name:
            attr["Values"] = [value]


@pytest.mark.parametrize(
    "case, frame, ref, sec, cov, change, fragment", BAD_RESOLVE, ids=[c[0] for c in BAD_RESOLVE]
)
def test_bad_frame_date_inputs_fail_in_resolve_pair_with_one_line(
    asf, tmp_path, monkeypatch, capsys, case, frame, ref, sec, cov, change, fragment
):
    lb, cmr = asf
    env = dict(ENV)
    the_day = next(r for r in cmr.records if r["umm"]["GranuleUR"].startswith(S0406))
    if change == "midnight":
        _midnight_records(cmr)
    elif change == "empty":
        cmr.records.clear()
    elif change == "garbage":
        cmr.garbage += [b"<html>Service maintenance</html>"] * 8
    elif change == "503":
        lb.fault(loopback.CMR_HOST, "/search", ["503"] * 8)
    elif change == "track36":  # a server that ignores the track filter and answers with another track's scene
        _set_attr(the_day, "PATH_NUMBER", "36")
        monkeypatch.setattr("frame_dates_support._matches_attribute", lambda attrs, spec: True)
    elif change == "hh":
        _set_attr(the_day, "POLARIZATION", "HH")
    elif change == "s1c":
        sid = S0406.replace("S1A_", "S1C_")
        cmr.records.append(shifted_copy(the_day, sid, "2015-04-06T02:07:44.321Z", "2015-04-06T02:08:11.395Z"))
        cmr.records.remove(the_day)
    elif change == "twopasses":  # an answer no real track has: a second pass over the frame the same day
        sid = S0406.replace("T0207", "T1407").replace("T0208", "T1408")
        cmr.records.append(shifted_copy(the_day, sid, "2015-04-06T14:07:44.321Z", "2015-04-06T14:08:11.395Z"))
    elif change == "nocreds":
        env = {"NETRC": str(tmp_path / "no.netrc")}
    for k in ("EARTHDATA_USERNAME", "EARTHDATA_PASSWORD", "NETRC"):
        monkeypatch.delenv(k, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    rc, out = _run(lb, tmp_path, frame, ref, sec, cov)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert rc == 1 and not out.exists()
    assert len(lines) == 1 and fragment in lines[0], err
    assert lines[0].startswith("error: pair F")
    assert _only_searches(lb)  # nothing was downloaded
    if change == "nocreds":
        assert lb.log == []  # not even a search without a login
    assert "never-logged" not in err and "never-logged" not in (tmp_path / "resolve.log").read_text()


def test_product_record_of_a_date_pair_is_the_same_from_config_and_from_pair_json():
    """package_gunw's params (config pair) and `gunw package` (pair.json) build one record: frame and dates."""
    from gunw_workflow.product import provenance

    shared = provenance.shared(
        _cfg(frame_id=FRAME_T35, reference_date="2015-04-06", secondary_date="2015-03-25")
    )
    (pair,) = pair_list.pairs_from_config(
        _cfg(frame_id=FRAME_T35, reference_date="2015-04-06", secondary_date="2015-03-25")
    )
    from_pair_json = {
        **pair,
        "reference_scenes": [S0406],
        "secondary_scenes": [S0325],
        "resolution": {"frame_id": FRAME_T35},
    }
    record = provenance.for_pair(shared, pair)
    assert record == provenance.for_pair(shared, from_pair_json)
    assert record["reference_date"] == "2015-04-06" and "reference_scenes" not in record
    assert "reference_date" not in shared  # per pair, not shared by all pairs
