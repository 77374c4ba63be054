"""Command line of the double: ISCE's step mode, step range, logs and topsProc.xml (state: ``state``).

Why: the workflow drives topsApp one ``--dostep=`` per process and relies on ISCE's exact
(mis)behaviours: exit 0 on a missing PICKLE or unknown step, exit 1 on ``--dostep X``.
"""

from __future__ import annotations

import datetime as dt
import getopt
import os
import sys

from . import config, state, steps

ISCE_BANNER = "ISCE VERSION = 2.6.5, RELEASE_SVN_REVISION = ,RELEASE_DATE = 20260630, CURRENT_SVN_REVISION = "
# Not ISCE's: the double says what it is in every log next to the imitated banner, so products made through it
# can be told from real runs (isce_io.rasters.test_double_from_logs; the packager records it).
TEST_DOUBLE_MARKER = (
    "ISCE2 TEST DOUBLE = tests/isce2_double imitating topsApp.py 2.6.5 (not ISCE2: cheap stand-in rasters)"
)


def log_line(msg: str, level: str = "INFO", name: str = "isce.insar") -> str:
    now = dt.datetime.now()
    return f"{now:%Y-%m-%d %H:%M:%S},{now.microsecond // 1000:03d} - {name} - {level} - {msg}\n"


def usage() -> None:
    print("Usage: topsApp.py <input-file.xml> [--steps] [--start=<step>] [--end=<step>] [--dostep=<step>]")
    print("The currently supported sensors are:  ['SENTINEL1']")


class _StepRangeError(Exception):
    """A step range ISCE rejects with a message and exit code 0."""


def step_range(opts: list[str]) -> tuple[int, int]:
    """(first, last) index into STEP_NAMES from --start/--end/--dostep; getopt errors propagate."""
    names = steps.STEP_NAMES
    start, end = names[0], names[-1]
    parsed, _ = getopt.getopt(opts, "s:e:d:", ["start=", "end=", "dostep=", "steps", "next"])
    for o, a in parsed:
        if o == "--start":
            start = a
        elif o == "--end":
            end = a
        elif o == "--dostep":
            start = end = a
    if start not in names:
        raise _StepRangeError(f"ERROR: start={start} is not one of the named steps")
    if end not in names:
        raise _StepRangeError(f"ERROR: end={end} is not one of the named steps")
    i0, i1 = names.index(start), names.index(end)
    if i0 > i1:
        raise _StepRangeError(
            f"ERROR: start={start}, step number {i0} comes after end={end}, step number {i1}"
        )
    return i0, i1


def _start_logs(step_mode: bool) -> None:
    with open("isce.log", "a") as fh:
        fh.write(log_line(ISCE_BANNER))
        fh.write(log_line(TEST_DOUBLE_MARKER))
    open("topsinsar.log", "w").close()  # ISCE re-opens its (empty) application log in every process
    os.utime("topsinsar.log")
    print(ISCE_BANNER)
    print(TEST_DOUBLE_MARKER)
    print("Step processing" if step_mode else "Processing all steps")


def run_steps(cfg: dict, i0: int, i1: int, step_mode: bool) -> None:
    """Run steps i0..i1 on the predecessor's PICKLE (step mode) or blank state; one PICKLE per step."""
    app = cfg["app"]
    names = steps.STEP_NAMES
    run_state = state.blank_state()
    if step_mode and i0 > 0:
        run_state = state.load_pickle(app["pickle_load_dir"], names[i0 - 1], app)
    for name in names[i0 : i1 + 1]:
        print(f"Running step {name}")
        steps.run(name, steps.Context(cfg, run_state))
        with open("topsProc.xml", "w") as fh:
            fh.write(state.render_topsproc(run_state["procDoc"]))
        with open("isce.log", "a") as fh:
            fh.write(log_line(f"Finished step {name}", name="isce.topsinsar"))
        if step_mode:
            state.dump_pickle(app["pickle_dump_dir"], name, run_state, app)
        rest = names[names.index(name) + 1 :]
        print(f"The remaining steps are (in order):  {rest}" if rest else "The is the final step")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--help" in argv or "-h" in argv:
        usage()
        if "--steps" in argv:
            print("Available steps:", steps.STEP_NAMES)
        return 0
    opts = [a for a in argv if a.startswith("--")]
    files = [a for a in argv if not a.startswith("--")]
    step_mode = any(o.split("=")[0] in ("--steps", "--dostep", "--start", "--end", "--next") for o in opts)
    for f in files:
        if not os.path.isfile(f) and "=" not in f:
            msg = f"Error. The argument {f} is neither an input file nor a sequence object.param=val"
            print(f"Traceback (most recent call last):\nTypeError: {msg}", file=sys.stderr)
            return 1
    xml_files = [f for f in files if os.path.isfile(f)]
    try:
        cfg = config.load_config(config.implicit_config_files(os.getcwd(), xml_files) + xml_files)
    except config.ConfigError as err:
        print(err)
        return 1
    _start_logs(step_mode)
    try:
        i0, i1 = step_range(opts)
    except getopt.GetoptError as err:
        print(f"Traceback (most recent call last):\ngetopt.GetoptError: {err}", file=sys.stderr)
        return 1
    except _StepRangeError as err:
        print(err)
        return 0
    run_steps(cfg, i0, i1, step_mode)
    return 0
