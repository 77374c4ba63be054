"""Package the recorded ISCE2 `standard` run into a GUNW and check it against the ISCE inputs and consumers' needs."""

from __future__ import annotations

import ast
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import netCDF4
import numpy as np
import pytest

from gunw_workflow import config as workflow_config
from gunw_workflow import layout
from gunw_workflow.isce_io import orbit as og
from gunw_workflow.isce_io import rasters as isce_io
from gunw_workflow.product import attributes, gunw_name
from gunw_workflow.product import browse as browse_metadata
from gunw_workflow.product import cubes as gc
from gunw_workflow.product import gunw_layout as L
from gunw_workflow.product import package as package_gunw
from gunw_workflow.product import validate as validate_gunw
from gunw_workflow.topsapp import isce_files

REPO = Path(__file__).resolve().parent.parent
STANDARD = REPO.parent / "shared" / "isce2-recorded" / "standard"
SCHEMA_SHARED = REPO.parent / "shared" / "data" / "RAiDER" / "test" / "gunw_test_data" / "gunw_schema.json"

# The recorded scene: S1A ascending; ISCE's reference is 2020-01-01, its secondary 2020-01-13. A GUNW's reference
# is the LATER pass, so in pair.json (GUNW roles) the reference is the 2020-01-13 scene.
SCENE_0101 = "S1A_IW_SLC__1SDV_20200101T140000_20200101T140010_030001_036EA1_AAAA"
SCENE_0113 = "S1A_IW_SLC__1SDV_20200113T140000_20200113T140010_030176_037499_BBBB"
DATA_AREA_SNWE = [34.912121784284295, 35.08775714084861, -118.01674273733074, -117.9833482083788]


def product_options(**overrides) -> dict:
    """Complete product options as the rule passes them: the schema defaults of every product key + frame_id."""
    defaults = workflow_config.defaults()
    options = {k: defaults[k] for k in gunw_name.PRODUCT_OPTION_KEYS}
    options["frame_id"] = -1
    options.update(overrides)
    return options


OPTIONS = product_options(output_resolution=30)  # the recorded geocoded grid is at 1 arcsec


def recorded_properties() -> dict:
    """The topsApp properties of the recorded run, read back from its topsApp.xml (values in ISCE syntax)."""
    root = ET.parse(STANDARD / "run" / "topsApp.xml").getroot().find("component")
    props = {}
    for p in root.findall("property"):
        try:
            props[p.get("name")] = ast.literal_eval(p.text)
        except (ValueError, SyntaxError):
            props[p.get("name")] = p.text
    return props


def topsapp_dir(dest: Path, unwrapper: str = "snaphu_mcf") -> Path:
    """The recorded run as a workflow topsApp directory: its files linked, plus the properties JSON every step
    writes. With ``icu`` the connected components carry ICU's file name (what geocode writes after ICU)."""
    run = STANDARD / "run"
    dest.mkdir(parents=True)
    for entry in run.iterdir():
        if entry.name != "merged":
            (dest / entry.name).symlink_to(entry)
    (dest / "merged").mkdir()
    for f in (run / "merged").iterdir():
        (dest / "merged" / f.name).symlink_to(f)
    snaphu_cc = layout.isce_raster(isce_files.geocoded(isce_files.conncomp("snaphu_mcf")))
    wanted_cc = layout.isce_raster(isce_files.geocoded(isce_files.conncomp(unwrapper)))
    for old, new in zip(snaphu_cc, wanted_cc, strict=True):
        (dest / old).rename(dest / new)
    props = dict(recorded_properties(), **{"unwrapper name": unwrapper})
    (dest / layout.TOPSAPP_PROPERTIES_JSON).write_text(json.dumps(props, indent=1))
    return dest


