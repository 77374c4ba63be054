"""GLO-30 DEMs for topsApp, shared by all pairs of a frame: 1" topo DEM and the geocoding DEM at the output posting.

Bounds: the product extent (pair.json ``dem_bounds_wsen``: extent buffered 0.4 deg, floored/ceiled to whole
degrees). Tiles (GLO-30, and the GLO-90 fill-ins dem_stitcher would fetch by itself over Armenia/Azerbaijan) and
the EGM2008 geoid are fetched with http_fetch (retries, base URL, every byte decoded before a file enters the
shared cache, atomic), then dem_stitcher stitches them strictly from local files: ``glo_30``, ellipsoidal
heights, ``Point`` (pixel-centre) labels, NaN -> 0. No request leaves this process except through http_fetch. Both DEMs are written as ISCE rasters (raw float32 + .xml + .vrt) with the
``reference`` = WGS84 property (without it ISCE treats the heights as EGM96) and an absolute ``file_name``
(`gunw stage-dem` rewrites it to the staged path).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from gunw_workflow.inputs import http_fetch
from gunw_workflow.isce_io import headers, rasters

log = http_fetch.log
ARCSEC = 1.0 / 3600.0
POSTING = {30: ARCSEC, 90: 3 * ARCSEC}


def tile_urls(bounds_wsen: list[float]) -> list[str]:
    """Every tile dem_stitcher will open for these bounds: GLO-30, plus the GLO-90 tiles it fills gaps with."""
    from dem_stitcher.datasets import get_overlapping_dem_tiles, intersects_missing_glo_30_tiles

    urls = get_overlapping_dem_tiles(list(bounds_wsen), "glo_30").url.tolist()
    if intersects_missing_glo_30_tiles(list(bounds_wsen)):
        urls += get_overlapping_dem_tiles(list(bounds_wsen), "glo_90_missing").url.tolist()
    return urls


def default_geoid_url() -> str:
    """dem_stitcher's EGM2008 grid for GLO-30 (it would otherwise read it remotely through GDAL)."""
    from dem_stitcher.geoid import get_default_geoid_path

    return str(get_default_geoid_path("glo_30"))


def _scan(ds, lo: float, hi: float) -> tuple[float, float]:
    """(min, max) of the finite values of every band, decoding a small raster at once, a big one per block."""
    import numpy as np

    whole = ds.width * ds.height <= 1 << 25  # a tile at once; a global grid block by block (bounded memory)
    for band in range(1, ds.count + 1):
        windows = [None] if whole else [w for _, w in ds.block_windows(band)]
        for window in windows:
            block = ds.read(band, window=window, masked=ds.nodata is not None)
            if np.ma.isMaskedArray(block):
                block = block.compressed()
            with np.errstate(invalid="ignore"):
                if block.size and not np.isnan(block).all():
                    lo, hi = min(lo, float(np.nanmin(block))), max(hi, float(np.nanmax(block)))
    return lo, hi


