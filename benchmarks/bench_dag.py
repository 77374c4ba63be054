"""Planning time of `snakemake -n` for 10, 100 and 1,000 pairs of synthetic (well-formed) scene ids.

A frame stack of N dates paired with their 3 nearest successors, on ARIA frame 25502 (track 164): ids follow the
real grammar, dates are 12 days apart and absolute orbits advance by 175 per 12 days, so every offline check passes
and the whole DAG (downloads, checks, 24 topsApp steps, packaging, validation per pair) is built.
Goal: <= 60 s for 1,000 pairs on 2 cores. Prints a table and writes benchmarks/results/bench_dag.json.

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


def plan_seconds(n_pairs: int, workdir: Path) -> tuple[float, int]:
    cfg = {"frame_id": 25502, "pairs": stack_pairs(n_pairs), "results_dir": str(workdir / "results")}
    cfg["cache_dir"] = str(workdir / "cache")
    path = workdir / f"pairs_{n_pairs}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "-n",
        "--quiet",
        "rules",
        "--configfile",
        str(path),
        "--cores",
        "2",
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"snakemake -n failed for {n_pairs} pairs:\n{proc.stderr[-3000:]}")
    jobs = next(int(line.split()[-1]) for line in proc.stdout.splitlines() if line.startswith("total"))
    return elapsed, jobs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            seconds, jobs = plan_seconds(n, Path(tmp))
            rows.append(
                {"pairs": n, "jobs": jobs, "seconds": round(seconds, 2), "goal_ratio": round(seconds / 60, 3)}
            )
            print(
                f"{n:6d} pairs  {jobs:7d} jobs  {seconds:7.1f} s  ({seconds / 60:.2f} of the 60 s goal)",
                flush=True,
            )
    out = REPO / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "bench_dag.json").write_text(json.dumps({"cpus": os.cpu_count(), "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
