"""orbit_geometry against real Sentinel-1 data (EOF + annotation) and the recorded ISCE2 run."""

from __future__ import annotations

import datetime as dt
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from gunw_workflow.isce_io import orbit as og

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
RESORB = (
    "data/SARProcessing.jl/test/testData/"
    "S1A_OPER_AUX_RESORB_OPOD_20220918T093241_V20220918T053155_20220918T084925.EOF"
)
ANNOT = (
    "data/SARProcessing.jl/test/testData/s1a-iw3-slc-vv-20220918t074921-20220918t074946-045056-056232-006.xml"
)
POEORB = "data/RAiDER/test/orbit_files/S1_orbit_example.EOF"
RECORDED = "isce2-recorded/standard"


@pytest.fixture(scope="module")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared not available")
    return SHARED


@pytest.fixture(scope="module")
def resorb(shared):
    return og.read_eof(shared / RESORB)


@pytest.fixture(scope="module")
def geogrid(shared):
    root = ET.parse(shared / ANNOT).getroot()
    pts = root.findall("geolocationGrid/geolocationGridPointList/geolocationGridPoint")
    g = {k: np.array([float(p.findtext(k)) for p in pts]) for k in ("latitude", "longitude", "height")}
    g["times"] = [p.findtext("azimuthTime") for p in pts]
    g["range"] = np.array([float(p.findtext("slantRangeTime")) for p in pts]) * og.SPEED_OF_LIGHT / 2
    g["root"] = root
    return g


# ---------------------------------------------------------------------------------------- WGS84
def test_geodetic_roundtrip_including_orbit_heights_and_poles():
    lat = np.array([0.0, 35.0, -60.0, 89.9999, -90.0, 45.0])
    lon = np.array([0.0, -118.0, 170.0, 10.0, 0.0, 179.999])
    h = np.array([0.0, 1200.0, -50.0, 700e3, 10.0, 7.07e5])
    lat2, lon2, h2 = og.ecef_to_geodetic(og.geodetic_to_ecef(lat, lon, h))
    assert np.allclose(lat2, lat, atol=1e-10)
    assert np.allclose(h2, h, atol=1e-4)
    ok = np.abs(lat) < 90
    assert np.allclose(np.cos(np.radians(lon2[ok] - lon[ok])), 1.0, atol=1e-14)
    # known value: equator / Greenwich at the surface is (a, 0, 0)
    assert np.allclose(og.geodetic_to_ecef(0, 0, 0), [og.WGS84_A, 0, 0])
    assert np.allclose(og.geodetic_to_ecef(90, 0, 0), [0, 0, og.WGS84_B], atol=1e-6)


# ---------------------------------------------------------------------------------------- EOF + interpolation
def test_eof_reader_and_header(shared, resorb):
    hdr = og.read_eof_header(shared / RESORB)
    assert hdr["File_Name"] == Path(RESORB).stem
    assert hdr["File_Type"] == "AUX_RESORB"
    assert len(resorb.t) == 1186
    assert np.allclose(np.diff(resorb.t), 10.0)
    assert resorb.start == dt.datetime(2022, 9, 18, 5, 31, 55, 470319)
    # radius and speed of a Sentinel-1 orbit
    assert np.all((np.linalg.norm(resorb.pos, axis=1) > 7.0e6) & (np.linalg.norm(resorb.pos, axis=1) < 7.1e6))
    assert np.all(np.abs(np.linalg.norm(resorb.vel, axis=1) - 7.6e3) < 150)
    # cut to a window
    sub = og.read_eof(shared / RESORB, dt.datetime(2022, 9, 18, 7, 48), dt.datetime(2022, 9, 18, 7, 51))
    assert 17 <= len(sub.t) <= 19


def test_eof_positions_and_velocities_are_consistent(resorb):
    """4th-order central differences of the positions reproduce the stated velocities."""
    p, h = resorb.pos, 10.0
    fd = (-p[4:] + 8 * p[3:-1] - 8 * p[1:-3] + p[:-4]) / (12 * h)
    assert np.abs(fd - resorb.vel[2:-2]).max() < 1e-3


def test_hermite_interpolation_error_between_samples(resorb):
    """Drop every other vector (20-s spacing) and interpolate the dropped ones: mm-level."""
    sub = og.Orbit(resorb.epoch, resorb.t[::2], resorb.pos[::2], resorb.vel[::2])
    tt = resorb.t[1::2][:-1]
    p, v = sub.interpolate(tt)
    assert np.abs(p - resorb.pos[1::2][:-1]).max() < 0.02
    assert np.abs(v - resorb.vel[1::2][:-1]).max() < 2e-4
    # exact at the nodes, shapes follow the input
    p0, v0 = resorb.interpolate(resorb.t[5])
    assert p0.shape == (3,) and np.allclose(p0, resorb.pos[5]) and np.allclose(v0, resorb.vel[5])
    p2, _ = resorb.interpolate(np.zeros((4, 5)) + resorb.t[3])
    assert p2.shape == (4, 5, 3)


def test_real_poeorb_header(shared):
    hdr = og.read_eof_header(shared / POEORB)
    assert hdr["File_Type"] == "AUX_POEORB"
    assert hdr["Validity_Start"] == dt.datetime(2018, 11, 12, 22, 59, 42)
    orb = og.read_eof(shared / POEORB)
    assert len(orb.t) == 8


