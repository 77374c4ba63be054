"""geocode: radar-geometry rasters onto ISCE geozero's grid (geocoding-DEM posting, aligned to its samples).

Why: the product's grid is this grid; values are sampled by an inverse (geo2rdr) lookup of every output node,
nearest neighbour for Byte rasters (connected components), bilinear otherwise. geocodeoffsets (``dense``) uses
the same machinery at the dense-offset grid.
"""

from __future__ import annotations

import math
import os

import numpy as np

from . import geometry, isceio, proc
from .context import Context, orbit_of
from .mosaic import fine_products, merge_box
from .topo import read_dem

# around the burst boxes (their corners only: a curved swath edge may bulge a little)
DATA_MARGIN_DEG = 0.05


def geo_grid(dinfo: isceio.ImageInfo, snwe) -> dict:
    """ISCE geozero's output grid: DEM posting, aligned to the DEM samples, clipped to snwe
    (Fortran integer truncation of the index arithmetic, done in radians like geozero.f90)."""
    d2r = math.pi / 180.0
    lat_first, lon_first = dinfo.y0 * d2r, dinfo.x0 * d2r
    dlat, dlon = dinfo.dy * d2r, dinfo.dx * d2r
    s, n, w, e = (v * d2r for v in snwe)
    min_lat_idx = int((s - lat_first) / dlat + 1)
    min_lon_idx = int((w - lon_first) / dlon)
    max_lat_idx = int((n - lat_first) / dlat)
    max_lon_idx = int((e - lon_first) / dlon + 1)
    return {
        "length": min_lat_idx - max_lat_idx,
        "width": max_lon_idx - min_lon_idx,
        "row0": max_lat_idx,
        "col0": min_lon_idx,
        "lat0": dinfo.y0 + max_lat_idx * dinfo.dy,
        "lon0": dinfo.x0 + min_lon_idx * dinfo.dx,
        "dlat": dinfo.dy,
        "dlon": dinfo.dx,
    }


def geocode_bbox(ctx: Context, data: list[float]) -> list[float]:
    """``geocode bounding box`` or, when unset, ``data``: the union of the burst boxes (``data_bbox``)."""
    bbox = ctx.app["geocode_bbox"]
    if bbox:
        return [float(v) for v in bbox]
    return data


def data_bbox(products: list[dict]) -> list[float]:
    """[S, N, W, E] union of the burst boxes (heights -500 .. 9000 m): no node outside it maps into the data."""
    boxes = []
    for p in products:
        orb = orbit_of(p)
        b0, b1 = p["bursts"][0], p["bursts"][-1]
        far = b0["starting_range"] + (b0["samples"] - 1) * b0["range_pixel_size"]
        boxes.append(
            geometry.burst_bbox(
                orb, orb.sec(b0["sensing_start"]), orb.sec(b1["sensing_stop"]), b0["starting_range"], far
            )
        )
    return [
        min(b[0] for b in boxes),
        max(b[1] for b in boxes),
        min(b[2] for b in boxes),
        max(b[3] for b in boxes),
    ]


