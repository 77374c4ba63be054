"""`isce2_topsapp`: the reference tool's command line (DockerizedTopsApp) on top of this workflow.

Users of the reference (and HyP3's ARIA_S1_GUNW job, which calls it) know its arguments; this command accepts them
with the reference's own conventions and turns them into this workflow's config, so nothing is re-implemented:

* ``++process`` and ``++omp-num-threads`` are read first (``+`` prefix, anywhere on the line), as the reference's
  ``main()`` does; the rest is the reference's ``gunw_slc`` parser: scene lists are whitespace-split per value and
  flattened (``--reference-scenes "a b"`` = ``--reference-scenes a b``), switches take the strings true/false in
  any capitalization, ``--dry-run`` is a flag.
* Every processing argument maps to the config key of the same name (the schema's top-level keys are the
  reference's names). An argument not given is left out, so its default is the schema's (the only place defaults
  are written), or that of ``--configfile``.
* ``--username``/``--password`` (and ``--esa-username``/``--esa-password``) only reach the environment of the run
  (EARTHDATA_USERNAME/PASSWORD, CDSE_USERNAME/PASSWORD: inputs/credentials.py), never the config, the console,
  Snakemake's records or the product; the command line Snakemake records is the equivalent one, without them.
* The config is written to ``<results_dir>/isce2_topsapp_config.yaml`` (layout.RunLayout.cli_config); the printed
  ``snakemake --configfile`` command repeats the run. The run itself happens in this process: Snakemake's own
  parser reads that equivalent command line (so profiles, the workflow's ``profiles/default`` included, apply
  exactly as for plain ``snakemake``) and ``snakemake.cli.args_to_api`` makes the ``snakemake.api`` calls
  (``SnakemakeApi`` -> ``workflow()`` -> ``dag()`` -> ``execute_workflow()``). The exit code is Snakemake's:
  0, or 1 with the workflow's own messages (a config error is its one line per problem). Argument errors exit 2.

See docs/delivery.md ("The reference tool's command line") for the mapping table.
"""

from __future__ import annotations

import argparse
import copy
import os
import shlex
import sys
from pathlib import Path

from gunw_workflow import config as wf_config
from gunw_workflow import layout
from gunw_workflow.product import gunw_name

PROG = "isce2_topsapp"
SUPPORTED_PROCESS = "gunw_slc"
REFERENCE_PROCESSES = ("gunw_slc", "gunw_burst", "coseis_sar")
"""The reference's HyP3 entry points (``++process``); this workflow makes the standard GUNW of SLC scenes."""

CONFIG_KEYS = (
    "reference_scenes",
    "secondary_scenes",
    "reference_date",
    "secondary_date",
    "frame_id",
    "min_frame_coverage",
    *gunw_name.PRODUCT_OPTION_KEYS,  # the product options: the reference's names, as the config's
    "bucket",
    "bucket_prefix",
    "results_dir",
    "cache_dir",
)
"""Arguments that become the config key of the same name (``--frame-id`` -> ``frame_id``)."""

CREDENTIAL_ENV = {
    "username": "EARTHDATA_USERNAME",
    "password": "EARTHDATA_PASSWORD",
    "esa_username": "CDSE_USERNAME",
    "esa_password": "CDSE_PASSWORD",
}
"""Credential arguments -> the environment variable the downloads read them from (inputs/credentials.py)."""


class UsageError(ValueError):
    """A command line this tool cannot run; the message is one line (exit code 2, as argparse's errors)."""


def true_false_string_argument(text: str) -> bool:
    """The reference's switch values: only the strings true or false, in any capitalization."""
    value = text.lower()
    if value not in ("true", "false"):
        raise argparse.ArgumentTypeError(
            "Only the strings `true` or `false` (any capitalization) may be provided."
        )
    return value == "true"


def process_parser() -> argparse.ArgumentParser:
    """The reference's ``main()`` options (``+`` prefix); everything else goes on to the process's parser."""
    p = argparse.ArgumentParser(prog=PROG, prefix_chars="+", add_help=False)
    p.add_argument("++process", help="the reference's HyP3 entry point; this workflow runs gunw_slc")
    p.add_argument(
        "++omp-num-threads",
        type=int,
        help="OpenMP threads of each multithreaded ISCE2 step (config resources.<step>.threads)",
    )
    return p


