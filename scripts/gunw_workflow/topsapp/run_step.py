"""Run one job of ISCE2 topsApp steps (`topsApp.py topsApp.xml --start=<first> --end=<last>`) and make its failures
loud.

ISCE2 exits 0 on several failures (missing PICKLE, unknown step, unreadable SAFE, no orbit) and silently reuses or
reads files it should not (stale topophase_ori.flat, materialised *.slc.full, stray config files in the cwd, a second
topsApp process in the same directory). This wrapper guards each of those, verifies every step's real outputs and,
when intermediates are not kept, deletes the heavy files whose last consumer the job is.

Standard library only: it runs inside the ISCE2 conda environment.
"""

from __future__ import annotations

import argparse
import fcntl
import glob
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from gunw_workflow import pair_json
from gunw_workflow.layout import TOPSAPP_XML, PairDir, pickle_files
from gunw_workflow.product import delivery
from gunw_workflow.topsapp import isce2_runtime, output_checks, topsapp_xml
from gunw_workflow.topsapp import steps as step_table
from gunw_workflow.topsapp.steps import STEP_NAMES, STRAY_CONFIG_FILES, Job, previous

SILENT_FAILURE_MESSAGES = (
    ("Cannot open PICKLE", "the previous step's PICKLE could not be loaded"),
    ("not one of the named steps", "topsApp did not recognise the step name"),
    (
        "Could not extract swath",
        "preprocess could not read a SAFE (missing annotation/TIFF or no suitable orbit)",
    ),
    ("No suitable orbit file found", "no orbit file in the orbit directory covers the acquisition"),
)


class StepError(RuntimeError):
    pass


