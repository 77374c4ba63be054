"""Per-rule job resources (threads, mem_mb, runtime, disk_mb), defined once, scaled with the pair.

Why one table: the rules, the SLURM profile and the README all need the same numbers, and they must grow with the
work (number of bursts, output resolution) instead of being one size for every job. ISCE2 steps read
``threads`` as ``OMP_NUM_THREADS``.

Model, per rule (``Cost``):
  estimate_minutes = base_min + min_per_burst * n_bursts * time_res_factor * (default_threads / threads) ** parallel
  runtime (minutes, the SLURM time limit) = round_up_5(max(min_runtime, RUNTIME_SAFETY * estimate_minutes))
  mem_mb = base_mem_mb + mem_per_burst_mb * n_bursts * sqrt(pixel_res_factor)
  disk_mb = base_disk_mb + disk_per_burst_mb * n_bursts * pixel_res_factor
``res`` says which grid the per-burst work is on: "full" (full-resolution bursts: unaffected by the output
resolution), "looks" (the multilooked radar grid: 19x7 looks at 90 m vs 7x3 at 30 m, 133/21 = 6.3x the pixels), or
"geo" (the geocoded output grid: (90/30)^2 = 9x). Memory grows with the square root (ISCE2 works line-blocked, so
memory follows the line width, not the area).

Calibration (documented so it can be redone):
  * Reference job: a full GUNW frame, 27 bursts (3 swaths x 9), 90 m, 4 OpenMP threads. HyP3 records 1.8-2.7 h
    and ~16 GB for it; the per-burst minutes below sum to ~2.6 h for the steps of the standard product
    (ionosphere on, ESD and dense offsets off), and the largest memory request (ionosphere) is ~16 GB.
  * Relative weights between steps: the recorded ISCE2 2.6.5 run (docs/isce2-steps.md; its ESD variant, the
    widest bursts) wall times minus ~0.55 s process start-up; disk per burst from its bytes written (topo writes
    ~36 % of all bytes: lat/lon/hgt/los at full resolution, ~1.3 GB per real burst), scaled to 100-150 GB per GUNW.
  * topo thread scaling: 63 -> 23 -> 8 -> 4 min for 1 -> 4 -> 16 -> 64 threads fits time ~ threads^-0.73
    (``parallel``); snaphu is single-threaded (``parallel`` 0, 1 thread).
  * The time limit is RUNTIME_SAFETY (2.5x) the estimate, at least ``min_runtime``: timeouts cost a whole
    re-run of the step (HyP3 raised its job limit 3 h -> 6 h), a loose limit only costs queue priority.
    A retried job (Snakemake ``--retries``) asks for the same; raise a step under ``resources:`` instead.

Overrides: the config's ``resources:`` mapping, keys = rule name (``topsapp_topo``), topsApp step name (``topo``) or
``default`` (all rules); values = any of threads / mem_mb / runtime / disk_mb. Precedence: rule > step > default
> model. An overridden ``threads`` also rescales the modelled runtime (unless runtime is overridden too).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass

KEYS = ("threads", "mem_mb", "runtime", "disk_mb")
RUNTIME_SAFETY = 2.5
REFERENCE_BURSTS = 27  # 3 swaths x 9 bursts: one GUNW frame
LOOKS = {90: 19 * 7, 30: 7 * 3}  # range x azimuth looks of the merged products (config docs / reference tool)


@dataclass(frozen=True)
class Cost:
    """How one rule's needs grow with the pair (see the module docstring for the formulas)."""

    threads: int = 1
    base_min: float = 1.0
    min_per_burst: float = 0.0
    parallel: float = 0.0
    res: str = "full"
    base_mem_mb: int = 1000
    mem_per_burst_mb: float = 0.0
    base_disk_mb: int = 100
    disk_per_burst_mb: float = 0.0
    min_runtime: int = 10


