"""DEM and water mask of the synthetic pair, on one grid that covers the data area plus a margin.

``dem/dem.wgs84``: Int16 ellipsoidal heights at the DEM posting, pixel centres on whole multiples of the posting
+ 1/2 (like GLO-30), with its ISCE .xml (``reference`` WGS84; ``file_name`` ``dem.wgs84``, valid from the DEM's
own directory: stage-dem rewrites it for topsApp) and .vrt. ``dem/water_mask.tif``: all land, so the demo needs
no download.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gunw_workflow.demo.scene import SceneModel
from gunw_workflow.isce_io import headers
from gunw_workflow.isce_io import orbit as og


@dataclass
class DemGrid:
    """Pixel-centre grid: sample (i, j) is at (lat0 - i*d, lon0 + j*d)."""

    lon0: float
    lat0: float
    d: float
    width: int
    length: int

    def mesh(self) -> tuple[np.ndarray, np.ndarray]:
        lats = self.lat0 - np.arange(self.length) * self.d
        lons = self.lon0 + np.arange(self.width) * self.d
        return np.meshgrid(lats, lons, indexing="ij")

    def transform(self):
        """GDAL (corner) geotransform of the grid."""
        from rasterio.transform import Affine

        return Affine(self.d, 0.0, self.lon0 - self.d / 2, 0.0, -self.d, self.lat0 + self.d / 2)


def data_area_snwe(m: SceneModel) -> list[float]:
    """[S, N, W, E] of the valid data window of all swaths, on the ellipsoid and on the DEM surface."""
    valid_t, r_valid = m.valid_t, m.r_valid
    edge_t = np.concatenate(
        [
            np.linspace(*valid_t, 50),
            np.full(50, valid_t[1]),
            np.linspace(*valid_t, 50),
            np.full(50, valid_t[0]),
        ]
    )
    edge_r = np.concatenate(
        [
            np.full(50, r_valid[0]),
            np.linspace(*r_valid, 50),
            np.full(50, r_valid[1]),
            np.linspace(*r_valid, 50),
        ]
    )
    lat_e, lon_e = [], []
    for hgt in (0.0, m.height):
        la, lo, _ = og.rdr2geo(m.geo, edge_t, edge_r, hgt)
        lat_e.append(la)
        lon_e.append(lo)
    lat_e, lon_e = np.concatenate(lat_e), np.concatenate(lon_e)
    return [float(lat_e.min()), float(lat_e.max()), float(lon_e.min()), float(lon_e.max())]


def dem_grid(data_snwe: list[float], posting_arcsec: float, margin_deg: float) -> DemGrid:
    """The data area + ``margin_deg``, snapped outwards to the posting grid."""
    d = posting_arcsec / 3600.0
    n_arc = 3600.0 / posting_arcsec
    lon0 = (math.floor((data_snwe[2] - margin_deg) * n_arc) + 0.5) / n_arc
    lat0 = (math.ceil((data_snwe[1] + margin_deg) * n_arc) - 0.5) / n_arc
    width = int(math.ceil((data_snwe[3] + margin_deg - lon0) / d)) + 1
    length = int(math.ceil((lat0 - (data_snwe[0] - margin_deg)) / d)) + 1
    return DemGrid(lon0, lat0, d, width, length)


def write_dem(m: SceneModel, grid: DemGrid, path: Path) -> np.ndarray:
    """The DEM binary at ``path`` (+ .xml, .vrt) with the scene's relief; returns the Int16 heights."""
    la2, lo2 = grid.mesh()
    dem = np.round(m.height(la2, lo2)).astype("<i2")
    path.parent.mkdir(parents=True, exist_ok=True)
    dem.tofile(path)
    h = headers.IsceRaster(
        path, grid.width, grid.length, "SHORT", x0=grid.lon0, dx=grid.d, y0=grid.lat0, dy=-grid.d
    )
    # without <doc> lines: ISCE2 ignores them, and the demo DEM header has always been written this way
    Path(str(path) + ".xml").write_text(headers.image_xml(h, m.p.dem_file_name, docs=False))
    Path(str(path) + ".vrt").write_text(headers.vrt_xml(h, path.name))
    return dem


def write_geotiff(grid: DemGrid, path: Path, band: np.ndarray, nodata=None, **tags) -> None:
    """One band on the DEM grid as a deflated GeoTIFF (EPSG:4326)."""
    import rasterio

    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=grid.width,
        height=grid.length,
        count=1,
        dtype=band.dtype.name,
        crs="EPSG:4326",
        transform=grid.transform(),
        nodata=nodata,
        compress="deflate",
    ) as ds:
        ds.write(band, 1)
        if tags:
            ds.update_tags(**tags)


def write_water_mask(grid: DemGrid, path: Path) -> None:
    """All land (0; 1/255 would be water) on the DEM grid."""
    write_geotiff(grid, path, np.zeros((grid.length, grid.width), np.uint8))
