"""Frame + dates pairs: the scenes a date means over an ARIA frame, found before any download (rule resolve_pair).

HyP3's ARIA_S1_GUNW job takes a frame id and two dates and uses every IW SLC of each date that covers the frame.
Here, per date, one asf_search geo search (IW, SLC, VV or VV+VH, the frame's track(s) and flight direction, scenes
intersecting the latitude-aligned frame, the UTC day +- 30 min), the results grouped into passes (slices closer than
10 min), and the pass *dated* by its first slice, as s1_frame_enumerator dates its repeat passes and ASF's
enumeration dates an acquisition: a pass that starts at 23:59:50 and ends after midnight belongs to the first day
only. S1C scenes before the calibration date s1_frame_enumerator uses are dropped, as it does. The chosen scenes
are then checked exactly like an id-given pair (check_pair.check_pair: credentials, metadata, tracks, overlap,
min_frame_coverage), so a bad date fails here, with one line, before any SLC is downloaded. What was searched,
what was found, what was kept and why goes into scenes.json and from there into pair.json (`resolution`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from shapely.ops import unary_union

from gunw_workflow import pair_list
from gunw_workflow.inputs import credentials, frames, http_fetch, scene_metadata
from gunw_workflow.inputs.check_pair import PairCheckError, check_pair, report_lines
from gunw_workflow.isce_io.times import parse_time

SEARCH_MARGIN = dt.timedelta(minutes=30)
"""Searched around the UTC day: a pass dated the day may end after midnight, and one dated the day before may
reach into it (it is found, and reported as the previous day's)."""
PASS_GAP = dt.timedelta(minutes=10)
"""Slices of one pass start ~25 s apart; two passes of one track over a frame are >= 6 days apart."""
POLARIZATIONS = ["VV", "VV+VH"]  # a GUNW needs VV (1SSV / 1SDV)


class ResolveError(Exception):
    """A date-given pair whose scenes cannot be found or fail the checks; one line per problem."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class Pass:
    """The slices of one satellite pass over the frame, dated by the UTC date of its first slice."""

    date: dt.date
    start: dt.datetime
    records: list[dict]

    @property
    def scenes(self) -> list[str]:
        return [r["id"] for r in self.records]


def group_passes(records: list[dict]) -> list[Pass]:
    """Records (scene_metadata form) -> passes in time order. A gap > PASS_GAP between consecutive starts
    separates two passes; a pass's date is its first slice's UTC date (midnight crossings stay whole)."""
    ordered = sorted(records, key=lambda r: parse_time(r["start"]))
    passes: list[list[dict]] = []
    for rec in ordered:
        if passes and parse_time(rec["start"]) - parse_time(passes[-1][-1]["start"]) <= PASS_GAP:
            passes[-1].append(rec)
        else:
            passes.append([rec])
    out = []
    for group in passes:
        first = parse_time(group[0]["start"])
        out.append(Pass(date=first.date(), start=first, records=group))
    return out


def search_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(day.year, day.month, day.day)  # UTC
    return start - SEARCH_MARGIN, start + dt.timedelta(days=1) + SEARCH_MARGIN


def search_params(row: frames.FrameRow, day: dt.date, on_frame: bool = True) -> dict:
    """asf_search geo_search keywords for a frame and a date (on_frame False: the whole track that day, the
    diagnostic search when nothing intersects the frame)."""
    start, end = search_window(day)
    params = {
        "platform": ["SENTINEL-1"],
        "processingLevel": ["SLC"],
        "beamMode": ["IW"],
        "flightDirection": row.direction,
        "relativeOrbit": sorted(row.tracks),
        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if on_frame:
        params["polarization"] = list(POLARIZATIONS)
        params["intersectsWith"] = row.geometry.wkt
    return params


def geo_search(params: dict, base_url: str | None, policy, session=None) -> list[dict]:
    """The SLC records asf_search returns for `params` (scene_metadata form), retried like the id search."""
    import asf_search

    policy = policy or http_fetch.RetryPolicy()
    session = session or scene_metadata.search_session(base_url)
    logging.getLogger("asf_search").setLevel(logging.ERROR)  # not its notes on re-winding the frame polygon

    def run():
        results = asf_search.geo_search(**params, opts=asf_search.ASFSearchOptions(session=session))
        out = {}
        for product in results:
            if product.properties.get("processingLevel") not in (None, "SLC"):
                continue
            rec = scene_metadata._record_from_asf(product)
            out.setdefault(rec["id"], rec)
        return list(out.values())

    try:
        return scene_metadata.search_with_retries(run, "ASF geo search", policy, base_url)
    except scene_metadata.SearchFailed as exc:
        msg = str(exc)
        if "every try failed to resolve" not in msg:
            msg += "; the ASF search service may be down, retry later"
        raise ResolveError(
            [f"ASF search for the scenes of {params['start'][:10]}..{params['end'][:10]} failed after {msg}"]
        ) from exc


def _uncalibrated_s1c(rec: dict) -> bool:
    from s1_frame_enumerator.s1_stack import MIN_S1C_DATE  # the date s1_frame_enumerator drops S1C before

    return (
        rec["id"].startswith("S1C")
        and parse_time(rec["start"]) < MIN_S1C_DATE.tz_localize(None).to_pydatetime()
    )


def _screen(records: list[dict], row: frames.FrameRow) -> tuple[list[dict], list[dict]]:
    """Kept records and dropped ones with the reason: an answer that does not match the query (another
    track or direction, no footprint over the frame, no VV) is not trusted; uncalibrated S1C is dropped."""
    kept, dropped = [], []
    for rec in records:
        why = None
        try:
            footprint = shape_of(rec)
            if rec.get("track") not in row.tracks:
                why = f"track {rec.get('track')} is not the frame's track {sorted(row.tracks)}"
            elif rec.get("flight_direction") != row.direction:
                why = f"{rec.get('flight_direction') or 'no'} flight direction, the frame is {row.direction}"
            elif not footprint.intersects(row.geometry):
                why = "its footprint does not intersect the frame"
            elif "VV" not in (rec.get("polarization") or "").upper().split("+"):
                why = f"polarization {rec.get('polarization')} has no VV"
            elif _uncalibrated_s1c(rec):
                why = "Sentinel-1C before its calibration date (2025-05-19)"
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            why = f"unusable record ({type(exc).__name__}: {exc})"
        (dropped if why else kept).append(rec if not why else {"scene": rec.get("id"), "why": why})
    return kept, dropped


def shape_of(rec: dict):
    from shapely import wkt

    return wkt.loads(rec["footprint_wkt"])


def _describe_track(row: frames.FrameRow) -> str:
    return f"track {'/'.join(map(str, sorted(row.tracks)))} {row.direction}"


def _no_pass(role, day, row, frame_id, base_url, policy, session, found, dropped) -> str:
    """Why no pass of `day` covers the frame, for the one-line message (a wider search tells the cases apart)."""
    track = _describe_track(row)
    fix = (
        f"pick a date on which {track} images the frame (Sentinel-1 repeats a track every 12 days, 6 with two "
        "satellites)"
    )
    other_days = sorted({p.date for p in group_passes(found)} - {day})
    if other_days:
        return (
            f"{role}_date {day}: no pass of frame {frame_id} ({track}) starts on that UTC date; the pass found next "
            f"to it starts on {other_days[0]} (a pass is dated by its first slice, also when it crosses "
            f"midnight): use {other_days[0]}"
        )
    if dropped:
        reasons = "; ".join(sorted({d["why"] for d in dropped}))
        return (
            f"{role}_date {day}: ASF returned {len(dropped)} scene(s) for frame {frame_id} but none is usable "
            f"({reasons}); {fix}"
        )
    wider = geo_search(search_params(row, day, on_frame=False), base_url, policy, session)
    wider = [r for r in wider if r.get("track") in row.tracks]
    if not wider:
        return (
            f"{role}_date {day}: no Sentinel-1 IW SLC acquisition on {track} that day (ASF has none within "
            f"{int(SEARCH_MARGIN.total_seconds() // 60)} min of that UTC day); {fix}"
        )
    lats = [shape_of(r).bounds for r in wider]
    vv = [r for r in wider if "VV" in (r.get("polarization") or "").upper().split("+")]
    if not vv:
        pols = sorted({r.get("polarization") or "?" for r in wider})
        return f"{role}_date {day}: {track} was acquired in {'/'.join(pols)} only that day (no VV); {fix}"
    s, n = min(b[1] for b in lats), max(b[3] for b in lats)
    fs, fn = row.geometry.bounds[1], row.geometry.bounds[3]
    return (
        f"{role}_date {day}: {track} has a pass that day ({len(wider)} slice(s), latitudes {s:.2f}..{n:.2f}) but "
        f"none of its slices covers frame {frame_id} (latitudes {fs:.2f}..{fn:.2f}); {fix}"
    )


def find_pass(role: str, day: dt.date, row, frame_id: int, base_url, policy, session) -> dict:
    """The pass of `day` over the frame, with the search that found it and the dropped records."""
    params = search_params(row, day)
    found = geo_search(params, base_url, policy, session)
    kept, dropped = _screen(found, row)
    on_day = [p for p in group_passes(kept) if p.date == day]
    if not on_day:
        raise ResolveError([_no_pass(role, day, row, frame_id, base_url, policy, session, kept, dropped)])
    if len(on_day) > 1:
        starts = ", ".join(f"{p.start:%H:%M:%S}" for p in on_day)
        raise ResolveError(
            [
                f"{role}_date {day}: {len(on_day)} separate passes of {_describe_track(row)} over frame {frame_id} "
                f"that day (starting {starts} UTC); give the scene ids of the one you want instead of dates"
            ]
        )
    chosen = on_day[0]
    others = [p for p in group_passes(kept) if p.start != chosen.start]
    dropped += [
        {"scene": s, "why": f"belongs to the pass of {p.date} (dated by its first slice)"}
        for p in others
        for s in p.scenes
    ]
    union = unary_union([shape_of(r) for r in chosen.records])
    coverage = row.geometry.intersection(union).area / row.geometry.area
    return {
        "date": day.isoformat(),
        "scenes": sorted(chosen.scenes),
        "pass_start": min(r["start"] for r in chosen.records),
        "pass_stop": max(r["stop"] for r in chosen.records),
        "platform": chosen.records[0].get("platform"),
        "absolute_orbits": sorted({r.get("absolute_orbit") for r in chosen.records} - {None}),
        "date_coverage": round(coverage, 4),
        "why": (
            f"every IW SLC with VV of the {_describe_track(row)} pass starting {chosen.start:%Y-%m-%dT%H:%M:%S}Z "
            f"that intersects frame {frame_id} ({len(chosen.records)} slice(s), {coverage:.1%} of the frame)"
        ),
        "search": params,
        "found": len(found),
        "dropped": dropped,
    }


def resolve(
    name: str,
    frame_id: int,
    reference_date,
    secondary_date,
    min_frame_coverage: float | None,
    slc_dir: str | None = None,
    base_url: str | None = None,
    policy=None,
    env: dict | None = None,
) -> dict:
    """The scenes.json document of a date-given pair, or ResolveError (checks included: the same as check_pair)."""
    try:
        ref_day, sec_day = pair_list.parse_date(reference_date), pair_list.parse_date(secondary_date)
    except ValueError as exc:
        raise ResolveError([f"date {exc}"]) from None
    if ref_day <= sec_day:
        raise ResolveError(
            [f"reference_date {ref_day} is not later than secondary_date {sec_day}; swap them"]
        )
    try:
        rows = frames.frame_rows(frame_id)
    except frames.FrameError as exc:
        raise ResolveError([str(exc)]) from None
    if len(rows) > 1:
        raise ResolveError(
            [
                f"frame_id {frame_id} crosses the antimeridian (two frame rows); date-given pairs over it are not "
                "supported: give reference_scenes/secondary_scenes"
            ]
        )
    row = rows[0]
    if not slc_dir:  # the pair's SLCs will be downloaded: no search before the login is known to exist
        try:
            credentials.require(credentials.EARTHDATA_HOST, env=env)
        except credentials.MissingCredentialsError as exc:
            raise ResolveError([str(exc)]) from None
    session = scene_metadata.search_session(base_url)
    chosen = {
        role: find_pass(role, day, row, frame_id, base_url, policy, session)
        for role, day in (("reference", ref_day), ("secondary", sec_day))
    }
    ref, sec = chosen["reference"]["scenes"], chosen["secondary"]["scenes"]
    try:
        checked = check_pair(name, ref, sec, frame_id, min_frame_coverage, slc_dir, base_url, policy, env)
    except PairCheckError as exc:
        raise ResolveError(
            [f"the scenes of {ref_day} / {sec_day} over frame {frame_id}: {e}" for e in exc.errors]
        ) from None
    import asf_search

    return {
        "pair": name,
        "frame_id": int(frame_id),
        "reference_date": ref_day.isoformat(),
        "secondary_date": sec_day.isoformat(),
        "reference_scenes": ref,
        "secondary_scenes": sec,
        "frame_coverage": checked["frame_coverage"],
        "min_frame_coverage": min_frame_coverage,
        "search": {
            "client": f"asf_search {asf_search.__version__} geo_search",
            "frame_tracks": sorted(row.tracks),
            "frame_direction": row.direction,
        },
        "reference": chosen["reference"],
        "secondary": chosen["secondary"],
    }


def read(path) -> dict:
    """A scenes.json written by resolve_pair."""
    doc = json.loads(Path(path).read_text())
    for key in ("reference_scenes", "secondary_scenes", "reference_date", "secondary_date", "frame_id"):
        if key not in doc:
            raise ValueError(f"{path} lacks {key!r}; delete it and re-run resolve_pair")
    return doc


def write(path, doc: dict) -> None:
    """Atomically (temp file renamed into place): a killed job leaves no scenes.json."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc, indent=1) + "\n")
    tmp.replace(path)


def offline_problems(pairs) -> list[str]:
    """Date-given pairs whose frame id is not in the offline frame table (found at planning, no network)."""
    errors = []
    for pair in pairs:
        if pair_list.is_date_pair(pair) and not frames.exists(pair["frame_id"]):
            try:
                frames.frame_rows(pair["frame_id"])
            except frames.FrameError as exc:
                errors.append(f"pair {pair['name']}: {exc}")
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Find the scenes of a frame + dates pair (ASF search), check them, write scenes.json."
    )
    parser.add_argument("--name", required=True, help="pair name (directory name)")
    parser.add_argument("--frame-id", type=int, required=True, help="ARIA frame id")
    parser.add_argument("--reference-date", required=True, help="reference (later) date, YYYY-MM-DD")
    parser.add_argument("--secondary-date", required=True, help="secondary (earlier) date, YYYY-MM-DD")
    parser.add_argument("--min-frame-coverage", type=float, required=True, help="config min_frame_coverage")
    parser.add_argument(
        "--slc-dir", default=None, help="local SAFE directory (local_inputs.slc_dir); '' = ASF"
    )
    parser.add_argument("--out", required=True, help="scenes.json to write")
    parser.add_argument("--log", default=None, help="also append messages to this file")
    http_fetch.add_policy_args(parser)
    args = parser.parse_args(argv)

    report = functools.partial(report_lines, log=args.log)

    try:
        doc = resolve(
            args.name,
            args.frame_id,
            args.reference_date,
            args.secondary_date,
            args.min_frame_coverage,
            slc_dir=args.slc_dir or None,
            base_url=args.base_url,
            policy=http_fetch.policy_from_args(args),
        )
        write(args.out, doc)
    except ResolveError as exc:
        report([f"error: pair {args.name}: {e}" for e in exc.errors])
        return 1
    except OSError as exc:
        if (local := http_fetch.local_resource_error(exc, args.out)) is None:
            raise
        report([f"error: pair {args.name}: {local}"])
        return 1
    report(
        [
            f"pair {args.name}: frame {args.frame_id}, {doc['reference_date']}: {' '.join(doc['reference_scenes'])}",
            f"pair {args.name}: frame {args.frame_id}, {doc['secondary_date']}: {' '.join(doc['secondary_scenes'])}",
            f"pair {args.name}: OK (frame coverage {doc['frame_coverage']:.1%}) -> {args.out}",
        ]
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