def slc_parser() -> argparse.ArgumentParser:
    """The reference's ``gunw_slc`` arguments, plus where this workflow writes and how it runs."""
    p = argparse.ArgumentParser(
        prog=PROG,
        description="The reference tool's (DockerizedTopsApp isce2_topsapp) command line, run by this Snakemake "
        "workflow. Arguments not given take the config schema's defaults (config/README.md).",
        epilog="Everything after `--` is passed to Snakemake (e.g. `-- --profile profiles/slurm --jobs 20`). "
        "++omp-num-threads N and ++process gunw_slc are accepted anywhere on the line.",
    )
    ref = p.add_argument_group("the reference tool's arguments")
    ref.add_argument("--username", help="Earthdata user name (only passed to the run's environment)")
    ref.add_argument("--password", help="Earthdata password (only passed to the run's environment)")
    ref.add_argument("--esa-username", help="CDSE user name (only passed to the run's environment)")
    ref.add_argument("--esa-password", help="CDSE password (only passed to the run's environment)")
    ref.add_argument("--bucket", help="S3 bucket receiving the validated product (config bucket)")
    ref.add_argument("--bucket-prefix", help="key prefix in the bucket (config bucket_prefix)")
    ref.add_argument(
        "--dry-run", action="store_true", help="print the plan (snakemake -n); downloads nothing"
    )
    ref.add_argument("--reference-scenes", type=str.split, nargs="+", help="reference (later) scene ids")
    ref.add_argument("--secondary-scenes", type=str.split, nargs="+", help="secondary (earlier) scene ids")
    ref.add_argument(
        "--reference-date", help="reference date (YYYY-MM-DD): every IW SLC of the frame that day"
    )
    ref.add_argument("--secondary-date", help="secondary date (YYYY-MM-DD)")
    ref.add_argument("--frame-id", type=int, help="ARIA frame id (-1: no frame, a S1-GUNW_CUSTOM product)")
    ref.add_argument("--min-frame-coverage", type=float, help="minimum fraction of the frame the pair covers")
    for name in (
        "estimate-ionosphere-delay",
        "compute-solid-earth-tide",
        "unfiltered-coherence",
        "dense-offsets",
        "wrapped-phase-layer",
    ):
        ref.add_argument(f"--{name}", type=true_false_string_argument, help="true or false")
    ref.add_argument("--esd-coherence-threshold", type=float, help="-1 (ESD off) or in [0, 1]")
    ref.add_argument("--output-resolution", type=int, help="30 or 90 (metres)")
    ref.add_argument("--goldstein-filter-power", type=float, help="Goldstein filter power (>= 0)")
    own = p.add_argument_group("this workflow")
    own.add_argument(
        "--configfile", help="a workflow config the arguments are applied on (e.g. local_inputs)"
    )
    own.add_argument("--results-dir", help="where the pair directories go (config results_dir)")
    own.add_argument("--cache-dir", help="the shared download cache (config cache_dir)")
    own.add_argument("--cores", help="Snakemake --cores (default: the profile's, all cores)")
    return p


def split_snakemake_args(argv: list[str]) -> tuple[list[str], list[str]]:
    """This tool's arguments, and Snakemake's (everything after the first `--`)."""
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1 :]
    return list(argv), []


def parse(argv: list[str]) -> tuple[argparse.Namespace, argparse.Namespace, list[str]]:
    """(``++`` options, process arguments, Snakemake arguments). argparse errors exit 2, as the reference's."""
    ours, snakemake_args = split_snakemake_args(argv)
    plus, rest = process_parser().parse_known_args(ours)
    process = plus.process or SUPPORTED_PROCESS
    if process != SUPPORTED_PROCESS:
        if process in REFERENCE_PROCESSES:
            raise UsageError(
                f"++process {process} is not supported: this workflow makes the ARIA S1-GUNW product from SLC "
                f"scenes, the reference's {SUPPORTED_PROCESS}; drop ++process or use ++process {SUPPORTED_PROCESS}"
            )
        raise UsageError(
            f"++process {process!r} is unknown: the reference's processes are {', '.join(REFERENCE_PROCESSES)}; "
            f"this workflow runs {SUPPORTED_PROCESS}"
        )
    if plus.omp_num_threads is not None and plus.omp_num_threads < 1:
        raise UsageError(f"++omp-num-threads {plus.omp_num_threads}: give a positive number of threads")
    args = slc_parser().parse_args(rest)
    for side in ("reference", "secondary"):
        scenes = getattr(args, f"{side}_scenes")
        if scenes is not None:  # nargs="+" of str.split: a list of lists, flattened as the reference does
            setattr(args, f"{side}_scenes", [scene for value in scenes for scene in value])
        if getattr(args, f"{side}_scenes") is not None and getattr(args, f"{side}_date") is not None:
            raise UsageError(f"give --{side}-scenes or --{side}-date, not both")
    return plus, args, snakemake_args