def _nonempty(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def verify_outputs(workdir: Path, steps: tuple[str, ...], expect: list[str], checks: list[str]) -> list[str]:
    """Problems with the job's outputs (empty list = all good): missing or empty files, missing bursts,
    rasters whose size disagrees with their header."""
    problems = []
    for rel in [f for step in steps for f in pickle_files(step)] + expect:
        if not _nonempty(workdir / rel):
            problems.append(f"missing or empty: {rel}")
    for pattern in checks:
        if not any(_nonempty(Path(p)) for p in glob.glob(str(workdir / pattern))):
            problems.append(f"no non-empty file matches {pattern}")
    if problems:
        return problems
    try:
        return output_checks.step_file_problems(workdir, expect, checks)
    except (OSError, ValueError, AttributeError, SyntaxError) as exc:  # ET.ParseError is a SyntaxError
        return [f"cannot count the bursts this step must write: {exc}"]


def scan_log(text: str) -> list[str]:
    return [f"{why} (log says: {msg!r})" for msg, why in SILENT_FAILURE_MESSAGES if msg in text]


def delete_globs(workdir: Path, patterns: list[str]) -> int:
    freed = 0
    for pattern in patterns:
        for p in glob.glob(str(workdir / pattern)):
            path = Path(p)
            if path.is_dir() and not path.is_symlink():
                freed += sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
                shutil.rmtree(path)
            elif path.exists() or path.is_symlink():
                freed += path.lstat().st_size
                path.unlink()
    return freed


def _refuse_unsafe_start(workdir: Path, step: str) -> None:
    """Stray ISCE config files and a missing previous PICKLE would make ISCE2 silently do the wrong thing."""
    stray = [f for f in STRAY_CONFIG_FILES if (workdir / f).exists()]
    if stray:
        raise StepError(
            f"stray ISCE config file(s) {stray} in {workdir}: ISCE reads them implicitly and they would change "
            "the processing; remove them (our settings live only in topsApp.xml)"
        )
    prev = previous(step)
    if prev:
        missing = [p for p in pickle_files(prev) if not (workdir / p).is_file()]
        if missing:
            raise StepError(
                f"{missing} missing: step {step} needs the state of step {prev}; ISCE2 would silently run "
                "on a blank state and exit 0. Re-run the workflow so that the job of step "
                + prev
                + " runs first."
            )


def _exclusive(lock_file, workdir: Path) -> None:
    try:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        raise StepError(
            f"another topsApp process is running in {workdir}; two processes would overwrite each other's "
            "PICKLE, topsProc.xml and logs. Wait for it or stop it."
        ) from exc


def _run_topsapp(workdir: Path, step: str, log: Path, cmd: list[str], env: dict, notes: list[str]) -> str:
    """Run ISCE2, appending its output to the log; returns the output, raises on a non-zero exit."""
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.time()
    with open(log, "a") as fh:
        fh.write(
            f"# {' '.join(cmd)} (cwd {workdir}, OMP_NUM_THREADS={env['OMP_NUM_THREADS']}, "
            f"OMP_WAIT_POLICY={env.get('OMP_WAIT_POLICY', '')})\n"
        )
        fh.writelines(f"# {note}\n" for note in notes)
        fh.flush()
        proc = subprocess.run(
            cmd,
            cwd=workdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        fh.write(proc.stdout)
        fh.write(f"# exit code {proc.returncode} after {time.time() - started:.1f} s\n")
    if proc.returncode != 0:
        tail = "\n".join(proc.stdout.splitlines()[-15:])
        raise StepError(f"topsApp step {step} failed with exit code {proc.returncode}; log {log}:\n{tail}")
    return proc.stdout


def _after_success(workdir: Path, log: Path, heavy_marker, heavy_patterns, clean_after, drop_markers) -> None:
    """Record the heavy files this job made (marker) and delete those whose last consumer it is.

    The producers' markers go first: a kill at any instant of the deletion then leaves them missing, so the
    next run re-makes the deleted files (Snakemake re-runs a job whose output a pending job needs) instead of
    re-running this job alone on inputs that are gone."""
    if heavy_marker is not None:
        files = sorted(p for pat in heavy_patterns for p in glob.glob(str(workdir / pat)))
        heavy_marker.parent.mkdir(parents=True, exist_ok=True)
        tmp = heavy_marker.with_name(heavy_marker.name + ".tmp")
        tmp.write_text("".join(os.path.relpath(f, workdir) + "\n" for f in files) or "(none)\n")
        tmp.replace(heavy_marker)
    for marker in drop_markers:
        marker.unlink(missing_ok=True)
    if clean_after:
        freed = delete_globs(workdir, list(clean_after))
        with open(log, "a") as fh:
            fh.write(f"# keep_intermediates off: deleted {freed / 1e6:.1f} MB matching {list(clean_after)}\n")


def run_job(
    workdir: Path,
    job: Job,
    log: Path,
    threads: int = 1,
    expect: list[str] = (),
    checks: list[str] = (),
    pre_clean: list[str] = (),
    clean_after: list[str] = (),
    heavy_marker: Path | None = None,
    heavy_patterns: list[str] = (),
    drop_markers: list[Path] = (),
    render: tuple | None = None,
    invalidate_downstream: Path | None = None,
    isce2_python: str = "",
    omp_wait_policy: str = "",
) -> None:
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    _refuse_unsafe_start(workdir, job.first)
    try:
        exe = isce2_runtime.find_topsapp(dict(os.environ))
        python = isce2_runtime.find_python(exe, isce2_python, dict(os.environ))
    except isce2_runtime.Isce2NotFound as exc:
        raise StepError(str(exc)) from None
    env = isce2_runtime.environment(python, threads, omp_wait_policy)
    label = job.first if len(job.steps) == 1 else f"{job.first}..{job.last}"
    with open(workdir / ".topsapp.lock", "w") as lock:
        _exclusive(lock, workdir)
        notes = []
        if invalidate_downstream is not None:
            removed = invalidate_later_steps(invalidate_downstream, job.first)
            if removed:
                notes.append(f"invalidated {len(removed)} downstream file(s): {', '.join(removed)}")
        if render is not None:
            render_topsapp_xml(*render)
        if not (workdir / TOPSAPP_XML).is_file():
            raise StepError(f"{workdir}/{TOPSAPP_XML} is missing")
        delete_globs(workdir, list(pre_clean))
        cmd = isce2_runtime.command(python, exe, TOPSAPP_XML, f"--start={job.first}", f"--end={job.last}")
        output = _run_topsapp(workdir, label, log, cmd, env, notes)
        problems = scan_log(output) + verify_outputs(workdir, job.steps, list(expect), list(checks))
        if problems:
            raise StepError(
                f"topsApp step(s) {label} exited 0 but did not do their work (ISCE2 hides several failures):\n  - "
                + "\n  - ".join(problems)
                + f"\nSee {log}."
            )
        _after_success(workdir, log, heavy_marker, heavy_patterns, clean_after, drop_markers)


def invalidate_later_steps(pair_dir: Path, step: str) -> list[str]:
    """Delete the PICKLEs of every later step, the pair's product files and its delivered copy before `step` runs.

    Snakemake deletes a job's outputs when it starts it, and does not regenerate a missing intermediate file whose
    consumers look up to date. So if this step were interrupted, the later steps' old outputs would look valid and
    the chain would silently keep results computed from the previous settings. Removing them now (they are stale
    as soon as this step re-runs) makes an interrupted run resume from here.
    """
    removed = []
    pair = PairDir(pair_dir)
    later = STEP_NAMES[STEP_NAMES.index(step) + 1 :]
    candidates = [Path(f) for s in later for f in (pair.pickle(s), pair.pickle_xml(s))]
    product = Path(pair.product)
    if product.is_dir():
        candidates += [p for p in product.iterdir() if p.is_file()]
    for path in candidates:
        if path.exists() or path.is_symlink():
            path.unlink()
            removed.append(os.path.relpath(path, pair_dir))
    return removed + delivery.withdraw(pair.delivered_txt)


def render_topsapp_xml(layout: PairDir, properties: dict) -> None:
    """Write topsApp.xml (+ topsapp_settings.json) for this step's run.

    Rendered by every step, not by an upstream rule: an upstream rule would make Snakemake skip the steps'
    own parameter checks whenever it re-runs, and re-rendering is cheap. App-level values are re-read by ISCE2
    in every process (never restored from PICKLE), so each step runs with the settings it was scheduled for.
    """
    pair = pair_json.read(layout.pair_json)
    safes = json.loads(Path(layout.safes_json).read_text())
    text = topsapp_xml.render(
        properties,
        safes["reference"],
        safes["secondary"],
        layout.from_topsapp(layout.orbits),
        layout.from_topsapp(layout.dem("dem")),
        layout.from_topsapp(layout.dem("geocode_dem")),
        pair.get("roi_snwe"),
        pair.get("extent_snwe"),
        safes.get("aux_cal_dir") or None,
    )
    for path, content in (
        (layout.topsapp_xml, text),
        (layout.topsapp_properties_json, json.dumps(properties, indent=1)),
    ):
        tmp = Path(path + ".tmp")
        tmp.write_text(content)
        tmp.replace(path)


def job_named(name: str, settings: dict) -> Job:
    """The job whose working step is `name` under these settings (the rules are generated from the same call)."""
    chain = step_table.all_jobs(settings)
    for job in chain:
        if job.name == name:
            return job
    host = next((j.name for j in chain if name in j.steps), None)
    raise StepError(
        f"{name!r} is not a job with these settings"
        + (f": step {name} does no work and runs inside job {host}" if host else "")
        + f"; jobs: {', '.join(j.name for j in chain)}"
    )


def plan(job: Job, settings: dict, keep_intermediates: bool) -> dict:
    """What to verify and clean for `job`, from the step table (the same table the rules are generated from)."""
    handoffs = step_table.job_handoffs(settings)
    produced = [g for producer, last, g in handoffs if producer == job.name and last != job.name]
    consumed = [(producer, g) for producer, last, g in handoffs if last == job.name]
    return {
        "expect": step_table.job_declared(job, settings),
        "checks": step_table.job_checks(job, settings),
        "pre_clean": [p for name in job.steps for p in step_table.BY_NAME[name].pre_clean],
        "heavy_patterns": [p for g in produced for p in g.patterns],
        "clean_after": [] if keep_intermediates else [p for _, g in consumed for p in g.patterns],
        "drop_markers": (
            [] if keep_intermediates else list(dict.fromkeys(p for p, _ in consumed if p != job.name))
        ),
        "writes_marker": bool(produced),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Run one job of ISCE2 topsApp steps in a pair's topsApp directory, guarding ISCE2's silent failures "
        "and verifying the outputs listed for it in the step table (gunw_workflow/topsapp/steps.py)."
    )
    parser.add_argument(
        "--pair-dir",
        required=True,
        type=Path,
        help="pair directory (pair.json, inputs/, topsapp/ = ISCE2 cwd)",
    )
    parser.add_argument(
        "--job",
        required=True,
        choices=list(STEP_NAMES) + [j.name for j in step_table.ION_SUBJOBS],
        help="the job's working step; the idle steps it runs with follow from the properties (step table)",
    )
    parser.add_argument(
        "--properties",
        default=os.environ.get("GUNW_TOPSAPP_PROPERTIES"),
        help="JSON object of the config-derived topsApp properties (default: $GUNW_TOPSAPP_PROPERTIES, set by "
        "the workflow)",
    )
    parser.add_argument("--log", required=True, type=Path)
    parser.add_argument("--threads", type=int, default=1, help="OMP_NUM_THREADS for ISCE2")
    parser.add_argument(
        "--isce2-python", default="", help="ISCE2's interpreter (config isce2.python; '' = find it)"
    )
    parser.add_argument(
        "--omp-wait-policy",
        required=True,
        choices=["PASSIVE", "ACTIVE", ""],
        help="config isce2.omp_wait_policy",
    )
    parser.add_argument(
        "--keep-intermediates",
        choices=["True", "False", "true", "false"],
        required=True,
        help="False deletes heavy intermediates once this job is their last consumer",
    )
    parser.add_argument(
        "--water-mask",
        help="ion_subband: mask water in ISCE's sub-band interferograms after subband (docs/ionosphere.md)",
    )
    args = parser.parse_args(argv)
    if not args.properties:
        parser.error("no topsApp properties: give --properties or set GUNW_TOPSAPP_PROPERTIES")
    settings = json.loads(args.properties)
    pair = PairDir(args.pair_dir)
    try:
        job = job_named(args.job, settings)
        todo = plan(job, settings, args.keep_intermediates.lower() == "true")
        run_job(
            Path(pair.topsapp),
            job,
            args.log,
            threads=args.threads,
            expect=todo["expect"],
            checks=todo["checks"],
            pre_clean=todo["pre_clean"],
            clean_after=todo["clean_after"],
            heavy_marker=Path(pair.heavy_marker(job.name)) if todo["writes_marker"] else None,
            heavy_patterns=todo["heavy_patterns"],
            drop_markers=[Path(pair.heavy_marker(p)) for p in todo["drop_markers"]],
            render=(pair, {**settings, **step_table.job_overrides(job)}),
            # a side job (outside the PICKLE chain) leaves the later steps' PICKLEs alone
            invalidate_downstream=None if job.ion is not None and job.ion.side else args.pair_dir,
            isce2_python=args.isce2_python,
            omp_wait_policy=args.omp_wait_policy,
        )
        if job.name == "ion_subband" and args.water_mask:
            from gunw_workflow.ionosphere import stages as ion_stages

            record = ion_stages.run_mask(Path(pair.topsapp), args.water_mask)
            with open(args.log, "a") as fh:
                fh.write(f"# water mask applied to the sub-band interferograms: {json.dumps(record)}\n")
    except StepError as exc:
        print(f"error: {exc}", file=sys.stderr)
        args.log.parent.mkdir(parents=True, exist_ok=True)
        with open(args.log, "a") as fh:
            fh.write(f"error: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
