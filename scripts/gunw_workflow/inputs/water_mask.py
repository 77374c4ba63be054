"""Water mask for the ionosphere estimation, one per frame (only when estimate_ionosphere_delay is on).

Source choice (documented deviation from the reference's Pekel/JRC tiles via tile_mate): the Natural Earth 1:10 m
land polygons (public domain, one ~3 MB zip, v5.1.x). Why: it is a single static file that is fetched once into
the cache and verified, never hangs on thousands of tile requests, needs no credentials, has no latitude limit
(SWBD stops at 60 N), and tests replay a recorded copy of it on the loopback server (docs/inputs.md).
Cost: coarser coastlines (1:10 m) and no inland water bodies smaller than the polygons' holes; the mask only
steers the ionosphere filtering, so this is a quality, not a correctness, trade-off.

Output: an ISCE byte raster on the geocoding grid of the product extent + 0.1 deg (floor/ceil), 3" posting,
255 = water, 0 = land (the reference's convention), + .xml/.vrt.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np

from gunw_workflow import pair_json
from gunw_workflow.inputs import http_fetch
from gunw_workflow.isce_io import headers

NE_LAND_URL = "https://naciscdn.org/naturalearth/10m/physical/ne_10m_land.zip"
POSTING = 1.0 / 1200.0
WATER, LAND = 255, 0


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


def rasterize(
    land_zip: Path, bounds_wsen, posting: float = POSTING
) -> tuple[np.ndarray, float, float, float, float]:
    import geopandas as gpd
    from affine import Affine
    from rasterio.features import rasterize as rio_rasterize

    w, s, e, n = bounds_wsen
    land = gpd.read_file(f"zip://{Path(land_zip).resolve()}!ne_10m_land.shp", bbox=(w, s, e, n))
    nx, ny = int(round((e - w) / posting)), int(round((n - s) / posting))
    transform = Affine(posting, 0, w, 0, -posting, n)  # area convention for rasterising
    mask = np.full((ny, nx), WATER, dtype="uint8")
    geoms = [g for g in land.geometry if g is not None and not g.is_empty]
    if geoms:
        mask = rio_rasterize(
            ((g, LAND) for g in geoms), out_shape=(ny, nx), transform=transform, fill=WATER, dtype="uint8"
        )
    return mask, w + posting / 2, posting, n - posting / 2, -posting


def write_isce_byte(path, arr, x0, dx, y0, dy) -> Path:
    path = Path(path)
    length, width = arr.shape
    h = headers.IsceRaster(path, width, length, "BYTE", x0=x0, dx=dx, y0=y0, dy=dy)
    http_fetch.atomic_write_bytes(path, np.ascontiguousarray(arr, dtype="uint8").tobytes())
    http_fetch.atomic_write_text(str(path) + ".vrt", headers.vrt_xml(h, path.name))
    xml = headers.image_xml(h, str(path.resolve()), family="image", image_type="bil")
    http_fetch.atomic_write_text(str(path) + ".xml", xml)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Water mask (ISCE byte raster, 255 = water) for a pair's extent."
    )
    parser.add_argument("--pair-json", help="pair.json (its water_mask_bounds_wsen); or give --bounds")
    parser.add_argument("--bounds", type=float, nargs=4, metavar=("W", "S", "E", "N"))
    parser.add_argument("--out", required=True, help="ISCE raster to write (.xml/.vrt beside it)")
    parser.add_argument(
        "--source", required=True, help="where the land zip is cached (shared by every frame)"
    )
    parser.add_argument("--source-url", default=NE_LAND_URL)
    parser.add_argument("--source-md5", default=None, help="pin the source zip's md5 (optional)")
    http_fetch.add_policy_args(parser)
    http_fetch.add_log_arg(parser)
    args = parser.parse_args(argv)
    http_fetch.setup_logging(log_file=args.log)

    def body():
        bounds = args.bounds or pair_json.read(args.pair_json)["water_mask_bounds_wsen"]
        src = fetch_source(
            args.source, args.source_url, args.base_url, http_fetch.policy_from_args(args), args.source_md5
        )
        write_isce_byte(args.out, *rasterize(src, bounds))

    return http_fetch.run_cli(body, args.log, "water mask: ")


if __name__ == "__main__":
    sys.exit(main())
