"""Water mask for the ionosphere estimation, one per frame (only when estimate_ionosphere_delay is on).

Source, as in the standard product: the JRC/Pekel global surface-water **occurrence 2021** tiles (10 x 10 deg
GeoTIFFs, uint8 percent, 255 = no data), water where occurrence >= 95 %. ``tile_mate`` (its packaged tile index
``pekel_water_occ_2021``) selects the tiles over the bounds (dateline-aware) and merges them; the tiles reach the
machine only through the project's download layer (``http_fetch``: retries, resume, verification, base-URL
override), cached once for every frame in the tile directory, and tile_mate then reads the local copies.

Output (unchanged contract for the packaging and ionosphere rules): an ISCE byte raster on the 3" grid of the
water-mask bounds (pixel centres from W + 1/2400 deg, N - 1/2400 deg), 255 = water, 0 = land, + .xml/.vrt. Each
node takes the occurrence of the tile pixel it falls in (nearest); a node no tile covers is open ocean (the
index has no tile there): water. No-data (255) counts as water, as in the reference's ``>= 95`` test.

Natural Earth 1:10 m land polygons serve only the water-fraction warning (the reference's pre-flight check: a
product extent that is >= 80 % water warns that the ionosphere and unwrapping may be poor).
"""

from __future__ import annotations

import argparse
import logging
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from gunw_workflow import pair_json
from gunw_workflow.inputs import http_fetch
from gunw_workflow.isce_io import headers

log = logging.getLogger("gunw.water_mask")

NE_LAND_URL = "https://naciscdn.org/naturalearth/10m/physical/ne_10m_land.zip"
PEKEL_TILESET = "pekel_water_occ_2021"  # tile_mate's short name (its packaged index of the 2021 tiles)
OCCURRENCE_MIN = 95  # percent: water where occurrence >= this (no data 255 included)
NODATA = 255  # the tiles' only value outside 0-100
WATER_FRACTION_WARN = 0.8
POSTING = 1.0 / 1200.0
WATER, LAND = 255, 0


# --- Natural Earth: the water-fraction warning only ---------------------------------------------------------------


def _validate_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            bad = zf.testzip()
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        # a member corrupted in the middle fails inside zlib, not as BadZipFile
        raise ValueError(f"not a readable zip file ({type(exc).__name__}: {exc})") from None
    if bad is not None:
        raise ValueError(f"corrupt member {bad}")
    if not {"ne_10m_land.shp", "ne_10m_land.shx", "ne_10m_land.dbf"} <= names:
        raise ValueError("zip lacks ne_10m_land.shp/.shx/.dbf")


def fetch_source(dest, url=NE_LAND_URL, base_url=None, policy=None, md5=None) -> Path:
    return http_fetch.download_file(
        url, dest, session=http_fetch.make_session(base_url), md5=md5, validate=_validate_zip, policy=policy
    )


def water_fraction(land_zip: Path, area) -> float:
    """Share of a lon/lat polygon (shapely) outside the Natural Earth land polygons (planar, in deg²)."""
    import geopandas as gpd
    from shapely.ops import unary_union

    land = gpd.read_file(f"zip://{Path(land_zip).resolve()}!ne_10m_land.shp", bbox=area.bounds)
    geoms = [g for g in land.geometry if g is not None and not g.is_empty]
    if not geoms or area.area == 0:
        return 1.0
    return 1.0 - unary_union(geoms).intersection(area).area / area.area


def warn_if_mostly_water(land_zip: Path, area) -> float:
    frac = water_fraction(land_zip, area)
    if frac >= WATER_FRACTION_WARN:
        log.warning(
            "the product extent is %.0f %% water (Natural Earth land polygons): expect poor unwrapping and "
            "ionosphere estimates",
            100 * frac,
            extra=http_fetch.CONSOLE,
        )
    return frac


# --- Pekel occurrence tiles through tile_mate's index and our download layer -----------------------------------


def tile_index():
    """tile_mate's packaged index of the Pekel 2021 tiles (tile_id, url, 10 x 10 deg geometry)."""
    from tile_mate.stitcher import get_tile_data

    return get_tile_data(PEKEL_TILESET)


