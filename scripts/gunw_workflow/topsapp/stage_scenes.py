"""`gunw stage-scenes`: the chosen orbit per scene and the SAFE paths, what preprocess reads besides topsApp.xml."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gunw_workflow.layout import PairDir
from gunw_workflow.topsapp.stage import run_staging, stage_orbits, write_safes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Stage a pair's orbit files and SAFE paths into <pair>/inputs/."
    )
    parser.add_argument("--pair-dir", required=True, type=Path)
    parser.add_argument("--scenes", nargs="+", required=True, help="all scene ids of the pair")
    parser.add_argument(
        "--orbit-sources", nargs="+", required=True, type=Path, help="EOF files or directories"
    )
    parser.add_argument("--reference-safes", nargs="+", required=True, help="reference SAFE dirs / zips")
    parser.add_argument("--secondary-safes", nargs="+", required=True, help="secondary SAFE dirs / zips")
    parser.add_argument(
        "--aux-cal-json", type=Path, help="aux_cal.json of the pair (its aux_cal_dir, if any)"
    )
    args = parser.parse_args(argv)
    pair = PairDir(args.pair_dir)

    def stage() -> None:
        stage_orbits(args.scenes, args.orbit_sources, Path(pair.orbits))
        aux_cal_dir = ""
        if args.aux_cal_json:
            aux_cal_dir = json.loads(args.aux_cal_json.read_text()).get("aux_cal_dir") or ""
        write_safes(Path(pair.safes_json), args.reference_safes, args.secondary_safes, aux_cal_dir)

    return run_staging(pair, stage)


if __name__ == "__main__":
    sys.exit(main())