# Workflow rules around topsApp. Downloads are network-bound (threads 1; their number is capped by the
# `downloads` resource in the profiles, not here); packaging computes geometry cubes and solid-earth tides.
LIGHT = Cost(1, 1, 0.0, 0.0, "full", 1000, 0, 100, 0, min_runtime=10)
OTHER: dict[str, Cost] = {
    "all": LIGHT,
    "resolve_pair": LIGHT,
    "check_pair": LIGHT,
    "validate_gunw": Cost(1, 1, 0.0, 0.0, "geo", 2000, 0, 100, 0),
    # per-pair staging: orbit copies + SAFE paths; DEM headers/links valid from the topsApp dir (small I/O)
    "stage_scenes": Cost(1, 1, 0.0, 0.0, "full", 1000, 0, 100, 0),
    "stage_dem": Cost(1, 1, 0.0, 0.0, "full", 1000, 0, 1000, 0),
    "download_slc": Cost(1, 30, 0.0, 0.0, "full", 1000, 0, 9000, 0, min_runtime=120),
    # burst mode, one date: ~27 bursts of ~150 MB fetched, then burst2safe holds one swath's bursts in memory
    # (complex64) while it writes the SAFE's measurement: bursts + SAFE on disk
    "burst_safe": Cost(1, 30, 0.0, 0.0, "full", 6000, 0, 9000, 0, min_runtime=120),
    "download_orbit": Cost(1, 5, 0.0, 0.0, "full", 1000, 0, 100, 0, min_runtime=30),
    "download_dem": Cost(1, 10, 0.0, 0.0, "full", 3000, 0, 3000, 0, min_runtime=60),
    "download_water_mask": Cost(1, 10, 0.0, 0.0, "full", 3000, 0, 1000, 0, min_runtime=60),
    # resamples the frame's 1" DEM to the output posting (no network)
    "resample_dem": Cost(1, 3, 0.0, 0.0, "full", 3000, 0, 2000, 0, min_runtime=15),
    # the offline demo's synthetic pair (gunw_workflow.demo)
    "generate_demo_pair": Cost(1, 2, 0.0, 0.0, "full", 2000, 0, 1000, 0, min_runtime=10),
    "package_gunw": Cost(2, 5, 0.30, 0.5, "geo", 4000, 40, 1000, 10, min_runtime=30),
    # the Snakemake report's items (matplotlib; the quick-look draws at most 1,500 pixels a side)
    "report_pair": Cost(1, 2, 0.0, 0.0, "full", 1000, 0, 100, 0, min_runtime=10),
    "report_run": Cost(1, 2, 0.0, 0.0, "full", 1000, 0, 100, 0, min_runtime=10),
    # S3 delivery of one product (~1 GB at 90 m; network-bound, a local rule like the downloads)
    "upload_gunw": Cost(1, 10, 0.0, 0.0, "full", 1000, 0, 100, 0, min_runtime=60),
    # the project's ionosphere stages (gunw_workflow.ionosphere): multilooked grids, except the burst-ramp merge,
    # which reads ISCE's full-resolution burst ionosphere in strips
    "ion_bridge": Cost(1, 2, 0.0, 0.0, "full", 2000, 0, 200, 0, min_runtime=10),
    "ion_compute": Cost(1, 2, 0.0, 0.0, "full", 1000, 0, 100, 0, min_runtime=10),
    "ion_filter": Cost(1, 5, 0.0, 0.0, "full", 3000, 0, 100, 0, min_runtime=30),
    "ion_merge": Cost(1, 2, 0.0, 0.0, "looks", 2000, 0, 200, 0, min_runtime=10),
    "ion_ramps_merge": Cost(1, 5, 0.0, 0.0, "full", 2000, 0, 200, 0, min_runtime=30),
}
FALLBACK = Cost(1, 5, 0.0, 0.0, "full", 2000, 0, 1000, 0, min_runtime=30)


def _steps():
    from gunw_workflow.topsapp import steps  # the step table holds the steps' costs (and imports Cost)

    return steps


def step_of(rule_name: str) -> str | None:
    """topsApp step name of a rule (``topsapp_topo`` -> ``topo``; the ionosphere sub-step jobs -> ``ion``), or
    None."""
    name = rule_name.removeprefix("topsapp_")
    if rule_name.startswith("topsapp_") and name in _steps().ION_SUBJOB:
        return "ion"
    return name if rule_name.startswith("topsapp_") and name in _steps().BY_NAME else None


def cost_of(rule_name: str) -> Cost:
    step = step_of(rule_name)
    if step:
        return _steps().BY_NAME[step].cost
    return OTHER.get(rule_name, FALLBACK)


def res_factor(res: str, output_resolution: int) -> float:
    """Pixels of the grid ``res`` at ``output_resolution`` relative to the 90 m product."""
    if output_resolution not in LOOKS:
        raise ValueError(f"output_resolution must be one of {sorted(LOOKS)}, got {output_resolution}")
    if res == "full":
        return 1.0
    if res == "looks":
        return LOOKS[90] / LOOKS[output_resolution]
    if res == "geo":
        return (90 / output_resolution) ** 2
    raise ValueError(f"unknown grid kind {res!r}")


def _round_up(x: float, step: int) -> int:
    return int(math.ceil(x / step - 1e-9) * step)


def _override(rule_name: str, overrides: dict | None) -> dict:
    """The merged override dict for a rule: default < step name < rule name."""
    overrides = overrides or {}
    merged: dict = {}
    step = step_of(rule_name)
    for key in ("default", step, rule_name):
        if key and key in overrides:
            entry = overrides[key] or {}
            bad = set(entry) - set(KEYS)
            if bad:
                raise ValueError(f"resources.{key}: unknown key(s) {sorted(bad)}; allowed: {list(KEYS)}")
            for k, v in entry.items():
                if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                    raise ValueError(f"resources.{key}.{k} must be a positive integer, got {v!r}")
            merged.update(entry)
    return merged


