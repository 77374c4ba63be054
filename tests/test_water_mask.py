"""The water mask reaches the product: sampled on the data grid (255 or 1 = water), outside = land."""

from __future__ import annotations

import numpy as np
import rasterio
from rasterio.transform import from_origin

import package_gunw


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
