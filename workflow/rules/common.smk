"""Helpers shared by the rule files (validated config, pairs, path builders, settings, resources)."""

import fnmatch
import json
import os
import shlex
import shutil
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.logging import logger
from snakemake.utils import validate

SCRIPTS = str(Path(workflow.basedir) / "scripts")
sys.path.insert(0, SCRIPTS)
# Rules call the scripts by name (each is an executable with `#!/usr/bin/env python3`); jobs inherit this PATH,
# and conda environments put their own python3 in front of it.
if SCRIPTS not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = SCRIPTS + os.pathsep + os.environ.get("PATH", "")

import gunw_name  # noqa: E402
import job_resources  # noqa: E402
import pair_rules  # noqa: E402
import pairs as pairs_module  # noqa: E402
import topsapp_steps  # noqa: E402
import topsapp_xml  # noqa: E402

# The demo generator is wanted only when the user's config has a `demo:` section (validation fills defaults in).
DEMO_REQUESTED = bool(config.get("demo"))
validate(config, "../schemas/config.schema.yaml")

try:
    PAIRS = pairs_module.pairs_from_config(config)
except pairs_module.PairConfigError as exc:
    raise WorkflowError(f"Invalid config: {exc}")
# The submitting process checks every pair once; the jobs it spawns (local subprocesses, SLURM jobs) re-read the
# Snakefile and need not repeat it (it loads the 27,563-row frame table).
_offline_errors = (
    pair_rules.check_pairs_offline(PAIRS) if workflow.is_main_process else []
)
if _offline_errors:
    raise WorkflowError(
        "Invalid pair(s) in the config (found before any download):\n  - "
        + "\n  - ".join(_offline_errors)
    )
pairs_by_name = {p["name"]: p for p in PAIRS}

# ISCE2 comes from conda (--sdm conda, envs/isce2.yaml) or from PATH; say so before anything runs.
_methods = {str(m).lower() for m in workflow.deployment_settings.deployment_method}
if (
    workflow.is_main_process
    and not any("conda" in m for m in _methods)
    and shutil.which("topsApp.py") is None
):
    logger.warning(
        "ISCE2 is not available: topsApp.py is not on PATH and conda is not enabled. The topsApp steps will "
        "fail. Use `--sdm conda` (ISCE2 from envs/isce2.yaml, conda-forge) or put ISCE2's topsApp.py on PATH."
    )
PAIR_NAMES = list(pairs_by_name)

RESULTS = config["results_dir"].rstrip("/")
CACHE = config["cache_dir"].rstrip("/")
PAIR = f"{RESULTS}/{{pair}}"
TOPSAPP = f"{PAIR}/topsapp"
PRODUCT = f"{PAIR}/product"
LOCAL = config["local_inputs"]
KEEP = config["keep_intermediates"]

# Config-derived topsApp properties, shared by every pair (the step rules' invalidation keys).
SETTINGS = topsapp_xml.topsapp_properties(config)


def pair_of(wildcards):
    return pairs_by_name[wildcards.pair]


def pair_scenes(wildcards):
    pair = pair_of(wildcards)
    return pair["reference_scenes"] + pair["secondary_scenes"]


def slc_path(scene):
    """A local SAFE directory or zip when `local_inputs.slc_dir` is set, else the shared download."""
    if LOCAL["slc_dir"]:
        safe_dir = os.path.join(LOCAL["slc_dir"], f"{scene}.SAFE")
        return (
            safe_dir
            if os.path.isdir(safe_dir)
            else os.path.join(LOCAL["slc_dir"], f"{scene}.zip")
        )
    return f"{CACHE}/slc/{scene}.zip"


def orbit_path(scene):
    """The orbit file of one scene in the shared cache (its real EOF name is in its header)."""
    return f"{CACHE}/orbits/{scene}.EOF"


def orbit_sources(wildcards):
    """What stage_scenes chooses orbits from: the local orbit directory, or one cached EOF per scene."""
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
    return [path, f"{path}.xml"]


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


# Resources are static per rule, sized for the largest pair; callable resources cost seconds per 1,000 pairs
# when Snakemake plans, and the pairs of a stack are alike.
MAX_BURSTS = max(n_bursts_estimate(p) for p in PAIRS)


def rule_resources(rule_name):
    """threads/mem_mb/runtime/disk_mb of a rule, from scripts/job_resources.py (the single definition)."""
    return job_resources.resources_for(
        rule_name, MAX_BURSTS, config["output_resolution"], config["resources"]
    )


# ---- inputs stage helpers ----

INPUTS_DL = config.get("downloads") or {}
INPUTS_RETRIES = int(
    INPUTS_DL.get("retries", 5)
)  # tries after the first, inside each job (backoff)
INPUTS_JOB_RETRIES = (
    2  # Snakemake re-runs of a failed download job (longer outages); .part files resume
)


def inputs_net_args(url_key):
    """Retry count and, when configured (tests), the base URL every request of the job goes to."""
    url = INPUTS_DL.get(url_key, "")
    return f"--retries {INPUTS_RETRIES + 1}" + (f" --base-url {url}" if url else "")


def inputs_first_pair_with(predicate):
    for name, pair in pairs_by_name.items():
        if predicate(pair):
            return name
    raise WorkflowError("no configured pair needs this input")


