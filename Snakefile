"""Sentinel-1 IW SLC pairs -> ARIA S1-GUNW products, ISCE2 topsApp one rule per step. See README.md."""

from snakemake.utils import min_version

min_version("9.0")


# The defaults when no --configfile is given; `--config key=value` then overrides them (Snakemake merges
# --config onto what `configfile:` loads). With --configfile only the user's files count.
if not workflow.overwrite_configfiles:

    configfile: f"{workflow.basedir}/config/config.yaml"


report: "workflow/report/workflow.rst"


wildcard_constraints:
    pair="[^/]+",
    scene="S1[A-D]_[A-Z0-9_]{63}",


include: "workflow/rules/common.smk"
include: "workflow/rules/inputs.smk"
include: "workflow/rules/bursts.smk"
include: "workflow/rules/ionosphere.smk"
include: "workflow/rules/topsapp.smk"
include: "workflow/rules/product.smk"
include: "workflow/rules/demo.smk"
include: "workflow/rules/report.smk"


from gunw_workflow import run_summary


# PATH: SLURM jobs find `gunw` and ISCE2 where the submitting shell did.
envvars:
    "PATH",
    "GUNW_TOPSAPP_PROPERTIES",
    "GUNW_PRODUCT_PROVENANCE",


# Cheap or network-bound jobs run on the submit host (compute nodes are often offline); no SLURM job each.
localrules:
    all,
    resolve_pair,
    check_pair,
    download_slc,
    burst_safe,
    download_orbit,
    download_dem,
    download_water_mask,
    stage_scenes,
    stage_dem,
    validate_gunw,
    upload_gunw,
    report_pair,
    report_run,


_unknown = job_resources.unknown_override_keys(
    config["resources"], [r.name for r in workflow.rules]
)
if _unknown:
    raise WorkflowError(
        f"config `resources:` names no rule or topsApp step: {_unknown}; see config/README.md"
    )


# One writer per results_dir (Snakemake's own lock only covers runs from the same working directory).
onstart:
    try:
        HELD_LOCKS.append(
            run_lock.acquire(RUN.run_lock)
        )  # held until this process exits
    except run_lock.RunLocked as exc:
        raise WorkflowError(str(exc))


# The last lines of a run: where each delivered product is; which pairs failed and where their logs are.
onsuccess:
    for _line in run_summary.summary(RUN, PAIR_NAMES, log):
        logger.info(_line)
    logger.info(
        "The report: the same command with --report report.html (see README.md, How to inspect a run)"
    )


onerror:
    for _line in run_summary.summary(RUN, PAIR_NAMES, log):
        logger.error(_line)


# Every configured pair, packaged and validated (and uploaded when `bucket` is set), and the report's items
# (snakemake --report report.html).
rule all:
    default_target: True
    input:
        [RUN.pair(name).validated_ok for name in PAIR_NAMES],
        delivery_targets(),
        rules.report_run.output,
