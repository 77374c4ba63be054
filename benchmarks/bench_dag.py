"""Planning time of `snakemake -n` for 10, 100 and 1,000 pairs of synthetic (well-formed) scene ids.

A frame stack of N dates paired with their 3 nearest successors, on ARIA frame 25502 (track 164): ids follow the
real grammar, dates are 12 days apart and absolute orbits advance by 175 per 12 days, so every offline check passes
and the whole DAG (downloads, checks, the topsApp jobs, packaging, validation per pair) is built.

The floor, measured in the same run: a bare Snakefile whose pairs are plain chains of `touch` rules with the same
number of jobs. The ratio to it is what the workflow's own planning costs (input functions, params, validation);
the floor is what any Snakemake DAG of that size costs on this machine. Goal: <= 30 s for 1,000 pairs on 2 cores.
Prints a table and writes benchmarks/results/bench_dag.json.

    python benchmarks/bench_dag.py [--sizes 10 100 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def scene_id(date: datetime, orbit: int, rng: random.Random) -> str:
    start = date.strftime("%Y%m%dT%H%M%S")
    stop = (date + timedelta(seconds=27)).strftime("%Y%m%dT%H%M%S")
    return (
        f"S1A_IW_SLC__1SDV_{start}_{stop}_{orbit:06d}_{rng.randrange(16**6):06X}_{rng.randrange(16**4):04X}"
    )


def stack_pairs(n_pairs: int, neighbours: int = 3, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    n_dates = n_pairs // neighbours + neighbours + 1
    first, orbit0 = datetime(2017, 1, 3, 22, 28, 3), 236 + 175 * 80  # track 164
    scenes = [scene_id(first + timedelta(days=12 * i), orbit0 + 175 * i, rng) for i in range(n_dates)]
    pairs = []
    for i in range(n_dates):
        for k in range(1, neighbours + 1):
            if i + k < n_dates and len(pairs) < n_pairs:
                pairs.append({"reference_scenes": [scenes[i + k]], "secondary_scenes": [scenes[i]]})
    return pairs


GOAL_1000_PAIRS_S = 30.0


def _dry_run(args: list[str], cwd: Path, what: str) -> tuple[float, int]:
    cmd = [sys.executable, "-m", "snakemake", "-n", "--quiet", "rules", "--cores", "2", *args]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"snakemake -n failed for {what}:\n{proc.stderr[-3000:]}")
    jobs = next(int(line.split()[-1]) for line in proc.stdout.splitlines() if line.startswith("total"))
    return elapsed, jobs


def plan_seconds(n_pairs: int, workdir: Path) -> tuple[float, int]:
    cfg = {"frame_id": 25502, "pairs": stack_pairs(n_pairs), "results_dir": str(workdir / "results")}
    cfg["cache_dir"] = str(workdir / "cache")
    path = workdir / f"pairs_{n_pairs}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return _dry_run(["--configfile", str(path)], REPO, f"{n_pairs} pairs")


def floor_seconds(n_pairs: int, jobs: int, workdir: Path) -> tuple[float, int]:
    """Planning time of bare chains: n_pairs chains of touch rules, `jobs` jobs in all (+ rule all)."""
    per_pair = max(1, round((jobs - 1) / n_pairs))
    rules = [
        f'rule all:\n    input: expand("{{p}}/r{per_pair - 1}", p=PAIRS)\n',
        'rule r0:\n    output: "{p}/r0"\n    shell: "touch {output}"\n',
    ]
    rules += [
        f'rule r{i}:\n    input: "{{p}}/r{i - 1}"\n    output: "{{p}}/r{i}"\n    shell: "touch {{output}}"\n'
        for i in range(1, per_pair)
    ]
    floor = workdir / f"floor_{n_pairs}"
    floor.mkdir()
    (floor / "Snakefile").write_text(
        f"PAIRS = [f'pair{{i}}' for i in range({n_pairs})]\n\n" + "\n".join(rules)
    )
    return _dry_run([], floor, f"the {n_pairs}-pair floor")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    args = parser.parse_args(argv)
    rows = []
    print(f"{'pairs':>6}  {'jobs':>7}  {'plan s':>7}  {'floor s':>7}  {'ratio':>5}  goal (1,000 pairs: 30 s)")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            seconds, jobs = plan_seconds(n, Path(tmp))
            floor, floor_jobs = floor_seconds(n, jobs, Path(tmp))
            rows.append(
                {
                    "pairs": n,
                    "jobs": jobs,
                    "seconds": round(seconds, 2),
                    "floor_jobs": floor_jobs,
                    "floor_seconds": round(floor, 2),
                    "ratio_to_floor": round(seconds / floor, 2),
                }
            )
            print(
                f"{n:6d}  {jobs:7d}  {seconds:7.1f}  {floor:7.1f}  {seconds / floor:5.2f}"
                + (f"  {seconds / GOAL_1000_PAIRS_S:.2f} of the goal" if n == 1000 else ""),
                flush=True,
            )
    out = REPO / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "bench_dag.json").write_text(
        json.dumps({"cpus": os.cpu_count(), "goal_1000_pairs_s": GOAL_1000_PAIRS_S, "rows": rows}, indent=1)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
