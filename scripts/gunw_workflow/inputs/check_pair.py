"""The check rule: validate one pair before anything is downloaded, and write its pair.json.

Order: offline id rules (pair_rules) -> Earthdata credentials (only if an SLC must be downloaded) -> metadata
(local SAFE manifests, else one ASF search) -> metadata rules (unknown scenes, flight direction, tracks, one pass
per date, contiguous footprints, ref∩sec overlap, frame overlap and coverage). Every failure is printed as
``error: <problem>; <fix>`` and the script exits 1 without writing pair.json.

pair.json holds the contract of docs/design.md plus the derived boxes the download rules need (DEM and
water-mask bounds, whether AUX_CAL is needed).
"""

from __future__ import annotations

import argparse
import functools
import math
import sys
from pathlib import Path

from shapely import wkt as shapely_wkt
from shapely.geometry import MultiPolygon, Polygon
from shapely.ops import unary_union

from gunw_workflow import pair_json, s1_ids
from gunw_workflow.inputs import credentials, http_fetch, scene_metadata
from gunw_workflow.inputs import offline_checks as pair_rules
from gunw_workflow.isce_io.times import parse_time

DEM_BUFFER_DEG = 0.4
WATER_MASK_BUFFER_DEG = 0.1
AUX_CAL_IPF = "002.36"


class PairCheckError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def snapped_bounds(geom, buffer_deg: float) -> list[float]:
    """[W, S, E, N] of `geom` buffered by `buffer_deg`, floored/ceiled to whole degrees."""
    w, s, e, n = geom.bounds
    return [
        float(math.floor(w - buffer_deg)),
        float(math.floor(s - buffer_deg)),
        float(math.ceil(e + buffer_deg)),
        float(math.ceil(n + buffer_deg)),
    ]


def snwe(geom) -> list[float]:
    w, s, e, n = geom.bounds
    return [s, n, w, e]


def gather_metadata(scenes: list[str], slc_dir: str | None, base_url: str | None, policy) -> dict[str, dict]:
    """Local SAFEs when slc_dir is given (every scene must be there), else one ASF search."""
    errors, meta = [], {}
    if slc_dir:
        for scene in scenes:
            path = scene_metadata.find_local_scene(slc_dir, scene)
            if path is None:
                errors.append(
                    f"unknown scene {scene}: not found as {scene}.zip or {scene}.SAFE in local_inputs.slc_dir "
                    f"{slc_dir!r}; put it there or set slc_dir to '' to download it"
                )
                continue
            try:
                meta[scene] = scene_metadata.read_local_safe(path)
            except scene_metadata.MetadataError as exc:
                errors.append(f"scene {scene}: {exc}")
    else:
        try:
            found = scene_metadata.search_asf(scenes, base_url=base_url, policy=policy)
        except scene_metadata.MetadataError as exc:
            hint = "" if "no network" in str(exc) else "; the ASF search service may be down, retry later"
            raise PairCheckError([f"{exc}{hint}"]) from None
        for scene in scenes:
            if scene not in found:
                errors.append(
                    f"unknown scene {scene}: ASF has no IW SLC with this id; check it for typos "
                    "(search.asf.alaska.edu) or use the id of an existing SLC"
                )
        meta = {s: found[s] for s in scenes if s in found}
    if errors:
        raise PairCheckError(errors)
    return meta


def _scene_problems(ref: list[str], sec: list[str], meta: dict[str, dict]) -> list[str]:
    """Per-scene and whole-pair rules: SLC, VV, one pass direction, one track."""
    errors = []
    for scene in ref + sec:
        m = meta[scene]
        if m.get("processing_level") not in (None, "SLC"):
            errors.append(
                f"{scene} is not an SLC product at the source ({m['processing_level']}); use IW SLC ids"
            )
        pol = (m.get("polarization") or "").upper()
        if pol and "VV" not in pol.split("+"):
            errors.append(f"{scene} has no VV channel ({pol}); a GUNW needs VV (1SDV/1SSV) scenes")
    directions = {meta[s]["flight_direction"] for s in ref + sec}
    if len(directions) > 1:
        detail = ", ".join(f"{s[17:32]}:{meta[s]['flight_direction']}" for s in ref + sec)
        errors.append(
            f"mixed flight directions ({detail}); all scenes must be ASCENDING or all DESCENDING (one track)"
        )
    tracks = {meta[s]["track"] for s in ref + sec if meta[s].get("track")}
    if tracks and not pair_rules._adjacent_tracks(tracks):
        errors.append(
            f"scenes are on different tracks {sorted(tracks)} (ASF pathNumber); use scenes of one track "
            "(or two consecutive tracks at the ascending node)"
        )
    return errors


