"""The README says what a user sees: its "How to inspect a run" commands work as written on a finished run (the
double demo of the `demo_double` fixture), and its output tables name the files a run writes.

Commands that would execute jobs get `-n` so the shared run is not changed; `results/<pair>` becomes the run's
pair directory and `report.html` a temporary file.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

import test_e2e_matrix
from conftest import REPO
from e2e import double_env, snakemake_cmd

pytestmark = pytest.mark.e2e
README = (REPO / "README.md").read_text()


def _section_block(title: str) -> list[str]:
    """The command lines (comments and continuation comments dropped) of the first bash block under ``title``."""
    section = README[README.index(f"## {title}") :]
    block = section[
        section.index("```bash") + len("```bash") : section.index("```", section.index("```bash") + 7)
    ]
    lines = [line.split("  #")[0].strip() for line in block.strip().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def test_inspect_section_lists_the_usual_habits():
    commands = " ".join(_section_block("How to inspect a run"))
    for flag in ("-n", "--summary", "--until", "--report", "--dag 2>/dev/null | head", "/topsapp/PICKLE/"):
        assert flag in commands, flag


# what each command must print (stdout + stderr), by a flag it contains
EXPECT = {
    "--summary": "output_file",
    "--list-rules": "report_pair",
    "--forcerun": "topsapp_filter",
    "--dag": "digraph",
}


def _prepared(line: str, run, report: Path) -> tuple[list[str], str]:
    """The README line as a command on the finished demo: its snakemake arguments and any shell pipe tail."""
    line = line.replace("results/<pair>", str(run.pair_dir.relative_to(run.workdir)))
    line = line.replace("report.html", str(report))
    tail = ""
    if "|" in line:
        line, tail = line.split(" 2>/dev/null |", 1) if "2>/dev/null" in line else line.split("|", 1)
    args = shlex.split(line)
    assert args[0] == "snakemake", line
    args = args[1:]
    if "--cores" in args and "-n" not in args:
        args.append("-n")  # would run jobs: plan only, the finished run stays as it is
    return snakemake_cmd(run.workdir, test_e2e_matrix.Matrix.files("demo_30m"), *args), tail.strip()


def _run_line(cmd: list[str], tail: str) -> tuple[int, str]:
    if tail:
        shell = shlex.join(cmd) + " 2>/dev/null | " + tail
        proc = subprocess.run(
            shell, shell=True, env=double_env(), capture_output=True, text=True, timeout=300
        )
        return proc.returncode, proc.stdout
    proc = subprocess.run(cmd, env=double_env(), capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def test_inspect_commands_work_as_written(demo_double, tmp_path):
    run = demo_double
    report = tmp_path / "report.html"
    lines = _section_block("How to inspect a run")
    with ThreadPoolExecutor(2) as pool:  # read-only commands on one finished run: two at a time on 2 cores
        results = list(pool.map(lambda line: _run_line(*_prepared(line, run, report)), lines))
    for line, (code, out) in zip(lines, results, strict=True):
        assert code == 0, (line, out[-3000:])
        expected = next((v for k, v in EXPECT.items() if k in line), None)
        if expected:
            assert expected in out, (line, out[-2000:])
        elif "--report" in line:
            assert report.stat().st_size > 100_000
        else:
            assert "Nothing to be done" in out, (line, out[-2000:])  # the run is complete


def test_output_table_names_what_a_run_writes(demo_double):
    run = demo_double
    results = run.workdir / run.config["results_dir"]
    section = README[README.index("## Where every output lands") : README.index("## How to inspect a run")]
    rows = [
        r
        for r in section.splitlines()
        if r.startswith("| `") and "cache_dir" not in r and ".snakemake" not in r
    ]
    assert len(rows) >= 8
    for row in rows:
        for path in re.findall(r"`([^`]+)`", row.split("|")[1]):
            path = path.replace("<pair>", run.pair_dir.name).replace("<rule>", "package_gunw")
            if "<id>" in path:
                (product,) = (results / "products").iterdir()
                path = path.replace("<id>", product.name)
            if path.startswith("."):  # `.json`, `.png`: the sidecars of the row's first file
                continue
            found = list(results.glob(path.rstrip("/")))
            assert found, f"README names {path}, the run has no such file"
            if path.endswith("/"):  # a directory: the files its description names are in it
                for name in re.findall(r"`([\w.]+\.\w+|\w+/)`", row.split("|")[2]):
                    assert (found[0] / name).exists(), f"README says {path} holds {name}"
    for make_target, results_dir in (
        ("make demo-double", "demo/results-double"),
        ("make demo", "demo/results"),
    ):
        assert re.search(rf"`{make_target}` \| `{results_dir}/<pair>/`", README), make_target
    makefile = (REPO / "Makefile").read_text()
    assert "results_dir=demo/results-double" in makefile
    assert Path(REPO / "config" / "demo.yaml").read_text().count("results_dir: demo/results\n") == 1


def _job_resources(plan: str, rule: str) -> str:
    """The `resources:` line of ``rule``'s job in a `snakemake -n` plan."""
    block = plan[plan.index(f"rule {rule}:") :]
    return next(line for line in block.splitlines() if line.strip().startswith("resources:"))


def test_resources_example_is_accepted_and_applied(tmp_path):
    """The README's `resources:` example is a valid config: every name is a rule or a step (unknown names stop
    the run), and each override reaches the jobs it names."""
    start = README.index("```yaml\n  resources:") + len("```yaml\n")
    example = yaml.safe_load(textwrap.dedent(README[start : README.index("```", start)]))
    overrides = tmp_path / "resources.yaml"
    overrides.write_text(yaml.safe_dump(example))
    files = [REPO / "config" / "demo.yaml", overrides]
    plan = subprocess.run(
        snakemake_cmd(tmp_path, files, "-n", config={"results_dir": str(tmp_path / "results")}),
        env=double_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert plan.returncode == 0, plan.stderr[-3000:]
    for rule in ("topsapp_ion_subband", "topsapp_ion_rawion", "topsapp_ion_ramps"):
        assert "mem_mb=32000" in _job_resources(plan.stdout, rule), rule
    assert "runtime=600" in _job_resources(plan.stdout, "topsapp_unwrap")
    assert "runtime=240" in _job_resources(plan.stdout, "package_gunw")  # default: every modelled rule