def pair_fixture() -> dict:
    s, n, w, e = DATA_AREA_SNWE
    return {
        "pair": "recorded-standard",
        "reference_scenes": [SCENE_0113],
        "secondary_scenes": [SCENE_0101],
        "frame_id": -1,
        "mission": "S1A",
        "track": 4,
        "flight_direction": "ASCENDING",
        "reference_start": "2020-01-13T14:00:00Z",
        "reference_stop": "2020-01-13T14:00:10Z",
        "secondary_start": "2020-01-01T14:00:00Z",
        "secondary_stop": "2020-01-01T14:00:10Z",
        "roi_snwe": DATA_AREA_SNWE,
        "extent_snwe": DATA_AREA_SNWE,
        "extent_wkt": f"POLYGON (({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))",
        "frame_coverage": 1.0,
        "scenes": {
            SCENE_0113: {"start": "2020-01-13T14:00:00Z", "stop": "2020-01-13T14:00:10Z", "source": "local"},
            SCENE_0101: {"start": "2020-01-01T14:00:00Z", "stop": "2020-01-01T14:00:10Z", "source": "local"},
        },
    }


@pytest.fixture(scope="session")
def packaged(tmp_path_factory):
    """(out_dir, result) of packaging the recorded standard run once per session."""
    if not STANDARD.is_dir():
        pytest.skip(f"{STANDARD} (shared recording) is not available")
    d = tmp_path_factory.mktemp("gunw")
    (d / "pair.json").write_text(json.dumps(pair_fixture()))
    config = {
        "results_dir": "results",
        "downloads": {"password": "hunter2", "retries": 5},
        "esa_token": "abc",
        "topsapp": {"unwrapper": "snaphu_mcf"},
    }
    result = package_gunw.package(
        topsapp_dir(d / "topsapp"),
        d / "pair.json",
        d / "product",
        options=OPTIONS,
        orbit_dir=STANDARD / "inputs" / "orbits",
        config=config,
        log_dirs=[STANDARD / "logs"],
    )
    return d / "product", result


def _isce(name, band=None):
    return isce_io.read_raster(STANDARD / "run" / "merged" / name, band)


def test_name_and_outputs(packaged):
    out, result = packaged
    assert result["name"] == (out / "product_name.txt").read_text().strip()
    # CUSTOM: no frame and 30 m; date token later_earlier; hash of the two ids; time = pass centre 14:00:05
    assert result["name"].startswith("S1-GUNW_CUSTOM-A-R-004-tops-20200113_20200101-140005-00118W_00035N-PP-")
    assert result["name"].endswith("-v3_0_1.nc")
    assert result["version"] == "1c"
    for f in ("gunw.nc", "gunw.json", "gunw.png"):
        assert (out / f).stat().st_size > 0


# the recorded pair's only defect (see test_validator_rejects_only_the_zero_baseline_cubes)
ZERO_BASELINE_PROBLEMS = [
    f"{L.GEOM}/perpendicularBaseline is entirely 0 (fill)" + validate_gunw.CUBE_ALL_FILL_WHY,
    f"{L.GEOM}/parallelBaseline is entirely 0 (fill)" + validate_gunw.CUBE_ALL_FILL_WHY,
]


def test_validator_rejects_only_the_zero_baseline_cubes(packaged):
    """The recorded real-ISCE2 pair has zero baseline (same orbit 12 days later): both baseline cubes are
    entirely 0 = fill, which consumers read as 0 % valid. That is the only thing wrong with the product."""
    out, result = packaged
    problems = validate_gunw.validate(
        out / "gunw.nc", name=result["name"], json_path=out / "gunw.json", png_path=out / "gunw.png"
    )
    assert problems == ZERO_BASELINE_PROBLEMS