def select_tiles(bounds_wsen) -> list[dict]:
    """The index rows (tile_id, url, bounds) over the bounds; [] when no tile covers them (open ocean).
    tile_mate's selection, so a dateline-crossing extent also gets the tiles on the other side."""
    from tile_mate.exceptions import NoTileCoverage
    from tile_mate.stitcher import get_urls_from_tile_df

    df = tile_index()
    try:
        urls = set(get_urls_from_tile_df(list(bounds_wsen), df))
    except NoTileCoverage:
        return []
    rows = df[df.url.isin(urls)]
    return [
        {"tile_id": r.tile_id, "url": r.url, "bounds": tuple(r.geometry.bounds)} for r in rows.itertuples()
    ]


def tile_validator(bounds_wsen) -> Callable[[Path], None]:
    """A downloaded tile must be a readable single-band byte GeoTIFF in EPSG:4326 covering exactly its index
    cell, every block decodable (a truncated or wrong tile raises ValueError: the download layer retries)."""

    def validate(path: Path) -> None:
        from osgeo import gdal

        gdal.UseExceptions()
        try:
            ds = gdal.Open(str(path))
            band = ds.GetRasterBand(1)
            if ds.RasterCount != 1 or band.DataType != gdal.GDT_Byte:
                raise ValueError(f"{ds.RasterCount} band(s) of type {gdal.GetDataTypeName(band.DataType)}")
            srs = ds.GetSpatialRef()
            if srs is None or srs.GetAuthorityCode(None) != "4326":
                raise ValueError("not in EPSG:4326")
            x0, dx, _, y0, _, dy = ds.GetGeoTransform()
            got = (x0, y0 + dy * ds.RasterYSize, x0 + dx * ds.RasterXSize, y0)
            if not np.allclose(got, bounds_wsen, atol=abs(dx)):
                raise ValueError(f"covers {got}, its index cell is {tuple(bounds_wsen)}")
            step = max(1, (1 << 24) // max(1, ds.RasterXSize))  # ~16 MB per read: real tiles are 40000²
            for y in range(0, ds.RasterYSize, step):
                block = np.frombuffer(
                    band.ReadRaster(0, y, ds.RasterXSize, min(step, ds.RasterYSize - y)), "u1"
                )
                if np.any((block > 100) & (block != NODATA)):  # bytes that decode but are no occurrence
                    raise ValueError(f"values outside 0-100 % and {NODATA} (no data) near row {y}")
        except RuntimeError as exc:  # GDAL: unreadable header or an undecodable block
            raise ValueError(f"not a readable GeoTIFF ({exc})") from None

    return validate


def fetch_tiles(tiles: list[dict], tile_dir, base_url=None, policy=None) -> dict[str, Path]:
    """Each selected tile into ``tile_dir`` (shared by every frame), verified; url -> local path."""
    session = http_fetch.make_session(base_url)
    out = {}
    for t in tiles:
        dest = Path(tile_dir) / t["url"].rsplit("/", 1)[-1]
        out[t["url"]] = http_fetch.download_file(
            t["url"], dest, session=session, validate=tile_validator(t["bounds"]), policy=policy
        )
    return out


def occurrence(bounds_wsen, local: dict[str, Path]):
    """tile_mate's merge of the local tile copies over the bounds: (array (rows, cols), GDAL-style transform)."""
    from tile_mate import get_raster_from_tiles

    df = tile_index()
    df = df[df.url.isin(local)].copy()
    df["url"] = [str(local[u]) for u in df.url]
    arr, profile = get_raster_from_tiles(list(bounds_wsen), df_tiles=df.reset_index(drop=True))
    return arr[0], profile["transform"]


def water_on_posting(occ, transform, bounds_wsen, tiles: list[dict], posting: float = POSTING) -> np.ndarray:
    """255/0 at the pixel centres of the posting grid over the bounds: the occurrence pixel each centre falls in
    (>= OCCURRENCE_MIN = water); centres outside every tile's cell are open ocean (water)."""
    w, s, e, n = bounds_wsen
    nx, ny = int(round((e - w) / posting)), int(round((n - s) / posting))
    lon = w + posting * (np.arange(nx) + 0.5)
    lat = n - posting * (np.arange(ny) + 0.5)
    mask = np.full((ny, nx), WATER, dtype="uint8")
    if occ is None:
        return mask
    col = np.floor((lon - transform.c) / transform.a).astype(int)
    row = np.floor((lat - transform.f) / transform.e).astype(int)
    cok = (col >= 0) & (col < occ.shape[1])
    rok = (row >= 0) & (row < occ.shape[0])
    sub = occ[np.ix_(row[rok], col[cok])]
    mask[np.ix_(rok, cok)] = np.where(sub >= OCCURRENCE_MIN, WATER, LAND)
    lon_w = (lon + 180.0) % 360.0 - 180.0  # the index cells are in [-180, 180)
    covered = np.zeros((ny, nx), dtype=bool)
    for t in tiles:
        tw, ts, te, tn = t["bounds"]
        covered |= np.outer((lat >= ts) & (lat < tn), (lon_w >= tw) & (lon_w < te))
    mask[~covered] = WATER
    return mask


def build(bounds_wsen, tile_dir, base_url=None, policy=None) -> np.ndarray:
    """The 3" water mask over the bounds, from the Pekel tiles (downloaded or cached)."""
    tiles = select_tiles(bounds_wsen)
    if not tiles:
        log.info("no Pekel tile over %s: open ocean, all water", bounds_wsen)
        return water_on_posting(None, None, bounds_wsen, [])
    log.info("Pekel occurrence tiles: %s", ", ".join(t["tile_id"] for t in tiles))
    local = fetch_tiles(tiles, tile_dir, base_url, policy)
    occ, transform = occurrence(bounds_wsen, local)
    return water_on_posting(occ, transform, bounds_wsen, tiles)


def write_isce_byte(path, arr, x0, dx, y0, dy) -> Path:
    path = Path(path)
    length, width = arr.shape
    h = headers.IsceRaster(path, width, length, "BYTE", x0=x0, dx=dx, y0=y0, dy=dy)
    http_fetch.atomic_write_bytes(path, np.ascontiguousarray(arr, dtype="uint8").tobytes())
    http_fetch.atomic_write_text(str(path) + ".vrt", headers.vrt_xml(h, path.name))
    xml = headers.image_xml(h, str(path.resolve()), family="image", image_type="bil")
    http_fetch.atomic_write_text(str(path) + ".xml", xml)
    return path


def _extent(doc: dict | None, bounds):
    """The product extent polygon of pair.json (its WKT), else the bounds' box."""
    from shapely import wkt
    from shapely.geometry import box

    if doc and doc.get("extent_wkt"):
        return wkt.loads(doc["extent_wkt"])
    return box(*bounds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Water mask (ISCE byte raster, 255 = water) for a pair's extent: Pekel occurrence >= 95 %."
    )
    parser.add_argument("--pair-json", help="pair.json (its water_mask_bounds_wsen); or give --bounds")
    parser.add_argument("--bounds", type=float, nargs=4, metavar=("W", "S", "E", "N"))
    parser.add_argument("--out", required=True, help="ISCE raster to write (.xml/.vrt beside it)")
    parser.add_argument("--tile-dir", required=True, help="cache of the Pekel occurrence tiles (all frames)")
    parser.add_argument(
        "--source", required=True, help="where the Natural Earth land zip is cached (water-fraction warning)"
    )
    parser.add_argument("--source-url", default=NE_LAND_URL)
    parser.add_argument("--source-md5", default=None, help="pin the land zip's md5 (optional)")
    http_fetch.add_policy_args(parser)
    http_fetch.add_log_arg(parser)
    args = parser.parse_args(argv)
    http_fetch.setup_logging(log_file=args.log)

    def body():
        doc = pair_json.read(args.pair_json) if args.pair_json else None
        bounds = args.bounds or doc["water_mask_bounds_wsen"]
        policy = http_fetch.policy_from_args(args)
        mask = build(bounds, args.tile_dir, args.base_url, policy)
        src = fetch_source(args.source, args.source_url, args.base_url, policy, args.source_md5)
        warn_if_mostly_water(src, _extent(doc, bounds))
        w, _, _, n = bounds
        write_isce_byte(args.out, mask, w + POSTING / 2, POSTING, n - POSTING / 2, -POSTING)

    return http_fetch.run_cli(body, args.log, "water mask: ")


if __name__ == "__main__":
    sys.exit(main())