# ---------------------------------------------------------------------------------------- zero Doppler
def test_zero_doppler_reproduces_real_geolocation_grid(resorb, geogrid):
    """IPF geolocation-grid points: the zero-Doppler solve on the RESORB hits their azimuth time and
    slant range (measured: 3 us and 3.4 mm)."""
    tg = og.geodetic_to_ecef(geogrid["latitude"], geogrid["longitude"], geogrid["height"])
    t, r = og.zero_doppler(resorb, tg)
    ta = resorb.seconds(geogrid["times"])
    assert np.abs(t - ta).max() < 2e-5
    assert np.abs(r - geogrid["range"]).max() < 0.05
    # the Doppler really vanishes
    p, v = resorb.interpolate(t)
    assert np.abs(np.einsum("ij,ij->i", tg - p, v / np.linalg.norm(v, axis=1)[:, None])).max() < 1e-4


def test_rdr2geo_inverts_zero_doppler(resorb, geogrid):
    ta = resorb.seconds(geogrid["times"])
    lat, lon, h = og.rdr2geo(resorb, ta, geogrid["range"], geogrid["height"])
    tg = og.geodetic_to_ecef(geogrid["latitude"], geogrid["longitude"], geogrid["height"])
    assert np.linalg.norm(og.geodetic_to_ecef(lat, lon, h) - tg, axis=1).max() < 0.1
    t, r = og.zero_doppler(resorb, og.geodetic_to_ecef(lat, lon, h))
    assert np.abs(t - ta).max() < 1e-7 and np.abs(r - geogrid["range"]).max() < 1e-4
    # callable heights (a DEM): result sits on that surface
    lat2, lon2, h2 = og.rdr2geo(resorb, ta, geogrid["range"], lambda la, lo: 100.0 + 0.0 * la)
    assert np.allclose(h2, 100.0, atol=1e-3)


def test_annotation_orbit_agrees_with_eof(resorb, geogrid):
    ann = og.read_annotation_orbit(geogrid["root"]).with_epoch(resorb.epoch)
    tg = og.geodetic_to_ecef(geogrid["latitude"], geogrid["longitude"], geogrid["height"])
    t1, r1 = og.zero_doppler(resorb, tg)
    t2, r2 = og.zero_doppler(ann, tg)
    assert np.abs(t1 - t2).max() < 1e-4 and np.abs(r1 - r2).max() < 0.5


def test_zero_doppler_outside_span_is_reported(resorb):
    far = og.geodetic_to_ecef(0.0, 0.0, 0.0)[None]
    short = resorb.subset(resorb.t[600], resorb.t[612])
    with pytest.raises(RuntimeError):
        og.zero_doppler(short, far)
    t, r = og.zero_doppler(short, far, strict=False)
    assert np.isnan(t).all() and np.isnan(r).all()


def test_many_nodes_are_fast(resorb, geogrid):
    """Geometry cubes / SET nodes: ~4,800 targets well under a second."""
    lat = np.linspace(geogrid["latitude"].min(), geogrid["latitude"].max(), 60)
    lon = np.linspace(geogrid["longitude"].min(), geogrid["longitude"].max(), 20)
    hh = np.array([-500.0, 0.0, 1000.0, 9000.0])
    la, lo, h = np.meshgrid(lat, lon, hh, indexing="ij")
    tg = og.geodetic_to_ecef(la, lo, h)
    sub = resorb.subset(*resorb.seconds(geogrid["times"][:1] + geogrid["times"][-1:]), margin_vectors=8)
    t0 = time.perf_counter()
    t, r = og.zero_doppler(sub, tg)
    elapsed = time.perf_counter() - t0
    assert t.shape == (60, 20, 4) and np.isfinite(t).all()
    assert elapsed < 0.5


# ---------------------------------------------------------------------------------------- ISCE product XML
def test_isce_product_orbit_matches_recorded_eof_and_los(shared):
    """Recorded ISCE run: state vectors of reference/IW1.xml equal the EOF's; at the scene centre the
    angles match the recorded geocoded los.rdr (incidence ~30.5 deg, LOS azimuth ~88 deg)."""
    rec = shared / RECORDED
    orb = og.read_isce_product_orbit(rec / "run/reference/IW1.xml")
    assert np.allclose(np.diff(orb.t), 10.0)
    eof = next((rec / "inputs/orbits").glob("*V20200101*.EOF"))
    full = og.read_eof(eof).with_epoch(orb.epoch)
    idx = np.searchsorted(full.t, orb.t)
    assert np.allclose(full.t[idx], orb.t) and np.allclose(full.pos[idx], orb.pos, atol=1e-5)
    assert og.read_orbit(rec / "run/reference/IW1.xml").t.size == orb.t.size

    rasterio = pytest.importorskip("rasterio")
    with rasterio.open(rec / "run/merged/los.rdr.geo") as src:
        gt = src.transform
        row, col = src.height // 2, src.width // 2
        inc_rec, az_rec = (src.read(b)[row, col] for b in (1, 2))
    lat, lon = gt.f + row * gt.e, gt.c + col * gt.a  # ISCE: origin is the first sample's coordinate
    tg = og.geodetic_to_ecef(lat, lon, 0.0)[None]
    t, _ = og.zero_doppler(full, tg)
    p, _ = full.interpolate(t)
    assert og.incidence_angle_deg(tg, p)[0] == pytest.approx(inc_rec, abs=0.02)
    assert og.los_azimuth_deg(tg, p)[0] == pytest.approx(az_rec, abs=0.02)
    assert 0 < og.look_angle_deg(tg, p)[0] < og.incidence_angle_deg(tg, p)[0]


def test_cli_reports_geometry(shared, capsys):
    eof = next((shared / RECORDED / "inputs/orbits").glob("*V20200101*.EOF"))
    assert og.main([str(eof), "--point", "35", "-118", "0"]) == 0
    out = capsys.readouterr().out
    assert '"slant_range_m"' in out and "2020-01-01T14:00:0" in out
