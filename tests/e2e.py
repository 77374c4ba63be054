"""Helpers to run the real Snakemake workflow (subprocess, like a user) with the ISCE2 test double on PATH."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from conftest import DOUBLE_BIN, REPO


def double_env(extra_path: list[Path] | None = None) -> dict:
    """PATH with the ISCE2 double first and this interpreter's bin dir (python3 with numpy etc.) next."""
    env = dict(os.environ)
    parts = [str(p) for p in (extra_path or [])] + [str(DOUBLE_BIN), str(Path(sys.executable).parent)]
    env["PATH"] = os.pathsep.join(parts + [env.get("PATH", "")])
    env.pop("ISCE_HOME", None)
    return env


def configfiles(configfile: Path | Sequence[Path]) -> list[Path]:
    """One config file or several (later files override earlier ones key by key, as Snakemake merges them)."""
    return [configfile] if isinstance(configfile, (str, Path)) else list(configfile)


def merged_config(configfile: Path | Sequence[Path]) -> dict:
    """The configuration Snakemake sees for these files (before schema defaults): nested dicts merged in order."""

    def update(base: dict, new: dict) -> dict:
        for key, value in new.items():
            if isinstance(value, dict) and isinstance(base.get(key), dict):
                update(base[key], value)
            else:
                base[key] = value
        return base

    out: dict = {}
    for f in configfiles(configfile):
        update(out, yaml.safe_load(Path(f).read_text()) or {})
    return out


def snakemake_cmd(
    workdir: Path, configfile: Path | Sequence[Path], *args: str, config: dict | None = None, cores: int = 2
) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        *[str(f) for f in configfiles(configfile)],
        "--cores",
        str(cores),
    ]
    if config:
        cmd += ["--config"] + [f"{k}={v}" for k, v in config.items()]
    return cmd + list(args)


def run_snakemake(
    workdir: Path, configfile: Path, *args: str, config: dict | None = None, check=True, timeout=900
):
    proc = subprocess.run(
        snakemake_cmd(workdir, configfile, *args, config=config),
        env=double_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-6000:]}")
    return proc


def planned_jobs(output: str) -> dict[str, str]:
    """rule name -> its `reason:` line, from `snakemake -n` output (one entry per rule)."""
    jobs, rule = {}, None
    for line in output.splitlines():
        m = re.match(r"^(?:local)?rule (\S+):$", line.strip())
        if m:
            rule = m.group(1)
            jobs.setdefault(rule, "")
        elif rule and line.strip().startswith("reason:"):
            jobs[rule] = line.strip()[len("reason:") :].strip()
    return jobs


def executed_rules(output: str) -> list[str]:
    return [m.group(1) for m in re.finditer(r"^(?:local)?rule (\S+):$", output, flags=re.M)]
