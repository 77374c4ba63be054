"""One writer per results_dir: the Snakemake run that executes jobs holds an exclusive lock on it.

Snakemake's own lock lives in the working directory's .snakemake/, so a second run started from another directory
on the same results_dir does not see it, and would rewrite a running pair's pair.json and staged inputs under the
first run's steps. The lock is an flock on <results_dir>/.gunw-run.lock, held by the main Snakemake process for
its lifetime (released by the kernel when it exits, even when killed), so no stale lock is ever left behind.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path


class RunLocked(RuntimeError):
    """Another run holds the lock; the message says who and what to do."""


def acquire(path: str):
    """Take the lock (non-blocking) and return the open file, which must stay referenced; raise RunLocked."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip() or "(unknown)"
        fh.close()
        raise RunLocked(
            f"another Snakemake run is writing into {Path(path).parent}: {holder}. Two runs on one results_dir "
            "would overwrite each other's pair files. Wait for it to finish (or stop it), or use another "
            "results_dir."
        ) from None
    fh.seek(0)
    fh.truncate()
    fh.write(
        json.dumps(
            {"pid": os.getpid(), "host": socket.gethostname(), "cwd": os.getcwd(), "since": time.ctime()}
        )
    )
    fh.flush()
    return fh
