"""The synthetic Sentinel-1 pair: geometry consistency, SAFE/EOF/DEM formats as ISCE2's reader needs them,
and the truth matching the generated interferogram."""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pytest

from gunw_workflow.demo import orbit_model
from gunw_workflow.demo import synth as synth_s1
from gunw_workflow.isce_io import orbit as og
from gunw_workflow.isce_io import times

rasterio = pytest.importorskip("rasterio")

# ARIA convention: the reference is the later date
REF = "S1A_IW_SLC__1SDV_20200113T015202_20200113T015205_030176_037499_8C2B"
SEC = "S1A_IW_SLC__1SDV_20200101T015202_20200101T015205_030001_036EA1_5E1A"
SAFE_NS = {"safe": "http://www.esa.int/safe/sentinel-1.0", "gml": "http://www.opengis.net/gml"}
TIME_FIELDS = re.compile(
    r"<(azimuthTime|time|startTime|stopTime|\w*UtcTime|ascendingNodeTime|anchorTime|\w*[sS]ensingTime)>([^<]+)</"
)
EOF_RE = re.compile(r"^S1A_OPER_AUX_POEORB_OPOD_\d{8}T\d{6}_V(\d{8}T\d{6})_(\d{8}T\d{6})\.EOF$")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    summary = synth_s1.generate_pair(out, REF, SEC)
    return out, summary


def _safe(zpath: Path):
    zf = zipfile.ZipFile(zpath)
    names = zf.namelist()
    ann = [n for n in names if re.search(r"\.SAFE/annotation/s1a-iw1-slc-vv.*\.xml$", n)]
    tif = [n for n in names if re.search(r"\.SAFE/measurement/s1a-iw1-slc-vv.*\.tiff$", n)]
    return zf, names, ann, tif


def _eof(out: Path, scene_id: str) -> Path:
    (match,) = [p for p in (out / "orbits").glob("*.EOF") if f"_V{scene_id[17:25]}T" in p.name]
    return match


def _burst_times(root):
    return [times.parse_time(b.findtext("azimuthTime")) for b in root.findall("swathTiming/burstList/burst")]


# ------------------------------------------------------------------------------------------- geometry
def test_scene_centre_matches_zero_doppler_on_the_eof(demo):
    """Issue acceptance: annotation timing/range of the scene centre vs a zero-Doppler solve on the EOF orbit
    (< 1 m, < 1 ms; measured ~1 us and ~0.1 mm)."""
    out, summary = demo
    sc = summary["scene"]
    for scene_id, eof in ((REF, _eof(out, REF)), (SEC, _eof(out, SEC))):
        zf, _, ann, _ = _safe(out / "slc" / f"{scene_id}.zip")
        root = ET.fromstring(zf.read(ann[0]))
        dtl = float(root.findtext("imageAnnotation/imageInformation/azimuthTimeInterval"))
        tau0 = float(root.findtext("imageAnnotation/imageInformation/slantRangeTime"))
        fs = float(root.findtext("generalAnnotation/productInformation/rangeSamplingRate"))
        orbit = og.read_eof(eof)
        # the scene centre: merged line total_lines/2 (in burst 1), mid sample
        first = _burst_times(root)[0]
        t_ann = orbit.seconds(first) + sc["total_lines"] / 2 * dtl
        r_ann = tau0 * og.SPEED_OF_LIGHT / 2 + sc["samples_per_burst"] / 2 * og.SPEED_OF_LIGHT / (2 * fs)
        tg = og.geodetic_to_ecef(sc["centre_lat"], sc["centre_lon"], sc["centre_height_m"])[None]
        t, r = og.zero_doppler(orbit, tg)
        assert abs(t[0] - t_ann) < 1e-3
        assert abs(r[0] - r_ann) < 1.0
        assert abs(t[0] - t_ann) < 2e-5 and abs(r[0] - r_ann) < 0.01  # what it actually achieves


