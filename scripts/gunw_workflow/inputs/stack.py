"""Frame stacks: the pairs ARIA would enumerate for frames and a date range, as a reviewable TSV.

`gunw enumerate-stack --config cfg.yaml` asks ASF once per frame (asf_search, the query s1_frame_enumerator's
``get_s1_stack`` makes) and lets s1_frame_enumerator do the rest: grouping the SLCs into repeat passes
(midnight crossings included), dropping passes that cover too little of the frame, picking each pair's SLCs
over the frame (``enumerate_gunw_time_series``). It writes the pairs to a TSV that ``pair_list.read_pairs_tsv``
reads; the Snakefile plans from that file only, so planning stays offline and the list can be reviewed first
(docs/inputs.md, "Frame stacks").

Why not ``get_s1_stack`` itself: it builds its own asf_search session, so it can take neither the retry policy
nor the test base URL; the steps after its query are the library's own functions, called in its order.

Every date is a seed of the enumeration (``n_init_seeds`` = all dates): each date is paired with its
``neighbours`` nearest earlier dates that are at least ``min_temporal_baseline_days`` older. With a minimum
baseline of 0 that is exactly ARIA's default (one seed reaches every date); with a larger minimum a single seed
would skip dates depending on the newest one, and extending the stack would then drop existing pairs.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import sys
import time
import warnings
from pathlib import Path

from gunw_workflow import layout, pair_list

TSV_COLUMNS = (
    "name",
    "frame_id",
    "reference_scenes",
    "secondary_scenes",
    "ref_date",
    "sec_date",
    "temporal_baseline_days",
    "kind",
)
"""Columns of the stack TSV; the last four are informational (the pair reader ignores them)."""

SETTINGS_PREFIX = "# stack settings: "
ENUMERATION_KEYS = (
    "frame_ids",
    "start",
    "end",
    "neighbours",
    "min_temporal_baseline_days",
    "months",
    "annual_pairs",
    "annual_neighbours",
    "annual_min_days",
    "annual_max_days",
    "min_pass_coverage",
    "min_frame_coverage_per_date",
)
"""The stack keys that change the enumeration; the TSV records them, a config that differs makes it stale."""


class StackError(ValueError):
    """A stack that cannot be enumerated or planned; the message names the problem and the fix."""


def active(cfg: dict) -> bool:
    return bool((cfg.get("stack") or {}).get("frame_ids"))


def tsv_path(cfg: dict) -> str:
    """The stack TSV: ``stack.pairs_tsv``, else the run layout's place under results_dir."""
    return cfg["stack"]["pairs_tsv"] or layout.RunLayout(cfg["results_dir"], cfg["cache_dir"]).stack_pairs_tsv


def settings(cfg: dict) -> dict:
    return {k: cfg["stack"][k] for k in ENUMERATION_KEYS}


