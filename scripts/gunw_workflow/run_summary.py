"""The last lines of a run (Snakefile `onsuccess` / `onerror`): where the delivered products are, which pairs
failed and where their logs are, so nobody has to search the console or the results tree for them.

Delivered = the pair's ``validated.ok`` exists and its delivery record (``delivered.txt``) names a netCDF that is
there under ``<results_dir>/products/``.
Failed pairs come from the run's own Snakemake log ("Error in rule ...:" blocks and their ``log:`` lines).
"""

from __future__ import annotations

import re
from pathlib import Path

from gunw_workflow import layout

MAX_PRODUCT_LINES = 50
"""A stack of a thousand pairs lists its first products and then the directory, not a thousand lines."""

_ERROR_RE = re.compile(r"^Error in rule (\S+):\s*$")
_LOG_RE = re.compile(r"^\s+log: (.+?)(?: \(check log file\(s\) for error details\))?\s*$")


def delivered_product(run: layout.RunLayout, pair_name: str) -> str | None:
    """The delivered netCDF of a pair (from its delivery record), or None when it has none (yet)."""
    pair = run.pair(pair_name)
    record = Path(pair.delivered_txt)
    if not (Path(pair.validated_ok).is_file() and record.is_file()):
        return None
    for line in record.read_text().splitlines():
        if line.endswith(".nc") and Path(line).is_file():
            return line
    return None


def _log_lines(snakemake_log) -> list[str]:
    """The lines of the run's log file(s) (Snakemake hands the hooks a path or a list of paths)."""
    paths = [snakemake_log] if isinstance(snakemake_log, (str, Path)) else list(snakemake_log or [])
    lines: list[str] = []
    for p in paths:
        if Path(p).is_file():
            lines += Path(p).read_text(errors="replace").splitlines()
    return lines


def failed_jobs(snakemake_log) -> list[tuple[str, list[str]]]:
    """(rule, its log files) of every failed job recorded in the run's Snakemake log file(s)."""
    out: list[tuple[str, list[str]]] = []
    rule = None
    for line in _log_lines(snakemake_log):
        m = _ERROR_RE.match(line)
        if m:
            rule = m.group(1)
            out.append((rule, []))
            continue
        if rule is None:
            continue
        if not line.startswith((" ", "\t")):
            rule = None
            continue
        m = _LOG_RE.match(line)
        if m:
            out[-1][1].extend(p.strip() for p in m.group(1).split(","))
    return out


def _pair_of(run: layout.RunLayout, path: str) -> str | None:
    """The pair a log belongs to (``<results_dir>/<pair>/logs/...``), None for a shared download's log."""
    try:
        rel = Path(path).resolve().relative_to(Path(run.results_dir).resolve())
    except ValueError:
        return None
    return rel.parts[0] if len(rel.parts) > 1 else None


def summary(run: layout.RunLayout, pair_names: list[str], snakemake_log=None) -> list[str]:
    """The closing lines: one per delivered product (its path), then failed pairs with their logs."""
    delivered = {name: delivered_product(run, name) for name in pair_names}
    done = [nc for nc in delivered.values() if nc]
    lines = [f"GUNW products delivered: {len(done)} of {len(pair_names)} pair(s)"]
    lines += [f"  {nc}" for nc in done[:MAX_PRODUCT_LINES]]
    if len(done) > MAX_PRODUCT_LINES:
        lines.append(f"  ... and {len(done) - MAX_PRODUCT_LINES} more in {run.products}/")
    failed_pairs: dict[str, list[str]] = {}
    shared_failures: list[str] = []
    for rule, logs in failed_jobs(snakemake_log):
        pairs = {_pair_of(run, p) for p in logs} - {None}
        for pair in pairs or [None]:
            entry = f"{rule} (log {', '.join(logs)})" if logs else rule
            (failed_pairs.setdefault(pair, []) if pair else shared_failures).append(entry)
    if failed_pairs:
        lines.append(f"{len(failed_pairs)} pair(s) failed:")
        lines += [f"  {pair}: {'; '.join(entries)}" for pair, entries in failed_pairs.items()]
    if shared_failures:
        lines.append(f"{len(shared_failures)} shared job(s) failed: {'; '.join(shared_failures)}")
    unfinished = [n for n in pair_names if not delivered[n] and n not in failed_pairs]
    if unfinished:
        lines.append(
            f"{len(unfinished)} pair(s) without a delivered product yet (not targeted, or stopped by a failure): "
            "run the same command again to resume"
        )
    return lines
