"""Kill points for the kill test (tests/test_e2e_matrix.py): loaded by every Python process of a Snakemake run
whose PYTHONPATH starts with this directory, armed only when $GUNW_KILL_PLAN names a plan file.

A plan is a JSON list of points: {"id", "argv" (a substring of the process's command line), "event" ("write":
a file opened for writing, "unlink": a file deleted, "replace": a file renamed into place, "exit": the process
ending normally), "path" (a substring of the file's path), "nth" (which matching event)}. When a point is reached
for the first time, the whole Snakemake process tree (Snakemake and every job it runs) is killed with SIGKILL at
that instant, as a node failure or a SLURM time limit would; the point is recorded as fired and never fires
again. The processes being tested are not changed in any other way.
"""

import atexit
import builtins
import io
import json
import os
import signal
import sys

_PLAN = os.environ.get("GUNW_KILL_PLAN")


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as fh:
        return int(fh.read().rsplit(")", 1)[1].split()[1])


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _snakemake_root() -> int:
    """The outermost ancestor running snakemake (the one the test started)."""
    pid, root = os.getpid(), os.getpid()
    while pid > 1:
        if "snakemake" in _cmdline(pid):
            root = pid
        pid = _parent(pid)
    return root


def _kill_tree() -> None:
    root = _snakemake_root()
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                children.setdefault(_parent(int(entry)), []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    for pid in [p for p in tree if p != os.getpid()] + [os.getpid()]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _arm(plan_file: str) -> None:
    fired_dir = os.path.dirname(os.path.abspath(plan_file))
    cmdline = " ".join(sys.argv)
    with open(plan_file) as fh:
        points = [
            p
            for p in json.load(fh)
            if p["argv"] in cmdline and not os.path.exists(os.path.join(fired_dir, p["id"] + ".fired"))
        ]
    if not points:
        return
    counts = {p["id"]: 0 for p in points}

    def reached(event: str, path) -> None:
        for p in points:
            if p["event"] == event and p["path"] in str(path):
                counts[p["id"]] += 1
                if counts[p["id"]] == p["nth"]:
                    with open(os.path.join(fired_dir, p["id"] + ".fired"), "w") as fh:
                        fh.write(f"{cmdline}\n{path}\n")
                    _kill_tree()

    real_open, real_unlink, real_replace = builtins.open, os.unlink, os.replace

    def open_(file, mode="r", *args, **kwargs):
        f = real_open(file, mode, *args, **kwargs)
        if any(c in mode for c in "wax+"):
            reached("write", file)
        return f

    def unlink(path, *args, **kwargs):
        real_unlink(path, *args, **kwargs)
        reached("unlink", path)

    def replace(src, dst, *args, **kwargs):
        reached("replace", dst)
        real_replace(src, dst, *args, **kwargs)

    builtins.open = io.open = open_  # pathlib opens through io.open
    os.unlink, os.remove, os.replace = unlink, unlink, replace
    atexit.register(lambda: reached("exit", ""))


if _PLAN:
    _arm(_PLAN)
