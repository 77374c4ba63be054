"""The validator rejects deliberately broken products, each with a specific message (table-driven)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import netCDF4
import numpy as np
import pytest

from gunw_workflow import layout
from gunw_workflow.isce_io import orbit as og
from gunw_workflow.product import cubes as gc
from gunw_workflow.product import gunw_layout as L
from gunw_workflow.product import validate as validate_gunw
from test_gunw_package import (
    STANDARD,
    packaged,  # noqa: F401 - session fixture: the packaged recorded run
)


def _set_attr(path, attr, value):
    def f(nc):
        g = nc if path == "/" else nc[path]
        g.setncattr(attr, value)

    return f


def _del_attr(path, attr):
    def f(nc):
        g = nc if path == "/" else nc[path]
        g.delncattr(attr)

    return f


def _write(path, fn):
    def f(nc):
        v = nc[path]
        v.set_auto_mask(False)
        v[...] = fn(v[...])

    return f


def _retype(group, name, dtype):
    """Replace a variable by one of another dtype (rename the original away)."""

    def f(nc):
        g = nc[group]
        old = g[name]
        g.renameVariable(name, name + "_old")
        new = g.createVariable(
            name, dtype, old.dimensions, zlib=True, shuffle=True, chunksizes=old.chunking()
        )
        new.setncatts({k: old.getncattr(k) for k in old.ncattrs() if k != "_FillValue"})
        new[:] = old[:]

    return f


def _rename(group, name, new):
    return lambda nc: nc[group].renameVariable(name, new)


def _add_group(path):
    return lambda nc: nc.createGroup(path)


def _two_models(nc):
    nc.createGroup(f"{L.TROPO}/ERA5")
    nc.createGroup(f"{L.TROPO}/HRRR")


def _cube_node(value, name="incidenceAngle"):
    def f(a):
        a = a.copy()
        a[0, 0, 0] = value
        return a

    return _write(f"{L.GEOM}/{name}", f)


def _bbox(wkt):
    def f(nc):
        v = nc["productBoundingBox"]
        n = len(nc.dimensions["wkt_length"])
        v[:] = netCDF4.stringtochar(np.array([wkt.ljust(n)[:n]], dtype=f"S{n}"))

    return f


def _granules(ids):
    def f(nc):
        v = nc[f"{L.SLC_REF}/L1InputGranules"]
        v[:] = np.array(ids, dtype=object)

    return f


NC_CASES = [
    # (id, mutation of the netCDF, expected message fragment)
    ("version-1b-with-corrections", _set_attr("/", "version", "1b"), "need 1c"),
    ("version-bogus", _set_attr("/", "version", "2a"), "not in 1b/1c"),
    ("ogr-layer-type", _set_attr("/", "ogr_layer_type", "LINESTRING"), "ogr_layer_type"),
    ("ogr-globals-missing", _del_attr("/", "ogr_layer_name"), "global attribute ogr_layer_name is missing"),
    (
        "units-attr-wrong",
        _set_attr(f"{L.DATA}/unwrappedPhase", "units", "degrees"),
        "unwrappedPhase attribute units",
    ),
    (
        "grid-mapping-missing",
        _del_attr(f"{L.DATA}/coherence", "grid_mapping"),
        "coherence attribute grid_mapping",
    ),
    ("conncomp-dtype", _retype(L.DATA, "connectedComponents", "i2"), "connectedComponents dtype int16"),
    ("layer-missing", _rename(L.DATA, "amplitude", "amp"), f"{L.DATA}/amplitude is missing"),
    ("cube-failed-node", _cube_node(-9999.0), "-9999 (failed) nodes"),
    ("cube-zero-node", _cube_node(0.0, "azimuthAngle"), "azimuthAngle holds 0 (fill) nodes"),
    (
        "baseline-cube-all-fill",
        _write(f"{L.GEOM}/perpendicularBaseline", np.zeros_like),
        "perpendicularBaseline is entirely 0 (fill)",
    ),
    (
        "mean-azimuth-not-wrapped",
        _set_attr("/", "mean_azimuth_angle", 189.35),
        "mean_azimuth_angle 189.35 outside (-180, 180]",
    ),
    ("cube-heights", _write(f"{L.GEOM}/heightsMeta", lambda a: a + 1.0), "heightsMeta"),
    (
        "latitude-ascending",
        _write(f"{L.DATA}/latitude", lambda a: a[::-1]),
        "latitude is not strictly decreasing",
    ),
    ("data-spacing", _write(f"{L.DATA}/longitude", lambda a: a[0] + (a - a[0]) * 3), "longitude spacing"),
    (
        "conncomp-not-nodata",
        _write(f"{L.DATA}/connectedComponents", lambda a: np.where(a == -1, 0, a)),
        "not -1 where amplitude is 0",
    ),
    ("phase-zero-valid", _write(f"{L.DATA}/unwrappedPhase", lambda a: a * 0), "exactly 0 on"),
    ("coherence-range", _write(f"{L.DATA}/coherence", lambda a: a * 2), "coherence outside [0, 1]"),
    ("tide-zero", _write(f"{L.SET_SEC}/solidEarthTide", lambda a: a * 0), "secondary/solidEarthTide holds"),
    ("tropo-two-models", _two_models, "at most one per file"),
    ("bbox-not-wkt", _bbox("POLYGON ((nonsense"), "not parseable WKT"),
    (
        "bbox-outside-data",
        _bbox("POLYGON ((-119 34, -117 34, -117 36, -119 36, -119 34))"),
        "beyond the data grid",
    ),
    (
        "granule-zip",
        _granules(["S1A_IW_SLC__1SDV_20200113T140000_20200113T140010_030176_037499_BBBB.zip"]),
        ".zip",
    ),
    ("wavelength-units", _write(f"{L.RMD}/wavelength", lambda a: a * 100), "not a C-band wavelength"),
    (
        "iono-off-but-present",
        _set_attr(L.GRIDS, "estimate_ionosphere_delay", np.int8(0)),
        "layer 'iono' is off",
    ),
    ("set-off-but-present", _set_attr(L.GRIDS, "compute_solid_earth_tide", np.int8(0)), "layer 'set' is off"),
    (
        "option-missing",
        _del_attr(L.GRIDS, "output_resolution"),
        "attribute output_resolution (product option) is missing",
    ),
    (
        "computed-global-missing",
        _del_attr("/", "percent_unwrapped"),
        "global attribute percent_unwrapped is missing",
    ),
    ("fixed-global-wrong", _set_attr("/", "author", "someone"), "global attribute author"),
    (
        "iono-attr-missing",
        _del_attr(f"{L.IONO}/ionosphere", "processing_steps"),
        "ionosphere attribute processing_steps is missing",
    ),
    (
        "coherence-not-fill-without-amplitude",
        _write(f"{L.DATA}/coherence", lambda a: np.where(a == 0, 0.5, a)),
        "coherence is not 0 where amplitude is 0",
    ),
    (
        "iono-not-nan-without-conncomp",
        _write(f"{L.IONO}/ionosphere", lambda a: np.where(np.isnan(a), 0.1, a)),
        "ionosphere is not nan where the nearest connectedComponents is -1",
    ),
    (
        "unwrap-method-unknown",
        _write(f"{L.RMD}/unwrapMethod", lambda a: "grass"),
        "unwrapMethod 'grass' not in",
    ),
    (
        "unwrap-method-not-the-configs",
        _write(f"{L.RMD}/unwrapMethod", lambda a: "icu"),
        "but the recorded config unwrapped with 'snaphu_mcf'",
    ),
]


def _give_baseline(path: Path, offset_m: float = 300.0) -> None:
    """The recorded pair has zero baseline, so its baseline cubes are all fill and the validator rejects it
    (test_gunw_package). For a product the validator accepts, recompute both baseline cubes on the file's
    nodes with the reference EOF and that orbit displaced ``offset_m`` across track as the secondary."""
    eof = next((STANDARD / "inputs" / "orbits").glob("*_V20200113T*.EOF"))
    ref = og.read_eof(eof)
    across = np.cross(ref.vel, ref.pos)
    sec = og.Orbit(
        ref.epoch, ref.t, ref.pos + offset_m * across / np.linalg.norm(across, axis=1)[:, None], ref.vel
    )
    with netCDF4.Dataset(path, "a") as nc:
        g = nc[L.GEOM]
        h, la, lo = (g[k][:] for k in ("heightsMeta", "latitudeMeta", "longitudeMeta"))
        hh, lat, lon = np.meshgrid(h, la, lo, indexing="ij")
        geo = gc.compute_geometry(ref, sec, lat, lon, hh)
        for k in ("perpendicularBaseline", "parallelBaseline"):
            g[k][:] = geo[k].astype(np.float32)


@pytest.fixture(scope="module")
def accepted(packaged, tmp_path_factory):  # noqa: F811
    """The packaged recorded run given a baseline: a product the validator accepts."""
    out, result = packaged
    dst = tmp_path_factory.mktemp("accepted") / "gunw.nc"
    shutil.copy(out / "gunw.nc", dst)
    _give_baseline(dst)
    assert validate_gunw.validate(dst, name=result["name"]) == []
    return dst, result["name"], out


@pytest.fixture
def broken_copy(accepted, tmp_path):
    """A fresh copy of the accepted product, to be broken."""
    src, name, out = accepted
    dst = tmp_path / "gunw.nc"
    shutil.copy(src, dst)
    return dst, name, out


@pytest.mark.parametrize("case, mutate, expected", NC_CASES, ids=[c[0] for c in NC_CASES])
def test_validator_rejects_broken_netcdf(broken_copy, case, mutate, expected):
    path, name, _ = broken_copy
    with netCDF4.Dataset(path, "a") as nc:
        mutate(nc)
    problems = validate_gunw.validate(path, name=name)
    assert problems, f"{case}: validator accepted a broken product"
    assert any(expected in p for p in problems), f"{case}: {expected!r} not in {problems}"


NAME_CASES = [
    (
        "dates-earlier-first",
        lambda n: n.replace("20200113_20200101", "20200101_20200113"),
        "not later_earlier",
    ),
    ("eleven-tokens", lambda n: n.replace("-PP-", "-"), "dash tokens"),
    ("hash-wrong", lambda n: re.sub(r"-PP-[0-9a-f]{4}-", "-PP-0000-", n), "name hash"),
    ("prefix-standard", lambda n: n.replace("S1-GUNW_CUSTOM", "S1-GUNW"), "prefix S1-GUNW but the options"),
    ("version-v2", lambda n: n.replace("v3_0_1", "v2_0_4"), "below v3_0_0"),
    ("colon-in-path", lambda n: "a:b/" + n, "contains ':'"),
    ("upper-case-ext", lambda n: n[:-3] + ".NC", ".nc"),
]


@pytest.mark.parametrize("case, rename, expected", NAME_CASES, ids=[c[0] for c in NAME_CASES])
def test_validator_rejects_broken_names(broken_copy, case, rename, expected):
    path, name, _ = broken_copy
    problems = validate_gunw.validate(path, name=rename(name), use_ogr=False)
    assert any(expected in p for p in problems), f"{case}: {expected!r} not in {problems}"


JSON_CASES = [
    ("json-local-time", lambda m: m.update(creation_timestamp="2020-01-01T00:00:00Z"), "creation_timestamp"),
    ("json-platform", lambda m: m["metadata"].update(platform=["Sentinel-2A"]), "platform"),
    ("json-track", lambda m: m["metadata"].update(track_number=200), "track_number"),
    ("json-label", lambda m: m.update(label="other"), "label"),
    ("json-location-type", lambda m: m["location"].update(type="MultiPolygon"), "location/type"),
]


@pytest.mark.parametrize("case, mutate, expected", JSON_CASES, ids=[c[0] for c in JSON_CASES])
def test_validator_rejects_broken_json(broken_copy, tmp_path, case, mutate, expected):
    path, name, out = broken_copy
    meta = json.loads((out / "gunw.json").read_text())
    mutate(meta)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(meta))
    problems = validate_gunw.validate(path, name=name, json_path=bad, use_ogr=False)
    assert any(expected in p for p in problems), f"{case}: {expected!r} not in {problems}"


def test_cli_exit_codes(broken_copy, tmp_path):
    path, name, out = broken_copy
    ok = tmp_path / "validated.ok"
    (tmp_path / "name.txt").write_text(name + "\n")
    args = [
        str(path),
        "--name",
        f"@{tmp_path / 'name.txt'}",
        "--ok",
        str(ok),
        "--deliver",
        str(tmp_path / "products"),
    ]
    args += ["--json", str(out / "gunw.json"), "--png", str(out / "gunw.png")]
    assert validate_gunw.main(args) == 0
    assert ok.read_text().strip() == name
    label = name[:-3]
    products = str(tmp_path / "products")
    for ext in (".nc", ".json", ".png"):
        assert Path(layout.delivery(products, label, ext)).exists()
    assert Path(layout.delivery(products, label, ".nc")).stat().st_ino == path.stat().st_ino  # hard link
    with netCDF4.Dataset(path, "a") as nc:
        nc.setncattr("version", "1b")
    assert validate_gunw.main([str(path), "--name", name]) == 1


def test_recorded_zero_baseline_run_fails_exactly_the_two_baseline_cube_checks(packaged, capsys):  # noqa: F811
    """The real ISCE2 recording (../shared/isce2-recorded/standard) is a zero-baseline pair: the validator rejects
    its product for the two baseline cubes only, and says why (docs/consumer-checklist.md, known issues)."""
    out, result = packaged
    args = [str(out / "gunw.nc"), "--name", result["name"], "--json", str(out / "gunw.json")]
    assert validate_gunw.main(args + ["--png", str(out / "gunw.png")]) == 1
    err = capsys.readouterr().err
    listed = [line[4:] for line in err.splitlines() if line.startswith("  - ")]
    assert f"2 violation(s) in {result['name']}:" in err
    assert listed == [
        f"{L.GEOM}/{k} is entirely 0 (fill){validate_gunw.CUBE_ALL_FILL_WHY}"
        for k in ("perpendicularBaseline", "parallelBaseline")
    ]
    assert all("zero-baseline pair" in line and "0 % valid" in line for line in listed)
    with netCDF4.Dataset(out / "gunw.nc") as nc:  # and they are truly all 0: the pair has no baseline
        g = nc[L.GEOM]
        g.set_auto_mask(False)
        assert not g["perpendicularBaseline"][:].any() and not g["parallelBaseline"][:].any()
        assert g["perpendicularBaseline"].getncattr("_FillValue") == 0


def test_validator_reads_without_netcdf4(accepted):
    """The validator reads through xarray/h5netcdf and GDAL only: with netCDF4 made unimportable it still accepts
    the product (and the metadata JSON), in a fresh interpreter."""
    import subprocess
    import sys

    path, name, out = accepted
    code = (
        "import sys; sys.modules['netCDF4'] = None\n"
        "from gunw_workflow.product import validate\n"
        f"print(validate.validate({str(path)!r}, name={name!r}, json_path={str(out / 'gunw.json')!r}))\n"
        "print('netCDF4' in sys.modules and sys.modules['netCDF4'] is not None)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["[]", "False"]


def test_not_netcdf(tmp_path):
    p = tmp_path / "x.nc"
    p.write_text("not a netCDF")
    assert validate_gunw.validate(p, use_ogr=False)[0].startswith("not a readable netCDF-4 file")
