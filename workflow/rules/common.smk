"""Helpers shared by the rule files (validated config, pairs, run layout, job resources).

The workflow's code is the installed package `gunw_workflow` (pip install -e .); rules run its one console
script, `gunw <command>`. Paths come from gunw_workflow.layout, defaults from the config schema only.
"""

import datetime
import json
import os
import shlex
import shutil

from snakemake.exceptions import WorkflowError
from snakemake.logging import logger
from snakemake.utils import validate

try:
    from gunw_workflow import config_errors
    from gunw_workflow import layout as run_layout
    from gunw_workflow import pair_list
    from gunw_workflow import resources as job_resources
    from gunw_workflow import run_lock
    from gunw_workflow import s1_ids
    from gunw_workflow.inputs import frame_dates
    from gunw_workflow.inputs import offline_checks
    from gunw_workflow.product import gunw_name
    from gunw_workflow.product import provenance
    from gunw_workflow.topsapp import steps as topsapp_steps
    from gunw_workflow.topsapp import topsapp_xml
except ImportError as exc:
    raise WorkflowError(
        f"the workflow's package is not installed in this Python ({exc}): run `pip install -e .` in the "
        "repository (make setup does it) and run snakemake from that environment"
    )
if shutil.which("gunw") is None:
    raise WorkflowError(
        "the workflow's command `gunw` is not on PATH: activate the environment it is installed in "
        "(`. .venv/bin/activate` after `make setup`)"
    )

# Credentials in config values would reach .snakemake/ (and a failed validation prints the whole config):
# reject them first, naming only the keys (issue 11).
from gunw_workflow.inputs import secrets as config_secrets

if (_secrets_error := config_secrets.config_error(config)) is not None:
    raise WorkflowError(_secrets_error)

# The demo generator is wanted only when the user's config has a `demo:` section (validation fills defaults in).
DEMO_REQUESTED = bool(config.get("demo"))
# One line per problem (key, what is wrong, what is allowed); Snakemake's own message dumps schema and config.
# YAML reads 2022-02-12 as a date object; the schema wants the text
pair_list.normalise_dates(config)
try:
    config_errors.check(config)
except config_errors.ConfigProblems as exc:
    raise WorkflowError(str(exc))
validate(config, "../schemas/config.schema.yaml")

# A `stack:` plans from the TSV `gunw enumerate-stack` wrote (offline); missing or stale, planning stops here.
from gunw_workflow.inputs import stack as frame_stack

try:
    PAIRS = pair_list.pairs_from_config(
        frame_stack.config_with_stack(
            config, workflow.overwrite_configfiles or (), workflow.is_main_process
        )
    )
except frame_stack.StackError as exc:
    raise WorkflowError(str(exc))
except pair_list.PairConfigError as exc:
    raise WorkflowError(f"Invalid config: {exc}")
# The submitting process checks every pair once; the jobs it spawns (local subprocesses, SLURM jobs) re-read the
# Snakefile and need not repeat it (it loads the 27,563-row frame table).
_offline_errors = (
    offline_checks.check_pairs_offline(
        [p for p in PAIRS if not pair_list.is_date_pair(p)]
    )
    + frame_dates.offline_problems(PAIRS)
    if workflow.is_main_process
    else []
)
if _offline_errors:
    raise WorkflowError(
        "Invalid pair(s) in the config (found before any download):\n  - "
        + "\n  - ".join(_offline_errors)
    )
pairs_by_name = {p["name"]: p for p in PAIRS}
PAIR_NAMES = list(pairs_by_name)

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

# ---- the run layout: every path below comes from it ----
HELD_LOCKS = []  # the results_dir lock of a run that executes jobs (Snakefile onstart)
RUN = run_layout.RunLayout(config["results_dir"], config["cache_dir"])
CACHE = RUN.cache
P = RUN.pair("{pair}")  # the pair directory as a Snakemake pattern
LOCAL = config["local_inputs"]
KEEP = config["keep_intermediates"]