def _role_union(role: str, scenes: list[str], meta: dict[str, dict], errors: list[str]):
    """The footprint of one role's slices; they must be one pass (<= 120 s apart) and contiguous."""
    starts = sorted(parse_time(meta[s]["start"]) for s in scenes)
    late = [s for s in scenes if (parse_time(meta[s]["start"]) - starts[0]).total_seconds() > 120]
    if late:
        errors.append(
            f"{role} scenes are more than 2 min apart ({', '.join(late)} start > 120 s after the first); "
            f"the {role} scenes must be slices of one pass"
        )
    union = unary_union([shapely_wkt.loads(meta[s]["footprint_wkt"]) for s in scenes])
    if not isinstance(union, Polygon):
        errors.append(
            f"{role} scenes are not contiguous: their footprints form {len(getattr(union, 'geoms', []))} "
            f"separate pieces; add the missing slice(s) between them or drop the outlier"
        )
    return union


def _frame_geometry(frame_id: int, inter, direction: str, tracks: set, min_cov: float) -> dict:
    """ROI (the latitude-aligned frame), product extent (its GUNW footprint) and the coverage of the frame."""
    from gunw_workflow.inputs import frames

    try:
        row = frames.frame(frame_id, near=inter)
        footprint = frames.footprint(frame_id, near=inter)
    except frames.FrameError as exc:
        raise PairCheckError([str(exc)]) from None
    errors = []
    if row.direction != direction:
        errors.append(
            f"frame_id {frame_id} is a {row.direction} frame but the scenes are {direction}; use a frame of the "
            "scenes' pass or -1"
        )
    if tracks and not (tracks & row.tracks):
        errors.append(
            f"frame_id {frame_id} is on track {sorted(row.tracks)} but the scenes are on {sorted(tracks)}; "
            "use a frame of the scenes' track or -1"
        )
    if not footprint.intersects(inter):
        errors.append(
            f"frame_id {frame_id} does not overlap the ref∩sec area (frame {[round(v, 3) for v in row.geometry.bounds]}"
            f", ref∩sec {[round(v, 3) for v in inter.bounds]}); use the frame over your scenes or -1"
        )
    if errors:
        raise PairCheckError(errors)
    coverage = row.geometry.intersection(inter).area / row.geometry.area
    if coverage < min_cov:
        raise PairCheckError(
            [
                f"frame coverage too low: ref∩sec covers {coverage:.1%} of frame {frame_id}, below "
                f"min_frame_coverage {min_cov:g}; add the missing slices, or lower min_frame_coverage "
                "(e.g. 0.5 for coastal frames) if a partial product is wanted"
            ]
        )
    return {"roi": row.geometry, "extent": footprint, "coverage": coverage}


def check_metadata(
    ref: list[str], sec: list[str], meta: dict[str, dict], frame_id: int, min_cov: float
) -> dict:
    """The metadata rules; returns the derived geometry facts or raises PairCheckError with all problems."""
    errors = _scene_problems(ref, sec, meta)
    unions = {
        role: _role_union(role, scenes, meta, errors)
        for role, scenes in (("reference", ref), ("secondary", sec))
    }
    if errors:
        raise PairCheckError(errors)
    if parse_time(meta[ref[0]]["start"]) <= max(parse_time(meta[s]["start"]) for s in sec):
        raise PairCheckError(["reference is not after secondary (ASF times); swap the two scene lists"])
    inter = unions["reference"].intersection(unions["secondary"])
    if inter.is_empty or inter.area == 0:
        raise PairCheckError(
            [
                "reference and secondary footprints do not overlap (empty ref∩sec); pick scenes of the same area"
            ]
        )
    if isinstance(inter, MultiPolygon):
        inter = max(inter.geoms, key=lambda g: g.area)
    if frame_id == -1:
        return {"intersection": inter, "coverage": None, "roi": inter, "extent": inter}
    direction = meta[ref[0]]["flight_direction"]
    tracks = {meta[s]["track"] for s in ref + sec if meta[s].get("track")}
    return {"intersection": inter, **_frame_geometry(frame_id, inter, direction, tracks, min_cov)}


