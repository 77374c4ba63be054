"""Pair checks that need nothing but the scene ids (and the offline frame table).

Run at config-validation time so `snakemake -n` rejects a bad pair with no network, and again by the check rule
(check_pair.py) before any metadata search. Every message names the pair, the problem and the fix.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta

from gunw_workflow import s1_ids

MAX_SAME_DATE_SPREAD = timedelta(seconds=120)  # reference rule 2: slices of one date start <= 120 s apart
GUNW_POLARISATIONS = ("1SDV", "1SSV")


def _adjacent_tracks(tracks: set[int]) -> bool:
    """One track, or two consecutive tracks (a pass crossing the ascending node, e.g. 86/87 or 175/1)."""
    if len(tracks) == 1:
        return True
    if len(tracks) != 2:
        return False
    a, b = sorted(tracks)
    return b - a == 1 or (a, b) == (1, 175)


def check_scene_ids(reference: list[str], secondary: list[str]) -> list[str]:
    """Grammar, IW SLC, VV, duplicates, per-date rules, date order, tracks, missions. Returns error strings."""
    errors: list[str] = []
    if not reference:
        errors.append("reference_scenes is empty: give at least one scene id of the later date")
    if not secondary:
        errors.append("secondary_scenes is empty: give at least one scene id of the earlier date")
    parsed: dict[str, list] = {"reference": [], "secondary": []}
    for role, scenes in (("reference", reference), ("secondary", secondary)):
        for scene in scenes:
            try:
                sid = s1_ids.parse(scene)
            except s1_ids.SceneIdError as exc:
                errors.append(f"malformed scene id in {role}_scenes: {exc}")
                continue
            if sid.mode != "IW":
                errors.append(
                    f"{scene} is not an IW scene (beam mode {sid.mode}); a GUNW needs Interferometric Wide (IW) SLCs"
                )
            if sid.product != "SLC_":
                errors.append(
                    f"{scene} is not an SLC (product type {sid.product.rstrip('_')}); a GUNW needs IW SLC scenes "
                    "(ids of the form S1x_IW_SLC__1S?V_...)"
                )
            if sid.polarisation[:2] != "1S":
                errors.append(
                    f"{scene} is not a level-1 standard product ({sid.polarisation}); use the 1S* SLC id"
                )
            elif sid.polarisation not in GUNW_POLARISATIONS:
                errors.append(
                    f"{scene} has polarisation {sid.polarisation[2:]} (no VV channel); a GUNW needs VV: "
                    "use a 1SDV or 1SSV scene"
                )
            parsed[role].append(sid)
    # duplicates, within and across the lists
    seen: dict[str, str] = {}
    for role, scenes in (("reference", reference), ("secondary", secondary)):
        for scene in scenes:
            if scene in seen:
                where = (
                    f"twice in {role}_scenes" if seen[scene] == role else "in both reference and secondary"
                )
                errors.append(f"duplicate scene {scene} ({where}); list every scene once")
            else:
                seen[scene] = role
    if errors:
        return errors
    ref, sec = parsed["reference"], parsed["secondary"]
    # one date (one pass) per list: every slice starts <= 120 s after the earliest, one mission per pass
    for role, sids in (("reference", ref), ("secondary", sec)):
        first = min(s.start for s in sids)
        far = [s.scene for s in sids if s.start - first > MAX_SAME_DATE_SPREAD]
        if far:
            errors.append(
                f"{role}_scenes are not one acquisition: {', '.join(far)} start(s) more than "
                f"{int(MAX_SAME_DATE_SPREAD.total_seconds())} s after the earliest {role} scene "
                f"({first:%Y-%m-%dT%H:%M:%S}); a {role} date must be consecutive slices of one pass"
            )
        missions = sorted({s.mission for s in sids})
        if len(missions) > 1:
            errors.append(
                f"{role}_scenes mix missions {'/'.join(missions)}; the slices of one date come from one satellite"
            )
    # reference after secondary (the reference is the later date), compared on sorted times
    if max(s.start for s in sec) >= min(s.start for s in ref):
        errors.append(
            f"reference is not after secondary: the reference date ({min(s.start for s in ref):%Y-%m-%d}) must be "
            f"later than the secondary date ({max(s.start for s in sec):%Y-%m-%d}); swap reference_scenes and "
            "secondary_scenes"
        )
    tracks = {s.track for s in ref + sec}
    if not _adjacent_tracks(tracks):
        detail = ", ".join(f"{s.scene[17:32]}:{s.track}" for s in ref + sec)
        errors.append(
            f"scenes are on different tracks {sorted(tracks)} ({detail}); all scenes must share one track "
            "(or two consecutive tracks at the ascending node)"
        )
    return errors


def check_frame_id(frame_id, tracks: set[int] | None = None) -> list[str]:
    """Frame id exists in the shipped frame table and is on the scenes' track."""
    try:
        fid = int(frame_id)
    except (TypeError, ValueError):
        return [f"frame_id {frame_id!r} is not an integer; give an ARIA frame id or -1 for no frame"]
    if fid == -1:
        return []
    if fid < -1:
        return [f"frame_id {fid} is invalid; give an ARIA frame id (>= 0) or -1 for no frame"]
    from gunw_workflow.inputs import frames

    try:
        row = frames.frame(fid)
    except frames.FrameError as exc:
        return [str(exc)]
    if tracks and not (tracks & row.tracks):
        return [
            f"frame_id {fid} is on track {'/'.join(map(str, sorted(row.tracks)))} ({row.direction}) but the scenes "
            f"are on track {'/'.join(map(str, sorted(tracks)))}; pick a frame of the scenes' track or use -1"
        ]
    return []


def check_pair_ids(reference: list[str], secondary: list[str], frame_id=-1) -> list[str]:
    errors = check_scene_ids(list(reference or []), list(secondary or []))
    if errors:
        return errors + [
            e for e in check_frame_id(frame_id) if "does not exist" in e or "not an integer" in e
        ]
    tracks = {s1_ids.parse(s).track for s in list(reference) + list(secondary)}
    return check_frame_id(frame_id, tracks)


def check_pairs_offline(pairs) -> list[str]:
    """Errors of all pairs (dicts with reference_scenes, secondary_scenes, frame_id, name), each prefixed by
    the pair name. Empty list = every pair passes the offline checks. `pairs` may also be a name -> pair dict."""
    items = list(pairs.values()) if isinstance(pairs, dict) else list(pairs)
    errors = []
    for i, pair in enumerate(items):
        name = pair.get("name") or f"pair #{i + 1}"
        for err in check_pair_ids(
            pair.get("reference_scenes") or [], pair.get("secondary_scenes") or [], pair["frame_id"]
        ):
            errors.append(f"pair {name}: {err}")
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Offline pair checks (scene ids and frame id only).")
    parser.add_argument("--reference", nargs="+", required=True, help="reference (later) scene ids")
    parser.add_argument("--secondary", nargs="+", required=True, help="secondary (earlier) scene ids")
    parser.add_argument("--frame-id", type=int, required=True, help="ARIA frame id, -1 for none")
    args = parser.parse_args(argv)
    errors = check_pair_ids(args.reference, args.secondary, args.frame_id)
    for err in errors:
        print(f"error: {err}", file=sys.stderr)
    if not errors:
        print(json.dumps({"ok": True}))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