# Config-derived topsApp properties, shared by every pair (the step rules' invalidation keys).
TOPSAPP_PROPERTIES = topsapp_xml.topsapp_properties(config)


def pair_of(wildcards):
    return pairs_by_name[wildcards.pair]


def pair_dir(wildcards):
    return RUN.pair(wildcards.pair)


# Frame + dates pairs: their scenes are known only after the checkpoint resolve_pair (inputs.smk) has run.
DATE_PAIRS = {n for n, p in pairs_by_name.items() if pair_list.is_date_pair(p)}


def resolved_scenes(name):
    """(reference, secondary) scene ids of a pair. For a frame + dates pair they come from its resolve_pair
    checkpoint: an input function calling this makes Snakemake run the checkpoint first, then re-plan.
    """
    pair = pairs_by_name[name]
    if name not in DATE_PAIRS:
        return pair["reference_scenes"], pair["secondary_scenes"]
    doc = frame_dates.read(checkpoints.resolve_pair.get(pair=name).output[0])
    return doc["reference_scenes"], doc["secondary_scenes"]


def pair_scenes(wildcards):
    ref, sec = resolved_scenes(wildcards.pair)
    return ref + sec


def pair_scenes_json(wildcards):
    """The checkpoint output a frame + dates pair's check reads; nothing for an id-given pair."""
    return (
        [RUN.pair(wildcards.pair).scenes_json] if wildcards.pair in DATE_PAIRS else []
    )


def check_pair_ids(wildcards, role):
    """What check_pair's params record for a role: the scene ids, or the configured date of a frame + dates
    pair (its scenes reach the check through scenes.json)."""
    pair = pair_of(wildcards)
    if wildcards.pair in DATE_PAIRS:
        return [pair[f"{role}_date"]]
    return pair[f"{role}_scenes"]


def slc_path(scene):
    """A local SAFE directory or zip when `local_inputs.slc_dir` is set, else the shared download."""
    if LOCAL["slc_dir"]:
        safe_dir = os.path.join(LOCAL["slc_dir"], f"{scene}.SAFE")
        return (
            safe_dir
            if os.path.isdir(safe_dir)
            else os.path.join(LOCAL["slc_dir"], f"{scene}.zip")
        )
    return CACHE.slc(scene)


def orbit_sources(wildcards):
    """What stage_scenes chooses orbits from: the local orbit directory, or one cached EOF per scene."""
    if LOCAL["orbit_dir"]:
        return [LOCAL["orbit_dir"]]
    return [CACHE.orbit(s) for s in pair_scenes(wildcards)]


def dem_key(pair):
    return run_layout.dem_key(pair["frame_id"], pair["name"])


def topo_dem_path(dem_key_):
    """The 1-arcsec DEM a DEM key resamples from: the local DEM, or the shared download."""
    return LOCAL["dem"] or CACHE.topo_dem(dem_key_)


def dem_path(pair, kind):
    """ISCE DEM binary (its .xml and .vrt sit beside it) for kind "dem" (1 arcsec) or "geocode_dem"."""
    res = config["output_resolution"]
    if kind == "dem":
        return topo_dem_path(dem_key(pair))
    if LOCAL["geocode_dem"]:
        return LOCAL["geocode_dem"]
    if (
        res != 30
    ):  # resampled from the 1-arcsec DEM (local or downloaded) by rule resample_dem
        return CACHE.geocode_dem(dem_key(pair), res)
    return topo_dem_path(dem_key(pair))


def product_options(wildcards):
    """The product options of a pair (reference tool names), for packaging and the product name."""
    out = {k: config[k] for k in gunw_name.PRODUCT_OPTION_KEYS}
    out["frame_id"] = pair_of(wildcards)["frame_id"]
    return out


# A frame (~8 bursts per swath) usually spans two slices of a pass; a frame + dates pair is planned with that.
DATE_PAIR_SLICES = 2


