"""Static quality gates: `snakemake --lint`, pinned snakefmt and ruff are clean, every script has --help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO
from gunw_workflow.cli import COMMANDS

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


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help(command):
    proc = _run(str(BIN / "gunw"), command, "--help")
    assert proc.returncode == 0 and f"usage: gunw {command}" in proc.stdout.lower(), proc.stderr[-2000:]


def test_gunw_lists_commands_and_suggests_on_typo():
    proc = _run(str(BIN / "gunw"))
    assert proc.returncode == 0 and all(name in proc.stdout for name in COMMANDS)
    proc = _run(str(BIN / "gunw"), "chek-pair")
    assert proc.returncode == 2 and "did you mean `gunw check-pair`" in proc.stderr
