"""GLO-30 DEMs for topsApp, shared by all pairs of a frame: 1" topo DEM and the geocoding DEM at the output posting.

Bounds: the product extent (pair.json ``dem_bounds_wsen``: extent buffered 0.4 deg, floored/ceiled to whole
degrees). Tiles are fetched with http_fetch (retries, verified as readable GeoTIFFs, atomic) into a tile cache
shared by every frame, then dem_stitcher stitches them offline: ``glo_30``, ellipsoidal heights, ``Point``
(pixel-centre) labels, NaN -> 0. Both DEMs are written as ISCE rasters (raw float32 + .xml + .vrt) with the
``reference`` = WGS84 property (without it ISCE treats the heights as EGM96) and an absolute ``file_name``
(`gunw stage-dem` rewrites it to the staged path).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from gunw_workflow.inputs import http_fetch
from gunw_workflow.isce_io import headers, rasters

log = http_fetch.log
ARCSEC = 1.0 / 3600.0
POSTING = {30: ARCSEC, 90: 3 * ARCSEC}


def tile_urls(bounds_wsen: list[float]) -> list[str]:
    from dem_stitcher.datasets import get_overlapping_dem_tiles

    return get_overlapping_dem_tiles(list(bounds_wsen), "glo_30").url.tolist()


def _validate_tile(path: Path) -> None:
    import rasterio

    try:
        with rasterio.open(path) as ds:
            if ds.count < 1 or ds.width < 10 or ds.height < 10:
                raise ValueError(f"unexpected tile shape {ds.width}x{ds.height}")
            ds.read(1, window=((ds.height - 1, ds.height), (0, ds.width)))  # last row: catches truncation
    except rasterio.errors.RasterioIOError as exc:
        raise ValueError(f"not a readable GeoTIFF ({exc})") from None


def fetch_tiles(bounds_wsen, tile_dir, base_url=None, policy=None) -> list[Path]:
    session = http_fetch.make_session(base_url)
    out = []
    for url in tile_urls(bounds_wsen):
        dest = Path(tile_dir) / url.split("/")[-1]
        out.append(
            http_fetch.download_file(url, dest, session=session, validate=_validate_tile, policy=policy)
        )
    return out


def write_isce_dem(
    path: str | os.PathLike, arr: np.ndarray, x0: float, dx: float, y0: float, dy: float
) -> Path:
    """Raw little-endian float32 + .xml + .vrt; (x0, y0) = centre of the first pixel, written to the
    XML startingvalue and (as ISCE's own renderVRT does) to the VRT GeoTransform. Atomic per file, XML last."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    length, width = arr.shape
    h = headers.IsceRaster(path, width, length, "FLOAT", x0=x0, dx=dx, y0=y0, dy=dy)
    http_fetch.atomic_write_bytes(path, np.ascontiguousarray(arr, dtype="<f4").tobytes())
    http_fetch.atomic_write_text(str(path) + ".vrt", headers.vrt_xml(h, path.name))
    http_fetch.atomic_write_text(str(path) + ".xml", headers.image_xml(h, str(path.resolve())))
    return path


def stitch(bounds_wsen, tile_dir, geoid=None) -> tuple[np.ndarray, float, float, float, float]:
    """dem_stitcher on the cached tiles; returns (array, x0, dx, y0, dy) with pixel-centre origin."""
    from dem_stitcher import stitch_dem

    kwargs = {"geoid_path": geoid} if geoid else {}
    arr, profile = stitch_dem(
        list(bounds_wsen),
        dem_name="glo_30",
        dst_ellipsoidal_height=True,
        dst_area_or_point="Point",
        dst_tile_dir=tile_dir,
        n_threads_downloading=2,
        **kwargs,
    )
    arr = np.where(np.isfinite(arr), arr, 0.0).astype("float32")
    t = profile["transform"]  # GDAL convention: corner of the first pixel; ISCE wants its centre
    return arr, t.c + t.a / 2, t.a, t.f + t.e / 2, t.e


def resample(arr, x0, dx, y0, dy, posting: float):
    """Bilinear resampling of a pixel-centre grid to `posting` degrees over the same box (same first centre)."""
    from affine import Affine
    from rasterio.crs import CRS
    from rasterio.warp import Resampling, reproject

    length, width = arr.shape
    nx = int(np.floor((width - 1) * dx / posting + 1e-9)) + 1
    ny = int(np.floor((length - 1) * -dy / posting + 1e-9)) + 1
    out = np.zeros((ny, nx), dtype="float32")
    reproject(
        arr,
        out,
        src_transform=Affine(dx, 0, x0 - dx / 2, 0, dy, y0 - dy / 2),
        dst_transform=Affine(posting, 0, x0 - posting / 2, 0, -posting, y0 + posting / 2),
        src_crs=CRS.from_epsg(4326),
        dst_crs=CRS.from_epsg(4326),
        resampling=Resampling.bilinear,
    )
    return out, x0, posting, y0, -posting


def read_isce_dem(path: str | os.PathLike):
    """(array, x0, dx, y0, dy) of a DEM written by write_isce_dem (from its ISCE header)."""
    h = headers.raster_header(path)
    return rasters.read_raster(path, 1), h.x0, h.dx, h.y0, h.dy
