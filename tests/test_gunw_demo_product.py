"""The demo product (config/demo.yaml through the ISCE2 test double) as a consumer sees it: ariaExtract-style
cropping to productBoundingBox loses no valid pixel, the baseline cubes of the 300 m-baseline pair agree with an
independent computation from the EOF state vectors, the ionosphere burst ramps are present, finite over the data
and ramp-sized, and the product says it was made through the test double.

The independent computation uses none of the workflow's geometry code: a degree-8 polynomial through the EOF
vectors nearest the scene, the closest approach of each orbit to each cube node by Newton on
d/dt |T - P(t)|^2 = 0 (= zero Doppler in ECEF), and B = P_sec - P_ref split along and across the line of sight.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import netCDF4
import numpy as np
import pytest
import shapely
import shapely.wkt

from gunw_workflow.product import validate as validate_gunw

pytestmark = pytest.mark.e2e
WGS84_A, WGS84_E2 = 6378137.0, 6.69437999014e-3


@pytest.fixture(scope="module")
def demo_product(demo_double):
    """The session's double demo (config/demo.yaml, read only here): its working directory and pair directory."""
    return demo_double.workdir, demo_double.pair_dir


def _data(nc) -> dict:
    g = nc["science/grids/data"]
    g.set_auto_mask(False)
    return {k: g[k][:] for k in ("amplitude", "connectedComponents", "latitude", "longitude")}


def test_bounding_polygon_crops_no_valid_pixel(demo_product):
    """ARIA-tools keeps a pixel when its centre lies inside productBoundingBox (GDAL cutline). The height-0
    footprint of the reference lost 358 connComp >= 1 and 941 amplitude pixels on this demo's hill."""
    _, pair = demo_product
    with netCDF4.Dataset(pair / "product" / "gunw.nc") as nc:
        d = _data(nc)
        wkt = netCDF4.chartostring(nc["productBoundingBox"][:]).flat[0]
    poly = shapely.wkt.loads(wkt)
    assert poly.geom_type == "Polygon" and poly.is_valid and wkt.startswith("POLYGON ((")
    assert poly.exterior.coords[0] == poly.exterior.coords[-1]
    lon, lat = np.meshgrid(d["longitude"], d["latitude"])
    inside = shapely.contains_xy(poly, lon, lat)
    valid_cc = d["connectedComponents"] >= 1
    valid_amp = d["amplitude"] > 0
    assert valid_cc.sum() > 10_000
    assert int((valid_cc & ~inside).sum()) == 0
    assert int((valid_amp & ~inside).sum()) == 0
    # and not a box around the whole grid: the no-data corners of the geocoded swath stay outside
    assert (~inside).sum() > 0.05 * inside.size


def _eof_vectors(path: Path):
    """(seconds from the first vector, positions, velocities) of an EOF file, parsed here."""
    root = ET.parse(path).getroot()
    t, p, v = [], [], []
    for osv in root.iter("OSV"):
        utc = osv.findtext("UTC").split("=", 1)[1]
        t.append(np.datetime64(utc))
        p.append([float(osv.findtext(k)) for k in ("X", "Y", "Z")])
        v.append([float(osv.findtext(k)) for k in ("VX", "VY", "VZ")])
    t = np.array(t)
    return (t - t[0]) / np.timedelta64(1, "us") * 1e-6, np.array(p), np.array(v), t[0]


def _closest_approach(path: Path, targets: np.ndarray, t_near: np.datetime64):
    """Position and velocity of the EOF's orbit at the closest approach to every target."""
    t, p, v, t0 = _eof_vectors(path)
    tc = (t_near - t0) / np.timedelta64(1, "us") * 1e-6
    near = np.argsort(np.abs(t - tc))[:9]
    ts = t[near] - tc
    polys = [np.polynomial.Polynomial.fit(ts, p[near, k], 8) for k in range(3)]
    dpolys = [q.deriv() for q in polys]
    d2polys = [q.deriv(2) for q in polys]

    def ev(qs, x):
        return np.stack([q(x) for q in qs], -1)

    x = np.zeros(len(targets))
    for _ in range(20):
        d = ev(polys, x) - targets
        vel, acc = ev(dpolys, x), ev(d2polys, x)
        f = np.einsum("ij,ij->i", d, vel)
        fp = np.einsum("ij,ij->i", vel, vel) + np.einsum("ij,ij->i", d, acc)
        x = x - f / fp
    return ev(polys, x), ev(dpolys, x)


def _ecef(lat, lon, h):
    lat, lon = np.radians(lat), np.radians(lon)
    n = WGS84_A / np.sqrt(1 - WGS84_E2 * np.sin(lat) ** 2)
    return np.stack(
        [
            (n + h) * np.cos(lat) * np.cos(lon),
            (n + h) * np.cos(lat) * np.sin(lon),
            (n * (1 - WGS84_E2) + h) * np.sin(lat),
        ],
        -1,
    )