def _date(key: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise StackError(f"stack.{key} {text!r} is not a date; write it as YYYY-MM-DD") from None


def check_settings(cfg: dict, check_frames: bool = True) -> list[str]:
    """Problems of the stack section found without the network (one line each, with the fix); the frame ids
    only with ``check_frames`` (it loads the 27,563-row frame table)."""
    from gunw_workflow.inputs import frames

    st = cfg["stack"]
    if not st["frame_ids"]:
        if st["start"] or st["end"]:
            return ["stack.frame_ids is empty but a date range is set; list the ARIA frame ids of the stack"]
        return []
    problems = []
    for key in ("start", "end"):
        if not st[key]:
            problems.append(f"stack.{key} is not set; give the {key} date of the stack as YYYY-MM-DD")
    try:
        start = _date("start", st["start"]) if st["start"] else None
        end = _date("end", st["end"]) if st["end"] else None
    except StackError as exc:
        return problems + [str(exc)]
    if start and end and end <= start:
        problems.append(
            f"stack.end {end} is not after stack.start {start}; a stack needs a range with at least two dates"
        )
    if st["neighbours"] < 1:
        problems.append(f"stack.neighbours is {st['neighbours']}; each date needs at least 1 earlier partner")
    if st["annual_pairs"] and st["annual_min_days"] > st["annual_max_days"]:
        problems.append(
            f"stack.annual_min_days {st['annual_min_days']} exceeds stack.annual_max_days "
            f"{st['annual_max_days']}; the annual window is empty"
        )
    if len(set(st["frame_ids"])) != len(st["frame_ids"]):
        problems.append("stack.frame_ids lists a frame twice; list each frame once")
    for fid in dict.fromkeys(st["frame_ids"]) if check_frames else ():
        if not frames.exists(fid):
            ids = frames.frame_table().keys()
            problems.append(
                f"stack.frame_ids: frame {fid} does not exist in the ARIA frame table (ids {min(ids)}..{max(ids)});"
                " use the id of a frame over your area (`gunw frames`)"
            )
    return problems


# ------------------------------------------------------------------------------------------------- ASF query
def query_frame(frame, start: dt.date, end: dt.date, base_url: str | None, policy) -> list[dict]:
    """The IW SLCs over one frame in [start, end] (both days whole, UTC) as asf_search GeoJSON features, with
    the parameters of s1_frame_enumerator's ``query_slc_metadata_over_frame``; retried on transient failures."""
    import asf_search as asf
    import requests
    from asf_search.exceptions import ASFSearchError

    from gunw_workflow.inputs import http_fetch, scene_metadata

    session = scene_metadata.search_session(base_url)
    last, unreachable = "", 0
    for attempt in range(1, policy.attempts + 1):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results = asf.geo_search(
                    platform=[asf.PLATFORM.SENTINEL1],
                    intersectsWith=frame.frame_geometry.wkt,
                    maxResults=100_000,
                    relativeOrbit=[int(t) for t in frame.track_numbers],
                    polarization=["VV", "VV+VH"],
                    beamMode=[asf.BEAMMODE.IW],
                    processingLevel=[asf.PRODUCT_TYPE.SLC],
                    start=dt.datetime.combine(start, dt.time(), dt.UTC),
                    end=dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC),
                    opts=asf.ASFSearchOptions(session=session),
                )
            return [r.geojson() for r in results]
        except (requests.RequestException, ASFSearchError, ValueError, KeyError) as exc:
            last = f"{type(exc).__name__}: {str(exc)[:200]}"
            unreachable += http_fetch.is_unreachable(exc)
        if attempt < policy.attempts:
            time.sleep(policy.wait(attempt))
    hint = ""
    if unreachable == policy.attempts:
        hint = http_fetch.unreachable_hint(base_url or "https://" + scene_metadata.ASF_SEARCH_HOST)
    raise StackError(
        f"ASF search for the SLCs of frame {frame.frame_id} failed after {policy.attempts} attempts: {last}{hint}"
    )


def frame_stack(frame, results: list[dict], st: dict):
    """The SLCs of the passes that cover the frame enough (s1_frame_enumerator's stack table)."""
    from s1_frame_enumerator import s1_stack, s1_stack_formatter

    df = s1_stack_formatter.format_results_for_sent1_stack(results, allowable_months=st["months"] or None)
    df = s1_stack.filter_s1c_data(df)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if not df.empty and st["min_pass_coverage"]:
            df = s1_stack.filter_s1_stack_by_geometric_coverage_per_pass(
                df, [frame], minimum_coverage_per_pass_ratio=st["min_pass_coverage"]
            )
        if not df.empty and st["min_frame_coverage_per_date"]:
            df = s1_stack.filter_s1_stack_by_geometric_coverage_per_frame(
                df, [frame], minimum_coverage_ratio_per_frame=st["min_frame_coverage_per_date"]
            )
    return df


def _rows(ifgs: list[dict], kind: str) -> list[dict]:
    rows = []
    for ifg in ifgs:
        ref, sec = sorted(ifg["reference"]), sorted(ifg["secondary"])
        rdate, sdate = ifg["reference_date"].date(), ifg["secondary_date"].date()
        rows.append(
            {
                "name": pair_list.pair_name(ref, sec, int(ifg["frame_id"])),
                "frame_id": int(ifg["frame_id"]),
                "reference_scenes": ref,
                "secondary_scenes": sec,
                "ref_date": rdate.isoformat(),
                "sec_date": sdate.isoformat(),
                "temporal_baseline_days": (rdate - sdate).days,
                "kind": kind,
            }
        )
    return rows