def test_geolocation_grid_is_consistent_with_the_orbit(demo):
    out, _ = demo
    zf, _, ann, _ = _safe(out / "slc" / f"{REF}.zip")
    root = ET.fromstring(zf.read(ann[0]))
    orbit = og.read_eof(_eof(out, REF))
    pts = root.findall("geolocationGrid/geolocationGridPointList/geolocationGridPoint")
    assert len(pts) == int(root.find("geolocationGrid/geolocationGridPointList").get("count")) >= 4 * 11
    lat, lon, h = (np.array([float(p.findtext(k)) for p in pts]) for k in ("latitude", "longitude", "height"))
    t_ann = orbit.seconds([p.findtext("azimuthTime") for p in pts])
    r_ann = np.array([float(p.findtext("slantRangeTime")) for p in pts]) * og.SPEED_OF_LIGHT / 2
    t, r = og.zero_doppler(orbit, og.geodetic_to_ecef(lat, lon, h))
    assert np.abs(t - t_ann).max() < 2e-5 and np.abs(r - r_ann).max() < 0.01
    # geolocation lines are the burst starts + the last line, as in real annotations
    lines = sorted({int(p.findtext("line")) for p in pts})
    assert lines == [0, 530, 1060, 1589]
    # incidence around IW1 values and right-looking ascending: LOS points west-ish of north-up
    inc = np.array([float(p.findtext("incidenceAngle")) for p in pts])
    assert 29 < inc.min() < inc.max() < 32


def test_orbit_is_realistic_and_consistent(demo):
    out, summary = demo
    orbit = og.read_eof(_eof(out, REF))
    radius = np.linalg.norm(orbit.pos, axis=1)
    assert np.allclose(radius, orbit_model.ORBIT_RADIUS, atol=1.0)
    p, h = orbit.pos, 10.0
    fd = (-p[4:] + 8 * p[3:-1] - 8 * p[1:-3] + p[:-4]) / (12 * h)
    assert np.abs(fd - orbit.vel[2:-2]).max() < 1e-3
    # Earth rotation: the Earth-fixed track is not a plane through the centre (an inertial orbit would be)
    normal = np.cross(orbit.pos[0], orbit.pos[-1])
    normal /= np.linalg.norm(normal)
    assert np.abs(orbit.pos @ normal).max() > 10e3
    # ascending, near-polar
    mid = len(orbit.t) // 2
    assert orbit.vel[mid, 2] > 0
    assert summary["orbit"]["inclination_deg"] == pytest.approx(98.18)
    # the secondary flies the same Earth-fixed trajectory 12 days later: zero baseline
    sec = og.read_eof(_eof(out, SEC))
    assert np.allclose(sec.pos, orbit.pos, atol=1e-5)
    assert summary["orbit"]["perpendicular_baseline_m"] < 1e-3


# ------------------------------------------------------------------------------------------- SAFE format
def test_safe_structure_follows_the_reader_needs(demo):
    out, summary = demo
    for scene_id in (REF, SEC):
        zf, names, ann, tif = _safe(out / "slc" / f"{scene_id}.zip")
        assert f"{scene_id}.SAFE/manifest.safe" in names and len(ann) == 1 and len(tif) == 1
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in zf.infolist())
        # names follow the real grammar
        stem = Path(ann[0]).stem
        assert re.fullmatch(r"s1a-iw1-slc-vv-\d{8}t\d{6}-\d{8}t\d{6}-\d{6}-[0-9a-f]{6}-004", stem)
        assert Path(tif[0]).stem == stem
        # manifest: processing metadata without namespace on metadataObject, IPF version, footprint
        man = ET.fromstring(zf.read(f"{scene_id}.SAFE/manifest.safe"))
        proc = [m for m in man.iter("metadataObject") if m.get("ID") == "processing"]
        assert len(proc) == 1
        sw = proc[0].find("metadataWrap/xmlData/safe:processing/safe:facility/safe:software", SAFE_NS)
        assert sw.get("version") == "003.31" and sw.get("name")
        fac = proc[0].find("metadataWrap/xmlData/safe:processing/safe:facility", SAFE_NS)
        assert fac.get("site") and fac.get("country")
        coords = man.find(".//safe:footPrint/gml:coordinates", SAFE_NS).text.split()
        pts = [tuple(map(float, c.split(","))) for c in coords]
        assert len(pts) == 4
        snwe = summary["scene"]["data_area_snwe"]
        assert all(
            snwe[0] - 0.01 < la < snwe[1] + 0.01 and snwe[2] - 0.01 < lo < snwe[3] + 0.01 for la, lo in pts
        )
        start = man.find(".//safe:acquisitionPeriod/safe:startTime", SAFE_NS).text
        assert start.startswith("2020-01-13T01:52:02." if scene_id == REF else "2020-01-01T01:52:02.")