def test_real_isce2_run_is_not_marked_as_test_double(packaged):
    out, _ = packaged
    with netCDF4.Dataset(out / "gunw.nc") as nc:
        assert nc.getncattr("made_with_test_double") == 0
        assert nc.getncattr("processing_engine") == "ISCE2 2.6.5 topsApp.py"
        assert "isce2_topsapp_version" not in nc.ncattrs()  # that is the reference tool's version
        assert "with ISCE2 2.6.5 topsApp.py" in nc.getncattr("source")
    assert validate_gunw.product_warnings(out / "gunw.nc") == []


def test_gdal_bindings_open_every_layer_epsg4326_and_ogr_reads_the_polygon(packaged):
    """Through GDAL's own Python bindings (osgeo, built against the system libgdal, as ARIA-tools uses GDAL):
    the netCDF driver opens every 2-D/3-D float layer with EPSG:4326, and OGR reads productBoundingBox as layer
    productBoundingBox, feature 1, equal to the stored WKT."""
    import shapely.wkt
    from osgeo import gdal

    gdal.UseExceptions()
    out, _ = packaged
    nc_path = out / "gunw.nc"
    layers = []
    with netCDF4.Dataset(nc_path) as nc:
        stored = netCDF4.chartostring(nc["productBoundingBox"][:]).flat[0]

        def walk(g, prefix):
            for name, v in g.variables.items():
                if len(v.dimensions) >= 2 and v.dtype == np.float32:
                    layers.append((f"{prefix}/{name}", v.shape))
            for sub in g.groups.values():
                walk(sub, f"{prefix}/{sub.name}")

        walk(nc, "")
    assert len(layers) >= 5 + 5 + 1 + 2  # data, cubes, ionosphere, two tides
    for path, shape in layers:
        ds = gdal.Open(f'NETCDF:"{nc_path}":{path}')
        assert ds.GetDriver().ShortName == "netCDF", path
        srs = ds.GetSpatialRef()
        assert srs is not None and srs.GetAuthorityName(None) == "EPSG", path
        assert srs.GetAuthorityCode(None) == "4326", path
        assert (ds.RasterYSize, ds.RasterXSize) == shape[-2:], path
        assert ds.GetGeoTransform()[5] < 0, f"{path} must be north-up"
    vec = gdal.OpenEx(str(nc_path), gdal.OF_VECTOR)
    assert vec.GetDriver().ShortName == "netCDF"
    feat = vec.GetLayerByName("productBoundingBox").GetFeature(1)
    ogr_wkt = feat.GetGeometryRef().ExportToWkt()
    assert ogr_wkt.startswith("POLYGON")
    assert shapely.wkt.loads(ogr_wkt).equals_exact(shapely.wkt.loads(stored), 1e-9)
    assert validate_gunw.ogr_bounding_polygon(str(nc_path)) == ogr_wkt


def test_gdal_opens_every_layer_epsg4326(packaged):
    rasterio = pytest.importorskip("rasterio")
    out, _ = packaged
    nc_path = out / "gunw.nc"
    layers = []
    with netCDF4.Dataset(nc_path) as nc:

        def walk(g, prefix):
            for name, v in g.variables.items():
                if len(v.dimensions) >= 2 and v.dtype == np.float32:
                    layers.append((f"{prefix}/{name}", v.shape))
            for name, sub in g.groups.items():
                walk(sub, f"{prefix}/{name}")

        walk(nc, "")
    assert len(layers) >= 5 + 5 + 1 + 2  # data, cubes, ionosphere, two tides
    for path, shape in layers:
        with rasterio.open(f"netcdf:{nc_path}:{path}") as ds:
            assert ds.driver == "netCDF", path
            assert ds.crs.to_epsg() == 4326, path
            assert (ds.height, ds.width) == shape[-2:], path
            assert ds.transform.e < 0, f"{path} must be north-up"
    with rasterio.open(f"netcdf:{nc_path}:{L.DATA}/unwrappedPhase") as ds:
        h = isce_io.raster_header(STANDARD / "run" / "merged" / "filt_topophase.unw.geo")
        # GDAL's corner = ISCE first-pixel centre minus half a pixel (ISCE coordinates are pixel centres)
        assert ds.transform.c == pytest.approx(h.x0 - h.dx / 2, abs=1e-12)
        assert ds.transform.f == pytest.approx(h.y0 - h.dy / 2, abs=1e-12)
        assert ds.transform.a == pytest.approx(1 / 3600, rel=1e-9)