def estimate_minutes(
    rule_name: str, n_bursts: int, output_resolution: int, threads: int | None = None
) -> float:
    """Expected wall time (minutes) of a rule with ``threads`` threads (default: the rule's own)."""
    c = cost_of(rule_name)
    t = threads or c.threads
    speedup = (c.threads / t) ** c.parallel
    return c.base_min + c.min_per_burst * max(n_bursts, 0) * res_factor(c.res, output_resolution) * speedup


def resources_for(
    rule_name: str, n_bursts: int, output_resolution: int, overrides: dict | None = None
) -> dict:
    """threads, mem_mb, runtime (minutes), disk_mb for one job of ``rule_name``.

    ``n_bursts``: bursts the pair processes (all swaths, both sides share the count); ``output_resolution``: 90
    or 30; ``overrides``: the config's ``resources:`` mapping.
    """
    if n_bursts < 0:
        raise ValueError(f"n_bursts must be >= 0, got {n_bursts}")
    c = cost_of(rule_name)
    over = _override(rule_name, overrides)
    threads = over.get("threads", c.threads)
    px = res_factor(c.res, output_resolution)
    est = estimate_minutes(rule_name, n_bursts, output_resolution, threads)
    runtime = over.get("runtime") or _round_up(max(c.min_runtime, RUNTIME_SAFETY * est), 5)
    mem = over.get("mem_mb") or _round_up(
        (c.base_mem_mb + c.mem_per_burst_mb * n_bursts * math.sqrt(px)), 100
    )
    disk = over.get("disk_mb") or _round_up(c.base_disk_mb + c.disk_per_burst_mb * n_bursts * px, 100)
    return {"threads": int(threads), "mem_mb": int(mem), "runtime": int(runtime), "disk_mb": int(disk)}


def unknown_override_keys(overrides: dict | None, rule_names) -> list[str]:
    """Keys of ``resources:`` that match no rule, no topsApp step and are not ``default`` (likely typos)."""
    known = set(rule_names) | set(_steps().STEP_NAMES) | {"default"}
    return sorted(k for k in (overrides or {}) if k not in known)


def table(n_bursts: int, output_resolution: int, overrides: dict | None = None) -> list[dict]:
    """Resources of every known rule (topsApp steps in order, then the others)."""
    names = [f"topsapp_{s}" for s in _steps().STEP_NAMES] + list(OTHER)
    rows = []
    for name in names:
        r = resources_for(name, n_bursts, output_resolution, overrides)
        r["estimate_min"] = round(estimate_minutes(name, n_bursts, output_resolution, r["threads"]), 1)
        rows.append({"rule": name, **r})
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Print the resources each rule would request for a pair.")
    ap.add_argument("--bursts", type=int, default=REFERENCE_BURSTS, help="bursts in the pair (default: 27)")
    ap.add_argument("--resolution", type=int, default=90, choices=sorted(LOOKS), help="output resolution (m)")
    ap.add_argument("--rule", help="one rule only (prints JSON)")
    ap.add_argument(
        "--overrides",
        default="{}",
        help='JSON like the config\'s resources:, e.g. \'{"topo": {"threads": 8}}\'',
    )
    args = ap.parse_args(argv)
    overrides = json.loads(args.overrides)
    if args.rule:
        print(json.dumps(resources_for(args.rule, args.bursts, args.resolution, overrides)))
        return 0
    rows = table(args.bursts, args.resolution, overrides)
    cols = ["rule", "threads", "mem_mb", "runtime", "disk_mb", "estimate_min"]
    print("\t".join(cols))
    for r in rows:
        print("\t".join(str(r[c]) for c in cols))
    std = [r for r in rows if r["rule"].removeprefix("topsapp_") in standard_jobs()]
    print(
        f"# standard product ({args.bursts} bursts, {args.resolution} m): "
        f"estimate {sum(r['estimate_min'] for r in std):.0f} min, peak {max(r['mem_mb'] for r in std)} MB, "
        f"disk {sum(r['disk_mb'] for r in std) / 1000:.0f} GB",
        file=sys.stderr,
    )
    return 0


def standard_jobs() -> tuple[str, ...]:
    """The topsApp jobs (their working steps) of the standard product (the schema's defaults: ionosphere on,
    ESD and dense offsets off). A job costs what its working step costs: the idle steps it also runs only
    write their PICKLE."""
    from gunw_workflow.config import defaults
    from gunw_workflow.topsapp.topsapp_xml import topsapp_properties

    return tuple(
        dict.fromkeys("ion" if j.ion else j.name for j in _steps().jobs(topsapp_properties(defaults())))
    )


if __name__ == "__main__":
    sys.exit(main())
