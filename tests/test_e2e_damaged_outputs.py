"""Partial outputs cannot pass: a step that loses one burst file or writes a raster shorter than its header says
fails in the step that wrote it, leaves nothing that looks finished, and the next (healthy) run makes it again.

The ISCE2 double runs behind a shim topsApp.py that damages one output after the real step, as a full disk, a
killed writer or an ISCE2 bug would.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import DOUBLE_BIN, REPO
from e2e import double_env, run_snakemake, snakemake_cmd

pytestmark = pytest.mark.e2e
DEMO = REPO / "config" / "demo.yaml"

DAMAGE = {
    # step -> python run in the topsApp directory after the real step (in pipeline order: each case re-runs only
    # its step, the intermediates are kept)
    "topo": "import os; os.remove('geom_reference/IW1/lat_03.rdr')",
    "fineresamp": "import os; os.remove('fine_coreg/IW1/burst_02.slc')",
    "mergebursts": ("import os; p = 'merged/topophase.cor'; n = os.path.getsize(p); os.truncate(p, n // 2)"),
}


def _damaging_shim(bin_dir: Path, step: str) -> Path:
    bin_dir.mkdir(parents=True, exist_ok=True)
    shim = bin_dir / "topsApp.py"
    shim.write_text(
        "#!/usr/bin/env python3\nimport subprocess, sys\n"
        f"rc = subprocess.call([sys.executable, {str(DOUBLE_BIN / 'topsApp.py')!r}] + sys.argv[1:])\n"
        f"if rc == 0 and '--end={step}' in sys.argv:\n    {DAMAGE[step]}\n"
        "sys.exit(rc)\n"
    )
    shim.chmod(0o755)
    return bin_dir


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("damage")


@pytest.mark.parametrize("step", list(DAMAGE))
def test_damaged_output_fails_its_step_and_the_next_run_remakes_it(work, step):
    until, keep = f"topsapp_{step}", {"keep_intermediates": True}
    shim = _damaging_shim(work / f"shim-{step}", step)
    proc = subprocess.run(
        snakemake_cmd(work, DEMO, "--until", until, "--forcerun", until, config=keep),
        env=double_env([shim]),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode != 0, "a damaged output passed"
    (pair,) = [p for p in (work / "demo" / "results").iterdir() if (p / "topsapp").is_dir()]
    log = (pair / "logs" / f"topsapp_{step}.log").read_text()
    expected = "its header says" if step == "mergebursts" else "missing or empty (expected"
    assert expected in log, log[-2000:]
    assert not (pair / "topsapp" / "PICKLE" / step).exists()  # nothing that looks finished
    # the next healthy run re-makes the step (and what follows) and finishes
    healthy = run_snakemake(work, DEMO, "--until", until, config=keep)
    assert f"rule {until}:" in healthy.stdout + healthy.stderr
    assert (pair / "topsapp" / "PICKLE" / step).is_file()
