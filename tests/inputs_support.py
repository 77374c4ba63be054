"""Shared set-up of the input tests: a loopback server with every replayed service, scenes and fake credentials."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import loopback
from gunw_workflow.inputs import http_fetch

# Real SLCs of the recorded ASF/CMR stack (track 35 ascending, S1A, N. California); 2015-03-13 is IPF 002.36.
S0313 = "S1A_IW_SLC__1SSV_20150313T020743_20150313T020811_005007_00646F_366F"
S0325 = "S1A_IW_SLC__1SDV_20150325T020743_20150325T020811_005182_00689D_D895"
S0406 = "S1A_IW_SLC__1SSV_20150406T020744_20150406T020811_005357_006CC2_FDC7"
S0418 = "S1A_IW_SLC__1SSV_20150418T020744_20150418T020811_005532_00712C_09A0"
FAIRBANKS = "S1B_IW_SLC__1SDV_20210102T032031_20210102T032058_024970_02F8C3_C081"  # track 94
GRD = "S1B_IW_GRDH_1SDV_20211110T032039_20211110T032104_029520_0385E6_60DB"
FRAME_T35 = 5290  # ARIA frame over the stack (track 35 ascending)
# local real SAFEs (manifest + annotations), track 108 ascending, frame 16739 covers 98 %
LOCAL_SLC_DIR = loopback.DATA / "hyp3-isce2/tests/data/packaging/slc"
L0406 = "S1A_IW_SLC__1SDV_20250406T022008_20250406T022035_058630_07421F_93A7"
L0418 = "S1A_IW_SLC__1SDV_20250418T022008_20250418T022035_058805_074946_C7D4"

EDL_USER = "loopback-user"
EDL_PASS = "s3cr3t-P4ss-never-logged"
STANDIN = (
    loopback.DATA
    / "s1-reader/tests/data/S1A_IW_SLC__1SDV_20200511T135117_20200511T135144_032518_03C421_7768.zip"
)
POEORB_2018 = loopback.DATA / "RAiDER/test/orbit_files/S1_orbit_example.EOF"
RESORB_2022 = (
    loopback.DATA
    / "SARProcessing.jl/test/testData/S1A_OPER_AUX_RESORB_OPOD_20220918T093241_V20220918T053155_20220918T084925.EOF"
)
SCENE_POE = "S1A_IW_SLC__1SDV_20181113T015017_20181113T015047_024580_02B2C1_ABCD"  # covered by POEORB_2018
SCENE_RES = "S1A_IW_SLC__1SDV_20220918T074920_20220918T074947_045056_0562B1_1A2B"  # only by RESORB_2022


def fast_policy(attempts: int = 4, read_timeout: float = 0.3) -> http_fetch.RetryPolicy:
    return http_fetch.RetryPolicy(
        attempts=attempts, backoff=0.005, max_wait=0.02, connect_timeout=0.5, read_timeout=read_timeout
    )


def require_shared():
    if not loopback.DATA.is_dir():
        pytest.skip(f"{loopback.DATA} (shared test data) is not available")


def edl_env(tmp_path: Path) -> dict:
    """Environment with Earthdata credentials in variables and no netrc."""
    return {
        "EARTHDATA_USERNAME": EDL_USER,
        "EARTHDATA_PASSWORD": EDL_PASS,
        "NETRC": str(tmp_path / "no.netrc"),
    }


def synthetic_poeorb_for(day: str) -> tuple[str, str]:
    """(name, text): the real POEORB example re-labelled to cover `day` (YYYYMMDD) — a stand-in where no real
    orbit file of that date is staged. Only names and validity change; the state-vector format is real."""
    from datetime import datetime, timedelta

    d = datetime.strptime(day, "%Y%m%d")
    v0, v1 = d - timedelta(hours=1, seconds=18), d + timedelta(days=1, minutes=59, seconds=42)
    name = f"S1A_OPER_AUX_POEORB_OPOD_{(d + timedelta(days=20)):%Y%m%d}T120000_V{v0:%Y%m%dT%H%M%S}_{v1:%Y%m%dT%H%M%S}"
    text = POEORB_2018.read_text()
    text = re.sub(r"<File_Name>.*?</File_Name>", f"<File_Name>{name}</File_Name>", text)
    text = re.sub(r"<Validity_Start>UTC=.*?<", f"<Validity_Start>UTC={v0:%Y-%m-%dT%H:%M:%S}<", text)
    text = re.sub(r"<Validity_Stop>UTC=.*?<", f"<Validity_Stop>UTC={v1:%Y-%m-%dT%H:%M:%S}<", text)
    return name + ".EOF", text


class Services:
    """A loopback server with CMR, Earthdata, datapool, orbit bucket, CDSE, GLO-30 and the geoid installed."""

    def __init__(self, tmp_path: Path, served_scenes=(S0313, S0325, S0406, S0418), synthetic_orbit_days=()):
        require_shared()
        self.lb = loopback.Loopback(slow_seconds=0.6)
        self.records = loopback.load_umm_records()
        payload = STANDIN.read_bytes()
        self.payload = payload
        self.md5, self.size = None, len(payload)
        token = loopback.install_earthdata(self.lb, EDL_USER, EDL_PASS)
        for scene in served_scenes:
            md5, size = self.lb.add_file(
                loopback.DATAPOOL_HOST, loopback.datapool_path(scene), payload, auth=token
            )
            self.md5 = md5
            for i, rec in enumerate(self.records):
                if rec["umm"]["GranuleUR"].startswith(scene):
                    self.records[i] = loopback.umm_set_size_md5(rec, size, md5)
        loopback.install_cmr(self.lb, self.records)
        orbit_files = [POEORB_2018, RESORB_2022]
        for day in synthetic_orbit_days:
            name, text = synthetic_poeorb_for(day)
            p = tmp_path / "synthetic_orbits" / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
            orbit_files.append(p)
        loopback.install_orbit_bucket(self.lb, orbit_files)
        loopback.install_cdse(self.lb)
        loopback.install_glo30(self.lb)
        self.geoid = loopback.install_geoid(self.lb, tmp_path)

    @property
    def url(self) -> str:
        return self.lb.base_url

    def close(self):
        self.lb.close()


@pytest.fixture(scope="module")
def _services(tmp_path_factory):
    """One loopback server set per test module (cheap to reuse; each test starts from a clean log)."""
    svc = Services(tmp_path_factory.mktemp("services"))
    yield svc
    svc.close()


@pytest.fixture
def services(_services):
    _services.lb.log.clear()
    _services.lb.faults.clear()
    return _services


def pair_json_doc(scenes: dict | None = None, **fields) -> dict:
    """A pair.json that follows resources/pair.schema.json, for tests that need one without a check run:
    ``scenes`` maps scene id -> the record fields a test cares about (the rest are filled in), ``fields``
    override top-level keys."""
    footprint = "POLYGON ((-122 38, -121 38, -121 39, -122 39, -122 38))"

    def record(scene, given):
        rec = {
            "start": "2015-04-06T02:07:44.000000Z",
            "stop": "2015-04-06T02:08:11.000000Z",
            "footprint_wkt": footprint,
            "ipf_version": "002.43",
            "source": "asf",
            "bytes": None,
            "md5": None,
            "url": None,
            "flight_direction": "ASCENDING",
            "track": 35,
            "platform": "Sentinel-1A",
            "polarization": "VV",
        }
        return {**rec, **given}

    scenes = scenes or {S0406: {}, S0313: {}}
    ids = list(scenes) + [S0313, S0406]
    doc = {
        "pair": "test_pair",
        "reference_scenes": [ids[0]],
        "secondary_scenes": [ids[1] if len(scenes) > 1 else S0313],
        "frame_id": -1,
        "mission": "S1A",
        "missions": ["S1A"],
        "track": 35,
        "flight_direction": "ASCENDING",
        "reference_start": "2015-04-06T02:07:44.000000Z",
        "reference_stop": "2015-04-06T02:08:11.000000Z",
        "secondary_start": "2015-03-13T02:07:43.000000Z",
        "secondary_stop": "2015-03-13T02:08:11.000000Z",
        "roi_snwe": [38.0, 39.0, -122.0, -121.0],
        "extent_wkt": footprint,
        "extent_snwe": [38.0, 39.0, -122.0, -121.0],
        "intersection_wkt": footprint,
        "frame_coverage": None,
        "min_frame_coverage": None,
        "dem_bounds_wsen": [-123.0, 37.0, -120.0, 40.0],
        "water_mask_bounds_wsen": [-123.0, 37.0, -120.0, 40.0],
        "ipf_versions": ["002.43"],
        "needs_aux_cal": False,
        "scenes": {s: record(s, given) for s, given in scenes.items()},
    }
    if len(doc["scenes"]) < 2:
        doc["scenes"][S0313] = record(S0313, {})
    doc.update(fields)
    return doc
