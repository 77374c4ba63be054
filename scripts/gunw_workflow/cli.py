"""`gunw <command>`: the one console script; every rule runs one of these commands.

One entry point (declared in pyproject.toml) instead of a script per module: nothing is put on the search path
at run time, and a new command needs no reinstall. Each command is the ``main(argv)`` of one module.
"""

from __future__ import annotations

import difflib
import importlib
import sys

# command -> (module, one line for `gunw --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    # inputs stage
    "check-pair": (
        "gunw_workflow.inputs.check_pair",
        "check a pair (ids, credentials, metadata, frame) -> pair.json",
    ),
    "resolve-pair": (
        "gunw_workflow.inputs.frame_dates",
        "frame + dates -> the scenes of each date (ASF search), checked -> scenes.json",
    ),
    "check-ids": ("gunw_workflow.inputs.offline_checks", "offline scene-id / frame checks"),
    "download-slc": ("gunw_workflow.inputs.slc", "one SLC zip from ASF (verified, resumable)"),
    "burst-safe": ("gunw_workflow.inputs.burst_safe", "burst mode: one date's bursts -> SAFE (burst2safe)"),
    "download-orbit": ("gunw_workflow.inputs.orbits", "one EOF orbit file per scene"),
    "download-dem": ("gunw_workflow.inputs.dem_download", "GLO-30 tiles -> 1-arcsec ISCE DEM"),
    "resample-dem": ("gunw_workflow.inputs.dem_resample", "geocoding DEM at the output posting (no network)"),
    "download-water-mask": ("gunw_workflow.inputs.water_mask", "water mask per frame"),
    "download-aux-cal": ("gunw_workflow.inputs.aux_cal", "AUX_CAL for IPF 002.36 scenes"),
    "scene-metadata": ("gunw_workflow.inputs.scene_metadata", "ASF or local metadata of scenes"),
    "frames": ("gunw_workflow.inputs.frames", "ARIA frame table lookups"),
    "credentials": ("gunw_workflow.inputs.credentials", "which Earthdata credentials would be used"),
    "fetch": ("gunw_workflow.inputs.http_fetch", "one verified, retried download"),
    "pairs": ("gunw_workflow.pair_list", "the pair list a config describes"),
    "enumerate-stack": (
        "gunw_workflow.inputs.stack",
        "frame stack (frames + date range) -> reviewable pair TSV (s1_frame_enumerator)",
    ),
    "scene-id": ("gunw_workflow.s1_ids", "fields of a Sentinel-1 scene id"),
    # topsApp stage
    "stage-scenes": ("gunw_workflow.topsapp.stage_scenes", "orbits + SAFE paths into <pair>/inputs/"),
    "stage-dem": ("gunw_workflow.topsapp.stage_dem", "one DEM into <pair>/inputs/ with a valid ISCE header"),
    "topsapp-step": ("gunw_workflow.topsapp.run_step", "run one topsApp step and verify its outputs"),
    "steps": ("gunw_workflow.topsapp.steps", "the step table for a config, as JSON"),
    "ionosphere": (
        "gunw_workflow.ionosphere.stages",
        "the project's ionosphere stages between ISCE2's sub-steps",
    ),
    "topsapp-xml": ("gunw_workflow.topsapp.topsapp_xml", "render topsApp.xml for a config"),
    "resources": ("gunw_workflow.resources", "the resources every rule would request"),
    # ISCE I/O
    "isce-raster": ("gunw_workflow.isce_io.rasters", "header and statistics of an ISCE raster"),
    "orbit": ("gunw_workflow.isce_io.orbit", "read an orbit (EOF, annotation or ISCE product)"),
    # product stage
    "package": ("gunw_workflow.product.package", "ISCE2 outputs of a pair -> GUNW netCDF, JSON, PNG"),
    "validate": ("gunw_workflow.product.validate", "check a GUNW against the layout table and consumers"),
    "layout": ("gunw_workflow.product.gunw_layout", "the GUNW layout table"),
    "gunw-name": ("gunw_workflow.product.gunw_name", "parse or check a GUNW product name"),
    "cubes": ("gunw_workflow.product.cubes", "imaging-geometry cubes"),
    "solid-earth-tide": ("gunw_workflow.product.solid_earth_tide", "solid-earth-tide cubes"),
    "browse": ("gunw_workflow.product.browse", "browse PNG and metadata JSON"),
    "upload-gunw": ("gunw_workflow.product.s3_upload", "upload a validated product to S3 as HyP3 does"),
    # the Snakemake report
    "report-pair": ("gunw_workflow.report.pair", "report items of one product: quick-look, summary"),
    "report-run": ("gunw_workflow.report.run", "report items of a run: step costs, stack overview"),
    # demo
    "demo-pair": ("gunw_workflow.demo.synth", "generate the synthetic Sentinel-1 demo pair"),
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: gunw <command> [options]   (gunw <command> --help for its options)", "", "commands:"]
    lines += [f"  {name:<{width}}  {help_}" for name, (_, help_) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        close = difflib.get_close_matches(name, COMMANDS, n=1)
        hint = f"; did you mean `gunw {close[0]}`?" if close else ""
        print(f"gunw: unknown command {name!r}{hint}\n\n{usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    sys.argv[0] = f"gunw {name}"  # argparse's prog in usage and error lines
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
