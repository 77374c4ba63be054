"""Burst mode end to end through the real DAG: a pair of frame 9847 with no local SLCs (download_mode auto ->
burst) is checked against a loopback ASF burst search, its bursts are fetched once each by the ``burst_safe``
rule and assembled into one SAFE per date with burst2safe, and the unchanged staging / topsApp / packaging
rules (ISCE2 double) make a product that ``validate_gunw`` passes.

Data, as in tests/test_stack_e2e.py: the scene ids, ASF metadata and frame are the recorded ones (frame 9847,
track 64); the SLC bodies are synthetic SAFEs the demo generator makes for those ids at 32.8 N, 117.1 W (inside
the frame), here with 2,100 samples per burst (burst2safe needs lines wider than 2,048 samples,
docs/inputs.md section 9). The burst service's catalogue holds exactly the bursts cut from those SAFEs
(``burst_service.cut_demo_safe``: the synthetic bursts' own footprints, ESA-style burst ids from their ANX
times): those footprints lie inside the frame's ROI, so "every burst touching the ROI" is exactly the
synthetic set, the same burst ids on both dates, and the check's full-coverage rule holds. What this stands in
for: a real date offers ~8 bursts per swath over the frame, not 3; the rule that picks them is the same
(tests/test_bursts_check.py covers partial, mismatched and missing bursts).
"""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter

import netCDF4
import pytest
import yaml

import burst_service
import loopback
import stack_support as ss
from e2e import double_env
from gunw_workflow import pair_json

BURSTS = ss.DEMO["demo"]["bursts"]  # per swath and date
DATES = ("20240303", "20240315")  # two S1A dates of frame 9847 in the recorded results
SAMPLES = 2100

pytestmark = pytest.mark.e2e