def n_bursts_estimate(pair):
    """Bursts processed for a pair: ~9 per swath and slice (a frame is ~8 bursts; ROI cropping keeps touching ones)."""
    slices = (
        len(pair["reference_scenes"])
        if "reference_scenes" in pair
        else DATE_PAIR_SLICES
    )
    return 9 * len(TOPSAPP_PROPERTIES["swaths"]) * max(slices, 1)


# Resources are static per rule, sized for the largest pair; callable resources cost seconds per 1,000 pairs
# when Snakemake plans, and the pairs of a stack are alike.
MAX_BURSTS = max(n_bursts_estimate(p) for p in PAIRS)


def rule_resources(rule_name):
    """threads/mem_mb/runtime/disk_mb of a rule, from gunw_workflow.resources (the single definition)."""
    return job_resources.resources_for(
        rule_name, MAX_BURSTS, config["output_resolution"], config["resources"]
    )


# ---- inputs stage helpers ----

INPUTS_DL = config["downloads"]
# Snakemake re-runs of a failed download job (longer outages); .part files resume
INPUTS_JOB_RETRIES = 2


def inputs_net_args(url_key):
    """Retry count and, when configured (tests), the base URL every request of the job goes to."""
    url = INPUTS_DL[url_key]
    return f"--tries {INPUTS_DL['retries'] + 1}" + (f" --base-url {url}" if url else "")


def inputs_min_coverage(pair):
    """The frame-coverage threshold the check applies: only a pair with a frame has one."""
    return config["min_frame_coverage"] if pair["frame_id"] >= 0 else None


def inputs_coverage_problems():
    """Checked pairs whose recorded frame coverage is below the configured threshold. The threshold is not a
    param of check_pair (a satisfied one must re-run nothing), so a raised one is checked here, at planning.
    """
    problems = []
    for name, pair in pairs_by_name.items():
        path = RUN.pair(name).pair_json
        if inputs_min_coverage(pair) is None or not os.path.isfile(path):
            continue
        with open(path) as fh:
            coverage = json.load(fh).get("frame_coverage")
        if coverage is not None and coverage < config["min_frame_coverage"]:
            problems.append(
                f"{name}: covers {coverage:.1%} of frame {pair['frame_id']}, below min_frame_coverage "
                f"{config['min_frame_coverage']:g}; lower it, or add the missing slices"
            )
    return problems


_coverage_errors = inputs_coverage_problems() if workflow.is_main_process else []
if _coverage_errors:
    raise WorkflowError(
        "Frame coverage below the threshold (found before any job):\n  - "
        + "\n  - ".join(_coverage_errors)
    )


# The first configured pair that needs each scene / DEM: its download waits for that pair's check. One lookup
# table, not a search over the pairs per job (that made planning quadratic in the number of pairs).
FIRST_PAIR = {}
PAIR_INDEX = {name: i for i, name in enumerate(pairs_by_name)}
# YYYYMMDD -> the frame + dates pairs with a date that day, in config order
DATE_PAIRS_ON = {}
for _name, _pair in pairs_by_name.items():
    if _name in DATE_PAIRS:
        for _day in (_pair["reference_date"], _pair["secondary_date"]):
            DATE_PAIRS_ON.setdefault(_day.replace("-", ""), []).append(_name)
    else:
        for _scene in _pair["reference_scenes"] + _pair["secondary_scenes"]:
            FIRST_PAIR.setdefault(("scene", _scene), _name)
    FIRST_PAIR.setdefault(("dem", dem_key(_pair)), _name)


def inputs_scene_owner(scene):
    """The first configured pair that needs a scene. Frame + dates pairs are candidates when one of their dates
    is the scene's UTC date or the day before (a pass is dated by its first slice); each candidate's checkpoint
    decides. The answer never depends on which checkpoints happen to have run: one download per scene, always
    waiting for the same pair's check."""
    first_id = FIRST_PAIR.get(("scene", scene))
    day = s1_ids.parse(scene).start.date()
    candidates = {
        n
        for d in (day, day - datetime.timedelta(days=1))
        for n in DATE_PAIRS_ON.get(f"{d:%Y%m%d}", [])
    }
    limit = PAIR_INDEX[first_id] if first_id else len(PAIR_INDEX)
    for name in sorted(candidates, key=PAIR_INDEX.get):
        if PAIR_INDEX[name] < limit and scene in sum(resolved_scenes(name), []):
            return name
    if first_id is None:
        raise WorkflowError(f"no configured pair needs the scene {scene}")
    return first_id


