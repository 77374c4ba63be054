"""Helpers shared by all rule files: validated config, pairs, path builders, settings, resources."""

import json
import os
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

SCRIPTS = str(Path(workflow.basedir) / "scripts")
sys.path.insert(0, SCRIPTS)

import job_resources  # noqa: E402
import pair_rules  # noqa: E402
import pairs as pairs_module  # noqa: E402
import topsapp_steps  # noqa: E402
import topsapp_xml  # noqa: E402

# The demo generator is wanted only when the user's config has a `demo:` section (validation fills defaults in).
DEMO_REQUESTED = bool(config.get("demo"))
validate(config, "../schemas/config.schema.yaml")
cfg = config

try:
    PAIRS = pairs_module.pairs_from_config(config)
except pairs_module.PairConfigError as exc:
    raise WorkflowError(f"Invalid config: {exc}")
_offline_errors = pair_rules.check_pairs_offline(PAIRS)
if _offline_errors:
    raise WorkflowError(
        "Invalid pair(s) in the config (found before any download):\n  - "
        + "\n  - ".join(_offline_errors)
    )
pairs_by_name = {p["name"]: p for p in PAIRS}
PAIR_NAMES = list(pairs_by_name)

RESULTS = config["results_dir"].rstrip("/")
CACHE = config["cache_dir"].rstrip("/")
PAIR = RESULTS + "/{pair}"
TOPSAPP = PAIR + "/topsapp"
LOCAL = config["local_inputs"]
KEEP = config["keep_intermediates"]

# Config-derived topsApp properties, shared by every pair (the step rules' invalidation keys).
SETTINGS = topsapp_xml.topsapp_properties(config)


wildcard_constraints:
    pair="[^/]+",
    scene="S1[A-D]_[A-Z0-9_]{63}",


def pair_of(wildcards):
    return pairs_by_name[wildcards.pair]


def pair_dir(wildcards):
    return f"{RESULTS}/{wildcards.pair}"


def topsapp_dir(wildcards):
    return f"{RESULTS}/{wildcards.pair}/topsapp"


def pair_scenes(wildcards):
    pair = pair_of(wildcards)
    return pair["reference_scenes"] + pair["secondary_scenes"]


def slc_path(scene):
    """A local SAFE directory or zip when `local_inputs.slc_dir` is set, else the shared download."""
    if LOCAL["slc_dir"]:
        safe_dir = os.path.join(LOCAL["slc_dir"], scene + ".SAFE")
        return (
            safe_dir
            if os.path.isdir(safe_dir)
            else os.path.join(LOCAL["slc_dir"], scene + ".zip")
        )
    return f"{CACHE}/slc/{scene}.zip"


def orbit_path(scene):
    """The orbit file of one scene in the shared cache (its real EOF name is in its header)."""
    return f"{CACHE}/orbits/{scene}.EOF"


def orbit_sources(wildcards):
    """What stage_inputs chooses orbits from: the local orbit directory, or one cached EOF per scene."""
    if LOCAL["orbit_dir"]:
        return [LOCAL["orbit_dir"]]
    return [orbit_path(s) for s in pair_scenes(wildcards)]


def dem_key(pair):
    """DEMs are shared by all pairs of a frame; a pair without frame has its own extent."""
    return (
        f"frame{pair['frame_id']}" if pair["frame_id"] >= 0 else f"pair_{pair['name']}"
    )


def dem_path(pair, kind):
    """ISCE DEM binary (its .xml and .vrt sit beside it) for kind "topo" (1 arcsec) or "geocode" (output posting)."""
    if LOCAL["dem"]:
        return (
            (LOCAL["geocode_dem"] or LOCAL["dem"])
            if kind == "geocode"
            else LOCAL["dem"]
        )
    res = config["output_resolution"]
    if kind == "geocode" and res != 30:
        return f"{CACHE}/dem/{dem_key(pair)}/geocode_{res}m.dem.wgs84"
    return f"{CACHE}/dem/{dem_key(pair)}/topo_1arcsec.dem.wgs84"


def isce_raster(path):
    return [path, path + ".xml"]


def product_settings(wildcards):
    """The processing keys of a pair (reference tool names), for packaging and the product name."""
    keys = (
        "estimate_ionosphere_delay",
        "compute_solid_earth_tide",
        "output_resolution",
        "unfiltered_coherence",
        "goldstein_filter_power",
        "dense_offsets",
        "wrapped_phase_layer",
        "esd_coherence_threshold",
    )
    out = {k: config[k] for k in keys}
    out["frame_id"] = pair_of(wildcards)["frame_id"]
    return out


def n_bursts_estimate(pair):
    """Bursts processed for a pair: ~9 per swath and slice (a frame is ~8 bursts; ROI cropping keeps touching ones)."""
    return 9 * len(SETTINGS["swaths"]) * max(len(pair["reference_scenes"]), 1)


# Resources are static per rule (sized for the largest pair): callable resources cost seconds per 1,000 pairs
# when Snakemake plans, and the pairs of a stack are alike.
MAX_BURSTS = max(n_bursts_estimate(p) for p in PAIRS)


def rule_resources(rule_name):
    """threads/mem_mb/runtime/disk_mb of a rule, from scripts/job_resources.py (the single definition)."""
    return job_resources.resources_for(
        rule_name, MAX_BURSTS, config["output_resolution"], config["resources"]
    )