def geocode_setup(ctx: Context):
    """Grid, DEM crop and the radar (full-resolution merged) coordinates of every output node."""
    products = fine_products(ctx, "fine_coreg")
    if not products:
        raise Exception("No fine_coreg products: nothing to geocode")
    dem_path = ctx.app["geocode_dem_filename"] or ctx.state.get("demUsed") or ctx.app["dem_filename"]
    dem, dinfo = read_dem(dem_path)
    data = data_bbox(products)
    grid = geo_grid(dinfo, geocode_bbox(ctx, data))
    rows = grid["row0"] + np.arange(grid["length"])
    cols = grid["col0"] + np.arange(grid["width"])
    R, Cc = np.meshgrid(rows, cols, indexing="ij")
    inside = (R >= 0) & (R < dinfo.length) & (Cc >= 0) & (Cc < dinfo.width)
    crop = np.zeros(R.shape, dem.dtype)
    crop[inside] = dem[R[inside], Cc[inside]]
    lat = dinfo.y0 + R * dinfo.dy
    lon = dinfo.x0 + Cc * dinfo.dx
    box = merge_box(products)
    orb = orbit_of(products[0])
    tmid = orb.sec(box[2]) + 0.5 * box[0] * box[4]
    # geo2rdr only where a node can map into the data (a frame's bounding box is mostly fill): the others get
    # NaN coordinates, which geocode_file treats as outside, as it would their computed ones
    s, n, w, e = data
    near = (lat >= s - DATA_MARGIN_DEG) & (lat <= n + DATA_MARGIN_DEG)
    near &= (lon >= w - DATA_MARGIN_DEG) & (lon <= e + DATA_MARGIN_DEG)
    t, r = np.full(lat.shape, np.nan), np.full(lat.shape, np.nan)
    t[near], r[near] = geometry.geo2rdr(orb, lat[near], lon[near], crop[near].astype(float), tmid)
    line = (t - orb.sec(box[2])) / box[4]
    sample = (r - box[3]) / box[5]
    return grid, crop, dinfo, line, sample, box, dem_path


def write_dem_crop(crop, dinfo) -> None:
    isceio.write_image("merged/dem.crop", crop, dinfo.data_type, "BIP", "dem", "demimage", reference="WGS84")


def geocode_file(
    path: str, grid: dict, line, sample, alks: float, rlks: float, a0: float = None, r0: float = None
):
    """Sample a radar raster at the output nodes (nearest for Byte, bilinear otherwise)."""
    info = isceio.read_header(path + ".xml")
    bands = isceio.read_image(path, info)
    a0 = (alks - 1) / 2.0 if a0 is None else a0
    r0 = (rlks - 1) / 2.0 if r0 is None else r0
    li = (line - a0) / alks
    si = (sample - r0) / rlks
    inside = (li >= 0) & (li <= info.length - 1) & (si >= 0) & (si <= info.width - 1)
    order = 0 if info.data_type == "BYTE" else 1
    out = []
    for b in bands:
        v = proc.resample(b, np.where(inside, li, 0), np.where(inside, si, 0), order=order)
        out.append(np.where(inside, v, 0).astype(b.dtype))
    coords = (grid["lon0"], grid["dlon"], grid["lat0"], grid["dlat"])
    isceio.write_image(path + ".geo", out, info.data_type, info.scheme, None, "intimage", coords=coords)
    return info


def existing(files: list[str]):
    """The entries of a geocode list that exist, in order; ISCE skips the others with only a message."""
    for f in files:
        if not os.path.exists(f) or not os.path.exists(f + ".xml"):
            print(f"File not found. Skipping {f}")
            continue
        yield f


def step_geocode(ctx: Context) -> None:
    if not ctx.app["do_interferogram"]:
        return
    alks, rlks = ctx.looks()
    grid, crop, dinfo, line, sample, box, dem_path = geocode_setup(ctx)
    write_dem_crop(crop, dinfo)
    doc = [("Dem_Used", dem_path)]
    for f in existing(ctx.app["geocode_list"]):
        info = geocode_file(f, grid, line, sample, alks, rlks)
        doc = [
            ("Dem_Used", dem_path),
            ("Geocoding:_", f),
            ("Output_file:_", f + ".geo"),
            ("Width", info.width),
            ("Length", info.length),
            ("Range_looks", rlks),
            ("Azimuth_looks", alks),
        ]
    lat_s = grid["lat0"] + (grid["length"] - 1) * grid["dlat"]
    lon_e = grid["lon0"] + (grid["width"] - 1) * grid["dlon"]
    doc += [("South", lat_s), ("North", grid["lat0"]), ("West", grid["lon0"]), ("East", lon_e)]
    ctx.doc("geocode", doc)