def inputs_first_pair_json(kind, key):
    if (kind, key) not in FIRST_PAIR:
        raise WorkflowError(f"no configured pair needs the {kind} {key}")
    return RUN.pair(FIRST_PAIR[(kind, key)]).pair_json


def inputs_scene_pair_json(wildcards):
    return RUN.pair(inputs_scene_owner(wildcards.scene)).pair_json


def inputs_dem_pair_json(wildcards):
    return inputs_first_pair_json("dem", wildcards.dem_key)


def inputs_water_mask_path(pair):
    """Water mask of a pair (local file, or the per-frame download); None when ionosphere is off."""
    if not config["estimate_ionosphere_delay"]:
        return None
    if LOCAL["water_mask"]:
        return LOCAL["water_mask"]
    return CACHE.water_mask(dem_key(pair))


# ---- product stage helpers ----


def product_isce_inputs(wildcards):
    """The geocoded rasters packaging reads, as declared by the step table. Their headers and the swath XMLs
    come from the same or earlier jobs of the PICKLE chain, so they need no edges of their own.
    """
    pair = pair_dir(wildcards)
    return [
        pair.topsapp_file(f) for f in topsapp_steps.geocoded_rasters(TOPSAPP_PROPERTIES)
    ]


def product_water_mask(wildcards):
    """The pair's water mask (binary first, then its header files) when ionosphere is estimated, else none."""
    path = inputs_water_mask_path(pair_of(wildcards))
    if not path:
        return []
    return run_layout.isce_raster(path) if path.endswith(".wgs84") else [path]


# The config a product records: the part shared by all pairs goes through the environment (declared with
# `envvars:` in the Snakefile), so `package_gunw`'s command stays short; its params hold the whole record.
PRODUCT_PROVENANCE = provenance.shared(config)
os.environ[provenance.ENV] = provenance.env_json(PRODUCT_PROVENANCE)


def product_config_json(wildcards):
    """The record of a pair's product (package_gunw params: a changed setting re-packages)."""
    return provenance.to_json(
        provenance.for_pair(PRODUCT_PROVENANCE, pair_of(wildcards))
    )


# ---- report helpers ----


def report_listing(summaries, listing):
    """The pairs' summaries reach `gunw report-run` in a file: a stack's thousand paths would flood the console."""
    with open(listing, "w") as fh:
        fh.write("".join(f"{p}\n" for p in summaries))


# ---- topsapp stage helpers ----

# The config-derived topsApp properties reach each step through the environment (declared with `envvars:` in
# the Snakefile, so remote jobs get it too), not through params: each step's params carry only the properties
# that invalidate it (the step table), so a changed setting re-runs exactly the first affected step and what
# follows; kilobytes of JSON in every shell command would also flood the console and slow planning.
os.environ["GUNW_TOPSAPP_PROPERTIES"] = json.dumps(TOPSAPP_PROPERTIES)

# One job per step that does work under these settings; idle steps run inside a neighbour's job (step table).
TOPSAPP_JOBS = topsapp_steps.jobs(TOPSAPP_PROPERTIES)
TOPSAPP_JOB = {job.name: job for job in TOPSAPP_JOBS}
HANDOFFS = topsapp_steps.job_handoffs(TOPSAPP_PROPERTIES)


