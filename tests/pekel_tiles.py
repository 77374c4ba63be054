"""Synthetic JRC/Pekel occurrence tiles, named, gridded and served like the real ones (none is staged).

A real tile is ``https://storage.googleapis.com/global-surface-water/downloads2021/occurrence/
occurrence_<lon><E|W>_<lat><N|S>v1_4_2021.tif``: 10 x 10 deg, named by its north-west corner, uint8 percent
(255 = no data), EPSG:4326 at 1/4000 deg. The stand-ins keep the name, the cell and the encoding at a coarse
posting (0.01 deg) so tests stay small; the URLs and cells come from tile_mate's packaged index.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from gunw_workflow.inputs import water_mask

STEP = 0.01  # deg per synthetic tile pixel (the real tiles: 0.00025)


def index_row(tile_id: str) -> dict:
    df = water_mask.tile_index()
    r = df[df.tile_id == tile_id].iloc[0]
    return {"tile_id": tile_id, "url": r.url, "bounds": tuple(r.geometry.bounds)}


def occurrence_field(bounds, fn) -> np.ndarray:
    """fn(lon, lat) -> occurrence (uint8) at the pixel centres of one tile."""
    w, s, e, n = bounds
    lon = w + STEP * (np.arange(int(round((e - w) / STEP))) + 0.5)
    lat = n - STEP * (np.arange(int(round((n - s) / STEP))) + 0.5)
    return np.asarray(fn(*np.meshgrid(lon, lat)), dtype="uint8")


def write_tile(path: Path, bounds, values: np.ndarray) -> Path:
    from osgeo import gdal, osr

    gdal.UseExceptions()
    ny, nx = values.shape
    ds = gdal.GetDriverByName("GTiff").Create(
        str(path), nx, ny, 1, gdal.GDT_Byte, ["TILED=YES", "COMPRESS=DEFLATE"]
    )
    ds.SetGeoTransform((bounds[0], STEP, 0.0, bounds[3], 0.0, -STEP))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    ds.SetProjection(srs.ExportToWkt())
    ds.GetRasterBand(1).WriteArray(values)
    ds = None
    return path


def tile_bytes(tmp: Path, tile_id: str, fn) -> tuple[dict, bytes]:
    row = index_row(tile_id)
    path = write_tile(tmp / f"{tile_id}.tif", row["bounds"], occurrence_field(row["bounds"], fn))
    return row, path.read_bytes()


def serve(lb, tmp: Path, tile_ids, fn) -> dict[str, dict]:
    """Serve a synthetic tile for each id at its real URL on the loopback; tile_id -> index row + bytes."""
    out = {}
    for tid in tile_ids:
        row, blob = tile_bytes(tmp, tid, fn)
        u = urlsplit(row["url"])
        lb.add_file(u.hostname, u.path, blob)
        out[tid] = {**row, "bytes": blob, "host": u.hostname, "path": u.path}
    return out
