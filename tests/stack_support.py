"""Loopback ASF geo search for the stack tests: CMR answering asf_search's frame query from recorded results.

s1_frame_enumerator's recorded frame results (``frame_9847_asf_results.json``, the CA subset) are asf_search
GeoJSON features, what ``ASFProduct.geojson()`` returns. CMR answers UMM-G, so each feature is put back into a
recorded real UMM-G SLC record of the asf_search test resources (the envelope), field by field where asf_search
reads it; ``test_stack.test_replayed_records_round_trip`` checks asf_search turns them back into the recorded
properties. The search filters as CMR does for the keys asf_search sends for a frame query (collection short
names, BEAM_MODE / POLARIZATION / PATH_NUMBER attributes, temporal range, polygon intersection) and pages with
``CMR-Search-After`` like CMR.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import sys
from pathlib import Path

import yaml
from shapely.geometry import Polygon, shape

import loopback

ENUM_DATA = loopback.DATA / "s1_frame_enumerator/tests/data"
FRAME_9847 = ENUM_DATA / "frame_9847_asf_results.json"
CA_SUBSET = ENUM_DATA / "CA-subset_2021-09-14_asf_results.json"
REPO = Path(__file__).resolve().parent.parent
DEMO = yaml.safe_load((REPO / "config" / "demo.yaml").read_text())


@functools.lru_cache(maxsize=1)
def _template() -> dict:
    for rec in loopback.load_umm_records():
        if rec["umm"].get("CollectionReference", {}).get("ShortName", "").endswith("_SLC"):
            return rec
    raise LookupError("no recorded UMM-G SLC record in the asf_search resources")


def _set_attr(umm: dict, name: str, value) -> None:
    for attr in umm["AdditionalAttributes"]:
        if attr["Name"] == name:
            attr["Values"] = [str(value)]
            return
    umm["AdditionalAttributes"].append({"Name": name, "Values": [str(value)]})


def umm_from_feature(feature: dict, template: dict | None = None) -> dict:
    """A UMM-G record ({meta, umm}) carrying the GeoJSON feature's fields at the paths asf_search reads."""
    rec = copy.deepcopy(template or _template())
    p, umm = feature["properties"], rec["umm"]
    rec["meta"]["native-id"] = umm["GranuleUR"] = p["fileID"]
    umm["TemporalExtent"]["RangeDateTime"] = {
        "BeginningDateTime": p["startTime"],
        "EndingDateTime": p["stopTime"],
    }
    umm["OrbitCalculatedSpatialDomains"] = [{"OrbitNumber": int(p["orbit"])}]
    for name, key in (
        ("ASCENDING_DESCENDING", "flightDirection"),
        ("ASF_PLATFORM", "platform"),
        ("BEAM_MODE", "beamModeType"),
        ("BEAM_MODE_TYPE", "beamModeType"),
        ("BYTES", "bytes"),
        ("CENTER_LAT", "centerLat"),
        ("CENTER_LON", "centerLon"),
        ("FRAME_NUMBER", "frameNumber"),
        ("GRANULE_TYPE", "granuleType"),
        ("GROUP_ID", "groupID"),
        ("MD5SUM", "md5sum"),
        ("PATH_NUMBER", "pathNumber"),
        ("POLARIZATION", "polarization"),
        ("PROCESSING_TYPE", "processingLevel"),
    ):
        if p.get(key) is not None:
            _set_attr(umm, name, p[key])
    ring = feature["geometry"]["coordinates"][0]
    umm["SpatialExtent"]["HorizontalSpatialDomain"]["Geometry"]["GPolygons"] = [
        {"Boundary": {"Points": [{"Longitude": x, "Latitude": y} for x, y in ring]}}
    ]
    mission = p["sceneName"][:3]
    umm["CollectionReference"]["ShortName"] = f"SENTINEL-1{mission[2]}_SLC"
    umm["Platforms"][0]["ShortName"] = f"SENTINEL-1{mission[2]}"
    umm["PGEVersionClass"]["PGEVersion"] = p.get("pgeVersion")
    umm["RelatedUrls"] = [{"URL": p["url"], "Type": "GET DATA", "Description": "download"}]
    umm["DataGranule"]["Identifiers"] = [
        {"Identifier": p["sceneName"], "IdentifierType": "ProducerGranuleId"}
    ]
    umm["DataGranule"]["ProductionDateTime"] = p.get("processingDate") or p["startTime"]
    return rec


def load_features(path: Path) -> list[dict]:
    return json.loads(Path(path).read_text())


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _attr(rec: dict, name: str):
    for attr in rec["umm"]["AdditionalAttributes"]:
        if attr["Name"] == name:
            return attr["Values"][0]
    return None