def build_pair_json(name, ref, sec, frame_id, meta, geo, min_cov) -> dict:
    ids = {s: s1_ids.parse(s) for s in ref + sec}
    first_ref = min(ref, key=lambda s: meta[s]["start"])
    missions = sorted({ids[s].mission for s in ref + sec})
    ipfs = sorted({meta[s].get("ipf_version") or "" for s in ref + sec} - {""})
    extent = geo["extent"]
    return {
        "pair": name,
        "reference_scenes": list(ref),
        "secondary_scenes": list(sec),
        "frame_id": frame_id,
        "mission": ids[first_ref].mission,
        "missions": missions,
        "track": meta[first_ref].get("track") or ids[first_ref].track,
        "flight_direction": meta[first_ref]["flight_direction"],
        "reference_start": min(meta[s]["start"] for s in ref),
        "reference_stop": max(meta[s]["stop"] for s in ref),
        "secondary_start": min(meta[s]["start"] for s in sec),
        "secondary_stop": max(meta[s]["stop"] for s in sec),
        "roi_snwe": snwe(geo["roi"]),
        "extent_wkt": extent.wkt,
        "extent_snwe": snwe(extent),
        "intersection_wkt": geo["intersection"].wkt,
        "frame_coverage": geo["coverage"],
        "min_frame_coverage": min_cov,
        "dem_bounds_wsen": snapped_bounds(extent, DEM_BUFFER_DEG),
        "water_mask_bounds_wsen": snapped_bounds(extent, WATER_MASK_BUFFER_DEG),
        "ipf_versions": ipfs,
        "needs_aux_cal": AUX_CAL_IPF in ipfs,
        "scenes": {
            s: {
                k: meta[s].get(k)
                for k in (
                    "start",
                    "stop",
                    "footprint_wkt",
                    "ipf_version",
                    "source",
                    "bytes",
                    "md5",
                    "url",
                    "flight_direction",
                    "track",
                    "platform",
                    "polarization",
                )
            }
            for s in ref + sec
        },
    }


def check_pair(
    name: str,
    ref: list[str],
    sec: list[str],
    frame_id: int,
    min_frame_coverage: float | None,
    slc_dir: str | None = None,
    base_url: str | None = None,
    policy=None,
    env: dict | None = None,
    download_mode: str = "slc",
    polarization: str = "vv",
    swaths=(1, 2, 3),
) -> dict:
    """All checks; returns the pair.json dict or raises PairCheckError (list of messages)."""
    errors = pair_rules.check_pair_ids(ref, sec, frame_id)
    if errors:
        raise PairCheckError(errors)
    if int(frame_id) >= 0 and min_frame_coverage is None:
        raise PairCheckError(["a pair with a frame needs min_frame_coverage (a number between 0 and 1)"])
    if min_frame_coverage is not None and not 0.0 <= float(min_frame_coverage) <= 1.0:
        raise PairCheckError([f"min_frame_coverage {min_frame_coverage} must be between 0 and 1"])
    min_cov = float(min_frame_coverage) if int(frame_id) >= 0 else None
    if not slc_dir:  # SLCs will be downloaded: fail now, not after hours of other downloads
        try:
            credentials.require(credentials.EARTHDATA_HOST, env=env)
        except credentials.MissingCredentialsError as exc:
            raise PairCheckError([str(exc)]) from None
    meta = gather_metadata(ref + sec, slc_dir, base_url, policy)
    geo = check_metadata(ref, sec, meta, int(frame_id), min_cov)
    doc = build_pair_json(name, ref, sec, int(frame_id), meta, geo, min_cov)
    if download_mode == "burst":  # burst catalogue rules (inputs/bursts.py), still before any download
        doc.update(burst_record(doc, polarization, swaths, base_url, policy))
    return doc


def burst_record(doc: dict, polarization: str, swaths, base_url=None, policy=None) -> dict:
    """pair.json's burst-mode fields: the bursts each date needs, or PairCheckError naming the bursts."""
    from gunw_workflow.inputs import bursts

    if doc["frame_id"] < 0:
        raise PairCheckError(
            ["download_mode burst needs a frame_id (the frame chooses the bursts); use download_mode slc"]
        )
    windows, dates = {}, {}
    for role in ("reference", "secondary"):
        windows[role] = bursts.search_window(doc[f"{role}_start"], doc[f"{role}_stop"])
        dates[role] = doc[f"{role}_scenes"][0][17:25]
    try:
        rec = bursts.check_frame_bursts(
            doc["frame_id"],
            doc["track"],
            doc["roi_snwe"],
            windows,
            dates,
            swaths,
            polarization,
            base_url,
            policy,
        )
    except bursts.BurstCheckError as exc:
        raise PairCheckError(exc.errors) from None
    return {"download_mode": "burst", "bursts": rec}


