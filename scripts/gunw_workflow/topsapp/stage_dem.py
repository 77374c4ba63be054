"""`gunw stage-dem`: one DEM as <pair>/inputs/<name>.wgs84 with an ISCE header valid from the topsApp directory.

A rule of its own per DEM, so that a new geocoding DEM (another output resolution) does not touch what
preprocess reads.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gunw_workflow.layout import DEM_NAMES, PairDir
from gunw_workflow.topsapp.stage import run_staging, stage_dem


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Stage one DEM into <pair>/inputs/.")
    parser.add_argument("--pair-dir", required=True, type=Path)
    parser.add_argument("--source", required=True, type=Path, help="ISCE DEM binary (its .xml beside it)")
    parser.add_argument("--name", required=True, choices=DEM_NAMES)
    args = parser.parse_args(argv)
    pair = PairDir(args.pair_dir)
    dem = pair.dem(args.name)
    return run_staging(pair, lambda: stage_dem(args.source, Path(dem), pair.from_topsapp(dem)))


if __name__ == "__main__":
    sys.exit(main())
