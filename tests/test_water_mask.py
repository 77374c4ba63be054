"""The water mask: made from Pekel occurrence tiles (tile_mate's index, our download layer), and how it reaches
the product (sampled on the data grid, 255 or 1 = water, outside = land)."""

from __future__ import annotations

import re

import numpy as np
import pytest
import rasterio
from affine import Affine
from rasterio.transform import from_origin
from shapely.geometry import box

import loopback
import pekel_tiles
from gunw_workflow.inputs import water_mask as wm
from gunw_workflow.isce_io import headers
from gunw_workflow.product import package as package_gunw
from test_gunw_package import OPTIONS, topsapp_dir


def _mask(path, values, lon0=-118.1, lat0=35.1, step=0.01):
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=values.shape[1],
        height=values.shape[0],
        count=1,
        dtype="uint8",
        crs="EPSG:4326",
        transform=from_origin(lon0, lat0, step, step),
    ) as dst:
        dst.write(values, 1)


def test_water_on_grid_samples_the_mask_at_the_data_nodes(tmp_path):
    values = np.zeros((20, 20), np.uint8)
    values[:, 10:] = 255  # east half water
    _mask(tmp_path / "m.tif", values)
    lon = np.linspace(-118.095, -117.905, 39)
    lat = np.linspace(35.095, 34.905, 11)
    water = package_gunw.water_on_grid(tmp_path / "m.tif", lat, lon)
    assert water.shape == (11, 39)
    assert not water[:, lon < -118.0].any() and water[:, lon > -118.0].all()


def test_zero_one_masks_and_nodes_outside_the_mask(tmp_path):
    values = np.ones((5, 5), np.uint8)
    _mask(tmp_path / "m.tif", values)
    lon = np.array([-118.095, -117.5])  # second node far outside: land
    lat = np.array([35.095])
    water = package_gunw.water_on_grid(tmp_path / "m.tif", lat, lon)
    assert water.tolist() == [[True, False]]


def test_quality_numbers_are_in_the_product(recorded_dir, tmp_path):
    """percent_unwrapped and number_of_connected_components, from the real recorded ISCE2 outputs."""
    import json

    pair = {
        "pair": "t",
        "reference_scenes": ["S1A_IW_SLC__1SDV_20200113T140000_20200113T140010_030176_037499_BBBB"],
        "secondary_scenes": ["S1A_IW_SLC__1SDV_20200101T140000_20200101T140010_030001_036EA1_AAAA"],
        "frame_id": -1,
        "mission": "S1A",
        "track": 4,
        "flight_direction": "ASCENDING",
        "reference_start": "2020-01-13T14:00:04",
        "reference_stop": "2020-01-13T14:00:10",
        "secondary_start": "2020-01-01T14:00:04",
        "secondary_stop": "2020-01-01T14:00:10",
        "extent_snwe": [34.9121, 35.0878, -118.0168, -117.9833],
        "roi_snwe": [34.9121, 35.0878, -118.0168, -117.9833],
    }
    (tmp_path / "pair.json").write_text(json.dumps(pair))
    product = package_gunw.assemble(
        topsapp_dir(tmp_path / "topsapp"), pair, OPTIONS, recorded_dir / "standard" / "inputs" / "orbits"
    )
    attrs = product["global_attrs"]
    assert 90.0 < attrs["percent_unwrapped"] <= 100.0
    assert attrs["number_of_connected_components"] >= 1


# ------------------------------------------------------------------ the Pekel water mask (download_water_mask)
NE_LAND = loopback.DATA / "DockerizedTopsApp/isce2_topsapp/data/ne_10m_land.zip"
NE_HOST, NE_PATH = "naciscdn.org", "/naturalearth/10m/physical/ne_10m_land.zip"
LA = [-119.0, 33.0, -117.0, 34.0]  # inside tile 120W_40N (lon -120..-110, lat 30..40)
NET = ["--tries", "3", "--backoff", "0", "--timeout", "5"]


def _la_occurrence(lon, lat):
    """Four bands from west to east: 0 (land), 94 (just below the threshold), 95 (water), 255 (no data)."""
    return np.select([lon < -118.5, lon < -118.0, lon < -117.5], [0, 94, 95], 255)


@pytest.fixture
def pekel_server(tmp_path):
    if not NE_LAND.exists():
        pytest.skip(f"{NE_LAND} (shared test data) is not available")
    lb = loopback.Loopback()
    lb.add_file(NE_HOST, NE_PATH, NE_LAND)
    served = pekel_tiles.serve(lb, tmp_path, ["120W_40N"], _la_occurrence)
    yield lb, served["120W_40N"]
    lb.close()