def topsapp_step_args(pair_root):
    """Arguments of `gunw topsapp-step` that are not provenance (from an output, so not a params key)."""
    isce2 = config["isce2"]
    return (
        f"--pair-dir {shlex.quote(pair_root)} --keep-intermediates {KEEP}"
        f" --isce2-python {shlex.quote(isce2['python'])}"
        f" --omp-wait-policy {shlex.quote(isce2['omp_wait_policy'])}"
    )


def topsapp_job_inputs(job):
    """Previous job's PICKLE (ISCE loads it), the staged inputs the job reads (step table), heavy markers."""
    prev = topsapp_steps.previous_job(job, TOPSAPP_PROPERTIES)
    # every file the previous job declares, not only its PICKLE: a setting that gives an earlier step a new output
    # (unwrapper icu, ionosphere on, a second swath) must make Snakemake ask for it, or the job would never re-run
    # (Snakemake checks only requested outputs for being missing, and skips the params check of a job with
    # outputs that have no metadata). PICKLE/<last> comes with its .xml.
    prev_files = (
        [
            P.pickle_xml(s)
            for s in topsapp_steps.job_pickle_steps(prev, TOPSAPP_PROPERTIES)[-1:]
        ]
        + [
            P.topsapp_file(f)
            for f in topsapp_steps.job_declared(prev, TOPSAPP_PROPERTIES)
        ]
        if prev
        else []
    )
    reads = {name: P.staged(name) for name in topsapp_steps.job_reads(job)}
    heavy = [
        P.heavy_marker(producer)
        for producer, last, _ in HANDOFFS
        if last == job.name and producer != job.name
    ]
    # patterns in {pair}: Snakemake fills the wildcard in, no per-job function call
    return {"prev": prev_files, **reads, "heavy": heavy, **ion_job_inputs(job)}


def topsapp_job_outputs(job):
    """Every step's PICKLE pair, every declared file, and the heavy marker when a heavy group leaves the job."""
    files = [
        f
        for step in topsapp_steps.job_pickle_steps(job, TOPSAPP_PROPERTIES)
        for f in (P.pickle(step), P.pickle_xml(step))
    ]
    files += [
        P.topsapp_file(f) for f in topsapp_steps.job_declared(job, TOPSAPP_PROPERTIES)
    ]
    if any(producer == job.name and last != job.name for producer, last, _ in HANDOFFS):
        marker = P.heavy_marker(job.name)
        files.append(marker if KEEP else temp(marker))
    return files


# ---- delivery helpers ----


def delivery_targets():
    """The S3 upload record of every pair when `bucket` is set (rule upload_gunw), else nothing."""
    if not config["bucket"]:
        return []
    return [RUN.pair(name).upload_record for name in PAIR_NAMES]


# ---- burst mode (download_mode; rules in workflow/rules/bursts.smk, docs/inputs.md section 9) ----

from gunw_workflow.inputs import bursts as burst_mode


def pair_download_mode(pair):
    """`slc` or `burst` for a pair (download_mode auto: burst for a frame pair without local SLCs)."""
    return burst_mode.resolve_mode(
        config["download_mode"], pair["frame_id"], LOCAL["slc_dir"]
    )


try:
    DOWNLOAD_MODE = {name: pair_download_mode(p) for name, p in pairs_by_name.items()}
except ValueError as exc:
    raise WorkflowError(f"Invalid config: {exc}")


def pair_date(pair, role):
    """A pair's date (YYYYMMDD) for a role: given (date-given pairs) or read from its first scene id."""
    given = pair.get(f"{role}_date")
    return given.replace("-", "") if given else pair[f"{role}_scenes"][0][17:25]


def burst_safe_key(pair, role):
    """The shared SAFE of a date in burst mode: frame + date + polarisation + swaths (no scene ids needed)."""
    return run_layout.burst_safe_key(
        pair["frame_id"],
        pair_date(pair, role),
        TOPSAPP_PROPERTIES["polarization"],
        TOPSAPP_PROPERTIES["swaths"],
    )


