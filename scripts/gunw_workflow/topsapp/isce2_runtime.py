"""How a topsApp step starts ISCE2: which topsApp.py, which Python, which environment.

ISCE2's applications start with ``#!/usr/bin/env python3`` and ISCE2 starts more of them through the shell
(imageMath.py, looks.py, ...). When the project's environment comes first on PATH they would run with the
project's Python and die (``No module named 'osgeo'``); when ISCE2's comes first, the project's own commands
would. So the step finds ISCE2's interpreter, runs topsApp.py with it and puts that interpreter's directory
first on the PATH of the ISCE2 process only (docs/isce2-steps.md, "Running ISCE2").
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

TOPSAPP = "topsApp.py"
# ISCE2 imports GDAL's bindings; a Python that has isce but not osgeo fails in the first step that reads a raster
PROBE = "import isce, osgeo"


class Isce2NotFound(RuntimeError):
    """No usable ISCE2: the message says how to get one."""


def _search_path(env: dict) -> list[str]:
    dirs = []
    home = env.get("ISCE_HOME")
    if home:
        dirs += [str(Path(home) / "applications"), str(Path(home) / "bin")]
    return dirs + [d for d in env.get("PATH", "").split(os.pathsep) if d]


def find_topsapp(env: dict) -> Path:
    found = shutil.which(TOPSAPP, path=os.pathsep.join(_search_path(env)))
    if found is None:
        raise Isce2NotFound(
            f"ISCE2's {TOPSAPP} is not on PATH. Run the workflow with `--sdm conda` (uses envs/isce2.yaml) or "
            "install ISCE2 >= 2.6.4 from conda-forge and put its bin/ (or $ISCE_HOME/applications) on PATH."
        )
    return Path(found)


def _imports_isce(python: str, env: dict) -> bool:
    try:
        proc = subprocess.run([python, "-c", PROBE], env=env, capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def _shebang_python(topsapp: Path, env: dict) -> str | None:
    """What topsApp.py's own ``#!`` line would run (``/usr/bin/env python3`` resolved on PATH)."""
    with open(topsapp, "rb") as fh:
        first = fh.readline().decode(errors="replace")
    if not first.startswith("#!"):
        return None
    words = first[2:].split()
    if words and Path(words[0]).name == "env" and len(words) > 1:
        words = words[1:]
    if not words or not Path(words[0]).name.startswith("python"):
        return None  # a wrapper script (sh, ...): it chooses its own interpreter
    return shutil.which(words[0], path=os.pathsep.join(_search_path(env)))


def find_python(topsapp: Path, configured: str, env: dict) -> str | None:
    """ISCE2's interpreter: the configured one; else python3 beside topsApp.py (conda's bin/); else the first
    python3 on PATH that imports isce and osgeo; else the Python topsApp.py's shebang finds; None when topsApp.py
    is not a Python script (a site's wrapper), which then runs as it is."""
    if configured:
        if not os.access(configured, os.X_OK):
            raise Isce2NotFound(f"isce2.python {configured!r} is not an executable; fix the config key")
        return configured
    beside = [topsapp.parent / "python3", topsapp.resolve().parent / "python3"]
    for python in beside:
        if python.is_file() and os.access(python, os.X_OK):
            return str(python)
    seen = set()
    for d in _search_path(env):
        python = Path(d) / "python3"
        if python.is_file() and str(python) not in seen and _imports_isce(str(python), env):
            return str(python)
        seen.add(str(python))
    return _shebang_python(topsapp, env)


def environment(python: str | None, threads: int, omp_wait_policy: str, base: dict | None = None) -> dict:
    """The ISCE2 process's environment: OpenMP settings and ISCE2's interpreter first on its PATH."""
    env = dict(os.environ if base is None else base)
    env["OMP_NUM_THREADS"] = str(threads)
    if omp_wait_policy and "OMP_WAIT_POLICY" not in env:
        env["OMP_WAIT_POLICY"] = omp_wait_policy
    first = [str(Path(python).parent)] if python else []
    if env.get("ISCE_HOME"):
        first += [str(Path(env["ISCE_HOME"]) / "applications"), str(Path(env["ISCE_HOME"]) / "bin")]
    env["PATH"] = os.pathsep.join(first + [env.get("PATH", "")])
    return env


def command(python: str | None, topsapp: Path, *args: str) -> list[str]:
    return ([python] if python else []) + [str(topsapp), *args]
