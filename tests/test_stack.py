"""Frame stacks (gunw enumerate-stack): the TSV enumerated from the recorded frame-9847 results, checked against an
independent computation; extending a stack; bad stack inputs; how planning uses the TSV."""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from shapely.ops import unary_union

import loopback
import stack_support as ss
from gunw_workflow import config, pair_list
from gunw_workflow.inputs import frames, stack

REPO = Path(__file__).resolve().parent.parent
FULL = {"frame_ids": [9847], "start": "2015-03-27", "end": "2024-04-08"}


@pytest.fixture(scope="module")
def cmr():
    """A loopback CMR that answers frame queries from the recorded frame-9847 results."""
    if not ss.FRAME_9847.is_file():
        pytest.skip(f"{ss.FRAME_9847} (shared test data) is not available")
    lb = loopback.Loopback()
    ss.install_cmr_search(lb, [ss.umm_from_feature(f) for f in ss.load_features(ss.FRAME_9847)])
    yield lb
    lb.close()


def _enumerate(tmp_path: Path, url: str, out: Path | None = None, **stack_keys) -> tuple[int, str, str]:
    cfg_path = tmp_path / "stack.yaml"
    cfg_path.write_text(yaml.safe_dump(ss.stack_config(tmp_path, url, **stack_keys)))
    argv = ["--config", str(cfg_path)] + (["--out", str(out)] if out else [])
    return _main(argv)


def _main(argv):
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = stack.main(argv)
    return rc, out.getvalue(), err.getvalue()


