"""`gunw report-run`: the report items about all pairs of a run: each step's wall time and peak memory across
pairs (from the Snakemake benchmark files the per-pair summaries carry), and the stack overview: every pair as a
segment from its secondary to its reference date at its perpendicular baseline, coloured by mean coherence,
with a table of all pairs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
from pathlib import Path

import numpy as np


def read_summaries(listing: str) -> list[dict]:
    """The summary.json files named one per line in ``listing`` (written by the report rule)."""
    paths = [line.strip() for line in Path(listing).read_text().splitlines() if line.strip()]
    return [json.loads(Path(p).read_text()) for p in paths]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def step_costs(summaries: list[dict]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Rules in run order (first seen) and per rule x pair wall seconds and peak RSS in MB (NaN = not run)."""
    rules: list[str] = []
    for s in summaries:
        for rule in s.get("steps", {}):
            if rule not in rules:
                rules.append(rule)
    seconds = np.full((len(rules), len(summaries)), np.nan)
    rss = np.full_like(seconds, np.nan)
    for j, s in enumerate(summaries):
        for i, rule in enumerate(rules):
            step = s.get("steps", {}).get(rule)
            if step:
                seconds[i, j] = step["s"]
                rss[i, j] = np.nan if step["max_rss_mb"] is None else step["max_rss_mb"]
    return rules, seconds, rss


def benchmarks_figure(summaries: list[dict], out: str) -> None:
    """Two panels, one row per rule: wall time and peak memory; bar = median over pairs, dots = each pair."""
    plt = _pyplot()
    rules, seconds, rss = step_costs(summaries)
    if not rules:
        raise ValueError("no benchmark records in the summaries: nothing to plot")
    n_pairs = len(summaries)
    fig, axes = plt.subplots(
        1, 2, figsize=(13, 1.2 + 0.32 * len(rules)), sharey=True, constrained_layout=True
    )
    y = np.arange(len(rules))
    for ax, values, label in (
        (axes[0], seconds, "wall time (s)"),
        (axes[1], rss, "peak memory, max RSS (MB)"),
    ):
        with np.errstate(all="ignore"):
            median = np.nanmedian(np.where(np.isnan(values).all(axis=1, keepdims=True), 0, values), axis=1)
        ax.barh(y, median, color="#7aa6c2", label="median over pairs" if n_pairs > 1 else None)
        if n_pairs > 1:
            jitter = np.linspace(-0.25, 0.25, n_pairs)
            for j in range(n_pairs):
                ax.plot(values[:, j], y + jitter[j], "o", ms=3, color="#1f3b57", alpha=0.6)
        for yi, v in zip(y, median, strict=True):
            ax.text(v, yi, f" {v:.3g}", va="center", fontsize=7)
        ax.set_xlabel(label)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(y, [r.removeprefix("topsapp_") for r in rules], fontsize=8)
    axes[0].invert_yaxis()  # run order from the top
    total = np.nansum(seconds, axis=0)
    fig.suptitle(
        f"Cost of each job from Snakemake's benchmark files, {n_pairs} pair(s); "
        f"sum of job times per pair: median {np.median(total):.0f} s",
        fontsize=10,
    )
    fig.savefig(out, dpi=100)
    plt.close(fig)


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def acquisition_baselines(summaries: list[dict]) -> dict[str, float]:
    """Perpendicular baseline of every acquisition date relative to the first one, by least squares from the
    pairs' mean baselines (each pair: B(reference) - B(secondary)); a date reached by no pair chain from the first
    date sits at its own group's minimum-norm position."""
    dates = sorted({s[k] for s in summaries for k in ("secondary_date", "reference_date")})
    index = {d: i for i, d in enumerate(dates)}
    a = np.zeros((len(summaries) + 1, len(dates)))
    y = np.zeros(len(summaries) + 1)
    for row, s in enumerate(summaries):
        a[row, index[s["reference_date"]]] += 1.0
        a[row, index[s["secondary_date"]]] -= 1.0
        y[row] = s["perpendicular_baseline_m"]
    a[-1, 0], y[-1] = 1.0, 0.0  # the first acquisition is the origin
    solution = np.linalg.lstsq(a, y, rcond=None)[0]
    return {d: float(solution[i]) for d, i in index.items()}