def test_annotation_fields_and_formats(demo):
    out, summary = demo
    zf, _, ann, _ = _safe(out / "slc" / f"{REF}.zip")
    text = zf.read(ann[0]).decode()
    root = ET.fromstring(text)
    required = [
        "adsHeader/missionId",
        "adsHeader/swath",
        "adsHeader/polarisation",
        "adsHeader/absoluteOrbitNumber",
        "generalAnnotation/productInformation/radarFrequency",
        "generalAnnotation/productInformation/pass",
        "generalAnnotation/productInformation/rangeSamplingRate",
        "generalAnnotation/productInformation/azimuthSteeringRate",
        "generalAnnotation/downlinkInformationList/downlinkInformation/prf",
        "generalAnnotation/terrainHeightList/terrainHeight/value",
        "imageAnnotation/imageInformation/azimuthPixelSpacing",
        "imageAnnotation/imageInformation/azimuthTimeInterval",
        "imageAnnotation/imageInformation/slantRangeTime",
        "imageAnnotation/imageInformation/incidenceAngleMidSwath",
        "imageAnnotation/imageInformation/ascendingNodeTime",
        "swathTiming/linesPerBurst",
        "swathTiming/samplesPerBurst",
        "generalAnnotation/azimuthFmRateList/azimuthFmRate/azimuthTime",
        "generalAnnotation/azimuthFmRateList/azimuthFmRate/t0",
        "generalAnnotation/azimuthFmRateList/azimuthFmRate/azimuthFmRatePolynomial",
        "dopplerCentroid/dcEstimateList/dcEstimate/azimuthTime",
        "dopplerCentroid/dcEstimateList/dcEstimate/t0",
        "dopplerCentroid/dcEstimateList/dcEstimate/dataDcPolynomial",
        "generalAnnotation/orbitList/orbit/time",
        "generalAnnotation/orbitList/orbit/position/x",
        "generalAnnotation/orbitList/orbit/velocity/z",
        "geolocationGrid/geolocationGridPointList/geolocationGridPoint/latitude",
    ]
    for path in required:
        assert root.findtext(path), path
    spp = root.find("imageAnnotation/processingInformation/swathProcParamsList/swathProcParams")
    for sub in ("rangeProcessing", "azimuthProcessing"):
        for k in ("windowType", "windowCoefficient", "processingBandwidth"):
            assert spp.findtext(f"{sub}/{k}"), (sub, k)
    assert root.findtext("adsHeader/missionId") == "S1A" and root.findtext("adsHeader/swath") == "IW1"
    # every time has fractional seconds (ISCE parses with %Y-%m-%dT%H:%M:%S.%f)
    times = TIME_FIELDS.findall(text)
    assert len(times) > 20
    for _, value in times:
        dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f")
    bursts = root.findall("swathTiming/burstList/burst")
    assert len(bursts) == int(root.find("swathTiming/burstList").get("count")) == 3
    L = int(root.findtext("swathTiming/linesPerBurst"))
    W = int(root.findtext("swathTiming/samplesPerBurst"))
    for b in bursts:
        first = [int(x) for x in b.findtext("firstValidSample").split()]
        last = [int(x) for x in b.findtext("lastValidSample").split()]
        assert len(first) == len(last) == L
        assert first[0] == -1 and first[-1] == -1 and last[0] == -1 and last[-1] == -1
        valid = [i for i, x in enumerate(first) if x >= 0]
        assert valid == list(range(valid[0], valid[-1] + 1))  # one contiguous block
        n_valid_lines = len(valid) - 10  # fineresamp trims 5 more lines at each side
        n_valid_samples = last[valid[0]] - first[valid[0]] - 10
        assert n_valid_lines > 500 and n_valid_samples > 500  # ionosphere minimum
    starts = _burst_times(root)
    dtl = float(root.findtext("imageAnnotation/imageInformation/azimuthTimeInterval"))
    steps = np.diff([(s - starts[0]).total_seconds() for s in starts]) / dtl
    assert np.allclose(steps, L - summary["scene"]["overlap_lines"], atol=1e-3)
    assert W == summary["scene"]["samples_per_burst"]


