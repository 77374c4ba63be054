"""`gunw download-dem`: the 1-arcsec GLO-30 topo DEM over a pair's DEM bounds, as an ISCE raster."""

from __future__ import annotations

import argparse
import os
import sys

from gunw_workflow import pair_json
from gunw_workflow.inputs import http_fetch
from gunw_workflow.inputs.dem import fetch_tiles, stitch, write_isce_dem


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the 1\" topo DEM for a pair's DEM bounds.")
    parser.add_argument("--pair-json", help="pair.json (its dem_bounds_wsen); or give --bounds")
    parser.add_argument("--bounds", type=float, nargs=4, metavar=("W", "S", "E", "N"))
    parser.add_argument("--out", required=True, help="ISCE DEM binary to write (.xml/.vrt beside it)")
    parser.add_argument("--tile-dir", required=True, help="shared GLO-30 tile cache")
    parser.add_argument("--geoid", help="geoid raster path/URL (without it: dem_stitcher's EGM2008)")
    http_fetch.add_policy_args(parser)
    args = parser.parse_args(argv)
    if not (args.pair_json or args.bounds):
        parser.error("give --pair-json or --bounds")
    http_fetch.setup_logging()
    os.environ.setdefault("GDAL_HTTP_MAX_RETRY", "5")  # remote geoid reads through GDAL retry too
    os.environ.setdefault("GDAL_HTTP_RETRY_DELAY", "2")
    try:
        bounds = args.bounds or pair_json.read(args.pair_json)["dem_bounds_wsen"]
        fetch_tiles(bounds, args.tile_dir, args.base_url, http_fetch.policy_from_args(args))
        write_isce_dem(args.out, *stitch(bounds, args.tile_dir, args.geoid))
    except http_fetch.DownloadError as exc:
        print(f"error: DEM: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