def stack_figure(summaries: list[dict], out: str) -> None:
    """The pair network: acquisitions at their date and perpendicular baseline, each pair a line coloured by its
    mean coherence."""
    plt = _pyplot()
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    baselines = acquisition_baselines(summaries)
    fig, ax = plt.subplots(figsize=(11, 5.5), constrained_layout=True)
    norm, cmap = Normalize(0.0, 1.0), colormaps["viridis"]
    for s in sorted(summaries, key=lambda s: -s["mean_coherence"]):  # the best pairs drawn last, on top
        t = [_date(s["secondary_date"]), _date(s["reference_date"])]
        b = [baselines[s["secondary_date"]], baselines[s["reference_date"]]]
        ax.plot(t, b, "-", lw=2.5, color=cmap(norm(s["mean_coherence"])), zorder=1)
    ax.plot([_date(d) for d in baselines], list(baselines.values()), "o", ms=6, color="black", zorder=2)
    fig.colorbar(
        plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, label="mean filtered coherence of the pair"
    )
    ax.set_xlabel("acquisition date")
    ax.set_ylabel("perpendicular baseline (m, relative to the first date)")
    ax.grid(alpha=0.3)
    dates = [_date(d) for d in baselines]
    pad = dt.timedelta(days=max(3, (max(dates) - min(dates)).days // 20))
    ax.set_xlim(min(dates) - pad, max(dates) + pad)
    values = list(baselines.values())
    spread = max(max(values) - min(values), 10.0)
    ax.set_ylim(min(values) - 0.15 * spread, max(values) + 0.15 * spread)
    fig.autofmt_xdate()
    ax.set_title(f"{len(summaries)} pair(s), {len(dates)} acquisitions: time vs perpendicular baseline")
    fig.savefig(out, dpi=100)
    plt.close(fig)


STACK_COLUMNS = (
    ("pair", "pair"),
    ("secondary_date", "secondary"),
    ("reference_date", "reference"),
    ("temporal_baseline_days", "days"),
    ("perpendicular_baseline_m", "B⊥ (m)"),
    ("mean_coherence", "coherence"),
    ("percent_unwrapped", "unwrapped %"),
    ("connected_components", "components"),
    ("product", "product file"),
)


def stack_html(summaries: list[dict]) -> str:
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in STACK_COLUMNS)
    rows = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(str(s[k]))}</td>" for k, _ in STACK_COLUMNS) + "</tr>"
        for s in sorted(summaries, key=lambda s: (s["reference_date"], s["secondary_date"], s["pair"]))
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>pairs</title>
<style>
body {{ font-family: sans-serif; margin: 1em; }}
table {{ border-collapse: collapse; font-size: 90%; }}
th, td {{ text-align: left; padding: 0.25em 0.6em; border-bottom: 1px solid #ddd; white-space: nowrap; }}
td:last-child {{ font-family: monospace; white-space: normal; word-break: break-all; }}
</style></head>
<body><h3>{len(summaries)} pair(s)</h3>
<table><tr>{head}</tr>
{rows}
</table></body></html>
"""


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--summaries", required=True, help="file listing the pairs' summary.json, one per line")
    p.add_argument("--benchmarks-png", required=True)
    p.add_argument("--stack-png", required=True)
    p.add_argument("--stack-html", required=True)
    a = p.parse_args(argv)
    summaries = read_summaries(a.summaries)
    for out in (a.benchmarks_png, a.stack_png, a.stack_html):
        Path(out).parent.mkdir(parents=True, exist_ok=True)
    benchmarks_figure(summaries, a.benchmarks_png)
    stack_figure(summaries, a.stack_png)
    Path(a.stack_html).write_text(stack_html(summaries))
    print(json.dumps({"pairs": len(summaries), "outputs": [a.benchmarks_png, a.stack_png, a.stack_html]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