def add_resolution(resolution: dict) -> dict:
    """The pair.json keys of a frame + dates pair: its dates and what resolve_pair searched, kept and why."""
    keep = ("frame_id", "reference_date", "secondary_date", "search", "reference", "secondary")
    return {
        "reference_date": resolution["reference_date"],
        "secondary_date": resolution["secondary_date"],
        "resolution": {k: resolution[k] for k in keep if k in resolution},
    }


def report_lines(lines: list[str], log: str | None = None) -> None:
    """The check's lines on stderr (the console) and appended to the job's log, the same text in both."""
    text = "".join(f"{line}\n" for line in lines)
    sys.stderr.write(text)
    if log:
        Path(log).parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a") as fh:
            fh.write(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Validate one pair (before any download) and write pair.json."
    )
    parser.add_argument("--name", required=True, help="pair name (directory name)")
    parser.add_argument(
        "--reference",
        nargs="+",
        required=True,
        help="reference (later date) scene ids (with --resolution: its date)",
    )
    parser.add_argument(
        "--secondary",
        nargs="+",
        required=True,
        help="secondary (earlier date) scene ids (with --resolution: its date)",
    )
    parser.add_argument(
        "--resolution",
        default=None,
        help="scenes.json of a frame + dates pair (rule resolve_pair): its scenes are checked, its record kept",
    )
    parser.add_argument("--frame-id", type=int, required=True, help="ARIA frame id, -1 for none")
    parser.add_argument(
        "--min-frame-coverage",
        type=lambda s: None if s == "None" else float(s),
        required=True,
        help="config min_frame_coverage; None for a pair without a frame (the threshold does not apply)",
    )
    parser.add_argument(
        "--slc-dir", default=None, help="local SAFE directory (local_inputs.slc_dir); '' = ASF"
    )
    from gunw_workflow.config import defaults

    tops = defaults()["topsapp"]
    parser.add_argument(
        "--burst-mode",
        action="store_true",
        help="download_mode resolved to burst: check the frame's bursts in ASF's burst catalogue",
    )
    parser.add_argument(
        "--polarization", default=tops["polarization"], help="topsapp.polarization (burst mode)"
    )
    parser.add_argument(
        "--swaths", nargs="+", type=int, default=tops["swaths"], help="topsapp.swaths (burst mode)"
    )
    parser.add_argument("--out", required=True, help="pair.json to write")
    parser.add_argument("--log", default=None, help="also append messages to this file")
    http_fetch.add_policy_args(parser)
    args = parser.parse_args(argv)

    report = functools.partial(report_lines, log=args.log)

    resolution = None
    if args.resolution:  # a frame + dates pair: the scenes resolve_pair found for these dates
        from gunw_workflow.inputs import frame_dates

        resolution = frame_dates.read(args.resolution)
        given = (args.reference, args.secondary, args.frame_id)
        wanted = ([resolution["reference_date"]], [resolution["secondary_date"]], resolution["frame_id"])
        if given != wanted:
            report(
                [
                    f"error: pair {args.name}: {args.resolution} was resolved for frame {wanted[2]} "
                    f"{wanted[0][0]}/{wanted[1][0]}, not {given[2]} {given[0]}/{given[1]}; delete it and re-run"
                ]
            )
            return 1
        args.reference, args.secondary = resolution["reference_scenes"], resolution["secondary_scenes"]
    try:
        doc = check_pair(
            args.name,
            args.reference,
            args.secondary,
            args.frame_id,
            args.min_frame_coverage,
            slc_dir=args.slc_dir or None,
            base_url=args.base_url,
            policy=http_fetch.policy_from_args(args),
            download_mode="burst" if args.burst_mode else "slc",
            polarization=args.polarization,
            swaths=args.swaths,
        )
    except PairCheckError as exc:
        report([f"error: pair {args.name}: {e}" for e in exc.errors])
        return 1
    if resolution is not None:
        doc.update(add_resolution(resolution))
    try:
        pair_json.write(args.out, doc)
    except OSError as exc:
        if (local := http_fetch.local_resource_error(exc, args.out)) is None:
            raise
        report([f"error: pair {args.name}: {local}"])
        return 1
    cov = "" if doc["frame_coverage"] is None else f", frame coverage {doc['frame_coverage']:.1%}"
    if doc.get("bursts"):
        cov += f", burst mode: {len(doc['bursts']['reference']['bursts'])} bursts per date"
    report([f"pair {args.name}: OK (track {doc['track']} {doc['flight_direction']}{cov}) -> {args.out}"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