def _eof_of(orbit_dir: Path, date: str) -> Path:
    (eof,) = [f for f in orbit_dir.glob("*.EOF") if f"_V{date}" in f.name]
    return eof


def test_baseline_cubes_agree_with_an_independent_computation(demo_product):
    work, pair = demo_product
    truth = json.loads((work / "demo" / "inputs" / "truth" / "truth.json").read_text())
    assert truth["orbit"]["secondary_orbit_offset_m"] == 300.0
    with netCDF4.Dataset(pair / "product" / "gunw.nc") as nc:
        g = nc["science/grids/imagingGeometry"]
        g.set_auto_mask(False)
        h, la, lo = (g[k][:] for k in ("heightsMeta", "latitudeMeta", "longitudeMeta"))
        bperp, bpar = g["perpendicularBaseline"][:], g["parallelBaseline"][:]
        mean_bperp = float(nc.getncattr("mean_perpendicular_baseline"))
    hh, lat, lon = np.meshgrid(h, la, lo, indexing="ij")
    targets = _ecef(lat, lon, hh).reshape(-1, 3)
    orbits = work / "demo" / "inputs" / "orbits"
    # GUNW reference = later date (20200113), secondary = 20200101; the scene is at about 01:52:03 UTC
    p_ref, v_ref = _closest_approach(
        _eof_of(orbits, "20200113"), targets, np.datetime64("2020-01-13T01:52:03")
    )
    p_sec, _ = _closest_approach(_eof_of(orbits, "20200101"), targets, np.datetime64("2020-01-01T01:52:03"))
    los = (targets - p_ref) / np.linalg.norm(targets - p_ref, axis=1)[:, None]
    b = p_sec - p_ref
    par = np.einsum("ij,ij->i", b, los)
    perp = np.sqrt(np.einsum("ij,ij->i", b, b) - par**2)
    perp *= np.sign(np.einsum("ij,ij->i", np.cross(los, b), v_ref))
    par, perp = par.reshape(bperp.shape), perp.reshape(bperp.shape)
    assert np.all(np.abs(bperp) > 250)  # non-zero everywhere: never the fill value
    np.testing.assert_allclose(bperp, perp, rtol=0.01)
    norm = np.hypot(par, perp)  # Bpar crosses 0 mid-swath: 1 % of the baseline length
    assert np.max(np.abs(bpar - par) / norm) < 0.01
    # measured: both agree to millimetres
    assert np.max(np.abs(bperp - perp)) < 0.01 and np.max(np.abs(bpar - par)) < 0.01
    # topsApp's computeBaselines (topsProc.xml, the mean_perpendicular_baseline attribute) sees the same
    assert mean_bperp == pytest.approx(float(np.median(perp[1])), rel=0.01)


def test_product_says_it_was_made_through_the_test_double(demo_product, capsys):
    _, pair = demo_product
    nc_path = pair / "product" / "gunw.nc"
    with netCDF4.Dataset(nc_path) as nc:
        assert nc.getncattr("made_with_test_double") == 1
        assert nc.getncattr("processing_engine").startswith(
            "ISCE2 test double, not ISCE2: tests/isce2_double"
        )
        assert "ISCE2 test double" in nc.getncattr("source")
        assert -180 < nc.getncattr("mean_azimuth_angle") <= 180
    (warning,) = validate_gunw.product_warnings(nc_path)
    assert "ISCE2 test double" in warning
    name = (pair / "product" / "product_name.txt").read_text().strip()
    assert validate_gunw.main([str(nc_path), "--name", name]) == 0
    assert "warning: made through the ISCE2 test double" in capsys.readouterr().err


def test_ionosphere_burst_ramps_are_finite_over_the_data_and_ramp_sized(demo_product):
    """ionosphereBurstRamps (azimuth-shift ionosphere minus ionosphere): finite over the interferogram's data but
    for the 2-pixel rim where two separately geocoded rasters meet their borders, and as small as ISCE's burst
    ramps are on the radar grid (the double's: std 0.08 rad, |ramp| < 0.15 rad away from the border)."""
    _, pair = demo_product
    with netCDF4.Dataset(pair / "product" / "gunw.nc") as nc:
        ramps = nc["science/grids/corrections/derived/ionosphereBurstRamps/ionosphereBurstRamps"][:]
        ramps = np.ma.filled(ramps.astype("f8"), np.nan).squeeze()
        data = _data(nc)
    valid = data["amplitude"] != 0
    assert ramps.shape == valid.shape
    finite = np.isfinite(ramps)
    assert not (finite & ~valid).any()
    assert finite.sum() >= 0.9 * valid.sum(), (finite.sum(), valid.sum())
    values = ramps[finite]
    assert 0.01 < values.std() < 0.2 and np.abs(values).max() < 0.5
