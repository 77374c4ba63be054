"""`gunw resample-dem`: the geocoding DEM at the output posting, bilinear from the 1-arcsec DEM (no network)."""

from __future__ import annotations

import argparse
import sys

from gunw_workflow.inputs.dem import POSTING, read_isce_dem, resample, write_isce_dem


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Resample an ISCE DEM to the output posting (geocoding DEM)."
    )
    parser.add_argument("--from-dem", required=True, help="the 1-arcsec ISCE DEM binary")
    parser.add_argument(
        "--posting-m", type=int, choices=sorted(POSTING), required=True, help="output posting"
    )
    parser.add_argument("--out", required=True, help="ISCE DEM binary to write (.xml/.vrt beside it)")
    args = parser.parse_args(argv)
    write_isce_dem(args.out, *resample(*read_isce_dem(args.from_dem), POSTING[args.posting_m]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
