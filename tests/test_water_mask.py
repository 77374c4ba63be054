"""The water mask reaches the product: sampled on the data grid (255 or 1 = water), outside = land."""

from __future__ import annotations

import numpy as np
import rasterio
from rasterio.transform import from_origin

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
