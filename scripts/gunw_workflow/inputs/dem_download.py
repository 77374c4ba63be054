"""`gunw download-dem`: the 1-arcsec GLO-30 topo DEM over a pair's DEM bounds, as an ISCE raster.

Tiles and the geoid both come through http_fetch (or the geoid from ``local_inputs.geoid``); dem_stitcher only
reads local files, so an offline machine with a filled cache and a local geoid builds its DEM.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gunw_workflow import pair_json
from gunw_workflow.inputs import http_fetch
from gunw_workflow.inputs.dem import fetch_geoid, fetch_tiles, stitch, validate_geoid, write_isce_dem

GEOID_FIX = "; or give a local EGM2008 geoid grid (config local_inputs.geoid)"


def build(args) -> None:
    bounds = args.bounds or pair_json.read(args.pair_json)["dem_bounds_wsen"]
    policy = http_fetch.policy_from_args(args)
    fetch_tiles(bounds, args.tile_dir, args.base_url, policy)
    geoid = args.geoid
    if geoid:
        try:
            validate_geoid(Path(geoid))
        except ValueError as exc:
            raise http_fetch.DownloadError(f"local geoid {geoid} (local_inputs.geoid): {exc}") from None
    else:
        try:
            geoid = fetch_geoid(args.geoid_dir, args.geoid_url or None, args.base_url, policy)
        except http_fetch.LocalResourceError:
            raise
        except http_fetch.DownloadError as exc:
            raise http_fetch.DownloadError(f"geoid: {exc}{GEOID_FIX}") from None
    write_isce_dem(args.out, *stitch(bounds, args.tile_dir, geoid))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the 1\" topo DEM for a pair's DEM bounds.")
    parser.add_argument("--pair-json", help="pair.json (its dem_bounds_wsen); or give --bounds")
    parser.add_argument("--bounds", type=float, nargs=4, metavar=("W", "S", "E", "N"))
    parser.add_argument("--out", required=True, help="ISCE DEM binary to write (.xml/.vrt beside it)")
    parser.add_argument("--tile-dir", required=True, help="shared GLO-30 tile cache")
    parser.add_argument("--geoid", help="local geoid raster (local_inputs.geoid); empty = download")
    parser.add_argument("--geoid-dir", help="shared cache directory of the downloaded geoid")
    parser.add_argument("--geoid-url", default="", help="geoid URL ('' = dem_stitcher's EGM2008 for GLO-30)")
    http_fetch.add_policy_args(parser)
    http_fetch.add_log_arg(parser)
    args = parser.parse_args(argv)
    if not (args.pair_json or args.bounds):
        parser.error("give --pair-json or --bounds")
    if not (args.geoid or args.geoid_dir):
        parser.error("give --geoid or --geoid-dir")
    http_fetch.setup_logging(log_file=args.log)
    return http_fetch.run_cli(lambda: build(args), args.log, "DEM: ")


if __name__ == "__main__":
    sys.exit(main())