def read_every_block(path: Path, min_size: int = 10) -> tuple[float, float]:
    """Decode every block of every band and overview, so a file corrupted anywhere (same length, bad bytes in
    the middle) fails here, not in dem_stitcher; returns the (min, max) of the finite values of full resolution
    (a same-length corruption can decode without a GDAL error, to values like 3e38: callers range-check)."""
    import numpy as np
    import rasterio

    try:
        with rasterio.Env(GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR"):
            with rasterio.open(path) as ds:
                if ds.count < 1 or ds.width < min_size or ds.height < min_size:
                    raise ValueError(f"unexpected raster shape {ds.width}x{ds.height}")
                lo, hi = _scan(ds, np.inf, -np.inf)
                levels = len(ds.overviews(1))
            for level in range(levels):  # COG overviews are separate blocks of the same file
                with rasterio.open(path, overview_level=level) as ov:
                    _scan(ov, np.inf, -np.inf)
    except rasterio.errors.RasterioError as exc:
        raise ValueError(f"not a readable raster ({str(exc)[:200]})") from None
    return lo, hi


def _name_bounds(name: str) -> tuple[float, float] | None:
    """(west, south) from a Copernicus tile name, e.g. ..._N54_00_W165_00_DEM.tif -> (-165, 54)."""
    m = re.search(r"_([NS])(\d\d)_\d\d_([EW])(\d\d\d)_\d\d_DEM", name)
    if not m:
        return None
    lat = int(m.group(2)) * (1 if m.group(1) == "N" else -1)
    lon = int(m.group(4)) * (1 if m.group(3) == "E" else -1)
    return lon, lat


def _validate_tile(path: Path) -> None:
    """Every byte decodes, the heights are a DEM's, and the tile covers the square its name says (a wrong
    object served under the name is a valid GeoTIFF too)."""
    import rasterio

    lo, hi = read_every_block(path)
    if lo < -1000 or hi > 9000:  # heights in metres: the Dead Sea shore to Everest, with margin
        raise ValueError(f"heights {lo:.0f}..{hi:.0f} m are not a DEM tile's")
    ws = _name_bounds(path.name)
    if ws is not None:
        with rasterio.open(path) as ds:
            b = ds.bounds
        if abs(b.left - ws[0]) > 0.01 or abs(b.bottom - ws[1]) > 0.01 or abs(b.top - ws[1] - 1) > 0.01:
            raise ValueError(
                f"tile covers W {b.left:.3f} S {b.bottom:.3f} N {b.top:.3f}, its name says W {ws[0]} S {ws[1]}"
            )


def validate_geoid(path: Path) -> None:
    """A geoid grid: fully decodable, geographic, undulations within the Earth's -110..+90 m (with margin)."""
    import rasterio

    lo, hi = read_every_block(path, min_size=2)
    with rasterio.open(path) as ds:
        if ds.crs is not None and not ds.crs.is_geographic:
            raise ValueError(f"geoid grid is not geographic ({ds.crs})")
    if lo < -150 or hi > 150:
        raise ValueError(f"geoid heights {lo:.1f}..{hi:.1f} m are not undulations")


def geoid_covers(geoid, bounds_wsen) -> None:
    """The geoid grid must cover the DEM bounds: outside it dem_stitcher yields NaN, which becomes height 0."""
    import rasterio

    w, s, e, n = bounds_wsen
    if w < -180 or e > 180:
        return  # an antimeridian frame: dem_stitcher reads the geoid on both sides itself
    with rasterio.open(geoid) as ds:
        b = ds.bounds
    tol = 1e-6
    if b.left > w + tol or b.right < e - tol or b.bottom > s + tol or b.top < n - tol:
        raise ValueError(
            f"geoid {geoid} covers W {b.left:.2f} S {b.bottom:.2f} E {b.right:.2f} N {b.top:.2f}, not the DEM "
            f"bounds {list(bounds_wsen)}"
        )


def fetch_tiles(bounds_wsen, tile_dir, base_url=None, policy=None) -> list[Path]:
    session = http_fetch.make_session(base_url)
    out = []
    for url in tile_urls(bounds_wsen):
        dest = Path(tile_dir) / url.split("/")[-1]
        out.append(
            http_fetch.download_file(url, dest, session=session, validate=_validate_tile, policy=policy)
        )
    return out


def fetch_geoid(geoid_dir, url: str | None = None, base_url=None, policy=None) -> Path:
    """The geoid grid, once into the shared cache (verified like a tile); dem_stitcher then reads the copy."""
    url = url or default_geoid_url()
    dest = Path(geoid_dir) / url.split("/")[-1].split("?")[0]
    return http_fetch.download_file(
        url, dest, session=http_fetch.make_session(base_url), validate=validate_geoid, policy=policy
    )


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


def stitch(bounds_wsen, tile_dir, geoid) -> tuple[np.ndarray, float, float, float, float]:
    """dem_stitcher on the cached tiles and a local geoid file; returns (array, x0, dx, y0, dy) with
    pixel-centre origin. Refuses to run with anything missing locally (dem_stitcher would fetch it itself)."""
    from dem_stitcher import stitch_dem

    missing = [u for u in tile_urls(bounds_wsen) if not (Path(tile_dir) / u.split("/")[-1]).is_file()]
    if missing or not geoid or not Path(geoid).is_file():
        raise http_fetch.DownloadError(
            f"DEM inputs not local (tiles {missing or 'ok'}, geoid {geoid}): fetch them first"
        )
    try:
        geoid_covers(geoid, bounds_wsen)
    except ValueError as exc:
        raise http_fetch.DownloadError(str(exc)) from None
    arr, profile = stitch_dem(
        list(bounds_wsen),
        dem_name="glo_30",
        dst_ellipsoidal_height=True,
        dst_area_or_point="Point",
        dst_tile_dir=tile_dir,
        n_threads_downloading=2,
        geoid_path=str(geoid),  # a str: dem_stitcher 3.2's validate_geoid_path rejects a Path
    )
    arr = np.where(np.isfinite(arr), arr, 0.0).astype("float32")
    t = profile["transform"]  # GDAL convention: corner of the first pixel; ISCE wants its centre
    x0, dx, y0, dy = t.c + t.a / 2, t.a, t.f + t.e / 2, t.e
    if abs(dx - ARCSEC) > 1e-12 or abs(-dy - ARCSEC) > 1e-12:
        # GLO-30 tiles north of 50 deg have 1.5" (or coarser) longitudes: a square 1" grid with the same first
        # centre keeps pixel centres on whole degrees (dem_stitcher's dst_resolution would shift them)
        return resample(arr, x0, dx, y0, dy, ARCSEC)
    return arr, x0, dx, y0, dy


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