def _run(lb, tmp_path, bounds=LA, key="k"):
    out = tmp_path / "cache/water_mask" / key / "water_mask.wgs84"
    argv = ["--bounds", *map(str, bounds), "--out", str(out), "--tile-dir", str(tmp_path / "cache/tiles")]
    argv += ["--source", str(tmp_path / "cache/ne.zip"), "--base-url", lb.base_url, *NET]
    argv += ["--log", str(tmp_path / "cache/logs/water_mask.log")]
    return wm.main(argv), out


def test_tile_mate_index_names_the_real_tiles():
    """The selection is tile_mate's packaged index: the real URL and 10-degree cell of each tile."""
    (t,) = wm.select_tiles(LA)
    assert t["tile_id"] == "120W_40N" and t["bounds"] == (-120.0, 30.0, -110.0, 40.0)
    assert t["url"] == (
        "https://storage.googleapis.com/global-surface-water/downloads2021/occurrence/"
        "occurrence_120W_40Nv1_4_2021.tif"
    )
    ids = {t["tile_id"] for t in wm.select_tiles([179.5, 50.2, 180.5, 50.8])}  # across the dateline
    assert ids == {"170E_60N", "180W_60N"}


def test_pekel_mask_through_the_download_layer_with_a_503(pekel_server, tmp_path):
    lb, tile = pekel_server
    lb.fault(tile["host"], "occurrence_120W_40N", ["503"])  # retried
    rc, out = _run(lb, tmp_path)
    assert rc == 0
    assert lb.count(tile["host"], "occurrence_120W_40N", method="GET") == 2
    cached = tmp_path / "cache/tiles/occurrence_120W_40Nv1_4_2021.tif"
    assert cached.read_bytes() == tile["bytes"]
    # the contract the packaging and ionosphere rules read: 3" grid of the bounds, centres, 255/0
    h = headers.raster_header(out)
    assert (h.width, h.length, h.data_type) == (2400, 1200, "BYTE")
    assert abs(h.x0 - (-119 + 1 / 2400)) < 1e-12 and abs(h.y0 - (34 - 1 / 2400)) < 1e-12
    assert abs(h.dx - 1 / 1200) < 1e-15 and abs(h.dy + 1 / 1200) < 1e-15
    mask = np.fromfile(out, dtype="uint8").reshape(1200, 2400)
    lon = -119 + (np.arange(2400) + 0.5) / 1200
    assert set(np.unique(mask)) == {0, 255}
    assert (mask[:, lon < -118.51] == 0).all()  # occurrence 0 and 94: land
    assert (mask[:, (lon > -118.49) & (lon < -118.01)] == 0).all()
    assert (mask[:, lon > -117.99] == 255).all()  # 95 and no data: water
    assert (mask == 255).mean() == pytest.approx(0.5, abs=0.01)
    # a second frame in the same tile: the cached, verified tile is used, nothing is fetched again
    lb.log.clear()
    rc, _ = _run(lb, tmp_path, bounds=[-118.0, 33.0, -117.0, 34.0], key="k2")
    assert rc == 0 and lb.count(tile["host"]) == 0