def _pairs(frame, df, min_days: int, neighbours: int, kind: str) -> list[dict]:
    """s1_frame_enumerator's pairs of one frame, every date a seed (module docstring)."""
    from s1_frame_enumerator import enumerate_gunw_time_series

    seeds = len(df.repeat_pass_timestamp.unique())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = enumerate_gunw_time_series(
            df,
            min_temporal_baseline_days=min_days,
            n_secondary_scenes_per_ref=neighbours,
            frames=[frame],
            n_init_seeds=seeds,
        )
    return _rows(found, kind)


def enumerate_frame(frame, df, st: dict) -> list[dict]:
    """The pairs of one frame's stack: nearest neighbours, then (optionally) the annual pairs."""
    rows = _pairs(frame, df, st["min_temporal_baseline_days"], st["neighbours"], "neighbour")
    if st["annual_pairs"]:
        names = {r["name"] for r in rows}
        annual = _pairs(frame, df, st["annual_min_days"], st["annual_neighbours"], "annual")
        rows += [
            r
            for r in annual
            if r["temporal_baseline_days"] <= st["annual_max_days"] and r["name"] not in names
        ]
    return rows


def enumerate_stack(cfg: dict, policy=None) -> list[dict]:
    """Every pair of the configured stack (frames in config order). Raises StackError before anything else
    happens when the settings are wrong, or when a frame has too few acquisitions or no pair."""
    from s1_frame_enumerator import S1Frame

    from gunw_workflow.inputs import http_fetch

    problems = check_settings(cfg)
    if problems:
        raise StackError("; ".join(problems))
    st = cfg["stack"]
    policy = policy or http_fetch.RetryPolicy(attempts=cfg["downloads"]["retries"] + 1)
    start, end = _date("start", st["start"]), _date("end", st["end"])
    base_url = cfg["downloads"]["asf_search_url"] or None
    rows = []
    for fid in st["frame_ids"]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = S1Frame(int(fid))
        where = f"frame {fid} (track {'/'.join(str(int(t)) for t in frame.track_numbers)})"
        results = query_frame(frame, start, end, base_url, policy)
        if not results:
            raise StackError(
                f"{where} has no IW SLC acquisition between {start} and {end}; check the frame id and the dates"
            )
        df = frame_stack(frame, results, st)
        dates = sorted({d.date().isoformat() for d in df.repeat_pass_timestamp.unique()}) if len(df) else []
        if len(dates) < 2:
            got = f"only {len(dates)} acquisition date ({dates[0]})" if dates else "no acquisition date"
            raise StackError(
                f"{where} has {got} covering it between {start} and {end} "
                f"(min_pass_coverage {st['min_pass_coverage']:g}); a stack needs at least 2: widen the range"
            )
        frame_rows = enumerate_frame(frame, df, st)
        if not frame_rows:
            raise StackError(
                f"{where}: no pair of its {len(dates)} dates ({dates[0]}..{dates[-1]}) is at least "
                f"{st['min_temporal_baseline_days']} days apart; lower stack.min_temporal_baseline_days"
            )
        rows += frame_rows
    # Oldest first, so a later `end` appends rows: the workflow ties each scene's download to the first pair
    # that lists it (common.smk FIRST_PAIR), and a new first pair would re-run the download and all after it.
    order = {fid: i for i, fid in enumerate(st["frame_ids"])}
    return sorted(rows, key=lambda r: (r["ref_date"], r["sec_date"], order[r["frame_id"]]))


# ------------------------------------------------------------------------------------------------- the TSV
def tsv_text(rows: list[dict], st: dict) -> str:
    out = io.StringIO()
    out.write(
        "# Frame-stack pairs written by `gunw enumerate-stack` (s1_frame_enumerator); review before running.\n"
    )
    out.write(SETTINGS_PREFIX + json.dumps(st, sort_keys=True) + "\n")
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(TSV_COLUMNS)
    for r in rows:
        writer.writerow([" ".join(r[c]) if isinstance(r[c], list) else r[c] for c in TSV_COLUMNS])
    return out.getvalue()


def recorded_settings(path: str) -> dict | None:
    with open(path) as fh:
        for line in fh:
            if line.startswith(SETTINGS_PREFIX):
                return json.loads(line[len(SETTINGS_PREFIX) :])
            if not line.startswith("#"):
                break
    return None


