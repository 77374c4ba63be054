"""The water mask mapped to radar and applied to ISCE's sub-band burst interferograms (before snaphu).

Why: over water the sub-band phase is noise; unwrapped, it makes spurious components and cycle slips that leak
into the coherent land next to it. The reference tool zeroes water in both sub-band interferograms of every
burst, before ISCE merges and unwraps them. The geographic mask is sampled at each burst pixel's lat/lon from
topo (geom_reference/IW*/lat_NN.rdr, lon_NN.rdr), nearest pixel, as the reference does.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from gunw_workflow.ionosphere.rasters import read_band, rewrite_in_place

WATER_VALUES = (1, 255)  # the water-mask file's convention (inputs/water_mask.py): 255 (or 1) = water
BANDS = ("lower", "upper")


def read_geo_mask(path) -> tuple[np.ndarray, tuple[float, ...]]:
    """(water bool array, GDAL geotransform of pixel corners) of a GDAL-readable mask (ISCE .wgs84 via its .vrt)."""
    from osgeo import gdal

    gdal.UseExceptions()
    path = str(path)
    candidates = [path + ".vrt", path] if Path(path + ".vrt").exists() else [path]
    ds = gdal.Open(candidates[0])
    if ds is None:
        raise ValueError(f"cannot open water mask {path}")
    values = ds.GetRasterBand(1).ReadAsArray()
    gt = ds.GetGeoTransform()
    if candidates[0].endswith(".vrt") and Path(path + ".xml").exists():
        # ISCE's .vrt GeoTransform holds the first pixel centre (docs/isce2-steps.md §7): shift to the corner
        gt = (gt[0] - gt[1] / 2.0, gt[1], gt[2], gt[3] - gt[5] / 2.0, gt[4], gt[5])
    return np.isin(values, WATER_VALUES), gt


def geo_to_radar(water: np.ndarray, gt: tuple[float, ...], lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Water (True) at each radar pixel: the mask pixel containing its lat/lon; outside the mask = not water."""
    row = np.floor((lat - gt[3]) / gt[5]).astype(np.int64)
    col = np.floor((lon - gt[0]) / gt[1]).astype(np.int64)
    inside = (row >= 0) & (row < water.shape[0]) & (col >= 0) & (col < water.shape[1])
    out = np.zeros(lat.shape, dtype=bool)
    out[inside] = water[row[inside], col[inside]]
    return out


def burst_pairs(topsapp: Path) -> list[tuple[int, int]]:
    """(swath, burst) of every sub-band burst interferogram ISCE's subband wrote."""
    out = []
    for f in sorted((topsapp / "ion" / "lower" / "fine_interferogram").glob("IW[123]/burst_[0-9][0-9].int")):
        out.append((int(f.parent.name[2:]), int(re.match(r"burst_(\d+)", f.name).group(1))))
    return out


def mask_subbands(topsapp: Path, water_mask) -> dict:
    """Zero water in both sub-band burst interferograms, in place; returns per-burst counts (the record)."""
    topsapp = Path(topsapp)
    water, gt = read_geo_mask(water_mask)
    record = {"water_mask": Path(str(water_mask)).name, "bursts": {}}
    pairs = burst_pairs(topsapp)
    if not pairs:
        raise ValueError(
            f"{topsapp}/ion/lower/fine_interferogram has no burst interferograms (subband failed?)"
        )
    for swath, burst in pairs:
        geom = topsapp / "geom_reference" / f"IW{swath}"
        lat = read_band(geom / f"lat_{burst:02d}.rdr")
        lon = read_band(geom / f"lon_{burst:02d}.rdr")
        radar_water = geo_to_radar(water, gt, lat, lon)
        for band in BANDS:
            ifg_path = topsapp / "ion" / band / "fine_interferogram" / f"IW{swath}" / f"burst_{burst:02d}.int"
            ifg = read_band(ifg_path)
            if ifg.shape != radar_water.shape:
                raise ValueError(f"{ifg_path}: {ifg.shape} differs from its geometry {radar_water.shape}")
            rewrite_in_place(ifg_path, np.where(radar_water, 0, ifg).astype(np.complex64))
        record["bursts"][f"IW{swath}/burst_{burst:02d}"] = {
            "pixels": int(radar_water.size),
            "water": int(np.count_nonzero(radar_water)),
        }
    return record