def role_safes(pair, role):
    """The SAFEs staging gives ISCE2 for a role: one burst2safe SAFE per date, or the scenes' SLCs."""
    if DOWNLOAD_MODE[pair["name"]] == "burst":
        return [CACHE.burst_safe(burst_safe_key(pair, role))]
    ref, sec = resolved_scenes(pair["name"])
    return [slc_path(s) for s in (ref if role == "reference" else sec)]


def pair_safes(wildcards):
    pair = pair_of(wildcards)
    return role_safes(pair, "reference") + role_safes(pair, "secondary")


def check_pair_mode_args(wildcards):
    """The check's burst-mode arguments: burst mode searches the burst catalogue for the frame's bursts."""
    if DOWNLOAD_MODE[wildcards.pair] != "burst":
        return ""
    return (
        f"--burst-mode --polarization {TOPSAPP_PROPERTIES['polarization']}"
        f" --swaths {' '.join(str(s) for s in TOPSAPP_PROPERTIES['swaths'])}"
    )


for _name, _pair in pairs_by_name.items():
    if DOWNLOAD_MODE[_name] == "burst":
        for _role in ("reference", "secondary"):
            FIRST_PAIR.setdefault(("burst_safe", burst_safe_key(_pair, _role)), _name)


def inputs_burst_safe_pair_json(wildcards):
    return inputs_first_pair_json("burst_safe", wildcards.key)


# ---- ionosphere helpers (workflow/rules/ionosphere.smk, docs/ionosphere.md) ----

from gunw_workflow.ionosphere import stages as ion_stages

ION_ON = bool(config["estimate_ionosphere_delay"])


def ion_prop(name, default=None):
    return TOPSAPP_PROPERTIES.get(name, default)


ION_FIRST_LOOKS = (
    ion_prop("number of range looks at first stage for ionosphere phase unwrapping"),
    ion_prop("number of azimuth looks at first stage for ionosphere phase unwrapping"),
)
ION_TOTAL_LOOKS = (
    ion_prop("total number of range looks in the ionosphere processing"),
    ion_prop("total number of azimuth looks in the ionosphere processing"),
)


def ion_ramps_job_files():
    """What the burst-ramp merge reads from ISCE's ionosphere_shift..ion2grd job (a side job: no PICKLE)."""
    job = topsapp_steps.job_named("ion_ramps", TOPSAPP_PROPERTIES)
    return [
        P.topsapp_file(f) for f in topsapp_steps.job_declared(job, TOPSAPP_PROPERTIES)
    ]


def ion_file(rel):
    """A file of the topsApp directory, with its .xml and .vrt for rasters."""
    if rel.endswith(".json"):
        return [P.topsapp_file(rel)]
    return [P.topsapp_file(f) for f in run_layout.isce_raster(rel)]


def ion_job_inputs(job):
    """The project's stage outputs a topsApp job reads (ISCE opens them by their fixed names)."""
    if not ION_ON:
        return {}
    if job.name == "ion_subband":
        return {"water_mask": product_water_mask}
    if job.name == "ion_ramps":
        return {"ion_filtered": ion_file(ion_stages.FILT)}
    if job.name == "geocode":
        return {
            "ion_merged": ion_file(ion_stages.MERGED),
            "ion_ramps": ion_file(ion_stages.AZ_SHIFT),
        }
    return {}


def ion_job_outputs(job):
    """Files the project's code adds inside a topsApp job (the water-mask record of the masked sub-bands)."""
    if ION_ON and job.name == "ion_subband":
        return [P.topsapp_file(ion_stages.MASK_RECORD)]
    return []


def ion_job_args(job):
    """Extra `gunw topsapp-step` arguments of a job, as a params function (bound here, per job: a shell string
    built from the loop variable would be re-evaluated with the last job when the rule runs). The subband job
    masks water in ISCE's sub-band interferograms right after ISCE writes them, before rawion reads them, so the
    masking never runs apart from the process that makes them."""
    if ION_ON and job.name == "ion_subband":
        return lambda w, input: f"--water-mask {shlex.quote(input.water_mask[0])}"
    return lambda w, input: ""