def test_values_equal_isce_inputs(packaged):
    out, result = packaged
    amp_isce, unw_isce = _isce("filt_topophase.unw.geo")
    valid = amp_isce != 0
    with netCDF4.Dataset(out / "gunw.nc") as nc:
        d = nc[L.DATA]
        d.set_auto_mask(False)
        h = isce_io.raster_header(STANDARD / "run" / "merged" / "filt_topophase.unw.geo")
        np.testing.assert_array_equal(d["latitude"][:], h.lat())
        np.testing.assert_array_equal(d["longitude"][:], h.lon())
        np.testing.assert_array_equal(d["amplitude"][:], amp_isce)
        # ISCE's reference is the earlier pass here: GUNW phase = later x conj(earlier) = -(ISCE phase)
        assert nc.getncattr("isce_reference_is_gunw_secondary") == 1
        np.testing.assert_array_equal(d["unwrappedPhase"][:][valid], -unw_isce[valid])
        assert np.all(d["unwrappedPhase"][:][~valid] == 0)
        coh = _isce("phsig.cor.geo", 1)
        np.testing.assert_array_equal(d["coherence"][:][valid], coh[valid])
        cc = _isce("filt_topophase.unw.conncomp.geo", 1).astype(np.float32)
        np.testing.assert_array_equal(d["connectedComponents"][:][valid], cc[valid])
        assert np.all(d["connectedComponents"][:][~valid] == -1)
        np.testing.assert_array_equal(
            d["unfilteredCoherence"][:][valid], _isce("topophase.cor.geo", 2)[valid]
        )
        # ionosphere: own ~1 km grid, same origin, negated like the phase, NaN nodata
        ig = nc[L.IONO]
        ig.set_auto_mask(False)
        k = L.iono_factor(h.dy)
        np.testing.assert_allclose(ig["latitude"][:], h.lat()[::k])
        np.testing.assert_allclose(ig["longitude"][:], h.lon()[::k])
        ion = _isce("topophase.ion.geo", 1).astype(float)
        ion[ion == 0] = np.nan
        iono = ig["ionosphere"][:]
        i, j = np.argwhere(np.isfinite(iono))[len(np.argwhere(np.isfinite(iono))) // 2]
        win = ion[max(i * k - k // 2, 0) : i * k + k // 2 + 1, max(j * k - k // 2, 0) : j * k + k // 2 + 1]
        assert iono[i, j] == pytest.approx(-np.nanmean(win), abs=1e-5)
        # radar metadata
        r = nc[L.RMD]
        assert r["wavelength"][...] == pytest.approx(0.05546576)
        assert r["ISCEversion"][...] == "2.6.5"
        assert list(nc[L.SLC_REF]["L1InputGranules"][:]) == [SCENE_0113]
        assert list(nc[L.SLC_SEC]["L1InputGranules"][:]) == [SCENE_0101]
        assert nc[L.SLC_REF]["orbitType"][...] == "precise"
        assert r["slantRangeStart"].dtype == np.float64
        # zero baseline: topsProc holds NaN; the attribute says so instead of crashing or inventing a value
        assert np.isnan(nc.getncattr("mean_perpendicular_baseline"))
        # ISCE's azimuth from north + 90 (here 178.02; the double's demo gave 189.35), wrapped to (-180, 180]
        los = _isce("los.rdr.geo")
        aria_az = los[1][los[1] != 0].astype(float).mean() + 90
        wrapped = aria_az - 360 if aria_az > 180 else aria_az
        assert nc.getncattr("mean_azimuth_angle") == pytest.approx(wrapped, abs=1e-6)
        # ionosphere looks as topsApp ran them (recorded topsApp.xml: total 10 x 40, first stage 2 x 8)
        props = recorded_properties()
        np.testing.assert_array_equal(
            ig["ionosphere"].getncattr("multilook_az_rg1"),
            [
                props["total number of azimuth looks in the ionosphere processing"],
                props["total number of range looks in the ionosphere processing"],
            ],
        )
        assert list(ig["ionosphere"].getncattr("multilook_az_rg2")) == [2, 8]
        # provenance without secrets
        cfg = nc.getncattr("workflow_config")
        assert "hunter2" not in cfg and "abc" not in cfg and '"retries": 5' in cfg


def test_cube_angles_agree_with_los_rdr_geo(packaged):
    out, _ = packaged
    los = _isce("los.rdr.geo")
    h = isce_io.raster_header(STANDARD / "run" / "merged" / "los.rdr.geo")
    lat, lon = h.lat(), h.lon()
    with netCDF4.Dataset(out / "gunw.nc") as nc:
        g = nc[L.GEOM]
        g.set_auto_mask(False)
        heights = g["heightsMeta"][:]
        clat, clon = g["latitudeMeta"][:], g["longitudeMeta"][:]
        k0 = int(np.flatnonzero(heights == 0)[0])  # the DEM is flat at 0 m (WGS84)
        inc, az = g["incidenceAngle"][k0], g["azimuthAngle"][k0]
    compared = 0
    for i, la in enumerate(clat):
        for j, lo in enumerate(clon):
            if not (lat.min() <= la <= lat.max() and lon.min() <= lo <= lon.max()):
                continue
            r, c = int(np.argmin(np.abs(lat - la))), int(np.argmin(np.abs(lon - lo)))
            if los[0, r, c] == 0:
                continue
            assert abs(inc[i, j] - los[0, r, c]) < 0.1
            assert abs(az[i, j] - (los[1, r, c] + 90.0)) < 0.1  # ARIA: from East = ISCE (from North) + 90
            compared += 1
    assert compared >= 1


def test_geometry_code_matches_isce_at_every_pixel():
    """Stronger than the node check: our geometry evaluated at every valid geocoded pixel vs ISCE's los.rdr.geo."""
    if not STANDARD.is_dir():
        pytest.skip("shared recording not available")
    run = STANDARD / "run"
    ref = og.read_isce_product_orbit(run / "reference" / "IW1.xml")
    sec = og.read_isce_product_orbit(run / "secondary" / "IW1.xml")
    los = _isce("los.rdr.geo")
    h = isce_io.raster_header(run / "merged" / "los.rdr.geo")
    la, lo = np.meshgrid(h.lat(), h.lon(), indexing="ij")
    m = los[0] != 0
    g = gc.compute_geometry(ref, sec, la[m], lo[m], np.zeros(m.sum()))
    assert np.abs(g["incidenceAngle"] - los[0][m]).max() < 0.01
    assert np.abs(g["azimuthAngle"] - (los[1][m] + 90.0)).max() < 0.01
    assert np.all(g["lookAngle"] < g["incidenceAngle"])  # Earth curvature: look < incidence


def test_cubes_and_tides(packaged):
    out, _ = packaged
    with netCDF4.Dataset(out / "gunw.nc") as nc:
        g = nc[L.GEOM]
        g.set_auto_mask(False)
        assert list(g["heightsMeta"][:]) == list(L.CUBE_HEIGHTS)
        inc = g["incidenceAngle"][:]
        assert np.all(np.diff(inc, axis=2) > 0)  # right-looking ascending: incidence grows eastward
        assert np.all(np.diff(inc, axis=0) > 0)  # and grows with node height (LOS flattens)
        tides = {}
        for role, grp in (("reference", L.SET_REF), ("secondary", L.SET_SEC)):
            t = nc[grp]
            t.set_auto_mask(False)
            np.testing.assert_array_equal(t["latitude"][:], g["latitudeMeta"][:])
            tides[role] = t["solidEarthTide"][:]
            assert np.all(np.isfinite(tides[role])) and np.all(tides[role] != 0)
            assert np.abs(tides[role]).max() < 0.5 / (0.05546576 / (4 * np.pi))  # < 0.5 m of LOS tide
        assert not np.allclose(tides["reference"], tides["secondary"])


def test_metadata_json_and_browse(packaged):
    out, result = packaged
    meta = json.loads((out / "gunw.json").read_text())
    assert meta["label"] == result["name"][:-3]
    assert meta["metadata"]["reference_scenes"] == [SCENE_0113]
    assert meta["metadata"]["temporal_baseline_days"] == 12
    assert meta["metadata"]["orbit_number"] == [30176, 30001]
    assert meta["metadata"]["platform"] == ["Sentinel-1A", "Sentinel-1A"]
    assert meta["metadata"]["perpendicular_baseline"] == 0.0  # zero-baseline recording
    # the DAAC schema itself (the staged original, not only our copy) accepts it
    if SCHEMA_SHARED.exists():
        assert browse_metadata.schema_problems(meta, json.loads(SCHEMA_SHARED.read_text())) == []
        assert browse_metadata.SCHEMA_PATH.read_bytes() == SCHEMA_SHARED.read_bytes()
    from PIL import Image

    with Image.open(out / "gunw.png") as im:
        assert im.mode == "RGBA"
        assert im.size == (round(121 * 0.2), round(633 * 0.2))
        a = np.asarray(im)
    assert a[..., 3].max() == 255 and a[..., 3].min() == 0  # data opaque, masked border transparent


def test_browse_all_masked_is_zeros():
    img = browse_metadata.browse_rgba(np.ones((10, 10), np.float32), np.zeros((10, 10), np.float32))
    assert img.shape == (10, 10, 4) and not img.any()


def test_swapped_roles_detected_and_mismatch_rejected():
    if not STANDARD.is_dir():
        pytest.skip("shared recording not available")
    ref = isce_io.read_swaths(STANDARD / "run" / "reference")
    sec = isce_io.read_swaths(STANDARD / "run" / "secondary")
    pair = pair_fixture()
    assert package_gunw.isce_roles_swapped(pair, ref, sec) is True
    assert package_gunw.isce_roles_swapped(pair, sec, ref) is False
    other = dict(pair, reference_scenes=[SCENE_0113.replace("20200113T14", "20200125T14")])
    with pytest.raises(ValueError, match="match neither order"):
        package_gunw.isce_roles_swapped(other, ref, sec)


def test_sanitise_drops_credentials():
    cfg = {
        "downloads": {"password": "x", "esa_username": "u", "retries": 5},
        "url": "https://user:pw@host/path",
        "api_key": "k",
    }
    assert package_gunw.sanitise(cfg) == {"downloads": {"retries": 5}, "url": "https://host/path"}


def test_snaphu_run_says_snaphu(packaged):
    out, _ = packaged
    with netCDF4.Dataset(out / "gunw.nc") as nc:
        # the reference tool (and ARIA) write "snaphu" for snaphu_mcf runs
        assert nc[L.RMD]["unwrapMethod"][...] == "snaphu"


def test_icu_run_packages_and_validates(tmp_path):
    """ICU's geocoded components are merged/filt_topophase.conncomp.geo: packaging must read that file (the
    snaphu name does not exist here), the product must validate and say unwrapMethod icu."""
    if not STANDARD.is_dir():
        pytest.skip("shared recording not available")
    run = topsapp_dir(tmp_path / "topsapp", unwrapper="icu")
    assert not (run / isce_files.geocoded(isce_files.conncomp("snaphu_mcf"))).exists()
    (tmp_path / "pair.json").write_text(json.dumps(pair_fixture()))
    result = package_gunw.package(
        run,
        tmp_path / "pair.json",
        tmp_path / "product",
        options=OPTIONS,
        orbit_dir=STANDARD / "inputs" / "orbits",
        config={"topsapp": {"unwrapper": "icu"}},
        log_dirs=[STANDARD / "logs"],
    )
    out = tmp_path / "product"
    problems = validate_gunw.validate(
        out / "gunw.nc", name=result["name"], json_path=out / "gunw.json", png_path=out / "gunw.png"
    )
    assert problems == ZERO_BASELINE_PROBLEMS
    cc = isce_io.read_raster(run / isce_files.geocoded(isce_files.conncomp("icu")), 1).astype(np.float32)
    amp = isce_io.read_raster(run / L.UNWRAPPED_GEO, 1)
    with netCDF4.Dataset(out / "gunw.nc") as nc:
        assert nc[L.RMD]["unwrapMethod"][...] == "icu"
        d = nc[L.DATA]
        d.set_auto_mask(False)
        np.testing.assert_array_equal(d["connectedComponents"][:], np.where(amp == 0, -1, cc))


def test_missing_option_is_named(tmp_path):
    if not STANDARD.is_dir():
        pytest.skip("shared recording not available")
    options = dict(OPTIONS)
    del options["goldstein_filter_power"]
    with pytest.raises(L.MissingOptionError, match="'goldstein_filter_power'"):
        package_gunw.assemble(topsapp_dir(tmp_path / "topsapp"), pair_fixture(), options)


def test_missing_properties_json_is_an_error(tmp_path):
    if not STANDARD.is_dir():
        pytest.skip("shared recording not available")
    run = topsapp_dir(tmp_path / "topsapp")
    (run / layout.TOPSAPP_PROPERTIES_JSON).unlink()
    with pytest.raises(FileNotFoundError, match=layout.TOPSAPP_PROPERTIES_JSON):
        package_gunw.assemble(run, pair_fixture(), OPTIONS)


def test_options_frame_must_be_the_pairs(tmp_path):
    if not STANDARD.is_dir():
        pytest.skip("shared recording not available")
    with pytest.raises(ValueError, match="frame_id 9847 differs"):
        package_gunw.assemble(topsapp_dir(tmp_path / "topsapp"), pair_fixture(), dict(OPTIONS, frame_id=9847))


def test_table_sources_exist_in_the_recorded_run():
    """Every source the table names for the recorded run's layers is a raster ISCE2 really wrote."""
    if not STANDARD.is_dir():
        pytest.skip("shared recording not available")
    layers = L.layers_for(dict(OPTIONS, wrapped_phase_layer=True))
    sources = [v.source for v in L.layer_vars(layers)]
    assert {s.file for s in sources} >= {L.UNWRAPPED_GEO, isce_files.geocoded(L.CONNCOMP)}
    for s in sources:
        assert isce_io.raster_header(STANDARD / "run" / s.path("snaphu_mcf")).bands >= s.band, s
        assert set(s.nodata) <= set(L.NODATA_CONDITIONS), s


def test_every_computed_attribute_has_its_function():
    assert {c.by for c in L.computed_attrs()} == set(attributes.COMPUTED)
    for c in L.computed_attrs():
        assert set(c.when) <= set(L.LAYER_KEYS) | {L.WITH_WATER_MASK}, c


def test_unwrap_method_of_every_schema_unwrapper():
    schema = workflow_config.load_schema()
    allowed = schema["properties"]["topsapp"]["properties"]["unwrapper"]["enum"]
    assert {u: L.unwrap_method(u) for u in allowed} == {
        "snaphu_mcf": "snaphu",
        "snaphu": "snaphu",
        "icu": "icu",
    }
    with pytest.raises(ValueError, match="grass"):
        L.unwrap_method("grass")