def write_tsv(path: str, text: str) -> None:
    """Atomic: a kill leaves the previous list (or none), never half a list."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".part")
    tmp.write_text(text)
    os.replace(tmp, p)


def compare(old: list[dict], new: list[dict]) -> dict[str, list[str]]:
    """Names kept, added, removed, and changed (same name, other scenes) between two pair lists."""
    o = {r["name"]: (r["reference_scenes"], r["secondary_scenes"]) for r in old}
    n = {r["name"]: (r["reference_scenes"], r["secondary_scenes"]) for r in new}
    return {
        "kept": [k for k in n if k in o and o[k] == n[k]],
        "added": [k for k in n if k not in o],
        "removed": [k for k in o if k not in n],
        "changed": [k for k in n if k in o and o[k] != n[k]],
    }


# ------------------------------------------------------------------------------------------ the workflow side
def config_with_stack(cfg: dict, configfiles=(), check_frames: bool = True) -> dict:
    """``cfg`` with the stack TSV's pairs appended to ``pairs`` (the Snakefile plans from it, offline).
    Raises StackError when the stack is set but its TSV is missing or was enumerated with other settings."""
    problems = check_settings(cfg, check_frames)
    if problems:
        raise StackError("; ".join(problems))
    if not active(cfg):
        return cfg
    path = tsv_path(cfg)
    how = "gunw enumerate-stack" + "".join(f" --config {c}" for c in configfiles)
    if not os.path.isfile(path):
        raise StackError(
            f"stack: the pair list {path} does not exist yet; run `{how}` (one ASF search per frame, writes "
            "the reviewable TSV), then run snakemake again"
        )
    recorded = recorded_settings(path)
    if recorded != settings(cfg):
        diff = sorted(k for k in ENUMERATION_KEYS if (recorded or {}).get(k) != cfg["stack"][k])
        raise StackError(
            f"stack: {path} was enumerated with other stack settings ({', '.join(diff)} differ); run `{how}` "
            "again (existing pairs keep their names)"
        )
    rows = pair_list.read_pairs_tsv(path)
    extra = [{k: r[k] for k in ("name", "reference_scenes", "secondary_scenes", "frame_id")} for r in rows]
    return {**cfg, "pairs": list(cfg.get("pairs") or []) + extra}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Enumerate the pairs of the config's `stack:` (frames + date range) with s1_frame_enumerator "
        "and write them as a TSV the workflow then plans from."
    )
    parser.add_argument("--config", action="append", default=None, help="config YAML/JSON (repeatable)")
    parser.add_argument("--out", default=None, help="TSV path (default: stack.pairs_tsv or the run layout's)")
    args = parser.parse_args(argv)
    os.environ.setdefault(
        "TQDM_DISABLE", "1"
    )  # s1_frame_enumerator's progress bars (a line per date pair on stderr)
    import yaml

    from gunw_workflow import config, config_errors

    raw: dict = {}
    for path in args.config or [str(config.DEFAULT_CONFIG)]:
        try:
            raw.update(yaml.safe_load(Path(path).read_text()) or {})
        except OSError as exc:
            print(f"error: cannot read config {path}: {exc.strerror}", file=sys.stderr)
            return 1
    try:
        config_errors.check(raw)
    except config_errors.ConfigProblems as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    cfg = config.with_defaults(raw)
    problems = check_settings(cfg)
    if problems:
        print(f"error: {'; '.join(problems)}", file=sys.stderr)
        return 1
    if not active(cfg):
        print("error: the config has no `stack:` with frame_ids; nothing to enumerate", file=sys.stderr)
        return 1
    try:
        rows = enumerate_stack(cfg)
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    out = args.out or tsv_path(cfg)
    old = pair_list.read_pairs_tsv(out) if os.path.isfile(out) else []
    write_tsv(out, tsv_text(rows, settings(cfg)))
    diff = compare(old, rows)
    print(
        f"{len(rows)} pair(s) of {len(cfg['stack']['frame_ids'])} frame(s) written to {out}"
        + (
            f" (kept {len(diff['kept'])}, added {len(diff['added'])}, removed {len(diff['removed'])}, "
            f"changed {len(diff['changed'])})"
            if old
            else ""
        )
    )
    for key in ("removed", "changed"):
        for name in diff[key]:
            print(f"warning: pair {name} {key} since the previous list", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
