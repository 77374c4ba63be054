"""`gunw report-pair`: the report items of one validated product: quick-look PNG, summary HTML and JSON.

Everything comes from the delivered product itself (the netCDF's global attributes and layers, the metadata JSON)
and from ``validated.ok``, so the report shows what a user of the product would see.
"""

from __future__ import annotations

import argparse
import html
import json
from pathlib import Path

from gunw_workflow import layout
from gunw_workflow.product import gunw_layout as L

SUMMARY_ROWS = (
    ("product", "product file"),
    ("delivered", "delivered copy"),
    ("reference_date", "reference date"),
    ("secondary_date", "secondary date"),
    ("temporal_baseline_days", "temporal baseline (days)"),
    ("frame_id", "ARIA frame"),
    ("track", "track (relative orbit)"),
    ("orbit_direction", "orbit direction"),
    ("platform", "platforms"),
    ("percent_unwrapped", "unwrapped pixels (%)"),
    ("mean_coherence", "mean filtered coherence"),
    ("perpendicular_baseline_m", "perpendicular baseline (m)"),
    ("parallel_baseline_m", "parallel baseline (m)"),
    ("connected_components", "connected components"),
    ("validator", "validator"),
)
"""What the summary shows, in this order (key in summary.json, label)."""


def _attr(nc, name):
    value = nc.getncattr(name) if name in nc.ncattrs() else None
    return value.item() if hasattr(value, "item") else value


def _date(iso: str) -> str:
    return iso[:10]


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:  # Snakemake writes NA when a job ended before the first sample
        return None
    return value if value == value else None


def step_benchmarks(pair: layout.PairDir) -> dict[str, dict]:
    """Wall time and peak RSS of every benchmarked job of the pair, topsApp steps in step-table order first.

    Read from the files present rather than declared as inputs: asking Snakemake for a missing benchmark file
    would re-run its step (and everything after it) only to measure it again.
    """
    from gunw_workflow.topsapp import steps as topsapp_steps

    files = {f.stem: f for f in Path(pair.root, "benchmarks").glob("*.tsv")}
    order = [f"topsapp_{s}" for s in topsapp_steps.STEP_NAMES if f"topsapp_{s}" in files]
    order += sorted(set(files) - set(order))
    out = {}
    for rule in order:
        lines = files[rule].read_text().splitlines()
        if len(lines) < 2:
            continue
        row = dict(zip(lines[0].split("\t"), lines[1].split("\t"), strict=False))
        seconds, rss = _number(row.get("s", "")), _number(row.get("max_rss", ""))
        if seconds is not None:
            out[rule] = {"s": seconds, "max_rss_mb": rss}
    return out


def summarise(pair: layout.PairDir, products_dir: str) -> dict:
    """The product summary of a validated pair (raises when the pair has no validated product)."""
    import netCDF4

    name = Path(pair.validated_ok).read_text().strip()  # written only for a valid product
    product_id = Path(name).stem
    delivered = layout.delivery(products_dir, product_id, ".nc")
    meta = json.loads(Path(pair.gunw_json).read_text())["metadata"]
    pair_doc = json.loads(Path(pair.pair_json).read_text())
    with netCDF4.Dataset(pair.gunw_nc) as nc:
        attrs = {
            k: _attr(nc, k)
            for k in (
                "aria_frame_id",
                "percent_unwrapped",
                "number_of_connected_components",
                "mean_filtered_coherence_without_water_mask",
                "mean_perpendicular_baseline",
                "mean_parallel_baseline",
            )
        }
    frame = int(attrs["aria_frame_id"]) if attrs["aria_frame_id"] is not None else -1
    return {
        "pair": Path(pair.root).name,
        "product": name,
        "delivered": delivered if Path(delivered).is_file() else "not delivered",
        "reference_date": _date(pair_doc["reference_start"]),
        "secondary_date": _date(pair_doc["secondary_start"]),
        "temporal_baseline_days": meta["temporal_baseline_days"],
        "frame_id": frame if frame >= 0 else "none (custom extent)",
        "track": meta["track_number"],
        "orbit_direction": meta["orbit_direction"],
        "platform": " / ".join(dict.fromkeys(meta["platform"])),
        "percent_unwrapped": round(float(attrs["percent_unwrapped"]), 2),
        "mean_coherence": round(float(attrs["mean_filtered_coherence_without_water_mask"]), 3),
        "perpendicular_baseline_m": round(float(attrs["mean_perpendicular_baseline"]), 2),
        "parallel_baseline_m": round(float(attrs["mean_parallel_baseline"]), 2),
        "connected_components": int(attrs["number_of_connected_components"]),
        "validator": "passed: layout table and consumer checklist (docs/consumer-checklist.md)",
        "steps": step_benchmarks(pair),
    }


def summary_html(summary: dict) -> str:
    """A self-contained HTML table (the Snakemake report shows HTML items in a frame)."""
    rows = "\n".join(
        f"<tr><th>{html.escape(label)}</th><td>{html.escape(str(summary[key]))}</td></tr>"
        for key, label in SUMMARY_ROWS
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(summary["pair"])}</title>
<style>
body {{ font-family: sans-serif; margin: 1em; }}
table {{ border-collapse: collapse; }}
th, td {{ text-align: left; padding: 0.3em 0.8em; border-bottom: 1px solid #ddd; vertical-align: top; }}
th {{ color: #444; font-weight: normal; white-space: nowrap; }}
td {{ font-family: monospace; word-break: break-all; }}
</style></head>
<body><h3>Pair {html.escape(summary["pair"])}</h3>
<table>
{rows}
</table></body></html>
"""


def quicklook(pair: layout.PairDir, out: str, title: str) -> tuple[int, int]:
    import netCDF4

    from gunw_workflow.product import browse

    with netCDF4.Dataset(pair.gunw_nc) as nc:
        grp = nc[L.DATA]
        grp.set_auto_mask(False)
        return browse.write_quicklook(
            out,
            grp["unwrappedPhase"][:],
            grp["connectedComponents"][:],
            grp["coherence"][:],
            grp["longitude"][:],
            grp["latitude"][:],
            title=title,
        )


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pair-dir", required=True, help="the pair directory (product/, pair.json)")
    p.add_argument(
        "--products", required=True, help="<results_dir>/products (where the product was delivered)"
    )
    a = p.parse_args(argv)
    pair = layout.PairDir(a.pair_dir)
    summary = summarise(pair, a.products)
    Path(pair.report).mkdir(parents=True, exist_ok=True)
    title = f"{summary['product']}   (pair {summary['pair']})"
    size = quicklook(pair, pair.quicklook_png, title)
    Path(pair.summary_html).write_text(summary_html(summary))
    Path(pair.summary_json).write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps({"quicklook": pair.quicklook_png, "size": size, "summary": summary}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
