"""ISCE2 installed the way users have it: in its own Python environment, with the project's venv first on PATH.

The fake ISCE2 is a separate venv whose `topsApp.py` and helper app `imageMath.py` start with
`#!/usr/bin/env python3` and need modules only that venv has (`isce`, `osgeo` markers), like a stock ISCE2 next
to a project venv. The step runner must run topsApp.py, and the helper apps ISCE2 starts through the shell, with
ISCE2's interpreter; the project's own commands keep the project's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

from conftest import DOUBLE_BIN, REPO
from e2e import snakemake_cmd

pytestmark = pytest.mark.e2e

FAKE_TOPSAPP = textwrap.dedent(
    """\
    #!/usr/bin/env python3
    import subprocess, sys
    import isce, osgeo  # only ISCE2's own environment has these: the project's Python dies here
    # ISCE2 starts helper applications through the shell, each with its own `#!/usr/bin/env python3`
    subprocess.run("imageMath.py --probe", shell=True, check=True)
    sys.path.insert(0, {double_pkg!r})
    from isce2_double.app import main
    sys.exit(main())
    """
)
FAKE_HELPER = "#!/usr/bin/env python3\nimport isce, osgeo\n"


def _fake_isce2(root: Path) -> Path:
    """A venv with marker modules isce/osgeo, the double as topsApp.py and a helper app; returns its bin/."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    site = Path(
        subprocess.run(
            [
                str(root / "bin" / "python3"),
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    for marker in ("isce", "osgeo"):
        (site / marker).mkdir()
        (site / marker / "__init__.py").write_text("")
    # numpy & co. for the double come from the project's site-packages, after the venv's own
    (site / "project.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    for name, text in (
        ("topsApp.py", FAKE_TOPSAPP.format(double_pkg=str(DOUBLE_BIN.parent))),
        ("imageMath.py", FAKE_HELPER),
    ):
        path = root / "bin" / name
        path.write_text(text)
        path.chmod(0o755)
    return root / "bin"


def _run(work: Path, fake_bin: Path, *extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    # the project's venv first (as `make demo` and an activated venv do), ISCE2's environment after it
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), str(fake_bin), env.get("PATH", "")])
    env.pop("ISCE_HOME", None)
    cmd = snakemake_cmd(work, REPO / "config" / "demo.yaml", *extra)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)


def test_stock_isce2_in_its_own_environment_runs_every_step(tmp_path):
    fake_bin = _fake_isce2(tmp_path / "isce2-env")
    # proof that the setup reproduces the trap: the project's Python cannot run ISCE2's topsApp.py
    direct = subprocess.run([sys.executable, str(fake_bin / "topsApp.py")], capture_output=True, text=True)
    assert "No module named 'isce'" in direct.stderr

    proc = _run(tmp_path / "work", fake_bin)
    assert proc.returncode == 0, proc.stderr[-4000:]
    (pair,) = [p for p in (tmp_path / "work" / "demo" / "results").iterdir() if (p / "product").is_dir()]
    assert (pair / "product" / "validated.ok").is_file()
    log = (pair / "logs" / "topsapp_preprocess.log").read_text()
    assert log.startswith(f"# {fake_bin / 'python3'} {fake_bin / 'topsApp.py'}"), log[:300]
    assert "OMP_WAIT_POLICY=PASSIVE" in log


def test_a_configured_interpreter_wins_and_a_wrong_one_fails_loudly(tmp_path):
    fake_bin = _fake_isce2(tmp_path / "isce2-env")
    proc = _run(
        tmp_path / "work",
        fake_bin,
        "--until",
        "topsapp_preprocess",
        "--config",
        f"isce2={{'python': '{sys.executable}', 'omp_wait_policy': 'PASSIVE'}}",
    )
    assert proc.returncode != 0
    (pair,) = [
        p for p in (tmp_path / "work" / "demo" / "results").iterdir() if p.is_dir() and p.name != "products"
    ]
    log = (pair / "logs" / "topsapp_preprocess.log").read_text()
    assert "No module named 'isce'" in log and "failed with exit code" in log