def threaded_steps() -> list[str]:
    """The topsApp steps whose work OpenMP spreads over threads (the step table's cost model)."""
    from gunw_workflow.topsapp import steps

    return [step.name for step in steps.STEPS if step.cost.parallel > 0]


def _merge(base: dict, new: dict) -> dict:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def build_config(plus: argparse.Namespace, args: argparse.Namespace, base: dict | None = None) -> dict:
    """The workflow config of a command line: ``base`` (from --configfile) with the given arguments applied.
    Credentials never enter it. results_dir and cache_dir are always written, so a repeat lands in the same place."""
    cfg = copy.deepcopy(base or {})
    given = {key: getattr(args, key) for key in CONFIG_KEYS if getattr(args, key, None) is not None}
    for side in ("reference", "secondary"):  # a side given by date or by scenes replaces the other form
        if f"{side}_date" in given:
            cfg.pop(f"{side}_scenes", None)
        if f"{side}_scenes" in given:
            cfg.pop(f"{side}_date", None)
    cfg.update(given)
    if plus.omp_num_threads is not None:
        _merge(
            cfg.setdefault("resources", {}), {s: {"threads": plus.omp_num_threads} for s in threaded_steps()}
        )
    defaults = wf_config.defaults()
    for key in ("results_dir", "cache_dir"):
        cfg.setdefault(key, defaults[key])
    return cfg


def credentials_env(args: argparse.Namespace) -> dict[str, str]:
    """The environment variables the credential arguments set (the values never go anywhere else)."""
    return {var: getattr(args, key) for key, var in CREDENTIAL_ENV.items() if getattr(args, key)}


def snakefile() -> Path:
    return wf_config.REPO / "Snakefile"


def snakemake_argv(config_path: str, dry_run: bool, cores: str | None, extra: list[str]) -> list[str]:
    """The plain Snakemake command line equivalent to the run (without the program name)."""
    argv = ["--snakefile", str(snakefile()), "--configfile", config_path]
    if cores:
        argv += ["--cores", str(cores)]
    if dry_run:
        argv.append("-n")
    return argv + list(extra)


def write_config(path: str, cfg: dict, repeat: str) -> None:
    """The config file, atomically (temporary name, then rename), with the command that repeats the run."""
    import yaml

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    header = (
        f"# Written by `{PROG}` (gunw_workflow.reference_cli) from its command line; credentials are not here.\n"
        f"# Repeat the run with:\n#   {repeat}\n"
    )
    tmp.write_text(header + yaml.safe_dump(cfg, sort_keys=False))
    os.replace(tmp, target)


def run_snakemake(argv: list[str]) -> int:
    """Snakemake in this process: its parser (profiles included), then its API. Returns the exit code."""
    from snakemake import cli as snakemake_cli
    from snakemake.exceptions import print_exception

    saved = sys.argv
    # Snakemake records sys.argv as the run's command: the equivalent one, never ours (it may hold a password)
    sys.argv = ["snakemake", *argv]
    try:
        parser, sm_args = snakemake_cli.parse_args(argv)
        return 0 if snakemake_cli.args_to_api(sm_args, parser) else 1
    except SystemExit as exc:  # argparse errors in the pass-through arguments
        return int(exc.code or 0)
    except Exception as exc:  # noqa: BLE001 - Snakemake's own main() does the same
        print_exception(exc)
        return 1
    finally:
        sys.argv = saved


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        plus, args, extra = parse(argv)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # argparse printed its usage line and error
        return int(exc.code or 0)
    base = {}
    if args.configfile:
        import yaml

        try:
            base = yaml.safe_load(Path(args.configfile).read_text()) or {}
        except (OSError, yaml.YAMLError) as exc:
            print(
                f"{PROG}: error: --configfile {args.configfile}: {exc.__class__.__name__}; fix the file",
                file=sys.stderr,
            )
            return 2
    cfg = build_config(plus, args, base)
    run = layout.RunLayout(cfg["results_dir"], cfg["cache_dir"])
    sm_argv = snakemake_argv(run.cli_config, args.dry_run, args.cores, extra)
    repeat = shlex.join(["snakemake", *sm_argv])
    write_config(run.cli_config, cfg, repeat)
    print(
        f"{PROG}: config written to {run.cli_config}; the same run with plain Snakemake:\n  {repeat}",
        flush=True,
    )
    os.environ.update(credentials_env(args))  # the jobs inherit it; nothing else sees the values
    return run_snakemake(sm_argv)


if __name__ == "__main__":
    sys.exit(main())
