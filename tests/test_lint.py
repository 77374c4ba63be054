"""Static quality gates: `snakemake --lint`, pinned snakefmt and ruff are clean, every script has --help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

BIN = Path(sys.executable).parent


def _run(*cmd):
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)


def test_snakemake_lint_is_clean():
    proc = _run(sys.executable, "-m", "snakemake", "--lint")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_snakefmt_is_clean():
    proc = _run(str(BIN / "snakefmt"), "--check", "Snakefile", "workflow")
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_ruff_is_clean():
    proc = _run(str(BIN / "ruff"), "check", "scripts", "tests", "benchmarks")
    assert proc.returncode == 0, proc.stdout[-3000:]


@pytest.mark.parametrize("script", sorted(p.name for p in (REPO / "scripts").glob("*.py")))
def test_every_script_runs_standalone_with_help(script):
    path = REPO / "scripts" / script
    assert path.read_text().startswith("#!/usr/bin/env python3") and path.stat().st_mode & 0o111
    proc = _run(sys.executable, str(path), "--help")
    assert proc.returncode == 0 and "usage" in proc.stdout.lower(), proc.stderr[-2000:]