def test_measurement_tiff_via_vsizip(demo):
    out, _ = demo
    zpath = out / "slc" / f"{REF}.zip"
    zf, _, ann, tif = _safe(zpath)
    root = ET.fromstring(zf.read(ann[0]))
    L, W = int(root.findtext("swathTiming/linesPerBurst")), int(root.findtext("swathTiming/samplesPerBurst"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with rasterio.open(f"/vsizip/{zpath.resolve()}/{tif[0]}") as src:
            assert src.count == 1 and src.dtypes == ("complex_int16",)
            assert (src.width, src.height) == (W, 3 * L)
            assert len(src.gcps[0]) > 0
            data = src.read(1)
    b1 = data[L : 2 * L]
    assert np.all(b1[:5] == 0) and np.all(b1[-5:] == 0) and np.all(b1[:, :10] == 0)
    assert np.abs(b1[5:-5, 10:-10]).mean() > 30
    # overlapping bursts share the speckle of the same azimuth lines
    step = L - 90
    a = np.abs(data[step + 20 : step + 60, 20:-20]).ravel()
    b = np.abs(data[L + 20 : L + 60, 20:-20]).ravel()
    assert np.corrcoef(a, b)[0, 1] > 0.8


def test_interferogram_phase_matches_truth_formula(demo):
    out, summary = demo
    data = []
    for scene_id in (REF, SEC):
        zpath = out / "slc" / f"{scene_id}.zip"
        _, _, _, tif = _safe(zpath)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with rasterio.open(f"/vsizip/{zpath.resolve()}/{tif[0]}") as src:
                data.append(src.read(1))
    sc, par = summary["scene"], summary["parameters"]
    L, step, dtl = sc["lines_per_burst"], sc["burst_step_lines"], sc["azimuth_time_interval_s"]
    k, rows, samples = 1, np.arange(5, L - 5), np.arange(10, sc["samples_per_burst"] - 10)
    t = (k * step + rows)[:, None] * dtl
    r = par["r0_m"] + samples[None, :] * sc["range_pixel_m"]
    phi = 2 * np.pi * par["ramp_cycles"] * (r - par["r0_m"]) / par["r_span_m"] + par["bump_rad"] * np.exp(
        -(((t - par["t_mid_s"]) / par["sigma_t_s"]) ** 2 + ((r - par["r_mid_m"]) / par["sigma_r_m"]) ** 2)
    )
    ifg = data[0][k * L + rows][:, samples] * np.conj(data[1][k * L + rows][:, samples])
    resid = ifg * np.exp(-1j * phi)
    coherence = np.abs(resid.mean()) / np.sqrt(
        np.mean(np.abs(data[0][k * L + rows][:, samples]) ** 2)
        * np.mean(np.abs(data[1][k * L + rows][:, samples]) ** 2)
    )
    assert abs(np.angle(resid.mean())) < 0.01
    assert coherence == pytest.approx(summary["signal"]["expected_coherence"], abs=0.02)


# ------------------------------------------------------------------------------------------- EOF, DEM, truth
def test_eof_names_headers_and_validity(demo):
    out, _ = demo
    eofs = sorted((out / "orbits").glob("*.EOF"))
    assert len(eofs) == 2
    for scene_id, eof in ((REF, _eof(out, REF)), (SEC, _eof(out, SEC))):
        m = EOF_RE.match(eof.name)
        assert m, eof.name
        v0, v1 = (dt.datetime.strptime(x, "%Y%m%dT%H%M%S") for x in m.groups())
        hdr = og.read_eof_header(eof)
        assert hdr["File_Name"] == eof.stem and hdr["File_Type"] == "AUX_POEORB"
        assert hdr["Validity_Start"] == v0 and hdr["Validity_Stop"] == v1
        orbit = og.read_eof(eof)
        assert orbit.start == v0 and orbit.stop == v1 and np.allclose(np.diff(orbit.t), 10.0)
        zf, _, ann, _ = _safe(out / "slc" / f"{scene_id}.zip")
        starts = _burst_times(ET.fromstring(zf.read(ann[0])))
        assert v0 <= starts[0] - dt.timedelta(seconds=70) and starts[-1] + dt.timedelta(seconds=72) <= v1
        text = eof.read_text()
        assert "<Quality>NOMINAL</Quality>" in text and "UTC=" in text and "+30" in text


def test_dem_triple(demo):
    out, summary = demo
    xml = ET.parse(out / "dem" / "dem.wgs84.xml").getroot()
    props = {p.get("name"): p.findtext("value") for p in xml.findall("property")}
    assert (
        props["reference"] == "WGS84" and props["data_type"] == "SHORT" and props["file_name"] == "dem.wgs84"
    )
    width, length = int(props["width"]), int(props["length"])
    assert (out / "dem" / "dem.wgs84").stat().st_size == 2 * width * length
    c1 = {
        p.get("name"): p.findtext("value")
        for p in xml.find("component[@name='coordinate1']").findall("property")
    }
    c2 = {
        p.get("name"): p.findtext("value")
        for p in xml.find("component[@name='coordinate2']").findall("property")
    }
    lon0, dlon, lat0, dlat = (
        float(c1["startingvalue"]),
        float(c1["delta"]),
        float(c2["startingvalue"]),
        float(c2["delta"]),
    )
    assert dlon == pytest.approx(1 / 3600) and dlat == pytest.approx(-1 / 3600)
    with rasterio.open(out / "dem" / "dem.wgs84.vrt") as src:
        assert (src.width, src.height) == (width, length)
        assert src.transform.c == pytest.approx(lon0) and src.transform.f == pytest.approx(lat0)
        dem = src.read(1)
    assert 95 <= dem.max() <= 100 and dem.min() >= 0
    with rasterio.open(out / "dem" / "water_mask.tif") as src:
        assert (src.width, src.height) == (width, length) and src.read(1).max() == 0
    s, n, w, e = summary["scene"]["data_area_snwe"]
    assert lon0 < w - 0.02 and lon0 + dlon * width > e + 0.02
    assert lat0 > n + 0.02 and lat0 + dlat * length < s - 0.02


def test_truth_geo_matches_slc_geometry(demo):
    """Truth pixels map back (zero Doppler at the DEM height) to radar positions whose interferogram phase
    equals the truth value."""
    out, summary = demo
    with rasterio.open(out / "truth" / "phase_geo.tif") as src:
        truth = src.read(1)
        tr = src.transform
    with rasterio.open(out / "dem" / "dem.wgs84.vrt") as src:
        dem = src.read(1).astype(float)
        assert src.width == truth.shape[1] and src.height == truth.shape[0]
        assert tr.c == pytest.approx(src.transform.c - tr.a / 2) and tr.f == pytest.approx(
            src.transform.f - tr.e / 2
        )
    valid = np.isfinite(truth)
    assert valid.mean() > 0.1
    assert np.nanmin(truth) >= 0 and np.nanmax(truth) <= 2 * np.pi * 2.5 + 4.01
    json.loads((out / "truth" / "truth.json").read_text())
    # sample truth pixels, find their radar coordinates, average the interferogram around them
    rows, cols = np.nonzero(valid)
    pick = np.random.default_rng(0).choice(len(rows), 40, replace=False)
    rows, cols = rows[pick], cols[pick]
    lat = tr.f + (rows + 0.5) * tr.e
    lon = tr.c + (cols + 0.5) * tr.a
    orbit = og.read_eof(_eof(out, REF))
    t, r = og.zero_doppler(orbit, og.geodetic_to_ecef(lat, lon, dem[rows, cols]))
    sc = summary["scene"]
    t0 = orbit.seconds(summary["parameters"]["t_first"])
    merged_line = np.round((t - t0) / sc["azimuth_time_interval_s"]).astype(int)
    sample = np.round((r - summary["parameters"]["r0_m"]) / sc["range_pixel_m"]).astype(int)
    data = []
    for scene_id in (REF, SEC):
        zpath = out / "slc" / f"{scene_id}.zip"
        _, _, _, tif = _safe(zpath)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with rasterio.open(f"/vsizip/{zpath.resolve()}/{tif[0]}") as src:
                data.append(src.read(1))
    L, step = sc["lines_per_burst"], sc["burst_step_lines"]
    for i in range(len(rows)):
        k = min(max((merged_line[i] - 10) // step, 0), sc["bursts"] - 1)
        line = k * L + merged_line[i] - k * step
        win = (slice(max(line - 3, k * L + 5), line + 4), slice(max(sample[i] - 3, 10), sample[i] + 4))
        ifg = (data[0][win] * np.conj(data[1][win])).mean()
        diff = np.angle(ifg * np.exp(-1j * truth[rows[i], cols[i]]))
        assert abs(diff) < 0.35, (i, diff)


def test_other_configurations_and_errors(tmp_path):
    """Descending, two swaths, flat DEM; sizes too large for the id window are refused."""
    ref = "S1A_IW_SLC__1SDV_20200101T135000_20200101T135004_030009_036EA9_0001"
    sec = "S1A_IW_SLC__1SDV_20200113T135000_20200113T135004_030184_0374A1_0002"
    s = synth_s1.generate_pair(
        tmp_path,
        ref,
        sec,
        centre_lat=-20.0,
        centre_lon=150.0,
        ascending=False,
        swaths=(1, 2),
        bursts=2,
        lines_per_burst=200,
        samples_per_burst=300,
        overlap_lines=40,
        relief_m=0.0,
    )
    zf, names, _, _ = _safe(tmp_path / "slc" / f"{ref}.zip")
    assert sum("/annotation/s1a-iw" in n for n in names) == 2
    root = ET.fromstring(zf.read([n for n in names if "iw2-slc" in n and n.endswith(".xml")][0]))
    assert root.findtext("generalAnnotation/productInformation/pass") == "Descending"
    orbit = og.read_eof(sorted((tmp_path / "orbits").glob("*.EOF"))[0])
    assert orbit.vel[len(orbit.t) // 2, 2] < 0
    tg = og.geodetic_to_ecef(-20.0, 150.0, 0.0)[None]
    t, r = og.zero_doppler(orbit, tg)
    assert r[0] == pytest.approx(s["scene"]["centre_slant_range_m"], abs=0.01)
    with rasterio.open(tmp_path / "dem" / "dem.wgs84.vrt") as src:
        assert src.read(1).max() == 0
    with pytest.raises(ValueError):
        synth_s1.generate_pair(tmp_path / "x", ref.replace("135004", "135001"), sec, lines_per_burst=530)


def test_cli_help(capsys):
    with pytest.raises(SystemExit) as e:
        synth_s1.main(["--help"])
    assert e.value.code == 0
    assert "--reference-id" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------- baseline pair
def test_orbit_offsets_keep_positions_and_velocities_consistent():
    o = orbit_model.CircularOrbit(
        dt.datetime(2020, 1, 1), 0.3, 0.7, radial_offset=-137.0, along_offset=12.0, normal_offset=266.0
    )
    tau = np.array([-1e-3, 0.0, 1e-3])
    p, v = o.state(tau)
    np.testing.assert_allclose((p[2] - p[0]) / 2e-3, v[1], atol=1e-5)
    p0, _ = orbit_model.CircularOrbit(dt.datetime(2020, 1, 1), 0.3, 0.7).state(0.0)
    assert np.linalg.norm(p[1] - p0[0]) == pytest.approx(np.sqrt(137.0**2 + 12.0**2 + 266.0**2))


def test_secondary_orbit_offset_is_a_perpendicular_baseline(tmp_path):
    summary = synth_s1.generate_pair(tmp_path, REF, SEC, secondary_orbit_offset_m=300.0)
    assert summary["orbit"]["secondary_orbit_offset_m"] == 300.0
    assert summary["orbit"]["perpendicular_baseline_m"] == pytest.approx(300.0, abs=0.01)
    ref, sec = og.read_eof(_eof(tmp_path, REF)), og.read_eof(_eof(tmp_path, SEC))
    # the same Earth-fixed trajectory exactly 12 days later (both EOFs start at the same time of day),
    # displaced: compare at equal seconds after each file's first vector
    assert (ref.epoch - sec.epoch) == dt.timedelta(days=12)
    mid = len(ref.t) // 2
    d = sec.pos[mid] - ref.pos[mid]
    assert np.linalg.norm(d) == pytest.approx(300.0, abs=0.01)  # a rigid displacement along the orbit
    geometry = summary["scene"]
    t_c = ref.seconds(times.parse_time(geometry["centre_azimuth_time"]))
    p_ref, v_ref = ref.interpolate(t_c)
    p_sec, _ = sec.interpolate(t_c)
    target = og.geodetic_to_ecef(35.0, -118.0, geometry["centre_height_m"])
    los = (target - p_ref) / np.linalg.norm(target - p_ref)
    b = p_sec - p_ref
    assert abs(b @ los) < 0.01 and abs(b @ v_ref) / np.linalg.norm(v_ref) < 0.01  # at the scene centre


def test_range_shift_is_the_band_limited_interpolant():
    from gunw_workflow.demo import safe

    rng = np.random.default_rng(3)
    s = safe.range_band_limited(60.0, (4, 256), rng)
    assert np.sqrt(np.mean(np.abs(s) ** 2)) == pytest.approx(60.0, rel=0.05)
    for delta in (0.37, -1.2):
        exact = np.fft.ifft(
            np.fft.fft(s, axis=1) * np.exp(2j * np.pi * np.fft.fftfreq(256) * delta)[None, :], axis=1
        )
        np.testing.assert_allclose(safe.range_shift(s, np.full(s.shape, delta)), exact, atol=1e-4)
    with pytest.raises(ValueError, match="integer part"):
        safe.range_shift(s, np.full(s.shape, 1.6))


@pytest.mark.parametrize("offset_m", [0.0, 300.0])
def test_baseline_pair_coregistered_with_exact_geometry_leaves_the_injected_phase(offset_m):
    """An ideal processor (no test double): for reference pixels of burst 2, the target on the terrain, its
    secondary zero-Doppler time and range from the secondary orbit, the secondary resampled there and flattened
    by exp(4j pi (r_sec - r_ref) / lambda) as topsApp does. What is left is the injected phase: with 300 m of
    baseline (about 2.1 topographic fringes on the 100 m hill, 25 flat-earth fringes across the swath) as
    closely as with none."""
    from gunw_workflow.demo import safe, scene

    m = scene.build(scene.Params(REF, SEC, secondary_orbit_offset_m=offset_m, noise_amplitude=0.0))
    rng = np.random.default_rng(1)
    n, k, L, W = 1, 1, m.L, m.W
    speckle = safe.range_band_limited(60.0, (m.total_lines, W), rng)
    freq = np.fft.fftfreq(speckle.shape[0])[:, None]
    ds_az = np.fft.ifft(np.fft.fft(speckle, axis=0) * (2j * np.pi * freq), axis=0)
    rr = m.near_ranges[n] + np.arange(W) * safe.RANGE_PIXEL
    ref_b = safe._burst(m, m.scenes[0], k, n, speckle, ds_az, rr, False, rng)
    sec_b = safe._burst(m, m.scenes[1], k, n, speckle, ds_az, rr, True, rng)
    ref, sec = m.scenes
    o_r, o_s = m.orbit_for(ref, 30.0), m.orbit_for(sec, 30.0)
    lines, samples = np.arange(20, L - 20, 7), np.arange(20, W - 20)
    rel = (ref.burst_starts[k] - ref.t_first).total_seconds() + lines * safe.AZIMUTH_TIME_INTERVAL
    tt, r_ref = np.meshgrid(rel, m.near_ranges[n] + samples * safe.RANGE_PIXEL, indexing="ij")
    lat, lon, h = og.rdr2geo(o_r, tt, r_ref, m.height)
    t_sec, r_sec = og.zero_doppler(o_s, og.geodetic_to_ecef(lat, lon, h))
    assert np.max(np.abs(t_sec - tt)) / safe.AZIMUTH_TIME_INTERVAL < 1e-3  # same lines: nearest line is exact
    shift = np.zeros((len(lines), W))
    shift[:, samples] = (r_sec - r_ref) / safe.RANGE_PIXEL
    resampled = safe.range_shift(sec_b[lines], shift)[:, samples]
    flat = np.exp(4j * np.pi * safe.RADAR_FREQUENCY / og.SPEED_OF_LIGHT * (r_sec - r_ref))
    residual = np.angle(ref_b[lines][:, samples] * np.conj(resampled * flat) * np.exp(-1j * m.phi(tt, r_ref)))
    flat_earth = 4 * np.pi * safe.RADAR_FREQUENCY / og.SPEED_OF_LIGHT * np.ptp(r_sec - r_ref)
    assert flat_earth > 100 if offset_m else flat_earth < 1e-3
    assert abs(residual.mean()) < 0.01
    assert residual.std() < 0.08  # single-look: the phi-proportional range delay (range_delay) decorrelates
    trend = np.polyfit(samples, residual.mean(axis=0), 1)[0] * W
    assert abs(trend) < 0.03  # rad across the swath: no flat-earth residue
