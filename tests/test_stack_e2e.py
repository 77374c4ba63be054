"""A frame stack end to end through the ISCE2 double: dates of frame 9847 enumerated from the recorded ASF results,
3 dates (2 pairs: one neighbour each, so the middle date serves both) processed from loopback search, SLC and
orbit servers into validated GUNWs, then the stack extended to 4 dates (3 pairs): only the new pair runs; each
date's SLC and orbit is downloaded once. (ARIA's 3 neighbours: tests/test_stack.py, on all 244 dates.)

The scene ids, ASF metadata and frame are the recorded ones; the SLC bodies (4-8 GB each, never recorded) are
stand-ins as in the other download tests, here synthetic SAFEs made for those ids by the demo generator
(``synth.generate_stack``: one track, 300 m baseline steps), with their EOFs. The synthetic data cover a small
part of the frame; the product grid is still the frame's GUNW footprint (docs/inputs.md §4), so
``min_frame_coverage`` keeps its default (the recorded footprints cover the frame) and the grid is mostly fill.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import yaml

import loopback
import stack_support as ss
from e2e import double_env
from gunw_workflow import pair_list

STACK_4 = {
    "frame_ids": [9847],
    "start": "2024-03-01",
    "end": "2024-04-08",
    "neighbours": 1,
}  # 4 S1A dates -> 3 pairs


@pytest.mark.e2e
def test_frame_stack_end_to_end_each_date_downloaded_once_and_an_extension_runs_only_new_pairs(tmp_path):
    from inputs_support import EDL_PASS, EDL_USER, edl_env

    if not ss.FRAME_9847.is_file():
        pytest.skip("shared test data not available")
    features = ss.load_features(ss.FRAME_9847)
    scenes = sorted(
        {f["properties"]["sceneName"] for f in features if "20240301" <= f["properties"]["sceneName"][17:25]}
    )
    assert len(scenes) == 4
    synthetic = ss.generate_frame_scenes(tmp_path / "synthetic", scenes)
    lb = loopback.Loopback()
    try:
        token = loopback.install_earthdata(lb, EDL_USER, EDL_PASS)
        records = [ss.umm_from_feature(f) for f in features]
        for i, rec in enumerate(records):
            scene = rec["umm"]["GranuleUR"].rsplit("-", 1)[0]
            if scene in scenes:
                body = synthetic / "slc" / f"{scene}.zip"
                md5, size = lb.add_file(
                    loopback.DATAPOOL_HOST, loopback.datapool_path(scene), body, auth=token
                )
                records[i] = loopback.umm_set_size_md5(rec, size, md5)
        ss.install_cmr_search(lb, records)
        loopback.install_orbit_bucket(lb, sorted((synthetic / "orbits").glob("*.EOF")))

        # whole SLCs: what this test counts (burst mode: tests/test_bursts_*.py)
        cfg = ss.frame_run_config(lb.base_url, synthetic, download_mode="slc")
        cfg_path = tmp_path / "stack.yaml"
        env = {**double_env(), **edl_env(tmp_path)}  # the ISCE2 double first on PATH
        cmd = ss.frame_snakemake_cmd(tmp_path, cfg_path)

        def enumerate_until(end: str) -> list[dict]:
            cfg["stack"] = {**STACK_4, "end": end}
            cfg_path.write_text(yaml.safe_dump(cfg))
            gunw = [sys.executable, "-m", "gunw_workflow.cli", "enumerate-stack", "--config", str(cfg_path)]
            enum = subprocess.run(gunw, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
            assert enum.returncode == 0, enum.stderr[-3000:]
            return pair_list.read_pairs_tsv(str(tmp_path / "results" / "stack" / "pairs.tsv"))

        def run(extra=()) -> subprocess.CompletedProcess:
            proc = subprocess.run(cmd + list(extra), env=env, capture_output=True, text=True, timeout=3000)
            assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
            return proc

        # the stack until 2024-03-27: 3 dates, 2 pairs
        first = enumerate_until("2024-03-27")
        assert len(first) == 2
        lb.log.clear()
        t0 = time.monotonic()
        run()
        wall_first = time.monotonic() - t0

        # extended to 2024-04-08: the pair of the new date is added, the first 2 are neither renamed nor re-run
        searched = lb.count(loopback.CMR_HOST)
        pairs = enumerate_until("2024-04-08")
        enumeration_searches = lb.count(loopback.CMR_HOST) - searched  # the frame query (VV, VV+VH)
        assert len(pairs) == 3
        assert all(
            {k: v for k, v in p.items() if k != "_origin"}
            in [{k: v for k, v in q.items() if k != "_origin"} for q in pairs]
            for p in first
        )
        plan = run(["-n"])
        planned = plan.stdout + plan.stderr
        for p in first:
            assert f"pair={p['name']}" not in planned  # no job of an existing pair (only the run's report)
        assert pairs[:2] == first  # rows are oldest first: the new date's pairs are appended
        for p in pairs[2:]:
            assert p["name"].startswith("F9847_20240408_") and f"results/{p['name']}/pair.json" in planned
        t0 = time.monotonic()
        run()
        wall_second = time.monotonic() - t0

        for p in pairs:
            assert (tmp_path / "results" / p["name"] / "product" / "validated.ok").is_file()
        assert len(list((tmp_path / "results" / "products").glob("*/*.nc"))) == 3
        slc_gets = {s[17:25]: lb.count(loopback.DATAPOOL_HOST, s, method="GET") for s in scenes}
        eof_gets = {
            p.rsplit("/", 1)[1]: n for p, n in lb.paths(loopback.ORBIT_HOST).items() if p.endswith(".EOF")
        }
        searches = lb.count(loopback.CMR_HOST) - enumeration_searches
        print(f"\nstack run: {wall_first:.0f} s (2 pairs) + {wall_second:.0f} s (1 added pair) wall")
        print(f"SLC GETs per date {slc_gets}\nEOF GETs {eof_gets}\nCMR searches by the checks {searches}")
        assert list(slc_gets.values()) == [1, 1, 1, 1]
        assert len(eof_gets) == 4 and set(eof_gets.values()) == {1}
        assert searches == 3  # one metadata search per pair check

        lb.log.clear()
        again = run(["-n"])
        assert "Nothing to be done" in again.stdout + again.stderr
        assert lb.log == []
    finally:
        lb.close()