def inputs_scene_pair_json(wildcards):
    name = inputs_first_pair_with(
        lambda p: wildcards.scene in p["reference_scenes"] + p["secondary_scenes"]
    )
    return f"{RESULTS}/{name}/pair.json"


def inputs_dem_pair_json(wildcards):
    name = inputs_first_pair_with(lambda p: dem_key(p) == wildcards.dem_key)
    return f"{RESULTS}/{name}/pair.json"


def inputs_water_mask_path(pair):
    """Water mask of a pair (local file, or the per-frame download); None when ionosphere is off."""
    if not config["estimate_ionosphere_delay"]:
        return None
    if LOCAL["water_mask"]:
        return LOCAL["water_mask"]
    return f"{CACHE}/water_mask/{dem_key(pair)}/water_mask.wgs84"


# ---- product stage helpers ----


def product_isce_inputs(wildcards):
    """The geocoded rasters packaging reads, as declared by the step table. Their headers and the swath XMLs
    come from the same or earlier jobs of the PICKLE chain, so they need no edges of their own.
    """
    wanted = ("merged/*.geo",)
    files = []
    for step in topsapp_steps.STEPS:
        for f in step.declared(SETTINGS):
            if any(fnmatch.fnmatch(f, w) for w in wanted):
                files.append(f"{TOPSAPP}/{f}")
    return sorted(set(files))


def product_water_mask(wildcards):
    """The pair's water mask (binary first, then its header files) when ionosphere is estimated, else none."""
    path = inputs_water_mask_path(pair_of(wildcards))
    if not path:
        return []
    return [path] + [
        f"{path}{ext}" for ext in (".xml", ".vrt") if path.endswith(".wgs84")
    ]


def product_config_json(wildcards):
    """The config recorded as provenance in a pair's product: no credentials, and only this pair (so adding
    pairs to a stack does not re-package the existing products)."""
    own = {
        k: v
        for k, v in config.items()
        if k not in ("pairs", "pairs_tsv", "reference_scenes", "secondary_scenes")
    }
    pair = pair_of(wildcards)
    own.update(
        {k: pair[k] for k in ("reference_scenes", "secondary_scenes", "frame_id")}
    )
    return json.dumps(gunw_name.sanitise(own), sort_keys=True, default=str)


# ---- topsapp stage helpers ----

# The config-derived topsApp properties reach each step through the shell command (a global, not a param):
# each step's params carry only the properties that invalidate it (the step table), so a changed setting
# re-runs exactly the first affected step and what follows. The step renders topsApp.xml itself.
TOPSAPP_PROPERTIES = json.dumps(SETTINGS)
# The steps read the full property set from the environment (declared with `envvars:` in the Snakefile, so remote
# jobs get it too): it is not provenance of any single step, and kilobytes of JSON in every shell command would
# flood the console and slow planning.
os.environ["GUNW_TOPSAPP_PROPERTIES"] = TOPSAPP_PROPERTIES


def topsapp_step_args(first_output):
    """Arguments of run_topsapp_step.py that are not provenance (the first output is PICKLE/<step>)."""
    pair_dir = os.path.dirname(os.path.dirname(os.path.dirname(first_output)))
    return f"--pair-dir {shlex.quote(pair_dir)} --keep-intermediates {KEEP}"


HANDOFFS = topsapp_steps.heavy_handoffs(SETTINGS)


def heavy_marker(step):
    return f"{TOPSAPP}/heavy/{step}.txt"


def topsapp_step_inputs(step):
    """Previous PICKLE (ISCE loads it), the files the step reads from outside the chain, heavy markers."""

    def inputs(wildcards):
        d = {}
        prev = topsapp_steps.previous(step)
        if prev:
            # PICKLE/<prev> and PICKLE/<prev>.xml come from one job: one of them carries the dependency (fewer
            # files to resolve when planning thousands of pairs); the runner checks that both exist
            d["prev"] = f"{RESULTS}/{wildcards.pair}/topsapp/PICKLE/{prev}.xml"
        pdir = f"{RESULTS}/{wildcards.pair}"
        if step in ("startup", "preprocess"):
            d["pair_json"] = f"{pdir}/pair.json"
            d["safes"] = f"{pdir}/inputs/safes.json"
            d["orbits"] = f"{pdir}/inputs/orbits"
        if step in ("verifyDEM", "topo"):
            d["dem"] = (
                f"{pdir}/inputs/dem.wgs84"  # its .xml/.vrt come from the same staging job
            )
        if step in ("geocode", "geocodeoffsets"):
            d["geocode_dem"] = f"{pdir}/inputs/geocode_dem.wgs84"
        d["heavy"] = [
            f"{pdir}/topsapp/heavy/{producer}.txt"
            for producer, last, _ in HANDOFFS
            if last == step and producer != step
        ]
        return d

    return inputs


def topsapp_step_outputs(step):
    files = topsapp_steps.pickle_files(step) + topsapp_steps.BY_NAME[step].declared(
        SETTINGS
    )
    out = [f"{TOPSAPP}/{f}" for f in files]
    if any(producer == step and last != step for producer, last, _ in HANDOFFS):
        marker = heavy_marker(step)
        out.append(marker if KEEP else temp(marker))
    return out