def _tsv_rows(path: Path) -> list[dict]:
    with path.open() as fh:
        return list(csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t"))


@pytest.fixture(scope="module")
def frame_9847_tsv(cmr, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("f9847")
    cmr.log.clear()
    rc, out, err = _enumerate(tmp, cmr.base_url, **FULL)
    assert rc == 0, err
    path = tmp / "results" / "stack" / "pairs.tsv"  # the run layout's default place
    assert path.is_file() and f"written to {path}" in out
    return path, list(cmr.log)


def test_replayed_records_round_trip():
    """asf_search reads the replayed UMM-G records back into the recorded properties the enumerator uses."""
    if not ss.FRAME_9847.is_file():
        pytest.skip("shared test data not available")
    from asf_search.ASFSearchResults import ASFSearchResults  # noqa: F401  (asf_search's product classes)
    from asf_search.search.search_generator import as_ASFProduct

    from gunw_workflow.inputs import scene_metadata

    session = scene_metadata.search_session(None)
    keys = ("fileID", "startTime", "stopTime", "url", "pathNumber", "orbit", "polarization", "beamModeType")
    keys += ("bytes", "flightDirection", "sceneName", "processingLevel", "md5sum", "platform", "pgeVersion")
    for feature in ss.load_features(ss.FRAME_9847)[:60]:
        product = as_ASFProduct(ss.umm_from_feature(feature), session)
        got = product.geojson()
        for k in keys:
            want, have = feature["properties"][k], got["properties"][k]
            if k.endswith("Time"):
                # asf_search 14 keeps whole seconds; the recording (an older asf_search) has milliseconds
                want, have = (
                    dt.datetime.fromisoformat(str(v).replace("Z", "+00:00")).replace(microsecond=0)
                    for v in (want, have)
                )
            assert have == want, (k, have, want)
        assert got["geometry"]["coordinates"][0][0] == feature["geometry"]["coordinates"][0][0]


def _independent_date_pairs(start: str, end: str, neighbours: int = 3) -> list[tuple[str, str]]:
    """Nearest-earlier-date pairs computed from the recorded features directly: passes grouped by UTC day
    (no acquisition of this track is near midnight), kept when their union is one polygon covering >= 80 % of
    the frame's GUNW footprint (the enumerator's default per-pass rule)."""
    footprint = frames.footprint(9847)
    by_day: dict[str, list] = {}
    for f in ss.load_features(ss.FRAME_9847):
        day = f["properties"]["startTime"][:10]
        if start <= day <= end:
            by_day.setdefault(day, []).append(ss.footprint(f))
    dates = []
    for day, geoms in sorted(by_day.items()):
        union = unary_union(geoms)
        if union.geom_type == "Polygon" and union.intersection(footprint).area / footprint.area >= 0.8:
            dates.append(day)
    return [(dates[i], dates[j]) for i in range(len(dates)) for j in range(max(0, i - neighbours), i)]


def test_frame_9847_tsv_matches_an_independent_computation(frame_9847_tsv):
    path, log = frame_9847_tsv
    rows = _tsv_rows(path)
    expected = _independent_date_pairs(FULL["start"], FULL["end"])
    got = [(r["ref_date"], r["sec_date"]) for r in rows]
    assert len(rows) == len(expected) == 726
    assert sorted(got) == sorted(expected)
    # the search is one frame query (VV and VV+VH sub-queries, the VV+VH one two pages of 250)
    assert [r["host"] for r in log] == [loopback.CMR_HOST] * len(log) and 2 <= len(log) <= 4
    # what the workflow reads: names from pair_list.pair_name, scenes of the dates named, frame 9847
    pairs = pair_list.read_pairs_tsv(str(path))
    for row, pair in zip(rows, pairs, strict=True):
        assert set(pair) == {"reference_scenes", "secondary_scenes", "frame_id", "name", "_origin"}
        assert pair["frame_id"] == 9847
        assert pair["name"] == pair_list.pair_name(pair["reference_scenes"], pair["secondary_scenes"], 9847)
        assert pair["name"] == f"F9847_{row['ref_date'].replace('-', '')}_{row['sec_date'].replace('-', '')}"
        assert {s[17:25] for s in pair["reference_scenes"]} == {row["ref_date"].replace("-", "")}
        assert {s[17:25] for s in pair["secondary_scenes"]} == {row["sec_date"].replace("-", "")}
        days = (dt.date.fromisoformat(row["ref_date"]) - dt.date.fromisoformat(row["sec_date"])).days
        assert int(row["temporal_baseline_days"]) == days
    print(f"\nframe 9847: {len(rows)} pairs; first {got[:3]}, last {got[-3:]}")


def test_extending_the_end_date_adds_pairs_and_keeps_the_existing_ones(cmr, tmp_path):
    out = tmp_path / "pairs.tsv"
    rc, _, err = _enumerate(
        tmp_path, cmr.base_url, out, frame_ids=[9847], start="2023-01-01", end="2023-06-30"
    )
    assert rc == 0, err
    before = pair_list.read_pairs_tsv(str(out))
    rc, msg, err = _enumerate(
        tmp_path, cmr.base_url, out, frame_ids=[9847], start="2023-01-01", end="2023-12-31"
    )
    assert rc == 0, err
    after = pair_list.read_pairs_tsv(str(out))
    strip = [{k: v for k, v in p.items() if k != "_origin"} for p in before]
    kept = [{k: v for k, v in p.items() if k != "_origin"} for p in after]
    assert kept[: len(strip)] == strip  # same names, same scenes, same order (appended): nothing to re-run
    added = [p for p in kept if p not in strip]
    assert added and all(p["name"].split("_")[1] > "20230630" for p in added)
    assert f"kept {len(before)}, added {len(added)}, removed 0, changed 0" in msg
    assert sorted(p["name"] for p in after) == sorted(
        f"F9847_{r.replace('-', '')}_{s.replace('-', '')}"
        for r, s in _independent_date_pairs("2023-01-01", "2023-12-31")
    )


def test_annual_pairs_pair_each_date_with_the_dates_a_year_earlier(cmr, tmp_path):
    out = tmp_path / "pairs.tsv"
    rc, _, err = _enumerate(
        tmp_path, cmr.base_url, out, frame_ids=[9847], start="2022-01-01", end="2023-12-31", annual_pairs=True
    )
    assert rc == 0, err
    rows = _tsv_rows(out)
    annual = [r for r in rows if r["kind"] == "annual"]
    assert annual and all(335 <= int(r["temporal_baseline_days"]) <= 395 for r in annual)
    neighbour = [(r["ref_date"], r["sec_date"]) for r in rows if r["kind"] == "neighbour"]
    assert sorted(neighbour) == sorted(_independent_date_pairs("2022-01-01", "2023-12-31"))
    # the first year has no date a year earlier
    assert min(r["ref_date"] for r in annual) >= "2022-12-01"


BAD = [
    ({"frame_ids": [99999], "start": "2024-01-01", "end": "2024-04-08"}, "frame 99999 does not exist", True),
    ({"frame_ids": [9847], "start": "2024-04-08", "end": "2024-01-01"}, "is not after stack.start", True),
    (
        {"frame_ids": [9847], "start": "2024-01-01", "end": "2024-04-08", "neighbours": 0},
        "stack.neighbours",
        True,
    ),
    ({"frame_ids": [9847], "start": "2024-13-01", "end": "2024-04-08"}, "'2024-13-01' is not a date", True),
    ({"frame_ids": [9847], "start": "2024-01-01"}, "stack.end is not set", True),
    ({"start": "2024-01-01", "end": "2024-04-08"}, "frame_ids is empty", True),
    ({"frame_ids": [9847, 9847], "start": "2024-01-01", "end": "2024-04-08"}, "lists a frame twice", True),
    (
        {
            "frame_ids": [9847],
            "start": "2024-01-01",
            "end": "2024-04-08",
            "annual_pairs": True,
            "annual_min_days": 400,
        },
        "annual window is empty",
        True,
    ),
    (
        {"frame_ids": [9847], "start": "2024-04-01", "end": "2024-04-10"},
        "only 1 acquisition date (2024-04-08)",
        False,
    ),
    ({"frame_ids": [5290], "start": "2015-03-01", "end": "2015-05-01"}, "has no IW SLC acquisition", False),
    (
        {"frame_ids": [9847], "start": "2024-03-20", "end": "2024-04-08", "min_temporal_baseline_days": 30},
        "at least 30 days apart",
        False,
    ),
]


@pytest.mark.parametrize(("keys", "message", "offline"), BAD, ids=[b[1] for b in BAD])
def test_bad_stack_inputs_fail_with_one_line_before_any_download(cmr, tmp_path, keys, message, offline):
    cmr.log.clear()
    out = tmp_path / "pairs.tsv"
    rc, _, err = _enumerate(tmp_path, cmr.base_url, out, **keys)
    assert rc == 1 and message in err, err
    assert err.count("\n") <= 2, err  # one line (plus, for schema errors, its heading)
    assert not out.exists()
    assert all(r["host"] == loopback.CMR_HOST for r in cmr.log)  # searches only, never a download
    if offline:
        assert cmr.log == []


def test_ca_subset_one_date_is_too_few_for_a_stack(tmp_path):
    """The recorded CA subset (one pass of two slices, one listed twice) over frame 9848, which it covers 99.5 %:
    a stack of one date."""
    if not ss.CA_SUBSET.is_file():
        pytest.skip("shared test data not available")
    lb = loopback.Loopback()
    try:
        ss.install_cmr_search(lb, [ss.umm_from_feature(f) for f in ss.load_features(ss.CA_SUBSET)])
        rc, _, err = _enumerate(
            tmp_path, lb.base_url, None, frame_ids=[9848], start="2021-09-01", end="2021-09-30"
        )
    finally:
        lb.close()
    assert rc == 1 and "only 1 acquisition date (2021-09-15)" in err, err


# ---------------------------------------------------------------------------------------- how planning uses it
def _plan(tmp_path: Path, cfg_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(tmp_path), "-n"]
    cmd += ["--configfile", str(cfg_path), "--workflow-profile", "none", "--quiet", "rules"]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def test_planning_reads_the_tsv_offline_and_stops_when_it_is_missing_or_stale(cmr, tmp_path):
    keys = {"frame_ids": [9847], "start": "2023-01-01", "end": "2023-03-31"}
    cfg_path = tmp_path / "stack.yaml"
    cfg_path.write_text(yaml.safe_dump(ss.stack_config(tmp_path, cmr.base_url, **keys)))
    cmr.log.clear()
    missing = _plan(tmp_path, cfg_path)
    assert missing.returncode != 0
    assert f"run `gunw enumerate-stack --config {cfg_path}`" in missing.stderr + missing.stdout

    rc, _, err = _main(["--config", str(cfg_path)])
    assert rc == 0, err
    tsv = Path(stack.tsv_path(config.with_defaults(yaml.safe_load(cfg_path.read_text()))))
    pairs = pair_list.read_pairs_tsv(str(tsv))
    cmr.log.clear()
    plan = _plan(tmp_path, cfg_path)
    assert plan.returncode == 0, plan.stderr[-3000:]
    assert cmr.log == []  # planning from the TSV contacts nobody
    counts = {}
    for line in plan.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
    scenes = {s for p in pairs for s in p["reference_scenes"] + p["secondary_scenes"]}
    assert len(pairs) == len(_independent_date_pairs("2023-01-01", "2023-03-31")) == 15 and len(scenes) == 7
    assert counts["check_pair"] == len(pairs)
    assert counts["download_slc"] == counts["download_orbit"] == len(scenes)  # one per scene, not per pair
    assert counts["download_dem"] == 1  # one per frame

    stale_cfg = yaml.safe_load(cfg_path.read_text())
    stale_cfg["stack"]["end"] = "2023-06-30"
    cfg_path.write_text(yaml.safe_dump(stale_cfg))
    stale = _plan(tmp_path, cfg_path)
    assert stale.returncode != 0
    assert "was enumerated with other stack settings (end differ)" in stale.stdout + stale.stderr


# ------------------------------------------------------------------------------- a stack's downloads, for real
STACK_4 = {"frame_ids": [9847], "start": "2024-03-01", "end": "2024-04-08"}  # 4 S1A dates -> 6 pairs


@pytest.mark.e2e
def test_a_four_date_stack_checks_six_pairs_and_downloads_each_scene_once(tmp_path):
    """Enumerate a 4-date sub-stack of the recorded frame 9847, then run its checks and downloads through
    Snakemake against loopback CMR, Earthdata, datapool and orbit bucket: 6 pairs, each SLC and orbit fetched once."""
    from inputs_support import EDL_PASS, EDL_USER, STANDIN, edl_env, synthetic_poeorb_for

    if not ss.FRAME_9847.is_file():
        pytest.skip("shared test data not available")
    lb = loopback.Loopback()
    try:
        records = [ss.umm_from_feature(f) for f in ss.load_features(ss.FRAME_9847)]
        token = loopback.install_earthdata(lb, EDL_USER, EDL_PASS)
        payload = STANDIN.read_bytes()
        served = {}
        for i, rec in enumerate(records):
            scene = rec["umm"]["GranuleUR"].rsplit("-", 1)[0]
            if "20240301" <= scene[17:25] <= "20240408":
                md5, size = lb.add_file(
                    loopback.DATAPOOL_HOST, loopback.datapool_path(scene), payload, auth=token
                )
                records[i] = loopback.umm_set_size_md5(rec, size, md5)
                served[scene] = size
        assert len(served) == 4
        ss.install_cmr_search(lb, records)
        orbit_files = []
        for scene in served:
            name, text = synthetic_poeorb_for(scene[17:25])
            (tmp_path / name).write_text(text)
            orbit_files.append(tmp_path / name)
        loopback.install_orbit_bucket(lb, orbit_files)

        cfg = ss.stack_config(tmp_path, lb.base_url, **STACK_4)
        cfg["downloads"].update(slc_base_url=lb.base_url, orbit_base_url=lb.base_url, retries=1)
        cfg_path = tmp_path / "stack.yaml"
        cfg_path.write_text(yaml.safe_dump(cfg))
        rc, msg, err = _main(["--config", str(cfg_path)])
        assert rc == 0, err
        tsv = tmp_path / "results" / "stack" / "pairs.tsv"
        pairs = pair_list.read_pairs_tsv(str(tsv))
        assert len(pairs) == 6 and {
            s for p in pairs for s in p["reference_scenes"] + p["secondary_scenes"]
        } == set(served)
        lb.log.clear()
        targets = [f"cache/slc/{s}.zip" for s in served] + [f"cache/orbits/{s}.EOF" for s in served]
        targets += [f"results/{p['name']}/pair.json" for p in pairs]
        env = {
            **os.environ,
            **edl_env(tmp_path),
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        }
        cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(tmp_path)]
        cmd += ["--configfile", str(cfg_path), "--workflow-profile", "none", "--resources", "downloads=4"]
        cmd += ["--cores", "2", *targets]
        cfg["results_dir"], cfg["cache_dir"] = "results", "cache"  # relative to -d, as the targets are
        cfg_path.write_text(yaml.safe_dump(cfg))
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
        slc_gets = {s: lb.count(loopback.DATAPOOL_HOST, s, method="GET") for s in served}
        eof_gets = {p: n for p, n in lb.paths(loopback.ORBIT_HOST).items() if p.endswith(".EOF")}
        print(f"\nSLC GETs per scene: {slc_gets}\nEOF GETs per file: {eof_gets}")
        print(f"CMR searches: {lb.count(loopback.CMR_HOST)} (one per pair check)")
        assert all(n == 1 for n in slc_gets.values())
        assert len(eof_gets) == 4 and all(n == 1 for n in eof_gets.values())
        assert lb.count(loopback.CMR_HOST) == 6
        for p in pairs:
            assert (tmp_path / "results" / p["name"] / "pair.json").is_file()
        for s, size in served.items():
            assert (tmp_path / "cache" / "slc" / f"{s}.zip").stat().st_size == size
    finally:
        lb.close()


def test_demo_stack_generator_makes_one_track_of_n_dates(tmp_path):
    """`synth.generate_stack`: every scene once (zip + EOF), one DEM, baselines growing by the step."""
    from gunw_workflow import s1_ids
    from gunw_workflow.demo import synth
    from gunw_workflow.layout import DemoDir

    ids = [
        "S1A_IW_SLC__1SDV_20200113T015202_20200113T015205_030176_037499_8C2B",
        "S1A_IW_SLC__1SDV_20200101T015202_20200101T015205_030001_036EA1_5E1A",
        "S1A_IW_SLC__1SDV_20191220T015202_20191220T015205_029826_0368A9_1B2C",
    ]
    small = {"bursts": 2, "lines_per_burst": 200, "samples_per_burst": 200, "overlap_lines": 40}
    summaries = synth.generate_stack(tmp_path, ids, baseline_step_m=250.0, **small)
    d = DemoDir(tmp_path)
    assert sorted(p.name for p in Path(d.slc_dir).glob("*.zip")) == sorted(f"{s}.zip" for s in ids)
    assert len(list(Path(d.orbits).glob("*.EOF"))) == 3
    assert all(Path(p).is_file() for p in (d.dem, d.dem + ".xml", d.water_mask))
    assert list(summaries) == ids[1:]  # each earlier date paired with the latest one
    offsets = [summaries[s]["orbit"]["secondary_orbit_offset_m"] for s in ids[1:]]
    baselines = [summaries[s]["orbit"]["perpendicular_baseline_m"] for s in ids[1:]]
    assert offsets == [250.0, 500.0] and abs(baselines[1]) > abs(baselines[0]) > 100
    assert {s1_ids.parse(s).track for s in ids} == {4}


def test_extending_a_stack_changes_no_existing_products_record():
    """The stack settings are not product provenance: a later `end` must not re-package the existing pairs."""
    from gunw_workflow.product import provenance

    pair = {"reference_scenes": ["a"], "secondary_scenes": ["b"], "frame_id": 9847}
    before = config.with_defaults({"stack": {**FULL, "end": "2023-06-30"}})
    after = config.with_defaults({"stack": {**FULL, "end": "2023-12-31"}})
    record = [provenance.to_json(provenance.for_pair(provenance.shared(c), pair)) for c in (before, after)]
    assert record[0] == record[1] and "stack" not in provenance.shared(after)