def test_frame_pair_in_burst_mode_through_the_dag_to_a_validated_product(tmp_path):
    from inputs_support import EDL_PASS, EDL_USER, edl_env

    if not ss.FRAME_9847.is_file():
        pytest.skip("shared test data not available")
    features = ss.load_features(ss.FRAME_9847)
    scenes = sorted(
        {f["properties"]["sceneName"] for f in features if f["properties"]["sceneName"][17:25] in DATES}
    )
    assert len(scenes) == 2, scenes
    sec, ref = scenes  # oldest first
    track = int(next(f for f in features if f["properties"]["sceneName"] == ref)["properties"]["pathNumber"])
    synthetic = ss.generate_frame_scenes(tmp_path / "synthetic", scenes, SAMPLES)
    lb = loopback.Loopback()
    try:
        token = loopback.install_earthdata(lb, EDL_USER, EDL_PASS)
        # the SLC search (scene metadata) answers the recorded records; the SLC zips are NOT served
        ss.install_cmr_search(lb, [ss.umm_from_feature(f) for f in features])
        pool, files = [], {}
        for scene in scenes:
            recs, data = burst_service.cut_demo_safe(synthetic / "slc" / f"{scene}.zip", track)
            pool += recs
            files.update(data)
        burst_service.install_burst_search(lb, pool)
        burst_service.install_burst_data(lb, files, token=token)
        loopback.install_orbit_bucket(lb, sorted((synthetic / "orbits").glob("*.EOF")))

        cfg = ss.frame_run_config(
            lb.base_url,
            synthetic,
            frame_id=9847,
            reference_scenes=[ref],
            secondary_scenes=[sec],
            download_mode="auto",  # a frame and no slc_dir: burst
        )
        cfg_path = tmp_path / "burst.yaml"
        cfg_path.write_text(yaml.safe_dump(cfg))
        env = {**double_env(), **edl_env(tmp_path)}  # the ISCE2 double first on PATH
        cmd = ss.frame_snakemake_cmd(tmp_path, cfg_path)
        lb.log.clear()
        t0 = time.monotonic()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3000)
        wall = time.monotonic() - t0
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
        out = proc.stdout + proc.stderr
        assert "rule burst_safe:" in out and "rule download_slc" not in out

        (pair_dir,) = [p for p in (tmp_path / "results").iterdir() if (p / "pair.json").is_file()]
        assert (pair_dir / "product" / "validated.ok").is_file()
        doc = pair_json.read(pair_dir / "pair.json")
        assert doc["download_mode"] == "burst"
        served = {r["umm"]["GranuleUR"] for r in pool}
        for role, scene in (("reference", ref), ("secondary", sec)):
            rec = doc["bursts"][role]
            assert rec["date"] == scene[17:25] and rec["slcs"] == [scene]
            got = [b["granule"] for b in rec["bursts"]]
            want = sorted(g for g in served if scene[-4:] in g and "_IW1_" in g and "_VV_" in g)
            assert sorted(got) == want and len(got) == BURSTS  # every IW1 VV burst of the date
        ids = {
            role: [b["burst_id"] for b in doc["bursts"][role]["bursts"]]
            for role in ("reference", "secondary")
        }
        assert ids["reference"] == ids["secondary"]
        # topsApp read the burst2safe SAFEs of the shared cache (one per date), not an SLC
        xml = (pair_dir / "topsapp" / "topsApp.xml").read_text()
        for role in ("reference", "secondary"):
            safe = tmp_path / "cache" / "bursts" / "safe" / f"{doc['bursts'][role]['key']}.SAFE"
            assert safe.is_dir() and f"['{safe}']" in xml

        # each needed burst TIFF fetched exactly once, and each date's metadata XML (the extractor's combined XML
        # of one SLC + polarisation, the same at every burst URL: the download layer fetches it once per SLC, from
        # the first burst's URL) exactly once; no SLC zip requested
        bursts_of = {role: doc["bursts"][role]["bursts"] for role in ("reference", "secondary")}
        needed = {b["url"].split(burst_service.BURST_HOST, 1)[1] for bs in bursts_of.values() for b in bs}
        needed |= {bs[0]["metadata_url"].split(burst_service.BURST_HOST, 1)[1] for bs in bursts_of.values()}
        counts = Counter(
            r["path"] for r in lb.log if r["host"] == burst_service.BURST_HOST and r["method"] == "GET"
        )
        assert set(counts) == needed and set(counts.values()) == {1}, counts
        assert sum(p.endswith(".xml") for p in counts) == 2  # one SLC per date
        assert sum(p.endswith(".tiff") for p in counts) == 2 * BURSTS
        assert lb.count(loopback.DATAPOOL_HOST) == 0
        assert not [r for r in lb.log if r["path"].endswith(".zip")]
        searches = lb.count(loopback.CMR_HOST, method="POST")
        assert searches == 3  # the check: one SLC metadata search, one burst search per date

        # provenance: input_bursts listed; L1InputGranules stays the SLC ids
        (nc_path,) = list((tmp_path / "results" / "products").glob("*/*.nc"))
        with netCDF4.Dataset(nc_path) as nc:
            record = json.loads(nc.getncattr("workflow_config"))
            l1 = {
                g: [str(x) for x in nc[f"science/radarMetaData/inputSLC/{g}"]["L1InputGranules"][:]]
                for g in ("reference", "secondary")
            }
        assert record["input_bursts"]["reference"]["slcs"] == [ref]
        assert record["input_bursts"]["secondary"]["bursts"] == [
            b["granule"] for b in doc["bursts"]["secondary"]["bursts"]
        ]
        assert l1 == {"reference": [ref], "secondary": [sec]}
        print(
            f"\nburst-mode pair: {wall:.0f} s wall; burst GETs {len(counts)} "
            f"({sum(p.endswith('.tiff') for p in counts)} tiff, {sum(p.endswith('.xml') for p in counts)} xml), "
            f"each once; SLC zip requests 0; CMR searches {searches}"
        )
    finally:
        lb.close()