def test_a_truncated_tile_is_rejected_and_never_cached(pekel_server, tmp_path, capsys):
    lb, tile = pekel_server
    short = tile["bytes"][: len(tile["bytes"]) // 2]  # a complete HTTP answer of half a GeoTIFF
    lb.routes.insert(
        0,
        (
            tile["host"],
            "GET",
            re.compile(re.escape(tile["path"]) + "$"),
            lambda req: loopback.Reply(200, short),
        ),
    )
    rc, out = _run(lb, tmp_path)
    assert rc == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: water mask: download occurrence_120W_40Nv1_4_2021.tif")
    assert "not a readable GeoTIFF" in err[0] and "giving up after 3 attempts" in err[0]
    tiles = tmp_path / "cache/tiles"
    assert not (tiles / "occurrence_120W_40Nv1_4_2021.tif").exists()
    assert not list(tiles.glob("*.part")) and not out.exists()
    del lb.routes[0]  # the server heals: the same command recovers
    assert _run(lb, tmp_path)[0] == 0 and out.exists()


def test_a_tile_of_another_cell_is_rejected(tmp_path):
    row, blob = pekel_tiles.tile_bytes(tmp_path, "130W_40N", lambda lon, lat: lon * 0)
    (tmp_path / "t.tif").write_bytes(blob)
    with pytest.raises(ValueError, match="index cell"):
        wm.tile_validator(pekel_tiles.index_row("120W_40N")["bounds"])(tmp_path / "t.tif")
    wm.tile_validator(row["bounds"])(tmp_path / "t.tif")  # its own cell: accepted


def test_nodes_outside_every_tile_are_water():
    tiles = [{"tile_id": "x", "url": "u", "bounds": (-120.0, 30.0, -110.0, 40.0)}]
    occ = np.zeros((1000, 1000), np.uint8)  # all land
    mask = wm.water_on_posting(occ, Affine(0.01, 0, -120, 0, -0.01, 40), [-121, 33, -119, 34], tiles, 0.5)
    assert mask.tolist() == [[255, 255, 0, 0], [255, 255, 0, 0]]  # west of -120: no tile, open ocean


def test_mostly_water_extent_warns(pekel_server, tmp_path, capsys):
    """Natural Earth serves only the water-fraction warning: an offshore box (Pacific, west of LA) warns."""
    lb, _ = pekel_server
    rc, _ = _run(lb, tmp_path, bounds=[-119.9, 33.0, -119.6, 33.2])
    assert rc == 0
    assert "% water (Natural Earth land polygons)" in capsys.readouterr().err
    land = [-117.9, 33.9, -117.1, 34.0]  # the Los Angeles basin
    rc, _ = _run(lb, tmp_path, bounds=land, key="land")
    assert rc == 0 and "water (Natural Earth" not in capsys.readouterr().err
    assert wm.water_fraction(tmp_path / "cache/ne.zip", box(*land)) < 0.1


def test_pair_json_bounds_and_extent(pekel_server, tmp_path, capsys):
    """As the rule runs it: bounds from pair.json (water_mask_bounds_wsen), the warning from its extent_wkt
    (San Francisco Bay area, mostly land: no warning); the four tiles the bounds touch are fetched."""
    import json

    from inputs_support import pair_json_doc

    lb, _ = pekel_server
    doc = pair_json_doc()
    pekel_tiles.serve(lb, tmp_path, ["130W_40N"], lambda lon, lat: np.where(lon < -122.5, 100, 0))
    pekel_tiles.serve(lb, tmp_path, ["130W_50N", "120W_50N"], lambda lon, lat: lon * 0 + 100)  # only touched
    pj = tmp_path / "pair.json"
    pj.write_text(json.dumps(doc))
    out = tmp_path / "cache/water_mask/pair_test_pair/water_mask.wgs84"
    argv = ["--pair-json", str(pj), "--out", str(out), "--tile-dir", str(tmp_path / "cache/tiles")]
    argv += ["--source", str(tmp_path / "cache/ne.zip"), "--base-url", lb.base_url, *NET]
    assert wm.main(argv + ["--log", str(tmp_path / "wm.log")]) == 0
    assert "water (Natural Earth" not in capsys.readouterr().err
    assert {p.name[11:19] for p in (tmp_path / "cache/tiles").glob("*.tif")} == {
        "120W_40N",
        "130W_40N",
        "130W_50N",
        "120W_50N",
    }
    h = headers.raster_header(out)
    assert (h.width, h.length) == (3600, 3600) and abs(h.x0 - (-123 + 1 / 2400)) < 1e-12
    mask = np.fromfile(out, dtype="uint8").reshape(3600, 3600)
    lon = -123 + (np.arange(3600) + 0.5) / 1200
    assert (mask[:, lon < -122.5] == 255).all() and (mask[:, lon > -122.5] == 0).all()  # all from 130W_40N


def test_across_the_antimeridian(pekel_server, tmp_path):
    """Bounds past 180 E (a frame on the antimeridian): tile_mate takes the tiles of both sides and shifts the
    western ones by 360 deg; west of 180 water (occurrence 100), east of it land."""
    lb, _ = pekel_server
    pekel_tiles.serve(lb, tmp_path, ["170E_60N", "170E_50N"], lambda lon, lat: lon * 0 + 100)
    pekel_tiles.serve(lb, tmp_path, ["180W_60N", "180W_50N"], lambda lon, lat: lon * 0)
    rc, out = _run(lb, tmp_path, bounds=[179.0, 50.0, 181.0, 51.0])
    assert rc == 0
    mask = np.fromfile(out, dtype="uint8").reshape(1200, 2400)
    assert (mask[:, :1200] == 255).all() and (mask[:, 1200:] == 0).all()


def test_a_tile_with_values_that_are_no_occurrence_is_rejected(tmp_path):
    """Bytes that decode (e.g. a corruption of an uncompressed block) but hold neither 0-100 % nor 255."""
    row, blob = pekel_tiles.tile_bytes(tmp_path, "120W_40N", lambda lon, lat: np.where(lat > 39.9, 180, 50))
    (tmp_path / "t.tif").write_bytes(blob)
    with pytest.raises(ValueError, match="values outside 0-100 % and 255"):
        wm.tile_validator(row["bounds"])(tmp_path / "t.tif")