def _matches(rec: dict, form: dict) -> bool:
    umm = rec["umm"]
    if "shortName" in form and umm["CollectionReference"]["ShortName"] not in form["shortName"]:
        return False
    for spec in form.get("attribute[]", []):
        kind, name, value = spec.split(",", 2)
        have = _attr(rec, name)
        if have is None or (int(have) != int(value) if kind == "int" else have != value):
            return False
    for temporal in form.get("temporal", []):
        t0, t1 = (temporal.split(",") + ["", ""])[:2]
        begin = _time(umm["TemporalExtent"]["RangeDateTime"]["BeginningDateTime"])
        end = _time(umm["TemporalExtent"]["RangeDateTime"]["EndingDateTime"])
        if (t1 and begin > _time(t1)) or (t0 and end < _time(t0)):
            return False
    for poly in form.get("polygon", []):
        v = [float(x) for x in poly.split(",")]
        aoi = Polygon(list(zip(v[0::2], v[1::2], strict=True)))
        pts = umm["SpatialExtent"]["HorizontalSpatialDomain"]["Geometry"]["GPolygons"][0]["Boundary"][
            "Points"
        ]
        if not Polygon([(q["Longitude"], q["Latitude"]) for q in pts]).intersects(aoi):
            return False
    names = form.get("readable_granule_name[]")
    if names and not (loopback._names(rec) & set(names)):
        return False
    return True


def install_cmr_search(lb: loopback.Loopback, records: list[dict]) -> list[dict]:
    """CMR granule search over ``records`` (geo and name searches), sorted and paged as asf_search asks."""

    def search(req):
        form = req["form"]
        items = [r for r in records if _matches(r, form)]
        items.sort(key=lambda r: r["umm"]["GranuleUR"])
        items.sort(key=lambda r: r["umm"]["TemporalExtent"]["RangeDateTime"]["EndingDateTime"], reverse=True)
        size = int(form.get("page_size", ["250"])[0])
        offset = int(req["headers"].get("CMR-Search-After") or 0)
        page = items[offset : offset + size]
        headers = {"Content-Type": "application/vnd.nasa.cmr.umm_results+json", "CMR-Hits": str(len(items))}
        if offset + size < len(items):
            headers["CMR-Search-After"] = str(offset + size)
        body = json.dumps({"hits": len(items), "took": 3, "items": page}).encode()
        return loopback.Reply(200, body, headers)

    lb.route(loopback.CMR_HOST, "POST", r"/search/granules\.umm_json$", search)
    return records


def stack_config(tmp_path: Path, url: str, **stack) -> dict:
    """A config with only a `stack:` (the user's own file: no top-level pair) searching the loopback."""
    return {
        "results_dir": str(tmp_path / "results"),
        "cache_dir": str(tmp_path / "cache"),
        "downloads": {"retries": 0, "asf_search_url": url},
        "download_mode": "slc",  # whole SLCs, as these tests count them (burst mode: tests/test_bursts_*.py)
        "stack": stack,
    }


def footprint(feature: dict):
    return shape(feature["geometry"])


# ---- the frame-9847 end-to-end runs (tests/test_stack_e2e.py, tests/test_bursts_frame_e2e.py) ----------------


def generate_frame_scenes(outdir: Path, scenes: list[str], samples_per_burst: int | None = None) -> Path:
    """Synthetic SAFEs and EOFs for recorded frame-9847 scene ids: the demo's bursts, inside the frame and the
    recorded footprints, orbits over the ids' 30-s windows +- 10 min (the generator's data are 3 s of them)."""
    from gunw_workflow.demo import synth

    demo = DEMO["demo"]
    synth.generate_stack(
        outdir,
        scenes,
        centre_lat=32.8,
        centre_lon=-117.1,
        bursts=demo["bursts"],
        lines_per_burst=demo["lines_per_burst"],
        samples_per_burst=samples_per_burst or demo["samples_per_burst"],
        overlap_lines=demo["overlap_lines"],
        orbit_margin_s=700.0,
    )
    return outdir


def frame_run_config(url: str, synthetic: Path, **extra) -> dict:
    """The demo's topsApp settings at 90 m without the ionosphere (tested in test_e2e_*), every service on the
    loopback ``url``, the synthetic DEM; ``extra`` adds the pair or stack and the download mode."""
    services = ("asf_search_url", "burst_base_url", "slc_base_url", "orbit_base_url")
    return {
        **{k: DEMO[k] for k in ("goldstein_filter_power", "esd_coherence_threshold", "topsapp")},
        "estimate_ionosphere_delay": False,
        "output_resolution": 90,
        "results_dir": "results",
        "cache_dir": "cache",
        "local_inputs": {"dem": str(synthetic / "dem" / "dem.wgs84")},
        "downloads": {"retries": 1, **{k: url for k in services}},
        **extra,
    }


def frame_snakemake_cmd(workdir: Path, configfile: Path) -> list[str]:
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(workdir)]
    return cmd + [
        "--configfile",
        str(configfile),
        "--workflow-profile",
        "none",
        "--resources",
        "downloads=4",
        "--cores",
        "2",
    ]
